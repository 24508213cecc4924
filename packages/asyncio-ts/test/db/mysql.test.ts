// MySQL / MariaDB (src/db/mysql.ts with the pool, queries and transactions) against
// the real server: each test gets its own database, dropped afterwards.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError, createTask, gather, run, sleep } from '../../src/index.js';
import {
  ConnectionLostError,
  DeadlockError,
  connect,
  identifier,
  sql,
  type Database,
} from '../../src/db/index.js';
import { MYSQL_URL, mysqlSkip, uniqueName } from './helpers.js';
import { seed, sharedSuite, withFixture, type DialectSpec, type Fixture } from './suite.js';

const spec: DialectSpec = {
  dialect: 'mysql',
  async fixture(opts) {
    const admin = await connect(MYSQL_URL, { max: 2 });
    const name = uniqueName('t');
    await admin.execute`CREATE DATABASE ${identifier(name)}`;
    const db = await connect(MYSQL_URL, { max: opts?.max ?? 4 });
    return {
      db,
      table: (t) => identifier(name, t),
      async dispose() {
        await db.close();
        await admin.execute`DROP DATABASE ${identifier(name)}`;
        await admin.close();
      },
    } satisfies Fixture;
  },
  itemsDdl: (t) =>
    sql`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL UNIQUE, n INTEGER) ENGINE=InnoDB`,
  slow: (s) => sql`SELECT SLEEP(${s}) AS slept`,
};

/** Test-only: a statement text built from a checked number (KILL cannot be prepared). */
function trustedText(text: string): ReturnType<typeof sql> {
  return sql(Object.assign([text], { raw: [text] }));
}

async function running(admin: Database, marker: string): Promise<number> {
  const rows = await admin.query<{ INFO: string | null; COMMAND: string }>`
    SELECT INFO, COMMAND FROM information_schema.PROCESSLIST WHERE INFO LIKE ${`%${marker}%`} AND ID <> CONNECTION_ID()`;
  return rows.length;
}

describe('MySQL / MariaDB', { skip: mysqlSkip }, () => {
  sharedSuite(spec);

  it('parameters use ? placeholders and identifiers backticks', () => {
    const q = sql`SELECT ${'x'} AS a FROM ${identifier('my`db', 't')}`;
    assert.deepEqual(q.compile('mysql'), {
      text: 'SELECT ? AS a FROM `my``db`.`t`',
      values: ['x'],
    });
  });

  it(
    'execute() reports lastInsertId of an AUTO_INCREMENT column',
    withFixture(spec, async (f) => {
      const t = f.table('auto');
      await f.db.execute`CREATE TABLE ${t} (id INTEGER AUTO_INCREMENT PRIMARY KEY, v TEXT)`;
      const a = await f.db.execute`INSERT INTO ${t} (v) VALUES (${'a'})`;
      const b = await f.db.execute`INSERT INTO ${t} (v) VALUES (${'b'})`;
      assert.deepEqual([a.rowCount, a.lastInsertId, b.lastInsertId], [1, 1, 2]);
    }),
  );

  it('cancelling a task during SLEEP() runs KILL QUERY: gone from the process list, connection reused', () =>
    run(async () => {
      const db = await connect(MYSQL_URL, { max: 1 });
      const admin = await connect(MYSQL_URL, { max: 1 });
      try {
        const id = (await db.one<{ id: number }>`SELECT CONNECTION_ID() AS id`).id;
        const t = createTask(() => db.query`SELECT SLEEP(30) /* cancel-me-my */`);
        await sleep(200);
        assert.equal(await running(admin, 'cancel-me-my'), 1);
        const t0 = performance.now();
        t.cancel();
        await assert.rejects(async () => {
          await t;
        }, CancelledError);
        assert.ok(performance.now() - t0 < 3000);
        assert.equal(await running(admin, 'cancel-me-my'), 0, 'stopped on the server');
        assert.equal(
          (await db.one<{ id: number }>`SELECT CONNECTION_ID() AS id`).id,
          id,
          'same connection reused',
        );
        assert.equal(db.statistics().inUse, 0);
      } finally {
        await db.close();
        await admin.close();
      }
    }));

  it('a long recursive CTE is stopped on the server by a timeout', () =>
    run(async () => {
      const db = await connect(MYSQL_URL, { max: 1 });
      const admin = await connect(MYSQL_URL, { max: 1 });
      try {
        await db.execute`SET SESSION max_recursive_iterations = 1000000000`;
        await assert.rejects(
          db.query(
            sql`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT count(*) /* cte-my */ FROM c`,
            { timeout: 300 },
          ),
          { name: 'TimeoutError' },
        );
        assert.equal(await running(admin, 'cte-my'), 0);
        assert.deepEqual(await db.one`SELECT 1 AS one`, { one: 1 });
      } finally {
        await db.close();
        await admin.close();
      }
    }));

  it('a connection killed mid-query gives ConnectionLostError and the pool recovers', () =>
    run(async () => {
      const db = await connect(MYSQL_URL, { max: 1 });
      const admin = await connect(MYSQL_URL, { max: 1 });
      try {
        const id = (await db.one<{ id: number }>`SELECT CONNECTION_ID() AS id`).id;
        const q = createTask(() => db.query`SELECT SLEEP(10)`);
        await sleep(100);
        await admin.execute(trustedText(`KILL CONNECTION ${Number(id)}`)); // KILL takes no parameters
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
    'a deadlock becomes DeadlockError (ER_LOCK_DEADLOCK)',
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
      assert.ok(errors[0] instanceof DeadlockError, String(errors[0]));
      assert.equal(errors[0].driverCode, 'ER_LOCK_DEADLOCK');
    }),
  );
});
