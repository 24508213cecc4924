// Randomised stress tests of the coordination primitives: thousands of tasks
// acquiring, releasing, putting, getting and being cancelled at random points, on
// the virtual clock, with invariants checked as they run and at the end.
//
// The seed is printed in every test title; rerun one schedule with
//   STRESS_SEED=<seed> node --test packages/asyncio-ts/.test-build/test/stress.test.js
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Barrier,
  BoundedSemaphore,
  CancelledError,
  Condition,
  KeyedLimiter,
  Lock,
  PriorityQueue,
  Queue,
  QueueShutDown,
  RateLimiter,
  TokenBucket,
  createTask,
  getRunningLoop,
  isCancelled,
  map,
  run,
  sleep,
  type EventLoop,
  type Release,
  type Task,
} from '../src/index.js';
import { VirtualClock } from '../src/testing/index.js';

const SEED = Number(process.env.STRESS_SEED ?? Math.floor(Math.random() * 2 ** 32));
const OPS = Number(process.env.STRESS_OPS ?? 100_000);

/** mulberry32: a small, fast, seeded PRNG giving floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A PRNG for one scenario, derived from the global seed. */
function rng(scenario: number): { rnd: () => number; int: (n: number) => number } {
  const rnd = mulberry32((SEED ^ Math.imul(scenario, 0x9e3779b1)) >>> 0);
  return { rnd, int: (n: number) => Math.floor(rnd() * n) };
}

async function vrun<T>(main: (loop: EventLoop) => Promise<T>): Promise<T> {
  let loop: EventLoop | undefined;
  const r = await run(
    () => {
      loop = getRunningLoop();
      return main(loop);
    },
    { clock: new VirtualClock() },
  );
  assert.equal(loop!._timerCount(), 0, `no timer left behind (seed ${SEED})`);
  return r;
}

/**
 * A self-renewing crowd of tasks running `body` until `target` operations were
 * counted; `chaos(p)` cancels a random live task with probability p. A task that
 * is cancelled is replaced, so thousands of tasks come and go.
 */
class Swarm {
  ops = 0;
  cancelled = 0;
  readonly failures: unknown[] = [];
  readonly #tasks: Task<void>[] = [];
  readonly #index = new Map<Task<void>, number>();
  #done: (() => void) | null = null;
  readonly #body: (s: Swarm) => Promise<void>;
  readonly #int: (n: number) => number;
  readonly #rnd: () => number;
  readonly target: number;
  constructor(r: ReturnType<typeof rng>, target: number, body: (s: Swarm) => Promise<void>) {
    this.#rnd = r.rnd;
    this.#int = r.int;
    this.target = target;
    this.#body = body;
  }
  get running(): boolean {
    return this.ops < this.target;
  }
  /** Starts `n` tasks and resolves once every task has ended and the target is reached. */
  run(n: number): Promise<void> {
    const p = new Promise<void>((resolve) => (this.#done = resolve));
    for (let i = 0; i < n; i++) this.#spawn();
    return p;
  }
  chaos(p: number): void {
    if (this.#tasks.length > 0 && this.#rnd() < p) {
      this.#tasks[this.#int(this.#tasks.length)]!.cancel('chaos');
    }
  }
  #spawn(): void {
    const t = createTask(() => this.#body(this));
    this.#index.set(t, this.#tasks.length);
    this.#tasks.push(t);
    t.addDoneCallback(() => {
      const i = this.#index.get(t)!;
      const last = this.#tasks.pop()!;
      if (last !== t) {
        this.#tasks[i] = last;
        this.#index.set(last, i);
      }
      this.#index.delete(t);
      if (t.cancelled()) this.cancelled++;
      else if (t.exception() !== null) this.failures.push(t.exception());
      if (this.running && this.failures.length === 0) this.#spawn();
      else if (this.#tasks.length === 0) this.#done?.();
      // the target is reached: the tasks still blocked (a get() no one will feed) are ended
      else for (const other of this.#tasks) other.cancel('the swarm is done');
    });
  }
}

/** Runs `fn(ticket)`, recording the call order and, if it resolves, the grant order. */
class FifoLog {
  #next = 0;
  readonly calls: number[] = [];
  readonly grants: number[] = [];
  readonly cancelled = new Set<number>();
  async track<T>(p: () => Promise<T>): Promise<T> {
    const ticket = this.#next++;
    this.calls.push(ticket);
    let v: T;
    try {
      v = await p();
    } catch (e) {
      this.cancelled.add(ticket);
      throw e;
    }
    this.grants.push(ticket);
    return v;
  }
  /** Waiters that were not cancelled were served in the order they called. */
  check(what: string): void {
    const expected = this.calls.filter((t) => !this.cancelled.has(t));
    assert.equal(
      this.grants.length,
      expected.length,
      `${what}: every call resolved or was cancelled`,
    );
    for (let i = 0; i < expected.length; i++) {
      if (this.grants[i] !== expected[i]) {
        assert.fail(
          `${what}: grant #${i} went to call ${this.grants[i]}, expected ${expected[i]} (seed ${SEED})`,
        );
      }
    }
  }
}

/** The most of `times` (sorted) inside any window [t, t + period). */
function maxInWindow(times: number[], period: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= period) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

function noFailures(s: Swarm): void {
  if (s.failures.length > 0) throw s.failures[0];
}

describe(`coordination stress (seed ${SEED}; rerun with STRESS_SEED=${SEED})`, () => {
  it(`Lock: ${OPS} acquire/release operations by thousands of randomly cancelled tasks keep mutual exclusion and FIFO order`, async () => {
    const r = rng(1);
    await vrun(async () => {
      const lock = new Lock();
      const log = new FifoLog();
      let holders = 0;
      const s = new Swarm(r, OPS, async (s) => {
        while (s.running) {
          if (r.int(4) === 0) await sleep(r.int(3));
          await log.track(() => lock.acquire());
          s.ops++;
          assert.equal(++holders, 1, `mutual exclusion (seed ${SEED})`);
          try {
            if (r.int(2) === 0) await sleep(r.int(2));
          } finally {
            holders--;
            lock.release();
            s.ops++;
            s.chaos(0.05); // may hit the task that was just handed the lock
          }
        }
      });
      await s.run(2000);
      noFailures(s);
      assert.ok(s.cancelled > 100, `tasks were cancelled (${s.cancelled})`);
      assert.deepEqual(lock.statistics(), { locked: false, waiters: 0 });
      log.check('Lock');
    });
  });

  it(`BoundedSemaphore: ${OPS} operations with random cancellations conserve permits, never exceed the limit, and serve FIFO`, async () => {
    const r = rng(2);
    await vrun(async () => {
      const limit = 1 + r.int(20);
      const sem = new BoundedSemaphore(limit); // an over-release would throw
      let holders = 0;
      let peak = 0;
      const s = new Swarm(r, OPS, async (s) => {
        while (s.running) {
          if (r.int(3) === 0) await sleep(r.int(3));
          const viaRun = r.int(3) === 0;
          const body = async (): Promise<void> => {
            s.ops++;
            peak = Math.max(peak, ++holders);
            assert.ok(holders <= limit, `at most ${limit} holders (seed ${SEED})`);
            try {
              await sleep(r.int(3));
            } finally {
              holders--;
              s.ops++;
            }
          };
          if (viaRun) {
            await sem.run(body);
          } else {
            await sem.acquire();
            try {
              await body();
            } finally {
              sem.release();
              s.chaos(0.05);
            }
          }
        }
      });
      await s.run(2000);
      noFailures(s);
      assert.equal(peak, limit);
      assert.deepEqual(sem.statistics(), { value: limit, initial: limit, waiters: 0 });
    });
  });

  it(`Semaphore: waiters are served first-come first-served under ${OPS} random operations and cancellations`, async () => {
    const r = rng(3);
    await vrun(async () => {
      const limit = 1 + r.int(8);
      const sem = new BoundedSemaphore(limit);
      const log = new FifoLog();
      const s = new Swarm(r, OPS, async (s) => {
        while (s.running) {
          if (r.int(3) === 0) await sleep(r.int(2));
          await log.track(() => sem.acquire());
          s.ops++;
          try {
            await sleep(r.int(2));
          } finally {
            sem.release();
            s.ops++;
            s.chaos(0.05);
          }
        }
      });
      await s.run(1500);
      noFailures(s);
      assert.equal(sem.statistics().value, limit);
      log.check('Semaphore');
    });
  });

  it(`Queue: ${OPS} puts and gets by randomly cancelled producers and consumers deliver every item exactly once`, async () => {
    const r = rng(4);
    await vrun(async () => {
      const q = new Queue<number>({ maxsize: 1 + r.int(50) });
      let nextItem = 0;
      const putOk = new Set<number>();
      const putCancelled = new Set<number>();
      const delivered = new Map<number, number>();
      const s = new Swarm(r, OPS, async (s) => {
        const producer = r.int(2) === 0;
        while (s.running) {
          if (r.int(3) === 0) await sleep(r.int(3));
          if (producer) {
            const item = nextItem++;
            try {
              if (r.int(4) === 0) {
                try {
                  q.putNowait(item);
                } catch {
                  putCancelled.add(item); // full: never put
                  continue;
                }
              } else await q.put(item);
            } catch (e) {
              putCancelled.add(item);
              throw e;
            }
            putOk.add(item);
            s.ops++;
            s.chaos(0.02);
          } else {
            const item = await q.get();
            delivered.set(item, (delivered.get(item) ?? 0) + 1);
            q.taskDone();
            s.ops++;
            s.chaos(0.02); // may hit a getter that was just handed an item
          }
        }
      });
      await s.run(2000);
      noFailures(s);
      const left: number[] = [];
      while (!q.empty()) left.push(q.getNowait());
      for (const item of left) delivered.set(item, (delivered.get(item) ?? 0) + 1);
      for (const [item, n] of delivered) {
        assert.equal(n, 1, `item ${item} delivered ${n} times (seed ${SEED})`);
        assert.ok(putOk.has(item), `item ${item} was delivered but its put did not succeed`);
      }
      assert.equal(delivered.size, putOk.size, 'every item put was delivered or left in the queue');
      for (const item of putCancelled)
        assert.ok(!delivered.has(item), `cancelled put ${item} leaked`);
      assert.equal(q.statistics().unfinished, left.length, 'taskDone accounting');
      assert.equal(q.statistics().getters + q.statistics().putters, 0);
    });
  });

  it(`Queue: items come out in the order they went in, whatever getters are cancelled (${OPS / 2} items)`, async () => {
    const r = rng(5);
    await vrun(async () => {
      const q = new Queue<number>({ maxsize: 1 + r.int(20) });
      const n = OPS / 2;
      const seen: number[] = [];
      const s = new Swarm(r, n, async (s) => {
        while (s.running) {
          if (r.int(2) === 0) await sleep(r.int(2));
          const item = await q.get();
          seen.push(item);
          s.ops++;
          s.chaos(0.05);
        }
      });
      const producer = createTask(async () => {
        for (let i = 0; i < n; i++) {
          await q.put(i);
          if (r.int(50) === 0) await sleep(r.int(3));
        }
      });
      await s.run(200);
      await producer;
      noFailures(s);
      assert.equal(seen.length, n);
      for (let i = 0; i < n; i++) {
        if (seen[i] !== i) assert.fail(`position ${i}: got item ${seen[i]} (seed ${SEED})`);
      }
    });
  });

  it(`PriorityQueue: ${OPS} random puts and gets match a stable sorted model`, () => {
    const r = rng(6);
    const q = new PriorityQueue<{ p: number; id: number }>({ compare: (a, b) => a.p - b.p });
    const model: { p: number; id: number }[] = [];
    for (let i = 0; i < OPS; i++) {
      if (model.length > 0 && r.int(2) === 0) {
        const got = q.getNowait();
        const want = model.shift()!;
        if (got !== want)
          assert.fail(
            `op ${i}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)} (seed ${SEED})`,
          );
      } else {
        const item = { p: r.int(10), id: i };
        let lo = 0;
        let hi = model.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (model[mid]!.p <= item.p) lo = mid + 1;
          else hi = mid;
        }
        model.splice(lo, 0, item);
        q.putNowait(item);
      }
    }
    assert.equal(q.qsize(), model.length);
  });

  it(`Condition: producers and consumers under random cancellation hand over every item once, holding the lock alone (${OPS / 2} items)`, async () => {
    const r = rng(7);
    await vrun(async () => {
      const cond = new Condition();
      const items: number[] = [];
      let next = 0;
      let holders = 0;
      const consumed = new Map<number, number>();
      const s = new Swarm(r, OPS / 2, async (s) => {
        const producer = r.int(3) === 0;
        while (s.running) {
          if (r.int(2) === 0) await sleep(r.int(3));
          await cond.run(async () => {
            assert.equal(++holders, 1, `one holder (seed ${SEED})`);
            try {
              if (producer) {
                items.push(next++);
                cond.notify(1 + r.int(2));
                s.ops++;
              } else {
                holders--;
                try {
                  await cond.waitFor(() => items.length > 0);
                } finally {
                  // the lock is held again, even when cancelled
                  assert.equal(++holders, 1, `one holder after wait (seed ${SEED})`);
                }
                const item = items.shift()!;
                consumed.set(item, (consumed.get(item) ?? 0) + 1);
                s.ops++;
              }
            } finally {
              holders--;
            }
          });
          s.chaos(0.03);
        }
      });
      const waker = createTask(async () => {
        // lets consumers blocked after the producers are gone re-check and leave
        while (s.running) {
          await sleep(10);
          await cond.run(() => cond.notifyAll());
        }
      });
      await s.run(1000);
      waker.cancel();
      noFailures(s);
      assert.equal(cond.locked(), false);
      for (const [item, n] of consumed) assert.equal(n, 1, `item ${item} consumed ${n} times`);
      assert.equal(
        consumed.size + items.length,
        next,
        'every item produced was consumed or is left',
      );
    });
  });

  it(`Barrier: parties cancelled at random never break it; each index is handed out once per round (${OPS / 4} waits)`, async () => {
    const r = rng(8);
    await vrun(async () => {
      const parties = 2 + r.int(6);
      const barrier = new Barrier(parties);
      const indices = new Array<number>(parties).fill(0);
      const s = new Swarm(r, OPS / 4, async (s) => {
        while (s.running) {
          if (r.int(2) === 0) await sleep(r.int(3));
          const i = await barrier.wait();
          indices[i]!++;
          s.ops++;
          s.chaos(0.05);
        }
      });
      const run = s.run(parties * 50);
      await run;
      noFailures(s);
      const cycles = barrier.statistics().cycles;
      assert.ok(cycles > 100);
      assert.deepEqual(
        indices,
        new Array<number>(parties).fill(cycles),
        'each index once per round',
      );
      assert.equal(barrier.broken, false);
    });
  });

  for (const [phase, tasks] of [
    ['thousands of contending tasks', 2000],
    ['a few tasks, so that the fast path and tryAcquire() meet the window edges', 6],
  ] as const) {
    it(`RateLimiter: ${OPS / 4} acquisitions by ${phase}, with random cancellations, never exceed the window and serve FIFO`, async () => {
      const r = rng(tasks === 6 ? 14 : 9);
      await vrun(async (loop) => {
        const rate = 1 + r.int(tasks === 6 ? 4 : 50);
        const period = 10 + r.int(200);
        const limiter = new RateLimiter(rate, period);
        const log = new FifoLog();
        const times: number[] = [];
        const s = new Swarm(r, OPS / 4, async (s) => {
          while (s.running) {
            const light = tasks === 6; // mostly tryAcquire() in small steps: hits the edges
            await sleep(light ? r.int(Math.ceil(period / 8)) : r.int(period + 2));
            if (light ? r.int(5) !== 0 : r.int(3) === 0) {
              if (!limiter.tryAcquire()) continue;
            } else {
              await log.track(() => limiter.acquire());
            }
            times.push(loop.time());
            s.ops++;
            s.chaos(0.05);
          }
        });
        await s.run(tasks);
        noFailures(s);
        assert.ok(times.length >= OPS / 4);
        assert.ok(
          maxInWindow(times, period) <= rate,
          `at most ${rate} per ${period} ms (seed ${SEED})`,
        );
        assert.equal(
          maxInWindow(times, period),
          rate,
          'the limit was reached (the test is not vacuous)',
        );
        log.check('RateLimiter');
      });
    });
  }

  it(`TokenBucket: ${OPS / 4} acquisitions of random sizes never overdraw the bucket and serve FIFO`, async () => {
    const r = rng(10);
    await vrun(async (loop) => {
      const rate = 1 + r.int(20);
      const per = 10 + r.int(100);
      const burst = 1 + r.int(10);
      const bucket = new TokenBucket({ rate, per, burst });
      const log = new FifoLog();
      const grants: [number, number][] = [];
      const s = new Swarm(r, OPS / 4, async (s) => {
        while (s.running) {
          await sleep(r.int(per));
          const n = 1 + r.int(burst);
          await log.track(() => bucket.acquire(n));
          grants.push([loop.time(), n]);
          s.ops++;
          s.chaos(0.05);
        }
      });
      await s.run(1000);
      noFailures(s);
      // replay: the level starts at burst, refills continuously, and never goes below 0
      let level = burst;
      let t = 0;
      for (const [at, n] of grants) {
        level = Math.min(burst, level + ((at - t) * rate) / per);
        t = at;
        level -= n;
        assert.ok(level > -1e-6, `overdrawn at ${at}: level ${level} (seed ${SEED})`);
      }
      log.check('TokenBucket');
    });
  });

  it(`KeyedLimiter: ${OPS / 4} acquisitions over many keys respect per-key caps, windows, hold-offs and the total cap`, async () => {
    const r = rng(11);
    await vrun(async (loop) => {
      const keys = Array.from({ length: 2 + r.int(30) }, (_, i) => `host-${i}`);
      const concurrency = 1 + r.int(4);
      const rate = 1 + r.int(10);
      const period = 10 + r.int(100);
      const total = 1 + r.int(Math.min(keys.length, 3) * concurrency);
      const limiter = new KeyedLimiter({ concurrency, rate, period, totalConcurrency: total });
      const inFlight = new Map<string, number>();
      const times = new Map<string, number[]>();
      const holds = new Map<string, [number, number][]>(); // [called at, until]
      const logs = new Map(keys.map((k) => [k, new FifoLog()]));
      let all = 0;
      let peakTotal = 0;
      const s = new Swarm(r, OPS / 4, async (s) => {
        while (s.running) {
          await sleep(r.int(period));
          const key = keys[Math.min(r.int(keys.length), r.int(keys.length))]!; // some keys busier
          const release: Release = await logs.get(key)!.track(() => limiter.acquire(key));
          const now = loop.time();
          const n = (inFlight.get(key) ?? 0) + 1;
          inFlight.set(key, n);
          assert.ok(n <= concurrency, `${key}: ${n} in flight > ${concurrency} (seed ${SEED})`);
          peakTotal = Math.max(peakTotal, ++all);
          assert.ok(all <= total, `${all} in flight > total ${total} (seed ${SEED})`);
          let list = times.get(key);
          if (list === undefined) times.set(key, (list = []));
          list.push(now);
          s.ops++;
          try {
            await sleep(r.int(period));
            if (r.int(50) === 0) {
              const ms = r.int(3 * period);
              limiter.holdOff(key, ms);
              let h = holds.get(key);
              if (h === undefined) holds.set(key, (h = []));
              h.push([loop.time(), loop.time() + ms]);
            }
          } finally {
            inFlight.set(key, inFlight.get(key)! - 1);
            all--;
            release();
            s.chaos(0.03);
          }
        }
      });
      await s.run(1500);
      noFailures(s);
      assert.ok(
        peakTotal > 1 || total === 1,
        'several in flight at once (the test is not vacuous)',
      );
      for (const [key, list] of times) {
        assert.ok(maxInWindow(list, period) <= rate, `${key}: window exceeded (seed ${SEED})`);
        for (const [calledAt, until] of holds.get(key) ?? []) {
          for (const t of list) {
            if (t > calledAt && t < until) {
              assert.fail(
                `${key} granted at ${t}, inside a hold-off [${calledAt}, ${until}) (seed ${SEED})`,
              );
            }
          }
        }
      }
      for (const [key, log] of logs) log.check(`KeyedLimiter ${key}`);
      const st = limiter.statistics();
      assert.equal(st.inFlight, 0);
      assert.equal(st.waiting, 0);
      await sleep(4 * period);
      for (const k of keys) assert.equal(limiter.statistics(k).inFlight, 0);
      limiter.tryAcquire('sweeper')?.();
      limiter.tryAcquire('sweeper-2')?.();
      assert.ok(limiter.statistics().keys <= keys.length + 2, 'keys are bounded');
    });
  });

  it(`map: ${OPS / 100} random runs yield the right results in order, stop on failure or break, and leave no task behind`, async () => {
    const r = rng(12);
    await vrun(async (loop) => {
      for (let run = 0; run < OPS / 100; run++) {
        const n = r.int(40);
        const concurrency = 1 + r.int(8);
        const ordered = r.int(2) === 0;
        const failAt = r.int(3) === 0 ? r.int(n + 1) : -1;
        const breakAt = r.int(3) === 0 ? r.int(n + 1) : -1;
        const asyncSource = r.int(2) === 0;
        const delays = Array.from({ length: n }, () => r.int(5));
        let running = 0;
        let ended = 0;
        let started = 0;
        async function* gen(): AsyncGenerator<number> {
          for (let i = 0; i < n; i++) {
            if (r.int(3) === 0) await sleep(r.int(2));
            yield i;
          }
        }
        const src = asyncSource ? gen() : Array.from({ length: n }, (_, i) => i);
        const out: number[] = [];
        let error: unknown = null;
        try {
          for await (const v of map(
            src,
            async (i, index) => {
              assert.equal(i, index);
              started++;
              assert.ok(++running <= concurrency, 'concurrency bound');
              try {
                await sleep(delays[i]!);
                if (i === failAt) throw new Error(`fail ${i}`);
                return i * 2;
              } finally {
                running--;
                ended++;
              }
            },
            { concurrency, ordered },
          )) {
            out.push(v);
            if (out.length === breakAt) break;
          }
        } catch (e) {
          error = e;
        }
        assert.equal(running, 0, `run ${run}: no call left running (seed ${SEED})`);
        assert.equal(ended, started);
        const tasks = loop._liveTasks().filter((t) => t.name === 'map worker');
        assert.equal(tasks.length, 0, `run ${run}: no worker left`);
        if (error !== null) {
          assert.ok(!isCancelled(error) && (error as Error).message === `fail ${failAt}`);
        } else if (out.length !== breakAt) {
          assert.equal(failAt >= n || failAt < 0, true);
          const expected = Array.from({ length: n }, (_, i) => i * 2);
          assert.deepEqual(ordered ? out : [...out].sort((a, b) => a - b), expected);
        }
        if (ordered) out.forEach((v, i) => assert.equal(v, i * 2, `run ${run}: in order`));
      }
    });
  });

  it('a queue shut down in the middle of a random workload wakes every task and loses nothing', async () => {
    const r = rng(13);
    await vrun(async () => {
      const q = new Queue<number>({ maxsize: 5 });
      const got: number[] = [];
      const put: number[] = [];
      const consumers = Array.from({ length: 20 }, () =>
        createTask(async () => {
          for await (const x of q) {
            got.push(x);
            await sleep(r.int(3));
          }
        }),
      );
      const producers = Array.from({ length: 20 }, (_, p) =>
        createTask(async () => {
          for (let i = 0; ; i++) {
            const item = p * 1_000_000 + i;
            try {
              await q.put(item);
            } catch (e) {
              if (e instanceof QueueShutDown) return;
              throw e;
            }
            put.push(item);
            await sleep(r.int(3));
          }
        }),
      );
      await sleep(500);
      q.shutdown();
      for (const t of [...consumers, ...producers]) await t;
      assert.deepEqual([...got].sort(), [...put].sort());
      assert.equal(new Set(got).size, got.length);
      assert.equal(q.statistics().unfinished, 0);
    });
  });

  it('cancellation keeps its meaning: a CancelledError from a primitive is a CancelledError', async () => {
    await vrun(async () => {
      const lock = new Lock();
      await lock.acquire();
      const t = createTask(() => lock.acquire());
      await sleep(0);
      t.cancel('why');
      await assert.rejects(
        t.then(),
        (e: unknown) => e instanceof CancelledError && e.message === 'why',
      );
      lock.release();
    });
  });
});
