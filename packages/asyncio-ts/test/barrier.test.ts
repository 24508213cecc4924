// Tests of src/barrier.ts: Barrier.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import {
  Barrier,
  BrokenBarrierError,
  CancelledError,
  createTask,
  gather,
  sleep,
} from '../src/index.js';
import { virtualRunner, settle } from './helpers.js';

const vrun = virtualRunner('none');

const isBroken = (e: unknown): boolean => e instanceof BrokenBarrierError;

describe('Barrier', () => {
  it('releases all parties at once when the last arrives, each with its index in arrival order', async () => {
    await vrun(async (loop) => {
      const barrier = new Barrier(3);
      const seen: [string, number, number][] = [];
      const party = (name: string, delay: number) => async () => {
        await sleep(delay);
        const i = await barrier.wait();
        seen.push([name, i, loop.time()]);
        return i;
      };
      const r = await gather([party('a', 30), party('b', 10), party('c', 20)]);
      assert.deepEqual(r, [2, 0, 1]);
      assert.ok(
        seen.every(([, , t]) => t === 30),
        'all released at the last arrival',
      );
    });
  });

  it('starts over for the next round', async () => {
    await vrun(async () => {
      const barrier = new Barrier(2);
      for (let round = 0; round < 3; round++) {
        const [a, b] = await gather([() => barrier.wait(), () => barrier.wait()]);
        assert.deepEqual([a, b].sort(), [0, 1]);
      }
      assert.equal(barrier.statistics().cycles, 3);
      assert.equal(barrier.nWaiting, 0);
    });
  });

  it('a barrier of one party never waits', async () => {
    await vrun(async () => {
      const barrier = new Barrier(1);
      assert.equal(await barrier.wait(), 0);
      assert.equal(await barrier.wait(), 0);
    });
  });

  it('reset() fails the waiting parties with BrokenBarrierError at once and the barrier works again', async () => {
    await vrun(async () => {
      const barrier = new Barrier(3);
      const a = createTask(() => barrier.wait());
      const b = createTask(() => barrier.wait());
      await settle();
      assert.equal(barrier.nWaiting, 2);
      barrier.reset();
      assert.equal(barrier.nWaiting, 0, 'synchronous');
      assert.equal(barrier.broken, false);
      await assert.rejects(a.then(), isBroken);
      await assert.rejects(b.then(), isBroken);
      const r = await gather([() => barrier.wait(), () => barrier.wait(), () => barrier.wait()]);
      assert.deepEqual([...r].sort(), [0, 1, 2]);
    });
  });

  it('abort() breaks the barrier for the waiting parties and every later wait(), until reset()', async () => {
    await vrun(async () => {
      const barrier = new Barrier(2);
      const a = createTask(() => barrier.wait());
      await settle();
      barrier.abort();
      assert.equal(barrier.broken, true);
      await assert.rejects(a.then(), isBroken);
      await assert.rejects(barrier.wait(), isBroken);
      assert.equal(String(barrier), '<Barrier broken waiting=0/2>');
      barrier.reset();
      assert.equal(barrier.broken, false);
      const r = await gather([() => barrier.wait(), () => barrier.wait()]);
      assert.deepEqual([...r].sort(), [0, 1]);
    });
  });

  it('a party cancelled while waiting leaves without breaking the barrier', async () => {
    await vrun(async () => {
      const barrier = new Barrier(2);
      const a = createTask(() => barrier.wait());
      await settle();
      a.cancel();
      await assert.rejects(a.then(), (e: unknown) => e instanceof CancelledError);
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
      const r = await gather([() => barrier.wait(), () => barrier.wait()]);
      assert.deepEqual([...r].sort(), [0, 1]);
    });
  });

  it('rejects a party count that is not a positive integer with RangeError', () => {
    assert.throws(() => new Barrier(0), RangeError);
    assert.throws(() => new Barrier(-2), RangeError);
    assert.throws(() => new Barrier(2.5), RangeError);
  });

  it('parties, nWaiting, broken, statistics() and toString() describe it', async () => {
    await vrun(async () => {
      const barrier = new Barrier(3);
      assert.equal(barrier.parties, 3);
      const a = createTask(() => barrier.wait());
      const b = createTask(() => barrier.wait());
      await settle();
      const s = barrier.statistics();
      assert.ok(Object.isFrozen(s));
      assert.deepEqual(s, { parties: 3, nWaiting: 2, broken: false, cycles: 0 });
      assert.equal(inspect(barrier), '<Barrier waiting=2/3>');
      await barrier.wait();
      await gather([a, b]);
      assert.deepEqual(barrier.statistics(), { parties: 3, nWaiting: 0, broken: false, cycles: 1 });
    });
  });
});
