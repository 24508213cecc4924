// Tests of src/http/proxy-guard.ts: the SSRF guard refuses loopback, private,
// link-local and metadata addresses, after DNS resolution and after every
// redirect, unless allowlisted; and a /proxy?url= endpoint built on it (as in
// example E13) caps the size and the time of what it fetches.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LookupFunction } from 'node:net';
import type { LookupAddress } from 'node:dns';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AddressGuard,
  BodyTooLargeError,
  ClientSession,
  HttpTimeoutError,
  InvalidUrlError,
  RequestRefusedError,
  classifyAddress,
  serve,
} from '../../src/http/index.js';
import { checkNoUnhandledRejections, scene } from './helpers.js';

checkNoUnhandledRejections();

/** A fake DNS: names of `table` resolve to its addresses, others fail. */
function fakeDns(table: Record<string, string[]>): LookupFunction {
  return (hostname: string, _opts: unknown, cb: (e: Error | null, a: LookupAddress[]) => void) => {
    const list = table[hostname];
    setImmediate(() => {
      if (list === undefined)
        cb(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
      else
        cb(
          null,
          list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
        );
    });
  };
}

function refused(category: string): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof RequestRefusedError, `expected RequestRefusedError, got ${String(e)}`);
    assert.equal(e.code, 'ERR_REQUEST_REFUSED');
    assert.equal(e.category, category);
    return true;
  };
}

describe('classifyAddress', () => {
  it('names what is not public', () => {
    const table: [string, string][] = [
      ['127.0.0.1', 'loopback'],
      ['127.9.9.9', 'loopback'],
      ['::1', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.0.10', 'private'],
      ['fd12::1', 'private'],
      ['169.254.10.10', 'link-local'],
      ['fe80::1', 'link-local'],
      ['169.254.169.254', 'metadata'],
      ['fd00:ec2::254', 'metadata'],
      ['100.100.100.200', 'metadata'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['100.64.1.1', 'shared'],
      ['224.0.0.1', 'multicast'],
      ['240.0.0.1', 'reserved'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:a9fe:a9fe', 'metadata'],
      ['64:ff9b::10.0.0.1', 'private'],
      ['2002:c0a8:0101::1', 'private'],
      ['8.8.8.8', 'public'],
      ['172.32.0.1', 'public'],
      ['2606:4700::1111', 'public'],
    ];
    for (const [ip, cat] of table) assert.equal(classifyAddress(ip), cat, ip);
    assert.throws(() => classifyAddress('example.com'), TypeError);
  });
});

describe('AddressGuard', () => {
  it('refuses loopback, private, link-local, metadata and reserved IP literals', async () => {
    await scene(async ({ server }) => {
      const s = new ClientSession({ connect: new AddressGuard().connector(), retry: false });
      try {
        const port = server.port;
        const cases: [string, string][] = [
          [`http://127.0.0.1:${port}/get`, 'loopback'],
          [`http://[::1]:${port}/get`, 'loopback'],
          [`http://[::ffff:127.0.0.1]:${port}/get`, 'loopback'],
          [`http://0.0.0.0:${port}/get`, 'unspecified'],
          ['http://10.0.0.1/', 'private'],
          ['http://172.16.5.4/', 'private'],
          ['http://192.168.1.1/', 'private'],
          ['http://169.254.1.1/', 'link-local'],
          ['http://[fe80::1]/', 'link-local'],
          ['http://169.254.169.254/latest/meta-data/', 'metadata'],
          ['http://100.64.0.1/', 'shared'],
        ];
        for (const [url, cat] of cases) await assert.rejects(s.get(url), refused(cat), url);
      } finally {
        await s.close();
      }
      assert.equal(server.statistics().connections, 0, 'nothing reached the server');
    });
  });

  it('checks the addresses a name resolves to (localhost, and a faked DNS)', async () => {
    await scene(async ({ server }) => {
      const guard = new AddressGuard({
        lookup: fakeDns({
          'evil.test': ['10.0.0.7'],
          'meta.test': ['169.254.169.254'],
          'mixed.test': ['93.184.216.34', '192.168.0.1'],
          localhost: ['127.0.0.1'],
        }),
      });
      const s = new ClientSession({ connect: guard.connector(), retry: false });
      try {
        await assert.rejects(s.get(`http://localhost:${server.port}/get`), refused('loopback'));
        await assert.rejects(s.get('http://evil.test/'), refused('private'));
        await assert.rejects(s.get('http://meta.test/'), refused('metadata'));
        await assert.rejects(s.get('http://mixed.test/'), refused('private'));
      } finally {
        await s.close();
      }
      const real = new ClientSession({ connect: new AddressGuard().connector(), retry: false });
      try {
        await assert.rejects(real.get(`http://localhost:${server.port}/get`), refused('loopback'));
      } finally {
        await real.close();
      }
      assert.equal(server.statistics().connections, 0);
    });
  });

  it('an allowlist lets chosen addresses through', async () => {
    await scene(async ({ server }) => {
      const s = new ClientSession({
        connect: new AddressGuard({ allow: ['127.0.0.0/8'] }).connector(),
      });
      try {
        assert.equal((await s.get(`${server.url}/get`)).status, 200);
      } finally {
        await s.close();
      }
      assert.throws(() => new AddressGuard({ allow: ['not-an-ip'] }), TypeError);
      const g = new AddressGuard({ allow: ['10.1.0.0/16', 'fd00::1'] });
      assert.equal(g.isAllowed('10.1.2.3'), true);
      assert.equal(g.isAllowed('10.2.0.1'), false);
      assert.equal(g.isAllowed('::ffff:10.1.0.9'), true);
      assert.equal(g.isAllowed('fd00::1'), true);
      assert.equal(g.isAllowed('8.8.8.8'), true);
      assert.throws(() => g.check('x.test', '169.254.169.254'), refused('metadata'));
    });
  });

  it('checks every redirect: an allowed host that redirects to a refused one is refused', async () => {
    await scene(async ({ server }) => {
      const guard = new AddressGuard({
        allow: ['127.0.0.1'],
        lookup: fakeDns({ 'evil.test': ['10.9.9.9'] }),
      });
      const s = new ClientSession({ connect: guard.connector(), retry: false });
      try {
        const toV6 = encodeURIComponent(`http://[::1]:${server.port}/get`);
        await assert.rejects(s.get(`${server.url}/redirect-to?url=${toV6}`), refused('loopback'));
        const toEvil = encodeURIComponent(`http://evil.test:${server.port}/get`);
        await assert.rejects(s.get(`${server.url}/redirect-to?url=${toEvil}`), refused('private'));
        const meta = encodeURIComponent('http://169.254.169.254/latest/meta-data/');
        await assert.rejects(s.get(`${server.url}/redirect-to?url=${meta}`), refused('metadata'));
      } finally {
        await s.close();
      }
      assert.equal(server.hits('/redirect-to'), 3);
      assert.equal(server.hits('/get'), 0);
    });
  });
});

describe('a /proxy?url= endpoint on the guard (example E13)', () => {
  it('refuses, caps size and time, and fetches what is allowed', async () => {
    await scene(async ({ server, session }) => {
      const fetcher = new ClientSession({
        connect: new AddressGuard({ allow: [`127.0.0.1`] }).connector(),
        maxBodySize: 100_000,
        timeout: { total: 300 },
        retry: false,
      });
      const strict = new ClientSession({ connect: new AddressGuard().connector(), retry: false });
      const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
        const q = new URL(req.url ?? '/', 'http://proxy.local').searchParams;
        const target = q.get('url') ?? '';
        const client = q.get('strict') !== null ? strict : fetcher;
        try {
          const r = await client.get(target);
          res.writeHead(r.status, {
            'content-type': r.header('content-type') ?? 'application/octet-stream',
          });
          res.end(await r.bytes());
        } catch (e) {
          const status =
            e instanceof RequestRefusedError
              ? 403
              : e instanceof InvalidUrlError
                ? 400
                : e instanceof BodyTooLargeError
                  ? 502
                  : e instanceof HttpTimeoutError
                    ? 504
                    : 502;
          res.writeHead(status, { 'content-type': 'text/plain' }).end(String((e as Error).message));
        }
      };
      const proxy = await serve(handler);
      try {
        const via = (target: string, strictMode = false): Promise<number> =>
          session
            .get(`${proxy.url}/proxy`, {
              query: { url: target, ...(strictMode ? { strict: 1 } : {}) },
              retry: false,
            })
            .then((r) => r.status);
        assert.equal(await via(`${server.url}/json`), 200, 'allowlisted');
        assert.equal(
          await via(`${server.url}/json`, true),
          403,
          'loopback refused without the allowlist',
        );
        assert.equal(
          await via(`http://localhost:${server.port}/json`, true),
          403,
          'refused after DNS',
        );
        assert.equal(await via('http://169.254.169.254/latest/meta-data/'), 403, 'metadata');
        assert.equal(await via('http://10.0.0.1/'), 403, 'private');
        assert.equal(await via('http://[fe80::1]/'), 403, 'link-local');
        const away = encodeURIComponent(`http://[::1]:${server.port}/json`);
        assert.equal(
          await via(`${server.url}/redirect-to?url=${away}`),
          403,
          'refused after a redirect',
        );
        assert.equal(await via(`${server.url}/bytes/500000`), 502, 'too large');
        assert.equal(await via(`${server.url}/delay/5`), 504, 'too slow');
        assert.equal(await via('gopher://x/'), 400, 'not http');
      } finally {
        await proxy.stop({ gracePeriod: 0 });
        await fetcher.close();
        await strict.close();
      }
    });
  });
});
