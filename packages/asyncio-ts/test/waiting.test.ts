import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CancelledError,
  EventLoop,
  Future,
  Task,
  TimeoutError,
  asCompleted,
  cancellable,
  createTask,
  currentTask,
  gather,
  getRunningLoop,
  run,
  shield,
  sleep,
  wait,
  waitFor,
  type Duration,
  type ExceptionContext,
} from '../src/index.js';
import { VirtualClock } from '../src/testing/index.js';

/**
 * Runs `main` on a virtual clock, collecting exception-handler reports, and checks
 * that it left no timer and no task behind. Resolves with main's result.
 */
async function vrun<T>(
  main: (loop: EventLoop, reports: ExceptionContext[]) => Promise<T> | T,
): Promise<T> {
  let loop: EventLoop | undefined;
  const reports: ExceptionContext[] = [];
  const result = await run(
    async () => {
      loop = getRunningLoop();
      loop.setExceptionHandler((ctx) => reports.push(ctx));
      return main(loop, reports);
    },
    { clock: new VirtualClock() },
  );
  assert.ok(loop !== undefined);
  assert.equal(loop._timerCount(), 0, 'a timer was left behind');
  assert.deepEqual(loop._liveTasks(), [], 'a task was left behind');
  assert.deepEqual(
    reports.map((r) => r.message),
    [],
    'nothing was reported through the exception handler',
  );
  return result;
}

async function rejectsCancelled(aw: PromiseLike<unknown>, msg?: string): Promise<void> {
  await assert.rejects(
    async () => {
      await aw;
    },
    (e: unknown) => {
      assert.ok(e instanceof CancelledError, `expected CancelledError, got ${String(e)}`);
      if (msg !== undefined) assert.equal(e.message, msg);
      return true;
    },
  );
}

/** A task that sleeps `ms`, records its end, and returns `value`. */
function after<T>(ms: number, value: T, log?: [unknown, number][]): Task<T> {
  return createTask(async () => {
    await sleep(ms);
    log?.push([value, getRunningLoop().time()]);
    return value;
  });
}

/** A task that sleeps `ms` then throws `err`. */
function failing(ms: number, err: unknown): Task<never> {
  return createTask(async () => {
    await sleep(ms);
    throw err;
  });
}

/** A promise the library did not make, settled on a later turn of Node's loop. */
function foreign<T>(value: T): Promise<T> {
  return new Promise((resolve) => setImmediate(() => resolve(value)));
}

/**
 * asCompleted yields Task objects, but TypeScript types a `for await` variable as the
 * awaited type of what is yielded (T, not Task<T>): this cast restores the real type.
 */
function asTask<T>(x: T): Task<T> {
  return x as unknown as Task<T>;
}

function loose(v: unknown): Duration {
  return v as Duration;
}

describe('gather', () => {
  it('resolves with the results in the order of the awaitables, not of completion', async () => {
    await vrun(async (loop) => {
      const fut = new Future<string>();
      loop.callLater(30, () => fut.setResult('future'));
      const results = await gather([
        after(20, 'task'),
        fut,
        foreign('promise'),
        async () => {
          await sleep(10);
          return 'function';
        },
      ]);
      assert.deepEqual(results, ['task', 'future', 'promise', 'function']);
      assert.equal(loop.time(), 30);
    });
  });

  it('gather([]) resolves with []', async () => {
    await vrun(async () => {
      assert.deepEqual(await gather([]), []);
    });
  });

  it('the same task twice gives its result twice', async () => {
    await vrun(async () => {
      const t = after(5, 'x');
      assert.deepEqual(await gather([t, t]), ['x', 'x']);
    });
  });

  it('without returnExceptions, rejects with the first error at once while the other children keep running', async () => {
    await vrun(async (loop) => {
      const log: [unknown, number][] = [];
      const err = new Error('b failed');
      const a = after(50, 'a', log);
      const b = failing(10, err);
      let cDone = false;
      const c = async () => {
        await sleep(30);
        cDone = true;
        return 'c';
      };
      await assert.rejects(gather([a, b, c]), (e) => e === err);
      assert.equal(loop.time(), 10);
      assert.equal(a.done(), false, 'a is not cancelled');
      assert.equal(a.cancelled(), false);
      await sleep(100);
      assert.deepEqual(log, [['a', 50]]);
      assert.equal(cDone, true);
      assert.equal(a.result(), 'a');
    });
  });

  it('a child failing after the gather already failed is not reported as unretrieved', async () => {
    // vrun asserts that nothing reached the exception handler
    await vrun(async () => {
      const first = new Error('first');
      await assert.rejects(gather([failing(10, first), failing(20, new Error('second'))]), first);
      await sleep(50);
    });
  });

  it('cancelling the task awaiting gather cancels every child that is not done', async () => {
    await vrun(async (loop) => {
      const cleaned: string[] = [];
      const child = (name: string, ms: number) => async () => {
        try {
          await sleep(ms);
        } finally {
          cleaned.push(name);
        }
      };
      const done = after(1, 'already done');
      const a = createTask(child('a', 100));
      const g = createTask(() => gather([done, a, child('fn', 200)]));
      await sleep(10);
      g.cancel('stop all');
      await rejectsCancelled(g);
      assert.equal(loop.time(), 10);
      assert.equal(a.cancelled(), true);
      assert.deepEqual(cleaned.sort(), ['a', 'fn']);
      assert.equal(done.result(), 'already done');
    });
  });

  it('cancelling the task awaiting gather rejects it with CancelledError even when a child absorbs the cancellation', async () => {
    await vrun(async () => {
      const stubborn = createTask(async () => {
        try {
          await sleep(100);
          return 'slept';
        } catch {
          return 'absorbed';
        }
      });
      const g = createTask(() => gather([stubborn], { returnExceptions: true }));
      await sleep(10);
      g.cancel();
      await rejectsCancelled(g);
      assert.equal(stubborn.result(), 'absorbed');
    });
  });

  it('with returnExceptions, errors take their child’s place, including the CancelledError of a cancelled child', async () => {
    await vrun(async (loop) => {
      const err = new Error('x');
      const a = failing(10, err);
      const b = after(100, 'b');
      const c = after(20, 'c');
      loop.callLater(5, () => b.cancel('b cancelled'));
      const results = await gather([a, b, c], { returnExceptions: true });
      assert.equal(results.length, 3);
      assert.equal(results[0], err);
      assert.ok(results[1] instanceof CancelledError);
      assert.equal(results[1].message, 'b cancelled');
      assert.equal(results[2], 'c');
      assert.equal(loop.time(), 20);
    });
  });

  it('without returnExceptions, a cancelled child makes gather reject with CancelledError', async () => {
    await vrun(async (loop) => {
      const a = after(100, 'a');
      const b = after(100, 'b');
      loop.callLater(5, () => a.cancel('child cancelled'));
      const g = createTask(() => gather([a, b]));
      await rejectsCancelled(g, 'child cancelled');
      assert.equal(loop.time(), 5);
      assert.equal(b.cancelled(), false);
      assert.equal(await b, 'b');
    });
  });

  it('rejects (without throwing) when not given an array', async () => {
    await vrun(async () => {
      let p: Promise<unknown> | undefined;
      assert.doesNotThrow(() => {
        p = gather(42 as unknown as []);
      });
      await assert.rejects(p!, TypeError);
    });
  });

  it('is a cancellation point: a cancellation pending on the task rejects it at once', async () => {
    await vrun(async () => {
      const child = after(10, 'child');
      const t = createTask(async () => {
        currentTask()!.cancel('pending');
        return gather([child]);
      });
      await rejectsCancelled(t, 'pending');
      assert.equal(await child, 'child');
    });
  });
});

describe('wait', () => {
  it('ALL_COMPLETED (the default) returns every task in done once all finished, without throwing their errors', async () => {
    await vrun(async (loop) => {
      const err = new Error('e');
      const a = after(10, 'a');
      const b = failing(20, err);
      const c = after(30, 'c');
      const { done, pending } = await wait([a, b, c]);
      assert.deepEqual(done, new Set([a, b, c]));
      assert.equal(pending.size, 0);
      assert.equal(loop.time(), 30);
      assert.equal(b.exception(), err);
    });
  });

  it('FIRST_COMPLETED returns at the first completion and cancels nothing', async () => {
    await vrun(async (loop) => {
      const a = after(10, 'a');
      const b = after(20, 'b');
      const c = after(30, 'c');
      const { done, pending } = await wait([a, b, c], { returnWhen: 'FIRST_COMPLETED' });
      assert.equal(loop.time(), 10);
      assert.deepEqual(done, new Set([a]));
      assert.deepEqual(pending, new Set([b, c]));
      assert.equal(await b, 'b');
      assert.equal(await c, 'c');
      assert.equal(loop.time(), 30);
    });
  });

  it('FIRST_EXCEPTION returns at the first failure and cancels nothing', async () => {
    await vrun(async (loop) => {
      const err = new Error('boom');
      const a = after(10, 'a');
      const b = failing(20, err);
      const c = after(30, 'c');
      const { done, pending } = await wait([a, b, c], { returnWhen: 'FIRST_EXCEPTION' });
      assert.equal(loop.time(), 20);
      assert.deepEqual(done, new Set([a, b]));
      assert.deepEqual(pending, new Set([c]));
      assert.equal(b.exception(), err);
      assert.equal(await c, 'c');
    });
  });

  it('FIRST_EXCEPTION without any failure returns when all completed', async () => {
    await vrun(async (loop) => {
      const a = after(10, 'a');
      const b = after(20, 'b');
      const { done, pending } = await wait([a, b], { returnWhen: 'FIRST_EXCEPTION' });
      assert.equal(loop.time(), 20);
      assert.deepEqual(done, new Set([a, b]));
      assert.equal(pending.size, 0);
    });
  });

  it('FIRST_EXCEPTION does not count a cancellation as an exception', async () => {
    await vrun(async (loop) => {
      const a = after(100, 'a');
      const b = after(20, 'b');
      loop.callLater(5, () => a.cancel());
      const { done, pending } = await wait([a, b], { returnWhen: 'FIRST_EXCEPTION' });
      assert.equal(loop.time(), 20);
      assert.deepEqual(done, new Set([a, b]));
      assert.equal(pending.size, 0);
    });
  });

  it('with a timeout, returns when it passes with the unfinished tasks in pending, not cancelled', async () => {
    await vrun(async (loop) => {
      const a = after(10, 'a');
      const b = after(100, 'b');
      const { done, pending } = await wait([a, b], { timeout: 50 });
      assert.equal(loop.time(), 50);
      assert.deepEqual(done, new Set([a]));
      assert.deepEqual(pending, new Set([b]));
      assert.equal(b.cancelled(), false);
      assert.equal(await b, 'b');
      assert.equal(loop.time(), 100);
    });
  });

  it("accepts a timeout string, and a timeout that does not fire leaves no timer ('2s')", async () => {
    await vrun(async (loop) => {
      const a = after(10, 'a');
      const { done } = await wait([a], { timeout: '2s' });
      assert.deepEqual(done, new Set([a]));
      assert.equal(loop.time(), 10);
      assert.equal(loop._timerCount(), 0);
    });
  });

  it('FIRST_COMPLETED with a timeout that passes first returns an empty done set', async () => {
    await vrun(async (loop) => {
      const a = after(1500, 'a');
      const { done, pending } = await wait([a], {
        timeout: '50ms',
        returnWhen: 'FIRST_COMPLETED',
      });
      assert.equal(done.size, 0);
      assert.deepEqual(pending, new Set([a]));
      assert.equal(loop.time(), 50);
      assert.equal(await a, 'a');
      assert.equal(loop.time(), 1500);
    });
  });

  it('returns at once when the condition already holds', async () => {
    await vrun(async (loop) => {
      const a = after(1, 'a');
      await a;
      const b = after(100, 'b');
      const { done, pending } = await wait([a, b], { returnWhen: 'FIRST_COMPLETED' });
      assert.equal(loop.time(), 1);
      assert.deepEqual(done, new Set([a]));
      assert.deepEqual(pending, new Set([b]));
      b.cancel();
    });
  });

  it('wraps functions and promises in tasks: the sets hold Task objects', async () => {
    await vrun(async () => {
      const { done } = await wait([() => Promise.resolve('fn'), foreign('promise')]);
      assert.equal(done.size, 2);
      const results: unknown[] = [];
      for (const t of done) {
        assert.ok(t instanceof Task);
        results.push(t.result());
      }
      assert.deepEqual(results.sort(), ['fn', 'promise']);
    });
  });

  it('cancelling the waiting task rejects the wait with CancelledError and cancels none of the awaitables', async () => {
    await vrun(async (loop) => {
      const a = after(100, 'a');
      const w = createTask(() => wait([a], { timeout: 500 }));
      await sleep(10);
      w.cancel();
      await rejectsCancelled(w);
      assert.equal(a.cancelled(), false);
      assert.equal(await a, 'a');
      assert.equal(loop.time(), 100);
      assert.equal(loop._timerCount(), 0, "the wait's timeout timer is gone");
    });
  });

  it('wait([]) rejects', async () => {
    await vrun(async () => {
      await assert.rejects(wait([]));
    });
  });

  describe('invalid options are rejections, not synchronous throws', () => {
    const cases: [string, unknown, new (...a: never[]) => Error][] = [
      ['a negative timeout', -1, RangeError],
      ['a NaN timeout', NaN, RangeError],
      ['an unparsable timeout', 'soon', TypeError],
    ];
    for (const [what, timeout, cls] of cases) {
      it(`${what} rejects with ${cls.name}`, async () => {
        await vrun(async () => {
          const a = after(10, 'a');
          let p: Promise<unknown> | undefined;
          assert.doesNotThrow(() => {
            p = wait([a], { timeout: loose(timeout) });
          });
          await assert.rejects(p!, cls);
          await a;
        });
      });
    }

    it('an unknown returnWhen rejects with TypeError', async () => {
      await vrun(async () => {
        const a = after(10, 'a');
        await assert.rejects(wait([a], { returnWhen: 'WHENEVER' as 'ALL_COMPLETED' }), TypeError);
        await a;
      });
    });
  });
});

describe('waitFor', () => {
  it('resolves with the result when it arrives in time', async () => {
    await vrun(async (loop) => {
      assert.equal(await waitFor(after(40, 'in time'), 50), 'in time');
      assert.equal(loop.time(), 40);
      assert.equal(await waitFor(after(10, 'string timeout'), '1s'), 'string timeout');
      assert.equal(loop.time(), 50);
    });
  });

  it('rejects with the error of the awaitable', async () => {
    await vrun(async () => {
      const err = new Error('inner failed');
      await assert.rejects(waitFor(failing(10, err), 50), err);
    });
  });

  it('on timeout cancels the inner task, waits for it to finish, then throws TimeoutError', async () => {
    await vrun(async (loop) => {
      const steps: string[] = [];
      const inner = createTask(async () => {
        try {
          await sleep('1h');
        } finally {
          steps.push(`inner finally starts at ${loop.time()}`);
          await sleep(5);
          steps.push(`inner finally ends at ${loop.time()}`);
        }
      });
      try {
        await waitFor(inner, 100);
        steps.push('no timeout');
      } catch (e) {
        steps.push(`${(e as Error).name} at ${loop.time()}`);
      }
      assert.deepEqual(steps, [
        'inner finally starts at 100',
        'inner finally ends at 105',
        'TimeoutError at 105',
      ]);
      assert.equal(inner.cancelled(), true);
    });
  });

  it('on timeout, a function awaitable is cancelled too and TimeoutError is thrown', async () => {
    await vrun(async (loop) => {
      let cleaned = false;
      await assert.rejects(
        waitFor(async () => {
          try {
            await sleep('1h');
          } finally {
            cleaned = true;
          }
        }, '250ms'),
        TimeoutError,
      );
      assert.equal(cleaned, true);
      assert.equal(loop.time(), 250);
    });
  });

  it('an inner task that absorbs the cancellation and returns gives its value (as asyncio)', async () => {
    await vrun(async (loop) => {
      const inner = createTask(async () => {
        try {
          await sleep('1h');
          return 'slept';
        } catch {
          return 'absorbed';
        }
      });
      assert.equal(await waitFor(inner, 10), 'absorbed');
      assert.equal(loop.time(), 10);
    });
  });

  it('on an already finished task returns its result even with timeout 0', async () => {
    await vrun(async () => {
      const t = after(1, 'finished');
      await t;
      assert.equal(await waitFor(t, 0), 'finished');
      const f = new Future<string>();
      f.setResult('future');
      assert.equal(await waitFor(f, 0), 'future');
    });
  });

  it('on an already failed task rejects with its error even with timeout 0', async () => {
    await vrun(async () => {
      const err = new Error('failed before');
      const t = failing(1, err);
      await assert.rejects(async () => {
        await t;
      });
      await assert.rejects(waitFor(t, 0), err);
    });
  });

  it('timeout 0 on a pending task cancels it and throws TimeoutError', async () => {
    await vrun(async (loop) => {
      const t = after(10, 'late');
      await assert.rejects(waitFor(t, 0), TimeoutError);
      assert.equal(t.cancelled(), true);
      assert.equal(loop.time(), 0);
    });
  });

  it('a null timeout waits as long as it takes', async () => {
    await vrun(async (loop) => {
      assert.equal(await waitFor(after(3_600_000, 'eventually'), null), 'eventually');
      assert.equal(loop.time(), 3_600_000);
    });
  });

  it('a foreign promise that does not settle in time gives TimeoutError', async () => {
    await vrun(async (loop) => {
      const never = new Promise<never>(() => {});
      await assert.rejects(waitFor(never, 30), TimeoutError);
      assert.equal(loop.time(), 30);
    });
  });

  it('cancelling the caller cancels the awaitable', async () => {
    await vrun(async () => {
      const inner = after(1000, 'inner');
      const caller = createTask(() => waitFor(inner, 5000));
      await sleep(10);
      caller.cancel('caller gone');
      await rejectsCancelled(caller);
      assert.equal(inner.cancelled(), true);
    });
  });

  describe('invalid timeouts are rejections, not synchronous throws', () => {
    const cases: [string, unknown, new (...a: never[]) => Error][] = [
      ['a negative timeout', -5, RangeError],
      ['a NaN timeout', NaN, RangeError],
      ['an unparsable timeout', '5 parsecs', TypeError],
    ];
    for (const [what, timeout, cls] of cases) {
      it(`${what} rejects with ${cls.name}`, async () => {
        await vrun(async () => {
          const t = after(10, 'v');
          let p: Promise<unknown> | undefined;
          assert.doesNotThrow(() => {
            p = waitFor(t, loose(timeout));
          });
          await assert.rejects(p!, cls);
          await t;
        });
      });
    }
  });
});

describe('asCompleted', () => {
  it('yields the Task objects themselves, in completion order', async () => {
    await vrun(async (loop) => {
      const a = after(30, 'a');
      const b = after(10, 'b');
      const c = after(20, 'c');
      const seen: [unknown, unknown, number][] = [];
      for await (const x of asCompleted([a, b, c])) {
        // TypeScript types a for-await variable as Awaited<Task<T>>, i.e. T: see asTask
        const t = asTask(x);
        assert.ok(t instanceof Task, 'a Task, not its result');
        seen.push([t, await t, loop.time()]);
      }
      assert.deepEqual(seen, [
        [b, 'b', 10],
        [c, 'c', 20],
        [a, 'a', 30],
      ]);
    });
  });

  it('wraps functions and promises in tasks', async () => {
    await vrun(async () => {
      const results: unknown[] = [];
      for await (const x of asCompleted<string>([
        async () => {
          await sleep(20);
          return 'fn';
        },
        foreign('promise'),
      ])) {
        const t = asTask(x);
        assert.ok(t instanceof Task);
        results.push(await t);
      }
      assert.deepEqual(results, ['promise', 'fn']);
    });
  });

  it('tasks already done are yielded first, without waiting', async () => {
    await vrun(async (loop) => {
      const done = after(1, 'done');
      await done;
      const later = after(50, 'later');
      const seen: unknown[] = [];
      for await (const x of asCompleted([later, done])) seen.push([asTask(x), loop.time()]);
      assert.deepEqual(seen, [
        [done, 1],
        [later, 51],
      ]);
    });
  });

  it('iterating does not throw for a failed task; awaiting it rejects', async () => {
    await vrun(async () => {
      const err = new Error('failed child');
      const bad = failing(10, err);
      const good = after(20, 'good');
      const seen: unknown[] = [];
      for await (const x of asCompleted<string>([good, bad])) {
        const t = asTask(x);
        seen.push(t);
        if (t === bad) {
          await assert.rejects(async () => {
            await t;
          }, err);
        }
      }
      assert.deepEqual(seen, [bad, good]);
    });
  });

  it('with a timeout, yields what finished in time, then throws TimeoutError; nothing is cancelled', async () => {
    await vrun(async (loop) => {
      const fast = after(10, 'fast');
      const slow = after(100, 'slow');
      const seen: unknown[] = [];
      let error: unknown;
      try {
        for await (const t of asCompleted([slow, fast], { timeout: 50 })) seen.push(await t);
      } catch (e) {
        error = e;
      }
      assert.ok(error instanceof TimeoutError, `got ${String(error)}`);
      assert.equal(loop.time(), 50);
      assert.deepEqual(seen, ['fast']);
      assert.equal(slow.cancelled(), false);
      assert.equal(await slow, 'slow');
    });
  });

  it('breaking out of the loop early leaves no timer behind', async () => {
    await vrun(async (loop) => {
      const a = after(10, 'a');
      const b = after(20, 'b');
      for await (const t of asCompleted([a, b], { timeout: '1h' })) {
        assert.equal(t, a);
        break;
      }
      assert.equal(loop._timerCount(), 1, "only b's sleep is left");
      await b;
    });
  });

  it('an empty iterable yields nothing', async () => {
    await vrun(async () => {
      let n = 0;
      for await (const _ of asCompleted([], { timeout: 10 })) n++;
      assert.equal(n, 0);
    });
  });

  it('an invalid timeout throws synchronously (asCompleted is not async)', async () => {
    await vrun(async () => {
      const a = after(1, 'a');
      assert.throws(() => asCompleted([a], { timeout: -1 }), RangeError);
      assert.throws(() => asCompleted([a], { timeout: NaN }), RangeError);
      assert.throws(() => asCompleted([a], { timeout: loose('later') }), TypeError);
      await a;
    });
  });

  it('each step is a cancellation point; the awaitables go on', async () => {
    await vrun(async () => {
      const a = after(100, 'a');
      const iterating = createTask(async () => {
        for await (const t of asCompleted([a])) return t;
        return null;
      });
      await sleep(10);
      iterating.cancel();
      await rejectsCancelled(iterating);
      assert.equal(a.cancelled(), false);
      assert.equal(await a, 'a');
    });
  });
});

describe('shield', () => {
  it('passes the result and the error of the awaitable through', async () => {
    await vrun(async () => {
      assert.equal(await shield(after(10, 'v')), 'v');
      const err = new Error('e');
      await assert.rejects(shield(failing(10, err)), err);
      assert.equal(
        await shield(async () => {
          await sleep(1);
          return 'fn';
        }),
        'fn',
      );
    });
  });

  it('on an already finished task gives its result', async () => {
    await vrun(async () => {
      const t = after(1, 'done');
      await t;
      assert.equal(await shield(t), 'done');
    });
  });

  it('cancelling the waiting task rejects the shield at once, and the inner work goes on', async () => {
    await vrun(async (loop) => {
      const inner = after(100, 'inner');
      const outer = createTask(() => shield(inner));
      await sleep(10);
      outer.cancel('outer only');
      await rejectsCancelled(outer, 'outer only');
      assert.equal(loop.time(), 10);
      assert.equal(inner.cancelled(), false);
      assert.equal(await inner, 'inner');
      assert.equal(loop.time(), 100);
    });
  });

  it('a shielded task that later fails is not reported as unretrieved', async () => {
    // vrun asserts that nothing reached the exception handler
    await vrun(async () => {
      const inner = failing(100, new Error('late failure'));
      const outer = createTask(() => shield(inner));
      await sleep(10);
      outer.cancel();
      await rejectsCancelled(outer);
      await sleep(200);
      assert.equal(inner.done(), true);
    });
  });

  it('when the inner task is cancelled by someone else, the shield rejects with CancelledError', async () => {
    await vrun(async () => {
      const inner = after(100, 'inner');
      const outer = createTask(() => shield(inner));
      await sleep(10);
      inner.cancel('inner cancelled');
      await rejectsCancelled(outer, 'inner cancelled');
    });
  });
});

describe('cancellable', () => {
  it('resolves and rejects like the foreign promise', async () => {
    await vrun(async () => {
      assert.equal(await cancellable(foreign('value')), 'value');
      const err = new Error('foreign failure');
      await assert.rejects(cancellable(Promise.reject(err)), err);
    });
  });

  it('makes a foreign promise a cancellation point: cancelling the task rejects at once', async () => {
    await vrun(async (loop) => {
      const steps: string[] = [];
      const t = createTask(async () => {
        try {
          await cancellable(new Promise<never>(() => {}));
        } catch (e) {
          steps.push((e as Error).name);
          throw e;
        }
      });
      await sleep(5);
      t.cancel('no more waiting');
      await rejectsCancelled(t, 'no more waiting');
      assert.deepEqual(steps, ['CancelledError']);
      assert.equal(loop.time(), 5);
    });
  });

  it('without it, a foreign promise is waited for to the end', async () => {
    await vrun(async () => {
      let resolveForeign: (v: string) => void = () => {};
      const p = new Promise<string>((r) => (resolveForeign = r));
      const t = createTask(async () => {
        const v = await p;
        return v;
      });
      await sleep(1);
      t.cancel();
      await sleep(1);
      assert.equal(t.done(), false, 'still waiting for the foreign promise');
      resolveForeign('late');
      // The request never reached a library await: the task completes with its value.
      assert.equal(await t, 'late');
      assert.equal(t.cancelling(), 1);
    });
  });

  it('a foreign promise that rejects after the cancellation causes no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => {
      unhandled.push(e);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      await vrun(async () => {
        let rejectForeign: (e: unknown) => void = () => {};
        const p = new Promise<never>((_, r) => (rejectForeign = r));
        const t = createTask(() => cancellable(p));
        await sleep(1);
        t.cancel();
        await rejectsCancelled(t);
        rejectForeign(new Error('too late'));
        await foreign(null);
        await foreign(null);
      });
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    assert.deepEqual(unhandled, []);
  });

  it('with a cancellation pending on the task, rejects at once', async () => {
    await vrun(async () => {
      const t = createTask(async () => {
        currentTask()!.cancel('pending');
        return cancellable(foreign('x'));
      });
      await rejectsCancelled(t, 'pending');
    });
  });

  it('outside a task it is just the promise', async () => {
    assert.equal(currentTask(), null);
    assert.equal(await cancellable(Promise.resolve('plain')), 'plain');
  });
});
