import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import {
  EventLoop,
  Future,
  Handle,
  InvalidStateError,
  Task,
  TimerHandle,
  createTask,
  currentTask,
  defaultExceptionHandler,
  getRunningLoop,
  sleep,
  type Duration,
  type ExceptionContext,
  type Executor,
} from '../src/index.js';
import { VirtualClock } from '../src/testing/index.js';
import { virtualRunner } from './helpers.js';

const vrun = virtualRunner('all');

/** Runs `main` on a virtual clock and checks that it left no timer and no task behind. */

/** Runs `fn` with process.stderr.write captured; returns what was written. */
function captureStderr(fn: () => void): string {
  const write = mock.method(process.stderr, 'write', () => true);
  try {
    fn();
  } finally {
    write.mock.restore();
  }
  return write.mock.calls.map((c) => String(c.arguments[0])).join('');
}

function loose(v: unknown): Duration {
  return v as Duration;
}

describe('EventLoop', () => {
  describe('callSoon', () => {
    it('runs callbacks on a later turn of the loop, in the order they were scheduled, with their arguments', async () => {
      await vrun(async (loop) => {
        const order: string[] = [];
        const h1 = loop.callSoon((x: string, y: number) => order.push(`${x}${y}`), 'a', 1);
        loop.callSoon((x: string) => order.push(x), 'b');
        loop.callSoon(() => order.push('c'));
        assert.ok(h1 instanceof Handle);
        order.push('sync');
        assert.deepEqual(order, ['sync']);
        await sleep(0);
        assert.deepEqual(order, ['sync', 'a1', 'b', 'c']);
      });
    });

    it('callbacks run outside any task, even when scheduled from one', async () => {
      await vrun(async (loop) => {
        assert.ok(currentTask() !== null);
        const seen: unknown[] = [];
        loop.callSoon(() => seen.push(currentTask()));
        loop.callLater(5, () => seen.push(currentTask()));
        const f = loop.createFuture<number>();
        f.addDoneCallback(() => seen.push(currentTask()));
        f.setResult(1);
        await sleep(10);
        assert.deepEqual(seen, [null, null, null]);
      });
    });

    it('a cancelled handle never runs its callback', async () => {
      await vrun(async (loop) => {
        const order: string[] = [];
        loop.callSoon(() => order.push('a'));
        const h = loop.callSoon(() => order.push('cancelled'));
        loop.callSoon(() => order.push('c'));
        assert.equal(h.cancelled(), false);
        h.cancel();
        assert.equal(h.cancelled(), true);
        await sleep(0);
        await sleep(0);
        assert.deepEqual(order, ['a', 'c']);
      });
    });

    it('a callback scheduled from a callback runs on a later turn, after the current batch', async () => {
      await vrun(async (loop) => {
        const order: string[] = [];
        loop.callSoon(() => {
          order.push('first');
          loop.callSoon(() => order.push('nested'));
        });
        loop.callSoon(() => order.push('second'));
        await sleep(0);
        assert.deepEqual(order, ['first', 'second']);
        await sleep(0);
        assert.deepEqual(order, ['first', 'second', 'nested']);
      });
    });

    it('cancelling a handle after it ran has no effect', async () => {
      await vrun(async (loop) => {
        let runs = 0;
        const h = loop.callSoon(() => runs++);
        await sleep(0);
        assert.equal(runs, 1);
        h.cancel();
        await sleep(0);
        assert.equal(runs, 1);
      });
    });
  });

  describe('callLater and callAt', () => {
    it('run callbacks in deadline order, ties in scheduling order, at exactly their loop time', async () => {
      await vrun(async (loop) => {
        const seen: [string, number][] = [];
        const rec = (label: string): void => {
          seen.push([label, loop.time()]);
        };
        loop.callLater(30, rec, 'c30');
        loop.callLater(10, rec, 'a10');
        loop.callLater(20, rec, 'b20');
        loop.callLater(10, rec, 'a10-second');
        loop.callAt(15, rec, 'at15');
        await sleep(30);
        assert.deepEqual(seen, [
          ['a10', 10],
          ['a10-second', 10],
          ['at15', 15],
          ['b20', 20],
          ['c30', 30],
        ]);
      });
    });

    it('callLater accepts duration strings', async () => {
      await vrun(async (loop) => {
        const seen: number[] = [];
        const h = loop.callLater('1.5s', () => seen.push(loop.time()));
        assert.ok(h instanceof TimerHandle);
        assert.equal(h.when, 1500);
        loop.callLater('2m', () => seen.push(loop.time()));
        await sleep('2m');
        assert.deepEqual(seen, [1500, 120_000]);
      });
    });

    it('callAt takes an absolute loop time', async () => {
      await vrun(
        async (loop) => {
          assert.equal(loop.time(), 1000);
          const seen: number[] = [];
          const h = loop.callAt(1250, () => seen.push(loop.time()));
          assert.equal(h.when, 1250);
          await sleep(500);
          assert.deepEqual(seen, [1250]);
        },
        { clock: new VirtualClock({ start: 1000 }) },
      );
    });

    it('a callAt time in the past runs on the next opportunity, without moving time back', async () => {
      await vrun(
        async (loop) => {
          const seen: number[] = [];
          loop.callAt(10, () => seen.push(loop.time()));
          await sleep(1);
          assert.deepEqual(seen, [500]);
        },
        { clock: new VirtualClock({ start: 500 }) },
      );
    });

    it('a cancelled timer never runs and is removed from the heap at once', async () => {
      await vrun(async (loop) => {
        const seen: string[] = [];
        const keep = loop.callLater(10, () => seen.push('kept'));
        const drop = loop.callLater(5, () => seen.push('dropped'));
        assert.equal(loop._timerCount(), 2);
        drop.cancel();
        assert.equal(drop.cancelled(), true);
        assert.equal(loop._timerCount(), 1);
        drop.cancel(); // twice is harmless
        assert.equal(loop._timerCount(), 1);
        await sleep(20);
        assert.deepEqual(seen, ['kept']);
        keep.cancel(); // after it ran: no effect
        assert.equal(loop._timerCount(), 0);
      });
    });

    it('cancelling the only timer withdraws the wake-up: time does not jump to it', async () => {
      await vrun(async (loop) => {
        const h = loop.callLater('1h', () => assert.fail('must not run'));
        h.cancel();
        await sleep(5);
        assert.equal(loop.time(), 5);
      });
    });

    it('an invalid delay throws synchronously: RangeError for negative or NaN, TypeError for unparsable', async () => {
      await vrun(async (loop) => {
        const cb = (): void => assert.fail('must not run');
        assert.throws(() => loop.callLater(-1, cb), RangeError);
        assert.throws(() => loop.callLater(NaN, cb), RangeError);
        assert.throws(() => loop.callLater(loose('-1s'), cb), RangeError);
        assert.throws(() => loop.callLater(loose('soon'), cb), TypeError);
        assert.throws(() => loop.callLater(loose('10 parsecs'), cb), TypeError);
        assert.throws(() => loop.callAt(NaN, cb), TypeError);
        assert.equal(loop._timerCount(), 0, 'nothing was scheduled');
        await sleep(0);
      });
    });

    it('callLater(0) runs on a later turn, not synchronously', async () => {
      await vrun(async (loop) => {
        let ran = false;
        loop.callLater(0, () => (ran = true));
        assert.equal(ran, false);
        await sleep(1);
        assert.equal(ran, true);
      });
    });
  });

  describe('time()', () => {
    it("is the clock's time in milliseconds", async () => {
      const clock = new VirtualClock({ start: 42 });
      await vrun(
        async (loop) => {
          assert.equal(loop.clock, clock);
          assert.equal(loop.time(), 42);
          await sleep(58);
          assert.equal(loop.time(), 100);
          assert.equal(loop.time(), clock.now());
        },
        { clock },
      );
    });

    it('is monotonic on the real clock', () => {
      const loop = new EventLoop();
      const a = loop.time();
      const b = loop.time();
      assert.equal(typeof a, 'number');
      assert.ok(b >= a);
    });
  });

  describe('exception handler', () => {
    it('receives the error of a callback that threw, with the loop; later callbacks still run', async () => {
      await vrun(async (loop) => {
        const reports: [ExceptionContext, EventLoop][] = [];
        loop.setExceptionHandler((ctx, l) => reports.push([ctx, l]));
        const boomError = new Error('boom');
        const order: string[] = [];
        loop.callSoon(function boom() {
          throw boomError;
        });
        loop.callSoon(() => order.push('after'));
        loop.callLater(5, function lateBoom() {
          throw new TypeError('late');
        });
        loop.callLater(5, () => order.push('late after'));
        await sleep(10);
        assert.deepEqual(order, ['after', 'late after']);
        assert.equal(reports.length, 2);
        const [first, second] = reports;
        assert.equal(first![0].error, boomError);
        assert.match(first![0].message, /boom/);
        assert.equal(first![1], loop);
        assert.ok(second![0].error instanceof TypeError);
        assert.match(second![0].message, /lateBoom/);
      });
    });

    it('getExceptionHandler returns the handler set; null restores the default', async () => {
      await vrun((loop) => {
        assert.equal(loop.getExceptionHandler(), null);
        const h = (): void => {};
        loop.setExceptionHandler(h);
        assert.equal(loop.getExceptionHandler(), h);
        loop.setExceptionHandler(null);
        assert.equal(loop.getExceptionHandler(), null);
        const out = captureStderr(() => loop.callExceptionHandler({ message: 'back to default' }));
        assert.match(out, /back to default/);
      });
    });

    it('a custom handler replaces the default one (nothing is written to stderr)', async () => {
      await vrun((loop) => {
        const seen: string[] = [];
        loop.setExceptionHandler((ctx) => seen.push(ctx.message));
        const out = captureStderr(() =>
          loop.callExceptionHandler({ message: 'handled', error: new Error('x') }),
        );
        assert.equal(out, '');
        assert.deepEqual(seen, ['handled']);
      });
    });

    it('the default handler writes the message, the task and the error with its stack to stderr', async () => {
      await vrun((loop) => {
        const err = new RangeError('the offending value');
        const task = currentTask()!;
        const out = captureStderr(() =>
          loop.callExceptionHandler({ message: 'something went wrong', error: err, task }),
        );
        assert.match(out, /^something went wrong\n/);
        assert.ok(out.includes(String(task)), out);
        assert.match(out, /RangeError: the offending value/);
        assert.match(out, /\n\s+at /);
        assert.ok(out.endsWith('\n'));
        const plain = captureStderr(() =>
          defaultExceptionHandler({ message: 'not an Error', error: { code: 7 } }, loop),
        );
        assert.match(plain, /not an Error\n.*code: 7/);
      });
    });

    it('a handler that throws does not break the loop: both its error and the original report reach stderr', async () => {
      await vrun(async (loop) => {
        loop.setExceptionHandler(() => {
          throw new Error('handler is broken');
        });
        const write = mock.method(process.stderr, 'write', () => true);
        try {
          loop.callSoon(function failing() {
            throw new Error('original failure');
          });
          let after = false;
          loop.callSoon(() => (after = true));
          await sleep(0);
          assert.equal(after, true);
        } finally {
          write.mock.restore();
        }
        const out = write.mock.calls.map((c) => String(c.arguments[0])).join('');
        assert.match(out, /handler is broken/);
        assert.match(out, /original failure/);
      });
    });
  });

  describe('debug mode', () => {
    it('is off by default and on with run({ debug: true })', async () => {
      await vrun((loop) => {
        assert.equal(loop.getDebug(), false);
      });
      await vrun(
        (loop) => {
          assert.equal(loop.getDebug(), true);
        },
        { debug: true },
      );
    });

    it('setDebug turns it on and off', async () => {
      await vrun((loop) => {
        loop.setDebug(true);
        assert.equal(loop.getDebug(), true);
        assert.match(String(loop), /debug=true/);
        loop.setDebug(false);
        assert.equal(loop.getDebug(), false);
        assert.match(String(loop), /debug=false/);
      });
    });

    it('slowCallbackDuration defaults to 100 ms and can be changed', () => {
      const loop = new EventLoop();
      assert.equal(loop.slowCallbackDuration, 100);
      loop.slowCallbackDuration = 5;
      assert.equal(loop.slowCallbackDuration, 5);
    });

    it('new EventLoop({ debug: true }) starts in debug mode', () => {
      const loop = new EventLoop({ debug: true, clock: new VirtualClock() });
      try {
        assert.equal(loop.getDebug(), true);
      } finally {
        loop.setDebug(false);
      }
    });
  });

  describe('runInExecutor', () => {
    it('runInExecutor(null) without a default executor rejects with a clear InvalidStateError', async () => {
      await vrun(async (loop) => {
        let p: Promise<number> | undefined;
        assert.doesNotThrow(() => {
          p = loop.runInExecutor(null, (a: number) => a + 1, 1);
        }, 'a rejection, not a synchronous throw');
        await assert.rejects(p!, (e: unknown) => {
          assert.ok(e instanceof InvalidStateError);
          assert.match(e.message, /asyncio-ts\/executor/);
          assert.match(e.message, /pass an executor/);
          return true;
        });
      });
    });

    it('runs the function with its arguments through the executor given', async () => {
      await vrun(async (loop) => {
        const calls: unknown[][] = [];
        const executor: Executor = {
          run: async <A extends unknown[], R>(fn: (...args: A) => R | Promise<R>, ...args: A) => {
            calls.push(args);
            return fn(...args);
          },
        };
        const r = await loop.runInExecutor(executor, (a: number, b: string) => `${a}${b}`, 4, 'x');
        assert.equal(r, '4x');
        assert.deepEqual(calls, [[4, 'x']]);
      });
    });
  });

  describe('tasks and futures', () => {
    it('createFuture() makes a pending Future bound to this loop', async () => {
      await vrun(async (loop) => {
        const f = loop.createFuture<number>();
        assert.ok(f instanceof Future);
        assert.equal(f.done(), false);
        loop.callLater(10, () => f.setResult(3));
        assert.equal(await f, 3);
        assert.equal(loop.time(), 10);
      });
    });

    it('createTask() starts a task on this loop with the given name', async () => {
      await vrun(async (loop) => {
        let inside: unknown = null;
        const t = loop.createTask(
          async () => {
            inside = currentTask();
            await sleep(5);
            return getRunningLoop();
          },
          { name: 'on-loop' },
        );
        assert.ok(t instanceof Task);
        assert.equal(t.name, 'on-loop');
        assert.equal(await t, loop);
        assert.equal(inside, t);
      });
    });

    it('getRunningLoop() is the same loop in every task of a run(), and a new one for each run()', async () => {
      const loops: EventLoop[] = [];
      await vrun(async (loop) => {
        const inner = await createTask(() => getRunningLoop());
        assert.equal(inner, loop);
        loops.push(loop);
      });
      await vrun((loop) => {
        loops.push(loop);
      });
      assert.notEqual(loops[0], loops[1]);
    });
  });

  describe('toString and closing', () => {
    it('describes the loop: id, open or closed, live tasks, timers and debug mode', async () => {
      const loop = await vrun(async (l) => {
        const t = createTask(() => sleep(100));
        const h = l.callLater(50, () => {});
        assert.match(String(l), /^<EventLoop #\d+ open tasks=2 timers=1 debug=false>$/);
        h.cancel();
        t.cancel();
        await sleep(0);
        assert.match(String(l), /^<EventLoop #\d+ open tasks=1 timers=0 debug=false>$/);
        return l;
      });
      assert.match(String(loop), /^<EventLoop #\d+ closed tasks=0 timers=0 debug=false>$/);
    });

    it('the loop of a run() is closed once run() ended', async () => {
      let l: EventLoop | undefined;
      await vrun((loop) => {
        l = loop;
        assert.equal(loop.isClosed(), false);
      });
      assert.equal(l!.isClosed(), true);
    });

    it('outside run(), getRunningLoop() gives an open default loop', () => {
      const loop = getRunningLoop();
      assert.ok(loop instanceof EventLoop);
      assert.equal(loop.isClosed(), false);
      assert.equal(getRunningLoop(), loop);
    });
  });
});
