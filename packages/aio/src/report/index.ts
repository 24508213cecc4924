/**
 * The HTML report of a store: what `aio report` and `aio crawl --report` write.
 *
 * - {@link loadReportData}: the figures, aggregated in SQL (SQLite or PostgreSQL).
 * - {@link renderReport}: one self-contained HTML page with SVG charts.
 * - {@link writeReport}: both, written atomically to a file.
 *
 * @example
 * ```ts
 * import { writeReport } from './report/index.js';
 * const summary = await writeReport(db, 'report.html', { source: 'crawl.sqlite' });
 * ```
 *
 * @module
 */
import type { Database } from 'asyncio-ts/db';
import { writeAtomic } from 'asyncio-ts/files';
import { loadReportData } from './data.js';
import type { ReportData } from './model.js';
import { renderReport, type RenderOptions } from './render.js';

export { loadReportData } from './data.js';
export {
  statusClass,
  REPORT_LIMITS,
  LATENCY_EDGES,
  type ReportData,
  type ReportSummary,
  type LatencySummary,
  type StatusClass,
  type ThroughputBucket,
  type StatusCount,
  type LatencyBucket,
  type SlowPage,
  type BrokenPage,
  type ErrorCount,
} from './model.js';
export { renderReport, type RenderOptions } from './render.js';
export { openStoreForReading, describeStore, isPostgresUrl, DEFAULT_STORE } from './read-store.js';

/** What {@link writeReport} wrote. */
export interface WrittenReport {
  /** The figures shown. */
  data: ReportData;
  /** Size of the HTML file, bytes. */
  bytes: number;
}

/**
 * Reads the report's figures from `db`, renders the page and writes it to `path`
 * atomically (readers of `path` never see half a report).
 *
 * @example
 * ```ts
 * const { data, bytes } = await writeReport(db, 'report.html');
 * console.log(`${data.summary.pages} pages, ${bytes} bytes`);
 * ```
 *
 * Cancellation: a cancellation point until the file is renamed into place; cancelled
 * before, `path` keeps its old content.
 */
export async function writeReport(
  db: Database,
  path: string,
  options: RenderOptions = {},
): Promise<WrittenReport> {
  const data = await loadReportData(db);
  const html = Buffer.from(renderReport(data, options), 'utf8');
  await writeAtomic(path, html);
  return { data, bytes: html.byteLength };
}
