/**
 * One hop of a request on the wire: an undici dispatch handler that is also the
 * library await of the task that sent it (so cancelling the task aborts the
 * request at once and frees its connection), with one timer on the loop's clock
 * for the connect, headers, body-idle and total deadlines.
 *
 * @module
 */
import type { Dispatcher } from 'undici';
import { parseHeaders } from './undici.js';
import { CancelledError } from '../errors.js';
import type { Task } from '../tasks.js';
import type { EventLoop } from '../loop.js';
import { Waiter } from '../_internal/waiter.js';
import { taskStorage } from '../_internal/current.js';
import { FIRED, SCHEDULED, type TimerEntry } from '../_internal/timer-heap.js';
import type { Release } from '../keyed-limiter.js';
import { BodyStream, contentCodings, decodeBuffer, type BodySource } from './body.js';
import {
  BodyTooLargeError,
  ConnectionError,
  HttpError,
  HttpTimeoutError,
  ResponseError,
  SessionClosedError,
  codeOf,
  type TimeoutPhase,
} from './errors.js';
import { KEEP, type RequestState } from './request.js';
import { Response, type Timing } from './response.js';

const CONNECT = 0;
const HEADERS = 1;
const BODY = 2;
const DONE = 3;

/** A discarded body (redirect, retried status) larger than this closes the connection. */
const DISCARD_LIMIT = 256 * 1024;

/** @internal What an exchange needs from its session. */
export interface ExchangeOwner {
  _exchangeDone(ex: Exchange): void;
  /** Counts the exchanges of an origin waiting for a connection (+1 / -1). */
  _awaitConnection(origin: string, delta: number): void;
}

class PhaseTimer implements TimerEntry {
  when = 0;
  seq = 0;
  state = SCHEDULED;
  readonly ex: Exchange;
  constructor(ex: Exchange) {
    this.ex = ex;
  }
  _fire(): void {
    this.ex._onTimer(this);
  }
}

/** The reason given to undici when the task is cancelled. */
const CANCELLED_REASON = new CancelledError('the request was cancelled');
/** The reason given to undici when a discarded body is too long to drain. */
const DISCARDED = new Error('a discarded response body was too long to drain');

/** @internal */
export class Exchange extends Waiter<Exchange> implements Dispatcher.DispatchHandler, BodySource {
  readonly rs: RequestState;
  readonly owner: ExchangeOwner;
  readonly loop: EventLoop;
  release: Release | null;
  phase = CONNECT;
  t0 = 0;
  tConnect = -1;
  tFirstByte = -1;
  tEnd = -1;
  lastData = 0;
  timer: PhaseTimer | null = null;
  abortFn: ((err?: Error) => void) | null = null;
  abortReason: Error | null = null;
  settled = false;
  status = 0;
  statusText = '';
  headers: Record<string, string | string[]> = EMPTY_HEADERS;
  disposition = KEEP;
  chunks: Buffer[] | null = null;
  size = 0;
  buffer: Buffer | null = null;
  bodyStream: BodyStream | null = null;
  resumeFn: (() => void) | null = null;
  paused = false;
  /** counted among the exchanges of its origin waiting for a connection */
  awaitingConnection = false;
  /** links in the session's list of live exchanges */
  prevLive: Exchange | null = null;
  nextLive: Exchange | null = null;

  constructor(owner: ExchangeOwner, loop: EventLoop, rs: RequestState, release: Release | null) {
    super();
    this.owner = owner;
    this.loop = loop;
    this.rs = rs;
    this.release = release;
  }

  /** Sends the hop; resolves with this exchange once the answer is in (or its headers, streaming). */
  start(dispatcher: Dispatcher, task: Task<unknown> | undefined): Promise<Exchange> {
    const rs = this.rs;
    const p = this.suspend(task);
    this.t0 = this.loop.time();
    this.#arm();
    const opts: Dispatcher.DispatchOptions = {
      origin: rs.origin,
      path: rs.url.pathname + rs.url.search,
      method: rs.method,
      headers: rs.hopHeaders(),
      body: rs.body as Dispatcher.DispatchOptions['body'],
      headersTimeout: 0,
      bodyTimeout: 0,
    };
    this.awaitingConnection = true;
    this.owner._awaitConnection(rs.origin, 1);
    // A streamed request body is user code: run it outside the task's context, so
    // that its own awaits are not taken for the task's.
    if (rs.body0.replayable) dispatcher.dispatch(opts, this);
    else taskStorage.exit(() => dispatcher.dispatch(opts, this));
    return p;
  }

  /** The response of this hop (the final one of its request). */
  response(now: number): Response {
    const rs = this.rs;
    const timing: Timing = {
      start: rs.start,
      pool: rs.poolMs,
      connect: this.tConnect >= 0 ? this.tConnect - this.t0 : 0,
      firstByte: this.tFirstByte >= 0 ? this.tFirstByte - this.t0 : 0,
      total: now - rs.start,
      attempts: rs.attempt,
    };
    return new Response(
      this.status,
      this.statusText,
      this.headers,
      rs.href,
      rs.method,
      rs.redirects ?? NO_REDIRECTS,
      timing,
      this.buffer,
      this.bodyStream,
    );
  }

  // ---- undici's handler ----

  onConnect(abort: (err?: Error) => void): void {
    if (this.awaitingConnection) {
      this.awaitingConnection = false;
      this.owner._awaitConnection(this.rs.origin, -1);
    }
    if (this.abortReason !== null) {
      abortQuietly(abort, this.abortReason);
      return;
    }
    this.abortFn = abort;
    this.tConnect = this.loop.time();
    if (this.phase === CONNECT) {
      this.phase = HEADERS;
      this.#arm();
    }
  }

  onResponseStarted(): void {
    if (this.tFirstByte < 0) this.tFirstByte = this.loop.time();
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (this.abortReason !== null) return false;
    if (status < 200) return true; // 1xx informational
    const now = this.loop.time();
    if (this.tFirstByte < 0) this.tFirstByte = now;
    this.phase = BODY;
    this.lastData = now;
    this.status = status;
    this.statusText = statusText;
    this.resumeFn = resume;
    this.#arm();
    const headers = (this.headers = parseHeaders(rawHeaders));
    const rs = this.rs;
    const d = (this.disposition = rs.dispose(status, headers));
    if (d === KEEP && rs.s.stream) {
      const codings = rs.s.decompress ? contentCodings(headers['content-encoding']) : null;
      this.bodyStream = new BodyStream(this, codings, rs.s.maxBodySize, rs.method, rs.href);
      this.#settle(null);
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.abortReason !== null) return false;
    this.lastData = this.loop.time();
    this.size += chunk.length;
    const bs = this.bodyStream;
    if (bs !== null) {
      this.paused = !bs.push(chunk);
      return !this.paused;
    }
    if (this.disposition !== KEEP) {
      if (this.size > DISCARD_LIMIT) this.#dropConnection();
      return true;
    }
    const max = this.rs.s.maxBodySize;
    if (max !== null && this.size > max) {
      this.#giveUp(new BodyTooLargeError(this.rs.method, this.rs.href, max));
      return false;
    }
    if (this.chunks === null) this.chunks = [chunk];
    else this.chunks.push(chunk);
    return true;
  }

  onComplete(_trailers: string[] | null): void {
    if (this.abortReason !== null) return;
    this.tEnd = this.loop.time();
    const bs = this.bodyStream;
    this.#finish();
    if (bs !== null) {
      bs.end();
      return;
    }
    const chunks = this.chunks;
    this.chunks = null;
    const buf =
      chunks === null ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.size);
    const rs = this.rs;
    if (this.disposition === KEEP && rs.s.decompress && buf.length > 0) {
      const codings = contentCodings(this.headers['content-encoding']);
      if (codings !== null) {
        decodeBuffer(buf, codings, rs.s.maxBodySize, this.#onDecoded, rs.method, rs.href);
        return;
      }
    }
    this.buffer = buf;
    this.#settle(null);
  }

  onError(err: Error): void {
    if (this.abortReason !== null) {
      this.#finish();
      return;
    }
    const e = this.#mapError(err);
    this.#finish();
    if (!this.settled) this.#settle(e);
    else this.bodyStream?.fail(e);
  }

  // ---- the streaming body's source ----

  _resumeBody(): void {
    if (!this.paused) return;
    this.paused = false;
    this.lastData = this.loop.time();
    this.#arm();
    this.resumeFn?.();
  }

  _abortBody(err: Error): void {
    if (this.phase === DONE) return;
    this.abortReason = err;
    if (this.abortFn !== null) abortQuietly(this.abortFn, err);
    this.#finish();
  }

  // ---- the library await ----

  /** The task was cancelled while waiting for the answer: abort it now. */
  override detach(): void {
    this.settled = true;
    if (this.phase === DONE) return;
    this.abortReason = CANCELLED_REASON;
    if (this.abortFn !== null) abortQuietly(this.abortFn, CANCELLED_REASON);
    this.#finish();
  }

  override describe(): string {
    return `${this.rs.method} ${this.rs.href}`;
  }

  /** Aborts the exchange from outside (session destroyed). */
  destroy(err: Error): void {
    this.#giveUp(err);
  }

  // ---- the timer ----

  /** @internal */
  _onTimer(t: PhaseTimer): void {
    if (t !== this.timer || this.phase === DONE) return;
    const now = this.loop.time();
    const rs = this.rs;
    const to = rs.s.timeouts;
    let phase: TimeoutPhase | null = null;
    let limit = 0;
    if (rs.deadline !== null && now >= rs.deadline) {
      phase = 'total';
      limit = to.total ?? 0;
    } else if (this.phase === CONNECT && to.connect !== null && now >= this.t0 + to.connect) {
      phase = 'connect';
      limit = to.connect;
    } else if (this.phase === HEADERS && to.headers !== null && now >= this.tConnect + to.headers) {
      phase = 'headers';
      limit = to.headers;
    } else if (
      this.phase === BODY &&
      !this.paused &&
      to.body !== null &&
      now >= this.lastData + to.body
    ) {
      phase = 'body';
      limit = to.body;
    }
    if (phase === null) this.#arm();
    else this.#giveUp(new HttpTimeoutError(phase, limit, rs.method, rs.href));
  }

  #nextDeadline(): number {
    const rs = this.rs;
    const to = rs.s.timeouts;
    let d = rs.deadline ?? Infinity;
    let p = Infinity;
    if (this.phase === CONNECT) {
      if (to.connect !== null) p = this.t0 + to.connect;
    } else if (this.phase === HEADERS) {
      if (to.headers !== null) p = this.tConnect + to.headers;
    } else if (this.phase === BODY && !this.paused && to.body !== null) {
      p = this.lastData + to.body;
    }
    if (p < d) d = p;
    return d;
  }

  #arm(): void {
    const when = this.#nextDeadline();
    if (when === Infinity) return;
    let t = this.timer;
    if (t !== null && t.state === SCHEDULED) {
      if (t.when <= when) return;
      this.loop._cancelTimer(t);
    }
    if (t === null || t.state !== FIRED) t = this.timer = new PhaseTimer(this);
    t.when = when;
    this.loop._addTimer(t);
  }

  // ---- endings ----

  #giveUp(err: Error): void {
    if (
      this.phase === DONE &&
      this.settled &&
      (this.bodyStream === null || this.bodyStream.finished)
    )
      return;
    this.abortReason = err;
    if (this.abortFn !== null) abortQuietly(this.abortFn, err);
    this.#finish();
    if (!this.settled) this.#settle(err);
    else this.bodyStream?.fail(err);
  }

  #dropConnection(): void {
    // A long body we do not need: close the connection rather than drain it.
    this.abortReason = DISCARDED;
    if (this.abortFn !== null) abortQuietly(this.abortFn, DISCARDED);
    this.#finish();
    this.#settle(null);
  }

  readonly #onDecoded = (err: Error | null, out: Buffer): void => {
    if (err !== null) {
      this.#settle(err);
      return;
    }
    this.buffer = out;
    this.#settle(null);
  };

  #settle(err: Error | null): void {
    if (this.settled) return;
    this.settled = true;
    if (err === null) this.wake(this);
    else this.fail(err);
  }

  /** The exchange is over on the wire: stop the timer, give the place back. */
  #finish(): void {
    if (this.phase === DONE) return;
    this.phase = DONE;
    const t = this.timer;
    if (t !== null && t.state === SCHEDULED) this.loop._cancelTimer(t);
    if (this.awaitingConnection) {
      this.awaitingConnection = false;
      this.owner._awaitConnection(this.rs.origin, -1);
    }
    const r = this.release;
    if (r !== null) {
      this.release = null;
      r();
    }
    this.owner._exchangeDone(this);
  }

  #mapError(err: Error): Error {
    if (err instanceof HttpError || err instanceof HttpTimeoutError) return err;
    const rs = this.rs;
    const code = codeOf(err) ?? '';
    if (code === 'UND_ERR_CONNECT_TIMEOUT') {
      return new HttpTimeoutError('connect', rs.s.timeouts.connect ?? 0, rs.method, rs.href, err);
    }
    if (code === 'UND_ERR_CLOSED' || code === 'UND_ERR_DESTROYED') {
      return new SessionClosedError(
        rs.method,
        rs.href,
        'the session was closed during the request',
      );
    }
    if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') {
      return new TypeError(`${rs.method} ${rs.href}: ${err.message}`, { cause: err });
    }
    if (
      code.startsWith('HPE_') ||
      code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' ||
      code === 'UND_ERR_HEADERS_OVERFLOW'
    ) {
      return new ResponseError(rs.method, rs.href, `a malformed response (${code})`, err);
    }
    return new ConnectionError(rs.method, rs.href, err);
  }
}

const EMPTY = Buffer.alloc(0);
const NO_REDIRECTS: readonly never[] = Object.freeze([]);

/**
 * Aborts an undici request without the stack traces of the errors undici makes on
 * the way (one per destroyed socket): cancelling 10,000 requests must be cheap.
 */
function abortQuietly(abort: (err?: Error) => void, err: Error): void {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    abort(err);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
const EMPTY_HEADERS: Record<string, string | string[]> = Object.freeze({});
