// W5: N quick operations run one after another in one task, each inside a 10-second timeout
// that never fires. The operation is `async () => i`, an async function that resolves at once.
import { isMain, ours as loadOurs, runChild } from '../lib/child.mjs';

export const workloads = {
  W5: {
    title: 'sequential ops, each inside a 10 s timeout that never fires',
    n: 200_000,
    quickN: 2_000,
    peers: {
      'plain-race': 143,
      'plain-abortsignal': 2_256,
      effect: 1_392,
      effect3: 6_413,
      'asyncio-timeout': 1_355,
      'asyncio-wait_for': 2_606,
      'uvloop-timeout': 1_489,
    },
  },
};
export const expected = (n) => (n * (n - 1)) / 2;
export const python = ['asyncio-timeout', 'asyncio-wait_for', 'uvloop-timeout'];
export const extra = ['effect3'];

const LIMIT_MS = 10_000;
const op = async (i) => i;

export const contenders = {
  /** The floor: race the op against a timer's promise, then clear the timer. */
  'plain-race': (n, m) =>
    m.measure(async () => {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        let timer;
        const expiry = new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), LIMIT_MS);
        });
        try {
          sum += await Promise.race([op(i), expiry]);
        } finally {
          clearTimeout(timer);
        }
      }
      return sum;
    }),

  /** AbortSignal.timeout per op, raced through its abort event. */
  'plain-abortsignal': (n, m) =>
    m.measure(async () => {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const signal = AbortSignal.timeout(LIMIT_MS);
        let onAbort;
        const aborted = new Promise((_, reject) => {
          onAbort = () => reject(signal.reason);
          signal.addEventListener('abort', onAbort, { once: true });
        });
        try {
          sum += await Promise.race([op(i), aborted]);
        } finally {
          signal.removeEventListener('abort', onAbort);
        }
      }
      return sum;
    }),

  async ours(n, m) {
    const { run, timeout } = await loadOurs('run', 'timeout');
    return m.measure(() =>
      run(async () => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += await timeout(LIMIT_MS, () => op(i));
        return sum;
      }),
    );
  },

  effect: (n, m) => effectTimeouts(n, m, 'effect4'),
  effect3: (n, m) => effectTimeouts(n, m, 'effect3'),
};

async function effectTimeouts(n, m, pkg) {
  const { Effect } = await import(pkg);
  const program = Effect.gen(function* () {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      sum += yield* Effect.timeout(
        Effect.promise(() => op(i)),
        LIMIT_MS,
      );
    }
    return sum;
  });
  return m.measure(() => Effect.runPromise(program));
}

if (isMain(import.meta.url)) await runChild(contenders);
