// The behaviour every dialect shares, run against each real database by
// postgres.test.ts, mysql.test.ts and sqlite.test.ts. Each test gets a fresh
// namespace (schema, database or file) from `fixture()` and drops it afterwards.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError, TimeoutError, createTask, run, sleep, timeout } from '../../src/index.js';
import {
  ForeignKeyViolationError,
  NoRowsError,
  NotNullViolationError,
  PoolClosedError,
  TooManyRowsError,
  UniqueViolationError,
  identifier,
  join,
  sql,
  values,
  type Database,
  type Identifier,
  type Sql,
} from '../../src/db/index.js';

export interface Fixture {
  db: Database;
  /** A table name in the fixture's own namespace. */
  table(name: string): Identifier;
  /** Drops the namespace and closes the database. */
  dispose(): Promise<void>;
}

export interface DialectSpec {
  dialect: 'postgres' | 'mysql' | 'sqlite';
  fixture(opts?: { max?: number }): Promise<Fixture>;
  /** `id` integer primary key, `name` unique not null, `n` integer. */
  itemsDdl(t: Identifier): Sql;
  /** A statement that runs for about `seconds` on the server. */
  slow(seconds: number): Sql;
}

export const HOSTILE = [
  "'; DROP TABLE items; --",
  'Robert"); DROP TABLE students;--',
  "\\' OR 1=1 --",
  '$1 ? :name @x `tick`',
  'line\nbreak\ttab \u0000nul?'.replace('\u0000', ''),
  '😀 ünïcödé',
];

export function withFixture(
  spec: DialectSpec,
  body: (f: Fixture) => Promise<void>,
  opts?: { max?: number },
): () => Promise<void> {
  return () =>
    run(async () => {
      const f = await spec.fixture(opts);
      try {
        await body(f);
      } finally {
        await f.dispose();
      }
    });
}

export async function seed(f: Fixture, spec: DialectSpec, n: number): Promise<Identifier> {
  const t = f.table('items');
  await f.db.execute(spec.itemsDdl(t));
  await f.db.transaction(async (tx) => {
    for (let i = 1; i <= n; i++)
      await tx.execute`INSERT INTO ${t} (id, name, n) VALUES (${i}, ${`item ${i}`}, ${i * 10})`;
  });
  return t;
}

export function sharedSuite(spec: DialectSpec): void {
  it(
    'hostile strings travel as parameters and come back unchanged',
    withFixture(spec, async (f) => {
      const t = await seed(f, spec, 0);
      for (const [i, s] of HOSTILE.entries()) {
        await f.db.execute`INSERT INTO ${t} (id, name, n) VALUES (${i + 1}, ${s}, ${0})`;
        const row = await f.db.one<{ name: string }>`SELECT name FROM ${t} WHERE name = ${s}`;
        assert.equal(row.name, s);
      }
      const all = await f.db.query<{ name: string }>`SELECT name FROM ${t} ORDER BY id`;
      assert.deepEqual(
        all.map((r) => r.name),
        HOSTILE,
      );
    }),
  );

  it(
    'query, one, maybeOne and execute return typed rows and counts',
    withFixture(spec, async (f) => {
      const t = await seed(f, spec, 5);
      const rows = await f.db.query<{
        id: number;
        name: string;
      }>`SELECT id, name FROM ${t} WHERE id <= ${3} ORDER BY id`;
      assert.deepEqual(
        rows.map((r) => Number(r.id)),
        [1, 2, 3],
      );
      const one = await f.db.one<{ name: string }>`SELECT name FROM ${t} WHERE id = ${2}`;
      assert.equal(one.name, 'item 2');
      assert.equal(await f.db.maybeOne`SELECT name FROM ${t} WHERE id = ${99}`, null);
      await assert.rejects(f.db.one`SELECT name FROM ${t} WHERE id = ${99}`, NoRowsError);
      await assert.rejects(f.db.maybeOne`SELECT name FROM ${t}`, TooManyRowsError);
      const upd = await f.db.execute`UPDATE ${t} SET n = n + 1 WHERE id > ${2}`;
      assert.equal(upd.rowCount, 3);
      const ids = [1, 3, 5];
      const picked = await f.db.query<{
        id: number;
      }>`SELECT id FROM ${t} WHERE id IN (${join(ids)}) ORDER BY id`;
      assert.deepEqual(
        picked.map((r) => Number(r.id)),
        ids,
      );
    }),
  );

  it(
    'fragments compose with their parameters in order',
    withFixture(spec, async (f) => {
      const t = await seed(f, spec, 10);
      const cond = (lo: number, hi: number): Sql => sql`id BETWEEN ${lo} AND ${hi}`;
      const q = sql`SELECT id FROM ${t} WHERE ${cond(2, 8)} AND ${sql`n > ${40}`} ORDER BY ${identifier('id')} DESC`;
      const rows = await f.db.query<{ id: number }>(q);
      assert.deepEqual(
        rows.map((r) => Number(r.id)),
        [8, 7, 6, 5],
      );
    }),
  );

  it(
    'errors map to classes that keep the driver code',
    withFixture(spec, async (f) => {
      const t = await seed(f, spec, 1);
      const child = f.table('child');
      await f.db
        .execute`CREATE TABLE ${child} (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES ${t} (id))`;
      const dup = await f.db
        .execute`INSERT INTO ${t} (id, name, n) VALUES (${2}, ${'item 1'}, ${0})`.catch(
        (e: unknown) => e,
      );
      assert.ok(dup instanceof UniqueViolationError, String(dup));
      assert.equal(dup.code, 'ERR_DB_UNIQUE_VIOLATION');
      assert.ok(typeof dup.driverCode === 'string' && dup.driverCode.length > 0);
      assert.match(dup.message, /^unique violation: /);
      await assert.rejects(
        f.db.execute`INSERT INTO ${t} (id, name, n) VALUES (${3}, ${null}, ${0})`,
        NotNullViolationError,
      );
      await assert.rejects(
        f.db.execute`INSERT INTO ${child} (id, item_id) VALUES (${1}, ${42})`,
        ForeignKeyViolationError,
      );
      await f.db.execute`DROP TABLE ${child}`;
    }),
  );

  it(
    'stream() fetches in batches and breaking out gives the connection back',
    withFixture(spec, async (f) => {
      const t = await seed(f, spec, 250);
      let n = 0;
      for await (const row of f.db.stream<{ id: number }>(sql`SELECT id FROM ${t} ORDER BY id`, {
        batchSize: 40,
      })) {
        assert.equal(Number(row.id), ++n);
      }
      assert.equal(n, 250);
      const s = f.db.stream<{ id: number }>(sql`SELECT id FROM ${t} ORDER BY id`, {
        batchSize: 10,
      });
      for await (const row of s) if (Number(row.id) === 15) break;
      assert.equal(f.db.statistics().inUse, 0, 'released on break');
      assert.match(String(s), /<RowStream done rows=15>/);
      assert.equal(
        (await f.db.one<{ c: number }>`SELECT count(*) AS c FROM ${t}`).c.toString(),
        '250',
      );
    }),
  );

  it(
    'paginate() walks keyset pages and restarts from a key',
    withFixture(spec, async (f) => {
      const t = await seed(f, spec, 23);
      const q = sql`SELECT id, name FROM ${t}`;
      const pages = [];
      for await (const p of f.db.paginate<{ id: number }>(q, { key: 'id', pageSize: 10 }))
        pages.push(p.rows.map((r) => Number(r.id)));
      assert.deepEqual(
        pages.map((p) => p.length),
        [10, 10, 3],
      );
      assert.deepEqual(
        pages.flat(),
        Array.from({ length: 23 }, (_, i) => i + 1),
      );
      const rest = [];
      for await (const p of f.db.paginate<{ id: number }>(q, {
        key: 'id',
        pageSize: 10,
        after: 20,
      }))
        rest.push(...p.rows.map((r) => Number(r.id)));
      assert.deepEqual(rest, [21, 22, 23]);
      const desc = [];
      for await (const p of f.db.paginate<{ id: number }>(q, {
        key: 'id',
        pageSize: 5,
        after: 4,
        descending: true,
      }))
        desc.push(...p.rows.map((r) => Number(r.id)));
      assert.deepEqual(desc, [3, 2, 1]);
    }),
  );

  it(
    'transaction() commits, rolls back on error and on cancellation; nested = savepoints',
    withFixture(spec, async (f) => {
      const t = await seed(f, spec, 0);
      await f.db.transaction(async (tx) => {
        await tx.execute`INSERT INTO ${t} (id, name, n) VALUES (${1}, ${'a'}, ${0})`;
      });
      await assert.rejects(
        f.db.transaction(async (tx) => {
          await tx.execute`INSERT INTO ${t} (id, name, n) VALUES (${2}, ${'b'}, ${0})`;
          throw new Error('boom');
        }),
        /boom/,
      );
      const task = createTask(() =>
        f.db.transaction(async (tx) => {
          await tx.execute`INSERT INTO ${t} (id, name, n) VALUES (${3}, ${'c'}, ${0})`;
          await sleep('1h');
        }),
      );
      await sleep(50);
      task.cancel();
      await assert.rejects(async () => {
        await task;
      }, CancelledError);
      await f.db.transaction(
        async (tx) => {
          await tx.execute`INSERT INTO ${t} (id, name, n) VALUES (${4}, ${'d'}, ${0})`;
          await assert.rejects(
            tx.transaction(async (sp) => {
              assert.equal(sp.depth, 1);
              await sp.execute`INSERT INTO ${t} (id, name, n) VALUES (${5}, ${'e'}, ${0})`;
              throw new Error('inner');
            }),
            /inner/,
          );
          await tx.transaction(async (sp) => {
            await sp.execute`INSERT INTO ${t} (id, name, n) VALUES (${6}, ${'f'}, ${0})`;
          });
        },
        { isolation: 'serializable' },
      );
      const ids = await f.db.query<{ id: number }>`SELECT id FROM ${t} ORDER BY id`;
      assert.deepEqual(
        ids.map((r) => Number(r.id)),
        [1, 4, 6],
      );
      assert.equal(f.db.statistics().inUse, 0);
    }),
  );

  it(
    'a per-query timeout stops the statement and the pool does not leak',
    withFixture(spec, async (f) => {
      const started = performance.now();
      await assert.rejects(f.db.query(spec.slow(30), { timeout: 300 }), TimeoutError);
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 5000, `timed out after ${Math.round(elapsed)} ms`);
      await assert.rejects(
        timeout(200, () => f.db.query(spec.slow(30))),
        TimeoutError,
      );
      const s = f.db.statistics();
      assert.equal(s.inUse, 0);
      assert.equal(s.waiting, 0);
    }),
  );

  it(
    'close() waits for queries in flight and then refuses new ones',
    withFixture(spec, async (f) => {
      const q = createTask(() => f.db.query(spec.slow(0.3)));
      await sleep(50);
      const closing = f.db.close();
      await assert.rejects(f.db.query`SELECT 1 AS x`, PoolClosedError);
      await q; // completed, not interrupted
      await closing;
      assert.equal(f.db.statistics().size, 0);
      assert.equal(f.db.statistics().state, 'closed');
    }),
  );

  it(
    'batch() runs statements in order in one transaction and reports each',
    withFixture(spec, async (f) => {
      const t = await seed(f, spec, 2);
      const rows = HOSTILE.map((name, i) => [i + 10, name, i]);
      const results = await f.db.batch([
        sql`INSERT INTO ${t} (id, name, n) VALUES ${values(rows)}`,
        sql`UPDATE ${t} SET n = n + ${100} WHERE id >= ${10}`,
        sql`DELETE FROM ${t} WHERE id = ${1}`,
      ]);
      assert.deepEqual(
        results.map((r) => r.rowCount),
        [HOSTILE.length, HOSTILE.length, 1],
      );
      const stored = await f.db.query<{
        id: number;
        name: string;
        n: number;
      }>`SELECT id, name, n FROM ${t} ORDER BY id`;
      assert.deepEqual(
        stored.map((r) => [Number(r.id), r.name, Number(r.n)]),
        [[2, 'item 2', 20], ...rows.map(([id, name, n]) => [id, name, Number(n) + 100])],
      );
      assert.deepEqual(await f.db.batch([]), []);
      assert.equal(f.db.statistics().inUse, 0);
    }),
  );

  it(
    'batch() keeps nothing when a statement fails, and names that statement',
    withFixture(spec, async (f) => {
      const t = await seed(f, spec, 1);
      const failing = sql`INSERT INTO ${t} (id, name, n) VALUES (${3}, ${'item 1'}, ${0})`;
      const err = await f.db
        .batch([
          sql`INSERT INTO ${t} (id, name, n) VALUES (${2}, ${'two'}, ${0})`,
          sql`UPDATE ${t} SET n = ${99}`,
          failing,
          sql`INSERT INTO ${t} (id, name, n) VALUES (${4}, ${'four'}, ${0})`,
        ])
        .then(
          () => assert.fail('the batch should fail'),
          (e: unknown) => e,
        );
      assert.ok(err instanceof UniqueViolationError, String(err));
      assert.equal(err.sql, failing.compile(spec.dialect).text);
      const stored = await f.db.query<{ id: number; n: number }>`SELECT id, n FROM ${t}`;
      assert.deepEqual(
        stored.map((r) => [Number(r.id), Number(r.n)]),
        [[1, 10]],
      );
      await assert.rejects(f.db.batch([sql`SELECT ${1}`, 'SELECT 1' as unknown as Sql]), TypeError);
      assert.equal(f.db.statistics().inUse, 0);
    }),
  );

  it(
    'batch() in a transaction runs inside it and goes with its rollback',
    withFixture(spec, async (f) => {
      const t = await seed(f, spec, 1);
      await assert.rejects(
        f.db.transaction(async (tx) => {
          await tx.batch([
            sql`INSERT INTO ${t} (id, name, n) VALUES ${values([
              [2, 'two', 2],
              [3, 'three', 3],
            ])}`,
            sql`UPDATE ${t} SET n = ${0} WHERE id = ${1}`,
          ]);
          const inside = await tx.one<{ c: number | string }>`SELECT count(*) AS c FROM ${t}`;
          assert.equal(Number(inside.c), 3);
          throw new Error('undo');
        }),
        /undo/,
      );
      const after = await f.db.query<{ id: number; n: number }>`SELECT id, n FROM ${t}`;
      assert.deepEqual(
        after.map((r) => [Number(r.id), Number(r.n)]),
        [[1, 10]],
      );
    }),
  );

  it(
    'a batch that times out stops its statement and keeps nothing',
    withFixture(spec, async (f) => {
      const t = await seed(f, spec, 1);
      await assert.rejects(
        f.db.batch(
          [sql`INSERT INTO ${t} (id, name, n) VALUES (${2}, ${'two'}, ${0})`, spec.slow(30)],
          { timeout: 300 },
        ),
        TimeoutError,
      );
      const stored = await f.db.query<{ id: number }>`SELECT id FROM ${t}`;
      assert.deepEqual(
        stored.map((r) => Number(r.id)),
        [1],
      );
      const s = f.db.statistics();
      assert.equal(s.inUse, 0);
      assert.equal(s.waiting, 0);
    }),
  );
}
