// Tests of src/http/session.ts and response.ts: requests, request options and
// the response object, against the local test server.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { FormData as UndiciFormData } from 'undici';
import { createTask, sleep } from '../../src/index.js';
import {
  ClientSession,
  HttpStatusError,
  InvalidUrlError,
  Response,
  ResponseError,
  SessionClosedError,
} from '../../src/http/index.js';
import { checkNoUnhandledRejections, isError, scene } from './helpers.js';

checkNoUnhandledRejections();

interface Echo {
  method: string;
  url: string;
  args: Record<string, string>;
  headers: Record<string, string>;
  data: string;
  bytes: number;
  json: unknown;
  form: Record<string, string> | null;
  httpVersion: string;
}

describe('ClientSession requests', () => {
  it('get() resolves with status, ok, headers, final url, text, json and bytes', async () => {
    await scene(async ({ server, session }) => {
      const r = await session.get(`${server.url}/json`);
      assert.ok(r instanceof Response);
      assert.equal(r.status, 200);
      assert.equal(r.ok, true);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.header('Content-Type'), 'application/json');
      assert.equal(r.url, `${server.url}/json`);
      assert.deepEqual(r.redirects, []);
      const j = await r.json<{ slideshow: { author: string } }>();
      assert.equal(j.slideshow.author, 'asyncio-ts');
      assert.equal(
        (JSON.parse(await r.text()) as { slideshow: { author: string } }).slideshow.author,
        'asyncio-ts',
        'a buffered body reads again',
      );
      const bytes = await r.bytes();
      assert.ok(bytes instanceof Uint8Array);
      assert.equal(bytes.length, Number(r.headers['content-length']));
      assert.deepEqual(r.content, bytes, 'content: the same body, without waiting');
      assert.equal(String(r), `<Response 200 GET ${server.url}/json>`);
    });
  });

  it('get/post/put/patch/delete/head send their method', async () => {
    await scene(async ({ server, session }) => {
      for (const m of ['get', 'post', 'put', 'patch', 'delete'] as const) {
        const r = await session[m](`${server.url}/anything`);
        assert.equal((await r.json<Echo>()).method, m.toUpperCase());
      }
      const h = await session.head(`${server.url}/html`);
      assert.equal(h.status, 200);
      assert.equal((await h.bytes()).length, 0, 'a HEAD response has no body');
      const o = await session.request('options', `${server.url}/anything`);
      assert.equal((await o.json<Echo>()).method, 'OPTIONS');
    });
  });

  it('query parameters are appended (objects, arrays, URLSearchParams, strings)', async () => {
    await scene(async ({ server, session }) => {
      let r = await session.get(`${server.url}/anything?a=1`, {
        query: { b: 'two words', c: [1, 2], d: null, e: true },
      });
      let e = await r.json<Echo>();
      assert.equal(e.url, '/anything?a=1&b=two+words&c=1&c=2&e=true');
      r = await session.get(`${server.url}/anything`, { query: new URLSearchParams({ x: 'y' }) });
      assert.equal((await r.json<Echo>()).url, '/anything?x=y');
      r = await session.get(`${server.url}/anything?a=1`, { query: 'z=9' });
      e = await r.json<Echo>();
      assert.equal(e.url, '/anything?a=1&z=9');
    });
  });

  it('headers merge over the session headers, case-insensitively; undefined removes one', async () => {
    await scene(
      async ({ server, session }) => {
        const r = await session.get(`${server.url}/headers`, {
          headers: { 'X-Request': 'r', 'x-session': 'override', 'X-Gone': undefined },
        });
        const h = (await r.json<{ headers: Record<string, string> }>()).headers;
        assert.equal(h['x-request'], 'r');
        assert.equal(h['x-session'], 'override');
        assert.equal(h['x-gone'], undefined);
        assert.equal(h['user-agent'], 'asyncio-ts');
        assert.equal(h['accept-encoding'], 'gzip, deflate, br');
      },
      { session: { headers: { 'X-Session': 's', 'x-gone': 'g' } } },
    );
  });

  it('json, form, string, bytes, URLSearchParams, FormData and stream bodies', async () => {
    await scene(async ({ server, session }) => {
      const url = `${server.url}/anything`;
      let e = await (await session.post(url, { json: { a: [1, 2] } })).json<Echo>();
      assert.deepEqual(e.json, { a: [1, 2] });
      assert.equal(e.headers['content-type'], 'application/json');
      e = await (await session.post(url, { form: { name: 'Ada', tags: ['x', 'y'] } })).json<Echo>();
      assert.equal(e.data, 'name=Ada&tags=x&tags=y');
      assert.equal(e.headers['content-type'], 'application/x-www-form-urlencoded');
      e = await (await session.put(url, { body: 'plain text' })).json<Echo>();
      assert.equal(e.data, 'plain text');
      assert.match(e.headers['content-type']!, /^text\/plain/);
      e = await (await session.put(url, { body: new Uint8Array([104, 105]) })).json<Echo>();
      assert.equal(e.data, 'hi');
      e = await (await session.post(url, { body: new URLSearchParams({ q: '1' }) })).json<Echo>();
      assert.deepEqual(e.form, { q: '1' });
      const fd = new FormData();
      fd.set('field', 'value');
      e = await (await session.post(url, { body: fd })).json<Echo>();
      assert.match(e.headers['content-type']!, /^multipart\/form-data; boundary=/);
      assert.match(e.data, /name="field"\r\n\r\nvalue/);
      // undici's own FormData class, and a subclass of the global one.
      const ufd = new UndiciFormData();
      ufd.set('u', 'undici');
      e = await (await session.post(url, { body: ufd })).json<Echo>();
      assert.match(e.data, /name="u"\r\n\r\nundici/);
      class MyForm extends FormData {}
      const mfd = new MyForm();
      mfd.set('m', 'sub');
      e = await (await session.post(url, { body: mfd })).json<Echo>();
      assert.match(e.data, /name="m"\r\n\r\nsub/);
      e = await (
        await session.post(url, { body: Readable.from([Buffer.from('str'), Buffer.from('eam')]) })
      ).json<Echo>();
      assert.equal(e.data, 'stream');
      async function* gen(): AsyncGenerator<Uint8Array> {
        yield Buffer.from('gen');
        await sleep(1);
        yield Buffer.from('erator');
      }
      e = await (await session.post(url, { body: gen() })).json<Echo>();
      assert.equal(e.data, 'generator');
      e = await (
        await session.post(url, {
          json: 'x',
          headers: { 'content-type': 'application/vnd.x+json' },
        })
      ).json<Echo>();
      assert.equal(
        e.headers['content-type'],
        'application/vnd.x+json',
        'an explicit content-type wins',
      );
    });
  });

  it('rejects two bodies at once and a body on GET', async () => {
    await scene(async ({ server, session }) => {
      await assert.rejects(
        session.post(`${server.url}/anything`, { json: 1, body: 'x' }),
        TypeError,
      );
      await assert.rejects(session.get(`${server.url}/anything`, { body: 'x' }), TypeError);
    });
  });

  it('baseUrl resolves relative URLs; URL credentials become Basic authorization', async () => {
    await scene(async ({ server }) => {
      const s = new ClientSession({ baseUrl: `${server.url}/` });
      try {
        const r = await s.get('anything/x');
        assert.equal((await r.json<Echo>()).url, '/anything/x');
        const u = new URL(`${server.url}/headers`);
        u.username = 'ada';
        u.password = 'pw';
        const h = await (await s.get(u)).json<{ headers: Record<string, string> }>();
        assert.equal(
          h.headers['authorization'],
          `Basic ${Buffer.from('ada:pw').toString('base64')}`,
        );
      } finally {
        await s.close();
      }
    });
  });

  it('raiseForStatus() throws HttpStatusError for 4xx/5xx and returns the response otherwise', async () => {
    await scene(async ({ server, session }) => {
      const ok = await session.get(`${server.url}/status/204`);
      assert.equal(ok.raiseForStatus(), ok);
      const r = await session.get(`${server.url}/status/404`);
      assert.equal(r.status, 404);
      assert.equal(r.ok, false);
      assert.throws(
        () => r.raiseForStatus(),
        (e: unknown) => {
          assert.ok(e instanceof HttpStatusError);
          assert.equal(e.code, 'ERR_HTTP_STATUS');
          assert.equal(e.status, 404);
          assert.equal(e.response, r);
          assert.match(e.message, /answered 404/);
          return true;
        },
      );
      await assert.rejects(
        session.get(`${server.url}/status/418`, { raiseForStatus: true }),
        isError(HttpStatusError, 'ERR_HTTP_STATUS'),
      );
    });
  });

  it('json() of a body that is not JSON rejects with ResponseError', async () => {
    await scene(async ({ server, session }) => {
      const r = await session.get(`${server.url}/html`);
      await assert.rejects(r.json(), isError(ResponseError, 'ERR_HTTP_RESPONSE'));
    });
  });

  it('timing says where the time went', async () => {
    await scene(async ({ server, session }) => {
      const r = await session.get(`${server.url}/delay/0.1`);
      const t = r.timing;
      assert.equal(t.attempts, 1);
      assert.ok(t.connect >= 0);
      assert.ok(t.firstByte >= 90, `first byte after the server's delay (${t.firstByte})`);
      assert.ok(t.total >= t.firstByte);
      assert.equal(t.pool, 0);
    });
  });

  it('invalid URLs reject with InvalidUrlError (code ERR_INVALID_URL)', async () => {
    await scene(async ({ session }) => {
      for (const bad of ['http://', 'not a url', 'ftp://example.com/x', '/relative']) {
        await assert.rejects(session.get(bad), isError(InvalidUrlError, 'ERR_INVALID_URL'));
      }
      await assert.rejects(session.get('/relative'), /baseUrl/);
    });
  });

  it('a closed session refuses requests with SessionClosedError', async () => {
    await scene(async ({ server }) => {
      const s = new ClientSession();
      assert.equal((await s.get(`${server.url}/get`)).status, 200);
      await s.close();
      assert.equal(s.closed, true);
      await assert.rejects(
        s.get(`${server.url}/get`),
        isError(SessionClosedError, 'ERR_SESSION_CLOSED'),
      );
      await s.close(); // idempotent
      await s.destroy();
    });
  });

  it('close() lets requests in flight finish; destroy() aborts them', async () => {
    await scene(async ({ server }) => {
      const s = new ClientSession();
      const t = createTask(() => s.get(`${server.url}/delay/0.2`));
      await sleep(50);
      await s.close();
      assert.equal((await t).status, 200);
      const s2 = new ClientSession();
      const t2 = createTask(() => s2.get(`${server.url}/delay/5`));
      await sleep(50);
      await s2.destroy();
      await assert.rejects(async () => {
        await t2;
      }, isError(SessionClosedError));
    });
  });

  it('statistics() and toString() describe the session', async () => {
    await scene(async ({ server, session }) => {
      await session.get(`${server.url}/get`);
      await session.get(`${server.url}/status/500`, { retry: false });
      const st = session.statistics();
      assert.equal(st.requests, 2);
      assert.equal(st.responses, 2);
      assert.equal(st.inFlight, 0);
      assert.equal(st.active, 0);
      assert.equal(st.limits.totalConcurrency, 100);
      assert.ok(Object.isFrozen(st));
      assert.equal(String(session), '<ClientSession open inFlight=0 requests=2>');
    });
  });

  it('an AbortSignal aborts the request and it rejects with signal.reason', async () => {
    await scene(async ({ server, session }) => {
      const ac = new AbortController();
      const p = session.get(`${server.url}/delay/5`, { signal: ac.signal });
      await sleep(50);
      const reason = new Error('user gave up');
      ac.abort(reason);
      await assert.rejects(p, (e) => e === reason);
      await server.waitForInFlight(0, 2000);
      const done = new AbortController();
      done.abort('already');
      await assert.rejects(
        session.get(`${server.url}/get`, { signal: done.signal }),
        (e) => e === 'already',
      );
    });
  });
});
