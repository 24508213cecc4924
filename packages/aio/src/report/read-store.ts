/**
 * Opening an existing store to read it (`aio report`, `aio export`): a path to an
 * SQLite file or a `postgres://` URL. Unlike opening a store to write into, this
 * never creates anything: a missing file, a file that is not SQLite, or a database
 * without the `aio` tables is a {@link UsageError}.
 *
 * @module
 */
import { postgresTarget } from '../store/targets.js';
import { open, stat } from 'node:fs/promises';
import { cancellable } from 'asyncio-ts';
import { connect, DatabaseError, type Database } from 'asyncio-ts/db';
import { UsageError } from '../command.js';
import { tableNames } from './data.js';

/** The default store of `aio crawl`, `aio report` and `aio export`. */
export const DEFAULT_STORE = 'crawl.sqlite';

/** The tables a database must have to be read as an `aio` store. */
const REQUIRED_TABLES = ['aio_meta', 'pages', 'links'] as const;

/** True for a PostgreSQL URL. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** `location` fit to print: a URL loses its password. */
export function describeStore(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const url = new URL(location);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return location.replace(/\/\/[^@/]*@/, '//***@');
  }
}

const SQLITE_MAGIC = 'SQLite format 3\0';

/** Checks that `path` is an existing SQLite file, without creating or changing it. */
async function checkSqliteFile(command: string, path: string): Promise<void> {
  const st = await cancellable(stat(path)).catch((e: unknown) => {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') {
      throw new UsageError(
        `${command}: no store at '${path}' (run 'aio crawl' or 'aio fetch -o ${path}' first, or name the store)`,
      );
    }
    throw new UsageError(`${command}: cannot read '${path}': ${(e as Error).message}`);
  });
  if (!st.isFile()) throw new UsageError(`${command}: '${path}' is not a file`);
  let header = '';
  try {
    const handle = await cancellable(open(path, 'r'));
    try {
      const buf = Buffer.alloc(SQLITE_MAGIC.length);
      const { bytesRead } = await cancellable(handle.read(buf, 0, buf.length, 0));
      header = buf.subarray(0, bytesRead).toString('latin1');
    } finally {
      await handle.close();
    }
  } catch (e) {
    throw new UsageError(`${command}: cannot read '${path}': ${(e as Error).message}`);
  }
  if (header !== SQLITE_MAGIC) {
    throw new UsageError(`${command}: '${path}' is not an aio store (not an SQLite database)`);
  }
}

/**
 * Opens the store at `location` (a path to an SQLite file, `sqlite:<path>`, or a
 * `postgres://` URL) for reading, and checks it has the `aio` tables. `command`
 * names the command in error messages.
 *
 * @example
 * ```ts
 * const db = await openStoreForReading('report', 'crawl.sqlite');
 * try { ... } finally { await db.close(); }
 * ```
 *
 * Cancellation: a cancellation point; a connection already open is closed.
 *
 * @throws {UsageError} for a missing file, a file that is not SQLite, a database
 * that cannot be reached or has no `aio` tables
 */
export async function openStoreForReading(command: string, location: string): Promise<Database> {
  let url: string;
  if (isPostgresUrl(location)) {
    // `?schema=name` as the crawl and fetch stores use it.
    url = postgresTarget(location).url;
  } else if (/^[a-z][a-z0-9+.-]+:\/\//i.test(location)) {
    throw new UsageError(
      `${command}: '${describeStore(location)}' is not a store: give an SQLite file or a postgres:// URL`,
    );
  } else {
    const path = location.startsWith('sqlite:') ? location.slice('sqlite:'.length) : location;
    await checkSqliteFile(command, path);
    // No WAL switch: reading must not change the file (a writer sets WAL itself).
    url = `sqlite:${path}`;
  }
  let db: Database;
  try {
    db = await connect(url, { wal: false, max: 2 });
  } catch (e) {
    if (e instanceof DatabaseError) {
      throw new UsageError(`${command}: cannot open '${describeStore(location)}': ${e.message}`);
    }
    throw e;
  }
  try {
    const tables = await tableNames(db);
    const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
    if (missing.length > 0) {
      throw new UsageError(
        `${command}: '${describeStore(location)}' is not an aio store (no table ${missing.join(', ')})`,
      );
    }
    return db;
  } catch (e) {
    await db.close();
    if (e instanceof DatabaseError) {
      throw new UsageError(
        `${command}: '${describeStore(location)}' is not an aio store: ${e.message}`,
      );
    }
    throw e;
  }
}
