/**
 * The errors of `asyncio-ts/http`: each class has its own `name` and a stable
 * `code`; match on `code` when an error may come from another copy of the package.
 *
 * | class                 | code                     | what broke                                  |
 * | --------------------- | ------------------------ | ------------------------------------------- |
 * | `ConnectionError`     | `ERR_HTTP_CONNECTION`    | the network: refused, reset, DNS, TLS       |
 * | `HttpTimeoutError`    | `ERR_TIMEOUT`            | a phase ran out of time (`phase` says which) |
 * | `HttpStatusError`     | `ERR_HTTP_STATUS`        | the server answered 4xx/5xx                  |
 * | `InvalidUrlError`     | `ERR_INVALID_URL`        | the URL you passed                           |
 * | `TooManyRedirectsError` | `ERR_TOO_MANY_REDIRECTS` | the redirect limit was passed             |
 * | `BodyTooLargeError`   | `ERR_BODY_TOO_LARGE`     | the response body is over `maxBodySize`      |
 * | `ResponseError`       | `ERR_HTTP_RESPONSE`      | a malformed or undecodable response          |
 * | `RequestRefusedError` | `ERR_REQUEST_REFUSED`    | an address guard refused the destination     |
 * | `SessionClosedError`  | `ERR_SESSION_CLOSED`     | the session was closed before the request    |
 *
 * All but `HttpTimeoutError` extend {@link HttpError} (an `AsyncioError`);
 * `HttpTimeoutError` extends the core `TimeoutError`, so `instanceof TimeoutError`
 * catches every deadline of the library, HTTP phases included.
 *
 * @module
 */
import { AsyncioError, TimeoutError } from '../errors.js';
import type { Response } from './response.js';

/**
 * The root of the HTTP failures (all but timeouts, which are `TimeoutError`s).
 *
 * @example
 * ```ts
 * try { await session.get(url); } catch (e) { if (e instanceof HttpError) console.log(e.code); }
 * ```
 *
 * Cancellation: a cancelled request never raises an `HttpError`; it rejects with `CancelledError`.
 */
export class HttpError extends AsyncioError {
  /** The request's method. */
  readonly method: string;
  /** The URL concerned (the hop that failed, after redirects). */
  readonly url: string;
  constructor(message: string, code: string, method = '', url = '', options?: ErrorOptions) {
    super(message, code, options);
    this.method = method;
    this.url = url;
  }
  static {
    this.prototype.name = 'HttpError';
  }
}

/**
 * The connection failed or broke: refused, reset, closed early, DNS or TLS failure.
 * `reason` holds the system or undici code (`ECONNREFUSED`, `UND_ERR_SOCKET`...),
 * `cause` the original error. Retried by default for idempotent methods.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof ConnectionError && e.reason === 'ECONNREFUSED') console.log('down'); }
 * ```
 *
 * Cancellation: not raised for a cancelled request (that is a `CancelledError`).
 */
export class ConnectionError extends HttpError {
  /** The underlying code, e.g. `ECONNREFUSED`, `ENOTFOUND`, `UND_ERR_SOCKET`. */
  readonly reason: string;
  constructor(method: string, url: string, cause: unknown) {
    const reason = codeOf(cause) ?? 'UNKNOWN';
    const what = cause instanceof Error ? cause.message : String(cause);
    super(
      `${method} ${url}: connection failed (${reason}): ${what}`,
      'ERR_HTTP_CONNECTION',
      method,
      url,
      {
        cause,
      },
    );
    this.reason = reason;
  }
  static {
    this.prototype.name = 'ConnectionError';
  }
}

/** The phases a request's time is split into; each has its own limit. */
export type TimeoutPhase = 'pool' | 'connect' | 'headers' | 'body' | 'total';

const PHASE_TEXT: Record<TimeoutPhase, string> = {
  pool: 'waiting for a connection (limits)',
  connect: 'connecting',
  headers: 'waiting for the response headers',
  body: 'waiting for the next chunk of the body',
  total: 'the whole request (all attempts)',
};

/**
 * A phase of a request ran out of time: `phase` is `pool` (waiting for a place
 * under the limits), `connect`, `headers`, `body` (idle between chunks) or `total`
 * (the deadline over all attempts). It is a core `TimeoutError` (code `ERR_TIMEOUT`).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof HttpTimeoutError) console.log(e.phase, e.timeout); }
 * ```
 *
 * Cancellation: raised for the request's own limits only; an enclosing `timeout()` scope raises its own `TimeoutError` instead.
 */
export class HttpTimeoutError extends TimeoutError {
  /** Which limit ran out. */
  readonly phase: TimeoutPhase;
  /** The limit, in ms. */
  readonly timeout: number;
  /** The request's method. */
  readonly method: string;
  /** The URL of the hop that timed out. */
  readonly url: string;
  constructor(phase: TimeoutPhase, timeout: number, method: string, url: string, cause?: unknown) {
    super(
      `${method} ${url}: timed out ${PHASE_TEXT[phase]} (${phase} timeout: ${timeout} ms)`,
      cause === undefined ? undefined : { cause },
    );
    this.phase = phase;
    this.timeout = timeout;
    this.method = method;
    this.url = url;
  }
  static {
    this.prototype.name = 'TimeoutError';
  }
}

/**
 * The server answered with an error status (4xx or 5xx): what `raiseForStatus()`
 * throws. `response` is the full response, its body read.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof HttpStatusError && e.status === 404) return null; }
 * ```
 *
 * Cancellation: not raised for a cancelled request (that is a `CancelledError`).
 */
export class HttpStatusError extends HttpError {
  /** The status code. */
  readonly status: number;
  /** The response (body already read). */
  readonly response: Response;
  constructor(response: Response) {
    const text = response.statusText ? ` ${response.statusText}` : '';
    super(
      `${response.method} ${response.url}: the server answered ${response.status}${text}`,
      'ERR_HTTP_STATUS',
      response.method,
      response.url,
    );
    this.status = response.status;
    this.response = response;
  }
  static {
    this.prototype.name = 'HttpStatusError';
  }
}

/**
 * The URL cannot be requested: it does not parse, or its scheme is not http(s).
 *
 * @example
 * ```ts
 * await session.get('htp:/nowhere'); // rejects with InvalidUrlError, code ERR_INVALID_URL
 * ```
 *
 * Cancellation: not raised for a cancelled request (that is a `CancelledError`).
 */
export class InvalidUrlError extends HttpError {
  /** What was passed. */
  readonly input: string;
  constructor(input: string, why: string) {
    super(`invalid URL '${input}': ${why}`, 'ERR_INVALID_URL', '', input);
    this.input = input;
  }
  static {
    this.prototype.name = 'InvalidUrlError';
  }
}

/**
 * More redirects than allowed (`maxRedirects`, default 10): probably a loop.
 *
 * @example
 * ```ts
 * await session.get(url, { maxRedirects: 2 }); // rejects after the 3rd redirect
 * ```
 *
 * Cancellation: not raised for a cancelled request (that is a `CancelledError`).
 */
export class TooManyRedirectsError extends HttpError {
  /** The URLs that redirected, in order. */
  readonly redirects: readonly string[];
  constructor(method: string, url: string, redirects: readonly string[], max: number) {
    super(
      `${method} ${url}: more than ${max} redirects (raise maxRedirects if this is expected)`,
      'ERR_TOO_MANY_REDIRECTS',
      method,
      url,
    );
    this.redirects = redirects;
  }
  static {
    this.prototype.name = 'TooManyRedirectsError';
  }
}

/**
 * The response body (decompressed) is larger than `maxBodySize`; the connection
 * was closed without reading the rest.
 *
 * @example
 * ```ts
 * await session.get(url, { maxBodySize: 1_000_000 }); // rejects on a 2 MB body
 * ```
 *
 * Cancellation: not raised for a cancelled request (that is a `CancelledError`).
 */
export class BodyTooLargeError extends HttpError {
  /** The limit, in bytes. */
  readonly limit: number;
  constructor(method: string, url: string, limit: number) {
    super(
      `${method} ${url}: the response body is larger than maxBodySize (${limit} bytes)`,
      'ERR_BODY_TOO_LARGE',
      method,
      url,
    );
    this.limit = limit;
  }
  static {
    this.prototype.name = 'BodyTooLargeError';
  }
}

/**
 * The response could not be understood: a malformed message, a body that does not
 * decompress, or JSON that does not parse.
 *
 * @example
 * ```ts
 * await (await session.get(htmlUrl)).json(); // rejects with ResponseError
 * ```
 *
 * Cancellation: not raised for a cancelled request (that is a `CancelledError`).
 */
export class ResponseError extends HttpError {
  constructor(method: string, url: string, what: string, cause?: unknown) {
    super(
      `${method} ${url}: ${what}`,
      'ERR_HTTP_RESPONSE',
      method,
      url,
      cause === undefined ? undefined : { cause },
    );
  }
  static {
    this.prototype.name = 'ResponseError';
  }
}

/**
 * An {@link AddressGuard} refused to connect: the destination resolved to a
 * loopback, private, link-local, metadata (or otherwise reserved) address that is
 * not allowlisted. Never retried.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof RequestRefusedError) res.writeHead(403).end(e.message); }
 * ```
 *
 * Cancellation: not raised for a cancelled request (that is a `CancelledError`).
 */
export class RequestRefusedError extends HttpError {
  /** The host name asked for. */
  readonly host: string;
  /** The address it resolved to. */
  readonly address: string;
  /** Why it is refused: `loopback`, `private`, `link-local`, `metadata`, `reserved`... */
  readonly category: string;
  constructor(host: string, address: string, category: string) {
    super(
      `refused to connect to ${host}${host === address ? '' : ` (${address})`}: a ${category} address (add it to the allowlist if this is intended)`,
      'ERR_REQUEST_REFUSED',
    );
    this.host = host;
    this.address = address;
    this.category = category;
  }
  static {
    this.prototype.name = 'RequestRefusedError';
  }
}

/**
 * A request was made on a session that is closing or closed, or the session was
 * destroyed while the request was in flight.
 *
 * @example
 * ```ts
 * await session.close();
 * await session.get(url); // rejects with SessionClosedError
 * ```
 *
 * Cancellation: not raised for a cancelled request (that is a `CancelledError`).
 */
export class SessionClosedError extends HttpError {
  constructor(method = '', url = '', what = 'the session is closed') {
    super(`${method ? `${method} ${url}: ` : ''}${what}`, 'ERR_SESSION_CLOSED', method, url);
  }
  static {
    this.prototype.name = 'SessionClosedError';
  }
}

/** @internal The `code` of an error-like value, if it has a string one. */
export function codeOf(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const c = (e as { code?: unknown }).code;
  return typeof c === 'string' ? c : undefined;
}
