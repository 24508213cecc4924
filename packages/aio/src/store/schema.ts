/**
 * The tables `aio` keeps its results in, the same in SQLite and PostgreSQL.
 *
 * - `aio_meta`: what the store holds (`kind` = `crawl` or `fetch`, the command line
 *   that made it, the version of the schema, when it started).
 * - `pages`: one row per URL fetched (url is the normalised URL asked for).
 * - `links`: who links to whom (in-scope targets only, one row per pair).
 * - `frontier`: every URL ever queued, with `state` 0 = to fetch, 1 = done. The crawl
 *   reads it back on start, so the same command after a crash goes on where it stopped.
 *
 * A page, its links, the URLs it discovered and its `frontier` row turning done are
 * written in one transaction: after `kill -9` a page is either wholly stored or still
 * queued, never half.
 *
 * @module
 */
import type { Dialect } from 'asyncio-ts/db';

/** The version of the layout below, stored in `aio_meta`. */
export const SCHEMA_VERSION = '1';

/** A stored page: one row of `pages`. */
export interface PageRow {
  /** The URL asked for (normalised). */
  url: string;
  /** The URL after redirects; null when no response came. */
  final_url: string | null;
  /** The HTTP status; null when no response came (see `error_code`). */
  status: number | null;
  /** The text of the page's `<title>`, whitespace collapsed; null if none. */
  title: string | null;
  /** Links followed from a start URL (0 for start URLs and for `aio fetch`). */
  depth: number;
  /** The page the URL was found on; null for start URLs. */
  referrer: string | null;
  /** The media type of the response, without parameters. */
  content_type: string | null;
  /** Body bytes read. */
  bytes: number | null;
  /** Time of the last attempt, from request to the end of the body, in ms. */
  time_ms: number | null;
  /** How many attempts were made (1 + retries). */
  attempts: number;
  /** When the page was fetched, ms since the epoch. */
  fetched_at: number;
  /** A stable code for a failure: `timeout`, `connect`, `dns`, `tls`, `too-many-redirects`, `body-too-large`, `http`... */
  error_code: string | null;
  /** The failure in words. */
  error_message: string | null;
}

/** The column names of `pages`, in table order. */
export const PAGE_COLUMNS = [
  'url',
  'final_url',
  'status',
  'title',
  'depth',
  'referrer',
  'content_type',
  'bytes',
  'time_ms',
  'attempts',
  'fetched_at',
  'error_code',
  'error_message',
] as const satisfies readonly (keyof PageRow)[];

/**
 * The index that finds who links to a page (the report's broken links). Built when a
 * crawl ends, not during it: inserting into it in random order was most of the
 * crawl's SQLite time (a 5,000-page crawl: 11.4 s with it, 8.3 s without).
 */
export const LINKS_INDEX = 'CREATE INDEX IF NOT EXISTS links_to ON links (to_url)';

/** The statements that create the tables (idempotent), for `dialect`. */
export function createStatements(dialect: Dialect): string[] {
  const big = dialect === 'postgres' ? 'BIGINT' : 'INTEGER';
  const real = dialect === 'postgres' ? 'DOUBLE PRECISION' : 'REAL';
  return [
    `CREATE TABLE IF NOT EXISTS aio_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS pages (
      url TEXT PRIMARY KEY,
      final_url TEXT,
      status INTEGER,
      title TEXT,
      depth INTEGER NOT NULL,
      referrer TEXT,
      content_type TEXT,
      bytes ${big},
      time_ms ${real},
      attempts INTEGER NOT NULL,
      fetched_at ${big} NOT NULL,
      error_code TEXT,
      error_message TEXT
    )`,
    // No key: each page's links are deduplicated in memory and written once, in the
    // page's own transaction; a key (an index kept sorted row by row, at random
    // places) took half of SQLite's time in a crawl. Stores made before keep theirs.
    `CREATE TABLE IF NOT EXISTS links (
      from_url TEXT NOT NULL,
      to_url TEXT NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS frontier (
      url TEXT PRIMARY KEY,
      depth INTEGER NOT NULL,
      referrer TEXT,
      state INTEGER NOT NULL DEFAULT 0,
      seq ${big} NOT NULL
    )`,
  ];
}
