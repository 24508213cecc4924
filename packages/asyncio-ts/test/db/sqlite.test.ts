// SQLite (src/db/sqlite/: a better-sqlite3 connection on its own worker thread)
// with files in a temp dir, one per test.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { createTask, gather, getRunningLoop, run, sleep } from '../../src/index.js';
import { connect, identifier, sql } from '../../src/db/index.js';
import { sqliteInterruptUnavailable } from '../../src/db/sqlite/interrupt.js';
import { seed, sharedSuite, withFixture, type DialectSpec, type Fixture } from './suite.js';

const CTE = (n: number) =>
  sql`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${n}) SELECT count(*) AS n FROM c`;

async function tempDir(): Promise<string> {
  return mkdtemp(joinPath(tmpdir(), 'asyncio-db-'));
}

const spec: DialectSpec = {
  dialect: 'sqlite',
  async fixture() {
    const dir = await tempDir();
    const db = await connect(`sqlite:${joinPath(dir, 'test.db')}`);
    return {
      db,
      table: (name) => identifier(name), // one file per test; SQLite's REFERENCES takes no schema
      async dispose() {
        await db.close();
        await rm(dir, { recursive: true, force: true });
      },
    } satisfies Fixture;
  },
  itemsDdl: (t) =>
    sql`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER)`,
  // About 6.5 million rows a second here. A cancelled one is interrupted inside SQLite
  // (sqlite-cancel.test.ts); only without the interrupt extension is it capped at ~2 s,
  // as an abandoned statement then runs on in its discarded worker until it returns.
  slow: (s) => {
    const seconds = sqliteInterruptUnavailable() === null ? s : Math.min(s, 2);
    return CTE(Math.max(1, Math.round(seconds * 6_500_000)));
  },
};

describe('SQLite', () => {
  sharedSuite(spec);

  it(
    'runs on a worker thread: the loop keeps ticking during a long recursive CTE',
    withFixture(spec, async (f) => {
      const loop = getRunningLoop();
      let ticks = 0;
      let worst = 0;
      let last = loop.time();
      const ticker = createTask(async () => {
        for (;;) {
          await sleep(5);
          const now = loop.time();
          worst = Math.max(worst, now - last);
          last = now;
          ticks++;
        }
      });
      const t0 = loop.time();
      const r = await f.db.one<{ n: number }>(CTE(5_000_000));
      const took = loop.time() - t0;
      ticker.cancel();
      assert.equal(r.n, 5_000_000);
      assert.ok(
        took > 100,
        `the query took ${Math.round(took)} ms (expected long enough to measure)`,
      );
      assert.ok(ticks > took / 50, `${ticks} ticks in ${Math.round(took)} ms`);
      assert.ok(worst < 100, `worst gap between ticks ${Math.round(worst)} ms`);
    }),
  );

  it(
    'file databases use WAL; writes from many tasks are serialised',
    withFixture(spec, async (f) => {
      assert.deepEqual(await f.db.query`PRAGMA journal_mode`, [{ journal_mode: 'wal' }]);
      const t = await seed(f, spec, 0);
      await gather(
        Array.from(
          { length: 50 },
          (_, i) => () =>
            f.db.execute`INSERT INTO ${t} (id, name, n) VALUES (${i + 1}, ${`w${i}`}, ${i})`,
        ),
      );
      assert.equal((await f.db.one<{ c: number }>`SELECT count(*) AS c FROM ${t}`).c, 50);
    }),
  );

  it('synchronous sets how commits wait for the disk (full by default)', () =>
    run(async () => {
      const dir = await tempDir();
      const file = joinPath(dir, 'sync.db');
      try {
        for (const [opt, level] of [
          [undefined, 2],
          ['normal', 1],
          ['off', 0],
        ] as const) {
          const db = await connect(`sqlite:${file}`, opt === undefined ? {} : { synchronous: opt });
          try {
            assert.deepEqual(await db.query`PRAGMA synchronous`, [{ synchronous: level }]);
          } finally {
            await db.close();
          }
        }
        await assert.rejects(
          connect(`sqlite:${file}`, {
            synchronous: 'sometimes' as unknown as 'full',
          }),
          /synchronous must be 'full', 'normal' or 'off'; got sometimes/,
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }));

  it('pageSize sets the page size of a new file; an existing one keeps its own', () =>
    run(async () => {
      const dir = await tempDir();
      const file = joinPath(dir, 'pages.db');
      try {
        const pageSize = async (opts: { pageSize?: number }): Promise<number> => {
          const db = await connect(`sqlite:${file}`, opts);
          try {
            await db.execute`CREATE TABLE IF NOT EXISTS t (x INTEGER)`;
            return (await db.one<{ page_size: number }>`PRAGMA page_size`).page_size;
          } finally {
            await db.close();
          }
        };
        assert.equal(await pageSize({ pageSize: 16384 }), 16384);
        assert.equal(await pageSize({ pageSize: 4096 }), 16384, 'the file keeps its page size');
        assert.equal(await pageSize({}), 16384);
        for (const bad of [1000, 256, 131072, 4096.5]) {
          await assert.rejects(
            connect(`sqlite:${file}`, { pageSize: bad }),
            /pageSize must be a power of two from 512 to 65536/,
          );
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }));

  it(
    'execute() reports lastInsertId; booleans and dates are stored as 1/0 and ISO text',
    withFixture(spec, async (f) => {
      const t = f.table('things');
      await f.db
        .execute`CREATE TABLE ${t} (id INTEGER PRIMARY KEY AUTOINCREMENT, ok INTEGER, at TEXT)`;
      const when = new Date('2024-05-06T07:08:09.000Z');
      const r = await f.db.execute`INSERT INTO ${t} (ok, at) VALUES (${true}, ${when})`;
      assert.deepEqual(r, { rowCount: 1, lastInsertId: 1 });
      assert.deepEqual(await f.db.one`SELECT ok, at FROM ${t}`, {
        ok: 1,
        at: '2024-05-06T07:08:09.000Z',
      });
    }),
  );
});
