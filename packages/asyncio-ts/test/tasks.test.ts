import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  CancelledError,
  EventLoop,
  Future,
  InvalidStateError,
  Task,
  allTasks,
  createTask,
  currentTask,
  getRunningLoop,
  run,
  shield,
  sleep,
  type ExceptionContext,
} from '../src/index.js';
import { VirtualClock } from '../src/testing/index.js';
import { virtualRunner } from './helpers.js';

const vrun = virtualRunner('all');

/** Runs `main` on a virtual clock and checks that it left no timer and no task behind. */

/** Asserts that awaiting `aw` rejects with CancelledError (with message `msg` when given). */
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

/** A promise the library did not make, settled on a later turn of Node's loop. */
function foreign<T>(value: T): Promise<T> {
  return new Promise((resolve) => setImmediate(() => resolve(value)));
}

/** The garbage collector, exposed at run time (for the "reported when collected" tests). */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('Task', () => {
  describe('starting', () => {
    it('the body of a task created without eager starts on a later turn of the loop', async () => {
      await vrun(async () => {
        let started = false;
        const t = createTask(() => {
          started = true;
          return 1;
        });
        assert.equal(started, false);
        assert.equal(t.done(), false);
        await sleep(0);
        assert.equal(started, true);
        assert.equal(await t, 1);
      });
    });

    it('tasks start in the order they were created', async () => {
      await vrun(async () => {
        const order: number[] = [];
        const ts = [1, 2, 3].map((i) => createTask(() => order.push(i)));
        for (const t of ts) await t;
        assert.deepEqual(order, [1, 2, 3]);
      });
    });

    it('await gives the value returned by the body, async or not', async () => {
      await vrun(async (loop) => {
        assert.equal(await createTask(() => 'sync'), 'sync');
        assert.equal(
          await createTask(async () => {
            await sleep(30);
            return 'async';
          }),
          'async',
        );
        assert.equal(loop.time(), 30);
      });
    });

    it('a body that throws, synchronously or not, fails the task with that error', async () => {
      await vrun(async () => {
        const e1 = new Error('sync');
        const e2 = new Error('async');
        const t1 = createTask(() => {
          throw e1;
        });
        const t2 = createTask(async () => {
          await sleep(1);
          throw e2;
        });
        await assert.rejects(async () => {
          await t1;
        }, e1);
        await assert.rejects(async () => {
          await t2;
        }, e2);
        assert.equal(t1.exception(), e1);
        assert.equal(t2.exception(), e2);
      });
    });

    it('createTask(promise) throws a clear TypeError: a running promise cannot be cancelled', async () => {
      await vrun(() => {
        const p = Promise.resolve(1);
        assert.throws(
          () => createTask(p as unknown as () => Promise<number>),
          (e: unknown) => e instanceof TypeError && /promise/.test(e.message),
        );
        assert.throws(() => createTask(42 as unknown as () => number), TypeError);
        assert.throws(() => createTask(undefined as unknown as () => number), TypeError);
        assert.equal(allTasks().size, 1, 'no task was created');
      });
    });
  });

  describe('eager tasks', () => {
    it('an eager task runs its body synchronously inside createTask, up to its first await', async () => {
      await vrun(async () => {
        const main = currentTask();
        const order: string[] = [];
        let inside: unknown;
        const t = createTask(
          async () => {
            inside = currentTask();
            order.push('body start');
            await sleep(10);
            order.push('body end');
            return 'eager';
          },
          { eager: true },
        );
        order.push('after createTask');
        assert.deepEqual(order, ['body start', 'after createTask']);
        assert.equal(inside, t);
        assert.equal(currentTask(), main, 'the current task is restored after the eager start');
        assert.equal(await t, 'eager');
        assert.deepEqual(order, ['body start', 'after createTask', 'body end']);
      });
    });

    it('an eager task whose body does not block is done when createTask returns', async () => {
      await vrun(() => {
        const t = createTask(() => 'at once', { eager: true });
        assert.equal(t.done(), true);
        assert.equal(t.result(), 'at once');
        const err = new Error('at once too');
        const f = createTask(
          () => {
            throw err;
          },
          { eager: true },
        );
        assert.equal(f.done(), true);
        assert.equal(f.exception(), err);
      });
    });

    it('an eager task starts before non-eager tasks created earlier', async () => {
      await vrun(async () => {
        const order: string[] = [];
        const lazy = createTask(() => order.push('lazy'));
        const eager = createTask(() => order.push('eager'), { eager: true });
        await lazy;
        await eager;
        assert.deepEqual(order, ['eager', 'lazy']);
      });
    });
  });

  describe('cancellation', () => {
    it('a task cancelled before its body starts never runs its body', async () => {
      await vrun(async () => {
        let ran = false;
        const t = createTask(() => {
          ran = true;
        });
        assert.equal(t.cancel(), true);
        await rejectsCancelled(t);
        await sleep(0);
        assert.equal(ran, false);
        assert.equal(t.cancelled(), true);
        assert.equal(t.done(), true);
      });
    });

    it('cancellation arrives as CancelledError at the library await the task is blocked in', async () => {
      await vrun(async (loop) => {
        const steps: string[] = [];
        const t = createTask(async () => {
          steps.push('start');
          try {
            await sleep('1h');
            steps.push('slept');
          } catch (e) {
            steps.push(`caught ${(e as Error).name} at ${loop.time()}`);
            throw e;
          }
        });
        await sleep(10);
        t.cancel();
        await rejectsCancelled(t);
        assert.deepEqual(steps, ['start', 'caught CancelledError at 10']);
        assert.equal(loop.time(), 10, 'the sleep ended at once');
        assert.equal(t.cancelled(), true);
      });
    });

    it('a foreign await is not a cancellation point: the cancellation arrives at the next library await', async () => {
      await vrun(async () => {
        const steps: string[] = [];
        const t = createTask(async () => {
          const v = await foreign('foreign value');
          steps.push(v);
          await sleep(5);
          steps.push('not reached');
        });
        await sleep(0);
        t.cancel('later');
        await rejectsCancelled(t, 'later');
        assert.deepEqual(steps, ['foreign value']);
      });
    });

    it('a task cancelled while running that returns without another library await completes with its value (nothing it was handed is dropped)', async () => {
      await vrun(async () => {
        const t = createTask(async () => {
          await foreign(0);
          return 'finished';
        });
        await sleep(0);
        assert.equal(t.cancel('never delivered'), true);
        assert.equal(await t, 'finished');
        assert.equal(t.cancelled(), false);
        assert.equal(t.cancelling(), 1, 'the request still shows');
      });
    });

    it('a task can cancel itself: delivered at its next library await', async () => {
      await vrun(async () => {
        const steps: string[] = [];
        const t = createTask(async () => {
          currentTask()!.cancel('self');
          steps.push('still running');
          await sleep(1);
          steps.push('not reached');
        });
        await rejectsCancelled(t, 'self');
        assert.deepEqual(steps, ['still running']);
      });
    });

    it('a body that catches CancelledError and returns normally completes normally', async () => {
      await vrun(async () => {
        const t = createTask(async () => {
          try {
            await sleep('1h');
            return 'slept';
          } catch (e) {
            assert.ok(e instanceof CancelledError);
            await sleep(5); // cleanup with awaits is allowed
            return 'recovered';
          }
        });
        await sleep(1);
        t.cancel();
        assert.equal(await t, 'recovered');
        assert.equal(t.cancelled(), false);
        assert.equal(t.result(), 'recovered');
        assert.equal(t.cancelling(), 1, 'the request is still counted');
      });
    });

    it('cancel() returns false on a done task and does not count', async () => {
      await vrun(async () => {
        const t = createTask(() => 1);
        await t;
        assert.equal(t.cancel(), false);
        assert.equal(t.cancelling(), 0);
        assert.equal(t.cancelled(), false);
        const c = createTask(() => 1);
        c.cancel();
        await rejectsCancelled(c);
        assert.equal(c.cancel(), false);
        assert.equal(c.cancelling(), 1);
      });
    });

    it('cancelling() counts cancellation requests and uncancel() decrements it (not below 0)', async () => {
      await vrun(async () => {
        const t = createTask(async () => {
          for (;;) {
            try {
              await sleep('1h');
            } catch {
              // keeps going: every request is absorbed
            }
            if (currentTask()!.cancelling() >= 3) return 'stopped';
          }
        });
        await sleep(1);
        assert.equal(t.cancelling(), 0);
        t.cancel();
        assert.equal(t.cancelling(), 1);
        await sleep(1);
        t.cancel();
        assert.equal(t.cancelling(), 2);
        assert.equal(t.uncancel(), 1);
        assert.equal(t.cancelling(), 1);
        await sleep(1);
        t.cancel();
        await sleep(1);
        t.cancel();
        assert.equal(t.cancelling(), 3);
        assert.equal(await t, 'stopped');
        assert.equal(t.uncancel(), 2);
        assert.equal(t.uncancel(), 1);
        assert.equal(t.uncancel(), 0);
        assert.equal(t.uncancel(), 0);
        assert.equal(t.cancelling(), 0);
      });
    });

    it('uncancel() back to zero drops a cancellation that was not delivered yet', async () => {
      await vrun(async () => {
        const t = createTask(async () => {
          await foreign(0);
          await sleep(5);
          return 'not cancelled';
        });
        await sleep(0);
        t.cancel();
        assert.equal(t.uncancel(), 0);
        assert.equal(await t, 'not cancelled');
      });
    });

    it('two cancel() calls before the task resumes deliver one CancelledError; cancelling() counts both', async () => {
      await vrun(async () => {
        let caught = 0;
        const t = createTask(async () => {
          try {
            await sleep('1h');
          } catch {
            caught++;
          }
          await sleep(10);
          return 'recovered';
        });
        await sleep(1);
        t.cancel();
        t.cancel();
        assert.equal(t.cancelling(), 2);
        let outcome: unknown;
        try {
          outcome = await t;
        } catch (e) {
          outcome = e;
        }
        assert.equal(caught, 1);
        assert.equal(outcome, 'recovered', `as in asyncio, got ${String(outcome)}`);
      });
    });

    it('cancel(msg): the message is seen inside the task and by whoever awaits it', async () => {
      await vrun(async () => {
        let inside: string | undefined;
        const t = createTask(async () => {
          try {
            await sleep('1h');
          } catch (e) {
            inside = (e as Error).message;
            throw e;
          }
        });
        const awaiter = createTask(async () => {
          try {
            await t;
            return 'no error';
          } catch (e) {
            return (e as Error).message;
          }
        });
        await sleep(1);
        t.cancel('shutting down');
        await rejectsCancelled(t, 'shutting down');
        assert.equal(inside, 'shutting down');
        assert.equal(await awaiter, 'shutting down');
        assert.throws(
          () => t.result(),
          (e) => e instanceof CancelledError && e.message === 'shutting down',
        );
        assert.throws(
          () => t.exception(),
          (e) => e instanceof CancelledError && e.message === 'shutting down',
        );
      });
    });

    it('cancel(msg) before the body starts: the awaiter sees the message', async () => {
      await vrun(async () => {
        const t = createTask(() => 1);
        t.cancel('never started');
        await rejectsCancelled(t, 'never started');
      });
    });

    it('a pending cancellation is delivered at the next await of a task or future, before waiting on it', async () => {
      await vrun(async () => {
        const target = new Future<string>();
        const t = createTask(async () => {
          await foreign(0);
          await target;
          return 'not reached';
        });
        await sleep(0);
        t.cancel('at await');
        await rejectsCancelled(t, 'at await');
        assert.equal(target.done(), false, 'the task never waited on it, so it was not cancelled');
      });
    });
  });

  describe('awaiting a task inside a task', () => {
    it('cancelling the awaiting task also cancels the awaited one (its finally runs first)', async () => {
      await vrun(async () => {
        const steps: string[] = [];
        const inner = createTask(async () => {
          try {
            await sleep('1h');
          } finally {
            steps.push('inner finally');
          }
        });
        const outer = createTask(async () => {
          try {
            await inner;
          } finally {
            steps.push('outer finally');
          }
        });
        await sleep(10);
        outer.cancel('from outer');
        await rejectsCancelled(outer, 'from outer');
        assert.equal(inner.cancelled(), true);
        assert.deepEqual(steps, ['inner finally', 'outer finally']);
      });
    });

    it('shield(task) prevents it: the awaiting task is cancelled, the awaited one finishes', async () => {
      await vrun(async (loop) => {
        const inner = createTask(async () => {
          await sleep(100);
          return 'inner result';
        });
        const outer = createTask(async () => await shield(inner));
        await sleep(10);
        outer.cancel();
        await rejectsCancelled(outer);
        assert.equal(loop.time(), 10);
        assert.equal(inner.done(), false);
        assert.equal(await inner, 'inner result');
        assert.equal(loop.time(), 100);
      });
    });

    it('when the awaited task is cancelled, the awaiting task gets CancelledError', async () => {
      await vrun(async () => {
        const inner = createTask(() => sleep('1h'));
        const outer = createTask(async () => {
          await inner;
          return 'not reached';
        });
        await sleep(1);
        inner.cancel('inner only');
        await rejectsCancelled(outer, 'inner only');
        assert.equal(outer.cancelled(), true);
      });
    });

    it('when the awaited task fails, the awaiting task gets its error', async () => {
      await vrun(async () => {
        const err = new Error('inner failed');
        const inner = createTask(async () => {
          await sleep(1);
          throw err;
        });
        const outer = createTask(async () => {
          try {
            await inner;
            return null;
          } catch (e) {
            return e;
          }
        });
        assert.equal(await outer, err);
      });
    });

    it('a task whose awaited task catches the cancellation gets that task’s result', async () => {
      await vrun(async () => {
        const inner = createTask(async () => {
          try {
            await sleep('1h');
            return 'slept';
          } catch {
            return 'inner absorbed it';
          }
        });
        const outer = createTask(async () => await inner);
        await sleep(1);
        outer.cancel();
        assert.equal(await outer, 'inner absorbed it');
        assert.equal(outer.cancelled(), false);
      });
    });
    it('a task awaiting itself fails at once with InvalidStateError instead of waiting forever', async () => {
      await vrun(async () => {
        let self: Task<unknown> | undefined;
        const t: Task<unknown> = createTask(async () => {
          self = currentTask()!;
          await sleep(1);
          return await self;
        });
        await assert.rejects(async () => {
          await t;
        }, InvalidStateError);
        assert.equal(self, t);
      });
    });
  });

  describe('signal', () => {
    it('aborts when the task is cancelled, with a CancelledError carrying the message', async () => {
      await vrun(async () => {
        let abortedInside: unknown = null;
        const t = createTask(async () => {
          const signal = currentTask()!.signal;
          signal.addEventListener('abort', () => {
            abortedInside = signal.reason;
          });
          await sleep('1h');
        });
        await sleep(1);
        const signal = t.signal;
        assert.equal(signal.aborted, false);
        t.cancel('abort it');
        assert.equal(signal.aborted, true, 'at once, inside cancel()');
        assert.ok(signal.reason instanceof CancelledError);
        assert.equal((signal.reason as Error).message, 'abort it');
        assert.equal(abortedInside, signal.reason);
        await rejectsCancelled(t);
      });
    });

    it('aborts when the task completes', async () => {
      await vrun(async () => {
        const t = createTask(async () => {
          await sleep(5);
          return 1;
        });
        const signal = t.signal;
        assert.equal(signal, t.signal, 'the same signal every time');
        await t;
        assert.equal(signal.aborted, true);
        const f = createTask(async () => {
          await sleep(5);
          throw new Error('x');
        });
        const fs = f.signal;
        await assert.rejects(async () => {
          await f;
        });
        assert.equal(fs.aborted, true);
      });
    });

    it('is already aborted when first read after the task finished or was cancelled', async () => {
      await vrun(async () => {
        const done = createTask(() => 1);
        await done;
        assert.equal(done.signal.aborted, true);
        const pending = createTask(() => sleep('1h'));
        await sleep(1);
        pending.cancel();
        assert.equal(pending.signal.aborted, true);
        await rejectsCancelled(pending);
      });
    });

    it('after a cancellation was absorbed (cancelling() back to 0), the signal is not aborted any more', async () => {
      await vrun(async () => {
        const t = createTask(async () => {
          const me = currentTask()!;
          const first = me.signal;
          try {
            await sleep('1h');
          } catch {
            me.uncancel(); // absorbed, as timeout() and TaskGroup do
          }
          assert.equal(me.cancelling(), 0);
          assert.equal(first.aborted, true, 'the signal handed out before did abort');
          return me.signal.aborted;
        });
        await sleep(1);
        t.cancel();
        assert.equal(await t, false, 'a later API call must not be aborted at once');
      });
    });

    it('stops an API that takes an AbortSignal when the task is cancelled', async () => {
      await vrun(async () => {
        const emitter = new EventEmitter();
        let seen = '';
        const t = createTask(async () => {
          try {
            await once(emitter, 'never', { signal: currentTask()!.signal });
          } catch (e) {
            seen = (e as Error).name;
          }
        });
        await sleep(1);
        t.cancel();
        await t; // the body caught the abort and returned: it completes normally
        assert.equal(seen, 'AbortError');
        assert.equal(emitter.listenerCount('never'), 0);
      });
    });
  });

  describe('result() and exception()', () => {
    it('on a pending task both throw InvalidStateError', async () => {
      await vrun(async () => {
        const t = createTask(() => sleep(10));
        assert.throws(() => t.result(), InvalidStateError);
        assert.throws(() => t.exception(), InvalidStateError);
        await sleep(1);
        assert.throws(() => t.result(), InvalidStateError, 'running is not done either');
        assert.throws(() => t.exception(), InvalidStateError);
        await t;
      });
    });

    it('on a task that returned: result() is the value and exception() is null', async () => {
      await vrun(async () => {
        const t = createTask(() => 'v');
        await t;
        assert.equal(t.result(), 'v');
        assert.equal(t.exception(), null);
      });
    });

    it('on a failed task: result() throws the error and exception() returns it', async () => {
      await vrun(async () => {
        const err = new RangeError('bad');
        const t = createTask(async () => {
          await sleep(1);
          throw err;
        });
        await assert.rejects(async () => {
          await t;
        });
        assert.throws(
          () => t.result(),
          (e) => e === err,
        );
        assert.equal(t.exception(), err);
      });
    });

    it('on a cancelled task both throw CancelledError', async () => {
      await vrun(async () => {
        const t = createTask(() => sleep(10));
        t.cancel();
        await rejectsCancelled(t);
        assert.throws(() => t.result(), CancelledError);
        assert.throws(() => t.exception(), CancelledError);
      });
    });
  });

  describe('done callbacks', () => {
    it('addDoneCallback calls back on a later turn with the task', async () => {
      await vrun(async () => {
        const calls: unknown[] = [];
        const t = createTask(() => 1);
        t.addDoneCallback((x) => calls.push(x));
        await sleep(0); // the task completes in this turn
        await sleep(0);
        assert.deepEqual(calls, [t]);
        t.addDoneCallback((x) => calls.push(x));
        assert.equal(calls.length, 1, 'not synchronously, even when done');
        await sleep(0);
        assert.deepEqual(calls, [t, t]);
      });
    });

    it('done callbacks also run for a cancelled task', async () => {
      await vrun(async () => {
        const seen: boolean[] = [];
        const t = createTask(() => sleep('1h'));
        t.addDoneCallback((x) => seen.push(x.cancelled()));
        await sleep(1);
        t.cancel();
        await rejectsCancelled(t);
        await sleep(0);
        assert.deepEqual(seen, [true]);
      });
    });

    it('removeDoneCallback returns how many registrations it removed', async () => {
      await vrun(async () => {
        const calls: string[] = [];
        const a = (): void => {
          calls.push('a');
        };
        const b = (): void => {
          calls.push('b');
        };
        const t = createTask(() => sleep(5));
        t.addDoneCallback(a);
        t.addDoneCallback(a);
        t.addDoneCallback(b);
        assert.equal(t.removeDoneCallback(a), 2);
        assert.equal(t.removeDoneCallback(a), 0);
        await t;
        await sleep(0);
        assert.deepEqual(calls, ['b']);
      });
    });
  });

  describe('currentTask() and allTasks()', () => {
    it('currentTask() is null outside any task', () => {
      assert.equal(currentTask(), null);
    });

    it('currentTask() is the task whose code runs, across awaits of any kind', async () => {
      await vrun(async () => {
        const main = currentTask();
        assert.ok(main instanceof Task);
        assert.equal(main.name, 'main');
        const t = createTask(async () => {
          const a = currentTask();
          await foreign(0);
          const b = currentTask();
          await sleep(1);
          return [a, b, currentTask()];
        });
        assert.deepEqual(await t, [t, t, t]);
        assert.equal(currentTask(), main);
      });
      assert.equal(currentTask(), null);
    });

    it('allTasks() holds every task of the loop that is not done', async () => {
      await vrun(async () => {
        const main = currentTask()!;
        const a = createTask(() => sleep(10));
        const b = createTask(() => sleep(20));
        assert.deepEqual(allTasks(), new Set([main, a, b]));
        await a;
        assert.deepEqual(allTasks(), new Set([main, b]));
        await b;
        assert.deepEqual(allTasks(), new Set([main]));
      });
    });

    it('allTasks() in debug mode holds the same tasks', async () => {
      await vrun(
        async () => {
          const main = currentTask()!;
          const a = createTask(() => sleep(10));
          assert.deepEqual(allTasks(), new Set([main, a]));
          await a;
          assert.deepEqual(allTasks(), new Set([main]));
        },
        { debug: true },
      );
    });
  });

  describe('names and inspection', () => {
    it('a task has a default name Task-<n>, the name given, or the name set later', async () => {
      await vrun(async () => {
        const a = createTask(() => 1);
        const b = createTask(() => 2, { name: 'fetch /b' });
        assert.match(a.name, /^Task-\d+$/);
        assert.equal(b.name, 'fetch /b');
        b.name = 'renamed';
        assert.equal(b.name, 'renamed');
        await a;
        await b;
      });
    });

    it('toString shows the name, the state and what the task is blocked in', async () => {
      await vrun(async () => {
        const t = createTask(() => sleep(1000), { name: 'sleeper' });
        assert.equal(String(t), "<Task 'sleeper' pending>");
        await sleep(1);
        assert.match(String(t), /^<Task 'sleeper' running .*sleep 1000 ms.*>$/);
        await t;
        assert.equal(String(t), "<Task 'sleeper' done>");
        const c = createTask(() => 1, { name: 'c' });
        c.cancel();
        await rejectsCancelled(c);
        assert.equal(String(c), "<Task 'c' cancelled>");
      });
    });
  });

  describe('exceptions no one retrieved', () => {
    async function runCollecting(
      body: () => Promise<void>,
      debug: boolean,
    ): Promise<ExceptionContext[]> {
      const reports: ExceptionContext[] = [];
      await run(
        async () => {
          getRunningLoop().setExceptionHandler((ctx) => reports.push(ctx));
          await body();
        },
        { clock: new VirtualClock(), debug },
      );
      return reports;
    }

    for (const debug of [false, true]) {
      it(`an unretrieved task exception is reported with the task's name when run() ends (debug ${debug})`, async () => {
        const err = new Error('nobody looked');
        let doomed: Task<void> | undefined;
        const reports = await runCollecting(async () => {
          doomed = createTask(
            async () => {
              await sleep(1);
              throw err;
            },
            { name: 'doomed' },
          );
          await sleep(10);
        }, debug);
        assert.equal(reports.length, 1);
        assert.equal(reports[0]!.error, err);
        assert.match(reports[0]!.message, /doomed/);
        assert.equal(reports[0]!.task, doomed);
      });
    }

    for (const debug of [false, true]) {
      it(`an unretrieved task exception is reported with the task's name when the task is garbage-collected, before run() ends (debug ${debug})`, async () => {
        const gc = exposeGc();
        const reports: ExceptionContext[] = [];
        let reportedDuringRun: string[] = [];
        await run(
          async () => {
            getRunningLoop().setExceptionHandler((ctx) => reports.push(ctx));
            (() => {
              // no reference to the task survives this function
              createTask(
                async () => {
                  await sleep(1);
                  throw new Error('collected');
                },
                { name: 'forgotten' },
              );
            })();
            await sleep(5);
            for (let i = 0; i < 20 && reports.length === 0; i++) {
              await sleep(0); // the library's latest await no longer refers to the task
              gc();
              await new Promise<void>((resolve) => setImmediate(resolve));
            }
            reportedDuringRun = reports.map((r) => r.message);
          },
          { clock: new VirtualClock(), debug },
        );
        assert.equal(reportedDuringRun.length, 1, 'reported once the task was collected');
        assert.match(reportedDuringRun[0]!, /forgotten/);
        assert.equal(reports.length, 1, 'and not reported again when run() ends');
      });
    }

    it('an exception retrieved by await, result() or exception() is not reported', async () => {
      const reports = await runCollecting(async () => {
        const a = createTask(async () => {
          await sleep(1);
          throw new Error('awaited');
        });
        const b = createTask(() => {
          throw new Error('exception() read');
        });
        const c = createTask(() => {
          throw new Error('result() read');
        });
        await sleep(5);
        await assert.rejects(async () => {
          await a;
        });
        b.exception();
        assert.throws(() => c.result());
      }, false);
      assert.deepEqual(reports, []);
    });

    it('a cancelled task is not reported', async () => {
      const reports = await runCollecting(async () => {
        const t = createTask(() => sleep(100));
        await sleep(1);
        t.cancel();
        await sleep(1);
      }, false);
      assert.deepEqual(reports, []);
    });

    it("main's own error is thrown by run(), not reported", async () => {
      const reports: ExceptionContext[] = [];
      const err = new Error('main failed');
      await assert.rejects(
        run(
          async () => {
            getRunningLoop().setExceptionHandler((ctx) => reports.push(ctx));
            await sleep(1);
            throw err;
          },
          { clock: new VirtualClock() },
        ),
        err,
      );
      assert.deepEqual(reports, []);
    });
  });

  describe('leaks', () => {
    it('tasks still running when main returns are cancelled, their finally blocks run, and no timer is left', async () => {
      const cleaned: string[] = [];
      let loop: EventLoop | undefined;
      await run(
        async () => {
          loop = getRunningLoop();
          for (const name of ['a', 'b']) {
            createTask(async () => {
              try {
                await sleep('1h');
              } finally {
                cleaned.push(name);
              }
            });
          }
          await sleep(1);
        },
        { clock: new VirtualClock() },
      );
      assert.deepEqual(cleaned.sort(), ['a', 'b']);
      assert.equal(loop!._timerCount(), 0);
      assert.equal(loop!._liveTasks().length, 0);
      assert.equal(loop!.time(), 1, 'no sleep ran to its end');
    });

    it('many cancelled sleeping tasks leave no timer behind', async () => {
      await vrun(async (loop) => {
        const ts = Array.from({ length: 1000 }, (_, i) => createTask(() => sleep(1000 + i)));
        await sleep(1);
        assert.equal(loop._timerCount(), 1000);
        for (const t of ts) t.cancel();
        assert.equal(loop._timerCount(), 0);
        for (const t of ts) await rejectsCancelled(t);
      });
    });
  });
});
