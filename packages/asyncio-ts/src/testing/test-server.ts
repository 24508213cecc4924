/**
 * `startTestServer()`: a local, httpbin-like HTTP server for tests, examples and
 * benchmarks, with counters (requests seen, open connections, requests in flight
 * at once) that tests read.
 *
 * It runs on Node's own timers (real time), not on an asyncio-ts loop: it stands
 * for a remote server.
 *
 * @module
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { inspect } from 'node:util';
import {
  ROUTES,
  compressed,
  cookies,
  drip,
  echo,
  htmlPage,
  later,
  patternBytes,
  send,
  sendBuffer,
  sendJson,
  streamLines,
  type Req,
  type Res,
} from './test-server-routes.js';

/** Options of {@link startTestServer}. */
export interface TestServerOptions {
  /** The address to listen on. Default `127.0.0.1`. */
  host?: string;
  /** The port. Default 0 (a free one). */
  port?: number;
  /** Serve HTTP/2: cleartext prior knowledge (h2c), or with `tls` negotiated by ALPN (HTTP/1.1 too). */
  http2?: boolean;
  /** Serve https with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

/** A snapshot of a test server's counters. */
export interface TestServerStatistics {
  /** Requests received. */
  readonly requests: number;
  /** Connections open now. */
  readonly openConnections: number;
  /** The most connections open at once. */
  readonly maxOpenConnections: number;
  /** Connections accepted in all. */
  readonly connections: number;
  /** Requests being answered now. */
  readonly inFlight: number;
  /** The most requests being answered at once. */
  readonly maxConcurrent: number;
}

type Server = http.Server | https.Server | http2.Http2Server | http2.Http2SecureServer;

/**
 * A running test server: its `url`, its counters, and `close()`.
 *
 * @example
 * ```ts
 * await using server = await startTestServer();
 * const r = await session.get(`${server.url}/delay/0.5`);
 * assert.equal(server.statistics().requests, 1);
 * ```
 *
 * Cancellation: its waits (`waitForConnections`, `waitForInFlight`, `close`) are plain promises on real time; wrap them in `cancellable()` inside a task.
 */
export class TestServer {
  /** `http://127.0.0.1:<port>` (or https). */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** The address it listens on. */
  readonly host: string;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #hits = new Map<string, number>();
  readonly #keyed = new Map<string, number>();
  readonly #pages = new Map<string, Buffer>();
  readonly #watchers = new Set<() => void>();
  #requests = 0;
  #open = 0;
  #maxOpen = 0;
  #connections = 0;
  #inFlight = 0;
  #maxConcurrent = 0;
  #closed = false;

  /** @internal Use {@link startTestServer}. */
  constructor(server: Server, host: string, port: number, secure: boolean) {
    this.#server = server;
    this.host = host;
    this.port = port;
    this.url = `${secure ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      this.#connections++;
      if (++this.#open > this.#maxOpen) this.#maxOpen = this.#open;
      socket.on('close', () => {
        this.#sockets.delete(socket);
        this.#open--;
        this.#notify();
      });
    });
  }

  /** A frozen snapshot of the counters. */
  statistics(): TestServerStatistics {
    return Object.freeze({
      requests: this.#requests,
      openConnections: this.#open,
      maxOpenConnections: this.#maxOpen,
      connections: this.#connections,
      inFlight: this.#inFlight,
      maxConcurrent: this.#maxConcurrent,
    });
  }

  /** Requests seen for a path (e.g. `/flaky/2`), query excluded. */
  hits(path: string): number {
    return this.#hits.get(path) ?? 0;
  }

  /** Zeroes the counters (open connections and requests in flight stay as they are). */
  resetStatistics(): void {
    this.#requests = 0;
    this.#maxOpen = this.#open;
    this.#connections = this.#open;
    this.#maxConcurrent = this.#inFlight;
    this.#hits.clear();
    this.#keyed.clear();
  }

  /**
   * Resolves once at most `n` connections are open (0: all closed by the client
   * or the server); rejects after `timeoutMs` of real time (default 5 s).
   */
  waitForConnections(n = 0, timeoutMs = 5000): Promise<void> {
    return this.#waitFor(() => this.#open <= n, timeoutMs, `at most ${n} open connections`);
  }

  /** Resolves once at most `n` requests are being answered; rejects after `timeoutMs`. */
  waitForInFlight(n = 0, timeoutMs = 5000): Promise<void> {
    return this.#waitFor(() => this.#inFlight <= n, timeoutMs, `at most ${n} requests in flight`);
  }

  /** Stops the server and closes every connection. Idempotent. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      for (const s of this.#sockets) s.destroy();
      if ('closeAllConnections' in this.#server) this.#server.closeAllConnections();
    });
  }

  /** `await using server = await startTestServer()` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** `<TestServer http://127.0.0.1:4000 requests=3 open=1>` */
  toString(): string {
    return `<TestServer ${this.url} requests=${this.#requests} open=${this.#open}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  #notify(): void {
    for (const w of [...this.#watchers]) w();
  }

  #waitFor(ok: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (ok()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!ok()) return;
        clearTimeout(timer);
        this.#watchers.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#watchers.delete(check);
        reject(new Error(`test server: not ${what} after ${timeoutMs} ms (${this.toString()})`));
      }, timeoutMs);
      this.#watchers.add(check);
    });
  }

  /** @internal */
  _handle(req: Req, res: Res): void {
    this.#requests++;
    if (++this.#inFlight > this.#maxConcurrent) this.#maxConcurrent = this.#inFlight;
    let ended = false;
    res.on('close', () => {
      if (ended) return;
      ended = true;
      this.#inFlight--;
      this.#notify();
    });
    const url = new URL(req.url ?? '/', 'http://test.local');
    const path = url.pathname;
    this.#hits.set(path, (this.#hits.get(path) ?? 0) + 1);
    try {
      this.#route(req, res, url);
    } catch (e) {
      if (!res.headersSent) send(res, 500, 'text/plain', String(e));
    }
  }

  #route(req: Req, res: Res, url: URL): void {
    const parts = url.pathname.split('/');
    const head = parts[1] ?? '';
    const arg = parts[2] ?? '';
    const q = url.searchParams;
    switch (head) {
      case '':
        return send(res, 200, 'text/plain', `asyncio-ts test server\n\n${ROUTES.join('\n')}\n`);
      case 'html': {
        const delay = Number(q.get('delay') ?? 0);
        const page = this.#page(arg, Number(q.get('size') ?? 10_240));
        const go = (): void => sendBuffer(res, 200, 'text/html; charset=utf-8', page);
        if (delay > 0) later(res, delay * 1000, go);
        else go();
        return;
      }
      case 'json':
        return sendJson(res, 200, {
          slideshow: {
            title: 'Sample Slide Show',
            author: 'asyncio-ts',
            slides: [{ title: 'One' }, { title: 'Two' }],
          },
        });
      case 'get':
      case 'headers':
      case 'anything':
        return echo(req, res, url, head);
      case 'delay': {
        const s = Math.min(Math.max(Number(arg) || 0, 0), 60);
        const status = Number(q.get('status') ?? 200);
        return later(res, s * 1000, () => sendJson(res, status, { delay: s }));
      }
      case 'stats':
        return sendJson(res, 200, this.statistics());
      case 'hang':
        return; // never answers; the client gives up
      case 'status': {
        const code = Number(arg);
        if (!Number.isInteger(code) || code < 200 || code > 599)
          return send(res, 400, 'text/plain', 'bad status');
        if (code >= 300 && code < 400) res.setHeader('location', '/get');
        if (code === 204 || code === 304) {
          res.writeHead(code);
          res.end();
          return;
        }
        return send(res, code, 'text/plain', `status ${code}\n`);
      }
      case 'redirect': {
        const n = Number(arg) || 0;
        const status = Number(q.get('status') ?? 302);
        const next = n <= 1 ? '/get' : `/redirect/${n - 1}${url.search}`;
        res.setHeader('location', next);
        return send(res, status, 'text/plain', `redirecting to ${next}\n`);
      }
      case 'absolute-redirect': {
        const n = Number(arg) || 0;
        const host = req.headers.host ?? `${this.host}:${this.port}`;
        const next = `${this.url.split('://')[0]}://${host}${n <= 1 ? '/get' : `/absolute-redirect/${n - 1}`}`;
        res.setHeader('location', next);
        return send(res, 302, 'text/plain', `redirecting to ${next}\n`);
      }
      case 'redirect-to': {
        const to = q.get('url') ?? '/get';
        res.setHeader('location', to);
        return send(res, Number(q.get('status') ?? 302), 'text/plain', `redirecting to ${to}\n`);
      }
      case 'bytes': {
        const n = Math.min(Math.max(Number(arg) || 0, 0), 100 * 1024 * 1024);
        return sendBuffer(res, 200, 'application/octet-stream', patternBytes(n));
      }
      case 'stream':
        return streamLines(res, Math.min(Number(arg) || 0, 10_000), url.pathname);
      case 'drip':
        return drip(res, q);
      case 'gzip':
      case 'deflate':
      case 'brotli':
        return compressed(req, res, head);
      case 'retry-after':
        return this.#retryAfter(res, url, Number(arg) || 0);
      case 'flaky':
        return this.#flaky(req, res, url, Number(arg) || 0);
      case 'cookies':
        return cookies(req, res, arg, q);
      default:
        return send(res, 404, 'text/plain', `no route ${url.pathname}\n`);
    }
  }

  #page(name: string, size: number): Buffer {
    const key = `${name}|${size}`;
    let p = this.#pages.get(key);
    if (p === undefined) {
      const title =
        name === '' ? 'Test page' : `Page ${decodeURIComponent(name)} of the test server`;
      p = htmlPage(title, Math.min(Math.max(size, 100), 10 * 1024 * 1024));
      if (this.#pages.size < 1000) this.#pages.set(key, p);
    }
    return p;
  }

  #count(key: string): number {
    const n = (this.#keyed.get(key) ?? 0) + 1;
    this.#keyed.set(key, n);
    return n;
  }

  #retryAfter(res: Res, url: URL, seconds: number): void {
    const q = url.searchParams;
    const times = Number(q.get('times') ?? 1);
    const n = this.#count(`retry-after|${q.get('key') ?? url.pathname}`);
    if (n <= times) {
      const status = Number(q.get('status') ?? 429);
      const value =
        q.get('date') !== null
          ? new Date(Date.now() + seconds * 1000).toUTCString()
          : String(seconds);
      res.setHeader('retry-after', value);
      return sendJson(res, status, { status, retryAfter: value, attempt: n });
    }
    return sendJson(res, 200, { ok: true, attempt: n });
  }

  #flaky(req: Req, res: Res, url: URL, failures: number): void {
    const q = url.searchParams;
    const n = this.#count(`flaky|${q.get('key') ?? url.pathname}`);
    if (n <= failures) {
      const status = q.get('status');
      if (status !== null) return sendJson(res, Number(status), { failed: n });
      req.socket.destroy();
      return;
    }
    return sendJson(res, 200, { ok: true, attempt: n });
  }
}

/**
 * Starts a local httpbin-like server on 127.0.0.1 and a free port. Routes: `/html`
 * (a page with a title; `/html/:name`, `?size=`), `/json`, `/get`, `/anything`,
 * `/headers`, `/delay/:seconds` (fractions allowed), `/status/:code`,
 * `/redirect/:n`, `/absolute-redirect/:n`, `/redirect-to?url=`, `/bytes/:n`,
 * `/stream/:n`, `/drip` (a slow body), `/gzip`, `/deflate`, `/brotli`,
 * `/retry-after/:seconds` (429 or 503 with Retry-After, `times` times per `key`),
 * `/flaky/:n` (drops the connection, or answers `?status=`, the first n times),
 * `/cookies`, `/cookies/set?name=value`, `/hang`, `/stats` (the counters as JSON).
 *
 * @example
 * ```ts
 * await using server = await startTestServer();
 * const r = await session.get(`${server.url}/html`);
 * console.log(server.statistics()); // { requests: 1, openConnections: 1, ... }
 * ```
 *
 * Cancellation: not a cancellation point of the loop (it waits for `listen` only).
 */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const host = opts.host ?? '127.0.0.1';
  let ts: TestServer | null = null;
  const handler = (req: Req, res: Res | http2.Http2ServerResponse): void =>
    ts!._handle(req, res as Res);
  let server: Server;
  if (opts.http2 === true) {
    server =
      opts.tls !== undefined
        ? http2.createSecureServer({ ...opts.tls, allowHTTP1: true }, handler)
        : http2.createServer(handler);
  } else {
    server =
      opts.tls !== undefined ? https.createServer(opts.tls, handler) : http.createServer(handler);
    (server as http.Server).keepAliveTimeout = 10_000;
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  ts = new TestServer(server, host, port, opts.tls !== undefined);
  return ts;
}
