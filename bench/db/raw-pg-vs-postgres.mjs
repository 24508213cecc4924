// Raw driver comparison for the PostgreSQL choice: pg vs postgres (porsager).
// Primary-key select, 10,000 queries at concurrency 16; 10,000-row insert in a transaction.
// Run: node bench/db/raw-pg-vs-postgres.mjs [runs]
import { createRequire } from 'node:module';
const require = createRequire(new URL('../../packages/asyncio-ts/package.json', import.meta.url));
const pg = require('pg');
const postgres = (await import(require.resolve('postgres'))).default;
const URL_ = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const N = 10_000,
  C = 16,
  RUNS = Number(process.argv[2] ?? 5);
const table = `bench_raw_${process.pid}`;

const setup = new pg.Client({ connectionString: URL_ });
await setup.connect();
await setup.query(`DROP TABLE IF EXISTS ${table}`);
await setup.query(`CREATE TABLE ${table} (id int PRIMARY KEY, name text NOT NULL)`);
await setup.query(`INSERT INTO ${table} SELECT g, 'name ' || g FROM generate_series(1, ${N}) g`);
await setup.query(`CREATE TABLE ${table}_ins (id int PRIMARY KEY, name text NOT NULL)`);

async function concurrently(fn) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next < N) {
        const i = next++;
        await fn((i % N) + 1);
      }
    }),
  );
  return performance.now() - t0;
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

const pgPool = new pg.Pool({ connectionString: URL_, max: C });
const pj = postgres(URL_, { max: C, onnotice: () => {} });
const res = { pg: { select: [], insert: [] }, postgres: { select: [], insert: [] } };
for (let r = 0; r < RUNS + 1; r++) {
  const a = await concurrently((id) =>
    pgPool.query(`SELECT id, name FROM ${table} WHERE id = $1`, [id]),
  );
  const b = await concurrently((id) =>
    pj.unsafe(`SELECT id, name FROM ${table} WHERE id = $1`, [id], { prepare: true }),
  );
  await setup.query(`TRUNCATE ${table}_ins`);
  let t0 = performance.now();
  const c = await pgPool.connect();
  await c.query('BEGIN');
  for (let i = 1; i <= N; i++)
    await c.query(`INSERT INTO ${table}_ins (id, name) VALUES ($1, $2)`, [i, 'n' + i]);
  await c.query('COMMIT');
  c.release();
  const ia = performance.now() - t0;
  await setup.query(`TRUNCATE ${table}_ins`);
  t0 = performance.now();
  await pj.begin(async (tx) => {
    for (let i = 1; i <= N; i++)
      await tx.unsafe(`INSERT INTO ${table}_ins (id, name) VALUES ($1, $2)`, [i, 'n' + i], {
        prepare: true,
      });
  });
  const ib = performance.now() - t0;
  if (r === 0) continue; // warm-up
  res.pg.select.push(a);
  res.postgres.select.push(b);
  res.pg.insert.push(ia);
  res.postgres.insert.push(ib);
}
for (const [k, v] of Object.entries(res))
  console.log(
    `${k.padEnd(9)} select ${N}@${C}: ${median(v.select).toFixed(0)} ms (${((N / median(v.select)) * 1000).toFixed(0)}/s)   insert ${N} in tx: ${median(v.insert).toFixed(0)} ms`,
  );
await pgPool.end();
await pj.end();
await setup.query(`DROP TABLE ${table}`);
await setup.query(`DROP TABLE ${table}_ins`);
await setup.end();
