// Cancelling SQLite statements (src/db/sqlite/: interrupt.ts, native/sqlite-interrupt.c):
// a running statement is interrupted inside SQLite and its connection goes on, and
// without the extension the connection is discarded instead. Real time: the work is
// real SQLite work, so each test measures how long the uninterrupted statement would
// run and asserts that cancelling returns in a tenth of that, never a tight figure.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import {
  CancelledError,
  TimeoutError,
  createTask,
  run,
  sleep,
  timeout,
  type Task,
} from '../../src/index.js';
import {
  ConnectionLostError,
  connect,
  identifier,
  sql,
  type Database,
} from '../../src/db/index.js';
import { sqliteDriver } from '../../src/db/sqlite/client.js';
import {
  _setSqliteInterruptLibrary,
  sqliteInterruptUnavailable,
  sqliteInterrupter,
} from '../../src/db/sqlite/interrupt.js';

const CTE = (n: number) =>
  sql`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${n}) SELECT count(*) AS n FROM c`;
const CTE_TEXT = (n: number) =>
  `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${n}) SELECT count(*) AS n FROM c`;
const TEN =
  'WITH RECURSIVE c(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM c WHERE v < 10) SELECT v FROM c';

/** Rows of the CTE a millisecond, measured once on this machine (it varies with load). */
let rowsPerMs = 0;
/** A CTE that would run for about 30 s uninterrupted. */
let longRows = 0;
const LONG_MS = 30_000;
let dir = '';

before(async () => {
  dir = await mkdtemp(joinPath(tmpdir(), 'asyncio-db-cancel-'));
  await run(async () => {
    const db = await connect('sqlite::memory:');
    try {
      await db.one(CTE(100_000)); // warm up
      const t0 = performance.now();
      await db.one(CTE(2_000_000));
      rowsPerMs = 2_000_000 / Math.max(1, performance.now() - t0);
      longRows = Math.round(rowsPerMs * LONG_MS);
    } finally {
      await db.close();
    }
  });
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

let files = 0;
function withDb(body: (db: Database) => Promise<void>, url?: string): () => Promise<void> {
  return () =>
    run(async () => {
      const db = await connect(url ?? `sqlite:${joinPath(dir, `t${++files}.db`)}`);
      try {
        await body(db);
      } finally {
        await db.close();
      }
    });
}

/** Which connection answers: its slot in the interrupt extension, never reused. */
async function slotOf(db: Database): Promise<number> {
  return (await db.one<{ s: number }>`SELECT asyncio_interrupt_slot() AS s`).s;
}

/** Cancels the task `q` and returns how long it took to reject with `CancelledError`. */
async function msUntilCancelled(q: Task<unknown>): Promise<number> {
  const t0 = performance.now();
  q.cancel();
  await assert.rejects(async () => {
    await q;
  }, CancelledError);
  return performance.now() - t0;
}

function assertPrompt(ms: number, what: string): void {
  assert.ok(
    ms < LONG_MS / 10,
    `${what} took ${Math.round(ms)} ms; the statement would have run ~${LONG_MS} ms (${Math.round(rowsPerMs)} rows/ms)`,
  );
}

describe('SQLite cancellation with the interrupt extension', () => {
  it('the extension is built and loaded (else: npm run build:native -w asyncio-ts)', () => {
    assert.equal(sqliteInterruptUnavailable(), null);
    assert.ok(sqliteInterrupter() !== null);
  });

  it(
    'task.cancel() stops a long recursive CTE inside SQLite; the same connection runs the next query',
    withDb(async (db) => {
      const slot = await slotOf(db);
      await db.execute`CREATE TEMP TABLE marker (x INTEGER)`; // lives only on this connection
      const q = createTask(() => db.one(CTE(longRows)));
      await sleep(100);
      assert.equal(db.statistics().inUse, 1);
      assertPrompt(await msUntilCancelled(q), 'cancel');
      // The worker is free at once: had the statement been abandoned rather than
      // stopped, this query would queue behind it for the rest of its ~30 s.
      const t0 = performance.now();
      assert.deepEqual(await db.one`SELECT 7 AS x`, { x: 7 });
      assertPrompt(performance.now() - t0, 'the next query');
      assert.equal(await slotOf(db), slot);
      assert.deepEqual(await db.query`SELECT x FROM marker`, []);
      assert.deepEqual(
        { ...db.statistics() },
        { size: 1, idle: 1, inUse: 0, waiting: 0, min: 0, max: 1, state: 'open' },
      );
    }),
  );

  it(
    'a per-query timeout and a timeout() scope stop it too, with TimeoutError',
    withDb(async (db) => {
      const slot = await slotOf(db);
      const t0 = performance.now();
      await assert.rejects(db.query(CTE(longRows), { timeout: 150 }), TimeoutError);
      assertPrompt(performance.now() - t0, 'the per-query timeout');
      const t1 = performance.now();
      await assert.rejects(
        timeout(150, () => db.query(CTE(longRows))),
        TimeoutError,
      );
      assertPrompt(performance.now() - t1, 'the timeout() scope');
      assert.equal(await slotOf(db), slot);
      assert.equal(db.statistics().inUse, 0);
      assert.equal(db.statistics().size, 1);
    }),
  );

  it(
    'an interrupted write rolls its transaction back; the database is intact and the connection reused',
    withDb(async (db) => {
      const t = identifier('items');
      const bulk = identifier('bulk');
      await db.execute`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`;
      await db.execute`CREATE TABLE ${bulk} (x INTEGER NOT NULL)`;
      await db.execute`INSERT INTO ${t} (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')`;
      const slot = await slotOf(db);
      let inserted = false;
      const q = createTask(() =>
        db.transaction(async (tx) => {
          await tx.execute`INSERT INTO ${t} (id, name) VALUES (${4}, ${'d'})`;
          await tx.execute`DELETE FROM ${t} WHERE id = ${1}`;
          inserted = true;
          // A write that runs long: SQLite rolls the whole transaction back when it
          // is interrupted, and ROLLBACK then has nothing left to undo.
          await tx.execute`INSERT INTO ${bulk} (x)
            SELECT x FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${longRows}) SELECT x FROM c)`;
        }),
      );
      await sleep(200);
      assert.ok(inserted, 'the transaction reached its long write');
      assertPrompt(await msUntilCancelled(q), 'cancel');
      const ids = await db.query<{ id: number }>`SELECT id FROM ${t} ORDER BY id`;
      assert.deepEqual(
        ids.map((r) => r.id),
        [1, 2, 3],
      );
      assert.deepEqual(await db.one`SELECT count(*) AS n FROM ${bulk}`, { n: 0 });
      assert.deepEqual(await db.query`PRAGMA integrity_check`, [{ integrity_check: 'ok' }]);
      assert.equal(await slotOf(db), slot);
      await db.transaction(async (tx) => {
        await tx.execute`INSERT INTO ${t} (id, name) VALUES (${5}, ${'e'})`;
      });
      assert.deepEqual(await db.one`SELECT count(*) AS n FROM ${t}`, { n: 4 });
      assert.equal(db.statistics().inUse, 0);
    }),
  );

  it(
    'an interrupted read in a write transaction: the body is rolled back and the connection reused',
    withDb(async (db) => {
      const t = identifier('items');
      await db.execute`CREATE TABLE ${t} (id INTEGER PRIMARY KEY)`;
      const slot = await slotOf(db);
      const q = createTask(() =>
        db.transaction(async (tx) => {
          await tx.execute`INSERT INTO ${t} (id) VALUES (${1})`;
          await tx.query(CTE(longRows));
        }),
      );
      await sleep(150);
      assertPrompt(await msUntilCancelled(q), 'cancel');
      assert.deepEqual(await db.one`SELECT count(*) AS n FROM ${t}`, { n: 0 });
      assert.equal(await slotOf(db), slot);
    }),
  );

  it(
    'a stream cancelled while SQLite computes its first batch stops; the connection is reused',
    withDb(async (db) => {
      const slot = await slotOf(db);
      const q = createTask(async () => {
        // One row at the very end: the first fetch runs the whole CTE.
        const rows = db.stream(
          sql`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${longRows}) SELECT x FROM c WHERE x = ${longRows}`,
        );
        for await (const row of rows) return row;
        return null;
      });
      await sleep(150);
      assertPrompt(await msUntilCancelled(q), 'cancel');
      assert.equal(await slotOf(db), slot);
      assert.equal(db.statistics().inUse, 0);
    }),
  );

  it(
    'sqlite::memory: survives a cancelled statement with its data',
    withDb(async (db) => {
      await db.execute`CREATE TABLE t (x INTEGER)`;
      await db.execute`INSERT INTO t VALUES (${1})`;
      await assert.rejects(db.query(CTE(longRows), { timeout: 100 }), TimeoutError);
      assert.deepEqual(await db.query`SELECT x FROM t`, [{ x: 1 }]);
    }, 'sqlite::memory:'),
  );

  it('close() takes the connection out of the extension: no slot is left behind', async () => {
    let slot = 0;
    await withDb(async (db) => {
      slot = await slotOf(db);
      assert.equal(sqliteInterrupter()!.interrupt(slot), true); // idle: a no-op for SQLite
      assert.deepEqual(await db.one`SELECT 1 AS x`, { x: 1 });
    })();
    assert.equal(sqliteInterrupter()!.interrupt(slot), false);
  });
});

describe('SQLite interrupt: the driver connection', () => {
  // The contract under the pool: an interrupt reaches only the statement running,
  // and never leaves SQLite's interrupt flag set for a later one.
  it('cancel() on an idle connection touches nothing, not even an open cursor', () =>
    run(async () => {
      const conn = await sqliteDriver(':memory:', {}).connect();
      try {
        const cursor = await conn.openCursor(TEN, [], 3, false);
        assert.deepEqual(await cursor.next(), [{ v: 1 }, { v: 2 }, { v: 3 }]);
        await conn.cancel();
        await conn.cancel();
        assert.deepEqual(await cursor.next(), [{ v: 4 }, { v: 5 }, { v: 6 }]);
        assert.deepEqual((await conn.run('SELECT 2 AS x', [])).rows, [{ x: 2 }]);
        await cursor.close();
      } finally {
        await conn.close();
      }
    }));

  it('an interrupt ends the open cursors too, and the next statement runs normally', () =>
    run(async () => {
      const conn = await sqliteDriver(':memory:', {}).connect();
      try {
        assert.equal(conn.reusableAfterCancel, true);
        const cursor = await conn.openCursor(TEN, [], 3, false);
        assert.deepEqual(await cursor.next(), [{ v: 1 }, { v: 2 }, { v: 3 }]);
        const long = conn.run(CTE_TEXT(longRows), []);
        await sleep(100);
        const t0 = performance.now();
        await conn.cancel();
        await assert.rejects(long, { code: 'SQLITE_INTERRUPT' });
        assertPrompt(performance.now() - t0, 'the interrupt');
        // Left open, the cursor would keep SQLite's interrupt flag set for every
        // statement after this one; it was closed, and says so.
        await assert.rejects(cursor.next(), {
          code: 'SQLITE_INTERRUPT',
          message: /cursor was closed/,
        });
        assert.deepEqual((await conn.run('SELECT 2 AS x', [])).rows, [{ x: 2 }]);
        await cursor.close();
        assert.equal(conn.broken, false);
      } finally {
        await conn.close();
      }
    }));

  it('destroy() interrupts the running statement, so the worker thread ends at once', () =>
    run(async () => {
      const conn = await sqliteDriver(':memory:', {}).connect();
      const slot = (await conn.run('SELECT asyncio_interrupt_slot() AS s', [])).rows[0]!
        .s as number;
      const long = conn.run(CTE_TEXT(longRows), []);
      await sleep(100);
      conn.destroy();
      await assert.rejects(long, ConnectionLostError);
      assert.equal(conn.broken, true);
      await conn.close(); // a no-op now
      // The thread closed its connection on the way out, so the slot is gone; had the
      // statement not been interrupted, it would still run (this probe would stop it).
      await sleep(1000);
      assert.equal(sqliteInterrupter()!.interrupt(slot), false);
    }));
});

describe('SQLite cancellation without the extension (the fallback)', () => {
  // Capped: an abandoned statement runs on in its terminated worker until it returns.
  const ABANDONED = 2_000;
  before(() => _setSqliteInterruptLibrary(null));
  after(() => _setSqliteInterruptLibrary(undefined));

  it(
    'a cancelled CTE releases the caller at once; the file database goes on with a new worker',
    withDb(async (db) => {
      const rows = Math.round(rowsPerMs * ABANDONED);
      const q = createTask(() => db.query(CTE(rows)));
      await sleep(100);
      const ms = await msUntilCancelled(q);
      assert.ok(ms < ABANDONED / 2, `released after ${Math.round(ms)} ms`);
      await assert.rejects(db.one`SELECT asyncio_interrupt_slot() AS s`, /no such function/);
      assert.deepEqual(await db.one`SELECT 7 AS x`, { x: 7 });
      assert.equal(db.statistics().inUse, 0);
    }),
  );

  it(
    'sqlite::memory: is lost with its worker, and says so',
    withDb(async (db) => {
      await db.execute`CREATE TABLE t (x INTEGER)`;
      const rows = Math.round(rowsPerMs * ABANDONED);
      await assert.rejects(db.query(CTE(rows), { timeout: 100 }), TimeoutError);
      await assert.rejects(
        db.query`SELECT x FROM t`,
        (e: unknown) =>
          e instanceof ConnectionLostError && /in-memory SQLite database was lost/.test(e.message),
      );
    }, 'sqlite::memory:'),
  );
});
