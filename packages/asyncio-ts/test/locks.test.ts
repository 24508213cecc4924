// Tests of src/locks.ts: Lock, Event, Condition.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import {
  CancelledError,
  Condition,
  Event,
  InvalidStateError,
  Lock,
  createTask,
  formatTaskTree,
  gather,
  sleep,
} from '../src/index.js';
import { virtualRunner, settle } from './helpers.js';

const vrun = virtualRunner('timers');

/** Runs `main` on a virtual clock and checks that nothing is left behind. */

/** Lets every ready task run until it blocks. */

const isCancelledError = (e: unknown): boolean => e instanceof CancelledError;

describe('Lock', () => {
  it('acquire() takes a free lock without suspending, and release() frees it', async () => {
    await vrun(async () => {
      const lock = new Lock();
      let otherRan = false;
      createTask(() => {
        otherRan = true;
      });
      assert.equal(await lock.acquire(), true);
      assert.equal(otherRan, false, 'no turn of the loop passed');
      assert.equal(lock.locked(), true);
      lock.release();
      assert.equal(lock.locked(), false);
      await settle();
    });
  });

  it('serves waiters first-come first-served, handing the lock straight to the next one', async () => {
    await vrun(async () => {
      const lock = new Lock();
      const order: number[] = [];
      await lock.acquire();
      const tasks = [1, 2, 3].map((i) =>
        createTask(async () => {
          await lock.acquire();
          order.push(i);
          await sleep(10);
          lock.release();
        }),
      );
      await settle();
      assert.deepEqual(lock.statistics(), { locked: true, waiters: 3 });
      lock.release();
      assert.equal(lock.locked(), true, 'handed over, never free in between');
      await gather(tasks);
      assert.deepEqual(order, [1, 2, 3]);
      assert.equal(lock.locked(), false);
    });
  });

  it('release() of an unheld lock throws InvalidStateError', () => {
    const lock = new Lock();
    assert.throws(() => lock.release(), InvalidStateError);
  });

  it('a waiter cancelled while waiting leaves the queue without the lock', async () => {
    await vrun(async () => {
      const lock = new Lock();
      await lock.acquire();
      const got: string[] = [];
      const a = createTask(async () => {
        await lock.acquire();
        got.push('a');
        lock.release();
      });
      const b = createTask(async () => {
        await lock.acquire();
        got.push('b');
        lock.release();
      });
      await settle();
      a.cancel();
      await assert.rejects(a.then(), isCancelledError);
      assert.equal(lock.statistics().waiters, 1);
      lock.release();
      await b;
      assert.deepEqual(got, ['b']);
      assert.equal(lock.locked(), false);
    });
  });

  it('a waiter cancelled after the lock was handed to it holds it, sees the cancellation at its next await, and run() releases it', async () => {
    await vrun(async () => {
      const lock = new Lock();
      await lock.acquire();
      let inside = false;
      const t = createTask(() =>
        lock.run(async () => {
          inside = true;
          await sleep(100);
        }),
      );
      await settle();
      lock.release(); // handed to t
      t.cancel(); // before t resumed
      assert.equal(lock.locked(), true);
      await assert.rejects(t.then(), isCancelledError);
      assert.equal(inside, true, 'acquire() returned: the grant was not lost');
      assert.equal(lock.locked(), false, 'released as the cancellation unwound');
    });
  });

  it('run() releases the lock when fn throws, and returns what fn returns', async () => {
    await vrun(async () => {
      const lock = new Lock();
      assert.equal(await lock.run(() => 42), 42);
      await assert.rejects(
        lock.run(async () => {
          await sleep(1);
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(lock.locked(), false);
    });
  });

  it('run() cancelled while waiting never runs fn', async () => {
    await vrun(async () => {
      const lock = new Lock();
      await lock.acquire();
      let ran = false;
      const t = createTask(() =>
        lock.run(() => {
          ran = true;
        }),
      );
      await settle();
      t.cancel();
      await assert.rejects(t.then(), isCancelledError);
      lock.release();
      await settle();
      assert.equal(ran, false);
      assert.equal(lock.locked(), false);
    });
  });

  it('acquire() in a task with a pending cancellation rejects at once (a cancellation point)', async () => {
    await vrun(async () => {
      const lock = new Lock();
      const t = createTask(async () => {
        createTask(() => undefined); // something to do
        const me = t;
        me.cancel();
        await lock.acquire();
      });
      await assert.rejects(t.then(), isCancelledError);
      assert.equal(lock.locked(), false);
    });
  });

  it('statistics() is a frozen snapshot and toString()/inspect show the state', async () => {
    await vrun(async () => {
      const lock = new Lock();
      assert.equal(String(lock), '<Lock unlocked>');
      await lock.acquire();
      const t1 = createTask(() => lock.acquire());
      const t2 = createTask(() => lock.acquire());
      await settle();
      const s = lock.statistics();
      assert.ok(Object.isFrozen(s));
      assert.deepEqual(s, { locked: true, waiters: 2 });
      assert.equal(lock.toString(), '<Lock locked waiters=2>');
      assert.equal(inspect(lock), '<Lock locked waiters=2>');
      assert.match(formatTaskTree(), /Lock\.acquire/);
      t1.cancel();
      t2.cancel();
      await gather([t1, t2], { returnExceptions: true });
      assert.equal(lock.toString(), '<Lock locked>');
    });
  });

  it('works outside a task, on the default loop', async () => {
    const lock = new Lock();
    await lock.acquire();
    const p = lock.acquire();
    lock.release();
    assert.equal(await p, true);
    lock.release();
    assert.equal(lock.locked(), false);
  });
});

describe('Event', () => {
  it('set() wakes every waiter, and wait() returns at once while set', async () => {
    await vrun(async () => {
      const ev = new Event();
      assert.equal(ev.isSet(), false);
      const woken: number[] = [];
      const tasks = [1, 2, 3].map((i) =>
        createTask(async () => {
          assert.equal(await ev.wait(), true);
          woken.push(i);
        }),
      );
      await settle();
      assert.deepEqual(ev.statistics(), { set: false, waiters: 3 });
      assert.equal(String(ev), '<Event unset waiters=3>');
      ev.set();
      assert.equal(ev.statistics().waiters, 0);
      await gather(tasks);
      assert.deepEqual(woken, [1, 2, 3]);
      assert.equal(await ev.wait(), true);
      assert.equal(String(ev), '<Event set>');
      assert.equal(inspect(ev), '<Event set>');
    });
  });

  it('clear() makes later waits block until the next set()', async () => {
    await vrun(async (loop) => {
      const ev = new Event();
      ev.set();
      ev.clear();
      assert.equal(ev.isSet(), false);
      const t = createTask(async () => {
        await ev.wait();
        return loop.time();
      });
      await sleep(50);
      ev.set();
      assert.equal(await t, 50);
    });
  });

  it('a cancelled waiter stops waiting and the others are still woken', async () => {
    await vrun(async () => {
      const ev = new Event();
      const a = createTask(() => ev.wait());
      const b = createTask(() => ev.wait());
      await settle();
      a.cancel();
      await assert.rejects(a.then(), isCancelledError);
      assert.equal(ev.statistics().waiters, 1);
      ev.set();
      assert.equal(await b, true);
    });
  });
});

describe('Condition', () => {
  it('wait() and notify() without the lock throw InvalidStateError', async () => {
    await vrun(async () => {
      const cond = new Condition();
      await assert.rejects(cond.wait(), InvalidStateError);
      assert.throws(() => cond.notify(), InvalidStateError);
      assert.throws(() => cond.notifyAll(), InvalidStateError);
    });
  });

  it('wait() releases the lock while waiting and holds it again when it returns', async () => {
    await vrun(async () => {
      const cond = new Condition();
      const t = createTask(() =>
        cond.run(async () => {
          assert.equal(await cond.wait(), true);
          return cond.locked();
        }),
      );
      await settle();
      assert.equal(cond.locked(), false, 'released while waiting');
      await cond.acquire();
      assert.deepEqual(cond.statistics(), { locked: true, waiters: 1, lockWaiters: 0 });
      cond.notify();
      assert.equal(cond.statistics().waiters, 0);
      cond.release();
      assert.equal(await t, true);
      assert.equal(cond.locked(), false);
    });
  });

  it('notify(n) wakes n waiters first-come first-served, notifyAll() the rest', async () => {
    await vrun(async () => {
      const cond = new Condition();
      const order: number[] = [];
      const tasks = [1, 2, 3, 4].map((i) =>
        createTask(() =>
          cond.run(async () => {
            await cond.wait();
            order.push(i);
          }),
        ),
      );
      await settle();
      await cond.run(() => cond.notify(2));
      await settle();
      assert.deepEqual(order, [1, 2]);
      assert.equal(cond.statistics().waiters, 2);
      await cond.run(() => cond.notifyAll());
      await gather(tasks);
      assert.deepEqual(order, [1, 2, 3, 4]);
    });
  });

  it('wait() cancelled re-acquires the lock before throwing CancelledError', async () => {
    await vrun(async () => {
      const cond = new Condition();
      let heldInCatch: boolean | undefined;
      const t = createTask(async () => {
        await cond.acquire();
        try {
          await cond.wait();
        } catch (e) {
          heldInCatch = cond.locked();
          throw e;
        } finally {
          cond.release();
        }
      });
      await settle();
      await cond.acquire(); // someone else holds the lock when the cancellation arrives
      t.cancel();
      await settle();
      assert.equal(t.done(), false, 'waits for the lock before throwing');
      assert.equal(cond.statistics().lockWaiters, 1);
      cond.release();
      await assert.rejects(t.then(), isCancelledError);
      assert.equal(heldInCatch, true);
      assert.equal(cond.locked(), false);
    });
  });

  it('a cancellation arriving while wait() re-acquires the lock after a notify is delivered at the next await, and the notification is not lost', async () => {
    await vrun(async () => {
      const cond = new Condition();
      let returned = false;
      const t = createTask(async () => {
        await cond.acquire();
        try {
          await cond.wait();
          returned = true;
          await sleep(1); // the cancellation arrives here
        } finally {
          cond.release();
        }
      });
      await settle();
      await cond.acquire();
      cond.notify();
      t.cancel(); // notified, now waiting for the lock
      await settle();
      cond.release();
      await assert.rejects(t.then(), isCancelledError);
      assert.equal(returned, true, 'wait() returned normally: the notification was consumed');
      assert.equal(cond.locked(), false);
    });
  });

  it('waitFor() checks the predicate first and again after each notification', async () => {
    await vrun(async () => {
      const cond = new Condition();
      let value = 0;
      let checks = 0;
      const t = createTask(() =>
        cond.run(() =>
          cond.waitFor(() => {
            checks++;
            return value >= 2 ? `value ${value}` : null;
          }),
        ),
      );
      await settle();
      assert.equal(checks, 1);
      for (let i = 0; i < 3; i++) {
        await cond.run(() => {
          value++;
          cond.notifyAll();
        });
        await settle();
      }
      assert.equal(await t, 'value 2');
      assert.equal(checks, 3);
      assert.equal(await cond.run(() => cond.waitFor(() => 'at once')), 'at once');
    });
  });

  it('shares a lock given to the constructor', async () => {
    await vrun(async () => {
      const lock = new Lock();
      const cond = new Condition(lock);
      await lock.acquire();
      assert.equal(cond.locked(), true);
      assert.equal(String(cond), '<Condition locked>');
      cond.release();
      assert.equal(lock.locked(), false);
      assert.throws(() => new Condition({} as Lock), TypeError);
    });
  });

  it('statistics() and toString() show waiters of the notification and of the lock', async () => {
    await vrun(async () => {
      const cond = new Condition();
      const w = createTask(() => cond.run(() => cond.wait()));
      await settle();
      await cond.acquire();
      const l = createTask(() => cond.acquire());
      await settle();
      const s = cond.statistics();
      assert.ok(Object.isFrozen(s));
      assert.deepEqual(s, { locked: true, waiters: 1, lockWaiters: 1 });
      assert.equal(inspect(cond), '<Condition locked waiters=1>');
      w.cancel();
      l.cancel();
      cond.release(); // w re-acquires it before its CancelledError comes out
      await gather([w, l], { returnExceptions: true });
      assert.equal(String(cond), '<Condition unlocked>');
    });
  });
});
