/**
 * The state of one request across its attempts and redirect hops: where it goes
 * now, what it sends, what its policies are, and what the last answer decided
 * (keep it, follow a redirect, retry, hold the host off).
 *
 * @module
 */
import type { CookieJar } from './cookies.js';
import { TooManyRedirectsError } from './errors.js';
import type { PreparedBody } from './options.js';
import { isRedirect, redirectHeaders, redirectKeepsBody, redirectMethod } from './redirects.js';
import type { Redirect } from './response.js';
import { parseRetryAfter, type RetryPolicy } from './retry-policy.js';
import type { Timeouts } from './timeouts.js';

/** @internal What to do with an answer (decided when its headers arrive). */
export const KEEP = 0;
/** @internal Follow the redirect (the body is discarded). */
export const REDIRECT = 1;
/** @internal Try again through the retry policy (the body is discarded). */
export const RETRY = 2;
/** @internal Hold the host off for Retry-After, then try again (not an attempt). */
export const HOLD = 3;

/** @internal Settings of a request (the session's, with the request's overrides). */
export interface RequestSettings {
  readonly policy: RetryPolicy;
  readonly timeouts: Timeouts;
  readonly maxRedirects: number;
  readonly stream: boolean;
  readonly maxBodySize: number | null;
  readonly decompress: boolean;
  readonly raise: boolean;
  readonly jar: CookieJar | null;
}

/** @internal */
export class RequestState {
  readonly id: number;
  readonly s: RequestSettings;
  readonly method0: string;
  readonly url0: URL;
  readonly headers0: Record<string, string | string[]>;
  readonly body0: PreparedBody;
  // the current hop
  method: string;
  url: URL;
  href: string;
  origin: string;
  headers: Record<string, string | string[]>;
  body: PreparedBody['body'];
  redirects: Redirect[] | null = null;
  attempt = 0;
  holdOffs = 0;
  /** loop time of request() */
  readonly start: number;
  /** ms spent waiting for places */
  poolMs = 0;
  /** loop time of the total deadline (set when the first place is granted) */
  deadline: number | null = null;
  /** set by dispose(): the wait asked by Retry-After (ms) */
  retryAfter = 0;
  /** set by dispose(): where a redirect points */
  location = '';

  constructor(
    id: number,
    s: RequestSettings,
    method: string,
    url: URL,
    headers: Record<string, string | string[]>,
    body: PreparedBody,
    start: number,
  ) {
    this.id = id;
    this.s = s;
    this.method0 = this.method = method;
    this.url0 = this.url = url;
    this.href = url.href;
    this.origin = url.origin;
    this.headers0 = this.headers = headers;
    this.body0 = body;
    this.body = body.body;
    this.start = start;
  }

  /** Back to the original request, for a new attempt. */
  resetHop(): void {
    if (this.url !== this.url0) {
      this.method = this.method0;
      this.url = this.url0;
      this.href = this.url0.href;
      this.origin = this.url0.origin;
      this.headers = this.headers0;
      this.body = this.body0.body;
      this.redirects = null;
    }
  }

  /** The headers of the current hop, with the jar's cookies. */
  hopHeaders(): Record<string, string | string[]> {
    const jar = this.s.jar;
    if (jar === null || jar.size === 0) return this.headers;
    const c = jar.cookieHeader(this.url);
    if (c === '') return this.headers;
    const own = this.headers['cookie'];
    return { ...this.headers, cookie: own === undefined ? c : `${String(own)}; ${c}` };
  }

  /** Decides, when an answer's headers arrive, what becomes of it. */
  dispose(status: number, headers: Record<string, string | string[]>): number {
    const s = this.s;
    if (isRedirect(status) && s.maxRedirects > 0) {
      const loc = headers['location'];
      if (loc !== undefined) {
        const next = redirectMethod(status, this.method);
        if (
          !redirectKeepsBody(status, this.method, next) ||
          this.body0.replayable ||
          this.body === null
        ) {
          this.location = typeof loc === 'string' ? loc : loc[0]!;
          return REDIRECT;
        }
      }
    }
    const p = s.policy;
    if (!p.statuses[status] || !p.methods.has(this.method0) || !this.body0.replayable) return KEEP;
    const ra = parseRetryAfter(headers['retry-after']);
    if (ra !== null && ra > p.maxRetryAfter) return KEEP;
    if (
      p.holdOff &&
      ra !== null &&
      (status === 429 || status === 503) &&
      this.holdOffs < p.maxHoldOffs
    ) {
      this.retryAfter = ra;
      return HOLD;
    }
    if (this.attempt < p.attempts) {
      this.retryAfter = ra ?? 0;
      return RETRY;
    }
    return KEEP;
  }

  /**
   * Moves to the hop a redirect points to (after `dispose` said REDIRECT).
   *
   * @throws {TooManyRedirectsError} past `maxRedirects`
   */
  followRedirect(status: number): void {
    const list = (this.redirects ??= []);
    const next = new URL(this.location, this.url);
    list.push({ url: this.href, status, location: next.href });
    if (list.length > this.s.maxRedirects) {
      throw new TooManyRedirectsError(
        this.method,
        this.href,
        list.map((r) => r.url),
        this.s.maxRedirects,
      );
    }
    const method = redirectMethod(status, this.method);
    const keepBody = redirectKeepsBody(status, this.method, method);
    const crossOrigin = next.origin !== this.origin;
    this.headers = redirectHeaders(this.headers, crossOrigin, !keepBody && this.body !== null);
    if (!keepBody) this.body = null;
    this.method = method;
    this.url = next;
    this.href = next.href;
    this.origin = next.origin;
  }
}
