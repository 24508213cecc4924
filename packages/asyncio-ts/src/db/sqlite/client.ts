/**
 * The SQLite adapter: one `better-sqlite3` connection living on its own worker
 * thread (a dedicated `worker_threads` Worker rather than the executor's pool,
 * whose workers are interchangeable and short-lived, while a connection is state
 * that must stay on one thread). Statements are serialised through the worker, so
 * writes never interleave; file databases use WAL.
 *
 * Cancellation: a cancelled statement is stopped inside SQLite with
 * `sqlite3_interrupt()`, which better-sqlite3 does not expose: the small extension
 * `native/sqlite-interrupt.c`, compiled when the package is installed, adds it
 * (see `interrupt.ts`). The statement fails with `SQLITE_INTERRUPT` (a write inside
 * a transaction rolls the transaction back), the caller gets its `CancelledError`
 * or `TimeoutError`, and the connection, its statement cache and an in-memory
 * database go on being used.
 *
 * Fallback, when the extension is unavailable (no C compiler at install time, an
 * unsupported platform): a cancelled statement discards the connection. The caller
 * is released at once, the worker is told to stop (it closes the connection and
 * exits as soon as the statement returns; SQLite rolls its transaction back) and the
 * pool opens a fresh worker for the next query: a worker start (~30 ms) and the
 * statement cache, while the abandoned statement keeps one CPU busy, and the process
 * alive, until it returns. An in-memory database cannot be reopened: it is lost, and
 * later queries fail with `ConnectionLostError`.
 *
 * @module
 */
import { resolve as resolvePath } from 'node:path';
import { Worker } from 'node:worker_threads';
import { toMilliseconds } from '../../durations.js';
import type { ConnectOptions } from '../connect.js';
import type {
  BatchItem,
  Driver,
  DriverConnection,
  DriverCursor,
  RawResult,
  Row,
} from '../driver.js';
import { ConnectionLostError } from '../errors.js';
import { sqliteInterrupter, type SqliteInterrupter } from './interrupt.js';
import {
  INTERRUPTED,
  RUNNING,
  STOPPED,
  type SqliteErrorInfo,
  type SqliteInit,
  type SqliteReply,
  type SqliteStartup,
} from './protocol.js';

const WORKER_URL = new URL('./sqlite-worker.js', import.meta.url);

interface Pending {
  resolve(r: RawResult | RawResult[]): void;
  reject(e: unknown): void;
}

type Request =
  | { op: 'run'; sql: string; values: unknown[] }
  | { op: 'batch'; texts: string[]; sql: number[]; values: unknown[][]; begin: string[] | null }
  | { op: 'open'; sql: string; values: unknown[]; cursor: number }
  | { op: 'next'; cursor: number; batchSize: number }
  | { op: 'close'; cursor: number }
  | { op: 'shutdown' };

function driverError(e: SqliteErrorInfo): Error {
  const err = new Error(e.message) as Error & { code?: string; batchIndex?: number };
  err.name = e.name;
  if (e.code !== undefined) err.code = e.code;
  if (e.batchIndex !== undefined) err.batchIndex = e.batchIndex;
  return err;
}

class SqliteConnection implements DriverConnection {
  readonly dialect = 'sqlite' as const;
  /** With a real interrupt the connection is clean afterwards; without, it is discarded. */
  readonly reusableAfterCancel: boolean;
  broken = false;
  readonly #worker: Worker;
  readonly #state: Int32Array;
  readonly #interrupter: SqliteInterrupter | null;
  readonly #slot: number;
  readonly #pending = new Map<number, Pending>();
  #ids = 0;
  #cursors = 0;
  #closing = false;
  #destroyed = false;

  constructor(
    worker: Worker,
    state: Int32Array,
    interrupter: SqliteInterrupter | null,
    slot: number | null,
  ) {
    this.#worker = worker;
    this.#state = state;
    this.#interrupter = slot === null ? null : interrupter;
    this.#slot = slot ?? 0;
    this.reusableAfterCancel = this.#interrupter !== null;
    worker.on('message', (m: SqliteReply) => {
      const p = this.#pending.get(m.id);
      if (p === undefined) return;
      this.#pending.delete(m.id);
      if (!m.ok) p.reject(driverError(m.error));
      else if ('rowCounts' in m) p.resolve(batchResults(m.rowCounts, m.lastInsertIds));
      else p.resolve({ rows: m.rows, rowCount: m.rowCount, lastInsertId: m.lastInsertId });
    });
    worker.on('error', (e: unknown) => this.#lost(e));
    worker.on('exit', () => this.#lost(undefined));
  }

  #lost(cause: unknown): void {
    this.broken = true;
    const err = new ConnectionLostError('the SQLite worker thread exited', {
      dialect: 'sqlite',
      cause,
    });
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }

  #send(req: Request & { op: 'batch' }): Promise<RawResult[]>;
  #send(req: Request): Promise<RawResult>;
  #send(req: Request): Promise<RawResult | RawResult[]> {
    if (this.broken) {
      return Promise.reject(
        new ConnectionLostError('the SQLite connection was discarded', { dialect: 'sqlite' }),
      );
    }
    const id = ++this.#ids;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...req, id });
    });
  }

  run(text: string, values: readonly unknown[]): Promise<RawResult> {
    return this.#send({ op: 'run', sql: text, values: values as unknown[] });
  }

  runBatch(items: readonly BatchItem[], begin: readonly string[] | null): Promise<RawResult[]> {
    // Each distinct text crosses to the worker once: a batch of one statement per
    // row (what SQLite runs fastest, prepared once) would copy it per row.
    const texts: string[] = [];
    const textIndex = new Map<string, number>();
    const sql = new Array<number>(items.length);
    const values = new Array<unknown[]>(items.length);
    for (let i = 0; i < items.length; i++) {
      const { text } = items[i]!;
      let t = textIndex.get(text);
      if (t === undefined) {
        t = texts.push(text) - 1;
        textIndex.set(text, t);
      }
      sql[i] = t;
      values[i] = items[i]!.values as unknown[];
    }
    return this.#send({
      op: 'batch',
      texts,
      sql,
      values,
      begin: begin === null ? null : [...begin],
    });
  }

  async openCursor(
    text: string,
    values: readonly unknown[],
    batchSize: number,
  ): Promise<DriverCursor> {
    const cursor = ++this.#cursors;
    await this.#send({ op: 'open', sql: text, values: values as unknown[], cursor });
    return {
      next: () => this.#send({ op: 'next', cursor, batchSize }).then(rowsOf),
      close: () => this.#send({ op: 'close', cursor }).then(noop),
    };
  }

  /**
   * Interrupts the statement running on the worker, if one is (see protocol.ts for
   * why it cannot reach a later one); without the extension, discards the
   * connection (see the module comment). Done when it returns: the interrupt is
   * synchronous. One that arrives before SQLite starts the statement is cleared by
   * SQLite; the statement waiter repeats the request while the statement runs.
   */
  cancel(): Promise<void> {
    if (this.#interrupter === null || !this.#interrupt()) this.destroy();
    return Promise.resolve();
  }

  /** False when this thread cannot load the extension (the caller discards the connection). */
  #interrupt(): boolean {
    const state = this.#state;
    const id = Atomics.load(state, RUNNING);
    if (id <= 0 || Atomics.compareExchange(state, RUNNING, id, -id) !== id) return true;
    try {
      this.#interrupter!.interrupt(this.#slot);
      Atomics.store(state, INTERRUPTED, id);
      return true;
    } catch {
      return false;
    } finally {
      Atomics.store(state, RUNNING, id);
      Atomics.notify(state, RUNNING);
    }
  }

  ping(): Promise<void> {
    return this.#send({ op: 'run', sql: 'SELECT 1', values: [] }).then(noop);
  }

  async close(): Promise<void> {
    if (this.#closing || this.#destroyed) return;
    if (this.broken) {
      this.destroy();
      return;
    }
    this.#closing = true;
    const exited = new Promise<void>((r) => this.#worker.once('exit', () => r()));
    await this.#send({ op: 'shutdown' }).catch(noop);
    await exited;
  }

  destroy(): void {
    // Not guarded by `broken`: the pool and the statement waiter set that first.
    if (this.#destroyed) return;
    this.#destroyed = true;
    // The thread is told to stop rather than terminated (see STOPPED in protocol.ts):
    // with the extension its statement is interrupted now and it exits within
    // milliseconds; without, it exits when the statement returns.
    Atomics.store(this.#state, STOPPED, 1);
    if (this.#interrupter !== null) this.#interrupt();
    this.#lost(new Error('destroyed'));
    this.#worker.postMessage({ op: 'shutdown', id: 0 });
  }
}

function rowsOf(r: RawResult): Row[] {
  return r.rows;
}

function noop(): void {}

/** No rows: what every statement of a batch returns (shared, never written to). */
const NO_ROWS: Record<string, unknown>[] = [];

function batchResults(
  rowCounts: readonly number[],
  lastInsertIds: readonly (number | bigint | null)[],
): RawResult[] {
  const out = new Array<RawResult>(rowCounts.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = { rows: NO_ROWS, rowCount: rowCounts[i]!, lastInsertId: lastInsertIds[i]! };
  }
  return out;
}

/** @internal `path` is what follows `sqlite:` (`:memory:` or a file path). */
export function sqliteDriver(path: string, options: ConnectOptions): Driver {
  const memory = path === ':memory:' || path === '';
  const file = memory ? ':memory:' : resolvePath(path.replace(/^\/\/(?=\/)/, ''));
  const wal = options.wal ?? true;
  const busyTimeoutMs = toMilliseconds(options.busyTimeout ?? '5s', 'busyTimeout') ?? 5000;
  const pageSize = options.pageSize ?? null;
  if (
    pageSize !== null &&
    !(
      Number.isInteger(pageSize) &&
      pageSize >= 512 &&
      pageSize <= 65536 &&
      (pageSize & (pageSize - 1)) === 0
    )
  ) {
    throw new RangeError(
      `pageSize must be a power of two from 512 to 65536; got ${String(pageSize)}`,
    );
  }
  const synchronous = options.synchronous ?? 'full';
  if (synchronous !== 'full' && synchronous !== 'normal' && synchronous !== 'off') {
    throw new RangeError(
      `synchronous must be 'full', 'normal' or 'off'; got ${String(synchronous)}`,
    );
  }
  return {
    dialect: 'sqlite',
    description: `sqlite:${file}`,
    maxConnections: 1,
    canReconnect: !memory,
    connect(): Promise<DriverConnection> {
      const interrupter = sqliteInterrupter();
      const init: SqliteInit = {
        path: file,
        wal,
        busyTimeoutMs,
        synchronous,
        pageSize,
        interruptLibrary: interrupter?.library ?? null,
        state: new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT),
      };
      const worker = new Worker(WORKER_URL, { workerData: init });
      return new Promise((resolve, reject) => {
        const onExit = (code: number): void =>
          reject(
            new ConnectionLostError(
              `the SQLite worker exited with code ${code} while opening ${file}`,
              { dialect: 'sqlite' },
            ),
          );
        worker.once('error', reject);
        worker.once('exit', onExit);
        worker.once('message', (m: SqliteStartup) => {
          worker.off('error', reject);
          worker.off('exit', onExit);
          if (m.ok) {
            const state = new Int32Array(init.state);
            resolve(new SqliteConnection(worker, state, interrupter, m.slot));
          } else {
            reject(driverError(m.error));
            void worker.terminate();
          }
        });
      });
    },
  };
}
