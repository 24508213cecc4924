/**
 * What the report shows, read from a store: {@link loadReportData}. The counting,
 * bucketing and ranking happen in SQL (the same statements on SQLite and PostgreSQL),
 * so a store of 100,000 pages gives a few hundred rows to JavaScript, never all pages.
 *
 * @module
 */
import { join, sql, type Database, type Sql } from 'asyncio-ts/db';
import { LINKS_INDEX } from '../store/schema.js';
import {
  LATENCY_EDGES,
  REPORT_LIMITS,
  statusClass,
  type BrokenPage,
  type ErrorCount,
  type LatencyBucket,
  type ReportData,
  type ReportSummary,
  type SlowPage,
  type StatusClass,
  type StatusCount,
  type ThroughputBucket,
} from './model.js';

/**
 * Reads the figures of the report from an `aio` store (SQLite or PostgreSQL; the
 * tables of `store/schema.ts`). Aggregations run in SQL; every list is capped (see
 * {@link REPORT_LIMITS}), so the result is small whatever the size of the store.
 *
 * @example
 * ```ts
 * const data = await loadReportData(db);
 * console.log(data.summary.pages, data.summary.latency?.p95);
 * ```
 *
 * Cancellation: each query is a cancellation point; nothing is written.
 */
export async function loadReportData(db: Database): Promise<ReportData> {
  const generatedAt = Date.now();
  const tables = await tableNames(db);
  if (tables.has('links')) await ensureLinksIndex(db);
  const meta = tables.has('aio_meta') ? await loadMeta(db) : [];
  const totals = await db.one<Record<string, unknown>>`
    SELECT COUNT(*) AS pages,
      SUM(CASE WHEN error_code IS NOT NULL THEN 1 ELSE 0 END) AS errors,
      SUM(CASE WHEN status >= 400 OR error_code IS NOT NULL THEN 1 ELSE 0 END) AS broken,
      SUM(bytes) AS bytes, SUM(attempts) AS attempts,
      MIN(fetched_at) AS first_at, MAX(fetched_at) AS last_at,
      COUNT(time_ms) AS timed, AVG(time_ms) AS mean, MAX(time_ms) AS max
    FROM pages`;
  const pages = num(totals['pages']);
  const firstAt = pages > 0 ? num(totals['first_at']) : null;
  const lastAt = pages > 0 ? num(totals['last_at']) : null;
  const durationMs = firstAt !== null && lastAt !== null ? lastAt - firstAt : 0;
  const timed = num(totals['timed']);
  const statusCodes = await loadStatusCodes(db);
  const links = tables.has('links') ? await count(db.one`SELECT COUNT(*) AS n FROM links`) : 0;
  const queued = tables.has('frontier')
    ? await count(db.one`SELECT COUNT(*) AS n FROM frontier WHERE state = 0`)
    : 0;
  const summary: ReportSummary = {
    pages,
    byClass: classCounts(statusCodes),
    errors: num(totals['errors']),
    broken: num(totals['broken']),
    bytes: num(totals['bytes']),
    attempts: num(totals['attempts']),
    links,
    queued,
    firstAt,
    lastAt,
    durationMs,
    pagesPerSecond: durationMs >= 1 ? (pages / durationMs) * 1000 : null,
    latency:
      timed > 0
        ? {
            count: timed,
            mean: num(totals['mean']),
            max: num(totals['max']),
            ...(await loadPercentiles(db, timed)),
          }
        : null,
  };
  return {
    generatedAt,
    meta,
    summary,
    throughput: await loadThroughput(db, firstAt, lastAt),
    statusCodes,
    latency: timed > 0 ? await loadLatencyHistogram(db) : [],
    slowest: await loadSlowest(db),
    broken: summary.broken > 0 ? await loadBroken(db, tables.has('links')) : [],
    errors: summary.errors > 0 ? await loadErrors(db) : [],
  };
}

/** The tables of the store's schema (the current one on PostgreSQL). */
export async function tableNames(db: Database): Promise<Set<string>> {
  const rows =
    db.dialect === 'postgres'
      ? await db.query<{ name: string }>`
          SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = current_schema()`
      : await db.query<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`;
  return new Set(rows.map((r) => r.name));
}

/**
 * Text order by code point on both dialects (SQLite's default; PostgreSQL would
 * otherwise use the database's locale), so ties break the same way everywhere.
 */
export function binaryCollation(db: Database): Sql {
  return db.dialect === 'postgres' ? sql` COLLATE "C"` : sql``;
}

/** A number from a driver value (PostgreSQL gives bigint and numeric as strings). */
function num(v: unknown): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : Number(v);
}

function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}

async function count(row: Promise<Record<string, unknown>>): Promise<number> {
  return num((await row)['n']);
}

async function loadMeta(db: Database): Promise<{ key: string; value: string }[]> {
  const rows = await db.query<{ key: string; value: string }>`
    SELECT key, value FROM aio_meta ORDER BY key`;
  return rows.slice(0, REPORT_LIMITS.meta).map((r) => ({ key: r.key, value: String(r.value) }));
}

async function loadStatusCodes(db: Database): Promise<StatusCount[]> {
  const rows = await db.query<{ status: unknown; n: unknown }>`
    SELECT status, COUNT(*) AS n FROM pages GROUP BY status
    ORDER BY CASE WHEN status IS NULL THEN 1 ELSE 0 END, status`;
  return rows.map((r) => ({ status: numOrNull(r.status), count: num(r.n) }));
}

function classCounts(codes: readonly StatusCount[]): Record<StatusClass, number> {
  const byClass: Record<StatusClass, number> = {
    '2xx': 0,
    '3xx': 0,
    '4xx': 0,
    '5xx': 0,
    other: 0,
    none: 0,
  };
  for (const c of codes) byClass[statusClass(c.status)] += c.count;
  return byClass;
}

/** Nearest-rank p50/p95/p99 of `time_ms`, in one sorted pass. */
async function loadPercentiles(
  db: Database,
  timed: number,
): Promise<{ p50: number; p95: number; p99: number }> {
  const rank = (p: number): number => Math.min(timed, Math.max(1, Math.ceil((p / 100) * timed)));
  const ranks = [rank(50), rank(95), rank(99)];
  const rows = await db.query<{ rn: unknown; time_ms: unknown }>`
    SELECT rn, time_ms FROM (
      SELECT time_ms, ROW_NUMBER() OVER (ORDER BY time_ms) AS rn
      FROM pages WHERE time_ms IS NOT NULL
    ) AS ranked
    WHERE rn IN (${join(ranks)})`;
  const at = new Map(rows.map((r) => [num(r.rn), num(r.time_ms)]));
  return { p50: at.get(ranks[0]!) ?? 0, p95: at.get(ranks[1]!) ?? 0, p99: at.get(ranks[2]!) ?? 0 };
}

/** Bucket widths the throughput chart may use, ms: round numbers on a clock. */
const BUCKET_WIDTHS = [
  100, 200, 250, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000,
  600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
];

/** The narrowest round bucket width that shows `spanMs` in at most `maxBuckets` bars. */
export function throughputBucketMs(spanMs: number, maxBuckets: number): number {
  for (const w of BUCKET_WIDTHS) if (Math.floor(spanMs / w) + 1 <= maxBuckets) return w;
  const day = 86_400_000;
  return Math.ceil((spanMs + 1) / maxBuckets / day) * day;
}

async function loadThroughput(
  db: Database,
  firstAt: number | null,
  lastAt: number | null,
): Promise<ReportData['throughput']> {
  if (firstAt === null || lastAt === null) return { bucketMs: 1000, buckets: [] };
  const bucketMs = throughputBucketMs(lastAt - firstAt, REPORT_LIMITS.throughputBuckets);
  // Integer division on both dialects: BIGINT / BIGINT.
  const rows = await db.query<{ b: unknown; n: unknown; bad: unknown }>`
    SELECT b, COUNT(*) AS n, SUM(bad) AS bad FROM (
      SELECT CAST((fetched_at - CAST(${firstAt} AS BIGINT)) / CAST(${bucketMs} AS BIGINT) AS INTEGER) AS b,
        CASE WHEN status >= 400 OR error_code IS NOT NULL THEN 1 ELSE 0 END AS bad
      FROM pages
    ) AS t
    GROUP BY b ORDER BY b`;
  const last = Math.floor((lastAt - firstAt) / bucketMs);
  const buckets: ThroughputBucket[] = [];
  for (let i = 0; i <= last; i++) {
    buckets.push({ start: firstAt + i * bucketMs, pages: 0, broken: 0 });
  }
  for (const r of rows) {
    const bucket = buckets[num(r.b)];
    if (bucket === undefined) continue;
    bucket.pages = num(r.n);
    bucket.broken = num(r.bad);
  }
  return { bucketMs, buckets };
}

/** The latency histogram shows at least this many buckets. */
const MIN_LATENCY_BUCKETS = 8;

async function loadLatencyHistogram(db: Database): Promise<LatencyBucket[]> {
  const whens: Sql[] = LATENCY_EDGES.map(
    (edge, i) => sql`WHEN time_ms < ${edge} THEN CAST(${i} AS INTEGER)`,
  );
  const rows = await db.query<{ b: unknown; n: unknown }>`
    SELECT b, COUNT(*) AS n FROM (
      SELECT CASE ${join(whens, sql` `)} ELSE CAST(${LATENCY_EDGES.length} AS INTEGER) END AS b
      FROM pages WHERE time_ms IS NOT NULL
    ) AS t
    GROUP BY b`;
  const all: LatencyBucket[] = [];
  for (let i = 0; i <= LATENCY_EDGES.length; i++) {
    all.push({ lo: i === 0 ? 0 : LATENCY_EDGES[i - 1]!, hi: LATENCY_EDGES[i] ?? null, count: 0 });
  }
  for (const r of rows) {
    const bucket = all[num(r.b)];
    if (bucket !== undefined) bucket.count = num(r.n);
  }
  // Keep the range that has pages, from the first non-empty bucket to the last,
  // widened to a few buckets for context when the times are close together.
  let first = all.findIndex((b) => b.count > 0);
  if (first < 0) return [];
  let last = all.length - 1 - [...all].reverse().findIndex((b) => b.count > 0);
  while (last - first + 1 < MIN_LATENCY_BUCKETS && (first > 0 || last < all.length - 1)) {
    if (first > 0) first--;
    if (last - first + 1 < MIN_LATENCY_BUCKETS && last < all.length - 1) last++;
  }
  return all.slice(first, last + 1);
}

async function loadSlowest(db: Database): Promise<SlowPage[]> {
  const C = binaryCollation(db);
  const rows = await db.query<Record<string, unknown>>`
    SELECT url, status, title, time_ms, bytes, error_code FROM pages
    WHERE time_ms IS NOT NULL
    ORDER BY time_ms DESC, url${C}
    LIMIT ${REPORT_LIMITS.slowest}`;
  return rows.map((r) => ({
    url: String(r['url']),
    status: numOrNull(r['status']),
    title: (r['title'] as string | null) ?? null,
    timeMs: num(r['time_ms']),
    bytes: numOrNull(r['bytes']),
    errorCode: (r['error_code'] as string | null) ?? null,
  }));
}

async function loadBroken(db: Database, haveLinks: boolean): Promise<BrokenPage[]> {
  const C = binaryCollation(db);
  const linkedFrom = haveLinks
    ? sql`(SELECT COUNT(*) FROM links WHERE links.to_url = pages.url)`
    : sql`0`;
  const rows = await db.query<Record<string, unknown>>`
    SELECT url, status, error_code, error_message, referrer, linked_from FROM (
      SELECT url, status, error_code, error_message, referrer, ${linkedFrom} AS linked_from
      FROM pages WHERE status >= 400 OR error_code IS NOT NULL
    ) AS broken
    ORDER BY linked_from DESC, url${C}
    LIMIT ${REPORT_LIMITS.broken}`;
  const pages: BrokenPage[] = rows.map((r) => ({
    url: String(r['url']),
    status: numOrNull(r['status']),
    errorCode: (r['error_code'] as string | null) ?? null,
    errorMessage: (r['error_message'] as string | null) ?? null,
    linkedFrom: num(r['linked_from']),
    referrers: [],
  }));
  const linked = pages.filter((p) => p.linkedFrom > 0).map((p) => p.url);
  if (linked.length > 0) {
    const refs = await db.query<{ to_url: string; from_url: string }>`
      SELECT to_url, from_url FROM (
        SELECT to_url, from_url, ROW_NUMBER() OVER (PARTITION BY to_url ORDER BY from_url${C}) AS rn
        FROM links WHERE to_url IN (${join(linked)})
      ) AS ranked
      WHERE rn <= ${REPORT_LIMITS.referrers}
      ORDER BY to_url${C}, from_url${C}`;
    const byUrl = new Map(pages.map((p) => [p.url, p]));
    for (const r of refs) byUrl.get(r.to_url)?.referrers.push(r.from_url);
  }
  rows.forEach((r, i) => {
    const page = pages[i]!;
    const referrer = r['referrer'];
    if (page.referrers.length === 0 && typeof referrer === 'string') page.referrers.push(referrer);
  });
  return pages;
}

async function loadErrors(db: Database): Promise<ErrorCount[]> {
  const C = binaryCollation(db);
  const rows = await db.query<Record<string, unknown>>`
    SELECT error_code, COUNT(*) AS n, MIN(error_message${C}) AS message, MIN(url${C}) AS url
    FROM pages WHERE error_code IS NOT NULL
    GROUP BY error_code
    ORDER BY n DESC, error_code${C}
    LIMIT ${REPORT_LIMITS.errorCodes}`;
  return rows.map((r) => ({
    code: String(r['error_code']),
    count: num(r['n']),
    message: (r['message'] as string | null) ?? null,
    url: String(r['url']),
  }));
}

/**
 * The broken-links query needs the `links(to_url)` index, which a crawl builds only
 * when it ends (a crawl killed midway has none): without it, the report of 100,000
 * pages took minutes. Building it only adds an index; a store that cannot be written
 * is read without it.
 */
async function ensureLinksIndex(db: Database): Promise<void> {
  try {
    await db.execute(sql(Object.assign([LINKS_INDEX], { raw: [LINKS_INDEX] })));
  } catch {
    // read-only: slower, still right
  }
}
