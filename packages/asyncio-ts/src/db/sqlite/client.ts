/**
 * The SQLite adapter: one `better-sqlite3` connection living on its own worker
 * thread (a dedicated `worker_threads` Worker rather than the executor's pool,
 * whose workers are interchangeable and short-lived, while a connection is state
 * that must stay on one thread). Statements are serialised through the worker, so
 * writes never interleave; file databases use WAL.
 *
 * Cancellation: better-sqlite3 has no `sqlite3_interrupt`, and a worker cannot be
 * stopped inside a native call. A cancelled statement therefore discards the
 * connection: the caller is released at once, the worker is terminated (it exits
 * as soon as the statement returns; SQLite rolls its transaction back) and the
 * pool opens a fresh worker for the next query. For a file database that costs a
 * worker start (~30 ms) and the statement cache; the abandoned statement keeps one
 * CPU busy until it returns. An in-memory database cannot be reopened: it is lost,
 * and later queries fail with `ConnectionLostError`.
 *
 * @module
 */
import { resolve as resolvePath } from 'node:path';
import { Worker } from 'node:worker_threads';
import { toMilliseconds } from '../../durations.js';
import type { ConnectOptions } from '../connect.js';
import type { Driver, DriverConnection, DriverCursor, RawResult, Row } from '../driver.js';
import { ConnectionLostError } from '../errors.js';
import type { SqliteInit, SqliteReply } from './protocol.js';

const WORKER_URL = new URL('./worker.js', import.meta.url);

interface Pending {
  resolve(r: RawResult): void;
  reject(e: unknown): void;
}

type Request =
  | { op: 'run'; sql: string; values: unknown[] }
  | { op: 'open'; sql: string; values: unknown[]; cursor: number }
  | { op: 'next'; cursor: number; batchSize: number }
  | { op: 'close'; cursor: number }
  | { op: 'shutdown' };

function driverError(e: { message: string; code: string | undefined; name: string }): Error {
  const err = new Error(e.message) as Error & { code?: string };
  err.name = e.name;
  if (e.code !== undefined) err.code = e.code;
  return err;
}

class SqliteConnection implements DriverConnection {
  readonly dialect = 'sqlite' as const;
  readonly reusableAfterCancel = false;
  broken = false;
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #ids = 0;
  #cursors = 0;

  constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (m: SqliteReply) => {
      const p = this.#pending.get(m.id);
      if (p === undefined) return;
      this.#pending.delete(m.id);
      if (m.ok) p.resolve({ rows: m.rows, rowCount: m.rowCount, lastInsertId: m.lastInsertId });
      else p.reject(driverError(m.error));
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

  #send(req: Request): Promise<RawResult> {
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

  /** No interrupt exists: discard the connection (see the module comment). */
  cancel(): Promise<void> {
    this.destroy();
    return Promise.resolve();
  }

  ping(): Promise<void> {
    return this.#send({ op: 'run', sql: 'SELECT 1', values: [] }).then(noop);
  }

  async close(): Promise<void> {
    if (this.broken) return;
    const exited = new Promise<void>((r) => this.#worker.once('exit', () => r()));
    await this.#send({ op: 'shutdown' }).catch(noop);
    await exited;
  }

  destroy(): void {
    if (!this.broken) {
      this.#lost(new Error('interrupted'));
      // The thread exits when its current statement returns; do not wait for it,
      // and do not let it keep the process alive.
      this.#worker.unref();
      void this.#worker.terminate().catch(noop);
    }
  }
}

function rowsOf(r: RawResult): Row[] {
  return r.rows;
}

function noop(): void {}

/** @internal `path` is what follows `sqlite:` (`:memory:` or a file path). */
export function sqliteDriver(path: string, options: ConnectOptions): Driver {
  const memory = path === ':memory:' || path === '';
  const file = memory ? ':memory:' : resolvePath(path.replace(/^\/\/(?=\/)/, ''));
  const init: SqliteInit = {
    path: file,
    wal: options.wal ?? true,
    busyTimeoutMs: toMilliseconds(options.busyTimeout ?? '5s', 'busyTimeout') ?? 5000,
  };
  return {
    dialect: 'sqlite',
    description: `sqlite:${file}`,
    maxConnections: 1,
    canReconnect: !memory,
    connect(): Promise<DriverConnection> {
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
        worker.once('message', (m: SqliteReply) => {
          worker.off('error', reject);
          worker.off('exit', onExit);
          if (m.ok) resolve(new SqliteConnection(worker));
          else {
            reject(driverError(m.error));
            void worker.terminate();
          }
        });
      });
    },
  };
}
