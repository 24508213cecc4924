// Tests of src/timeouts.ts: timeout(), timeoutAt() and the Timeout scope.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CancelledError,
  ExceptionGroup,
  InvalidStateError,
  TaskGroup,
  Timeout,
  TimeoutError,
  createTask,
  currentTask,
  getRunningLoop,
  run,
  sleep,
  timeout,
  timeoutAt,
  type EventLoop,
} from '../src/index.js';
import { VirtualClock } from '../src/testing/index.js';
import { virtualRunner } from './helpers.js';

const vrun = virtualRunner('all');

/** Runs `main` on a virtual clock and checks that the loop is left clean. */

function isTimeout(e: unknown): boolean {
  assert.ok(e instanceof TimeoutError, `expected TimeoutError, got ${String(e)}`);
  assert.equal(e.name, 'TimeoutError');
  assert.ok(e.cause instanceof CancelledError, 'the CancelledError is the cause');
  return true;
}

function isCancelledError(e: unknown): boolean {
  assert.ok(e instanceof CancelledError, `expected CancelledError, got ${String(e)}`);
  assert.ok(!(e instanceof TimeoutError));
  return true;
}

describe('timeout()', () => {
  it('returns the body result when the deadline is not reached, and leaves no timer behind', async () => {
    await vrun(async (loop) => {
      let seen: Timeout | undefined;
      const v = await timeout(1000, async (scope) => {
        seen = scope;
        assert.ok(scope instanceof Timeout);
        assert.equal(scope.when(), 1000);
        assert.equal(loop._timerCount(), 1);
        await sleep(300);
        return 'done';
      });
      assert.equal(v, 'done');
      assert.equal(loop.time(), 300);
      assert.equal(seen!.expired(), false);
      assert.equal(loop._timerCount(), 0);
      assert.match(String(seen), /<Timeout finished when=1000>/);
    });
  });

  it('accepts duration strings', async () => {
    await vrun(async (loop) => {
      await assert.rejects(
        timeout('1.5s', () => sleep('1h')),
        (e) => isTimeout(e),
      );
      assert.equal(loop.time(), 1500);
    });
  });

  it('expiry cancels the work and throws TimeoutError at the boundary only, with the CancelledError as cause', async () => {
    await vrun(async (loop) => {
      const inside: unknown[] = [];
      let cleanedAt = -1;
      let scope: Timeout | undefined;
      const err = await timeout(100, async (s) => {
        scope = s;
        try {
          await sleep(1000);
        } catch (e) {
          inside.push(e);
          throw e;
        } finally {
          cleanedAt = loop.time();
        }
      }).then(
        () => assert.fail('should have timed out'),
        (e: unknown) => e,
      );
      assert.equal(loop.time(), 100);
      assert.equal(cleanedAt, 100);
      // Inside the scope the work saw a CancelledError, not a TimeoutError.
      assert.equal(inside.length, 1);
      isCancelledError(inside[0]);
      // At the boundary: TimeoutError caused by that very CancelledError.
      isTimeout(err);
      assert.equal((err as TimeoutError).cause, inside[0]);
      assert.equal(scope!.expired(), true);
      assert.match(String(scope), /expired/);
      // The task is not left cancelled: the next await works.
      assert.equal(currentTask()!.cancelling(), 0);
      await sleep(10);
      assert.equal(loop.time(), 110);
    });
  });

  it('expiry cancels child tasks the body awaits', async () => {
    await vrun(async (loop) => {
      const child = createTask(async () => {
        await sleep(1000);
        return 'child';
      });
      await assert.rejects(
        timeout(100, () => child.then()),
        (e) => isTimeout(e),
      );
      assert.equal(child.cancelled(), true);
      assert.equal(loop.time(), 100);
    });
  });

  it('converts its own expiry in a task that swallowed an earlier cancellation', async () => {
    await vrun(async (loop) => {
      const t = createTask(async () => {
        try {
          await sleep(1000);
        } catch {
          // swallowed: the cancellation count stays at 1
        }
        assert.equal(currentTask()!.cancelling(), 1);
        await assert.rejects(
          timeout(100, () => sleep(1000)),
          (e) => isTimeout(e),
        );
        assert.equal(currentTask()!.cancelling(), 1);
        return loop.time();
      });
      await sleep(10);
      t.cancel();
      assert.equal(await t, 110);
    });
  });

  it('timeout(0) expires at the first library await', async () => {
    await vrun(async (loop) => {
      let reached = false;
      await assert.rejects(
        timeout(0, async () => {
          await sleep(50);
          reached = true;
        }),
        (e) => isTimeout(e),
      );
      assert.equal(reached, false);
      assert.equal(loop.time(), 0);
    });
  });

  it('timeout(null) never fires', async () => {
    await vrun(async (loop) => {
      const v = await timeout(null, async (scope) => {
        assert.equal(scope.when(), null);
        assert.equal(loop._timerCount(), 0, 'no deadline armed');
        await sleep('1h');
        return scope.expired();
      });
      assert.equal(v, false);
      assert.equal(loop.time(), 3_600_000);
    });
  });

  it('a body that swallows the cancellation returns normally and expired() is true', async () => {
    await vrun(async (loop) => {
      let scope: Timeout | undefined;
      const v = await timeout(100, async (s) => {
        scope = s;
        try {
          await sleep(1000);
          return 'slept';
        } catch (e) {
          isCancelledError(e);
          return 'swallowed';
        }
      });
      assert.equal(v, 'swallowed');
      assert.equal(scope!.expired(), true);
      assert.equal(loop.time(), 100);
      // The swallowed cancellation is not pending any more.
      assert.equal(currentTask()!.cancelling(), 0);
      await sleep(50);
      assert.equal(loop.time(), 150);
    });
  });

  it('a body that swallows the cancellation and goes on waiting is not cancelled again', async () => {
    await vrun(async (loop) => {
      const v = await timeout(100, async () => {
        try {
          await sleep(1000);
        } catch {
          // cleanup that needs a library await
          await sleep(50);
        }
        return loop.time();
      });
      assert.equal(v, 150);
    });
  });

  describe('nested scopes: only the scope whose deadline fired converts', () => {
    it('inner fires -> inner TimeoutError, outer unaffected', async () => {
      await vrun(async (loop) => {
        let inner: Timeout | undefined;
        let outer: Timeout | undefined;
        const v = await timeout(1000, async (o) => {
          outer = o;
          await assert.rejects(
            timeout(100, async (i) => {
              inner = i;
              await sleep(500);
            }),
            (e) => isTimeout(e),
          );
          assert.equal(loop.time(), 100);
          await sleep(50);
          return 'outer finished';
        });
        assert.equal(v, 'outer finished');
        assert.equal(loop.time(), 150);
        assert.equal(inner!.expired(), true);
        assert.equal(outer!.expired(), false);
      });
    });

    it('outer fires while inner runs -> inner passes CancelledError, outer converts', async () => {
      await vrun(async (loop) => {
        let inner: Timeout | undefined;
        let outer: Timeout | undefined;
        let seenAtInnerBoundary: unknown;
        await assert.rejects(
          timeout(100, async (o) => {
            outer = o;
            try {
              await timeout(500, async (i) => {
                inner = i;
                await sleep(1000);
              });
            } catch (e) {
              seenAtInnerBoundary = e;
              throw e;
            }
          }),
          (e) => isTimeout(e),
        );
        assert.equal(loop.time(), 100);
        isCancelledError(seenAtInnerBoundary);
        assert.equal(inner!.expired(), false);
        assert.equal(outer!.expired(), true);
      });
    });

    it('both fire at the same time -> inner passes CancelledError, outer converts', async () => {
      await vrun(async (loop) => {
        let inner: Timeout | undefined;
        let outer: Timeout | undefined;
        let seenAtInnerBoundary: unknown;
        await assert.rejects(
          timeout(100, async (o) => {
            outer = o;
            try {
              await timeout(100, async (i) => {
                inner = i;
                await sleep(1000);
              });
            } catch (e) {
              seenAtInnerBoundary = e;
              throw e;
            }
          }),
          (e) => isTimeout(e),
        );
        assert.equal(loop.time(), 100);
        isCancelledError(seenAtInnerBoundary);
        assert.equal(inner!.expired(), true);
        assert.equal(outer!.expired(), true);
        // No cancellation is left pending on the task.
        assert.equal(currentTask()!.cancelling(), 0);
        await sleep(5);
        assert.equal(loop.time(), 105);
      });
    });

    it('both fire one after the other -> each converts its own expiry', async () => {
      await vrun(async (loop) => {
        const caught: number[] = [];
        await assert.rejects(
          timeout(300, async () => {
            await assert.rejects(
              timeout(100, () => sleep(1000)),
              (e) => isTimeout(e),
            );
            caught.push(loop.time());
            await sleep(1000);
          }),
          (e) => isTimeout(e),
        );
        assert.deepEqual(caught, [100]);
        assert.equal(loop.time(), 300);
      });
    });

    it('three levels: the middle one fires -> only it converts', async () => {
      await vrun(async (loop) => {
        const trace: string[] = [];
        const v = await timeout(1000, async () => {
          try {
            await timeout(200, async () => {
              try {
                await timeout(500, () => sleep(800));
              } catch (e) {
                trace.push(`innermost: ${(e as Error).name}`);
                throw e;
              }
            });
          } catch (e) {
            trace.push(`middle: ${(e as Error).name}`);
          }
          return loop.time();
        });
        assert.equal(v, 200);
        assert.deepEqual(trace, ['innermost: CancelledError', 'middle: TimeoutError']);
      });
    });
  });

  it('an outer task cancellation passes through as CancelledError', async () => {
    await vrun(async (loop) => {
      let scope: Timeout | undefined;
      const t = createTask(() =>
        timeout(100, async (s) => {
          scope = s;
          await sleep(1000);
        }),
      );
      await sleep(50);
      t.cancel('from outside');
      await assert.rejects(t.then(), (e) => {
        isCancelledError(e);
        assert.equal((e as Error).message, 'from outside');
        return true;
      });
      assert.equal(t.cancelled(), true);
      assert.equal(scope!.expired(), false);
      assert.equal(loop.time(), 50);
    });
  });

  it('an outer task cancellation passes through as CancelledError even if the scope also expired later', async () => {
    await vrun(async (loop) => {
      let scope: Timeout | undefined;
      const cleanup: string[] = [];
      const t = createTask(() =>
        timeout(100, async (s) => {
          scope = s;
          try {
            await sleep(1000);
          } catch (e) {
            cleanup.push(`${(e as Error).message}@${loop.time()}`);
            // a slow cleanup, interrupted by the scope's own deadline
            try {
              await sleep(200);
            } catch (e2) {
              cleanup.push(`${(e2 as Error).name}@${loop.time()}`);
            }
            throw e;
          }
        }),
      );
      await sleep(50);
      t.cancel('from outside');
      await assert.rejects(t.then(), (e) => isCancelledError(e));
      assert.deepEqual(cleanup, ['from outside@50', 'CancelledError@100']);
      assert.equal(scope!.expired(), true);
      assert.equal(t.cancelled(), true);
    });
  });

  it('an outer cancellation at the moment the scope expires passes through as CancelledError', async () => {
    await vrun(async (loop) => {
      let scope: Timeout | undefined;
      const t = createTask(() =>
        timeout(100, async (s) => {
          scope = s;
          await sleep(1000);
        }),
      );
      // The outer cancellation and the deadline both happen at 100 (in either order).
      loop.callAt(100, () => t.cancel('outer'));
      await assert.rejects(t.then(), (e) => isCancelledError(e));
      assert.equal(scope!.expired(), true);
      assert.equal(loop.time(), 100);
    });
  });

  it("a scope inside a TaskGroup body does not convert the group's cancellation", async () => {
    await vrun(async (loop) => {
      const err = new Error('child failed');
      let scope: Timeout | undefined;
      let atScope: unknown;
      await assert.rejects(
        TaskGroup.run(async (tg) => {
          tg.createTask(async () => {
            await sleep(10);
            throw err;
          });
          try {
            await timeout(1000, async (s) => {
              scope = s;
              await sleep(5000);
            });
          } catch (e) {
            atScope = e;
            throw e;
          }
        }),
        (e: unknown) => e instanceof ExceptionGroup && e.errors.length === 1 && e.errors[0] === err,
      );
      isCancelledError(atScope);
      assert.equal(scope!.expired(), false);
      assert.equal(loop.time(), 10);
    });
  });

  describe('reschedule() and expired()', () => {
    it('reschedule() to an earlier deadline fires earlier', async () => {
      await vrun(async (loop) => {
        let scope: Timeout | undefined;
        await assert.rejects(
          timeout(1000, async (s) => {
            scope = s;
            await sleep(10);
            s.reschedule(loop.time() + 90);
            assert.equal(s.when(), 100);
            assert.equal(loop._timerCount(), 1, 'the old deadline was removed');
            await sleep(5000);
          }),
          (e) => isTimeout(e),
        );
        assert.equal(loop.time(), 100);
        assert.equal(scope!.expired(), true);
      });
    });

    it('reschedule() to a later deadline lets the work finish', async () => {
      await vrun(async (loop) => {
        let scope: Timeout | undefined;
        const v = await timeout(100, async (s) => {
          scope = s;
          await sleep(50);
          assert.equal(s.expired(), false);
          s.reschedule(loop.time() + 500);
          assert.equal(s.when(), 550);
          await sleep(300);
          return 'finished';
        });
        assert.equal(v, 'finished');
        assert.equal(loop.time(), 350);
        assert.equal(scope!.expired(), false);
      });
    });

    it('reschedule() to a later deadline still expires at the new deadline', async () => {
      await vrun(async (loop) => {
        await assert.rejects(
          timeout(100, async (s) => {
            s.reschedule(loop.time() + 400);
            await sleep(1000);
          }),
          (e) => isTimeout(e),
        );
        assert.equal(loop.time(), 400);
      });
    });

    it('reschedule(null) removes the deadline', async () => {
      await vrun(async (loop) => {
        const v = await timeout(100, async (s) => {
          s.reschedule(null);
          assert.equal(s.when(), null);
          await sleep(1000);
          return s.expired();
        });
        assert.equal(v, false);
        assert.equal(loop.time(), 1000);
      });
    });

    it('reschedule(null) then a deadline again', async () => {
      await vrun(async (loop) => {
        await assert.rejects(
          timeout(100, async (s) => {
            s.reschedule(null);
            await sleep(200);
            s.reschedule(loop.time() + 50);
            await sleep(1000);
          }),
          (e) => isTimeout(e),
        );
        assert.equal(loop.time(), 250);
      });
    });

    it('reschedule() to a time already past expires on the next turn', async () => {
      await vrun(async (loop) => {
        await assert.rejects(
          timeout(1000, async (s) => {
            await sleep(50);
            s.reschedule(10);
            assert.equal(s.expired(), false, 'not synchronously');
            await sleep(1000);
          }),
          (e) => isTimeout(e),
        );
        assert.equal(loop.time(), 50);
      });
    });

    it('expired() is false before and during the work, true once the deadline passed', async () => {
      await vrun(async () => {
        const states: boolean[] = [];
        await timeout(100, async (s) => {
          states.push(s.expired());
          try {
            await sleep(200);
          } catch {
            states.push(s.expired());
          }
        });
        assert.deepEqual(states, [false, true]);
      });
    });
  });

  describe('timeoutAt()', () => {
    it('fires at an absolute loop time', async () => {
      await vrun(async (loop) => {
        await sleep(40);
        let scope: Timeout | undefined;
        await assert.rejects(
          timeoutAt(100, async (s) => {
            scope = s;
            assert.equal(s.when(), 100);
            await sleep(1000);
          }),
          (e) => isTimeout(e),
        );
        assert.equal(loop.time(), 100);
        assert.equal(scope!.expired(), true);
      });
    });

    it('returns the result before the deadline; null means no deadline', async () => {
      await vrun(async (loop) => {
        assert.equal(
          await timeoutAt(loop.time() + 100, async () => {
            await sleep(99);
            return 'in time';
          }),
          'in time',
        );
        assert.equal(
          await timeoutAt(null, async () => {
            await sleep(5000);
            return 'no deadline';
          }),
          'no deadline',
        );
        assert.equal(loop.time(), 5099);
      });
    });

    it('a deadline in the past expires at the first library await', async () => {
      await vrun(async (loop) => {
        await sleep(100);
        await assert.rejects(
          timeoutAt(50, () => sleep(10)),
          (e) => isTimeout(e),
        );
        assert.equal(loop.time(), 100);
      });
    });

    it('rejects a time that is not a number', async () => {
      await vrun(async () => {
        await assert.rejects(
          timeoutAt(Number.NaN, () => 1),
          TypeError,
        );
        await assert.rejects(
          timeoutAt('10' as unknown as number, () => 1),
          TypeError,
        );
      });
    });
  });

  describe('misuse', () => {
    it('reschedule() after the scope exited throws InvalidStateError', async () => {
      await vrun(async (loop) => {
        let scope: Timeout | undefined;
        await timeout(100, (s) => {
          scope = s;
        });
        assert.throws(
          () => scope!.reschedule(loop.time() + 10),
          (e: unknown) => {
            assert.ok(e instanceof InvalidStateError);
            assert.match((e as Error).message, /cannot reschedule a timeout that is finished/);
            return true;
          },
        );
        assert.equal(loop._timerCount(), 0, 'no timer armed by the failed reschedule');
      });
    });

    it('reschedule() after expiry throws InvalidStateError', async () => {
      await vrun(async (loop) => {
        let scope: Timeout | undefined;
        await timeout(100, (s) => {
          scope = s;
          return sleep(200);
        }).catch(() => undefined);
        assert.equal(scope!.expired(), true);
        assert.throws(
          () => scope!.reschedule(null),
          (e: unknown) => e instanceof InvalidStateError && /expired/.test((e as Error).message),
        );
        assert.equal(loop._timerCount(), 0);
      });
    });

    it('reschedule() while the expiry unwinds throws InvalidStateError', async () => {
      await vrun(async (loop) => {
        let thrown: unknown;
        await assert.rejects(
          timeout(100, async (s) => {
            try {
              await sleep(200);
            } catch (e) {
              try {
                s.reschedule(loop.time() + 1000);
              } catch (e2) {
                thrown = e2;
              }
              throw e;
            }
          }),
          (e) => isTimeout(e),
        );
        assert.ok(thrown instanceof InvalidStateError);
      });
    });

    it('reschedule() with a value that is not a loop time throws TypeError', async () => {
      await vrun(async () => {
        await timeout(100, (s) => {
          assert.throws(() => s.reschedule(Number.NaN), TypeError);
          assert.throws(() => s.reschedule('1s' as unknown as number), TypeError);
          assert.equal(s.when(), 100, 'unchanged');
        });
      });
    });

    it('invalid delays reject: RangeError for negative or NaN, TypeError for unparsable', async () => {
      await vrun(async () => {
        let ran = false;
        const body = (): void => {
          ran = true;
        };
        await assert.rejects(timeout(-1, body), RangeError);
        await assert.rejects(timeout(Number.NaN, body), RangeError);
        await assert.rejects(timeout('-5s', body), RangeError);
        await assert.rejects(timeout('soon' as '5s', body), TypeError);
        assert.equal(ran, false);
      });
    });

    it('a task already cancelled when entering the scope gets CancelledError, not TimeoutError', async () => {
      await vrun(async () => {
        let entered = false;
        const t = createTask(async () => {
          currentTask()!.cancel('early');
          await timeout(100, () => {
            entered = true;
          });
        });
        await assert.rejects(t.then(), (e) => isCancelledError(e));
        assert.equal(entered, false);
      });
    });
  });

  describe('outside a task', () => {
    it('timeout() outside a task works (runs in a new task)', async () => {
      assert.equal(currentTask(), null);
      const name = await timeout(10_000, async () => {
        await sleep(0);
        return currentTask()?.name;
      });
      assert.equal(name, 'timeout');
      assert.equal(currentTask(), null);
      assert.equal(getRunningLoop()._timerCount(), 0);
    });

    it('timeout() outside a task expires with TimeoutError', async () => {
      await assert.rejects(
        timeout(0, () => sleep('1h')),
        (e) => isTimeout(e),
      );
      assert.equal(getRunningLoop()._timerCount(), 0);
    });

    it('timeoutAt() outside a task works (runs in a new task)', async () => {
      const loop = getRunningLoop();
      const name = await timeoutAt(loop.time() + 10_000, () => currentTask()?.name);
      assert.equal(name, 'timeoutAt');
      await assert.rejects(
        timeoutAt(loop.time(), () => sleep('1h')),
        (e) => isTimeout(e),
      );
      assert.equal(loop._timerCount(), 0);
      assert.equal(loop._liveTasks().length, 0);
    });
  });

  it('timeouts leave no timer behind', async () => {
    let loop: EventLoop | undefined;
    await run(
      async () => {
        loop = getRunningLoop();
        // finished in time
        await timeout(100, () => sleep(10));
        // expired
        await timeout(100, () => sleep(1000)).catch(() => undefined);
        // rescheduled several times, then finished
        await timeout(100, async (s) => {
          s.reschedule(loop!.time() + 200);
          s.reschedule(loop!.time() + 300);
          s.reschedule(null);
          s.reschedule(loop!.time() + 50);
          await sleep(10);
        });
        // the body threw
        await timeout(100, () => Promise.reject(new Error('x'))).catch(() => undefined);
        // nested, inner expired
        await timeout(1000, () => timeout(10, () => sleep(100)).catch(() => undefined));
        // many concurrent scopes
        await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            createTask(() =>
              timeout(100 + i, () => sleep(i % 2 === 0 ? 10 : 1000)).catch(() => 0),
            ).then(),
          ),
        );
        assert.equal(loop._timerCount(), 0);
      },
      { clock: new VirtualClock() },
    );
    assert.equal(loop!._timerCount(), 0);
    assert.equal(loop!._liveTasks().length, 0);
  });
});
