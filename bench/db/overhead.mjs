// Overhead of asyncio-ts/db against the raw driver, PostgreSQL (pg) and MariaDB (mysql2):
//   select: 10,000 primary-key selects at concurrency 16 (pool of 16 both sides)
//   insert: 10,000 single-row INSERTs in one transaction
// Runs are interleaved (raw, ours, raw, ours...) after a warm-up; medians are reported.
// Run: npm run build && node bench/db/overhead.mjs [runs=7] [postgres|mysql ...]
import { createRequire } from 'node:module';
import { run } from 'asyncio-ts';
import { connect, identifier } from 'asyncio-ts/db';

const require = createRequire(new URL('../../packages/asyncio-ts/package.json', import.meta.url));
const pg = require('pg');
const mysql = require('mysql2/promise');
const N = 10_000;
const C = 16;
const RUNS = Number(process.argv[2] ?? 7);
const which = process.argv.slice(3);
const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

async function concurrently(fn) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next < N) await fn((next++ % N) + 1);
    }),
  );
  return performance.now() - t0;
}

async function bench(name, url, raw) {
  const table = `bench_db_${process.pid}`;
  const t = identifier(table);
  const db = await connect(url, { max: C, min: C });
  await db.execute`DROP TABLE IF EXISTS ${t}`;
  await db.execute`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL)`;
  await db.transaction(async (tx) => {
    for (let i = 1; i <= N; i++)
      await tx.execute`INSERT INTO ${t} (id, name) VALUES (${i}, ${'name ' + i})`;
  });
  await db.execute`CREATE TABLE ${identifier(table + '_ins')} (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL)`;
  const ti = identifier(table + '_ins');
  const r = await raw.open(table);
  const out = { rawSelect: [], oursSelect: [], rawInsert: [], oursInsert: [] };
  for (let i = 0; i <= RUNS; i++) {
    const a = await concurrently((id) => r.select(id));
    const b = await concurrently((id) => db.query`SELECT id, name FROM ${t} WHERE id = ${id}`);
    await db.execute`DELETE FROM ${ti}`;
    const c = await r.insertAll();
    await db.execute`DELETE FROM ${ti}`;
    let t0 = performance.now();
    await db.transaction(async (tx) => {
      for (let k = 1; k <= N; k++)
        await tx.execute`INSERT INTO ${ti} (id, name) VALUES (${k}, ${'n' + k})`;
    });
    const d = performance.now() - t0;
    if (i === 0) continue; // warm-up
    out.rawSelect.push(a);
    out.oursSelect.push(b);
    out.rawInsert.push(c);
    out.oursInsert.push(d);
  }
  await r.close();
  await db.execute`DROP TABLE ${t}`;
  await db.execute`DROP TABLE ${ti}`;
  await db.close();
  const pct = (ours, raw) => `${(((median(ours) - median(raw)) / median(raw)) * 100).toFixed(1)}%`;
  console.log(
    `${name.padEnd(9)} select ${N}@${C}: raw ${median(out.rawSelect).toFixed(0)} ms, ours ${median(out.oursSelect).toFixed(0)} ms (${pct(out.oursSelect, out.rawSelect)})` +
      ` | insert ${N} in tx: raw ${median(out.rawInsert).toFixed(0)} ms, ours ${median(out.oursInsert).toFixed(0)} ms (${pct(out.oursInsert, out.rawInsert)})`,
  );
}

const rawPg = {
  async open(table) {
    const pool = new pg.Pool({ connectionString: PG_URL, max: C });
    await Promise.all(Array.from({ length: C }, () => pool.query('SELECT 1')));
    return {
      select: (id) => pool.query(`SELECT id, name FROM "${table}" WHERE id = $1`, [id]),
      async insertAll() {
        const t0 = performance.now();
        const c = await pool.connect();
        await c.query('BEGIN');
        for (let k = 1; k <= N; k++)
          await c.query(`INSERT INTO "${table}_ins" (id, name) VALUES ($1, $2)`, [k, 'n' + k]);
        await c.query('COMMIT');
        c.release();
        return performance.now() - t0;
      },
      close: () => pool.end(),
    };
  },
};

const rawMysql = {
  async open(table) {
    const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: C });
    await Promise.all(Array.from({ length: C }, () => pool.query('SELECT 1')));
    return {
      select: (id) => pool.execute(`SELECT id, name FROM \`${table}\` WHERE id = ?`, [id]),
      async insertAll() {
        const t0 = performance.now();
        const c = await pool.getConnection();
        await c.query('START TRANSACTION');
        for (let k = 1; k <= N; k++)
          await c.execute(`INSERT INTO \`${table}_ins\` (id, name) VALUES (?, ?)`, [k, 'n' + k]);
        await c.query('COMMIT');
        c.release();
        return performance.now() - t0;
      },
      close: () => pool.end(),
    };
  },
};

await run(async () => {
  if (which.length === 0 || which.includes('postgres')) await bench('postgres', PG_URL, rawPg);
  if (which.length === 0 || which.includes('mysql')) await bench('mysql', MYSQL_URL, rawMysql);
});
