/**
 * Where results go: an SQL store (SQLite file or PostgreSQL, the tables of
 * `schema.ts`), a JSONL or CSV file, or stdout.
 *
 * Every store takes results in batches ({@link ResultStore.write}); a batch is
 * written whole or not at all (a transaction in SQL; one `write()` of whole lines in
 * files, and a torn last line from a crash is cut off when the file is resumed).
 *
 * @module
 */
import type { PageRow } from './schema.js';

/** A URL waiting in the crawl frontier. */
export interface FrontierEntry {
  url: string;
  depth: number;
  referrer: string | null;
}

/** What one finished URL adds to the store. */
export interface Outcome {
  /** The URL taken from the frontier. */
  url: string;
  /** The page fetched; null when it was skipped (robots.txt). */
  row: PageRow | null;
  /** In-scope link targets found on the page (normalised, unique). */
  links: readonly string[];
  /** URLs seen for the first time on this page: queued in the frontier. */
  discovered: readonly FrontierEntry[];
}

/** What a store holds when a run starts. */
export interface StoredState {
  /** Every URL already queued or fetched (crawl), or already fetched (fetch). */
  seen: Set<string>;
  /** URLs queued but not fetched yet, in the order to fetch them (crawl). */
  todo: FrontierEntry[];
  /** Pages already stored. */
  pages: number;
}

/** A place results are written to. */
export interface ResultStore {
  /** How the store is named in messages (`crawl.sqlite`, `stdout`). */
  readonly name: string;
  /** True for stores that keep a frontier (SQL): only those can hold a crawl. */
  readonly keepsFrontier: boolean;
  /**
   * Opens the store for a run of `kind`; creates what is missing. Throws a
   * `UsageError` when it holds a different kind of run.
   */
  open(kind: 'crawl' | 'fetch', commandLine: string): Promise<StoredState>;
  /**
   * Starts the slow part of opening (SQLite: its thread starts and opens the file)
   * while the caller does other work, writing nothing yet; `open` then waits for it.
   * Errors surface from `open`. Stores without a slow start leave it out.
   */
  prepare?(): void;
  /**
   * Gives up a store that was prepared but not opened (the run's input turned out
   * bad): closes it, and removes a file that did not exist before `prepare`.
   */
  discard?(): Promise<void>;
  /** Queues `entries` in the frontier (start URLs), skipping known ones. */
  enqueue(entries: readonly FrontierEntry[]): Promise<void>;
  /** Writes a batch of outcomes, all or nothing. */
  write(batch: readonly Outcome[]): Promise<void>;
  /** Flushes and closes. */
  close(): Promise<void>;
}
