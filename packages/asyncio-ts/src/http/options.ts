/**
 * The options of a session and of its requests, and how a request's URL, headers
 * and body are built from them.
 *
 * @module
 */
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { undiciFull } from './undici.js';
import type { Duration } from '../durations.js';
import type { Connector, ProxyOptions, TlsOptions } from './dispatcher.js';
import { toMilliseconds } from '../durations.js';
import { CookieJar } from './cookies.js';
import { InvalidUrlError } from './errors.js';
import { RequestState, type RequestSettings } from './request.js';
import { DEFAULT_RETRY, resolveRetry } from './retry-policy.js';
import { DEFAULT_TIMEOUTS, resolveTimeouts } from './timeouts.js';
import type { LimitOptions } from './limits.js';
import type { RetrySetting } from './retry-policy.js';
import type { TimeoutSetting } from './timeouts.js';

/** A value of a query parameter or a form field; null and undefined are left out. */
export type QueryValue = string | number | boolean | null | undefined;

/** Query parameters: an object (arrays repeat the name), `URLSearchParams`, or a string. */
export type Query =
  Readonly<Record<string, QueryValue | readonly QueryValue[]>> | URLSearchParams | string;

/** Request headers: names in any case; an undefined value removes a session header. */
export type HeadersInit = Readonly<Record<string, string | number | readonly string[] | undefined>>;

/** What a request body can be. Streams cannot be sent twice (no retry, no 307/308). */
export type RequestBody =
  | string
  | Uint8Array
  | ArrayBuffer
  | URLSearchParams
  | FormData
  | Blob
  | Readable
  | AsyncIterable<Uint8Array>;

/** Options of one request; they override the session's for this request only. */
export interface RequestOptions {
  /** Query parameters, appended to those of the URL. */
  query?: Query;
  /** Headers, merged over the session's. */
  headers?: HeadersInit;
  /** A value sent as JSON (`Content-Type: application/json`). */
  json?: unknown;
  /** A form sent URL-encoded (`application/x-www-form-urlencoded`). */
  form?: Readonly<Record<string, QueryValue | readonly QueryValue[]>> | URLSearchParams;
  /** A body: text, bytes, a stream, `URLSearchParams`, `FormData` (multipart), a `Blob`. */
  body?: RequestBody | null;
  /** Timeouts of this request (see {@link TimeoutOptions}). */
  timeout?: TimeoutSetting;
  /** Retries of this request (see {@link RetryOptions}). */
  retry?: RetrySetting;
  /** The most redirects to follow; 0 returns the redirect response itself. */
  maxRedirects?: number;
  /** Do not read the body before resolving: iterate `response.body`. Default false. */
  stream?: boolean;
  /** The largest body accepted (decompressed), in bytes; `null`: no limit. */
  maxBodySize?: number | null;
  /** Ask for and undo gzip/deflate/br. Default: the session's (true). */
  decompress?: boolean;
  /** Throw `HttpStatusError` for a 4xx/5xx final status. Default: the session's (false). */
  raiseForStatus?: boolean;
  /** Aborts the request; it then rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** Options of a {@link ClientSession}. */
export interface ClientSessionOptions {
  /** Relative URLs are resolved against it. */
  baseUrl?: string | URL;
  /** Headers sent with every request. */
  headers?: HeadersInit;
  /** Timeouts per phase (defaults: connect 10 s, headers 30 s, body idle 30 s, total 5 min). */
  timeout?: TimeoutSetting;
  /** Retries (default 3 attempts for idempotent methods; `false` for none). */
  retry?: RetrySetting;
  /** The most redirects to follow. Default 10; 0 does not follow them. */
  maxRedirects?: number;
  /** Ask for and undo gzip/deflate/br. Default true. */
  decompress?: boolean;
  /** The largest body accepted (decompressed), in bytes. Default: no limit. */
  maxBodySize?: number | null;
  /** Throw `HttpStatusError` for every 4xx/5xx final status. Default false. */
  raiseForStatus?: boolean;
  /** Keep cookies between requests: `true` for a new jar, or a jar to share. */
  cookies?: boolean | CookieJar;
  /** Send every request through this HTTP(S) proxy. */
  proxy?: string | URL | ProxyOptions;
  /** Use HTTP/2: negotiated by ALPN over TLS; prior knowledge (h2c) for http URLs. */
  http2?: boolean;
  /** TLS settings for https origins. */
  tls?: TlsOptions;
  /** Caps and rates (default: at most 100 requests in flight). */
  limits?: LimitOptions;
  /** How long an idle connection is kept for reuse. Default 4 s. */
  keepAlive?: Duration;
  /** Opens the sockets (an address guard's `connector()`); not used with `proxy`. */
  connect?: Connector;
  /** The `User-Agent` header; null sends none. Default `asyncio-ts`. */
  userAgent?: string | null;
  /** An undici dispatcher to send through instead of the session's own (not closed by it). */
  dispatcher?: Dispatcher;
}

/** @internal Parses the URL of a request (throws InvalidUrlError). */
export function parseUrl(
  input: string | URL,
  base: URL | undefined,
  query: Query | undefined,
): URL {
  let url: URL;
  if (input instanceof URL && query === undefined) {
    url = input;
  } else {
    try {
      url = new URL(input, base);
    } catch {
      throw new InvalidUrlError(
        String(input),
        base === undefined && typeof input === 'string' && !/^[a-z][a-z\d+.-]*:/i.test(input)
          ? 'a relative URL needs the session option baseUrl'
          : 'it does not parse as a URL',
      );
    }
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidUrlError(
      String(input),
      `the scheme must be http or https, not ${url.protocol.slice(0, -1)}`,
    );
  }
  if (url.hostname === '') throw new InvalidUrlError(String(input), 'it has no host');
  if (query !== undefined) appendQuery(url, query);
  return url;
}

function appendQuery(url: URL, q: Query): void {
  if (typeof q === 'string') {
    const s = q.startsWith('?') ? q.slice(1) : q;
    if (s !== '') url.search = url.search === '' ? s : `${url.search.slice(1)}&${s}`;
    return;
  }
  const sp = url.searchParams;
  if (q instanceof URLSearchParams) {
    for (const [k, v] of q) sp.append(k, v);
    return;
  }
  for (const k of Object.keys(q)) addField(sp, k, q[k]);
}

function addField(sp: URLSearchParams, k: string, v: QueryValue | readonly QueryValue[]): void {
  if (v === null || v === undefined) return;
  if (Array.isArray(v)) {
    for (const x of v as readonly QueryValue[])
      if (x !== null && x !== undefined) sp.append(k, String(x));
  } else {
    sp.append(k, String(v));
  }
}

/** @internal Lowercased headers (undefined values dropped) merged over `base`. */
export function mergeHeaders(
  base: Record<string, string | string[]>,
  extra: HeadersInit | undefined,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = { ...base };
  if (extra === undefined) return out;
  for (const name of Object.keys(extra)) {
    const v = extra[name];
    const k = name.toLowerCase();
    if (v === undefined) delete out[k];
    else out[k] = typeof v === 'number' ? String(v) : typeof v === 'string' ? v : [...v];
  }
  return out;
}

/** @internal A body ready for undici, and what it implies. */
export interface PreparedBody {
  readonly body:
    string | Uint8Array | Blob | FormData | Readable | AsyncIterable<Uint8Array> | null;
  readonly contentType: string | null;
  /** False for streams: they cannot be sent twice. */
  readonly replayable: boolean;
}

const NO_BODY: PreparedBody = Object.freeze({ body: null, contentType: null, replayable: true });

/** @internal Builds the body from `json`, `form` or `body` (only one of them). */
export function prepareBody(opts: RequestOptions | undefined, method: string): PreparedBody {
  if (opts === undefined) return NO_BODY;
  const { json, form, body } = opts;
  const given =
    (json !== undefined ? 1 : 0) + (form !== undefined ? 1 : 0) + (body != null ? 1 : 0);
  if (given === 0) return NO_BODY;
  if (given > 1) throw new TypeError('give only one of json, form and body');
  if (method === 'GET' || method === 'HEAD') {
    throw new TypeError(`a ${method} request cannot have a body`);
  }
  if (json !== undefined) {
    return { body: JSON.stringify(json), contentType: 'application/json', replayable: true };
  }
  if (form !== undefined) {
    let sp: URLSearchParams;
    if (form instanceof URLSearchParams) sp = form;
    else {
      sp = new URLSearchParams();
      for (const k of Object.keys(form)) addField(sp, k, form[k]);
    }
    return {
      body: sp.toString(),
      contentType: 'application/x-www-form-urlencoded',
      replayable: true,
    };
  }
  const b = body!;
  if (typeof b === 'string')
    return { body: b, contentType: 'text/plain;charset=UTF-8', replayable: true };
  if (b instanceof Uint8Array) return { body: b, contentType: null, replayable: true };
  if (b instanceof ArrayBuffer)
    return { body: new Uint8Array(b), contentType: null, replayable: true };
  if (b instanceof URLSearchParams) {
    return {
      body: b.toString(),
      contentType: 'application/x-www-form-urlencoded',
      replayable: true,
    };
  }
  // A FormData (undici's own, or the global one) is rare: undici loads for it.
  const UndiciFormData =
    Object.prototype.toString.call(b) === '[object FormData]' ? undiciFull().FormData : null;
  if (UndiciFormData !== null && b instanceof UndiciFormData)
    return { body: b, contentType: null, replayable: true };
  if (UndiciFormData !== null && b instanceof FormData) {
    // undici serialises only its own FormData class (not the global one of Node 20).
    const fd = new UndiciFormData();
    for (const [k, v] of b) {
      if (typeof v === 'string') fd.append(k, v);
      else fd.append(k, v, v.name);
    }
    return { body: fd, contentType: null, replayable: true };
  }
  if (b instanceof Blob) return { body: b, contentType: b.type || null, replayable: true };
  if (typeof (b as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
    return {
      body: b as Readable | AsyncIterable<Uint8Array>,
      contentType: null,
      replayable: false,
    };
  }
  throw new TypeError(
    'body must be a string, bytes, an ArrayBuffer, URLSearchParams, FormData, a Blob or a stream',
  );
}

/** @internal What a session applies to every request. */
export interface RequestDefaults {
  readonly settings: RequestSettings;
  readonly baseUrl: URL | undefined;
  readonly headers: Record<string, string | string[]>;
}

function checkCount(v: number | null | undefined, what: string, allowZero: boolean): void {
  if (v === undefined || v === null) return;
  if (!Number.isInteger(v) || v < (allowZero ? 0 : 1)) {
    throw new RangeError(`${what} must be an integer >= ${allowZero ? 0 : 1}, got ${String(v)}`);
  }
}

/** @internal Resolves a session's options into what it applies to every request. */
export function sessionDefaults(opts: ClientSessionOptions): RequestDefaults {
  checkCount(opts.maxRedirects, 'maxRedirects', true);
  checkCount(opts.maxBodySize, 'maxBodySize', false);
  if (opts.keepAlive !== undefined) toMilliseconds(opts.keepAlive, 'keepAlive');
  const decompress = opts.decompress ?? true;
  const jar =
    opts.cookies === true
      ? new CookieJar()
      : opts.cookies instanceof CookieJar
        ? opts.cookies
        : null;
  const settings: RequestSettings = Object.freeze({
    policy: resolveRetry(opts.retry, DEFAULT_RETRY),
    timeouts: resolveTimeouts(opts.timeout, DEFAULT_TIMEOUTS),
    maxRedirects: opts.maxRedirects ?? 10,
    stream: false,
    maxBodySize: opts.maxBodySize ?? null,
    decompress,
    raise: opts.raiseForStatus ?? false,
    jar,
  });
  const ua = opts.userAgent === undefined ? 'asyncio-ts' : opts.userAgent;
  const headers: Record<string, string | string[]> = { accept: '*/*' };
  if (ua !== null) headers['user-agent'] = ua;
  if (decompress) headers['accept-encoding'] = 'gzip, deflate, br';
  return {
    settings,
    baseUrl: opts.baseUrl !== undefined ? parseUrl(opts.baseUrl, undefined, undefined) : undefined,
    headers: mergeHeaders(headers, opts.headers),
  };
}

/** @internal The settings of one request: the session's, or a copy with its overrides. */
function requestSettings(o: RequestOptions, b: RequestSettings): RequestSettings {
  if (
    o.timeout === undefined &&
    o.retry === undefined &&
    o.maxRedirects === undefined &&
    o.stream === undefined &&
    o.maxBodySize === undefined &&
    o.decompress === undefined &&
    o.raiseForStatus === undefined
  ) {
    return b;
  }
  checkCount(o.maxRedirects, 'maxRedirects', true);
  checkCount(o.maxBodySize, 'maxBodySize', false);
  return {
    policy: resolveRetry(o.retry, b.policy),
    timeouts: resolveTimeouts(o.timeout, b.timeouts),
    maxRedirects: o.maxRedirects ?? b.maxRedirects,
    stream: o.stream ?? b.stream,
    maxBodySize: o.maxBodySize !== undefined ? o.maxBodySize : b.maxBodySize,
    decompress: o.decompress ?? b.decompress,
    raise: o.raiseForStatus ?? b.raise,
    jar: b.jar,
  };
}

/** Credentials in the URL become Basic authorization (unless one is set); returns the URL without them. */
function moveCredentials(u: URL, headers: Record<string, string | string[]>): URL {
  if (u.username === '' && u.password === '') return u;
  if (headers['authorization'] === undefined) {
    const pair = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
    headers['authorization'] = `Basic ${Buffer.from(pair).toString('base64')}`;
  }
  const clean = new URL(u.href);
  clean.username = '';
  clean.password = '';
  return clean;
}

/**
 * @internal Builds the state of a request. A request without options shares the
 * session's headers object and settings: nothing is copied on the fast path.
 */
export function prepareRequest(
  id: number,
  method: string,
  url: string | URL,
  opts: RequestOptions | undefined,
  d: RequestDefaults,
  now: number,
): RequestState {
  let u = parseUrl(url, d.baseUrl, opts?.query);
  let headers = d.headers;
  if (opts === undefined) {
    if (u.username !== '' || u.password !== '') {
      headers = { ...headers };
      u = moveCredentials(u, headers);
    }
    return new RequestState(id, d.settings, method, u, headers, NO_BODY, now);
  }
  const s = requestSettings(opts, d.settings);
  const body = prepareBody(opts, method);
  const decompressOff = opts.decompress === false && d.settings.decompress;
  if (
    opts.headers !== undefined ||
    body.contentType !== null ||
    decompressOff ||
    u.username !== '' ||
    u.password !== ''
  ) {
    headers = mergeHeaders(d.headers, opts.headers);
    if (body.contentType !== null && headers['content-type'] === undefined) {
      headers['content-type'] = body.contentType;
    }
    if (decompressOff && opts.headers?.['accept-encoding'] === undefined) {
      delete headers['accept-encoding'];
    }
    u = moveCredentials(u, headers);
  }
  return new RequestState(id, s, method, u, headers, body, now);
}
