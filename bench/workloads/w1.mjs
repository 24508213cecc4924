// W1: spawn N tasks that each yield once and return i, gather them, check the sum.
import { AsyncLocalStorage } from 'node:async_hooks';
import { isMain, ours as loadOurs, runChild } from '../lib/child.mjs';

export const workloads = {
  W1: {
    title: 'tasks that yield once, gathered',
    n: 200_000,
    quickN: 2_000,
    peers: {
      plain: 213,
      'plain-immediate': 483,
      effection: 26_926,
      'effect-forEach': 1_306,
      'effect-fork': 611,
      'effect3-forEach': 10_537,
      asyncio: 2_398,
      'asyncio+uvloop': 2_169,
    },
  },
};
export const expected = (n) => (n * (n - 1)) / 2;
export const python = ['asyncio', 'asyncio+uvloop'];
export const extra = ['effect3-forEach'];

const total = (xs) => xs.reduce((a, b) => a + b, 0);
const range = (n) => Array.from({ length: n }, (_, i) => i);

export const contenders = {
  plain: (n, m) =>
    m.measure(async () => {
      const ps = [];
      for (let i = 0; i < n; i++) {
        ps.push(
          (async () => {
            await null;
            return i;
          })(),
        );
      }
      return total(await Promise.all(ps));
    }),

  // The plain floor with AsyncLocalStorage in use, each task entered with als.run():
  // what knowing the current task after any await costs on Node 20 (no
  // AsyncContextFrame), whatever the library.
  'plain-als': (n, m) =>
    m.measure(async () => {
      const als = new AsyncLocalStorage();
      const ps = [];
      for (let i = 0; i < n; i++) {
        ps.push(
          als.run(i, async () => {
            await null;
            return i;
          }),
        );
      }
      return total(await Promise.all(ps));
    }),

  'plain-immediate': (n, m) =>
    m.measure(async () => {
      const ps = [];
      for (let i = 0; i < n; i++) {
        ps.push(
          (async () => {
            await new Promise(setImmediate);
            return i;
          })(),
        );
      }
      return total(await Promise.all(ps));
    }),

  async ours(n, m) {
    const { run, createTask, gather, sleep } = await loadOurs(
      'run',
      'createTask',
      'gather',
      'sleep',
    );
    return m.measure(() =>
      run(async () => {
        const ts = [];
        for (let i = 0; i < n; i++) {
          ts.push(
            createTask(async () => {
              await sleep(0);
              return i;
            }),
          );
        }
        return total(await gather(ts));
      }),
    );
  },

  async effection(n, m) {
    const { run, spawn, sleep } = await import('effection');
    return m.measure(() =>
      run(function* () {
        const tasks = [];
        for (let i = 0; i < n; i++) {
          tasks.push(
            yield* spawn(function* () {
              yield* sleep(0);
              return i;
            }),
          );
        }
        let sum = 0;
        for (const t of tasks) sum += yield* t;
        return sum;
      }),
    );
  },

  async 'effect-forEach'(n, m) {
    const { Effect } = await import('effect4');
    const items = range(n);
    const program = Effect.forEach(items, (i) => Effect.as(Effect.yieldNow, i), {
      concurrency: 'unbounded',
    });
    return total(await m.measure(() => Effect.runPromise(program)));
  },

  async 'effect-fork'(n, m) {
    const { Effect, Fiber } = await import('effect4');
    const program = Effect.gen(function* () {
      const fibers = [];
      for (let i = 0; i < n; i++)
        fibers.push(yield* Effect.forkChild(Effect.as(Effect.yieldNow, i)));
      return total(yield* Fiber.joinAll(fibers));
    });
    return m.measure(() => Effect.runPromise(program));
  },

  async 'effect3-forEach'(n, m) {
    const { Effect } = await import('effect3');
    const items = range(n);
    const program = Effect.forEach(items, (i) => Effect.as(Effect.yieldNow(), i), {
      concurrency: 'unbounded',
    });
    return total(await m.measure(() => Effect.runPromise(program)));
  },
};

if (isMain(import.meta.url)) await runChild(contenders);
