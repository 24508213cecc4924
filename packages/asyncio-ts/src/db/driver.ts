/**
 * The contract between the database front end (pool, queries, transactions) and
 * one driver adapter (`postgres.ts`, `mysql.ts`, `sqlite/client.ts`).
 *
 * @module
 */

/** Which database a connection speaks to. */
export type Dialect = 'postgres' | 'mysql' | 'sqlite';

/** A row as the driver returns it: column name to value. */
export type Row = Record<string, unknown>;

/** What `execute()` reports. */
export interface ExecuteResult {
  /** Rows inserted, updated or deleted (for a SELECT, rows returned). */
  readonly rowCount: number;
  /**
   * The id of the last inserted row: MySQL `insertId`, SQLite `lastInsertRowid`;
   * always `null` for PostgreSQL (use `RETURNING id` with `one()`).
   */
  readonly lastInsertId: number | bigint | null;
}

/** @internal The result of one statement. */
export interface RawResult {
  rows: Row[];
  /** null when the driver does not know (then the number of rows returned) */
  rowCount: number | null;
  /** absent when the driver has none (PostgreSQL) */
  lastInsertId?: number | bigint | null;
}

/** @internal One statement of a batch, compiled for the dialect. */
export interface BatchItem {
  readonly text: string;
  readonly values: readonly unknown[];
}

/** @internal A server-side cursor (or row stream) opened on a connection. */
export interface DriverCursor {
  /** The next batch of rows; an empty array once exhausted. */
  next(): Promise<Row[]>;
  /** Releases the cursor; the connection is usable again afterwards. */
  close(): Promise<void>;
}

/** @internal One open connection of a driver. */
export interface DriverConnection {
  readonly dialect: Dialect;
  /** Set once the connection broke or was destroyed: the pool discards it. */
  broken: boolean;
  /** Runs one statement; `text` uses the dialect's placeholders. */
  run(text: string, values: readonly unknown[]): Promise<RawResult>;
  /**
   * Runs statements in order in one round trip, where the driver can (SQLite: one
   * message to its worker thread). With `begin`, they run between those statements
   * and COMMIT, and a failure rolls back. A failing statement's error carries its
   * position as `batchIndex`. Drivers without it run a batch statement by statement.
   */
  runBatch?(items: readonly BatchItem[], begin: readonly string[] | null): Promise<RawResult[]>;
  /** Opens a cursor over a query, fetching `batchSize` rows at a time. */
  openCursor(
    text: string,
    values: readonly unknown[],
    batchSize: number,
    inTransaction: boolean,
  ): Promise<DriverCursor>;
  /**
   * Asks the server to stop the statement running on this connection (best
   * effort; may be called again). Resolves once the request was handled, so that
   * it cannot reach a later statement; the running `run()` then settles.
   */
  cancel(): Promise<void>;
  /** Whether, after a cancelled statement settled, the connection may be reused. */
  readonly reusableAfterCancel: boolean;
  /** A cheap round trip (`SELECT 1`). */
  ping(): Promise<void>;
  /** Closes gracefully. */
  close(): Promise<void>;
  /** Closes at once; a running statement fails with `ConnectionLostError`. */
  destroy(): void;
}

/** @internal Opens connections to one database. */
export interface Driver {
  readonly dialect: Dialect;
  /** A description without the password, for `toString()`. */
  readonly description: string;
  connect(): Promise<DriverConnection>;
  /** Most connections that make sense (1 for SQLite: one writer). */
  readonly maxConnections: number;
  /** False for an in-memory SQLite database: a second connection would be another, empty, database. */
  readonly canReconnect: boolean;
}
