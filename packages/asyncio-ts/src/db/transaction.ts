/**
 * Transactions: `db.transaction(async (tx) => ...)` commits when the body returns
 * and rolls back when it throws or is cancelled; `tx.transaction()` nests as a
 * savepoint.
 *
 * @module
 */
import { inspect } from 'node:util';
import { InvalidStateError } from '../errors.js';
import { Lock } from '../locks.js';
import type { Dialect, DriverConnection } from './driver.js';
import { mapDriverError } from './errors.js';
import { Queryable, type Lease } from './queryable.js';
import { checkpoint } from './statement-waiter.js';
import { withTransaction, type TransactionOptions } from './transaction-core.js';

export type { IsolationLevel, TransactionOptions } from './transaction-core.js';

/**
 * A transaction in progress: the query methods of a database, all on one connection,
 * one statement at a time. Usable only inside its `transaction()` body.
 *
 * Cancellation: queries are cancellation points as on a database. A cancelled or
 * failing body rolls the transaction back (or, nested, back to its savepoint).
 */
export class Transaction extends Queryable {
  readonly dialect: Dialect;
  /** @internal */ readonly _graceMs: number;
  /** @internal */ readonly _queryTimeoutMs: number | null;
  readonly #conn: DriverConnection;
  readonly #lock: Lock;
  readonly #depth: number;
  #ended = false;
  #savepoints = 0;

  /** @internal use `db.transaction()` */
  constructor(
    conn: DriverConnection,
    graceMs: number,
    queryTimeoutMs: number | null,
    lock = new Lock(),
    depth = 0,
  ) {
    super();
    this.dialect = conn.dialect;
    this.#conn = conn;
    this._graceMs = graceMs;
    this._queryTimeoutMs = queryTimeoutMs;
    this.#lock = lock;
    this.#depth = depth;
  }

  /** 0 for the outer transaction, 1 and more for savepoints. */
  get depth(): number {
    return this.#depth;
  }

  /** @internal */
  async _lease(): Promise<Lease> {
    if (this.#ended)
      throw new InvalidStateError(
        'this transaction has ended: use it only inside its transaction() body',
      );
    await this.#lock.acquire();
    const lock = this.#lock;
    return { conn: this.#conn, inTransaction: true, release: () => lock.release() };
  }

  /**
   * A nested transaction: a savepoint, released when `fn` returns, rolled back to
   * when it throws or is cancelled (the outer transaction goes on).
   *
   * Cancellation: a cancellation point; see the class.
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    checkpoint();
    const name = `asyncio_sp_${this.#depth + 1}_${++this.#savepoints}`;
    await this._statement(`SAVEPOINT ${name}`, []);
    const sub = new Transaction(
      this.#conn,
      this._graceMs,
      this._queryTimeoutMs,
      this.#lock,
      this.#depth + 1,
    );
    let result: T;
    try {
      result = await fn(sub);
    } catch (e) {
      sub._end();
      await this.#quietly(`ROLLBACK TO SAVEPOINT ${name}`);
      await this.#quietly(`RELEASE SAVEPOINT ${name}`);
      throw e;
    }
    sub._end();
    await this.#uninterrupted(`RELEASE SAVEPOINT ${name}`);
    return result;
  }

  /** @internal */
  _end(): void {
    this.#ended = true;
  }

  /** `<Transaction postgres depth=0 active>` */
  override toString(): string {
    return `<Transaction ${this.dialect} depth=${this.#depth} ${this.#ended ? 'ended' : 'active'}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  // Cleanup statements run to the end even in a cancelled task: they are not
  // cancellation points (a cancellation arriving meanwhile is delivered after).
  async #uninterrupted(text: string): Promise<void> {
    await this.#lock._acquireUninterruptibly(undefined);
    try {
      await this.#conn.run(text, []);
    } catch (e) {
      throw mapDriverError(this.dialect, e, text);
    } finally {
      this.#lock.release();
    }
  }

  async #quietly(text: string): Promise<void> {
    try {
      await this.#uninterrupted(text);
    } catch {
      this.#conn.broken = true;
    }
  }
}

/** @internal Runs `fn` in a transaction on `conn` (BEGIN, then COMMIT or ROLLBACK). */
export function runTransaction<T>(
  conn: DriverConnection,
  fn: (tx: Transaction) => Promise<T>,
  opts: TransactionOptions | undefined,
  graceMs: number,
  queryTimeoutMs: number | null,
): Promise<T> {
  const tx = new Transaction(conn, graceMs, queryTimeoutMs);
  return withTransaction(
    conn,
    opts,
    graceMs,
    () => fn(tx),
    () => tx._end(),
  );
}
