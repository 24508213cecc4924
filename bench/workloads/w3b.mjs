import { AsyncLocalStorage } from 'node:async_hooks';
// W3b: 50 workers pulling N jobs (each yields once and returns i); the results are summed.
import { isMain, ours as loadOurs, runChild } from '../lib/child.mjs';

export const workloads = {
  W3b: {
    title: '50 workers pulling jobs that yield once',
    n: 200_000,
    quickN: 2_000,
    peers: { plain: 34, 'effect-forEach': 241, asyncio: 269 },
  },
};
export const expected = (n) => (n * (n - 1)) / 2;
export const python = ['asyncio', 'asyncio+uvloop'];

const WORKERS = 50;
const range = (n) => Array.from({ length: n }, (_, i) => i);

export const contenders = {
  plain: (n, m) => {
    const items = range(n);
    return m.measure(async () => {
      const job = async (i) => {
        await null;
        return i;
      };
      let next = 0;
      let sum = 0;
      const worker = async () => {
        while (next < items.length) {
          const r = await job(items[next++]); // not `sum += await ...`: that reads sum first
          sum += r;
        }
      };
      await Promise.all(Array.from({ length: WORKERS }, worker));
      return sum;
    });
  },

  // The same 50 workers with AsyncLocalStorage in use, each entered with als.run().
  'plain-als': (n, m) => {
    const items = range(n);
    return m.measure(async () => {
      const als = new AsyncLocalStorage();
      const job = async (i) => {
        await null;
        return i;
      };
      let next = 0;
      let sum = 0;
      const worker = async () => {
        while (next < items.length) {
          const r = await job(items[next++]);
          sum += r;
        }
      };
      await Promise.all(Array.from({ length: WORKERS }, (_, k) => als.run(k, worker)));
      return sum;
    });
  },

  async ours(n, m) {
    const { run, map, sleep } = await loadOurs('run', 'map', 'sleep');
    const items = range(n);
    return m.measure(() =>
      run(async () => {
        const job = async (i) => {
          await sleep(0);
          return i;
        };
        let sum = 0;
        for await (const r of map(items, job, { concurrency: WORKERS })) sum += r;
        return sum;
      }),
    );
  },

  async 'effect-forEach'(n, m) {
    const { Effect } = await import('effect4');
    const items = range(n);
    const program = Effect.forEach(items, (i) => Effect.as(Effect.yieldNow, i), {
      concurrency: WORKERS,
    });
    const results = await m.measure(() => Effect.runPromise(program));
    return results.reduce((a, b) => a + b, 0);
  },
};

if (isMain(import.meta.url)) await runChild(contenders);
