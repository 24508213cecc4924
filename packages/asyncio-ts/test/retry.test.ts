// Tests of src/retry.ts: retry().
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError, createTask, retry, sleep, type EventLoop } from '../src/index.js';
import { virtualRunner } from './helpers.js';

const vrun = virtualRunner('none');

/** Calls fn with Math.random replaced by the given sequence (cycled). */
async function withRandom<T>(values: number[], fn: () => Promise<T>): Promise<T> {
  const original = Math.random;
  let i = 0;
  Math.random = () => values[i++ % values.length]!;
  try {
    return await fn();
  } finally {
    Math.random = original;
  }
}

/** A function failing `failures` times, recording the loop time of each call. */
function flaky(loop: EventLoop, failures: number, make = (n: number) => new Error(`fail ${n}`)) {
  const calls: { attempt: number; at: number }[] = [];
  const fn = async (attempt: number): Promise<string> => {
    calls.push({ attempt, at: loop.time() });
    await sleep(0);
    if (calls.length <= failures) throw make(calls.length);
    return `ok after ${attempt}`;
  };
  return { fn, calls };
}

describe('retry()', () => {
  it('returns the first success, calling fn with the attempt number from 1', async () => {
    await vrun(async (loop) => {
      const { fn, calls } = flaky(loop, 2);
      assert.equal(await retry(fn, { jitter: false }), 'ok after 3');
      assert.deepEqual(
        calls.map((c) => c.attempt),
        [1, 2, 3],
      );
    });
  });

  it('rethrows the last error itself after the last attempt, with the attempt count', async () => {
    await vrun(async (loop) => {
      const { fn, calls } = flaky(loop, 10);
      const err = await retry(fn, { attempts: 4, delay: 10, jitter: false }).catch(
        (e: unknown) => e,
      );
      assert.ok(err instanceof Error);
      assert.equal(err.message, 'fail 4', 'the last error, not a wrapper');
      assert.equal((err as Error & { attempts: number }).attempts, 4);
      assert.equal(calls.length, 4);
    });
  });

  it('waits with exponential backoff (delay, factor) under a maxDelay cap', async () => {
    await vrun(async (loop) => {
      const { fn, calls } = flaky(loop, 4);
      await retry(fn, { attempts: 5, delay: '100ms', factor: 3, maxDelay: 1000, jitter: false });
      const gaps = calls.slice(1).map((c, i) => c.at - calls[i]!.at);
      assert.deepEqual(gaps, [100, 300, 900, 1000]);
    });
  });

  it('defaults to 3 attempts, 100 ms then doubling', async () => {
    await vrun(async (loop) => {
      const { fn, calls } = flaky(loop, 5);
      await assert.rejects(retry(fn, { jitter: false }), /fail 3/);
      assert.deepEqual(
        calls.map((c) => c.at),
        [0, 100, 300],
      );
    });
  });

  it('full jitter draws each wait in [0, nominal delay]', async () => {
    await vrun(async (loop) => {
      const { fn, calls } = flaky(loop, 3);
      const delays: number[] = [];
      await withRandom([0, 0.5, 0.999], () =>
        retry(fn, { attempts: 4, delay: 1000, onRetry: (_e, _a, d) => delays.push(d) }),
      );
      assert.deepEqual(delays, [0, 1000, 3996]);
      const gaps = calls.slice(1).map((c, i) => c.at - calls[i]!.at);
      assert.deepEqual(gaps, delays);
      const { fn: fn2 } = flaky(loop, 30);
      const seen: [number, number][] = [];
      await assert.rejects(
        retry(fn2, {
          attempts: 30,
          delay: 10,
          factor: 1.5,
          maxDelay: 2000,
          onRetry: (_e, attempt, d) => seen.push([attempt, d]),
        }),
      );
      for (const [attempt, d] of seen) {
        const nominal = Math.min(2000, 10 * 1.5 ** (attempt - 1));
        assert.ok(d >= 0 && d <= nominal, `attempt ${attempt}: ${d} in [0, ${nominal}]`);
      }
      assert.ok(new Set(seen.map(([, d]) => d)).size > 20, 'the waits are random');
    });
  });

  it('an error with a numeric retryAfter makes the next wait at least that long, even above maxDelay', async () => {
    await vrun(async (loop) => {
      const { fn, calls } = flaky(loop, 2, (n) =>
        Object.assign(new Error(`429 #${n}`), { retryAfter: n === 1 ? 5000 : 1 }),
      );
      await withRandom([0.5], () => retry(fn, { delay: 100, maxDelay: 1000 }));
      assert.deepEqual(
        calls.map((c) => c.at),
        [0, 5000, 5100],
      );
    });
  });

  it('retryIf() decides which errors are retried; others are rethrown at once', async () => {
    await vrun(async (loop) => {
      const { fn, calls } = flaky(loop, 5, (n) =>
        Object.assign(new Error(`e${n}`), { status: n === 1 ? 503 : 404 }),
      );
      const err = await retry(fn, {
        attempts: 5,
        jitter: false,
        retryIf: (e) => (e as { status: number }).status >= 500,
      }).catch((e: unknown) => e);
      assert.equal((err as Error).message, 'e2');
      assert.equal((err as { attempts: number }).attempts, 2);
      assert.equal(calls.length, 2);
    });
  });

  it('onRetry(err, attempt, delay) is called before each wait', async () => {
    await vrun(async (loop) => {
      const { fn } = flaky(loop, 2);
      const log: string[] = [];
      await retry(fn, {
        delay: 50,
        jitter: false,
        onRetry: (e, attempt, d) =>
          log.push(`${(e as Error).message} #${attempt} ${d}ms @${loop.time()}`),
      });
      assert.deepEqual(log, ['fail 1 #1 50ms @0', 'fail 2 #2 100ms @50']);
    });
  });

  it('never retries a CancelledError', async () => {
    await vrun(async () => {
      let calls = 0;
      await assert.rejects(
        retry(() => {
          calls++;
          throw new CancelledError('stop');
        }),
        (e: unknown) => e instanceof CancelledError && !('attempts' in e),
      );
      assert.equal(calls, 1);
    });
  });

  it('the waits are cancellation points: cancelling during a wait stops retrying', async () => {
    await vrun(async (loop) => {
      const { fn, calls } = flaky(loop, 10);
      const t = createTask(() => retry(fn, { attempts: 10, delay: '1h', jitter: false }));
      await sleep(1000);
      t.cancel();
      await assert.rejects(t.then(), (e: unknown) => e instanceof CancelledError);
      assert.equal(calls.length, 1);
      assert.equal(loop.time(), 1000);
    });
  });

  it('attempts: Infinity retries until success', async () => {
    await vrun(async (loop) => {
      const { fn, calls } = flaky(loop, 20);
      assert.equal(await retry(fn, { attempts: Infinity, delay: 1, maxDelay: 10 }), 'ok after 21');
      assert.equal(calls.length, 21);
    });
  });

  it('rejects invalid options: RangeError for attempts 0, a factor below 1 or a negative delay, TypeError for an unparsable one', async () => {
    await vrun(async () => {
      const ok = (): Promise<number> => Promise.resolve(1);
      await assert.rejects(retry(ok, { attempts: 0 }), RangeError);
      await assert.rejects(retry(ok, { attempts: 1.5 }), RangeError);
      await assert.rejects(retry(ok, { factor: 0.5 }), RangeError);
      await assert.rejects(retry(ok, { delay: -1 }), RangeError);
      await assert.rejects(retry(ok, { delay: 'later' as never }), TypeError);
      await assert.rejects(retry(42 as never), TypeError);
      assert.equal(await retry(ok, { attempts: 1 }), 1);
    });
  });
});
