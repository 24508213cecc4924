/**
 * `Database`: a pool of connections to one database, with the query methods of
 * {@link Queryable}, transactions, and two shutdown verbs.
 *
 * @module
 */
import { inspect } from 'node:util';
import type { Dialect } from './driver.js';
import type { Pool, PoolStatistics } from './pool.js';
import { Queryable, type Lease } from './queryable.js';
import { checkpoint } from './statement-waiter.js';
import { runTransaction, type Transaction, type TransactionOptions } from './transaction.js';

/**
 * A database: what `connect(url)` returns. Each query borrows a connection from the
 * pool for its duration; `transaction()` holds one for the whole body.
 *
 * @example
 * ```ts
 * const db = await connect('postgres://app@localhost/app', { max: 16 });
 * try {
 *   const user = await db.one<{ id: number; name: string }>`SELECT id, name FROM users WHERE id = ${id}`;
 * } finally {
 *   await db.close();
 * }
 * ```
 *
 * Cancellation: every method is a cancellation point (see {@link Queryable}).
 */
export class Database extends Queryable {
  readonly dialect: Dialect;
  /** @internal */ readonly _graceMs: number;
  /** @internal */ readonly _queryTimeoutMs: number | null;
  readonly #pool: Pool;
  readonly #description: string;

  /** @internal use `connect()` */
  constructor(
    dialect: Dialect,
    pool: Pool,
    description: string,
    graceMs: number,
    queryTimeoutMs: number | null,
  ) {
    super();
    this.dialect = dialect;
    this.#pool = pool;
    this.#description = description;
    this._graceMs = graceMs;
    this._queryTimeoutMs = queryTimeoutMs;
  }

  /** @internal */
  override _leaseNow(): Lease | null {
    const pool = this.#pool;
    const conn = pool.tryAcquire();
    return conn === null ? null : { conn, inTransaction: false, release: () => pool.release(conn) };
  }

  /** @internal */
  async _lease(): Promise<Lease> {
    const pool = this.#pool;
    const conn = await pool.acquire();
    return { conn, inTransaction: false, release: () => pool.release(conn) };
  }

  /**
   * Runs `fn` in a transaction on one connection: COMMIT when it returns, ROLLBACK
   * when it throws or is cancelled (and the error goes on). `tx.transaction()` inside
   * nests as a savepoint.
   *
   * @example
   * ```ts
   * await db.transaction(async (tx) => {
   *   await tx.execute`UPDATE accounts SET balance = balance - ${n} WHERE id = ${from}`;
   *   await tx.execute`UPDATE accounts SET balance = balance + ${n} WHERE id = ${to}`;
   * }, { isolation: 'serializable' });
   * ```
   *
   * Cancellation: a cancellation point while waiting for a connection and at every
   * query of the body; a cancelled body is rolled back. COMMIT itself is not
   * interrupted (a cancellation arriving during it is delivered after it).
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>, opts?: TransactionOptions): Promise<T> {
    checkpoint();
    const pool = this.#pool;
    const conn = await pool.acquire();
    try {
      return await runTransaction(conn, fn, opts, this._graceMs, this._queryTimeoutMs);
    } finally {
      pool.release(conn);
    }
  }

  /**
   * Graceful shutdown: refuses new queries (`PoolClosedError`), waits for the ones
   * running, then closes every connection. Idempotent.
   *
   * Cancellation: a cancellation point while waiting for queries in flight; call
   * `destroy()` to stop at once.
   */
  close(): Promise<void> {
    return this.#pool.close();
  }

  /** Closes every connection now; running queries fail with `ConnectionLostError`. Idempotent. */
  destroy(): void {
    this.#pool.destroy();
  }

  /** True once `close()` or `destroy()` was called. */
  get closed(): boolean {
    return this.#pool.closed;
  }

  /** A frozen snapshot of the pool: size, idle, in use, waiting. */
  statistics(): PoolStatistics {
    return this.#pool.statistics();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** `<Database postgres://app@localhost/app open size=2/10 idle=2 inUse=0 waiting=0>` */
  override toString(): string {
    const s = this.#pool.statistics();
    return `<Database ${this.#description} ${s.state} size=${s.size}/${s.max} idle=${s.idle} inUse=${s.inUse} waiting=${s.waiting}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
