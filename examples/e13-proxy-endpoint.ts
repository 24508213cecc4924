/**
 * E13: a `/proxy?url=` endpoint that cannot be turned against its own network.
 *
 * A proxy that fetches any URL it is given is a classic server-side request
 * forgery (SSRF) hole: `?url=http://169.254.169.254/` reads the cloud's metadata,
 * `?url=http://localhost:6379/` talks to the database. This endpoint runs each
 * request as a task (`serve`) and fetches through a `ClientSession` whose
 * connections go through an `AddressGuard`: loopback, private, link-local and
 * metadata addresses are refused, checked on the address actually connected to,
 * after DNS resolution and after every redirect. It also caps the size (1 MB) and
 * the time (1 s) of what it fetches.
 *
 * Two proxies run here: a strict one, and one that allowlists 127.0.0.1 (where
 * this example's test server lives, standing in for an internal service you mean
 * to expose). Each refusal is checked.
 *
 * Run: `npm run build && node examples/dist/e13-proxy-endpoint.js`
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { run } from 'asyncio-ts';
import {
  AddressGuard,
  BodyTooLargeError,
  ClientSession,
  HttpTimeoutError,
  InvalidUrlError,
  RequestRefusedError,
  serve,
  type HttpServer,
} from 'asyncio-ts/http';
import { startTestServer } from 'asyncio-ts/testing';

/** The status a failed fetch maps to, and why. */
function failure(e: unknown): [number, string] {
  if (e instanceof RequestRefusedError) return [403, `refused: ${e.category} address ${e.address}`];
  if (e instanceof InvalidUrlError) return [400, e.message];
  if (e instanceof BodyTooLargeError) return [502, 'the response is too large'];
  if (e instanceof HttpTimeoutError) return [504, `too slow (${e.phase} timeout)`];
  return [502, e instanceof Error ? e.message : String(e)];
}

/** Starts a proxy endpoint; `allow` lists the non-public addresses it may reach. */
async function startProxy(
  allow: string[],
): Promise<{ server: HttpServer; session: ClientSession }> {
  const session = new ClientSession({
    connect: new AddressGuard({ allow }).connector({ timeout: 1000 }),
    maxBodySize: 1_000_000,
    timeout: { total: '1s' },
    maxRedirects: 5,
    retry: false,
  });
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://proxy.invalid');
    if (url.pathname !== '/proxy') {
      res.writeHead(404).end();
      return;
    }
    try {
      const r = await session.get(url.searchParams.get('url') ?? '');
      res.writeHead(r.status, {
        'content-type': r.header('content-type') ?? 'application/octet-stream',
      });
      res.end(await r.bytes());
    } catch (e) {
      const [status, why] = failure(e);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(`${why}\n`);
    }
  };
  return { server: await serve(handler), session };
}

async function main(): Promise<void> {
  await using upstream = await startTestServer();
  const strict = await startProxy([]);
  const dev = await startProxy(['127.0.0.1']);
  await using client = new ClientSession({ retry: false });
  const port = upstream.port;
  const cases: [string, { server: HttpServer }, string, number][] = [
    ['strict', strict, `${upstream.url}/json`, 403],
    ['strict', strict, `http://localhost:${port}/json`, 403],
    ['strict', strict, 'http://169.254.169.254/latest/meta-data/', 403],
    ['strict', strict, 'http://10.0.0.1/admin', 403],
    ['strict', strict, 'http://[fe80::1]/', 403],
    ['strict', strict, 'ftp://example.com/file', 400],
    ['allow 127.0.0.1', dev, `${upstream.url}/json`, 200],
    ['allow 127.0.0.1', dev, `${upstream.url}/redirect-to?url=http://[::1]:${port}/json`, 403],
    ['allow 127.0.0.1', dev, `${upstream.url}/redirect-to?url=http://10.1.2.3/`, 403],
    ['allow 127.0.0.1', dev, `${upstream.url}/bytes/2000000`, 502],
    ['allow 127.0.0.1', dev, `${upstream.url}/delay/5`, 504],
  ];
  try {
    for (const [name, proxy, target, expected] of cases) {
      const r = await client.get(`${proxy.server.url}/proxy`, { query: { url: target } });
      const note = r.ok ? `${(await r.bytes()).length} bytes` : (await r.text()).trim();
      console.log(`${name.padEnd(16)} ${String(r.status)} ${target}\n${' '.repeat(21)}${note}`);
      assert.equal(r.status, expected, `${name}: ${target}`);
    }
  } finally {
    for (const p of [strict, dev]) {
      await p.server.stop({ gracePeriod: '1s' });
      await p.session.close();
    }
  }
  assert.equal(upstream.hits('/delay/5'), 1);
  console.log('every refusal held; nothing private was reached');
}

await run(main);
