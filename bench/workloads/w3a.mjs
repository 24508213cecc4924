import { AsyncLocalStorage } from 'node:async_hooks';
// W3a: N jobs, each awaiting one yield and returning i, at most 50 running at once.
import { isMain, ours as loadOurs, runChild } from '../lib/child.mjs';

export const workloads = {
  W3a: {
    title: 'jobs that yield once, behind a limiter of 50',
    n: 200_000,
    quickN: 2_000,
    skip: { 'effect-semaphore': 'not run at 200k: quadratic (20k takes ~7 s); see W3a-20k' },
    peers: { plain: 386, 'p-limit': 642, 'p-queue': 964, asyncio: 3_435, 'asyncio+uvloop': 3_255 },
  },
  // Effect 4's Semaphore copies its waiter list on every release, so it gets its figure here.
  'W3a-20k': {
    title: 'jobs that yield once, behind a limiter of 50',
    n: 20_000,
    quickN: 2_000,
    peers: { 'effect-semaphore': 7_849 },
  },
};
export const expected = (n) => (n * (n - 1)) / 2;
export const python = ['asyncio', 'asyncio+uvloop'];

const LIMIT = 50;
const total = (xs) => xs.reduce((a, b) => a + b, 0);

/** The plain floor: a counting semaphore with a FIFO of waiting resolvers. */
class PlainSemaphore {
  permits;
  waiters = [];
  head = 0;
  constructor(permits) {
    this.permits = permits;
  }
  /** Returns undefined when a permit is free (no promise, no suspension), else a promise. */
  acquire() {
    if (this.permits > 0) {
      this.permits--;
      return undefined;
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  release() {
    if (this.head === this.waiters.length) {
      this.permits++;
      return;
    }
    const next = this.waiters[this.head];
    this.waiters[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.waiters.length) {
      this.waiters = this.waiters.slice(this.head);
      this.head = 0;
    }
    next(); // the permit passes straight to the next waiter
  }
}

export const contenders = {
  plain: (n, m) =>
    m.measure(async () => {
      const sem = new PlainSemaphore(LIMIT);
      const job = async (i) => {
        await sem.acquire();
        try {
          await null;
          return i;
        } finally {
          sem.release();
        }
      };
      const ps = [];
      for (let i = 0; i < n; i++) ps.push(job(i));
      return total(await Promise.all(ps));
    }),

  // The same floor with AsyncLocalStorage in use, each job entered with als.run()
  // (what knowing the current task costs on Node 20; see RESULTS.md).
  'plain-als': (n, m) =>
    m.measure(async () => {
      const als = new AsyncLocalStorage();
      const sem = new PlainSemaphore(LIMIT);
      const job = async (i) => {
        await sem.acquire();
        try {
          await null;
          return i;
        } finally {
          sem.release();
        }
      };
      const ps = [];
      for (let i = 0; i < n; i++) ps.push(als.run(i, job, i));
      return total(await Promise.all(ps));
    }),

  async ours(n, m) {
    const mod = await loadOurs('run', 'createTask', 'gather', 'sleep', 'Semaphore');
    const { run, createTask, gather, sleep, Semaphore } = mod;
    return m.measure(() =>
      run(async () => {
        const sem = new Semaphore(LIMIT);
        const ts = [];
        for (let i = 0; i < n; i++) {
          ts.push(
            createTask(() =>
              sem.run(async () => {
                await sleep(0);
                return i;
              }),
            ),
          );
        }
        return total(await gather(ts));
      }),
    );
  },

  async 'p-limit'(n, m) {
    const { default: pLimit } = await import('p-limit');
    return m.measure(async () => {
      const limit = pLimit(LIMIT);
      const ps = [];
      for (let i = 0; i < n; i++) {
        ps.push(
          limit(async () => {
            await null;
            return i;
          }),
        );
      }
      return total(await Promise.all(ps));
    });
  },

  async 'p-queue'(n, m) {
    const { default: PQueue } = await import('p-queue');
    return m.measure(async () => {
      const queue = new PQueue({ concurrency: LIMIT });
      const ps = [];
      for (let i = 0; i < n; i++) {
        ps.push(
          queue.add(async () => {
            await null;
            return i;
          }),
        );
      }
      return total(await Promise.all(ps));
    });
  },

  async 'effect-semaphore'(n, m) {
    const { Effect, Semaphore } = await import('effect4');
    const items = Array.from({ length: n }, (_, i) => i);
    const program = Effect.gen(function* () {
      const sem = yield* Semaphore.make(LIMIT);
      const results = yield* Effect.forEach(
        items,
        (i) => sem.withPermit(Effect.as(Effect.yieldNow, i)),
        {
          concurrency: 'unbounded',
        },
      );
      return total(results);
    });
    return m.measure(() => Effect.runPromise(program));
  },
};

if (isMain(import.meta.url)) await runChild(contenders);
