/**
 * Response bodies: decompression (gzip, deflate, br) and the streaming body, an
 * async iterable of chunks with backpressure whose every read is a cancellation
 * point.
 *
 * @module
 */
import * as zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import { InvalidStateError } from '../errors.js';
import { taskStorage } from '../_internal/current.js';
import { Waiter } from '../_internal/waiter.js';
import { BodyTooLargeError, ResponseError } from './errors.js';

/** @internal What a streaming body pulls from (the exchange). */
export interface BodySource {
  /** The consumer wants more data: resume the socket if it was paused. */
  _resumeBody(): void;
  /** The consumer gives up: abort the exchange (closing its connection). */
  _abortBody(err: Error): void;
}

/** @internal The codings of a Content-Encoding header to undo, in order; null: none. */
export function contentCodings(v: string | string[] | undefined): string[] | null {
  if (v === undefined) return null;
  const s = (typeof v === 'string' ? v : v.join(',')).toLowerCase();
  if (s === '' || s === 'identity') return null;
  const list = s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '' && x !== 'identity');
  for (const c of list) {
    if (c !== 'gzip' && c !== 'x-gzip' && c !== 'deflate' && c !== 'br') return null;
  }
  return list.length === 0 ? null : list.reverse();
}

// Be lenient with truncated streams, as browsers are.
const GZIP_OPTS = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
const BR_OPTS = {
  flush: zlib.constants.BROTLI_OPERATION_FLUSH,
  finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
};

function isZlibWrapped(first: Buffer | undefined): boolean {
  // RFC 1950 header: CM = 8 and the first two bytes a multiple of 31.
  return (
    first !== undefined &&
    first.length >= 2 &&
    (first[0]! & 0x0f) === 8 &&
    ((first[0]! << 8) | first[1]!) % 31 === 0
  );
}

/**
 * @internal Decodes a whole body; `max` caps the output (null: none). Calls back
 * with a `ResponseError` (or `BodyTooLargeError`) on failure.
 */
export function decodeBuffer(
  buf: Buffer,
  codings: readonly string[],
  max: number | null,
  cb: (err: Error | null, out: Buffer) => void,
  method: string,
  url: string,
  i = 0,
): void {
  if (i >= codings.length) {
    cb(null, buf);
    return;
  }
  const c = codings[i]!;
  const next = (err: Error | null, out: Buffer): void => {
    if (err !== null) {
      const code = (err as { code?: unknown }).code;
      cb(
        code === 'ERR_BUFFER_TOO_LARGE'
          ? new BodyTooLargeError(method, url, max ?? 0)
          : new ResponseError(method, url, `the body does not decode as ${c}`, err),
        buf,
      );
      return;
    }
    decodeBuffer(out, codings, max, cb, method, url, i + 1);
  };
  const lim = max !== null ? { maxOutputLength: Math.max(1, max) } : {};
  if (c === 'br') zlib.brotliDecompress(buf, { ...BR_OPTS, ...lim }, next);
  else if (c === 'deflate' && !isZlibWrapped(buf))
    zlib.inflateRaw(buf, { ...GZIP_OPTS, ...lim }, next);
  else if (c === 'deflate') zlib.inflate(buf, { ...GZIP_OPTS, ...lim }, next);
  else zlib.gunzip(buf, { ...GZIP_OPTS, ...lim }, next);
}

function createDecoder(c: string, first: Buffer): Transform {
  if (c === 'br') return zlib.createBrotliDecompress(BR_OPTS);
  if (c === 'deflate')
    return isZlibWrapped(first) ? zlib.createInflate(GZIP_OPTS) : zlib.createInflateRaw(GZIP_OPTS);
  return zlib.createGunzip(GZIP_OPTS);
}

class BodyWaiter extends Waiter<IteratorResult<Uint8Array>> {
  readonly body: BodyStream;
  constructor(body: BodyStream) {
    super();
    this.body = body;
  }
  override detach(): void {
    this.body._waiterCancelled(this);
  }
  override describe(): string {
    return 'reading a response body';
  }
}

const HIGH_WATER = 256 * 1024;
const DONE: IteratorResult<Uint8Array> = Object.freeze({ done: true, value: undefined });

/**
 * @internal The streaming body of a response: chunks (decoded) as they arrive,
 * with backpressure on the socket. Read it once.
 */
export class BodyStream implements AsyncIterableIterator<Uint8Array> {
  readonly #src: BodySource;
  readonly #codings: string[] | null;
  readonly #max: number | null;
  readonly #method: string;
  readonly #url: string;
  #decoders: Transform[] | null = null;
  #queue: Buffer[] = [];
  #queued = 0;
  #delivered = 0;
  #sourceDone = false;
  #ended = false;
  #error: Error | null = null;
  #released = false;
  #waiter: BodyWaiter | null = null;

  constructor(
    src: BodySource,
    codings: string[] | null,
    max: number | null,
    method: string,
    url: string,
  ) {
    this.#src = src;
    this.#codings = codings;
    this.#max = max;
    this.#method = method;
    this.#url = url;
  }

  /** True once every byte was delivered, or after an error or a release. */
  get finished(): boolean {
    return this.#ended || this.#error !== null || this.#released;
  }

  /** @internal A raw chunk from the socket; false asks the socket to pause. */
  push(raw: Buffer): boolean {
    if (this.#released || this.#error !== null) return false;
    if (this.#codings === null) {
      this.#deliver(raw);
      return this.#queued < HIGH_WATER;
    }
    const ds = this.#decoders ?? this.#startDecoders(raw);
    const ok = ds[0]!.write(raw);
    return ok && this.#queued < HIGH_WATER;
  }

  /** @internal The source finished. */
  end(): void {
    this.#sourceDone = true;
    if (this.#decoders !== null) this.#decoders[0]!.end();
    else if (this.#codings !== null && this.#error === null)
      this.#finish(); // an empty coded body
    else this.#finish();
  }

  /** @internal The source failed. */
  fail(err: Error): void {
    if (this.#ended || this.#error !== null || this.#released) return;
    this.#error = err;
    this.#queue = [];
    this.#queued = 0;
    this.#destroyDecoders();
    const w = this.#waiter;
    if (w !== null) {
      this.#waiter = null;
      w.fail(err);
    }
  }

  /**
   * The next chunk. Cancellation: a cancellation point; a cancelled read releases
   * the body (the connection is closed, the rest is not read).
   */
  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.#queue.length > 0) {
      const chunk = this.#queue.shift()!;
      this.#queued -= chunk.length;
      if (this.#queued < HIGH_WATER && !this.#sourceDone) this.#maybeResume();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.#error !== null) return Promise.reject(this.#error);
    if (this.#ended || this.#released) return Promise.resolve(DONE);
    if (this.#waiter !== null) {
      return Promise.reject(
        new InvalidStateError('the body is already being read by another task'),
      );
    }
    const task = taskStorage.getStore();
    if (task !== undefined && task._mustCancel) {
      this.release();
      return Promise.reject(task._takeCancel());
    }
    const w = new BodyWaiter(this);
    this.#waiter = w;
    const p = w.suspend(task);
    this.#maybeResume();
    return p;
  }

  /** Stops reading: releases the body (used by `break` in `for await`). */
  return(): Promise<IteratorResult<Uint8Array>> {
    this.release();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Gives up the rest of the body: the connection is closed unless it was all read. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#queue = [];
    this.#queued = 0;
    this.#destroyDecoders();
    if (!this.#sourceDone && this.#error === null) this.#src._abortBody(RELEASED);
    const w = this.#waiter;
    if (w !== null) {
      this.#waiter = null;
      w.wake(DONE);
    }
  }

  /** @internal */
  _waiterCancelled(w: BodyWaiter): void {
    if (this.#waiter === w) this.#waiter = null;
    this.release();
  }

  #maybeResume(): void {
    const ds = this.#decoders;
    if (ds !== null && ds[0]!.writableNeedDrain) return;
    this.#src._resumeBody();
  }

  #deliver(chunk: Buffer): void {
    if (this.#released || this.#error !== null || chunk.length === 0) return;
    this.#delivered += chunk.length;
    if (this.#max !== null && this.#delivered > this.#max) {
      const err = new BodyTooLargeError(this.#method, this.#url, this.#max);
      if (!this.#sourceDone) this.#src._abortBody(err);
      this.fail(err);
      return;
    }
    const w = this.#waiter;
    if (w !== null) {
      this.#waiter = null;
      w.wake({ done: false, value: chunk });
    } else {
      this.#queue.push(chunk);
      this.#queued += chunk.length;
    }
  }

  #finish(): void {
    if (this.#ended || this.#error !== null) return;
    this.#ended = true;
    const w = this.#waiter;
    if (w !== null) {
      this.#waiter = null;
      w.wake(DONE);
    }
  }

  #startDecoders(first: Buffer): Transform[] {
    const ds = this.#codings!.map((c) => createDecoder(c, first));
    for (let i = 0; i + 1 < ds.length; i++) ds[i]!.pipe(ds[i + 1]!);
    const last = ds[ds.length - 1]!;
    last.on('data', (chunk: Buffer) => this.#deliver(chunk));
    last.on('end', () => this.#finish());
    const onError = (err: Error): void => {
      const e = new ResponseError(this.#method, this.#url, 'the body does not decode', err);
      if (!this.#sourceDone) this.#src._abortBody(e);
      this.fail(e);
    };
    for (const d of ds) d.on('error', onError);
    ds[0]!.on('drain', () => {
      if (this.#queued < HIGH_WATER) this.#src._resumeBody();
    });
    this.#decoders = ds;
    return ds;
  }

  #destroyDecoders(): void {
    const ds = this.#decoders;
    if (ds === null) return;
    this.#decoders = null;
    for (const d of ds) {
      d.removeAllListeners('data');
      d.on('error', noop);
      d.destroy();
    }
  }
}

function noop(): void {}

/** @internal The reason given to undici when a body is released unread. */
const RELEASED = new Error('the response body was released before it was read');
