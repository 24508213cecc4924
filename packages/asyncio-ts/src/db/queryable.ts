/**
 * The query methods shared by a `Database` (each call borrows a pooled connection)
 * and a `Transaction` (every call runs on its one connection).
 *
 * @module
 */
import { toMilliseconds, type Duration } from '../durations.js';
import { timeout } from '../timeouts.js';
import type {
  BatchItem,
  DriverConnection,
  Dialect,
  ExecuteResult,
  RawResult,
  Row,
} from './driver.js';
import { ConnectionLostError, NoRowsError, TooManyRowsError, mapDriverError } from './errors.js';
import { paginate, type Page, type PaginateOptions } from './paginate.js';
import { Sql, compile, compileTemplate, toSql, type CompiledSql } from './sql.js';
import { awaitStatement, checkpoint } from './statement-waiter.js';
import { RowStream, type StreamOptions } from './stream.js';
import { beginStatements, withTransaction } from './transaction-core.js';

/** Options of one query: `db.query(sql`...`, { timeout: '2s' })`. */
export interface QueryOptions {
  /**
   * Cancels the statement on the server when it runs longer than this, through the
   * core `timeout()` scope: the call rejects with `TimeoutError`. Overrides the
   * database's `queryTimeout`; `null`: no limit.
   */
  timeout?: Duration | null;
}

/** @internal A connection lent to one operation. */
export interface Lease {
  readonly conn: DriverConnection;
  /** The connection is inside a transaction the caller owns. */
  readonly inTransaction: boolean;
  release(): void;
}

type Args = [TemplateStringsArray, ...unknown[]] | [Sql, QueryOptions?];

/**
 * What runs queries: a {@link Database} or a {@link Transaction}. Each method takes
 * either a tagged template (`` db.query`SELECT ... ${v}` ``) or a `sql` fragment with
 * options (`db.query(sql`...`, { timeout: '1s' })`).
 *
 * Cancellation: every method is a cancellation point. Cancelling the task (or a
 * `timeout()` around the call) while a statement runs cancels it on the server
 * (PostgreSQL cancel request, MySQL `KILL QUERY`, SQLite `sqlite3_interrupt` through a small extension);
 * the call rejects with `CancelledError` once the statement has stopped, and the
 * connection is reused or, if it cannot be, discarded.
 */
export abstract class Queryable {
  /** Which database this is. */
  abstract readonly dialect: Dialect;
  /** @internal */ abstract _lease(): Promise<Lease>;
  /** @internal A lease available without waiting, or null. */
  _leaseNow(): Lease | null {
    return null;
  }
  /** @internal */ abstract readonly _graceMs: number;
  /** @internal */ abstract readonly _queryTimeoutMs: number | null;

  /** Runs a query and returns its rows, typed `R`. */
  query<R extends object = Row>(strings: TemplateStringsArray, ...values: unknown[]): Promise<R[]>;
  query<R extends object = Row>(q: Sql, opts?: QueryOptions): Promise<R[]>;
  query<R extends object = Row>(...args: Args): Promise<R[]> {
    return this.#run(args).then(rowsOf) as Promise<R[]>;
  }

  /** Runs a query that must return exactly one row. @throws {NoRowsError} {TooManyRowsError} */
  one<R extends object = Row>(strings: TemplateStringsArray, ...values: unknown[]): Promise<R>;
  one<R extends object = Row>(q: Sql, opts?: QueryOptions): Promise<R>;
  async one<R extends object = Row>(...args: Args): Promise<R> {
    const r = await this.#run(args);
    if (r.rows.length === 0) throw new NoRowsError(textOf(args, this.dialect));
    if (r.rows.length > 1) throw new TooManyRowsError(r.rows.length, textOf(args, this.dialect));
    return r.rows[0] as R;
  }

  /** Runs a query that returns one row or none (`null`). @throws {TooManyRowsError} */
  maybeOne<R extends object = Row>(
    strings: TemplateStringsArray,
    ...values: unknown[]
  ): Promise<R | null>;
  maybeOne<R extends object = Row>(q: Sql, opts?: QueryOptions): Promise<R | null>;
  async maybeOne<R extends object = Row>(...args: Args): Promise<R | null> {
    const r = await this.#run(args);
    if (r.rows.length > 1) throw new TooManyRowsError(r.rows.length, textOf(args, this.dialect));
    return (r.rows[0] as R | undefined) ?? null;
  }

  /** Runs a statement for its effect: `{ rowCount, lastInsertId }`. */
  execute(strings: TemplateStringsArray, ...values: unknown[]): Promise<ExecuteResult>;
  execute(q: Sql, opts?: QueryOptions): Promise<ExecuteResult>;
  execute(...args: Args): Promise<ExecuteResult> {
    return this.#run(args).then(resultOf);
  }

  /**
   * Runs several statements in order as one unit and returns what each did. On a
   * `Database` they run in a transaction of their own: all or none. On a
   * `Transaction` they run inside it (a failure leaves the transaction to its body).
   *
   * SQLite runs the whole batch in one message to its worker thread, where one
   * `execute()` each would cost a round trip per statement plus BEGIN and COMMIT:
   * the way to write many rows. PostgreSQL and MySQL run the statements one by one
   * on one connection between BEGIN and COMMIT.
   *
   * @example
   * ```ts
   * await db.batch([
   *   sql`INSERT INTO pages (url, status) VALUES ${values(rows.map((r) => [r.url, r.status]))}`,
   *   sql`UPDATE frontier SET state = 1 WHERE url IN (${join(rows.map((r) => r.url))})`,
   * ]);
   * ```
   *
   * Errors: the failing statement's error (its `sql` is that statement); on a
   * `Database` nothing of the batch is kept. Options apply to the whole batch.
   *
   * Cancellation: a cancellation point; a cancelled batch stops the running
   * statement on the server and, on a `Database`, is rolled back.
   */
  batch(statements: readonly Sql[], opts?: QueryOptions): Promise<ExecuteResult[]> {
    let items: BatchItem[];
    let ms: number | null;
    try {
      items = statements.map((q) => {
        if (!(q instanceof Sql)) {
          throw new TypeError('batch() takes an array of sql`...` fragments');
        }
        return compile(q, this.dialect);
      });
      ms =
        opts?.timeout !== undefined
          ? toMilliseconds(opts.timeout, 'query timeout')
          : this._queryTimeoutMs;
    } catch (e) {
      return Promise.reject(e);
    }
    if (items.length === 0) return Promise.resolve([]);
    const go = (): Promise<ExecuteResult[]> => this.#batch(items).then((rs) => rs.map(resultOf));
    return ms === null ? go() : timeout(ms, go);
  }

  async #batch(items: readonly BatchItem[]): Promise<RawResult[]> {
    checkpoint();
    const lease = this._leaseNow() ?? (await this._lease());
    const conn = lease.conn;
    const graceMs = this._graceMs;
    let current: string | undefined;
    try {
      if (conn.runBatch !== undefined) {
        const begin = lease.inTransaction ? null : beginStatements(conn.dialect, undefined);
        return await awaitStatement(conn, conn.runBatch(items, begin), graceMs);
      }
      const runAll = async (): Promise<RawResult[]> => {
        const out: RawResult[] = [];
        for (const item of items) {
          current = item.text;
          checkpoint();
          out.push(await awaitStatement(conn, conn.run(item.text, item.values), graceMs));
        }
        current = undefined;
        return out;
      };
      if (lease.inTransaction) return await runAll();
      return await withTransaction(conn, undefined, graceMs, runAll);
    } catch (e) {
      const index = (e as { batchIndex?: unknown } | null)?.batchIndex;
      const text = typeof index === 'number' ? items[index]?.text : current;
      const err = mapDriverError(this.dialect, e, text);
      if (err instanceof ConnectionLostError) conn.broken = true;
      throw err;
    } finally {
      lease.release();
    }
  }

  /**
   * Streams the rows of a query, `batchSize` at a time (default 100), through a
   * server-side cursor (PostgreSQL), a paused row stream (MySQL) or a statement
   * iterator on the worker (SQLite). The next batch is fetched only when the
   * consumer asks for it (backpressure). Leaving the loop early (`break`, an error,
   * a cancellation) closes the cursor and gives the connection back.
   *
   * @example
   * ```ts
   * for await (const row of db.stream<{ id: number }>(sql`SELECT id FROM events`, { batchSize: 500 })) {
   *   await handle(row);
   * }
   * ```
   *
   * Cancellation: each step is a cancellation point; a cancelled fetch stops the
   * statement on the server and the stream is closed.
   */
  stream<R extends object = Row>(strings: TemplateStringsArray, ...values: unknown[]): RowStream<R>;
  stream<R extends object = Row>(q: Sql, opts?: StreamOptions): RowStream<R>;
  stream<R extends object = Row>(
    ...args: [TemplateStringsArray, ...unknown[]] | [Sql, StreamOptions?]
  ): RowStream<R> {
    const q = toSql(args[0], args.slice(1));
    const opts = args[0] instanceof Sql ? (args[1] as StreamOptions | undefined) : undefined;
    return new RowStream<R>(this, compile(q, this.dialect), opts?.batchSize ?? 100);
  }

  /**
   * Keyset pagination: yields pages of at most `pageSize` rows of `q`, ordered by
   * the unique column `key`; start after a key with `after` (restartable from
   * `page.lastKey`). Each page is one query (`WHERE key > last ORDER BY key LIMIT n`),
   * so no connection is held between pages.
   *
   * @example
   * ```ts
   * for await (const page of db.paginate<Item>(sql`SELECT id, name FROM items`, { key: 'id', pageSize: 100 })) {
   *   save(page.lastKey); // resume later with { after: savedKey }
   * }
   * ```
   *
   * Cancellation: each page's query is a cancellation point.
   */
  paginate<R extends object = Row>(
    q: Sql,
    opts: PaginateOptions,
  ): AsyncGenerator<Page<R>, void, undefined> {
    return paginate<R>(this, q, opts);
  }

  /** @internal Runs one compiled statement on a leased connection. */
  async _statement(text: string, values: readonly unknown[]): Promise<RawResult> {
    checkpoint();
    const lease = this._leaseNow() ?? (await this._lease());
    try {
      const conn = lease.conn;
      return await awaitStatement(conn, conn.run(text, values), this._graceMs);
    } catch (e) {
      const err = mapDriverError(this.dialect, e, text);
      if (err instanceof ConnectionLostError) lease.conn.broken = true;
      throw err;
    } finally {
      lease.release();
    }
  }

  #run(args: Args): Promise<RawResult> {
    let compiled: CompiledSql;
    let ms: number | null;
    try {
      const first = args[0];
      if (first instanceof Sql) {
        const opts = args[1] as QueryOptions | undefined;
        ms =
          opts?.timeout !== undefined
            ? toMilliseconds(opts.timeout, 'query timeout')
            : this._queryTimeoutMs;
        compiled = compile(first, this.dialect);
      } else {
        ms = this._queryTimeoutMs;
        compiled =
          Array.isArray(first) && 'raw' in first
            ? compileTemplate(first, args.slice(1), this.dialect)
            : compile(toSql(first, []), this.dialect);
      }
    } catch (e) {
      return Promise.reject(e);
    }
    const { text, values } = compiled;
    if (ms === null) return this._statement(text, values);
    return timeout(ms, () => this._statement(text, values));
  }
}

function rowsOf(r: RawResult): Row[] {
  return r.rows;
}

function resultOf(r: RawResult): ExecuteResult {
  return { rowCount: r.rowCount ?? r.rows.length, lastInsertId: r.lastInsertId ?? null };
}

function textOf(args: Args, dialect: Dialect): string {
  return compile(toSql(args[0], args.slice(1)), dialect).text;
}
