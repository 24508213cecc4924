import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CancelledError, createTask, currentTask, sleep, type Duration } from '../src/index.js';
import { virtualRunner } from './helpers.js';

const vrun = virtualRunner('all');

function loose(v: unknown): Duration {
  return v as Duration;
}

describe('sleep', () => {
  it('resumes exactly `delay` ms later on the loop clock', async () => {
    await vrun(async (loop) => {
      await sleep(250);
      assert.equal(loop.time(), 250);
      await sleep(0.5);
      assert.equal(loop.time(), 250.5);
    });
  });

  it("accepts duration strings: '250ms', '1.5s', '2m', '1h'", async () => {
    await vrun(async (loop) => {
      await sleep('250ms');
      assert.equal(loop.time(), 250);
      await sleep('1.5s');
      assert.equal(loop.time(), 1750);
      await sleep('2m');
      assert.equal(loop.time(), 121_750);
      await sleep('1h');
      assert.equal(loop.time(), 3_721_750);
    });
  });

  it('resolves with the value given', async () => {
    await vrun(async () => {
      assert.equal(await sleep(10, 'done'), 'done');
      assert.deepEqual(await sleep(0, { a: 1 }), { a: 1 });
      assert.equal(await sleep(10), undefined);
    });
  });

  it('concurrent sleeps wake in deadline order, equal deadlines first-come first-served', async () => {
    await vrun(async () => {
      const order: string[] = [];
      const sleeper = (label: string, ms: number) =>
        createTask(async () => {
          await sleep(ms);
          order.push(label);
        });
      const ts = [
        sleeper('c', 30),
        sleeper('a1', 10),
        sleeper('b', 20),
        sleeper('a2', 10),
        sleeper('zero', 0),
      ];
      for (const t of ts) await t;
      assert.deepEqual(order, ['zero', 'a1', 'a2', 'b', 'c']);
    });
  });

  it('sleep(0) yields to the other ready tasks once', async () => {
    await vrun(async (loop) => {
      const order: string[] = [];
      const worker = (label: string) =>
        createTask(async () => {
          for (let i = 0; i < 3; i++) {
            order.push(`${label}${i}`);
            await sleep(0);
          }
        });
      const a = worker('a');
      const b = worker('b');
      await a;
      await b;
      assert.deepEqual(order, ['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
      assert.equal(loop.time(), 0);
    });
  });

  it('sleep(0) yields to I/O: a task looping on sleep(0) does not starve a file read', async () => {
    await vrun(async () => {
      let read: string | null = null;
      void readFile(fileURLToPath(import.meta.url), 'utf8').then((s) => {
        read = s;
      });
      let turns = 0;
      while (read === null && turns < 100_000) {
        await sleep(0);
        turns++;
      }
      assert.ok(read !== null, `the read did not complete after ${turns} turns`);
    });
  });

  it('sleep(0) yields to setImmediate callbacks', async () => {
    await vrun(async () => {
      let ran = false;
      setImmediate(() => {
        ran = true;
      });
      await sleep(0);
      await sleep(0);
      assert.equal(ran, true);
    });
  });

  it('is a cancellation point: cancelling the task rejects the sleep at once with CancelledError', async () => {
    await vrun(async (loop) => {
      const t = createTask(async () => {
        try {
          await sleep('1h');
          return 'slept';
        } catch (e) {
          return e;
        }
      });
      await sleep(5);
      t.cancel('wake up');
      const e = await t;
      assert.ok(e instanceof CancelledError);
      assert.equal(e.message, 'wake up');
      assert.equal(loop.time(), 5);
    });
  });

  it('a cancelled sleep removes its timer at once', async () => {
    await vrun(async (loop) => {
      const t = createTask(() => sleep('1h'));
      await sleep(0);
      assert.equal(loop._timerCount(), 1);
      t.cancel();
      assert.equal(loop._timerCount(), 0);
      await assert.rejects(async () => {
        await t;
      }, CancelledError);
    });
  });

  it('a cancelled sleep(0) does not resume later', async () => {
    await vrun(async () => {
      const steps: string[] = [];
      const t = createTask(async () => {
        try {
          await sleep(0);
          steps.push('resumed');
        } catch (e) {
          steps.push((e as Error).name);
        }
      });
      await sleep(0); // t is now blocked in its sleep(0)
      t.cancel();
      await t;
      await sleep(0);
      assert.deepEqual(steps, ['CancelledError']);
    });
  });

  it('tasks in sleep(0) share one turn but resume in the order they yielded, between other ready work', async () => {
    await vrun(async () => {
      const order: string[] = [];
      const ts = ['a', 'b', 'c'].map((label) =>
        createTask(async () => {
          order.push(`${label}0`);
          await sleep(0);
          order.push(`${label}1`);
          await sleep(0);
          order.push(`${label}2`);
        }),
      );
      for (const t of ts) await t;
      assert.deepEqual(order, ['a0', 'b0', 'c0', 'a1', 'b1', 'c1', 'a2', 'b2', 'c2']);
      assert.match(String(ts[0]), /done/);
      const t = createTask(() => sleep(0));
      await sleep(0); // t is in its sleep(0)
      assert.match(String(t), /running sleep 0 ms/);
      await t;
    });
  });

  it('a task cancelled in sleep(0) gets its CancelledError once, at the turn; cancelling again meanwhile only counts', async () => {
    await vrun(async () => {
      const got: string[] = [];
      const t = createTask(async () => {
        try {
          await sleep(0);
        } catch (e) {
          got.push(`${(e as Error).name}: ${(e as Error).message}`);
        }
        await sleep(0); // not cancelled again
        got.push('went on');
      });
      await sleep(0);
      t.cancel('first');
      t.cancel('second');
      assert.equal(t.cancelling(), 2);
      await t;
      assert.deepEqual(got, ['CancelledError: first', 'went on']);
    });
  });

  it('a sleep(0) that nobody awaits: a cancellation goes to the awaited one, and no rejection is left unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => {
      unhandled.push(e);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      await vrun(async () => {
        // Two sleep(0)s in one turn, the second awaited: it is the one interrupted.
        const t1 = createTask(async () => {
          void sleep(0);
          await sleep(0);
          return 'resumed';
        });
        // The last library call is a sleep(0) nobody awaits: it takes the cancellation
        // (and the task goes on), as any library call would.
        const t2 = createTask(async () => {
          void sleep(0);
          await new Promise((resolve) => setImmediate(resolve));
          await sleep(0);
          return 'resumed';
        });
        await sleep(0);
        t1.cancel();
        t2.cancel();
        await assert.rejects(t1.then(), CancelledError);
        assert.equal(await t2, 'resumed');
        assert.equal(t2.cancelling(), 1);
        await sleep(0);
        await new Promise((resolve) => setImmediate(resolve));
      });
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    assert.deepEqual(unhandled, []);
  });

  it('with a cancellation pending on the task, sleep rejects at once', async () => {
    await vrun(async (loop) => {
      const t = createTask(async () => {
        currentTask()!.cancel('pending');
        await sleep(100);
      });
      await assert.rejects(
        async () => {
          await t;
        },
        (e) => e instanceof CancelledError && e.message === 'pending',
      );
      assert.equal(loop.time(), 0);
      assert.equal(loop._timerCount(), 0);
    });
  });

  describe('invalid delays are rejections, not synchronous throws', () => {
    const cases: [string, unknown, new (...a: never[]) => Error][] = [
      ['a negative number', -1, RangeError],
      ['NaN', NaN, RangeError],
      ['a negative string', '-2s', RangeError],
      ['an unparsable string', 'soon', TypeError],
      ['a string without a unit', '100', TypeError],
      ['null (no limit is not a delay)', null, TypeError],
    ];
    for (const [what, value, cls] of cases) {
      it(`${what} rejects with ${cls.name}`, async () => {
        await vrun(async (loop) => {
          let p: Promise<void> | undefined;
          assert.doesNotThrow(() => {
            p = sleep(loose(value));
          });
          await assert.rejects(p!, cls);
          assert.equal(loop._timerCount(), 0);
          assert.equal(loop.time(), 0);
        });
      });
    }
  });

  it("sleep('1h') takes no real time under the virtual clock, while loop.time() says an hour passed", async () => {
    const t0 = performance.now();
    const elapsed = await vrun(async (loop) => {
      await sleep('1h');
      return loop.time();
    });
    assert.equal(elapsed, 3_600_000);
    assert.ok(performance.now() - t0 < 10_000, 'far less than an hour of real time');
  });

  it('works outside run() on the default loop', async () => {
    assert.equal(await sleep(0, 'outside'), 'outside');
    assert.equal(await sleep(0), undefined);
    assert.equal(currentTask(), null);
  });
});
