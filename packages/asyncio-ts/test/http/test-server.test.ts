// Tests of src/testing/test-server.ts: every route and every counter.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { startTestServer } from '../../src/testing/index.js';
import { TestServer } from '../../src/testing/test-server.js';
import { checkNoUnhandledRejections, scene } from './helpers.js';

checkNoUnhandledRejections();

/** A raw request (no decompression, no retries): status, headers and body bytes. */
function raw(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      })
      .on('error', reject);
  });
}

describe('startTestServer()', () => {
  it('listens on 127.0.0.1 and a free port, and says what it serves', async () => {
    await using server = await startTestServer();
    assert.ok(server instanceof TestServer);
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(server.port > 0);
    const r = await raw(`${server.url}/`);
    assert.match(r.body.toString(), /\/delay\/:seconds/);
    assert.equal((await raw(`${server.url}/nope`)).status, 404);
  });

  it('/html is a ~10 KB page with a title; /html/:name and ?size= vary it', async () => {
    await using server = await startTestServer();
    const page = (await raw(`${server.url}/html`)).body.toString();
    assert.match(page, /<title>Test page<\/title>/);
    assert.ok(page.length > 9000 && page.length < 11_000, String(page.length));
    assert.match(
      (await raw(`${server.url}/html/7`)).body.toString(),
      /<title>Page 7 of the test server<\/title>/,
    );
    assert.ok((await raw(`${server.url}/html?size=50000`)).body.length >= 49_000);
  });

  it('/json, /get, /headers and /anything describe the request', async () => {
    await scene(async ({ server, session }) => {
      assert.equal(
        (await (await session.get(`${server.url}/json`)).json<{ slideshow: object }>())
          .slideshow !== undefined,
        true,
      );
      const g = await (
        await session.get(`${server.url}/get?x=1`, { headers: { 'x-a': 'b' } })
      ).json<{
        args: Record<string, string>;
        headers: Record<string, string>;
      }>();
      assert.deepEqual(g.args, { x: '1' });
      assert.equal(g.headers['x-a'], 'b');
      const a = await (
        await session.put(`${server.url}/anything/deep/path`, { json: [1] })
      ).json<{
        method: string;
        path: string;
        json: unknown;
        bytes: number;
      }>();
      assert.deepEqual([a.method, a.path, a.json, a.bytes], ['PUT', '/anything/deep/path', [1], 3]);
    });
  });

  it('/delay/:seconds answers after the delay (fractions allowed)', async () => {
    await scene(async ({ server, session, loop }) => {
      const t0 = loop.time();
      const r = await session.get(`${server.url}/delay/0.25`);
      assert.ok(loop.time() - t0 >= 240);
      assert.deepEqual(await r.json(), { delay: 0.25 });
    });
  });

  it('/status/:code, /redirect/:n, /absolute-redirect/:n and /redirect-to', async () => {
    await using server = await startTestServer();
    assert.equal((await raw(`${server.url}/status/418`)).status, 418);
    assert.equal((await raw(`${server.url}/status/204`)).body.length, 0);
    const s = await raw(`${server.url}/status/301`);
    assert.equal(s.headers.location, '/get');
    assert.equal((await raw(`${server.url}/redirect/2`)).headers.location, '/redirect/1');
    assert.equal((await raw(`${server.url}/redirect/1?status=307`)).status, 307);
    assert.equal(
      (await raw(`${server.url}/absolute-redirect/1`)).headers.location,
      `${server.url}/get`,
    );
    const to = await raw(`${server.url}/redirect-to?url=http://example.com/&status=308`);
    assert.deepEqual([to.status, to.headers.location], [308, 'http://example.com/']);
  });

  it('/bytes/:n, /stream/:n and /drip', async () => {
    await scene(async ({ server, session, loop }) => {
      const a = await (await session.get(`${server.url}/bytes/1000`)).bytes();
      const b = await (await session.get(`${server.url}/bytes/1000`)).bytes();
      assert.equal(a.length, 1000);
      assert.deepEqual(a, b, 'the same bytes each time');
      const lines = (await (await session.get(`${server.url}/stream/4`)).text()).trim().split('\n');
      assert.deepEqual(
        lines.map((l) => (JSON.parse(l) as { id: number }).id),
        [0, 1, 2, 3],
      );
      const t0 = loop.time();
      const d = await session.get(`${server.url}/drip?numbytes=3&duration=0.3&delay=0.1&code=201`);
      assert.equal(d.status, 201);
      assert.equal(await d.text(), '***');
      assert.ok(loop.time() - t0 >= 250);
    });
  });

  it('/gzip, /deflate and /brotli are compressed', async () => {
    await using server = await startTestServer();
    for (const [route, enc] of [
      ['gzip', 'gzip'],
      ['deflate', 'deflate'],
      ['brotli', 'br'],
    ]) {
      assert.equal((await raw(`${server.url}/${route}`)).headers['content-encoding'], enc);
    }
  });

  it('/retry-after/:seconds answers 429 (or ?status=) with Retry-After, `times` times per key', async () => {
    await using server = await startTestServer();
    const first = await raw(`${server.url}/retry-after/3?key=k&times=2`);
    assert.deepEqual([first.status, first.headers['retry-after']], [429, '3']);
    assert.equal((await raw(`${server.url}/retry-after/3?key=k&times=2`)).status, 429);
    assert.equal((await raw(`${server.url}/retry-after/3?key=k&times=2`)).status, 200);
    const d = await raw(`${server.url}/retry-after/3?key=d&status=503&date=1`);
    assert.equal(d.status, 503);
    assert.match(String(d.headers['retry-after']), /GMT$/);
  });

  it('/flaky/:n drops the connection (or answers ?status=) the first n times per key', async () => {
    await using server = await startTestServer();
    await assert.rejects(raw(`${server.url}/flaky/1?key=f`));
    assert.equal((await raw(`${server.url}/flaky/1?key=f`)).status, 200);
    assert.equal((await raw(`${server.url}/flaky/1?key=g&status=502`)).status, 502);
  });

  it('/cookies/set sets cookies and redirects to /cookies, which echoes them', async () => {
    await using server = await startTestServer();
    const set = await raw(`${server.url}/cookies/set?a=1&b=2`);
    assert.equal(set.status, 302);
    assert.deepEqual(set.headers['set-cookie'], ['a=1; Path=/', 'b=2; Path=/']);
    const echo = await raw(`${server.url}/cookies`, { cookie: 'a=1; b=2' });
    assert.deepEqual(JSON.parse(echo.body.toString()), { cookies: { a: '1', b: '2' } });
  });

  it('counts requests, open connections, concurrency and hits per path', async () => {
    await scene(async ({ server, session }) => {
      await Promise.all([1, 2, 3].map(() => session.get(`${server.url}/delay/0.1`)));
      const st = server.statistics();
      assert.equal(st.requests, 3);
      assert.equal(st.maxConcurrent, 3);
      assert.equal(st.inFlight, 0);
      assert.ok(st.openConnections >= 1 && st.openConnections <= 3);
      assert.equal(st.maxOpenConnections, 3);
      assert.equal(server.hits('/delay/0.1'), 3);
      assert.ok(Object.isFrozen(st));
      assert.match(String(server), /^<TestServer http:\/\/127\.0\.0\.1:\d+ requests=3 open=\d>$/);
      const stats = await (await session.get(`${server.url}/stats`)).json<{ requests: number }>();
      assert.equal(stats.requests, 4);
      server.resetStatistics();
      assert.equal(server.statistics().requests, 0);
      assert.equal(server.hits('/delay/0.1'), 0);
      await session.close();
      await server.waitForConnections(0, 2000);
      await assert.rejects(server.waitForInFlight(-1, 20), /not at most -1 requests in flight/);
    });
  });
});
