/**
 * `sqlite3_interrupt()` for the SQLite worker threads, from the event loop's thread.
 *
 * better-sqlite3 has no interrupt API (and is built without the progress handler), so
 * `native/sqlite-interrupt.c` adds one as a loadable SQLite extension, compiled by
 * `scripts/build-sqlite-interrupt.mjs` into `dist/native/` when the package is
 * installed. Each worker loads it into its connection and reports the connection's
 * slot id; this thread loads it into a private in-memory connection and calls
 * `SELECT asyncio_interrupt(slot)` there, which interrupts the worker's statement
 * (SQLite allows that from any thread; the extension guards against a connection
 * closing meanwhile). The statement fails with `SQLITE_INTERRUPT` within
 * microseconds to milliseconds, and the connection stays usable.
 *
 * When the library is missing (no C compiler at install time, an unsupported
 * platform) or cannot be loaded, {@link sqliteInterrupter} returns null and the
 * client falls back to discarding the connection on cancellation.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import { loadInterruptExtension } from './protocol.js';

/** @internal Interrupts statements on the connections of SQLite workers. */
export interface SqliteInterrupter {
  /** The compiled extension, for the workers to load. */
  readonly library: string;
  /**
   * Interrupts what runs on the connection with this slot; false when it is gone.
   * The first call loads the extension on this thread (see {@link sqliteInterrupter}).
   *
   * @throws {Error} when the extension cannot be loaded here
   */
  interrupt(slot: number): boolean;
}

let library: string | null | undefined; // undefined: not looked up yet
let interrupter: SqliteInterrupter | null | undefined;
let unavailable: string | null = null;
const opened = new Map<string, SqliteInterrupter>(); // one connection per library, ever

// The name scripts/build-sqlite-interrupt.mjs gives it.
function libraryName(): string | null {
  const suffix =
    process.platform === 'linux' ? 'so' : process.platform === 'darwin' ? 'dylib' : null;
  return suffix === null ? null : `sqlite-interrupt-${process.platform}-${process.arch}.${suffix}`;
}

function findLibrary(): string | null {
  const name = libraryName();
  if (name === null) {
    unavailable = `no build of the interrupt extension for ${process.platform}`;
    return null;
  }
  // The package's own root, wherever this file was compiled to (dist/, or the tests'
  // build directory): `asyncio-ts/package.json` resolves to itself from inside.
  let root: string;
  try {
    root = dirname(createRequire(import.meta.url).resolve('asyncio-ts/package.json'));
  } catch {
    root = fileURLToPath(new URL('../../..', import.meta.url));
  }
  const path = join(root, 'dist', 'native', name);
  if (existsSync(path)) return path;
  unavailable = `${path} is missing (run \`npm run build:native -w asyncio-ts\`)`;
  return null;
}

/**
 * @internal The process's interrupter, or null when the extension is missing (then
 * see {@link sqliteInterruptUnavailable}). Its own connection, on this thread, opens
 * at the first interrupt: most programs never cancel a statement, and loading
 * better-sqlite3 here took 10 ms of every start. Each worker loads the extension
 * into its connection first, which proves it loadable in this process.
 */
export function sqliteInterrupter(): SqliteInterrupter | null {
  if (interrupter !== undefined) return interrupter;
  if (library === undefined) library = findLibrary();
  if (library === null) interrupter = null;
  else {
    let made = opened.get(library);
    if (made === undefined) {
      made = lazyInterrupter(library);
      opened.set(library, made);
    }
    interrupter = made;
  }
  return interrupter;
}

function lazyInterrupter(path: string): SqliteInterrupter {
  let call: ((slot: number) => boolean) | null = null;
  return {
    library: path,
    interrupt(slot) {
      call ??= open(path);
      return call(slot);
    },
  };
}

/** Opens this thread's connection with the extension; throws when it cannot. */
function open(path: string): (slot: number) => boolean {
  try {
    const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
    const db = new Database(':memory:');
    loadInterruptExtension(db, path);
    const st = db.prepare<[number], number>('SELECT asyncio_interrupt(?)').pluck();
    return (slot) => st.get(slot) === 1;
  } catch (e) {
    unavailable = `${path} could not be loaded: ${e instanceof Error ? e.message : String(e)}`;
    throw new Error(unavailable, { cause: e });
  }
}

/**
 * @internal Why real interrupts are unavailable, or null when they are (this loads
 * the extension on this thread to find out).
 */
export function sqliteInterruptUnavailable(): string | null {
  const it = sqliteInterrupter();
  if (it === null) return unavailable;
  try {
    it.interrupt(0);
    return null;
  } catch {
    return unavailable;
  }
}

/**
 * @internal For tests: `null` disables real interrupts (connections opened from now
 * on use the fallback); a path uses that library; `undefined` looks it up again.
 */
export function _setSqliteInterruptLibrary(path: string | null | undefined): void {
  library = path;
  interrupter = undefined;
  unavailable = path === null ? 'disabled' : null;
}
