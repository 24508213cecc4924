// One benchmark run in a fresh process: `node child.mjs <contender> <scenario> <n>`.
// Prints one JSON line {ms, check}; only the jobs are timed (pools are created and
// warmed up first: every worker started and the job module loaded).
import { HASH_ROUNDS, SUM_N, WORKERS } from './params.mjs';
import { hash, sum } from './jobs.mjs';

const [contender, scenario, nArg] = process.argv.slice(2);
const n = Number(nArg);
const jobsUrl = new URL('./jobs.mjs', import.meta.url);
const fn = scenario.startsWith('tiny') ? 'sum' : 'hash';
const arg = fn === 'sum' ? SUM_N : HASH_ROUNDS;

/** Each contender: { submit(fn, arg) => Promise<number>, close() }. */
async function make(name) {
  if (name === 'main') {
    return {
      submit: async (f, a) => (f === 'sum' ? sum(a) : hash(a)),
      close: async () => {},
    };
  }
  if (name === 'ours' || name === 'ours-source') {
    const { WorkerPool, workerModule } = await import('asyncio-ts/executor');
    const pool = new WorkerPool({ maxWorkers: WORKERS, maxQueue: Infinity });
    if (name === 'ours') {
      const mod = workerModule(jobsUrl);
      return { submit: (f, a) => pool.run(mod, f, a), close: () => pool.shutdown() };
    }
    // Self-contained copies of the job functions, sent as source text.
    const sumSrc = (k) => {
      let s = 0;
      for (let i = 1; i <= k; i++) s += i;
      return s;
    };
    const hashSrc = async (rounds) => {
      const { createHash } = await import('node:crypto');
      let h = Buffer.alloc(1024, 7);
      for (let i = 0; i < rounds; i++) createHash('sha256').update(h).digest().copy(h);
      return h[0];
    };
    return {
      submit: (f, a) => (f === 'sum' ? pool.run(sumSrc, a) : pool.run(hashSrc, a)),
      close: () => pool.shutdown(),
    };
  }
  if (name === 'piscina') {
    const { Piscina } = await import('piscina');
    const pool = new Piscina({ filename: jobsUrl.href, minThreads: WORKERS, maxThreads: WORKERS });
    return { submit: (f, a) => pool.run({ fn: f, arg: a }), close: () => pool.destroy() };
  }
  if (name === 'tinypool') {
    const { Tinypool } = await import('tinypool');
    const pool = new Tinypool({ filename: jobsUrl.href, minThreads: WORKERS, maxThreads: WORKERS });
    return { submit: (f, a) => pool.run({ fn: f, arg: a }), close: () => pool.destroy() };
  }
  throw new Error(`unknown contender ${name}`);
}

const c = await make(contender);
// Warm-up: start every worker and load the module everywhere.
await Promise.all(Array.from({ length: WORKERS * 4 }, () => c.submit(fn, arg)));

let check = 0;
const t0 = performance.now();
if (scenario.endsWith('-seq')) {
  for (let i = 0; i < n; i++) {
    const r = await c.submit(fn, arg);
    check += r;
  }
} else {
  const all = [];
  for (let i = 0; i < n; i++) all.push(c.submit(fn, arg));
  for (const r of await Promise.all(all)) check += r;
}
const ms = performance.now() - t0;
await c.close();
process.stdout.write(JSON.stringify({ ms, check }) + '\n');
