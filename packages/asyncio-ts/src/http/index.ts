/**
 * `asyncio-ts/http`: an HTTP client session on undici's dispatcher API, a server
 * adapter that runs each request as a task, and an address guard against SSRF.
 *
 * @example
 * ```ts
 * import { run, gather } from 'asyncio-ts';
 * import { ClientSession } from 'asyncio-ts/http';
 *
 * await run(async () => {
 *   await using session = new ClientSession({ timeout: '10s', limits: { connectionsPerHost: 8 } });
 *   const pages = await gather(urls.map((u) => () => session.get(u).then((r) => r.text())));
 * });
 * ```
 *
 * @module
 */
export { ClientSession, type SessionStatistics } from './session.js';
export { Response, type Timing, type Redirect, type ResponseHeaders } from './response.js';
export type {
  ClientSessionOptions,
  RequestOptions,
  RequestBody,
  HeadersInit,
  Query,
  QueryValue,
} from './options.js';
export type { TimeoutOptions, TimeoutSetting } from './timeouts.js';
export { parseRetryAfter, type RetryOptions, type RetrySetting } from './retry-policy.js';
export type { LimitOptions, LimitStatistics, RateOptions } from './limits.js';
export type { Connector, ProxyOptions, TlsOptions } from './dispatcher.js';
export { CookieJar, type Cookie } from './cookies.js';
export {
  SessionEvents,
  type SessionEventMap,
  type SessionEventName,
  type SessionListener,
  type RequestEvent,
  type ResponseEvent,
  type RetryEvent,
  type ErrorEvent,
} from './events.js';
export {
  HttpError,
  ConnectionError,
  HttpTimeoutError,
  HttpStatusError,
  InvalidUrlError,
  TooManyRedirectsError,
  BodyTooLargeError,
  ResponseError,
  RequestRefusedError,
  SessionClosedError,
  type TimeoutPhase,
} from './errors.js';
export {
  AddressGuard,
  classifyAddress,
  type AddressCategory,
  type AddressGuardOptions,
} from './proxy-guard.js';
export {
  serve,
  HttpServer,
  currentRequest,
  requestContext,
  type RequestContext,
  type RequestHandler,
  type ServeOptions,
  type ServerStatistics,
} from './server.js';
