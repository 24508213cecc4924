/**
 * E10: the same small program on SQLite, PostgreSQL and MariaDB.
 *
 * For each database: create a table, insert rows in a transaction, read them back
 * with a parameterised query (a hostile string included), page through them with
 * keyset pagination, stream them, and stop a slow statement with a timeout (it is
 * cancelled on the server). A database that is not reachable is skipped with a line
 * saying so. Exits 0 when every reachable database passed, 1 otherwise.
 *
 * Run: `npm run build && node examples/dist/e10-database.js`
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TimeoutError, getRunningLoop, run } from 'asyncio-ts';
import {
  ConnectionLostError,
  connect,
  identifier,
  sql,
  type Database,
  type Sql,
} from 'asyncio-ts/db';

interface Target {
  name: string;
  url: string;
  slow: Sql;
}

async function exercise(db: Database, slow: Sql): Promise<void> {
  const loop = getRunningLoop();
  const t = identifier(`e10_books_${process.pid}`);
  await db.execute`DROP TABLE IF EXISTS ${t}`;
  await db.execute`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, title VARCHAR(200) NOT NULL UNIQUE)`;
  try {
    const titles = ['Dune', "Ender's Game", "'; DROP TABLE books; --", 'Hyperion', 'Neuromancer'];
    await db.transaction(async (tx) => {
      for (const [i, title] of titles.entries())
        await tx.execute`INSERT INTO ${t} (id, title) VALUES (${i + 1}, ${title})`;
    });
    const hostile = await db.one<{ id: number }>`SELECT id FROM ${t} WHERE title = ${titles[2]}`;
    console.log(`  the hostile title is just a value: row ${hostile.id}`);

    const pages: number[][] = [];
    for await (const page of db.paginate<{ id: number }>(sql`SELECT id, title FROM ${t}`, {
      key: 'id',
      pageSize: 2,
    })) {
      pages.push(page.rows.map((r) => Number(r.id)));
    }
    console.log(`  keyset pages of 2: ${JSON.stringify(pages)}`);
    assert.deepEqual(pages, [[1, 2], [3, 4], [5]]);

    let streamed = 0;
    for await (const _ of db.stream(sql`SELECT id FROM ${t} ORDER BY id`, { batchSize: 2 }))
      streamed++;
    assert.equal(streamed, titles.length);

    const t0 = loop.time();
    try {
      await db.query(slow, { timeout: '250ms' });
      assert.fail('the slow statement should have timed out');
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
    }
    console.log(
      `  a slow statement was cancelled on the server after ${Math.round(loop.time() - t0)} ms`,
    );
    assert.equal(db.statistics().inUse, 0);
  } finally {
    await db.execute`DROP TABLE IF EXISTS ${t}`;
  }
}

async function main(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'e10-'));
  const targets: Target[] = [
    {
      name: 'SQLite',
      url: `sqlite:${join(dir, 'books.db')}`,
      slow: sql`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${5_000_000}) SELECT count(*) AS n FROM c`,
    },
    {
      name: 'PostgreSQL',
      url: process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      slow: sql`SELECT pg_sleep(${10})`,
    },
    {
      name: 'MariaDB',
      url: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
      slow: sql`SELECT SLEEP(${10}) AS s`,
    },
  ];
  let failures = 0;
  try {
    for (const target of targets) {
      console.log(`${target.name}:`);
      let db: Database;
      try {
        db = await connect(target.url, { max: 4, acquireTimeout: '5s' });
      } catch (e) {
        if (e instanceof ConnectionLostError) {
          console.log(`  skipped: ${target.name} is not reachable (${e.message})`);
          continue;
        }
        throw e;
      }
      try {
        await exercise(db, target.slow);
        console.log('  ok');
      } catch (e) {
        failures++;
        console.log(`  FAILED: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        await db.close();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return failures === 0 ? 0 : 1;
}

process.exitCode = await run(main);
