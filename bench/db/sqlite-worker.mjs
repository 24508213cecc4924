// SQLite on its worker thread (asyncio-ts/db) vs better-sqlite3 on the main thread:
//   throughput: 10,000 primary-key selects (concurrency 16 for ours; a plain loop for
//               the synchronous driver, which cannot overlap anything anyway)
//   insert: 10,000 single-row INSERTs in one transaction
//   lag: the loop's worst delay (a 1 ms ticker) while a heavy recursive CTE runs
// Run: npm run build && node bench/db/sqlite-worker.mjs [runs=5]
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, sleep, gather } from 'asyncio-ts';
import { connect } from 'asyncio-ts/db';

const require = createRequire(new URL('../../packages/asyncio-ts/package.json', import.meta.url));
const Database = require('better-sqlite3');
const N = 10_000;
const C = 16;
const RUNS = Number(process.argv[2] ?? 5);
const HEAVY =
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000000) SELECT count(*) AS n FROM c';
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const dir = mkdtempSync(join(tmpdir(), 'bench-sqlite-'));

function ticker() {
  let worst = 0;
  let last = performance.now();
  let stop = false;
  const tick = () => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
    if (!stop) setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  return () => {
    stop = true;
    return worst;
  };
}

await run(async () => {
  const main = new Database(join(dir, 'main.db'));
  main.pragma('journal_mode = WAL');
  main.exec(
    'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL); CREATE TABLE ins (id INTEGER PRIMARY KEY, name TEXT NOT NULL)',
  );
  const fill = main.prepare('INSERT INTO t (id, name) VALUES (?, ?)');
  main.transaction(() => {
    for (let i = 1; i <= N; i++) fill.run(i, 'name ' + i);
  })();
  main.close();
  const raw = new Database(join(dir, 'main.db'));
  const db = await connect(`sqlite:${join(dir, 'main.db')}`);
  const res = {
    rawSelect: [],
    oursSelect: [],
    rawInsert: [],
    oursInsert: [],
    rawLag: [],
    oursLag: [],
  };
  const sel = raw.prepare('SELECT id, name FROM t WHERE id = ?');
  const ins = raw.prepare('INSERT INTO ins (id, name) VALUES (?, ?)');
  for (let r = 0; r <= RUNS; r++) {
    let t0 = performance.now();
    for (let i = 1; i <= N; i++) sel.all(i);
    const a = performance.now() - t0;
    let next = 0;
    t0 = performance.now();
    await gather(
      Array.from({ length: C }, () => async () => {
        while (next < N) {
          const id = ++next;
          await db.query`SELECT id, name FROM t WHERE id = ${id}`;
        }
      }),
    );
    const b = performance.now() - t0;
    raw.exec('DELETE FROM ins');
    t0 = performance.now();
    raw.exec('BEGIN');
    for (let k = 1; k <= N; k++) ins.run(k, 'n' + k);
    raw.exec('COMMIT');
    const c = performance.now() - t0;
    raw.exec('DELETE FROM ins');
    t0 = performance.now();
    await db.transaction(async (tx) => {
      for (let k = 1; k <= N; k++)
        await tx.execute`INSERT INTO ins (id, name) VALUES (${k}, ${'n' + k})`;
    });
    const d = performance.now() - t0;
    raw.exec('DELETE FROM ins');
    let stopTicker = ticker();
    await sleep(20);
    raw.prepare(HEAVY).get();
    await sleep(20);
    const lagRaw = stopTicker();
    stopTicker = ticker();
    await sleep(20);
    await db.query(Object.assign([HEAVY], { raw: [HEAVY] })); // a tagged-template call without values
    await sleep(20);
    const lagOurs = stopTicker();
    if (r === 0) continue;
    res.rawSelect.push(a);
    res.oursSelect.push(b);
    res.rawInsert.push(c);
    res.oursInsert.push(d);
    res.rawLag.push(lagRaw);
    res.oursLag.push(lagOurs);
  }
  const qps = (ms) => Math.round((N / ms) * 1000).toLocaleString('en-US');
  console.log(
    `select ${N}: better-sqlite3 main thread ${median(res.rawSelect).toFixed(0)} ms (${qps(median(res.rawSelect))}/s); ours on the worker ${median(res.oursSelect).toFixed(0)} ms (${qps(median(res.oursSelect))}/s)`,
  );
  console.log(
    `insert ${N} in tx: main thread ${median(res.rawInsert).toFixed(0)} ms; ours ${median(res.oursInsert).toFixed(0)} ms`,
  );
  console.log(
    `worst loop lag during a 5M-row recursive CTE: main thread ${median(res.rawLag).toFixed(0)} ms; ours ${median(res.oursLag).toFixed(1)} ms`,
  );
  raw.close();
  await db.close();
});
rmSync(dir, { recursive: true, force: true });
