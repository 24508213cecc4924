// W2: N tasks each sleeping 50 ms, gathered. The warm-up run also probes the heap: heapUsed
// (after a full GC) once every task is created and sleeping, minus before, divided by N.
import { isMain, ours as loadOurs, runChild } from '../lib/child.mjs';

export const workloads = {
  W2: {
    title: 'tasks each sleeping 50 ms, gathered',
    n: 200_000,
    quickN: 2_000,
    heapProbe: true,
    peers: {
      plain: 521,
      effection: 27_328,
      'effect-fork': 1_159,
      'effect3-fork': 23_691,
      asyncio: 3_621,
      'asyncio+uvloop': 3_564,
    },
  },
  'W2-1M': {
    title: 'tasks each sleeping 50 ms, gathered',
    n: 1_000_000,
    quickN: 10_000,
    heapProbe: true,
    skip: { effection: 'not run: out of memory at 1M (PEERS.md)' },
    peers: { plain: 2_663, 'effect-fork': 5_375, asyncio: 20_419, 'asyncio+uvloop': 19_051 },
  },
};
export const expected = (n) => (n * (n - 1)) / 2;
export const python = ['asyncio', 'asyncio+uvloop'];
export const extra = ['effect3-fork'];

const total = (xs) => xs.reduce((a, b) => a + b, 0);

export const contenders = {
  plain: (n, m) =>
    m.measure(async () => {
      m.heapBefore();
      const ps = [];
      for (let i = 0; i < n; i++) {
        ps.push(
          (async () => {
            await new Promise((resolve) => setTimeout(resolve, 50));
            return i;
          })(),
        );
      }
      m.heapAfter();
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
        m.heapBefore();
        const ts = [];
        for (let i = 0; i < n; i++) {
          ts.push(
            createTask(async () => {
              await sleep(50);
              return i;
            }),
          );
        }
        if (m.heapProbe) await sleep(0); // let every body start and reach its sleep
        m.heapAfter();
        return total(await gather(ts));
      }),
    );
  },

  async effection(n, m) {
    const { run, spawn, sleep } = await import('effection');
    return m.measure(() =>
      run(function* () {
        m.heapBefore();
        const tasks = [];
        for (let i = 0; i < n; i++) {
          tasks.push(
            yield* spawn(function* () {
              yield* sleep(50);
              return i;
            }),
          );
        }
        if (m.heapProbe) yield* sleep(0);
        m.heapAfter();
        let sum = 0;
        for (const t of tasks) sum += yield* t;
        return sum;
      }),
    );
  },

  async 'effect-fork'(n, m) {
    const { Effect, Fiber } = await import('effect4');
    const program = Effect.gen(function* () {
      m.heapBefore();
      const fibers = [];
      for (let i = 0; i < n; i++)
        fibers.push(yield* Effect.forkChild(Effect.as(Effect.sleep(50), i)));
      if (m.heapProbe) yield* Effect.yieldNow;
      m.heapAfter();
      return total(yield* Fiber.joinAll(fibers));
    });
    return m.measure(() => Effect.runPromise(program));
  },

  async 'effect3-fork'(n, m) {
    const { Effect, Fiber } = await import('effect3');
    const program = Effect.gen(function* () {
      m.heapBefore();
      const fibers = [];
      for (let i = 0; i < n; i++) fibers.push(yield* Effect.fork(Effect.as(Effect.sleep(50), i)));
      if (m.heapProbe) yield* Effect.yieldNow();
      m.heapAfter();
      return total(yield* Fiber.joinAll(fibers));
    });
    return m.measure(() => Effect.runPromise(program));
  },
};

if (isMain(import.meta.url)) await runChild(contenders);
