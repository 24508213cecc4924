// Tests of src/http/redirects.ts (and the redirect handling of the session).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { TooManyRedirectsError } from '../../src/http/index.js';
import { startTestServer } from '../../src/testing/index.js';
import { checkNoUnhandledRejections, isError, scene } from './helpers.js';

checkNoUnhandledRejections();

interface Echo {
  method: string;
  data: string;
  json: unknown;
  headers: Record<string, string>;
}

describe('redirects', () => {
  it('are followed, and recorded in response.redirects', async () => {
    await scene(async ({ server, session }) => {
      const r = await session.get(`${server.url}/redirect/3`);
      assert.equal(r.status, 200);
      assert.equal(r.url, `${server.url}/get`);
      assert.deepEqual(r.redirects, [
        { url: `${server.url}/redirect/3`, status: 302, location: `${server.url}/redirect/2` },
        { url: `${server.url}/redirect/2`, status: 302, location: `${server.url}/redirect/1` },
        { url: `${server.url}/redirect/1`, status: 302, location: `${server.url}/get` },
      ]);
      const a = await session.get(`${server.url}/absolute-redirect/2`);
      assert.equal(a.url, `${server.url}/get`);
      assert.equal(a.redirects.length, 2);
    });
  });

  it('past maxRedirects reject with TooManyRedirectsError', async () => {
    await scene(async ({ server, session }) => {
      await assert.rejects(
        session.get(`${server.url}/redirect/5`, { maxRedirects: 2 }),
        (e: unknown) => {
          isError(TooManyRedirectsError, 'ERR_TOO_MANY_REDIRECTS')(e);
          assert.equal((e as TooManyRedirectsError).redirects.length, 3);
          return true;
        },
      );
    });
  });

  it('maxRedirects: 0 returns the redirect response itself', async () => {
    await scene(async ({ server, session }) => {
      const r = await session.get(`${server.url}/redirect/1`, { maxRedirects: 0 });
      assert.equal(r.status, 302);
      assert.equal(r.header('location'), '/get');
    });
  });

  it('303 turns the request into a GET without a body', async () => {
    await scene(async ({ server, session }) => {
      const r = await session.post(`${server.url}/redirect-to?url=/anything&status=303`, {
        json: { a: 1 },
      });
      assert.equal(r.method, 'GET');
      const e = await r.json<Echo>();
      assert.equal(e.method, 'GET');
      assert.equal(e.data, '');
      assert.equal(e.headers['content-type'], undefined);
    });
  });

  it('301 and 302 turn a POST into a GET; other methods are kept', async () => {
    await scene(async ({ server, session }) => {
      for (const status of [301, 302]) {
        const e = await (
          await session.post(`${server.url}/redirect-to?url=/anything&status=${status}`, {
            json: 1,
          })
        ).json<Echo>();
        assert.equal(e.method, 'GET');
        const d = await (
          await session.delete(`${server.url}/redirect-to?url=/anything&status=${status}`)
        ).json<Echo>();
        assert.equal(d.method, 'DELETE');
      }
    });
  });

  it('307 and 308 keep the method and the body', async () => {
    await scene(async ({ server, session }) => {
      for (const status of [307, 308]) {
        const r = await session.post(`${server.url}/redirect-to?url=/anything&status=${status}`, {
          json: { keep: status },
        });
        const e = await r.json<Echo>();
        assert.equal(e.method, 'POST');
        assert.deepEqual(e.json, { keep: status });
        assert.equal(e.headers['content-type'], 'application/json');
      }
    });
  });

  it('a 307 with a streamed body is not followed (the body cannot be sent again)', async () => {
    await scene(async ({ server, session }) => {
      const r = await session.post(`${server.url}/redirect-to?url=/anything&status=307`, {
        body: Readable.from([Buffer.from('x')]),
      });
      assert.equal(r.status, 307);
    });
  });

  it('Authorization is dropped when a redirect leaves the origin, kept within it', async () => {
    await using other = await startTestServer();
    await scene(async ({ server, session }) => {
      const headers = { authorization: 'Bearer secret', 'x-kept': 'yes' };
      const same = await (
        await session.get(`${server.url}/redirect-to?url=/headers`, { headers })
      ).json<Echo>();
      assert.equal(same.headers['authorization'], 'Bearer secret');
      const away = encodeURIComponent(`${other.url}/headers`);
      const cross = await (
        await session.get(`${server.url}/redirect-to?url=${away}`, { headers })
      ).json<Echo>();
      assert.equal(cross.headers['authorization'], undefined);
      assert.equal(cross.headers['x-kept'], 'yes');
    });
  });
});
