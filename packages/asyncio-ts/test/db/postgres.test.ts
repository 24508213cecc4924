// PostgreSQL (src/db/postgres.ts with the pool, queries and transactions) against
// the real server: each test gets its own schema, dropped afterwards.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError, createTask, gather, run, sleep } from '../../src/index.js';
import {
  AcquireTimeoutError,
  ConnectionLostError,
  DeadlockError,
  connect,
  identifier,
  sql,
  type Database,
} from '../../src/db/index.js';
import { PG_URL, pgSkip, uniqueName } from './helpers.js';
import { seed, sharedSuite, withFixture, type DialectSpec, type Fixture } from './suite.js';

const spec: DialectSpec = {
  dialect: 'postgres',
  async fixture(opts) {
    const admin = await connect(PG_URL, { max: 2 });
    const schema = uniqueName('t');
    await admin.execute`CREATE SCHEMA ${identifier(schema)}`;
    const db = await connect(PG_URL, { max: opts?.max ?? 4 });
    return {
      db,
      table: (name) => identifier(schema, name),
      async dispose() {
        await db.close();
        await admin.execute`DROP SCHEMA ${identifier(schema)} CASCADE`;
        await admin.close();
      },
    } satisfies Fixture;
  },
  itemsDdl: (t) =>
    sql`CREATE TABLE ${t} (id integer PRIMARY KEY, name text NOT NULL UNIQUE, n integer)`,
  slow: (s) => sql`SELECT pg_sleep(${s})`,
};

async function activeSleeps(admin: Database, marker: string): Promise<number> {
  const r = await admin.one<{ c: string }>`
    SELECT count(*) AS c FROM pg_stat_activity
    WHERE state = 'active' AND query LIKE ${`%${marker}%`} AND pid <> pg_backend_pid()`;
  return Number(r.c);
}

describe('PostgreSQL', { skip: pgSkip }, () => {
  sharedSuite(spec);

  it(
    'parameters use $n placeholders; values never reach the SQL text',
    withFixture(spec, async (f) => {
      const q = sql`SELECT ${'x'}::text AS a, ${2}::int AS b`;
      assert.deepEqual(q.compile('postgres'), {
        text: 'SELECT $1::text AS a, $2::int AS b',
        values: ['x', 2],
      });
      assert.deepEqual(await f.db.one(q), { a: 'x', b: 2 });
    }),
  );

  it('cancelling a task during pg_sleep stops it on the server and the connection is reused', () =>
    run(async () => {
      const db = await connect(PG_URL, { max: 1 });
      const admin = await connect(PG_URL, { max: 1 });
      try {
        const pid = (await db.one<{ pid: number }>`SELECT pg_backend_pid() AS pid`).pid;
        const t = createTask(() => db.query`SELECT pg_sleep(30) /* cancel-me-pg */`);
        await sleep(200);
        assert.equal(await activeSleeps(admin, 'cancel-me-pg'), 1);
        const t0 = performance.now();
        t.cancel();
        await assert.rejects(async () => {
          await t;
        }, CancelledError);
        assert.ok(performance.now() - t0 < 3000);
        assert.equal(await activeSleeps(admin, 'cancel-me-pg'), 0, 'stopped on the server');
        assert.equal(
          (await db.one<{ pid: number }>`SELECT pg_backend_pid() AS pid`).pid,
          pid,
          'same connection reused',
        );
        assert.equal(db.statistics().inUse, 0);
      } finally {
        await db.close();
        await admin.close();
      }
    }));

  it('a long recursive CTE is cancelled on the server by a timeout', () =>
    run(async () => {
      const db = await connect(PG_URL, { max: 1 });
      try {
        const t0 = performance.now();
        await assert.rejects(
          db.query(
            sql`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT count(*) FROM c`,
            { timeout: 300 },
          ),
          { name: 'TimeoutError' },
        );
        assert.ok(performance.now() - t0 < 3000);
        assert.deepEqual(await db.one`SELECT 1 AS one`, { one: 1 });
      } finally {
        await db.close();
      }
    }));

  it('acquire waits are bounded by acquireTimeout and are cancellation points', () =>
    run(async () => {
      const db = await connect(PG_URL, { max: 1, acquireTimeout: 150 });
      try {
        const holder = createTask(() => db.transaction(() => sleep(600)));
        await sleep(50);
        await assert.rejects(db.query`SELECT 1`, AcquireTimeoutError);
        const waiter = createTask(() => db.query`SELECT 1`);
        await sleep(20);
        assert.equal(db.statistics().waiting, 1);
        waiter.cancel();
        await assert.rejects(async () => {
          await waiter;
        }, CancelledError);
        assert.equal(db.statistics().waiting, 0);
        await holder;
        assert.deepEqual(await db.query`SELECT 1 AS x`, [{ x: 1 }]);
        assert.match(
          String(db),
          /^<Database postgres:\/\/postgres@127\.0\.0\.1:5432\/test open size=1\/1 idle=1 inUse=0 waiting=0>$/,
        );
      } finally {
        await db.close();
      }
    }));

  it('min connections open at connect; idle ones above min close after idleTimeout', () =>
    run(async () => {
      const db = await connect(PG_URL, { min: 2, max: 5, idleTimeout: 100 });
      try {
        assert.equal(db.statistics().size, 2);
        await gather(
          [1, 2, 3, 4, 5].map((i) => () => db.query`SELECT pg_sleep(${0.05}), ${i}::int AS i`),
        );
        assert.equal(db.statistics().size, 5);
        await sleep(400);
        assert.equal(db.statistics().size, 2);
      } finally {
        await db.close();
      }
    }));

  it('the health check discards a connection the server dropped', () =>
    run(async () => {
      const db = await connect(PG_URL, { max: 1, healthCheckAfter: 0 });
      const admin = await connect(PG_URL, { max: 1 });
      try {
        const pid = (await db.one<{ pid: number }>`SELECT pg_backend_pid() AS pid`).pid;
        await admin.query`SELECT pg_terminate_backend(${pid})`;
        await sleep(50);
        const again = await db.one<{ pid: number }>`SELECT pg_backend_pid() AS pid`;
        assert.notEqual(again.pid, pid);
      } finally {
        await db.close();
        await admin.close();
      }
    }));

  it('a connection killed mid-query gives ConnectionLostError and the pool recovers', () =>
    run(async () => {
      const db = await connect(PG_URL, { max: 1 });
      const admin = await connect(PG_URL, { max: 1 });
      try {
        const pid = (await db.one<{ pid: number }>`SELECT pg_backend_pid() AS pid`).pid;
        const q = createTask(() => db.query`SELECT pg_sleep(10)`);
        await sleep(100);
        await admin.query`SELECT pg_terminate_backend(${pid})`;
        await assert.rejects(async () => {
          await q;
        }, ConnectionLostError);
        assert.deepEqual(await db.one`SELECT 2 AS two`, { two: 2 });
      } finally {
        await db.close();
        await admin.close();
      }
    }));

  it(
    'a deadlock becomes DeadlockError (40P01)',
    withFixture(spec, async (f) => {
      const t = await seed(f, spec, 2);
      const lockBoth = (first: number, second: number) => () =>
        f.db.transaction(async (tx) => {
          await tx.execute`UPDATE ${t} SET n = n + 1 WHERE id = ${first}`;
          await sleep(100);
          await tx.execute`UPDATE ${t} SET n = n + 1 WHERE id = ${second}`;
        });
      const results = await gather([lockBoth(1, 2), lockBoth(2, 1)], { returnExceptions: true });
      const errors = results.filter((r) => r instanceof Error);
      assert.equal(errors.length, 1);
      assert.ok(errors[0] instanceof DeadlockError);
      assert.equal(errors[0].driverCode, '40P01');
    }),
  );

  it(
    'stream() inside a transaction uses a cursor of that transaction',
    withFixture(spec, async (f) => {
      const t = await seed(f, spec, 30);
      const seen = await f.db.transaction(async (tx) => {
        let n = 0;
        for await (const _ of tx.stream(sql`SELECT id FROM ${t}`, { batchSize: 7 })) n++;
        await tx.execute`DELETE FROM ${t} WHERE id > ${10}`;
        return n;
      });
      assert.equal(seen, 30);
      assert.equal(Number((await f.db.one<{ c: string }>`SELECT count(*) AS c FROM ${t}`).c), 10);
    }),
  );
});
