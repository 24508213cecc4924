/**
 * Fetching one URL into a stored row: status, final URL, title, type, size, time,
 * attempts, or an error with a stable code.
 *
 * @module
 */
import { isCancelled, TimeoutError } from 'asyncio-ts';
import {
  BodyTooLargeError,
  ConnectionError,
  HttpError,
  HttpTimeoutError,
  InvalidUrlError,
  TooManyRedirectsError,
  type ClientSession,
  type Response,
} from 'asyncio-ts/http';
import type { PageRow } from '../store/schema.js';
import { htmlParserNow, loadHtmlParser, quickTitleOf } from './html.js';

/** What fetching a URL gave. */
export interface FetchedPage {
  row: PageRow;
  /** The hrefs found (HTML pages only, when links were asked for). */
  hrefs: readonly string[];
  /** The `<base href>` of the page, if any. */
  base: string | null;
}

/** How pages are fetched. */
export interface FetchPageOptions {
  /** The method (the session holds the headers, `-H` included). */
  method: string;
  /** Parse HTML for links too (crawl); the title is always read. */
  links: boolean;
}

/** No hrefs (shared: most rows of a fetch keep it until their commit). */
const NO_HREFS: readonly string[] = Object.freeze([]);

/** The media type without parameters, lowercased. */
function mediaType(r: Response): string | null {
  const ct = r.headers['content-type'];
  if (ct === undefined) return null;
  if (typeof ct !== 'string') return mediaTypeOf(ct.join(', '));
  // The usual answer, without slicing and lowercasing.
  if (ct.startsWith('text/html') && (ct.length === 9 || ct[9] === ';')) return 'text/html';
  return mediaTypeOf(ct);
}

/** The media type of a `Content-Type` value. */
function mediaTypeOf(ct: string): string | null {
  const semi = ct.indexOf(';');
  const type = (semi >= 0 ? ct.slice(0, semi) : ct).trim().toLowerCase();
  // The common answer as one shared string, not a slice kept per row until its commit.
  return type === 'text/html' ? 'text/html' : type || null;
}

function isHtml(type: string | null): boolean {
  return type === 'text/html' || type === 'application/xhtml+xml';
}

/**
 * The part of a page up to its first `</title>` (all of it when there is none in the
 * first 256 KB): for the title alone, parsing the rest is wasted (a third of the CPU
 * of `aio fetch` on 10 KB pages).
 */
function headOf(buf: Buffer): string {
  const end = buf.indexOf('</title', 0, 'latin1');
  const endUpper = end < 0 ? buf.indexOf('</TITLE', 0, 'latin1') : end;
  if (endUpper < 0 || endUpper > 256 * 1024) return buf.toString('utf8');
  return buf.toString('utf8', 0, endUpper) + '</title>';
}

/** A stable short code and a message for an error of a request. */
export function describeError(e: unknown): { code: string; message: string } {
  const message = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 500);
  if (e instanceof HttpTimeoutError || e instanceof TimeoutError)
    return { code: 'timeout', message };
  if (e instanceof TooManyRedirectsError) return { code: 'too-many-redirects', message };
  if (e instanceof BodyTooLargeError) return { code: 'body-too-large', message };
  if (e instanceof InvalidUrlError) return { code: 'invalid-url', message };
  if (e instanceof ConnectionError) {
    const r = e.reason;
    if (r === 'ENOTFOUND' || r === 'EAI_AGAIN') return { code: 'dns', message };
    if (r === 'ECONNREFUSED') return { code: 'connection-refused', message };
    if (r === 'ECONNRESET' || r === 'UND_ERR_SOCKET' || r === 'EPIPE')
      return { code: 'connection-reset', message };
    if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(r)) return { code: 'tls', message };
    return { code: 'connection', message };
  }
  if (e instanceof HttpError)
    return { code: e.code.replace(/^ERR_/, '').toLowerCase().replace(/_/g, '-'), message };
  return { code: 'error', message };
}

/** A row for `url` with nothing known yet (attempts 1, depth 0). */
function emptyRow(url: string): PageRow {
  return {
    url,
    final_url: null,
    status: null,
    title: null,
    depth: 0,
    referrer: null,
    content_type: null,
    bytes: null,
    time_ms: null,
    attempts: 1,
    fetched_at: 0,
    error_code: null,
    error_message: null,
  };
}

/** Fills in the row's time (since `t0`, `performance.now()`) and the clock time. */
function stamp(row: PageRow, t0: number): PageRow {
  row.time_ms = Math.round((performance.now() - t0) * 10) / 10;
  row.fetched_at = Date.now();
  return row;
}

/** The row of the answer `r` to `url`, all but its title and times. */
function answeredRow(url: string, r: Response): PageRow {
  const row = emptyRow(url);
  row.final_url = r.url === url ? url : r.url;
  row.status = r.status;
  row.attempts = r.timing.attempts;
  row.content_type = mediaType(r);
  // Not streamed: the body is there (no promise per page for it).
  row.bytes = r.content.byteLength;
  return row;
}

/**
 * The row of `aio fetch` for the answer `r` to `url` (requested at `t0`,
 * `performance.now()`): its title without links. Null when the title needs the
 * HTML parser and it is not loaded yet: `await loadHtmlParser()` and ask again.
 * Synchronous, so that a fetch's worker awaits its request and nothing else.
 */
export function responseRow(url: string, r: Response, t0: number): PageRow | null {
  const row = answeredRow(url, r);
  const body = r.content;
  if (isHtml(row.content_type) && body.byteLength > 0) {
    const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const quick = quickTitleOf(buf);
    if (quick !== undefined) row.title = quick;
    else {
      const parser = htmlParserNow();
      if (parser === null) return null;
      row.title = parser.parseHtml(headOf(buf)).title;
    }
  }
  return stamp(row, t0);
}

/**
 * The row of a request to `url` (started at `t0`) that failed with `e` after
 * `attempts` attempts. Rethrows a cancellation.
 */
export function errorRow(url: string, e: unknown, attempts: number, t0: number): PageRow {
  if (isCancelled(e)) throw e;
  const row = emptyRow(url);
  const { code, message } = describeError(e);
  row.error_code = code;
  row.error_message = message;
  row.attempts = attempts;
  return stamp(row, t0);
}

/**
 * Fetches `url` with `session`, for a crawl: the title, and the links when
 * `opts.links`. Never throws for a failed request (the row carries the error); a
 * cancellation goes on.
 */
export async function fetchPage(
  session: ClientSession,
  url: string,
  opts: FetchPageOptions,
  attemptsOf: (url: string) => number,
): Promise<FetchedPage> {
  const t0 = performance.now();
  try {
    const r = await session.request(opts.method, url);
    if (!opts.links) {
      const row = responseRow(url, r, t0) ?? (await loadHtmlParser(), responseRow(url, r, t0)!);
      return { row, hrefs: NO_HREFS, base: null };
    }
    const row = answeredRow(url, r);
    let hrefs = NO_HREFS;
    let base: string | null = null;
    const body = r.content;
    if (isHtml(row.content_type) && body.byteLength > 0) {
      const { parseHtml } = htmlParserNow() ?? (await loadHtmlParser());
      const parsed = parseHtml(
        Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'),
      );
      row.title = parsed.title;
      if (r.status < 400) {
        hrefs = parsed.hrefs;
        base = parsed.base;
      }
    }
    return { row: stamp(row, t0), hrefs, base };
  } catch (e) {
    // The request's error, or one reading its answer: the row carries it.
    return { row: errorRow(url, e, attemptsOf(url), t0), hrefs: NO_HREFS, base: null };
  }
}
