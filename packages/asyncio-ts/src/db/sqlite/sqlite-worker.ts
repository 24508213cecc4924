// The worker thread that owns one better-sqlite3 connection. Statements run here,
// one at a time, so a heavy query never blocks the event loop of the main thread.
// The client interrupts a running statement through the interrupt extension and the
// shared state described in protocol.ts.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import {
  INTERRUPTED,
  loadInterruptExtension,
  RUNNING,
  STOPPED,
  type SqliteErrorInfo,
  type SqliteInit,
  type SqliteReply,
  type SqliteRequest,
  type SqliteStartup,
} from './protocol.js';

const init = workerData as SqliteInit;
// require(), not import(): importing a CommonJS package runs a lexer over each of
// its files to find named exports, a few ms of every start of this thread.
const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
const port = parentPort!;
const state = new Int32Array(init.state);

const STATEMENT_CACHE = 256;
let db: BetterSqlite3.Database;
const statements = new Map<string, BetterSqlite3.Statement>();
/** Open cursors; `null` marks one an interrupt ended (its next fetch fails). */
const cursors = new Map<number, IterableIterator<unknown> | null>();

/** The statement prepared last: a batch of one statement per row asks for it each row. */
let lastText = '';
let lastStatement: BetterSqlite3.Statement | null = null;

function prepare(sql: string): BetterSqlite3.Statement {
  if (sql === lastText && lastStatement !== null) return lastStatement;
  lastStatement = cached(sql);
  lastText = sql;
  return lastStatement;
}

function cached(sql: string): BetterSqlite3.Statement {
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

function errorInfo(e: unknown): SqliteErrorInfo {
  const err = e as { message?: unknown; code?: unknown; name?: unknown; batchIndex?: unknown };
  const info: SqliteErrorInfo = {
    message: String(err.message ?? e),
    code: typeof err.code === 'string' ? err.code : undefined,
    name: typeof err.name === 'string' ? err.name : 'Error',
  };
  if (typeof err.batchIndex === 'number') info.batchIndex = err.batchIndex;
  return info;
}

/** A reply with rows (a statement's, not a batch's or an error's). */
type RowsReply = Extract<SqliteReply, { rows: unknown }>;

function ok(
  id: number,
  rows: Record<string, unknown>[],
  rowCount: number,
  lastInsertId: number | bigint | null,
): RowsReply {
  return { id, ok: true, rows, rowCount, lastInsertId };
}

function run(id: number, sql: string, values: unknown[]): RowsReply {
  if (sql === 'ROLLBACK' && !db.inTransaction) {
    // SQLite already rolled the transaction back: an interrupted or failed write
    // does that. As on PostgreSQL and MySQL, a ROLLBACK with nothing to undo succeeds.
    return ok(id, [], 0, null);
  }
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
      return ok(id, [], 0, null);
    }
    throw e;
  }
  if (st.reader) {
    const rows = st.all(...bindable(values)) as Record<string, unknown>[];
    return ok(id, rows, rows.length, null);
  }
  const info = st.run(...bindable(values));
  return ok(id, [], info.changes, info.changes > 0 ? info.lastInsertRowid : null);
}

/** The prepared statement of `sql` when it writes (no rows), else null (run() decides). */
function writer(sql: string): BetterSqlite3.Statement | null {
  if (sql === 'ROLLBACK') return null;
  let st: BetterSqlite3.Statement;
  try {
    st = prepare(sql);
  } catch {
    return null; // a script of several statements, or an error run() reports
  }
  return st.reader ? null : st;
}

// A batch: its statements in order, inside the `begin` statements and COMMIT when
// given (a failure then rolls back); a failure carries the statement's position.
function batch(
  id: number,
  texts: string[],
  sql: number[],
  values: unknown[][],
  begin: string[] | null,
): SqliteReply {
  for (const text of begin ?? []) prepare(text).run();
  const rowCounts = new Array<number>(sql.length);
  const lastInsertIds = new Array<number | bigint | null>(sql.length);
  let i = 0;
  try {
    while (i < sql.length) {
      const t = sql[i]!;
      const st = writer(texts[t]!);
      if (st === null) {
        const r = run(id, texts[t]!, values[i]!);
        rowCounts[i] = r.rowCount;
        lastInsertIds[i] = r.lastInsertId;
        i++;
        continue;
      }
      // A run of one writing statement (one per row, the usual batch): bound and
      // run in a tight loop, without a reply object per row.
      for (; i < sql.length && sql[i] === t; i++) {
        const info = st.run(...bindable(values[i]!));
        rowCounts[i] = info.changes;
        lastInsertIds[i] = info.changes > 0 ? info.lastInsertRowid : null;
      }
    }
    i = -1;
    if (begin !== null) prepare('COMMIT').run();
  } catch (e) {
    if (begin !== null && db.inTransaction) {
      try {
        prepare('ROLLBACK').run();
      } catch {
        // SQLite rolled back already
      }
    }
    if (i >= 0 && typeof e === 'object' && e !== null) Object.assign(e, { batchIndex: i });
    throw e;
  }
  return { id, ok: true, rowCounts, lastInsertIds };
}

function next(id: number, cursor: number, batchSize: number): SqliteReply {
  const it = cursors.get(cursor);
  const rows: Record<string, unknown>[] = [];
  if (it === null) {
    const err = new Error('interrupted: the cursor was closed by a cancelled statement');
    throw Object.assign(err, { code: 'SQLITE_INTERRUPT' });
  }
  if (it !== undefined) {
    try {
      while (rows.length < batchSize) {
        const r = it.next();
        if (r.done === true) {
          cursors.delete(cursor);
          break;
        }
        rows.push(r.value as Record<string, unknown>);
      }
    } catch (e) {
      cursors.delete(cursor); // the iterator is finished; do not report it exhausted later
      throw e;
    }
  }
  return ok(id, rows, rows.length, null);
}

function execute(m: SqliteRequest): SqliteReply {
  switch (m.op) {
    case 'run':
      return run(m.id, m.sql, m.values);
    case 'batch':
      return batch(m.id, m.texts, m.sql, m.values, m.begin);
    case 'open':
      cursors.set(m.cursor, prepare(m.sql).iterate(...bindable(m.values)));
      return ok(m.id, [], 0, null);
    case 'next':
      return next(m.id, m.cursor, m.batchSize);
    case 'close':
      cursors.get(m.cursor)?.return?.();
      cursors.delete(m.cursor);
      return ok(m.id, [], 0, null);
    case 'shutdown':
      closeConnection();
      return ok(m.id, [], 0, null);
  }
}

// Closes the connection (rolling back an open transaction); closing the port then
// lets the thread end.
function closeConnection(): void {
  for (const it of cursors.values()) it?.return?.();
  cursors.clear();
  db.close();
}

// The request is over: take it back from the client (RUNNING in protocol.ts), waiting
// out an interrupt being delivered right now. Only then is the reply sent, so the
// client never interrupts a request it already has the answer to.
function finish(id: number): void {
  for (;;) {
    const seen = Atomics.compareExchange(state, RUNNING, id, 0);
    if (seen !== -id) break; // id: taken back (nothing else can be there)
    Atomics.wait(state, RUNNING, -id);
  }
  if (Atomics.load(state, INTERRUPTED) === id) afterInterrupt();
}

// SQLite clears its interrupt flag when a statement starts while none is active; an
// open cursor is active, and would make every later statement fail as interrupted.
// An interrupt is meant to stop everything running on the connection: close them.
function afterInterrupt(): void {
  for (const [k, it] of cursors) {
    if (it === null) continue;
    try {
      it.return?.();
    } catch {
      // closed anyway
    }
    cursors.set(k, null);
  }
}

function handle(m: SqliteRequest): void {
  if (Atomics.load(state, STOPPED) !== 0) {
    // Destroyed by the client, which rejected this request already and posted one
    // more message to wake an idle thread.
    if (db.open) closeConnection();
    port.close();
    return;
  }
  Atomics.store(state, RUNNING, m.id);
  let reply: SqliteReply;
  try {
    reply = execute(m);
  } catch (e) {
    reply = { id: m.id, ok: false, error: errorInfo(e) };
  }
  finish(m.id);
  port.postMessage(reply);
  if (m.op === 'shutdown') port.close();
}

// The connection's slot in the interrupt extension (interrupt.ts), or null: then the
// client falls back to discarding the connection on cancellation.
function interruptSlot(): number | null {
  if (init.interruptLibrary === null) return null;
  try {
    loadInterruptExtension(db, init.interruptLibrary);
    return db.prepare<[], number>('SELECT asyncio_interrupt_slot()').pluck().get() ?? null;
  } catch {
    return null;
  }
}

let startup: SqliteStartup;
try {
  db = new Database(init.path, { timeout: init.busyTimeoutMs });
  // Before WAL: a database in WAL mode keeps the page size it has.
  if (init.pageSize !== null) db.pragma(`page_size = ${init.pageSize}`);
  if (init.wal && init.path !== ':memory:' && init.path !== '') db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${init.synchronous}`);
  db.pragma('foreign_keys = ON');
  db.defaultSafeIntegers(false);
  startup = { ok: true, slot: interruptSlot() };
  port.on('message', handle);
} catch (e) {
  startup = { ok: false, error: errorInfo(e) };
}
port.postMessage(startup);
if (!startup.ok) port.close();
