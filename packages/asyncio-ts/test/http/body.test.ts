// Tests of src/http/body.ts: decompression, streamed bodies (backpressure,
// release, cancellation) and the body size cap.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { CancelledError, createTask, InvalidStateError, sleep } from '../../src/index.js';
import { BodyTooLargeError, ResponseError } from '../../src/http/index.js';
import { checkNoUnhandledRejections, isError, scene } from './helpers.js';

checkNoUnhandledRejections();

async function drain(body: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const c of body) n += c.length;
  return n;
}

describe('decompression', () => {
  it('gzip, deflate and br bodies are decoded', async () => {
    await scene(async ({ server, session }) => {
      assert.equal(
        (await (await session.get(`${server.url}/gzip`)).json<{ gzipped: boolean }>()).gzipped,
        true,
      );
      assert.equal(
        (await (await session.get(`${server.url}/deflate`)).json<{ deflated: boolean }>()).deflated,
        true,
      );
      assert.equal(
        (await (await session.get(`${server.url}/brotli`)).json<{ brotli: boolean }>()).brotli,
        true,
      );
    });
  });

  it('streamed compressed bodies are decoded as they arrive', async () => {
    await scene(async ({ server, session }) => {
      for (const kind of ['gzip', 'deflate', 'brotli']) {
        const r = await session.get(`${server.url}/${kind}`, { stream: true });
        const text = Buffer.concat(await collect(r.body)).toString();
        assert.ok((JSON.parse(text) as { text: string }).text.length > 1000, kind);
      }
    });
  });

  it('decompress: false leaves the body as sent and asks for no encoding', async () => {
    await scene(async ({ server, session }) => {
      const r = await session.get(`${server.url}/gzip`, { decompress: false });
      assert.equal(r.header('content-encoding'), 'gzip');
      const raw = Buffer.from(await r.bytes());
      assert.equal(
        (JSON.parse(zlib.gunzipSync(raw).toString()) as { gzipped: boolean }).gzipped,
        true,
      );
      const h = await (
        await session.get(`${server.url}/headers`, { decompress: false })
      ).json<{
        headers: Record<string, string>;
      }>();
      assert.equal(h.headers['accept-encoding'], undefined);
    });
  });

  it('a body that does not decode rejects with ResponseError', async () => {
    const bad = http.createServer((_req, res) => {
      res
        .writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' })
        .end('not gzip at all');
    });
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
    try {
      await scene(async ({ session }) => {
        const url = `http://127.0.0.1:${(bad.address() as AddressInfo).port}/`;
        await assert.rejects(session.get(url), isError(ResponseError, 'ERR_HTTP_RESPONSE'));
        const r = await session.get(url, { stream: true });
        await assert.rejects(drain(r.body), isError(ResponseError));
      });
    } finally {
      bad.closeAllConnections();
      await new Promise((r) => bad.close(r));
    }
  });
});

async function collect(body: AsyncIterable<Uint8Array>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const c of body) out.push(Buffer.from(c));
  return out;
}

describe('streamed bodies', () => {
  it('arrive chunk by chunk as an async iterable', async () => {
    await scene(async ({ server, session }) => {
      const r = await session.get(`${server.url}/stream/20`, { stream: true });
      assert.equal(r.streamed, true);
      const lines = Buffer.concat(await collect(r.body))
        .toString()
        .trim()
        .split('\n');
      assert.equal(lines.length, 20);
      assert.equal(r.bodyUsed, true);
      assert.throws(() => r.body, /already read/);
    });
  });

  it('text() and json() read a streamed body to the end', async () => {
    await scene(async ({ server, session }) => {
      const r = await session.get(`${server.url}/json`, { stream: true });
      assert.equal(
        (await r.json<{ slideshow: { author: string } }>()).slideshow.author,
        'asyncio-ts',
      );
      const b = await session.get(`${server.url}/bytes/300000`, { stream: true });
      assert.throws(() => b.content, InvalidStateError, 'a streamed body is not there yet');
      assert.equal((await b.bytes()).length, 300_000);
      assert.equal(b.content.length, 300_000, 'content once bytes() read it');
    });
  });

  it('a large body applies backpressure and still arrives whole', async () => {
    await scene(async ({ server, session }) => {
      const r = await session.get(`${server.url}/bytes/5000000`, { stream: true });
      let n = 0;
      for await (const c of r.body) {
        n += c.length;
        if (n < 1_000_000) await sleep(1); // a slow reader
      }
      assert.equal(n, 5_000_000);
    });
  });

  it('break out of for-await releases the body and closes its connection', async () => {
    await scene(async ({ server, session }) => {
      const r = await session.get(`${server.url}/drip?numbytes=100&duration=10`, { stream: true });
      for await (const _ of r.body) break;
      await server.waitForConnections(0, 3000);
      assert.equal(session.statistics().active, 0);
    });
  });

  it('release() and await using release an unread body', async () => {
    await scene(async ({ server, session }) => {
      const r = await session.get(`${server.url}/drip?numbytes=100&duration=10`, { stream: true });
      r.release();
      await server.waitForConnections(0, 3000);
      {
        await using r2 = await session.get(`${server.url}/drip?numbytes=100&duration=10`, {
          stream: true,
        });
        assert.equal(r2.status, 200);
      }
      await server.waitForConnections(0, 3000);
    });
  });

  it('an unread streamed body is released when the task that asked for it ends', async () => {
    await scene(async ({ server, session }) => {
      const t = createTask(async () => {
        const r = await session.get(`${server.url}/drip?numbytes=100&duration=10`, {
          stream: true,
        });
        return r.status;
      });
      assert.equal(await t, 200);
      await server.waitForConnections(0, 3000);
      assert.equal(session.statistics().active, 0);
    });
  });

  it('cancelling a task blocked reading the body releases it', async () => {
    await scene(async ({ server, session }) => {
      const r = await session.get(`${server.url}/drip?numbytes=100&duration=10`, { stream: true });
      const reader = createTask(() => drain(r.body));
      await sleep(150);
      reader.cancel();
      await assert.rejects(async () => {
        await reader;
      }, CancelledError);
      await server.waitForConnections(0, 3000);
    });
  });
});

describe('maxBodySize', () => {
  it('caps buffered and streamed bodies (decompressed size)', async () => {
    await scene(async ({ server, session }) => {
      await assert.rejects(
        session.get(`${server.url}/bytes/200000`, { maxBodySize: 100_000 }),
        isError(BodyTooLargeError, 'ERR_BODY_TOO_LARGE'),
      );
      await assert.rejects(
        session.get(`${server.url}/gzip`, { maxBodySize: 500 }),
        isError(BodyTooLargeError),
      );
      const r = await session.get(`${server.url}/bytes/200000`, {
        maxBodySize: 100_000,
        stream: true,
      });
      await assert.rejects(drain(r.body), isError(BodyTooLargeError));
      assert.equal(
        (await session.get(`${server.url}/bytes/1000`, { maxBodySize: 1000 })).status,
        200,
      );
    });
  });
});
