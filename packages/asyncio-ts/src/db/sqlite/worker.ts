// The worker thread that owns one better-sqlite3 connection. Statements run here,
// one at a time, so a heavy query never blocks the event loop of the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteInit, SqliteReply, SqliteRequest } from './protocol.js';

const init = workerData as SqliteInit;
const { default: Database } = (await import('better-sqlite3')) as { default: typeof BetterSqlite3 };
const port = parentPort!;

const STATEMENT_CACHE = 256;
let db: BetterSqlite3.Database;
const statements = new Map<string, BetterSqlite3.Statement>();
const cursors = new Map<number, IterableIterator<unknown>>();

function prepare(sql: string): BetterSqlite3.Statement {
  let st = statements.get(sql);
  if (st !== undefined) {
    statements.delete(sql);
    statements.set(sql, st); // most recently used last
    return st;
  }
  st = db.prepare(sql);
  statements.set(sql, st);
  if (statements.size > STATEMENT_CACHE) statements.delete(statements.keys().next().value!);
  return st;
}

function bindable(values: unknown[]): unknown[] {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === undefined) values[i] = null;
    else if (typeof v === 'boolean') values[i] = v ? 1 : 0;
    else if (v instanceof Date) values[i] = v.toISOString();
  }
  return values;
}

function fail(id: number, e: unknown): void {
  const err = e as { message?: unknown; code?: unknown; name?: unknown };
  const reply: SqliteReply = {
    id,
    ok: false,
    error: {
      message: String(err.message ?? e),
      code: typeof err.code === 'string' ? err.code : undefined,
      name: typeof err.name === 'string' ? err.name : 'Error',
    },
  };
  port.postMessage(reply);
}

function ok(
  id: number,
  rows: Record<string, unknown>[],
  rowCount: number,
  lastInsertId: number | bigint | null,
): void {
  const reply: SqliteReply = { id, ok: true, rows, rowCount, lastInsertId };
  port.postMessage(reply);
}

function run(id: number, sql: string, values: unknown[]): void {
  let st: BetterSqlite3.Statement;
  try {
    st = prepare(sql);
  } catch (e) {
    // A script of several statements (migrations) without values runs as a whole.
    if (
      values.length === 0 &&
      e instanceof RangeError &&
      /more than one statement/.test(e.message)
    ) {
      db.exec(sql);
      ok(id, [], 0, null);
      return;
    }
    throw e;
  }
  if (st.reader) {
    const rows = st.all(...bindable(values)) as Record<string, unknown>[];
    ok(id, rows, rows.length, null);
  } else {
    const info = st.run(...bindable(values));
    ok(id, [], info.changes, info.changes > 0 ? info.lastInsertRowid : null);
  }
}

function next(id: number, cursor: number, batchSize: number): void {
  const it = cursors.get(cursor);
  const rows: Record<string, unknown>[] = [];
  if (it !== undefined) {
    while (rows.length < batchSize) {
      const r = it.next();
      if (r.done === true) {
        cursors.delete(cursor);
        break;
      }
      rows.push(r.value as Record<string, unknown>);
    }
  }
  ok(id, rows, rows.length, null);
}

function handle(m: SqliteRequest): void {
  try {
    switch (m.op) {
      case 'run':
        run(m.id, m.sql, m.values);
        break;
      case 'open':
        cursors.set(m.cursor, prepare(m.sql).iterate(...bindable(m.values)));
        ok(m.id, [], 0, null);
        break;
      case 'next':
        next(m.id, m.cursor, m.batchSize);
        break;
      case 'close':
        cursors.get(m.cursor)?.return?.();
        cursors.delete(m.cursor);
        ok(m.id, [], 0, null);
        break;
      case 'shutdown':
        for (const it of cursors.values()) it.return?.();
        db.close();
        ok(m.id, [], 0, null);
        port.close();
        break;
    }
  } catch (e) {
    fail(m.id, e);
  }
}

try {
  db = new Database(init.path, { timeout: init.busyTimeoutMs });
  if (init.wal && init.path !== ':memory:' && init.path !== '') db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.defaultSafeIntegers(false);
  ok(0, [], 0, null);
  port.on('message', handle);
} catch (e) {
  fail(0, e);
  port.close();
}
