/**
 * What the report shows, as plain data ({@link ReportData}: JSON-serialisable and
 * independent of the store), and the caps that keep it small.
 *
 * @module
 */

/** How many rows each table of the report holds at most. */
export const REPORT_LIMITS = {
  /** Slowest pages listed. */
  slowest: 20,
  /** Broken pages listed (the total is always given). */
  broken: 100,
  /** Pages linking to a broken page, listed per broken page. */
  referrers: 5,
  /** Error codes listed. */
  errorCodes: 50,
  /** Bars of the throughput chart. */
  throughputBuckets: 120,
  /** `aio_meta` entries shown. */
  meta: 20,
} as const;

/** Upper edges (ms, exclusive) of the latency histogram's buckets: 1, 1.5, 2, 3, 5, 7 per decade. */
export const LATENCY_EDGES: readonly number[] = [1, 10, 100, 1_000, 10_000]
  .flatMap((d) => [1, 1.5, 2, 3, 5, 7].map((m) => m * d))
  .concat([100_000]);

/** Latency figures of the pages that have a time, in ms. */
export interface LatencySummary {
  /** Pages with a time. */
  count: number;
  mean: number;
  max: number;
  /** Nearest-rank percentiles: the smallest time at or below which p% of the pages lie. */
  p50: number;
  p95: number;
  p99: number;
}

/** The headline figures. */
export interface ReportSummary {
  pages: number;
  /** Pages by status class: `2xx`, `3xx`, `4xx`, `5xx`, `other` (1xx or odd codes), `none` (no response). */
  byClass: Record<StatusClass, number>;
  /** Pages stored with an error code. */
  errors: number;
  /** Pages with status >= 400 or an error. */
  broken: number;
  /** Body bytes read, all pages. */
  bytes: number;
  /** Attempts made, all pages (pages + retries). */
  attempts: number;
  /** Rows of `links`. */
  links: number;
  /** URLs still queued in `frontier` (state 0); 0 without a frontier. */
  queued: number;
  /** `fetched_at` of the first and last page (ms since epoch), null without pages. */
  firstAt: number | null;
  lastAt: number | null;
  /** `lastAt - firstAt`, ms. */
  durationMs: number;
  /** Pages per second over that span; null when it is too short to tell. */
  pagesPerSecond: number | null;
  /** Null when no page has a time. */
  latency: LatencySummary | null;
}

/** The classes pages are counted in. */
export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'other' | 'none';

/** One bar of the throughput chart: pages fetched in `[start, start + bucketMs)`. */
export interface ThroughputBucket {
  /** ms since epoch. */
  start: number;
  pages: number;
  /** Of those, pages with status >= 400 or an error. */
  broken: number;
}

/** Pages per status code; `status` null: no response. */
export interface StatusCount {
  status: number | null;
  count: number;
}

/** One bar of the latency histogram: pages with `lo <= time_ms < hi` (`hi` null: no bound). */
export interface LatencyBucket {
  lo: number;
  hi: number | null;
  count: number;
}

/** A row of the slowest pages. */
export interface SlowPage {
  url: string;
  status: number | null;
  title: string | null;
  timeMs: number;
  bytes: number | null;
  errorCode: string | null;
}

/** A page with status >= 400 or an error, and who links to it. */
export interface BrokenPage {
  url: string;
  status: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** Rows of `links` pointing at it. */
  linkedFrom: number;
  /** The first few of those (by URL), or the page's `referrer` when `links` has none. */
  referrers: string[];
}

/** Pages per error code. */
export interface ErrorCount {
  code: string;
  count: number;
  /** One message and one URL of that code, as examples. */
  message: string | null;
  url: string;
}

/** Everything the report shows. Plain data: JSON-serialisable, independent of the store. */
export interface ReportData {
  /** When it was read, ms since epoch. */
  generatedAt: number;
  /** The `aio_meta` entries (kind, command line, schema version...). */
  meta: { key: string; value: string }[];
  summary: ReportSummary;
  throughput: { bucketMs: number; buckets: ThroughputBucket[] };
  statusCodes: StatusCount[];
  latency: LatencyBucket[];
  slowest: SlowPage[];
  broken: BrokenPage[];
  errors: ErrorCount[];
}

/** The class of a status code. */
export function statusClass(status: number | null): StatusClass {
  if (status === null) return 'none';
  if (status >= 200 && status < 300) return '2xx';
  if (status >= 300 && status < 400) return '3xx';
  if (status >= 400 && status < 500) return '4xx';
  if (status >= 500 && status < 600) return '5xx';
  return 'other';
}
