// The messages between a SQLite client (event-loop thread) and its worker thread, and
// the shared memory through which the client interrupts the worker's statement.
import type BetterSqlite3 from 'better-sqlite3';

/**
 * @internal Loads native/sqlite-interrupt.c (see interrupt.ts) into a connection. Its
 * entry point is named: better-sqlite3 takes it, though its type definitions omit it.
 */
export function loadInterruptExtension(db: BetterSqlite3.Database, library: string): void {
  (db as unknown as WithEntryPoint).loadExtension(library, 'sqlite3_asynciointerrupt_init');
}

interface WithEntryPoint {
  loadExtension(file: string, entryPoint: string): void;
}

/**
 * @internal Indexes into the `Int32Array` over {@link SqliteInit.state}.
 *
 * `RUNNING`: the id of the request the worker is executing, 0 when idle. The client
 * interrupts only after swapping it from `id` to `-id` (compare-and-exchange), calls
 * the interrupt, records the id in `INTERRUPTED`, and swaps it back. The worker
 * finishes a request by swapping `id` to 0, waiting while it reads `-id`, and only
 * then sends the reply. So the client never interrupts a request it has the answer
 * to or an idle connection, and an interrupt never lands after its request finished
 * unseen: when `INTERRUPTED` holds the finished request's id, the worker clears what
 * the interrupt may have left behind (SQLite's interrupt flag stays set while a
 * statement, such as an open cursor, is still active).
 */
export const RUNNING = 0;
/** @internal See {@link RUNNING}. */
export const INTERRUPTED = 1;
/**
 * @internal Set to 1 by `destroy()`: the worker runs no further request, closes its
 * connection and exits once the statement running (if any) returns. The worker is
 * never terminated while it may be inside a statement: better-sqlite3 aborts the
 * whole process when a statement fails in a thread being terminated.
 */
export const STOPPED = 2;

/** @internal What the worker is started with. */
export interface SqliteInit {
  path: string;
  wal: boolean;
  busyTimeoutMs: number;
  /** `PRAGMA synchronous`. */
  synchronous: 'full' | 'normal' | 'off';
  /** `PRAGMA page_size` for a new file, or null for SQLite's default. */
  pageSize: number | null;
  /** The interrupt extension to load, or null (cancellation discards the connection). */
  interruptLibrary: string | null;
  /** Three Int32 slots: {@link RUNNING}, {@link INTERRUPTED}, {@link STOPPED}. */
  state: SharedArrayBuffer;
}

/** @internal A request to the worker; `id` (> 0) pairs it with its reply. */
export type SqliteRequest =
  | { op: 'run'; id: number; sql: string; values: unknown[] }
  | {
      op: 'batch';
      id: number;
      /** The distinct texts of the statements. */
      texts: string[];
      /** The statements in order: each one's text (an index into `texts`) and values. */
      sql: number[];
      values: unknown[][];
      /** Statements opening a transaction around the batch, or null (inside one). */
      begin: string[] | null;
    }
  | { op: 'open'; id: number; sql: string; values: unknown[]; cursor: number }
  | { op: 'next'; id: number; cursor: number; batchSize: number }
  | { op: 'close'; id: number; cursor: number }
  | { op: 'shutdown'; id: number };

/** @internal What the worker reports once, after start-up. */
export type SqliteStartup =
  | {
      ok: true;
      /** The connection's slot in the interrupt extension, or null without it. */
      slot: number | null;
    }
  | { ok: false; error: SqliteErrorInfo };

/** @internal A reply to a request. */
export type SqliteReply =
  | {
      id: number;
      ok: true;
      rows: Record<string, unknown>[];
      rowCount: number;
      lastInsertId: number | bigint | null;
    }
  | {
      id: number;
      ok: true;
      /** For a batch: each statement's rowCount (no rows), in order. */
      rowCounts: number[];
      /** For a batch: each statement's lastInsertId, in order (two flat lists copy faster). */
      lastInsertIds: (number | bigint | null)[];
    }
  | { id: number; ok: false; error: SqliteErrorInfo };

/** @internal An error, as it crosses the thread boundary. */
export interface SqliteErrorInfo {
  message: string;
  code: string | undefined;
  name: string;
  /** In a batch, the position of the failing statement. */
  batchIndex?: number;
}
