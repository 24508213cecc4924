/**
 * `connect(url, options)`: the entry point of `asyncio-ts/db`.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { toMilliseconds, type Duration } from '../durations.js';
import { Database } from './database.js';
import type { Driver } from './driver.js';
import { DriverMissingError } from './errors.js';
import { Pool, type PoolOptions } from './pool.js';
// Static: SQLite's thread starts within the call to connect(), before the caller's
// next I/O (its module is small; the native better-sqlite3 loads on that thread).
import { sqliteDriver } from './sqlite/client.js';

/** Options of {@link connect}. */
export interface ConnectOptions extends PoolOptions {
  /** A default per-query timeout (the statement is cancelled on the server). Default `null`: none. */
  queryTimeout?: Duration | null;
  /**
   * How long a cancelled statement may take to stop after the server was asked to
   * cancel it before its connection is destroyed. Default `'5s'`.
   */
  cancelGrace?: Duration;
  /** SQLite: write-ahead logging for file databases. Default true. */
  wal?: boolean;
  /** SQLite: how long a statement waits for a lock held by another process. Default `'5s'`. */
  busyTimeout?: Duration;
  /**
   * SQLite: how commits wait for the disk (`PRAGMA synchronous`). `'full'` (SQLite's
   * default): every commit is flushed to the disk. `'normal'`: with WAL, commits are
   * not flushed, checkpoints are; a crash of the process loses nothing committed,
   * a power loss may undo the last commits but never corrupts the file (several
   * times fewer flushes for many small transactions). `'off'`: nothing is flushed;
   * a power loss may corrupt the file. Default `'full'`.
   */
  synchronous?: 'full' | 'normal' | 'off';
  /**
   * SQLite: the page size of a database file this connection creates, in bytes (a
   * power of two from 512 to 65536). An existing file keeps its own. Larger pages
   * mean fewer, larger writes: bulk inserts into an indexed table write about a third
   * less with 16384. Default: SQLite's (4096).
   */
  pageSize?: number;
}

/**
 * Opens a database: `sqlite:<path>`, `sqlite::memory:`, `postgres://...` (also
 * `postgresql://`), `mysql://...` (MySQL and MariaDB). The driver (`pg`, `mysql2`,
 * `better-sqlite3`) is loaded on first use; a missing one throws
 * `DriverMissingError` naming the package to install. Opens `min` connections (at
 * least one, to check the URL) before resolving.
 *
 * @example
 * ```ts
 * const db = await connect('sqlite:./app.db');
 * await db.execute`CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`;
 * const { lastInsertId } = await db.execute`INSERT INTO notes (body) VALUES (${'hello'})`;
 * await db.close();
 * ```
 *
 * Cancellation: a cancellation point while connecting.
 *
 * @throws {DriverMissingError} when the driver package is not installed
 * @throws {ConnectionLostError} when the database cannot be reached
 * @throws {TypeError} for a URL with an unknown scheme
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<Database> {
  const graceMs = toMilliseconds(options.cancelGrace ?? '5s', 'cancelGrace') ?? 5000;
  const queryTimeoutMs = toMilliseconds(options.queryTimeout ?? null, 'queryTimeout');
  const driver = await openDriver(url, options);
  const pool = new Pool(driver, options, graceMs);
  await pool.fill();
  return new Database(driver.dialect, pool, driver.description, graceMs, queryTimeoutMs);
}

async function openDriver(url: string, options: ConnectOptions): Promise<Driver> {
  if (typeof url !== 'string')
    throw new TypeError(`connect() needs a URL string, got ${typeof url}`);
  const scheme = url.slice(0, url.indexOf(':') + 1).toLowerCase();
  switch (scheme) {
    case 'postgres:':
    case 'postgresql:': {
      const { postgresDriver } = await import('./postgres.js');
      return postgresDriver(url, await load('pg', scheme));
    }
    case 'mysql:':
    case 'mariadb:': {
      const { mysqlDriver } = await import('./mysql.js');
      return mysqlDriver(url, await load('mysql2', scheme));
    }
    case 'sqlite:': {
      try {
        // Resolved only: the native module loads on the connection's own thread.
        createRequire(import.meta.url).resolve('better-sqlite3');
      } catch (e) {
        throw new DriverMissingError('better-sqlite3', scheme, e);
      }
      return sqliteDriver(url.slice('sqlite:'.length), options);
    }
    default:
      throw new TypeError(
        `unknown database URL scheme in '${scheme || url.slice(0, 20)}': use sqlite:<path>, sqlite::memory:, postgres:// or mysql://`,
      );
  }
}

/** Loads a driver package, or explains which one to install. */
async function load<K extends keyof Drivers>(name: K, scheme: string): Promise<Drivers[K]> {
  try {
    return (await importDriver[name]()) as Drivers[K];
  } catch (e) {
    throw new DriverMissingError(name, scheme, e);
  }
}

/** @internal */
export interface Drivers {
  pg: typeof import('pg');
  mysql2: typeof import('mysql2');
}

const importDriver: { [K in keyof Drivers]: () => Promise<unknown> } = {
  pg: () => import('pg').then((m) => m.default ?? m),
  mysql2: () => import('mysql2').then((m) => (m as { default?: unknown }).default ?? m),
};
