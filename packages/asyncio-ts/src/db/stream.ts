/**
 * `RowStream`: the async iterator `stream()` returns, fetching rows batch by batch
 * only as the consumer asks for them.
 *
 * @module
 */
import { inspect } from 'node:util';
import { InvalidStateError } from '../errors.js';
import type { DriverCursor } from './driver.js';
import { ConnectionLostError, mapDriverError } from './errors.js';
import type { CompiledSql } from './sql.js';
import { awaitStatement, checkpoint } from './statement-waiter.js';
import type { Lease, Queryable } from './queryable.js';

/** Options of `stream()`. */
export interface StreamOptions {
  /** Rows fetched per round trip. Default 100. */
  batchSize?: number;
}

const IDLE = 0;
const OPEN = 1;
const DONE = 2;

/**
 * The rows of a query as an async iterator (`for await`). It holds a connection
 * from the first `next()` until the rows run out or the loop is left; `return()`
 * (what `break` calls) closes the cursor and gives the connection back.
 *
 * Cancellation: `next()` is a cancellation point; cancelled during a fetch, the
 * statement is stopped on the server and the stream closed.
 */
export class RowStream<R> implements AsyncIterableIterator<R>, AsyncDisposable {
  readonly #owner: Queryable;
  readonly #q: CompiledSql;
  readonly #batchSize: number;
  #state = IDLE;
  #busy = false;
  #lease: Lease | null = null;
  #cursor: DriverCursor | null = null;
  #rows: unknown[] = [];
  #index = 0;
  #delivered = 0;

  /** @internal use `db.stream()` */
  constructor(owner: Queryable, q: CompiledSql, batchSize: number) {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`batchSize must be an integer >= 1, got ${String(batchSize)}`);
    }
    this.#owner = owner;
    this.#q = q;
    this.#batchSize = batchSize;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next row. */
  async next(): Promise<IteratorResult<R, undefined>> {
    checkpoint();
    if (this.#index < this.#rows.length) return this.#yield();
    if (this.#state === DONE) return { done: true, value: undefined };
    if (this.#busy)
      throw new InvalidStateError('stream.next() called again before the previous call settled');
    this.#busy = true;
    try {
      if (this.#state === IDLE) await this.#open();
      const lease = this.#lease!;
      this.#rows = await awaitStatement(lease.conn, this.#cursor!.next(), this.#owner._graceMs);
      this.#index = 0;
    } catch (e) {
      const err = mapDriverError(this.#owner.dialect, e, this.#q.text);
      if (err instanceof ConnectionLostError && this.#lease !== null)
        this.#lease.conn.broken = true;
      await this.#finish(true);
      throw err;
    } finally {
      this.#busy = false;
    }
    if (this.#rows.length === 0) {
      await this.#finish(false);
      return { done: true, value: undefined };
    }
    return this.#yield();
  }

  /** Closes the cursor and gives the connection back (what `break` calls). */
  async return(): Promise<IteratorResult<R, undefined>> {
    await this.#finish(false);
    return { done: true, value: undefined };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#finish(false);
  }

  /** `<RowStream open rows=120>` */
  toString(): string {
    return `<RowStream ${['idle', 'open', 'done'][this.#state]} rows=${this.#delivered}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  #yield(): IteratorResult<R, undefined> {
    const value = this.#rows[this.#index++] as R;
    this.#delivered++;
    return { done: false, value };
  }

  async #open(): Promise<void> {
    this.#state = OPEN;
    const lease = await this.#owner._lease();
    this.#lease = lease;
    const conn = lease.conn;
    this.#cursor = await awaitStatement(
      conn,
      conn.openCursor(this.#q.text, this.#q.values, this.#batchSize, lease.inTransaction),
      this.#owner._graceMs,
    );
  }

  async #finish(_failed: boolean): Promise<void> {
    if (this.#state === DONE) return;
    this.#state = DONE;
    this.#rows = [];
    const lease = this.#lease;
    const cursor = this.#cursor;
    this.#lease = null;
    this.#cursor = null;
    if (lease === null) return;
    try {
      // Not interruptible: the connection must be left clean before it is reused.
      if (cursor !== null && !lease.conn.broken) await cursor.close();
    } catch {
      lease.conn.broken = true; // could not close the cursor: do not reuse the connection
    } finally {
      lease.release();
    }
  }
}
