// Tests of src/keyed-limiter.ts: KeyedLimiter.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import {
  CancelledError,
  KeyedLimiter,
  createTask,
  formatTaskTree,
  gather,
  getRunningLoop,
  sleep,
} from '../src/index.js';
import { virtualRunner, settle } from './helpers.js';

const vrun = virtualRunner('timers');

const isCancelledError = (e: unknown): boolean => e instanceof CancelledError;

describe('KeyedLimiter', () => {
  it('caps the acquisitions in flight per key, and keys do not limit each other', async () => {
    await vrun(async () => {
      const limiter = new KeyedLimiter({ concurrency: 2 });
      const running = new Map<string, number>();
      const peak = new Map<string, number>();
      const job = (key: string) => () =>
        limiter.run(key, async () => {
          const n = (running.get(key) ?? 0) + 1;
          running.set(key, n);
          peak.set(key, Math.max(peak.get(key) ?? 0, n));
          await sleep(10);
          running.set(key, running.get(key)! - 1);
        });
      await gather([
        ...Array.from({ length: 6 }, () => job('a')),
        ...Array.from({ length: 3 }, () => job('b')),
      ]);
      assert.deepEqual(Object.fromEntries(peak), { a: 2, b: 2 });
    });
  });

  it('enforces a sliding-window rate per key', async () => {
    await vrun(async (loop) => {
      const limiter = new KeyedLimiter({ rate: 2, period: '1s' });
      const times: Record<string, number[]> = { a: [], b: [] };
      await gather(
        ['a', 'a', 'a', 'a', 'a', 'b', 'b'].map((key) => async () => {
          const release = await limiter.acquire(key);
          times[key]!.push(loop.time());
          release();
        }),
      );
      assert.deepEqual(times, { a: [0, 0, 1000, 1000, 2000], b: [0, 0] });
    });
  });

  it('serves the waiters of a key first-come first-served', async () => {
    await vrun(async () => {
      const limiter = new KeyedLimiter({ concurrency: 1 });
      const order: number[] = [];
      await gather(
        [1, 2, 3, 4].map(
          (i) => () =>
            limiter.run('k', async () => {
              order.push(i);
              await sleep(5);
            }),
        ),
      );
      assert.deepEqual(order, [1, 2, 3, 4]);
    });
  });

  it('shares totalConcurrency fairly: one busy key never starves the others', async () => {
    await vrun(async () => {
      const limiter = new KeyedLimiter({ totalConcurrency: 2 });
      const order: string[] = [];
      const job = (key: string) => () =>
        limiter.run(key, async () => {
          order.push(key);
          await sleep(10);
        });
      const busy = Array.from({ length: 50 }, () => job('busy'));
      const tasks = busy.map((f) => createTask(f));
      await settle();
      const quiet = [createTask(job('quiet')), createTask(job('other'))];
      await gather([...tasks, ...quiet]);
      const firstQuiet = order.indexOf('quiet');
      const firstOther = order.indexOf('other');
      assert.ok(firstQuiet >= 0 && firstQuiet <= 4, `quiet served early (at ${firstQuiet})`);
      assert.ok(firstOther >= 0 && firstOther <= 4, `other served early (at ${firstOther})`);
      assert.equal(order.length, 52);
      assert.equal(limiter.statistics().inFlight, 0);
    });
  });

  it('holdOff(key, ms) pauses new acquisitions of that key only, leaving those in flight alone', async () => {
    await vrun(async (loop) => {
      const limiter = new KeyedLimiter();
      const inFlight = await limiter.acquire('api');
      limiter.holdOff('api', '2s');
      assert.equal(limiter.statistics('api').heldUntil, 2000);
      const other = await limiter.acquire('elsewhere');
      assert.equal(loop.time(), 0, 'other keys are not affected');
      other();
      const waiter = createTask(async () => {
        const r = await limiter.acquire('api');
        r();
        return loop.time();
      });
      await sleep(500);
      limiter.holdOff('api', 100); // shorter: changes nothing
      assert.equal(limiter.statistics('api').heldUntil, 2000);
      inFlight(); // releasing does not end the hold-off
      assert.equal(await waiter, 2000);
      assert.equal(limiter.statistics('api').heldUntil, null);
    });
  });

  it('holdOff() extends a hold-off for waiters already queued', async () => {
    await vrun(async (loop) => {
      const limiter = new KeyedLimiter({ concurrency: 1 });
      limiter.holdOff('h', 1000);
      const t = createTask(async () => {
        (await limiter.acquire('h'))();
        return loop.time();
      });
      await sleep(500);
      limiter.holdOff('h', 1000);
      assert.equal(await t, 1500);
    });
  });

  it('a cancelled waiter takes no place and no rate slot, and the next waiter goes', async () => {
    await vrun(async (loop) => {
      const limiter = new KeyedLimiter({ concurrency: 1, rate: 2, period: 1000 });
      const held = await limiter.acquire('k');
      const a = createTask(() => limiter.acquire('k'));
      const b = createTask(async () => {
        const r = await limiter.acquire('k');
        return [loop.time(), r] as const;
      });
      await settle();
      assert.equal(limiter.statistics('k').waiting, 2);
      a.cancel();
      await assert.rejects(a.then(), isCancelledError);
      await sleep(100);
      held();
      const [at, release] = await b;
      assert.equal(at, 100);
      assert.equal(limiter.statistics('k').used, 2, 'only the two grants used slots');
      release();
    });
  });

  it('a place handed to a waiter cancelled a moment later is released by run()', async () => {
    await vrun(async () => {
      const limiter = new KeyedLimiter({ concurrency: 1 });
      const held = await limiter.acquire('k');
      let ran = false;
      const t = createTask(() =>
        limiter.run('k', async () => {
          ran = true;
          await sleep(10);
        }),
      );
      await settle();
      held();
      t.cancel();
      await assert.rejects(t.then(), isCancelledError);
      assert.equal(ran, true);
      assert.equal(limiter.statistics('k').inFlight, 0);
    });
  });

  it('run() releases when fn throws; release is idempotent and disposable', async () => {
    await vrun(async () => {
      const limiter = new KeyedLimiter({ concurrency: 1 });
      await assert.rejects(
        limiter.run('k', () => {
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(limiter.statistics().inFlight, 0);
      const r = await limiter.acquire('k');
      r();
      r();
      assert.equal(limiter.statistics().inFlight, 0, 'a second call does nothing');
      {
        using _release = await limiter.acquire('k');
        assert.equal(limiter.statistics('k').inFlight, 1);
      }
      assert.equal(limiter.statistics('k').inFlight, 0);
    });
  });

  it('tryAcquire() takes a free place or returns null, never waiting', async () => {
    await vrun(() => {
      const limiter = new KeyedLimiter({ concurrency: 1 });
      const r = limiter.tryAcquire('k');
      assert.equal(typeof r, 'function');
      assert.equal(limiter.tryAcquire('k'), null);
      r!();
      assert.notEqual(limiter.tryAcquire('k'), null);
    });
  });

  it('forgets idle keys, so memory stays bounded however many keys pass', async () => {
    await vrun(async () => {
      const limiter = new KeyedLimiter({ concurrency: 2, rate: 5, period: 100 });
      for (let i = 0; i < 10_000; i++) {
        const r = await limiter.acquire(`host-${i}`);
        r();
        if (i % 100 === 99) await sleep(50);
      }
      assert.ok(limiter.statistics().keys < 400, `keys: ${limiter.statistics().keys}`);
      const plain = new KeyedLimiter<number>({ concurrency: 2 });
      for (let i = 0; i < 1000; i++) (await plain.acquire(i))();
      assert.equal(plain.statistics().keys, 0, 'without a rate, a key is forgotten at release');
    });
  });

  it('remembers a key while it is held off or has recent acquisitions', async () => {
    await vrun(async () => {
      const limiter = new KeyedLimiter({ rate: 1, period: 1000 });
      (await limiter.acquire('a'))();
      limiter.holdOff('b', 5000);
      assert.equal(limiter.statistics().keys, 2);
      await sleep(1000);
      (await limiter.acquire('c'))(); // a new key sweeps the old ones
      assert.equal(limiter.statistics().keys, 2, "'a' was forgotten, 'b' is still held off");
      const t = createTask(async () => {
        (await limiter.acquire('b'))();
      });
      await t;
      assert.equal(getRunningLoop().time(), 5000);
    });
  });

  it('limitsFor(key) overrides the limits of one key', async () => {
    await vrun(async (loop) => {
      const limiter = new KeyedLimiter<string>({
        concurrency: 4,
        limitsFor: (key) => (key === 'slow.example' ? { rate: 1, period: '1s' } : undefined),
      });
      const times: number[] = [];
      await gather(
        [0, 1, 2].map(() => async () => {
          (await limiter.acquire('slow.example'))();
          times.push(loop.time());
        }),
      );
      assert.deepEqual(times, [0, 1000, 2000]);
      assert.deepEqual(limiter.statistics('fast.example'), {
        key: 'fast.example',
        inFlight: 0,
        waiting: 0,
        heldUntil: null,
        used: 0,
        concurrency: 4,
        rate: null,
        period: null,
      });
    });
  });

  it('rejects a cap or rate of 0 with RangeError, and a rate without a period with TypeError', async () => {
    assert.throws(() => new KeyedLimiter({ concurrency: 0 }), RangeError);
    assert.throws(() => new KeyedLimiter({ totalConcurrency: 0 }), RangeError);
    assert.throws(() => new KeyedLimiter({ rate: 0, period: 1000 }), RangeError);
    assert.throws(() => new KeyedLimiter({ rate: 1 }), TypeError);
    assert.throws(() => new KeyedLimiter({ rate: 1, period: 0 }), RangeError);
    const bad = new KeyedLimiter({ limitsFor: () => ({ concurrency: -1 }) });
    await vrun(async () => {
      await assert.rejects(bad.acquire('x'), RangeError);
      assert.throws(() => bad.holdOff('x', -5), RangeError);
      assert.throws(() => new KeyedLimiter().holdOff('x', null as never), TypeError);
    });
  });

  it('statistics() per key and overall are frozen; toString(), inspect and the task tree show the state', async () => {
    await vrun(async () => {
      const limiter = new KeyedLimiter({
        concurrency: 1,
        rate: 10,
        period: '1m',
        totalConcurrency: 8,
      });
      assert.equal(String(limiter), '<KeyedLimiter keys=0 inFlight=0/8>');
      const r = await limiter.acquire('example.com');
      const w = createTask(() => limiter.acquire('example.com'));
      await settle();
      limiter.holdOff('example.com', '30s');
      const k = limiter.statistics('example.com');
      assert.ok(Object.isFrozen(k));
      assert.deepEqual(k, {
        key: 'example.com',
        inFlight: 1,
        waiting: 1,
        heldUntil: 30000,
        used: 1,
        concurrency: 1,
        rate: 10,
        period: 60000,
      });
      const s = limiter.statistics();
      assert.ok(Object.isFrozen(s));
      assert.deepEqual(s, { keys: 1, inFlight: 1, waiting: 1, totalConcurrency: 8 });
      assert.equal(inspect(limiter), '<KeyedLimiter keys=1 inFlight=1/8 waiting=1>');
      assert.match(formatTaskTree(), /KeyedLimiter\.acquire\(example\.com\)/);
      r();
      (await w)();
      assert.equal(getRunningLoop().time(), 30000);
    });
  });
});
