// Tests of src/semaphores.ts: Semaphore, BoundedSemaphore.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import {
  BoundedSemaphore,
  CancelledError,
  InvalidStateError,
  Semaphore,
  createTask,
  gather,
  sleep,
} from '../src/index.js';
import { virtualRunner, settle } from './helpers.js';

const vrun = virtualRunner('none');

const isCancelledError = (e: unknown): boolean => e instanceof CancelledError;

describe('Semaphore', () => {
  it('lets `value` holders in at once and makes the next ones wait', async () => {
    await vrun(async (loop) => {
      const sem = new Semaphore(2);
      let running = 0;
      let peak = 0;
      const starts: number[] = [];
      await gather(
        [0, 1, 2, 3, 4].map(
          () => () =>
            sem.run(async () => {
              starts.push(loop.time());
              peak = Math.max(peak, ++running);
              await sleep(10);
              running--;
            }),
        ),
      );
      assert.equal(peak, 2);
      assert.deepEqual(starts, [0, 0, 10, 10, 20]);
      assert.equal(sem.statistics().value, 2);
    });
  });

  it('defaults to one permit, and rejects a negative or fractional value with RangeError', () => {
    assert.equal(new Semaphore().statistics().value, 1);
    assert.equal(new Semaphore(0).locked(), true);
    assert.throws(() => new Semaphore(-1), RangeError);
    assert.throws(() => new Semaphore(1.5), RangeError);
    assert.throws(() => new Semaphore(NaN), RangeError);
  });

  it('serves waiters first-come first-served', async () => {
    await vrun(async () => {
      const sem = new Semaphore(0);
      const order: number[] = [];
      const tasks = [1, 2, 3].map((i) =>
        createTask(async () => {
          await sem.acquire();
          order.push(i);
        }),
      );
      await settle();
      for (let i = 0; i < 3; i++) sem.release();
      await gather(tasks);
      assert.deepEqual(order, [1, 2, 3]);
      assert.equal(sem.statistics().value, 0);
    });
  });

  it('acquire() with a free permit does not suspend', async () => {
    await vrun(async () => {
      const sem = new Semaphore(1);
      let otherRan = false;
      createTask(() => {
        otherRan = true;
      });
      await sem.acquire();
      assert.equal(otherRan, false);
      assert.equal(sem.locked(), true);
      sem.release();
      await settle();
    });
  });

  it('a waiter cancelled while waiting takes no permit, and permits are conserved', async () => {
    await vrun(async () => {
      const sem = new Semaphore(1);
      await sem.acquire();
      const a = createTask(() => sem.acquire());
      const b = createTask(() => sem.acquire());
      await settle();
      assert.equal(sem.statistics().waiters, 2);
      a.cancel();
      await assert.rejects(a.then(), isCancelledError);
      sem.release(); // to b
      assert.equal(await b, true);
      assert.deepEqual(sem.statistics(), { value: 0, initial: 1, waiters: 0 });
      sem.release();
      assert.deepEqual(sem.statistics(), { value: 1, initial: 1, waiters: 0 });
    });
  });

  it('a waiter cancelled after a permit was handed to it keeps it until run() releases it', async () => {
    await vrun(async () => {
      const sem = new Semaphore(1);
      await sem.acquire();
      let ran = false;
      const t = createTask(() =>
        sem.run(async () => {
          ran = true;
          await sleep(5);
        }),
      );
      await settle();
      sem.release();
      t.cancel();
      assert.equal(sem.statistics().value, 0);
      await assert.rejects(t.then(), isCancelledError);
      assert.equal(ran, true);
      assert.equal(sem.statistics().value, 1, 'the permit came back');
    });
  });

  it('run() releases the permit when fn throws or is cancelled', async () => {
    await vrun(async () => {
      const sem = new Semaphore(3);
      await assert.rejects(
        sem.run(() => {
          throw new Error('sync boom');
        }),
        /sync boom/,
      );
      const t = createTask(() => sem.run(() => sleep(1000)));
      await settle();
      assert.equal(sem.statistics().value, 2);
      t.cancel();
      await assert.rejects(t.then(), isCancelledError);
      assert.equal(sem.statistics().value, 3);
    });
  });

  it('statistics() is frozen and toString()/inspect show value, initial value and waiters', async () => {
    await vrun(async () => {
      const sem = new Semaphore(2);
      assert.equal(String(sem), '<Semaphore value=2/2>');
      await sem.acquire();
      await sem.acquire();
      const t = createTask(() => sem.acquire());
      await settle();
      const s = sem.statistics();
      assert.ok(Object.isFrozen(s));
      assert.deepEqual(s, { value: 0, initial: 2, waiters: 1 });
      assert.equal(inspect(sem), '<Semaphore value=0/2 waiters=1>');
      t.cancel();
      await assert.rejects(t.then(), isCancelledError);
    });
  });
});

describe('BoundedSemaphore', () => {
  it('release() above the initial value throws InvalidStateError', async () => {
    await vrun(async () => {
      const sem = new BoundedSemaphore(2);
      assert.ok(sem instanceof Semaphore);
      assert.throws(() => sem.release(), InvalidStateError);
      await sem.acquire();
      sem.release();
      assert.throws(() => sem.release(), InvalidStateError);
      assert.deepEqual(sem.statistics(), { value: 2, initial: 2, waiters: 0 });
      assert.equal(String(sem), '<BoundedSemaphore value=2/2>');
    });
  });

  it('release() with waiters hands the permit over', async () => {
    await vrun(async () => {
      const sem = new BoundedSemaphore(1);
      await sem.acquire();
      const t = createTask(() => sem.acquire());
      await settle();
      sem.release();
      assert.equal(await t, true);
      sem.release();
      assert.throws(() => sem.release(), InvalidStateError);
    });
  });
});
