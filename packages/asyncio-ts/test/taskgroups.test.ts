// Tests of src/taskgroups.ts: TaskGroup (asyncio 3.13 taskgroups.py, plus cancel()).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CancelledError,
  ExceptionGroup,
  InvalidStateError,
  TaskGroup,
  TimeoutError,
  createTask,
  currentTask,
  getRunningLoop,
  sleep,
  timeout,
  type Task,
} from '../src/index.js';
import { virtualRunner } from './helpers.js';

const vrun = virtualRunner('all');

/** Runs `main` on a virtual clock and checks that the loop is left clean. */

function isGroupOf(...expected: unknown[]) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof ExceptionGroup, `expected an ExceptionGroup, got ${String(e)}`);
    assert.ok(e instanceof AggregateError);
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'ExceptionGroup');
    assert.match(e.message, /unhandled errors in a TaskGroup/);
    assert.deepEqual(e.errors, expected);
    for (const x of e.errors) assert.ok(!(x instanceof CancelledError), 'never a CancelledError');
    return true;
  };
}

function isCancelledError(e: unknown): boolean {
  assert.ok(e instanceof CancelledError, `expected CancelledError, got ${String(e)}`);
  return true;
}

describe('TaskGroup', () => {
  it('waits for every child and returns the body result', async () => {
    await vrun(async (loop) => {
      const done: string[] = [];
      const [v, a, b] = await TaskGroup.run((tg) => {
        const a = tg.createTask(async () => {
          await sleep(100);
          done.push('a');
          return 'A';
        });
        const b = tg.createTask(async () => {
          await sleep(300);
          done.push('b');
          return 'B';
        });
        return ['body', a, b] as const;
      });
      assert.equal(v, 'body');
      assert.deepEqual(done, ['a', 'b']);
      assert.equal(loop.time(), 300);
      assert.equal(a.result(), 'A');
      assert.equal(b.result(), 'B');
    });
  });

  it('children are children of the task running the group, and get names', async () => {
    await vrun(async () => {
      await TaskGroup.run(async (tg) => {
        const t = tg.createTask(() => currentTask()!.name, { name: 'kid' });
        assert.equal(t.name, 'kid');
        assert.equal(await t, 'kid');
      });
    });
  });

  it('first failure cancels siblings and the body; the group waits for all, then throws ExceptionGroup', async () => {
    await vrun(async (loop) => {
      const boom = new Error('boom');
      const log: string[] = [];
      let sibling: Task<unknown> | undefined;
      await assert.rejects(
        TaskGroup.run(async (tg) => {
          tg.createTask(async () => {
            await sleep(100);
            throw boom;
          });
          sibling = tg.createTask(async () => {
            try {
              await sleep(1000);
            } catch (e) {
              log.push(`sibling cancelled: ${(e as Error).name}@${loop.time()}`);
              throw e;
            } finally {
              // a slow cleanup: the group must wait for it
              await sleep(50).catch(() => undefined);
              log.push(`sibling finally@${loop.time()}`);
            }
          });
          try {
            await sleep(1000);
            log.push('body not cancelled');
          } catch (e) {
            log.push(`body cancelled: ${(e as Error).name}@${loop.time()}`);
            throw e;
          }
        }),
        isGroupOf(boom),
      );
      assert.equal(loop.time(), 150, 'the group waited for the slow cleanup');
      assert.deepEqual(log, [
        'sibling cancelled: CancelledError@100',
        'body cancelled: CancelledError@100',
        'sibling finally@150',
      ]);
      assert.equal(sibling!.cancelled(), true);
      // The task that ran the group is not left cancelled.
      assert.equal(currentTask()!.cancelling(), 0);
      await sleep(10);
      assert.equal(loop.time(), 160);
    });
  });

  it('every real failure is collected, never a CancelledError', async () => {
    await vrun(async () => {
      const e1 = new Error('one');
      const e2 = new TypeError('two');
      await assert.rejects(
        TaskGroup.run(async (tg) => {
          tg.createTask(async () => {
            await sleep(10);
            throw e1;
          });
          // Fails while being cancelled: its failure is collected too.
          tg.createTask(async () => {
            try {
              await sleep(1000);
            } finally {
              // eslint-disable-next-line no-unsafe-finally
              throw e2;
            }
          });
          tg.createTask(() => sleep(1000)); // just cancelled
          await sleep(1000);
        }),
        isGroupOf(e1, e2),
      );
    });
  });

  it('a body that swallows the cancellation still gets the ExceptionGroup', async () => {
    await vrun(async (loop) => {
      const err = new Error('child');
      await assert.rejects(
        TaskGroup.run(async (tg) => {
          tg.createTask(async () => {
            await sleep(10);
            throw err;
          });
          try {
            await sleep(1000);
          } catch {
            return 'swallowed';
          }
          return 'slept';
        }),
        isGroupOf(err),
      );
      assert.equal(loop.time(), 10);
    });
  });

  it('an eager child that fails at once cancels the body at its next await', async () => {
    await vrun(async (loop) => {
      const err = new Error('eager');
      let after = false;
      await assert.rejects(
        TaskGroup.run(async (tg) => {
          const t = tg.createTask(
            () => {
              throw err;
            },
            { eager: true },
          );
          assert.equal(t.done(), true);
          await sleep(100);
          after = true;
        }),
        isGroupOf(err),
      );
      assert.equal(after, false);
      assert.equal(loop.time(), 0);
    });
  });

  it('failures collected in the group are not reported as never retrieved', async () => {
    const reports: string[] = [];
    await vrun(async () => {
      getRunningLoop().setExceptionHandler((ctx) => reports.push(ctx.message));
      await assert.rejects(
        TaskGroup.run((tg) => {
          tg.createTask(async () => {
            await sleep(10);
            throw new Error('a');
          });
          tg.createTask(async () => {
            await sleep(10);
            throw new Error('b');
          });
        }),
        (e: unknown) => e instanceof ExceptionGroup && e.errors.length === 2,
      );
    });
    assert.deepEqual(reports, []);
  });

  it("the body's own error is part of the ExceptionGroup and cancels the children", async () => {
    await vrun(async (loop) => {
      const bodyErr = new Error('body failed');
      let child: Task<unknown> | undefined;
      let childFinally = -1;
      await assert.rejects(
        TaskGroup.run(async (tg) => {
          child = tg.createTask(async () => {
            try {
              await sleep(1000);
            } finally {
              childFinally = loop.time();
            }
          });
          await sleep(20);
          throw bodyErr;
        }),
        isGroupOf(bodyErr),
      );
      assert.equal(child!.cancelled(), true);
      assert.equal(childFinally, 20);
      assert.equal(loop.time(), 20);
    });
  });

  it("a child's error and then the body's error: both, in that order", async () => {
    await vrun(async () => {
      const childErr = new Error('child');
      const bodyErr = new Error('body');
      await assert.rejects(
        TaskGroup.run(async (tg) => {
          tg.createTask(async () => {
            await sleep(10);
            throw childErr;
          });
          try {
            await sleep(100);
          } catch {
            throw bodyErr;
          }
        }),
        isGroupOf(childErr, bodyErr),
      );
    });
  });

  it('a child failing after the body finished (while the group waits) fails the group', async () => {
    await vrun(async (loop) => {
      const err = new Error('late');
      let other: Task<unknown> | undefined;
      await assert.rejects(
        TaskGroup.run((tg) => {
          tg.createTask(async () => {
            await sleep(100);
            throw err;
          });
          other = tg.createTask(() => sleep(1000));
          return 'body done';
        }),
        isGroupOf(err),
      );
      assert.equal(other!.cancelled(), true);
      assert.equal(loop.time(), 100);
    });
  });

  it('a cancelled parent cancels the group: children cancelled, CancelledError out', async () => {
    await vrun(async (loop) => {
      const children: Task<unknown>[] = [];
      const finallies: number[] = [];
      let bodyError: unknown;
      const parent = createTask(() =>
        TaskGroup.run(async (tg) => {
          for (let i = 0; i < 3; i++) {
            children.push(
              tg.createTask(async () => {
                try {
                  await sleep(1000);
                } finally {
                  finallies.push(loop.time());
                }
              }),
            );
          }
          try {
            await sleep(1000);
          } catch (e) {
            bodyError = e;
            throw e;
          }
        }),
      );
      await sleep(50);
      parent.cancel('stop');
      await assert.rejects(parent.then(), (e) => {
        isCancelledError(e);
        assert.ok(!(e instanceof ExceptionGroup));
        assert.equal((e as Error).message, 'stop');
        return true;
      });
      assert.equal(parent.cancelled(), true);
      isCancelledError(bodyError);
      assert.deepEqual(finallies, [50, 50, 50]);
      for (const c of children) assert.equal(c.cancelled(), true);
    });
  });

  it('a parent cancelled while the group waits for its children: children cancelled, CancelledError out', async () => {
    await vrun(async (loop) => {
      const children: Task<unknown>[] = [];
      const parent = createTask(() =>
        TaskGroup.run((tg) => {
          children.push(tg.createTask(() => sleep(1000)));
          children.push(tg.createTask(() => sleep(2000)));
          // the body returns at once: the group is waiting at its exit
        }),
      );
      await sleep(50);
      parent.cancel();
      await assert.rejects(parent.then(), (e) => isCancelledError(e));
      assert.equal(loop.time(), 50);
      for (const c of children) assert.equal(c.cancelled(), true);
    });
  });

  it('a parent cancelled while a child fails: the ExceptionGroup wins and the cancellation stays requested', async () => {
    await vrun(async () => {
      const err = new Error('child');
      let afterGroup: unknown = 'not reached';
      const parent = createTask(async () => {
        try {
          await TaskGroup.run(async (tg) => {
            tg.createTask(async () => {
              try {
                await sleep(1000);
              } finally {
                // eslint-disable-next-line no-unsafe-finally
                throw err;
              }
            });
            await sleep(1000);
          });
        } catch (e) {
          afterGroup = e;
        }
        await sleep(10); // the outer cancellation is still delivered here
        return 'finished';
      });
      await sleep(50);
      parent.cancel();
      await assert.rejects(parent.then(), (e) => isCancelledError(e));
      isGroupOf(err)(afterGroup);
    });
  });

  describe('tg.cancel()', () => {
    it('from the body: ends the group without an error', async () => {
      await vrun(async (loop) => {
        const children: Task<unknown>[] = [];
        let bodyError: unknown;
        const v = await TaskGroup.run(async (tg) => {
          children.push(tg.createTask(() => sleep(1000)));
          children.push(tg.createTask(() => sleep(2000)));
          await sleep(10);
          tg.cancel();
          try {
            await sleep(1000);
          } catch (e) {
            bodyError = e;
            throw e;
          }
          return 'not reached';
        });
        assert.equal(v, undefined);
        isCancelledError(bodyError);
        for (const c of children) assert.equal(c.cancelled(), true);
        assert.equal(loop.time(), 10);
        // The task running the group is not left cancelled.
        assert.equal(currentTask()!.cancelling(), 0);
        await sleep(5);
        assert.equal(loop.time(), 15);
      });
    });

    it('from the body, returning right after: ends without error, the body result is kept', async () => {
      await vrun(async (loop) => {
        let child: Task<unknown> | undefined;
        const v = await TaskGroup.run((tg) => {
          child = tg.createTask(() => sleep(1000));
          tg.cancel();
          return 'body result';
        });
        assert.equal(v, 'body result');
        assert.equal(child!.cancelled(), true);
        assert.equal(loop.time(), 0);
        await sleep(5);
        assert.equal(loop.time(), 5);
      });
    });

    it('from a child: ends the group without an error', async () => {
      await vrun(async (loop) => {
        const finallies: string[] = [];
        const v = await TaskGroup.run(async (tg) => {
          tg.createTask(async () => {
            try {
              await sleep(1000);
            } finally {
              finallies.push(`sleeper@${loop.time()}`);
            }
          });
          tg.createTask(async () => {
            await sleep(30);
            tg.cancel();
            await sleep(1000);
          });
          try {
            await sleep(1000);
          } finally {
            finallies.push(`body@${loop.time()}`);
          }
        });
        assert.equal(v, undefined);
        assert.deepEqual(finallies.sort(), ['body@30', 'sleeper@30']);
        assert.equal(loop.time(), 30);
      });
    });

    it('from outside (another task): ends the group without an error', async () => {
      await vrun(async (loop) => {
        let group: TaskGroup | undefined;
        const children: Task<unknown>[] = [];
        const runner = createTask(() =>
          TaskGroup.run(async (tg) => {
            group = tg;
            children.push(tg.createTask(() => sleep(1000)));
            await sleep(1000);
            return 'not reached';
          }),
        );
        await sleep(40);
        group!.cancel();
        assert.equal(await runner, undefined);
        assert.equal(runner.cancelled(), false);
        assert.equal(children[0]!.cancelled(), true);
        assert.equal(loop.time(), 40);
      });
    });

    it('from outside while the group waits at its exit: ends without error', async () => {
      await vrun(async (loop) => {
        let group: TaskGroup | undefined;
        const runner = createTask(() =>
          TaskGroup.run((tg) => {
            group = tg;
            tg.createTask(() => sleep(1000));
            return 'body result';
          }),
        );
        await sleep(40);
        group!.cancel();
        group!.cancel(); // idempotent
        assert.equal(await runner, 'body result');
        assert.equal(loop.time(), 40);
      });
    });

    it('does not swallow a cancellation of the task running the group', async () => {
      await vrun(async (loop) => {
        let group: TaskGroup | undefined;
        const runner = createTask(() =>
          TaskGroup.run(async (tg) => {
            group = tg;
            tg.createTask(() => sleep(1000));
            await sleep(1000);
          }),
        );
        await sleep(40);
        group!.cancel();
        runner.cancel('outer');
        await assert.rejects(runner.then(), (e) => isCancelledError(e));
        assert.equal(runner.cancelled(), true);
        assert.equal(loop.time(), 40);
      });
    });

    it('after the group finished: no effect', async () => {
      await vrun(async () => {
        let group: TaskGroup | undefined;
        await TaskGroup.run((tg) => {
          group = tg;
        });
        group!.cancel();
        assert.equal(currentTask()!.cancelling(), 0);
        await sleep(1); // not cancelled
      });
    });

    it('with a failure already collected: the ExceptionGroup still comes out', async () => {
      await vrun(async () => {
        const err = new Error('x');
        await assert.rejects(
          TaskGroup.run(async (tg) => {
            tg.createTask(async () => {
              await sleep(10);
              throw err;
            });
            try {
              await sleep(100);
            } finally {
              tg.cancel();
            }
          }),
          isGroupOf(err),
        );
      });
    });
  });

  describe('adding tasks', () => {
    it('no task can be added to a finished group (InvalidStateError)', async () => {
      await vrun(async () => {
        let group: TaskGroup | undefined;
        await TaskGroup.run((tg) => {
          group = tg;
          tg.createTask(() => sleep(10));
        });
        let ran = false;
        assert.throws(
          () =>
            group!.createTask(() => {
              ran = true;
            }),
          (e: unknown) => {
            assert.ok(e instanceof InvalidStateError);
            assert.match((e as Error).message, /finished/);
            return true;
          },
        );
        await sleep(10);
        assert.equal(ran, false);
      });
    });

    it('no task can be added while the group is shutting down (InvalidStateError)', async () => {
      await vrun(async () => {
        const err = new Error('fail');
        const refused: unknown[] = [];
        let ran = false;
        await assert.rejects(
          TaskGroup.run(async (tg) => {
            tg.createTask(async () => {
              await sleep(10);
              throw err;
            });
            tg.createTask(async () => {
              try {
                await sleep(1000);
              } finally {
                try {
                  tg.createTask(() => {
                    ran = true;
                  });
                } catch (e) {
                  refused.push(e);
                }
              }
            });
            try {
              await sleep(1000);
            } finally {
              try {
                tg.createTask(() => {
                  ran = true;
                });
              } catch (e) {
                refused.push(e);
              }
            }
          }),
          isGroupOf(err),
        );
        assert.equal(refused.length, 2);
        for (const e of refused) {
          assert.ok(e instanceof InvalidStateError);
          assert.match((e as Error).message, /shutting down/);
        }
        assert.equal(ran, false);
      });
    });

    it('children may add tasks while the group waits at its exit', async () => {
      await vrun(async (loop) => {
        const done: string[] = [];
        await TaskGroup.run((tg) => {
          tg.createTask(async () => {
            await sleep(10);
            tg.createTask(async () => {
              await sleep(20);
              done.push('grandchild');
            });
            done.push('child');
          });
        });
        assert.deepEqual(done, ['child', 'grandchild']);
        assert.equal(loop.time(), 30);
      });
    });
  });

  describe('await using', () => {
    it('`await using tg = new TaskGroup()` inside a task waits for children', async () => {
      await vrun(async (loop) => {
        const done: string[] = [];
        let child: Task<string> | undefined;
        {
          await using tg = new TaskGroup();
          child = tg.createTask(async () => {
            await sleep(100);
            done.push('child');
            return 'c';
          });
          tg.createTask(async () => {
            await sleep(50);
            done.push('other');
          });
          done.push('block end');
        }
        done.push('after block');
        assert.deepEqual(done, ['block end', 'other', 'child', 'after block']);
        assert.equal(loop.time(), 100);
        assert.equal(child.result(), 'c');
      });
    });

    it('`await using`: a child failure throws the ExceptionGroup at the end of the block', async () => {
      await vrun(async (loop) => {
        const err = new Error('child failed');
        let sibling: Task<unknown> | undefined;
        let reachedEnd = false;
        await assert.rejects(async () => {
          await using tg = new TaskGroup();
          tg.createTask(async () => {
            await sleep(10);
            throw err;
          });
          sibling = tg.createTask(() => sleep(1000));
          reachedEnd = true;
        }, isGroupOf(err));
        assert.equal(reachedEnd, true);
        assert.equal(sibling!.cancelled(), true);
        assert.equal(loop.time(), 10);
      });
    });

    it('`await using`: a child failure while the block awaits cancels the block; the ExceptionGroup comes out', async () => {
      await vrun(async (loop) => {
        const err = new Error('child failed');
        let blockError: unknown;
        let thrown: unknown;
        try {
          await using tg = new TaskGroup();
          tg.createTask(async () => {
            await sleep(10);
            throw err;
          });
          try {
            await sleep(1000);
          } catch (e) {
            blockError = e;
            throw e;
          }
        } catch (e) {
          thrown = e;
        }
        isCancelledError(blockError);
        assert.equal(loop.time(), 10);
        // JavaScript's rule: a disposer that throws while the block threw gives a
        // SuppressedError; the group's ExceptionGroup is its `error`.
        const group =
          thrown instanceof ExceptionGroup
            ? thrown
            : (thrown as { name?: string; error?: unknown }).name === 'SuppressedError'
              ? (thrown as { error?: unknown }).error
              : thrown;
        isGroupOf(err)(group);
        // The task is not left cancelled.
        assert.equal(currentTask()!.cancelling(), 0);
        await sleep(5);
        assert.equal(loop.time(), 15);
      });
    });

    it('new TaskGroup() outside a task throws InvalidStateError', () => {
      assert.equal(currentTask(), null);
      assert.throws(
        () => new TaskGroup(),
        (e: unknown) => {
          assert.ok(e instanceof InvalidStateError);
          assert.match((e as Error).message, /inside a task/);
          return true;
        },
      );
    });
  });

  it('TaskGroup.run outside a task runs in a new task', async () => {
    assert.equal(currentTask(), null);
    const v = await TaskGroup.run(async (tg) => {
      const t = tg.createTask(() => 21);
      return (await t) * 2;
    });
    assert.equal(v, 42);
  });

  it('works with timeout(): the expiry cancels the group and converts at the timeout boundary', async () => {
    await vrun(async (loop) => {
      const children: Task<unknown>[] = [];
      await assert.rejects(
        timeout(100, () =>
          TaskGroup.run((tg) => {
            children.push(tg.createTask(() => sleep(1000)));
            children.push(tg.createTask(() => sleep(2000)));
          }),
        ),
        (e: unknown) => e instanceof TimeoutError,
      );
      assert.equal(loop.time(), 100);
      for (const c of children) assert.equal(c.cancelled(), true);
    });
  });

  it('statistics() and toString()', async () => {
    await vrun(async () => {
      let group: TaskGroup | undefined;
      const err = new Error('x');
      await assert.rejects(
        TaskGroup.run(async (tg) => {
          group = tg;
          assert.deepEqual(tg.statistics(), {
            running: 0,
            created: 0,
            errors: 0,
            state: 'entered',
          });
          assert.equal(String(tg), '<TaskGroup entered tasks=0 errors=0>');
          tg.createTask(async () => {
            try {
              await sleep(100);
            } finally {
              await sleep(5).catch(() => undefined); // a slow cleanup
            }
          });
          tg.createTask(async () => {
            await sleep(10);
            throw err;
          });
          assert.deepEqual(tg.statistics(), {
            running: 2,
            created: 2,
            errors: 0,
            state: 'entered',
          });
          assert.equal(String(tg), '<TaskGroup entered tasks=2 errors=0>');
          try {
            await sleep(1000);
          } finally {
            // the second child failed, the first is being cancelled
            assert.deepEqual(tg.statistics(), {
              running: 1,
              created: 2,
              errors: 1,
              state: 'aborting',
            });
            assert.equal(String(tg), '<TaskGroup aborting tasks=1 errors=1>');
          }
        }),
        isGroupOf(err),
      );
      const stats = group!.statistics();
      assert.equal(stats.state, 'finished');
      assert.equal(stats.running, 0);
      assert.equal(stats.created, 2);
      assert.match(String(group), /^<TaskGroup finished tasks=0/);
    });
  });

  it('statistics() shows the exiting state while the group waits for its children', async () => {
    await vrun(async () => {
      let group: TaskGroup | undefined;
      const runner = createTask(() =>
        TaskGroup.run((tg) => {
          group = tg;
          tg.createTask(() => sleep(100));
        }),
      );
      await sleep(10);
      assert.deepEqual(group!.statistics(), {
        running: 1,
        created: 1,
        errors: 0,
        state: 'exiting',
      });
      await runner;
      assert.deepEqual(group!.statistics(), {
        running: 0,
        created: 1,
        errors: 0,
        state: 'finished',
      });
    });
  });
});
