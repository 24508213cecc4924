/**
 * `ClientSession`: an HTTP client on undici's dispatcher API, with timeouts per
 * phase, retries, redirects, decompression, cookies, a proxy, HTTP/2, per-host
 * limits and rates, events, and cancellation that aborts the request at once.
 *
 * @module
 */
import { inspect } from 'node:util';
import type { Dispatcher } from 'undici';
import { isCancelled } from '../errors.js';
import { toMilliseconds } from '../durations.js';
import { taskStorage } from '../_internal/current.js';
import { _ambientLoop, type EventLoop } from '../loop.js';
import type { Future } from '../futures.js';
import type { Release } from '../keyed-limiter.js';
import { retry } from '../retry.js';
import { cancellable } from '../waiting.js';
import { CookieJar } from './cookies.js';
import { createDispatcher, type ConnectGate } from './dispatcher.js';
import { SessionClosedError, type TimeoutPhase } from './errors.js';
import { SessionEvents } from './events.js';
import { Exchange, type ExchangeOwner } from './exchange.js';
import { Limits, type LimitStatistics } from './limits.js';
import {
  prepareRequest,
  sessionDefaults,
  type ClientSessionOptions,
  type RequestDefaults,
  type RequestOptions,
} from './options.js';
import { HOLD, KEEP, REDIRECT, type RequestState } from './request.js';
import type { Response } from './response.js';
import { RetryableStatus, isRetryable } from './retry-policy.js';
import { waitWithin } from './timeouts.js';

const OPEN = 0;
const CLOSING = 1;
const CLOSED = 2;
const STATES = ['open', 'closing', 'closed'];

/** A snapshot of a session. */
export interface SessionStatistics {
  /** `request()` calls not settled yet. */
  readonly inFlight: number;
  /** Exchanges on the wire (or streamed bodies not finished). */
  readonly active: number;
  /** `request()` calls made. */
  readonly requests: number;
  /** Requests that ended with a response. */
  readonly responses: number;
  /** Requests that failed (cancellations not counted). */
  readonly errors: number;
  /** Retries made (hold-offs included). */
  readonly retries: number;
  /** The limits: places in flight and waiting, per the session's KeyedLimiter. */
  readonly limits: LimitStatistics;
}

/**
 * An HTTP client: a pool of connections per origin, with the policies of its
 * options applied to every request. Use one session for many requests (it keeps
 * connections alive), and close it when done (`await using` does).
 *
 * @example
 * ```ts
 * await using session = new ClientSession({ timeout: '10s', limits: { connectionsPerHost: 4 } });
 * const r = await session.get('https://example.com/', { query: { q: 'asyncio' } });
 * console.log(r.status, (await r.text()).length, r.timing.total);
 * ```
 *
 * Cancellation: every request is a cancellation point from start to end; a
 * cancelled request (the task cancelled, or an enclosing `timeout()` expiring)
 * aborts its exchange at once, closes its connection and gives back its place
 * under the limits. Retries, backoff waits and hold-offs are cancelled with it.
 */
export class ClientSession implements ExchangeOwner, ConnectGate {
  /** Observers: `session.events.on('response', (e) => ...)`. */
  readonly events = new SessionEvents();
  /** The cookie jar, when the `cookies` option is on. */
  readonly cookies: CookieJar | null;
  readonly #dispatcher: Dispatcher;
  readonly #ownDispatcher: boolean;
  readonly #limits: Limits;
  readonly #base: RequestDefaults;
  #state = OPEN;
  #dispatcherDone = false;
  #closing: Promise<void> | null = null;
  #live: Exchange | null = null;
  #active = 0;
  #inFlight = 0;
  readonly #connecting = new Map<string, number>();
  #idle: Future<void> | null = null;
  #ids = 0;
  #responses = 0;
  #errors = 0;
  #retries = 0;

  /**
   * @throws {RangeError} / {TypeError} for invalid options
   * @throws {InvalidUrlError} for an invalid `baseUrl`
   */
  constructor(opts: ClientSessionOptions = {}) {
    const base = (this.#base = sessionDefaults(opts));
    this.cookies = base.settings.jar;
    this.#limits = new Limits(opts.limits);
    if (opts.dispatcher !== undefined) {
      this.#dispatcher = opts.dispatcher;
      this.#ownDispatcher = false;
    } else {
      this.#dispatcher = createDispatcher(
        {
          perHost: this.#limits.perHost ?? this.#limits.total,
          connectTimeout: base.settings.timeouts.connect,
          keepAlive: toMilliseconds(opts.keepAlive ?? 4000, 'keepAlive') ?? 4000,
          http2: opts.http2 ?? false,
          tls: opts.tls,
          proxy: opts.proxy,
          connect: opts.connect,
        },
        this,
      );
      this.#ownDispatcher = true;
    }
  }

  /**
   * Sends a request and resolves with its response (the body read, unless
   * `stream: true`). Follows redirects, retries by the retry policy, honours the
   * limits, and applies the timeouts per phase.
   *
   * @example
   * ```ts
   * const r = await session.request('PUT', `${base}/anything`, { json: { a: 1 }, timeout: '2s' });
   * ```
   *
   * Cancellation: a cancellation point throughout; cancelling aborts the exchange
   * on the wire at once and frees its connection and its place.
   *
   * @throws {ConnectionError} {HttpTimeoutError} {InvalidUrlError} {TooManyRedirectsError}
   *   {BodyTooLargeError} {ResponseError} {SessionClosedError}, and {HttpStatusError}
   *   with `raiseForStatus` (all as rejections)
   */
  request(method: string, url: string | URL, opts?: RequestOptions): Promise<Response> {
    const task = taskStorage.getStore();
    const loop = task !== undefined ? task._loop : _ambientLoop();
    let rs: RequestState;
    try {
      const m = method.toUpperCase();
      if (this.#state !== OPEN) throw new SessionClosedError(m, String(url));
      rs = prepareRequest(++this.#ids, m, url, opts, this.#base, loop.time());
    } catch (e) {
      return Promise.reject(e);
    }
    const signal = opts?.signal;
    if (signal !== undefined) return this.#sendWithSignal(rs, loop, signal);
    return this.#send(rs, loop);
  }

  /** `request('GET', url, opts)`. Cancellation: as {@link ClientSession.request}. */
  get(url: string | URL, opts?: RequestOptions): Promise<Response> {
    return this.request('GET', url, opts);
  }

  /** `request('HEAD', url, opts)`. Cancellation: as {@link ClientSession.request}. */
  head(url: string | URL, opts?: RequestOptions): Promise<Response> {
    return this.request('HEAD', url, opts);
  }

  /** `request('POST', url, opts)`: not retried unless the retry policy lists POST. */
  post(url: string | URL, opts?: RequestOptions): Promise<Response> {
    return this.request('POST', url, opts);
  }

  /** `request('PUT', url, opts)`. Cancellation: as {@link ClientSession.request}. */
  put(url: string | URL, opts?: RequestOptions): Promise<Response> {
    return this.request('PUT', url, opts);
  }

  /** `request('PATCH', url, opts)`: not retried unless the retry policy lists PATCH. */
  patch(url: string | URL, opts?: RequestOptions): Promise<Response> {
    return this.request('PATCH', url, opts);
  }

  /** `request('DELETE', url, opts)`. Cancellation: as {@link ClientSession.request}. */
  delete(url: string | URL, opts?: RequestOptions): Promise<Response> {
    return this.request('DELETE', url, opts);
  }

  /**
   * Closes the session gracefully: new requests are refused, requests in flight
   * finish, streamed bodies still open are released, idle connections are closed.
   * Idempotent.
   *
   * Cancellation: a cancellation point; cancelled while waiting, the session is
   * destroyed instead (everything in flight aborted).
   */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    if (this.#state === CLOSED) return Promise.resolve();
    this.#state = CLOSING;
    this.#closing = this.#close();
    return this.#closing;
  }

  /**
   * Aborts everything now: requests in flight reject with `SessionClosedError`
   * (or `err`), connections are closed. Idempotent.
   *
   * Cancellation: waits only for undici to close its sockets.
   */
  async destroy(err?: Error): Promise<void> {
    const wasClosed = this.#state === CLOSED && this.#live === null;
    this.#state = CLOSED;
    this.#abortLive(err ?? new SessionClosedError('', '', 'the session was destroyed'));
    if (!wasClosed && this.#ownDispatcher && !this.#dispatcherDone) {
      this.#dispatcherDone = true;
      await cancellable(this.#dispatcher.destroy());
    }
  }

  /** `await using session = new ClientSession()` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** True once `close()` or `destroy()` was called. */
  get closed(): boolean {
    return this.#state !== OPEN;
  }

  /** A frozen snapshot of the session's counters and limits. */
  statistics(): SessionStatistics {
    return Object.freeze({
      inFlight: this.#inFlight,
      active: this.#active,
      requests: this.#ids,
      responses: this.#responses,
      errors: this.#errors,
      retries: this.#retries,
      limits: this.#limits.statistics(),
    });
  }

  /** `<ClientSession open inFlight=2 requests=10>` */
  toString(): string {
    return `<ClientSession ${STATES[this.#state]} inFlight=${this.#inFlight} requests=${this.#ids}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  /** @internal */
  _awaitConnection(origin: string, delta: number): void {
    const n = (this.#connecting.get(origin) ?? 0) + delta;
    if (n === 0) this.#connecting.delete(origin);
    else this.#connecting.set(origin, n);
  }

  /** @internal ConnectGate */
  _wantsConnection(origin: string): boolean {
    return this.#connecting.has(origin);
  }

  /** @internal An exchange is over on the wire. */
  _exchangeDone(ex: Exchange): void {
    const p = ex.prevLive;
    const n = ex.nextLive;
    if (p === null && this.#live !== ex) return;
    if (p !== null) p.nextLive = n;
    else this.#live = n;
    if (n !== null) n.prevLive = p;
    ex.prevLive = ex.nextLive = null;
    this.#active--;
  }

  // ---- the request pipeline ----

  async #send(rs: RequestState, loop: EventLoop): Promise<Response> {
    this.#inFlight++;
    try {
      let res: Response;
      try {
        res = await this.#attempt(rs, 1, loop);
      } catch (e) {
        const p = rs.s.policy;
        if (p.attempts <= 1 || !rs.body0.replayable || !isRetryable(p, rs.method0, e)) throw e;
        res = await this.#retryRest(rs, e, loop);
      }
      if (rs.s.raise) res.raiseForStatus();
      this.#responses++;
      return res;
    } catch (e) {
      if (!isCancelled(e)) {
        this.#errors++;
        if (this.events._error.length !== 0) {
          this.events._emit(this.events._error, 'error', {
            id: rs.id,
            method: rs.method,
            url: rs.href,
            attempt: rs.attempt,
            error: e,
            elapsed: loop.time() - rs.start,
          });
        }
      }
      throw e;
    } finally {
      if (--this.#inFlight === 0 && this.#idle !== null) {
        const f = this.#idle;
        this.#idle = null;
        f.setResult();
      }
    }
  }

  async #sendWithSignal(rs: RequestState, loop: EventLoop, signal: AbortSignal): Promise<Response> {
    signal.throwIfAborted();
    const child = loop.createTask(() => this.#send(rs, loop), { name: `${rs.method} ${rs.href}` });
    const onAbort = (): void => {
      child.cancel('aborted by the signal');
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await child;
    } catch (e) {
      if (signal.aborted && isCancelled(e)) throw signal.reason;
      throw e;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  #retryRest(rs: RequestState, first: unknown, loop: EventLoop): Promise<Response> {
    const p = rs.s.policy;
    const run = (): Promise<Response> =>
      retry((n) => (n === 1 ? Promise.reject(first) : this.#attempt(rs, n, loop)), {
        ...p.backoff,
        attempts: p.attempts,
        retryIf: (e) => isRetryable(p, rs.method0, e),
        onRetry: (e, attempt, delay) => {
          this.#retried(rs, attempt, delay, e, false);
        },
      });
    return waitWithin(
      rs.deadline,
      'total',
      rs.s.timeouts.total ?? 0,
      rs.method0,
      rs.url0.href,
      run,
    ).catch((e: unknown) => {
      if (e instanceof RetryableStatus) return e.response; // cannot happen: kept for safety
      throw e;
    });
  }

  async #attempt(rs: RequestState, n: number, loop: EventLoop): Promise<Response> {
    rs.attempt = n;
    rs.resetHop();
    const task = taskStorage.getStore();
    const ev = this.events;
    for (;;) {
      if (this.#state === CLOSED) throw new SessionClosedError(rs.method, rs.href);
      const release = this.#limits.tryAcquire(rs.origin) ?? (await this.#acquire(rs, loop));
      if (rs.deadline === null && rs.s.timeouts.total !== null)
        rs.deadline = loop.time() + rs.s.timeouts.total;
      if (ev._request.length !== 0) {
        ev._emit(ev._request, 'request', {
          id: rs.id,
          method: rs.method,
          url: rs.href,
          attempt: n,
          time: loop.time(),
        });
      }
      const ex = new Exchange(this, loop, rs, release);
      this.#link(ex);
      await ex.start(this.#dispatcher, task);
      const jar = rs.s.jar;
      if (jar !== null) {
        const sc = ex.headers['set-cookie'];
        if (sc !== undefined) jar.setCookies(sc, rs.url);
      }
      const d = ex.disposition;
      if (d === KEEP) return this.#respond(rs, ex, loop, task !== undefined);
      if (d === REDIRECT) {
        rs.followRedirect(ex.status);
      } else if (d === HOLD) {
        rs.holdOffs++;
        this.#limits.holdOff(rs.origin, rs.retryAfter);
        const error =
          ev._retry.length !== 0
            ? new RetryableStatus(ex.response(loop.time()), rs.retryAfter)
            : null;
        this.#retried(rs, n, rs.retryAfter, error, true);
      } else {
        throw new RetryableStatus(ex.response(loop.time()), rs.retryAfter);
      }
    }
  }

  /** Counts a retry (or a hold-off) and tells the listeners. */
  #retried(
    rs: RequestState,
    attempt: number,
    delay: number,
    error: unknown,
    holdOff: boolean,
  ): void {
    this.#retries++;
    const ev = this.events;
    if (ev._retry.length === 0) return;
    ev._emit(ev._retry, 'retry', {
      id: rs.id,
      method: rs.method,
      url: rs.href,
      attempt,
      delay,
      status: error instanceof RetryableStatus ? error.status : null,
      error,
      holdOff,
    });
  }

  /** Waits for a place under the limits, within the pool and total deadlines. */
  async #acquire(rs: RequestState, loop: EventLoop): Promise<Release> {
    const t0 = loop.time();
    const to = rs.s.timeouts;
    let when = to.pool !== null ? t0 + to.pool : null;
    let phase: TimeoutPhase = 'pool';
    let limit = to.pool ?? 0;
    if (rs.deadline !== null && (when === null || rs.deadline < when)) {
      when = rs.deadline;
      phase = 'total';
      limit = to.total ?? 0;
    }
    const limits = this.#limits;
    try {
      return await waitWithin(when, phase, limit, rs.method, rs.href, () =>
        limits.acquire(rs.origin),
      );
    } finally {
      rs.poolMs += loop.time() - t0;
    }
  }

  #respond(rs: RequestState, ex: Exchange, loop: EventLoop, inTask: boolean): Response {
    const res = ex.response(loop.time());
    const bs = ex.bodyStream;
    if (bs !== null && inTask && !bs.finished) {
      // An unread streamed body must not outlive the task that asked for it.
      taskStorage.getStore()!.addDoneCallback(() => res.release());
    }
    const ev = this.events;
    if (ev._response.length !== 0) {
      ev._emit(ev._response, 'response', {
        id: rs.id,
        method: rs.method,
        url: rs.href,
        status: res.status,
        attempt: rs.attempt,
        redirects: rs.redirects?.length ?? 0,
        bytes: ex.buffer?.length ?? 0,
        timing: res.timing,
      });
    }
    return res;
  }

  #link(ex: Exchange): void {
    const head = this.#live;
    ex.nextLive = head;
    if (head !== null) head.prevLive = ex;
    this.#live = ex;
    this.#active++;
  }

  #abortLive(err: Error): void {
    for (let ex = this.#live; ex !== null;) {
      const next = ex.nextLive;
      ex.destroy(err);
      ex = next;
    }
  }

  async #close(): Promise<void> {
    try {
      if (this.#inFlight > 0) {
        const task = taskStorage.getStore();
        const loop = task !== undefined ? task._loop : _ambientLoop();
        this.#idle = loop.createFuture<void>();
        await this.#idle;
      }
    } catch (e) {
      await this.destroy();
      throw e;
    }
    this.#state = CLOSED;
    this.#abortLive(
      new SessionClosedError('', '', 'the session was closed before the body was read'),
    );
    if (this.#ownDispatcher && !this.#dispatcherDone) {
      this.#dispatcherDone = true;
      await cancellable(this.#dispatcher.close());
    }
  }
}
