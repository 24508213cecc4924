/**
 * `Response`: what a session's request resolves with.
 *
 * @module
 */
import { inspect } from 'node:util';
import { InvalidStateError } from '../errors.js';
import { HttpStatusError, ResponseError } from './errors.js';
import type { BodyStream } from './body.js';

/** Where the time of a request went, in ms (loop time). */
export interface Timing {
  /** Loop time at which `request()` was called. */
  readonly start: number;
  /** Waiting for places under the session's limits (all attempts and hops). */
  readonly pool: number;
  /** From dispatch until the request was on a connected socket (final hop). */
  readonly connect: number;
  /** From dispatch until the first byte of the response (final hop). */
  readonly firstByte: number;
  /** From `start` until the body was read (until the headers, for a streamed body). */
  readonly total: number;
  /** Attempts made (1 without retries). */
  readonly attempts: number;
}

/** One redirect that was followed. */
export interface Redirect {
  /** The URL that answered with a redirect. */
  readonly url: string;
  /** Its status (301, 302, 303, 307, 308). */
  readonly status: number;
  /** Where it pointed (resolved to an absolute URL). */
  readonly location: string;
}

/** The headers of a response: lowercase names; repeated headers are lists. */
export type ResponseHeaders = Readonly<Record<string, string | string[]>>;

const BOM = 0xfeff;

/** @internal Decodes a body as text, by the charset of `contentType` (UTF-8 by default). */
export function decodeText(buf: Uint8Array, contentType: string | string[] | undefined): string {
  const ct = typeof contentType === 'string' ? contentType : contentType?.[0];
  const m = ct !== undefined ? /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(ct) : null;
  const charset = m !== null ? m[1]!.toLowerCase() : 'utf-8';
  if (charset === 'utf-8' || charset === 'utf8') {
    const s = Buffer.isBuffer(buf)
      ? buf.toString('utf8')
      : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8');
    return s.charCodeAt(0) === BOM ? s.slice(1) : s;
  }
  try {
    return new TextDecoder(charset).decode(buf);
  } catch {
    return new TextDecoder('utf-8').decode(buf);
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * An HTTP response. By default the body has been read when the request resolves
 * (so it can never be leaked): `text()`, `json()` and `bytes()` return at once and
 * can be called again. With `{ stream: true }` the body arrives as you iterate
 * `response.body`; it is released (its connection closed unless fully read) when
 * you stop, call `release()`, leave an `await using` block, or when the task that
 * made the request ends.
 *
 * @example
 * ```ts
 * const r = await session.get(`${base}/json`);
 * if (r.ok) console.log(r.status, r.headers['content-type'], await r.json<{ ok: boolean }>());
 * ```
 *
 * Cancellation: reading a streamed body is a cancellation point; a cancelled read
 * releases the body. Reading a buffered body never waits.
 */
export class Response {
  /** The status code. */
  readonly status: number;
  /** The reason phrase (may be empty). */
  readonly statusText: string;
  /** The response headers (lowercase names). */
  readonly headers: ResponseHeaders;
  /** The final URL, after redirects. */
  readonly url: string;
  /** The method of the final hop (a 303 turns a POST into a GET). */
  readonly method: string;
  /** The redirects followed to get here, in order. */
  readonly redirects: readonly Redirect[];
  /** Where the time went. */
  readonly timing: Timing;
  #buffer: Buffer | null;
  #stream: BodyStream | null;
  #used = false;

  /** @internal Made by the session. */
  constructor(
    status: number,
    statusText: string,
    headers: ResponseHeaders,
    url: string,
    method: string,
    redirects: readonly Redirect[],
    timing: Timing,
    buffer: Buffer | null,
    stream: BodyStream | null,
  ) {
    this.status = status;
    this.statusText = statusText;
    this.headers = headers;
    this.url = url;
    this.method = method;
    this.redirects = redirects;
    this.timing = timing;
    this.#buffer = stream === null && buffer === null ? EMPTY : buffer;
    this.#stream = stream;
  }

  /** True for a 2xx status. */
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** True when the body is streamed (`{ stream: true }`). */
  get streamed(): boolean {
    return this.#stream !== null;
  }

  /** True once a streamed body was read or released (always false when buffered). */
  get bodyUsed(): boolean {
    return this.#used;
  }

  /** One header's value (a repeated header joined with `, `), or undefined. */
  header(name: string): string | undefined {
    const v = this.headers[name.toLowerCase()];
    return v === undefined || typeof v === 'string' ? v : v.join(', ');
  }

  /**
   * The body as bytes.
   *
   * Cancellation: for a streamed body, a cancellation point (the body is released).
   */
  bytes(): Promise<Uint8Array> {
    const b = this.#buffer;
    if (b !== null) return Promise.resolve(b);
    return this.#readAll();
  }

  /**
   * The body, without waiting: every response that is not streamed has it, and a
   * streamed one once `bytes()`, `text()` or `json()` read it. What `await bytes()`
   * gives, minus a promise and a turn of the microtask queue per response.
   *
   * @throws {InvalidStateError} for a streamed body not read yet
   */
  get content(): Uint8Array {
    const b = this.#buffer;
    if (b === null) {
      throw new InvalidStateError(
        'the response body is streamed and not read yet: await bytes() (or iterate body)',
      );
    }
    return b;
  }

  /**
   * The body as text, decoded by the charset of Content-Type (UTF-8 by default).
   *
   * Cancellation: for a streamed body, a cancellation point (the body is released).
   */
  text(): Promise<string> {
    const b = this.#buffer;
    if (b !== null) return Promise.resolve(decodeText(b, this.headers['content-type']));
    return this.#readAll().then((buf) => decodeText(buf, this.headers['content-type']));
  }

  /**
   * The body parsed as JSON.
   *
   * @throws {ResponseError} when it is not valid JSON (as a rejection)
   */
  json<T = unknown>(): Promise<T> {
    return this.text().then((s) => {
      try {
        return JSON.parse(s) as T;
      } catch (e) {
        throw new ResponseError(this.method, this.url, 'the body is not valid JSON', e);
      }
    });
  }

  /**
   * The body as an async iterable of chunks. A streamed body can be iterated once;
   * a buffered one yields its single chunk each time.
   */
  get body(): AsyncIterable<Uint8Array> {
    const s = this.#stream;
    if (s === null) return singleChunk(this.#buffer!);
    if (this.#used) throw new InvalidStateError('the response body was already read or released');
    this.#used = true;
    return s;
  }

  /**
   * Throws {@link HttpStatusError} for a 4xx or 5xx status; returns the response
   * otherwise, so it chains: `(await session.get(url)).raiseForStatus()`.
   */
  raiseForStatus(): this {
    if (this.status >= 400) throw new HttpStatusError(this);
    return this;
  }

  /** Releases a streamed body that will not be read (no effect otherwise). */
  release(): void {
    const s = this.#stream;
    if (s !== null && !s.finished) {
      this.#used = true;
      s.release();
    }
  }

  /** For `await using response = await session.get(url, { stream: true })`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.release();
    return Promise.resolve();
  }

  /** `<Response 200 GET http://127.0.0.1:8080/json>` */
  toString(): string {
    return `<Response ${this.status} ${this.method} ${this.url}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  async #readAll(): Promise<Buffer> {
    const s = this.#stream!;
    if (this.#used) throw new InvalidStateError('the response body was already read or released');
    this.#used = true;
    const chunks: Buffer[] = [];
    for (;;) {
      const r = await s.next();
      if (r.done === true) break;
      chunks.push(r.value as Buffer);
    }
    const buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    this.#buffer = buf;
    this.#stream = null;
    return buf;
  }
}

function singleChunk(b: Buffer): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
      let done = b.length === 0;
      return {
        next(): Promise<IteratorResult<Uint8Array>> {
          if (done) return Promise.resolve({ done: true, value: undefined });
          done = true;
          return Promise.resolve({ done: false, value: b });
        },
      };
    },
  };
}
