// Tests of src/ratelimit.ts: RateLimiter (sliding window) and TokenBucket.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import {
  CancelledError,
  RateLimiter,
  TokenBucket,
  createTask,
  formatTaskTree,
  gather,
  sleep,
} from '../src/index.js';
import { virtualRunner, settle } from './helpers.js';

const vrun = virtualRunner('timers');

const isCancelledError = (e: unknown): boolean => e instanceof CancelledError;

/** The most entries of `times` inside any half-open window [t, t + period). */
function maxInWindow(times: number[], period: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= period) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('RateLimiter', () => {
  it('allows `rate` acquisitions at once, then one more each time a slot frees', async () => {
    await vrun(async (loop) => {
      const limiter = new RateLimiter(3, 1000);
      const times: number[] = [];
      await gather(
        Array.from({ length: 8 }, () => async () => {
          await limiter.acquire();
          times.push(loop.time());
        }),
      );
      assert.deepEqual(times, [0, 0, 0, 1000, 1000, 1000, 2000, 2000]);
    });
  });

  it('is a sliding window: a slot taken at t is free again at t + period', async () => {
    await vrun(async (loop) => {
      const limiter = new RateLimiter(3, '1s');
      const times: number[] = [];
      for (const at of [0, 300, 600]) {
        await sleep(at - loop.time());
        await limiter.acquire();
        times.push(loop.time());
      }
      for (let i = 0; i < 3; i++) {
        await limiter.acquire();
        times.push(loop.time());
      }
      assert.deepEqual(times, [0, 300, 600, 1000, 1300, 1600]);
      assert.equal(maxInWindow(times, 1000), 3);
    });
  });

  it('a slot is not free a moment before t + period, and is free at t + period', async () => {
    await vrun(async () => {
      const limiter = new RateLimiter(1, 1000);
      await sleep(100);
      assert.equal(limiter.tryAcquire(), true);
      await sleep(999);
      assert.equal(limiter.tryAcquire(), false);
      await sleep(0.5);
      assert.equal(limiter.tryAcquire(), false);
      await sleep(0.5);
      assert.equal(limiter.tryAcquire(), true);
    });
  });

  it('never allows more than `rate` in any window, across random interleavings', async () => {
    await vrun(async (loop) => {
      const limiter = new RateLimiter(5, 100);
      const times: number[] = [];
      let seed = 7;
      const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
      await gather(
        Array.from({ length: 200 }, () => async () => {
          await sleep(Math.floor(rnd() * 500));
          if (rnd() < 0.3 ? limiter.tryAcquire() : (await limiter.acquire(), true)) {
            times.push(loop.time());
          }
        }),
      );
      assert.ok(times.length > 20);
      assert.equal(maxInWindow(times, 100), 5);
    });
  });

  it('serves waiters first-come first-served', async () => {
    await vrun(async () => {
      const limiter = new RateLimiter(1, 10);
      await limiter.acquire();
      const order: number[] = [];
      await gather(
        [1, 2, 3, 4].map((i) => async () => {
          await sleep(i); // arrive in order 1..4
          await limiter.acquire();
          order.push(i);
        }),
      );
      assert.deepEqual(order, [1, 2, 3, 4]);
    });
  });

  it('a cancelled waiter does not use a slot and leaves its place to the next', async () => {
    await vrun(async (loop) => {
      const limiter = new RateLimiter(1, 1000);
      await limiter.acquire();
      const a = createTask(() => limiter.acquire());
      const b = createTask(async () => {
        await limiter.acquire();
        return loop.time();
      });
      await settle();
      assert.equal(limiter.statistics().waiters, 2);
      a.cancel();
      await assert.rejects(a.then(), isCancelledError);
      assert.equal(await b, 1000);
      const t0 = loop.time();
      await limiter.acquire();
      assert.equal(loop.time() - t0, 1000, 'only b used the slot at 1000');
    });
  });

  it('removes its timer when the last waiter is cancelled', async () => {
    await vrun(async (loop) => {
      const limiter = new RateLimiter(1, 1000);
      await limiter.acquire();
      const a = createTask(() => limiter.acquire());
      await settle();
      assert.equal(loop._timerCount(), 1);
      a.cancel();
      await assert.rejects(a.then(), isCancelledError);
      assert.equal(loop._timerCount(), 0);
    });
  });

  it('acquire() with a free slot does not suspend; tryAcquire() never waits', async () => {
    await vrun(async () => {
      const limiter = new RateLimiter(2, 50);
      let otherRan = false;
      createTask(() => {
        otherRan = true;
      });
      await limiter.acquire();
      assert.equal(otherRan, false);
      assert.equal(limiter.tryAcquire(), true);
      assert.equal(limiter.tryAcquire(), false);
      const w = createTask(() => limiter.acquire());
      await sleep(60);
      assert.equal(w.done(), true);
      assert.equal(limiter.tryAcquire(), true);
      const w2 = createTask(() => limiter.acquire());
      await settle();
      assert.equal(limiter.tryAcquire(), false, 'a waiter is first in line');
      await w2;
    });
  });

  it('run() takes a slot before calling fn; cancelled while waiting, fn never runs', async () => {
    await vrun(async (loop) => {
      const limiter = new RateLimiter(1, 100);
      assert.equal(await limiter.run(() => loop.time()), 0);
      let ran = false;
      const t = createTask(() =>
        limiter.run(() => {
          ran = true;
        }),
      );
      await settle();
      t.cancel();
      await assert.rejects(t.then(), isCancelledError);
      assert.equal(ran, false);
      assert.equal(await limiter.run(() => loop.time()), 100);
    });
  });

  it('rejects a rate of 0 or a fractional rate, and a period that is not positive, with RangeError', () => {
    assert.throws(() => new RateLimiter(0, 1000), RangeError);
    assert.throws(() => new RateLimiter(-1, 1000), RangeError);
    assert.throws(() => new RateLimiter(1.5, 1000), RangeError);
    assert.throws(() => new RateLimiter(1, 0), RangeError);
    assert.throws(() => new RateLimiter(1, -5), RangeError);
    assert.throws(() => new RateLimiter(1, 'soon' as never), TypeError);
    assert.throws(() => new RateLimiter(1, null as never), RangeError);
    const l = new RateLimiter(1, '2s');
    assert.equal(l.period, 2000);
    assert.equal(l.rate, 1);
  });

  it('statistics() is frozen; toString(), inspect and the task tree show the state', async () => {
    await vrun(async () => {
      const limiter = new RateLimiter(2, '1m');
      assert.equal(String(limiter), '<RateLimiter 2 per 60000 ms used=0>');
      await limiter.acquire();
      await limiter.acquire();
      const w = createTask(() => limiter.acquire());
      await settle();
      const s = limiter.statistics();
      assert.ok(Object.isFrozen(s));
      assert.deepEqual(s, { rate: 2, period: 60000, used: 2, waiters: 1 });
      assert.equal(inspect(limiter), '<RateLimiter 2 per 60000 ms used=2 waiters=1>');
      assert.match(formatTaskTree(), /RateLimiter\.acquire/);
      await w;
      assert.equal(limiter.statistics().used, 1, 'the first two slots are free again');
    });
  });
});

describe('TokenBucket', () => {
  it('starts full: `burst` acquisitions at once, then one per refill interval', async () => {
    await vrun(async (loop) => {
      const bucket = new TokenBucket({ rate: 10, per: '1s', burst: 3 });
      const times: number[] = [];
      for (let i = 0; i < 6; i++) {
        await bucket.acquire();
        times.push(loop.time());
      }
      assert.deepEqual(times, [0, 0, 0, 100, 200, 300]);
    });
  });

  it('refills continuously up to burst, and burst defaults to rate', async () => {
    await vrun(async () => {
      const bucket = new TokenBucket({ rate: 4, per: 1000 });
      assert.equal(bucket.statistics().burst, 4);
      for (let i = 0; i < 4; i++) assert.equal(bucket.tryAcquire(), true);
      assert.equal(bucket.tryAcquire(), false);
      await sleep(375);
      assert.equal(bucket.statistics().tokens, 1.5);
      await sleep(10_000);
      assert.equal(bucket.statistics().tokens, 4, 'never more than burst');
    });
  });

  it('acquire(n) waits until n tokens have refilled; n above burst or not positive is a RangeError', async () => {
    await vrun(async (loop) => {
      const bucket = new TokenBucket({ rate: 2, per: 1000, burst: 5 });
      await bucket.acquire(5);
      await bucket.acquire(3);
      assert.equal(loop.time(), 1500);
      await assert.rejects(bucket.acquire(6), RangeError);
      await assert.rejects(bucket.acquire(0), RangeError);
      assert.throws(() => bucket.tryAcquire(-1), RangeError);
    });
  });

  it('serves waiters first-come first-served: a large request is not overtaken by small ones', async () => {
    await vrun(async (loop) => {
      const bucket = new TokenBucket({ rate: 1, per: 100, burst: 4 });
      await bucket.acquire(4);
      const done: [string, number][] = [];
      const big = createTask(async () => {
        await bucket.acquire(4);
        done.push(['big', loop.time()]);
      });
      await settle();
      const small = createTask(async () => {
        await bucket.acquire(1);
        done.push(['small', loop.time()]);
      });
      await gather([big, small]);
      assert.deepEqual(done, [
        ['big', 400],
        ['small', 500],
      ]);
    });
  });

  it('a cancelled waiter takes no tokens, and a smaller request behind it goes as soon as it can', async () => {
    await vrun(async (loop) => {
      const bucket = new TokenBucket({ rate: 1, per: 100, burst: 4 });
      await bucket.acquire(4);
      const big = createTask(() => bucket.acquire(4));
      await settle();
      const small = createTask(async () => {
        await bucket.acquire(1);
        return loop.time();
      });
      await sleep(150);
      big.cancel();
      await assert.rejects(big.then(), isCancelledError);
      assert.equal(await small, 150, 'one token was there when the big waiter left');
      assert.ok(Math.abs(bucket.statistics().tokens - 0.5) < 1e-9);
    });
  });

  it('run() takes one token before calling fn', async () => {
    await vrun(async (loop) => {
      const bucket = new TokenBucket({ rate: 1, per: 50 });
      assert.equal(await bucket.run(() => loop.time()), 0);
      assert.equal(await bucket.run(() => loop.time()), 50);
    });
  });

  it('rejects a rate, period or burst that is not positive with RangeError', () => {
    assert.throws(() => new TokenBucket({ rate: 0, per: 1000 }), RangeError);
    assert.throws(() => new TokenBucket({ rate: 1, per: 0 }), RangeError);
    assert.throws(() => new TokenBucket({ rate: 1, per: 1000, burst: 0 }), RangeError);
    assert.throws(() => new TokenBucket({ rate: 1, per: 'x' as never }), TypeError);
    assert.equal(new TokenBucket({ rate: 0.5, per: 1000 }).statistics().burst, 1);
  });

  it('statistics() is frozen and toString()/inspect show tokens and waiters', async () => {
    await vrun(async () => {
      const bucket = new TokenBucket({ rate: 10, per: '1s', burst: 2 });
      assert.equal(String(bucket), '<TokenBucket 10 per 1000 ms burst=2 tokens=2>');
      await bucket.acquire(2);
      const w = createTask(() => bucket.acquire());
      await settle();
      const s = bucket.statistics();
      assert.ok(Object.isFrozen(s));
      assert.deepEqual(s, { rate: 10, per: 1000, burst: 2, tokens: 0, waiters: 1 });
      assert.equal(inspect(bucket), '<TokenBucket 10 per 1000 ms burst=2 tokens=0 waiters=1>');
      await w;
    });
  });
});
