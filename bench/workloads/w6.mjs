// W6: N tasks sleeping 60 s, then all cancelled at once. Measured: from the first cancel
// until every task is done. The check counts the tasks that ended cancelled.
import { isMain, ours as loadOurs, runChild } from '../lib/child.mjs';

export const workloads = {
  W6: {
    title: 'sleepers (60 s) cancelled at once, first cancel to all done',
    n: 100_000,
    quickN: 2_000,
    peers: {
      plain: 156,
      'plain-abortcontroller': 1_344,
      'effect-interruptAll': 361,
      'effect3-interruptAll': 1_668,
      asyncio: 951,
      'asyncio+uvloop': 866,
    },
  },
};
export const expected = (n) => n;
export const python = ['asyncio', 'asyncio+uvloop'];
export const extra = ['effect3-interruptAll'];

const SLEEP_MS = 60_000;

class Cancelled extends Error {
  name = 'Cancelled';
}
// An Error captures a stack trace when it is made (about 4 us here): the floor rejects every
// sleeper with this one object; plain-error makes one Error per sleeper, as a runtime must.
const CANCELLED = new Cancelled();

const countRejected = (settled, isCancel) =>
  settled.filter((s) => s.status === 'rejected' && isCancel(s.reason)).length;

export const contenders = {
  /** The floor: each sleeper is a promise with a timer; cancel is a plain callback. */
  plain: (n, m) => plainSleepers(n, m, () => CANCELLED),
  'plain-error': (n, m) => plainSleepers(n, m, () => new Cancelled()),

  /** One AbortController per sleeper, as code that hands signals around would have. */
  'plain-abortcontroller': async (n, m) => {
    const controllers = [];
    const sleepers = [];
    for (let i = 0; i < n; i++) {
      const ac = new AbortController();
      controllers.push(ac);
      sleepers.push(
        new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, SLEEP_MS);
          const onAbort = () => {
            clearTimeout(timer);
            reject(ac.signal.reason);
          };
          ac.signal.addEventListener('abort', onAbort, { once: true });
        }),
      );
    }
    await null;
    m.start();
    for (const ac of controllers) ac.abort();
    const settled = await Promise.allSettled(sleepers);
    m.stop();
    return countRejected(settled, (e) => e?.name === 'AbortError');
  },

  async ours(n, m) {
    const mod = await loadOurs('run', 'createTask', 'gather', 'sleep', 'CancelledError');
    const { run, createTask, gather, sleep, CancelledError } = mod;
    return run(async () => {
      const tasks = [];
      for (let i = 0; i < n; i++) tasks.push(createTask(() => sleep(SLEEP_MS)));
      await sleep(0); // every task has started and is sleeping
      m.start();
      for (const t of tasks) t.cancel();
      const results = await gather(tasks, { returnExceptions: true });
      m.stop();
      return results.filter((r) => r instanceof CancelledError).length;
    });
  },

  'effect-interruptAll': (n, m) => effectInterruptAll(n, m, 'effect4'),
  'effect3-interruptAll': (n, m) => effectInterruptAll(n, m, 'effect3'),
};

async function plainSleepers(n, m, reason) {
  const cancels = [];
  const sleepers = [];
  for (let i = 0; i < n; i++) {
    sleepers.push(
      new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, SLEEP_MS);
        cancels.push(() => {
          clearTimeout(timer);
          reject(reason());
        });
      }),
    );
  }
  await null;
  m.start();
  for (const cancel of cancels) cancel();
  const settled = await Promise.allSettled(sleepers);
  m.stop();
  return countRejected(settled, (e) => e instanceof Cancelled);
}

async function effectInterruptAll(n, m, pkg) {
  const { Effect, Exit, Fiber } = await import(pkg);
  const fork = Effect.forkChild ?? Effect.fork;
  const yieldNow = typeof Effect.yieldNow === 'function' ? Effect.yieldNow() : Effect.yieldNow;
  const interrupted = pkg === 'effect4' ? Exit.hasInterrupts : Exit.isInterrupted;
  const program = Effect.gen(function* () {
    const fibers = [];
    for (let i = 0; i < n; i++) fibers.push(yield* fork(Effect.sleep(SLEEP_MS)));
    yield* yieldNow; // every fiber has started and is sleeping
    m.start();
    yield* Fiber.interruptAll(fibers);
    const exits = yield* Fiber.awaitAll(fibers);
    m.stop();
    return exits.filter(interrupted).length;
  });
  return Effect.runPromise(program);
}

if (isMain(import.meta.url)) await runChild(contenders);
