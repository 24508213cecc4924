/**
 * The redirect rules a session follows: 301/302 turn a POST into a GET, 303 turns
 * anything but HEAD into a GET (dropping the body), 307/308 keep the method and the
 * body, and credentials (`Authorization`, `Proxy-Authorization`, `Cookie`) are
 * dropped when the redirect leaves the origin.
 *
 * @module
 */

/** @internal True for the statuses that redirect. */
export function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** @internal The method of the next hop after `status`. */
export function redirectMethod(status: number, method: string): string {
  if (status === 303) return method === 'HEAD' ? 'HEAD' : 'GET';
  if ((status === 301 || status === 302) && method === 'POST') return 'GET';
  return method;
}

/** @internal Whether the body goes along (the method did not change to GET/HEAD). */
export function redirectKeepsBody(status: number, method: string, next: string): boolean {
  return (status === 307 || status === 308) && method === next;
}

/** @internal Headers never sent to another origin than the one they were meant for. */
const CREDENTIALS = ['authorization', 'proxy-authorization', 'cookie'];
/** @internal Headers that describe a body that is dropped. */
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'transfer-encoding'];

/**
 * @internal The headers of the next hop: a copy without credentials when the origin
 * changes, without the body's headers when the body is dropped; the same object
 * when nothing changes.
 */
export function redirectHeaders(
  headers: Record<string, string | string[]>,
  crossOrigin: boolean,
  dropBody: boolean,
): Record<string, string | string[]> {
  if (!crossOrigin && !dropBody) return headers;
  const out: Record<string, string | string[]> = {};
  for (const k of Object.keys(headers)) {
    if (crossOrigin && CREDENTIALS.includes(k)) continue;
    if (dropBody && BODY_HEADERS.includes(k)) continue;
    out[k] = headers[k]!;
  }
  return out;
}
