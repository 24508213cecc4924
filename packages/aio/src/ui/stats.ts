/**
 * The running counts of a fetch or crawl: what the progress display shows and the
 * summary prints at the end.
 *
 * @module
 */
import type { PageRow } from '../store/schema.js';
import { hostOf } from '../crawl/url.js';

/** Percentiles of a list of numbers (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** The names of the status classes (one string each, not one per page). */
const STATUS_CLASSES = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

/** What a run counts. */
export class RunStats {
  /** When the run started (ms, `performance.now()`). */
  readonly startedAt = performance.now();
  /** Pages stored in this run. */
  done = 0;
  /** Pages already stored before this run (resumed). */
  resumed = 0;
  /** URLs known in all (crawl: discovered; fetch: the input). */
  total = 0;
  /** Pages that ended with an error (no response, or a status >= 400). */
  errors = 0;
  /** URLs skipped because robots.txt disallows them. */
  robotsSkipped = 0;
  /** Bytes of bodies read. */
  bytes = 0;
  /** Counts by status class: `2xx`... and `error` for no response. */
  readonly byClass = new Map<string, number>();
  /** Failures by error code. */
  readonly errorsByCode = new Map<string, number>();
  /** Requests in flight. */
  inFlight = 0;
  /** The URL each worker is fetching (by worker number), null when it is between URLs. */
  readonly #working: (string | null)[] = [];
  /** The time of each page, for the percentiles. */
  readonly #latencies: number[] = [];
  /** Recent completions (`performance.now()`), for the current rate. */
  readonly #recent: number[] = [];

  /**
   * Counts worker `worker`'s request for `url` going out. Per request only a slot is
   * written: the hosts are counted when the display asks ({@link RunStats.hosts}).
   */
  started(worker: number, url: string): void {
    this.inFlight++;
    this.#working[worker] = url;
  }

  /** Counts the end of worker `worker`'s request (stored or abandoned). */
  finished(worker: number): void {
    if (this.#working[worker] == null) return;
    this.inFlight--;
    this.#working[worker] = null;
  }

  /** Requests in flight per host (with its port), counted now. */
  get hosts(): Map<string, number> {
    const hosts = new Map<string, number>();
    for (const url of this.#working) {
      if (url == null) continue;
      const host = hostOf(url);
      if (host !== null) hosts.set(host, (hosts.get(host) ?? 0) + 1);
    }
    return hosts;
  }

  /** Counts a stored page. */
  record(row: PageRow): void {
    this.done++;
    const cls =
      row.status === null
        ? 'error'
        : (STATUS_CLASSES[Math.floor(row.status / 100)] ?? `${Math.floor(row.status / 100)}xx`);
    this.byClass.set(cls, (this.byClass.get(cls) ?? 0) + 1);
    if (row.error_code !== null) {
      this.errors++;
      this.errorsByCode.set(row.error_code, (this.errorsByCode.get(row.error_code) ?? 0) + 1);
    } else if (row.status !== null && row.status >= 400) {
      this.errors++;
    }
    if (row.time_ms !== null) this.#latencies.push(row.time_ms);
    this.bytes += row.bytes ?? 0;
    const now = performance.now();
    this.#recent.push(now);
    if (this.#recent.length > 4096) this.#recent.splice(0, 2048);
  }

  /** Seconds since the start. */
  elapsed(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  /** Pages per second over the last `windowS` seconds (the whole run when shorter). */
  rate(windowS = 5): number {
    const now = performance.now();
    const from = now - windowS * 1000;
    let n = 0;
    for (let i = this.#recent.length - 1; i >= 0 && this.#recent[i]! >= from; i--) n++;
    const span = Math.min(windowS, this.elapsed());
    return span > 0 ? n / span : 0;
  }

  /** Overall pages per second. */
  throughput(): number {
    const e = this.elapsed();
    return e > 0 ? this.done / e : 0;
  }

  /** Latency percentiles of this run, in ms. */
  latency(): { p50: number; p95: number; p99: number } {
    const s = [...this.#latencies].sort((a, b) => a - b);
    return { p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99) };
  }

  /** A plain object for `--json` summaries. */
  toJSON(): Record<string, unknown> {
    return {
      pages: this.done,
      resumed: this.resumed,
      known: this.total,
      errors: this.errors,
      robotsSkipped: this.robotsSkipped,
      bytes: this.bytes,
      seconds: Number(this.elapsed().toFixed(3)),
      pagesPerSecond: Number(this.throughput().toFixed(2)),
      byStatusClass: Object.fromEntries([...this.byClass].sort()),
      errorsByCode: Object.fromEntries([...this.errorsByCode].sort()),
      latencyMs: this.latency(),
    };
  }
}
