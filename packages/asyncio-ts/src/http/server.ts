/**
 * The server adapter: runs each request of a Node `http` server as a task, with
 * the request's data in a ContextVar. A client that disconnects cancels its task;
 * stopping is graceful (stop accepting, let requests in flight finish within a
 * grace period, then cancel them).
 *
 * @module
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { InvalidStateError, isCancelled } from '../errors.js';
import { toMilliseconds, type Duration } from '../durations.js';
import { ContextVar } from '../context.js';
import { getRunningLoop } from '../running.js';
import type { EventLoop } from '../loop.js';
import type { Task } from '../tasks.js';
import { cancellable, gather, wait } from '../waiting.js';

/** What a request task knows about its request (see {@link currentRequest}). */
export interface RequestContext {
  /** The request's number on this server, from 1. */
  readonly id: number;
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly method: string;
  /** The request URL, absolute (host from the Host header). */
  readonly url: URL;
  /** Loop time at which the request arrived. */
  readonly startedAt: number;
}

/**
 * The request of the current task, for code deep inside a handler (logging,
 * tracing); null outside a request task.
 *
 * @example
 * ```ts
 * const ctx = requestContext.get(); // null outside serve()'s request tasks
 * if (ctx !== null) log.info(`request ${ctx.id}: ${ctx.method} ${ctx.url.pathname}`);
 * ```
 *
 * Cancellation: not applicable (a ContextVar; each request task has its own value).
 */
export const requestContext = new ContextVar<RequestContext | null>('asyncio-ts/http request', {
  default: null,
});

/**
 * The request the current task serves.
 *
 * @example
 * ```ts
 * function log(msg: string) { console.log(`[${currentRequest().id}] ${msg}`); }
 * ```
 *
 * @throws {InvalidStateError} outside a request task of {@link serve}
 *
 * Cancellation: not applicable (synchronous).
 */
export function currentRequest(): RequestContext {
  const c = requestContext.get();
  if (c === null)
    throw new InvalidStateError(
      'currentRequest() is only available inside a request task of serve()',
    );
  return c;
}

/** Handles one request; it runs as a task, and may end the response itself or not. */
export type RequestHandler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
) => Promise<void> | void;

/** Options of {@link serve}. */
export interface ServeOptions {
  /** The address to listen on. Default `127.0.0.1`. */
  host?: string;
  /** The port. Default 0 (a free one). */
  port?: number;
  /** How long `stop()` lets requests in flight finish before cancelling them. Default 5 s. */
  gracePeriod?: Duration;
  /** A server of your own to serve on (not listening yet); default `http.createServer()`. */
  server?: http.Server;
}

/** A snapshot of a server's counters. */
export interface ServerStatistics {
  /** Requests being handled now. */
  readonly inFlight: number;
  /** Requests whose handler finished normally. */
  readonly handled: number;
  /** Requests cancelled (client gone, or stopped). */
  readonly cancelled: number;
  /** Requests whose handler threw. */
  readonly failed: number;
}

const RUNNING = 0;
const STOPPING = 1;
const STOPPED = 2;

/**
 * A running server of {@link serve}.
 *
 * @example
 * ```ts
 * const server = await serve(async (req, res) => { await sleep(10); res.end('hi'); });
 * console.log(server.url);
 * await server.stop({ gracePeriod: '2s' });
 * ```
 *
 * Cancellation: `stop()` is a cancellation point (see there); each request task is cancelled when its client disconnects.
 */
export class HttpServer {
  /** The Node server. */
  readonly server: http.Server;
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly #handler: RequestHandler;
  readonly #loop: EventLoop;
  readonly #grace: number;
  readonly #tasks = new Set<Task<void>>();
  #state = RUNNING;
  #stopping: Promise<void> | null = null;
  #ids = 0;
  #handled = 0;
  #cancelled = 0;
  #failed = 0;

  /** @internal Use {@link serve}. */
  constructor(server: http.Server, handler: RequestHandler, loop: EventLoop, grace: number) {
    this.server = server;
    this.#handler = handler;
    this.#loop = loop;
    this.#grace = grace;
    const a = server.address() as AddressInfo;
    this.host = a.address;
    this.port = a.port;
    this.url = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) =>
      this.#onRequest(req, res),
    );
  }

  /** A frozen snapshot of the counters. */
  statistics(): ServerStatistics {
    return Object.freeze({
      inFlight: this.#tasks.size,
      handled: this.#handled,
      cancelled: this.#cancelled,
      failed: this.#failed,
    });
  }

  /**
   * Stops gracefully: stops accepting connections, closes idle ones, lets the
   * requests in flight finish within the grace period, then cancels the rest and
   * closes every connection. Idempotent.
   *
   * Cancellation: a cancellation point; cancelled, it cancels the requests in
   * flight at once and still closes the server.
   */
  stop(opts: { gracePeriod?: Duration } = {}): Promise<void> {
    if (this.#stopping === null) {
      const grace =
        opts.gracePeriod !== undefined
          ? (toMilliseconds(opts.gracePeriod, 'gracePeriod') ?? Infinity)
          : this.#grace;
      this.#stopping = this.#stop(grace);
    }
    return this.#stopping;
  }

  /** `await using server = await serve(handler)` stops it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** `<HttpServer http://127.0.0.1:8080 running inFlight=2>` */
  toString(): string {
    return `<HttpServer ${this.url} ${['running', 'stopping', 'stopped'][this.#state]} inFlight=${this.#tasks.size}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  #onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.#state !== RUNNING) {
      res
        .writeHead(503, { connection: 'close', 'content-type': 'text/plain' })
        .end('the server is stopping\n');
      return;
    }
    const ctx: RequestContext = {
      id: ++this.#ids,
      req,
      res,
      method: req.method ?? 'GET',
      url: new URL(req.url ?? '/', `http://${req.headers.host ?? this.host}`),
      startedAt: this.#loop.time(),
    };
    const task = this.#loop.createTask(() => this.#run(ctx), {
      name: `${ctx.method} ${req.url ?? '/'}`,
    });
    this.#tasks.add(task);
    task.addDoneCallback(() => this.#tasks.delete(task));
    res.on('close', () => {
      if (!res.writableFinished && !task.done()) task.cancel('the client disconnected');
    });
  }

  async #run(ctx: RequestContext): Promise<void> {
    requestContext.set(ctx);
    const { req, res } = ctx;
    try {
      await this.#handler(req, res);
      this.#handled++;
    } catch (e) {
      if (isCancelled(e)) {
        this.#cancelled++;
        if (!res.headersSent && !res.destroyed) {
          res
            .writeHead(503, { connection: 'close', 'content-type': 'text/plain' })
            .end('cancelled\n');
        }
        throw e;
      }
      this.#failed++;
      this.#loop.callExceptionHandler({
        message: `the handler of ${ctx.method} ${ctx.url.pathname} threw`,
        error: e,
      });
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal server error\n');
      } else {
        res.destroy();
      }
      return;
    } finally {
      if (this.#state !== RUNNING && !res.headersSent) res.setHeader('connection', 'close');
    }
    if (!res.writableEnded && !res.destroyed) res.end();
  }

  async #stop(grace: number): Promise<void> {
    this.#state = STOPPING;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    try {
      const pending = [...this.#tasks];
      if (pending.length > 0 && grace > 0)
        await wait(pending, { timeout: grace === Infinity ? null : grace });
    } finally {
      const left = [...this.#tasks];
      for (const t of left) t.cancel('the server is stopping');
      if (left.length > 0) await gather(left, { returnExceptions: true });
      this.#state = STOPPED;
      this.server.closeAllConnections();
      await cancellable(closed);
    }
  }
}

/**
 * Serves HTTP with each request handled as a task: the handler can use every
 * cancellation point of the library, reads the request's data through
 * {@link currentRequest}, and is cancelled when the client disconnects.
 * A handler that throws gets a 500 (reported through the loop's exception handler).
 *
 * @example
 * ```ts
 * await run(async () => {
 *   const server = await serve(async (req, res) => {
 *     const page = await session.get('https://example.com/');
 *     res.end(await page.text());
 *   }, { port: 8080 });
 *   await sleep('1h');
 *   await server.stop({ gracePeriod: '5s' });
 * });
 * ```
 *
 * Cancellation: waits for `listen` only; not a cancellation point beyond that.
 */
export async function serve(handler: RequestHandler, opts: ServeOptions = {}): Promise<HttpServer> {
  if (typeof handler !== 'function')
    throw new TypeError('serve(handler): handler must be a function');
  const grace = toMilliseconds(opts.gracePeriod ?? 5000, 'gracePeriod') ?? Infinity;
  const loop = getRunningLoop();
  const server = opts.server ?? http.createServer();
  await cancellable(
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    }),
  );
  return new HttpServer(server, handler, loop, grace);
}
