// Tests of src/http/dispatcher.ts: the proxy option, HTTP/2 (h2c and over TLS
// with ALPN), TLS settings, and the connection gate (no connection is opened
// that no request waits for).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTask, sleep } from '../../src/index.js';
import { ClientSession } from '../../src/http/index.js';
import { startTestServer } from '../../src/testing/index.js';
import { checkNoUnhandledRejections, scene } from './helpers.js';

checkNoUnhandledRejections();

interface Echo {
  httpVersion: string;
  headers: Record<string, string>;
}

/** A forward proxy that tunnels CONNECT and counts tunnels and their auth headers. */
async function startProxy(): Promise<{
  url: string;
  tunnels: string[];
  auth: string[];
  close(): Promise<void>;
}> {
  const tunnels: string[] = [];
  const auth: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    auth.push(req.headers['proxy-authorization'] ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    tunnels,
    auth,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A self-signed certificate for 127.0.0.1, or null when openssl is missing. */
function selfSigned(): { key: string; cert: string } | null {
  const dir = mkdtempSync(join(tmpdir(), 'asyncio-ts-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the proxy option', () => {
  it('sends requests through an HTTP proxy (CONNECT tunnel), with its credentials', async () => {
    const proxy = await startProxy();
    try {
      await scene(async ({ server }) => {
        const u = new URL(proxy.url);
        u.username = 'ada';
        u.password = 'secret';
        // One connection per host: sequential requests then share one tunnel.
        const s = new ClientSession({ proxy: u.href, limits: { connectionsPerHost: 1 } });
        try {
          const r = await s.get(`${server.url}/get`);
          assert.equal(r.status, 200);
          await s.get(`${server.url}/json`);
        } finally {
          await s.close();
        }
        assert.deepEqual(proxy.tunnels, [`127.0.0.1:${server.port}`], 'one tunnel, reused');
        assert.equal(proxy.auth[0], `Basic ${Buffer.from('ada:secret').toString('base64')}`);
      });
    } finally {
      await proxy.close();
    }
  });
});

describe('HTTP/2', () => {
  it('http2: true speaks h2c (prior knowledge) to an http origin', async () => {
    await scene(
      async ({ server, session }) => {
        const e = await (await session.get(`${server.url}/anything`)).json<Echo>();
        assert.equal(e.httpVersion, '2.0');
        const rs = await Promise.all([
          session.get(`${server.url}/json`),
          session.get(`${server.url}/gzip`),
        ]);
        assert.deepEqual(
          rs.map((r) => r.status),
          [200, 200],
        );
      },
      { server: { http2: true }, session: { http2: true } },
    );
  });

  const tls = selfSigned();
  it(
    'over TLS, HTTP/2 is negotiated by ALPN; without the option it is HTTP/1.1',
    { skip: tls === null ? 'openssl is not available' : false },
    async () => {
      await scene(
        async ({ server }) => {
          assert.ok(server.url.startsWith('https://'));
          const h2 = new ClientSession({ http2: true, tls: { ca: tls!.cert } });
          const h1 = new ClientSession({ tls: { ca: tls!.cert } });
          try {
            assert.equal(
              (await (await h2.get(`${server.url}/anything`)).json<Echo>()).httpVersion,
              '2.0',
            );
            assert.equal(
              (await (await h1.get(`${server.url}/anything`)).json<Echo>()).httpVersion,
              '1.1',
            );
          } finally {
            await h2.close();
            await h1.close();
          }
        },
        { server: { http2: true, tls: tls ?? undefined } },
      );
    },
  );
});

describe('connections', () => {
  it('keep-alive connections are reused', async () => {
    await scene(
      async ({ server, session }) => {
        for (let i = 0; i < 5; i++) await session.get(`${server.url}/get`);
        assert.equal(server.statistics().connections, 1);
      },
      // undici checks an idle socket for one turn of the loop before reusing it;
      // without a cap of 1, a request sent in that turn opens a second connection.
      { session: { limits: { connectionsPerHost: 1 } } },
    );
  });

  it('cancelling a request opens no new connection (undici would reconnect to retry the aborted request)', async () => {
    await scene(async ({ server, session }) => {
      const t = createTask(() => session.get(`${server.url}/delay/10`));
      while (server.statistics().inFlight === 0) await sleep(5);
      t.cancel();
      await t.then(
        () => undefined,
        () => undefined,
      );
      await sleep(100);
      assert.equal(server.statistics().connections, 1);
      await server.waitForConnections(0, 2000);
    });
  });

  it('keepAlive sets how long an idle connection is kept', async () => {
    await using server = await startTestServer();
    await scene(async () => {
      const s = new ClientSession({ keepAlive: 50 });
      try {
        await s.get(`${server.url}/get`);
        await server.waitForConnections(0, 2000);
      } finally {
        await s.close();
      }
    });
  });
});
