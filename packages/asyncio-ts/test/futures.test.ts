import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CancelledError,
  Future,
  InvalidStateError,
  createTask,
  getRunningLoop,
  run,
  shield,
  sleep,
  type ExceptionContext,
} from '../src/index.js';
import { VirtualClock } from '../src/testing/index.js';
import { virtualRunner } from './helpers.js';

const vrun = virtualRunner('all');

describe('Future', () => {
  describe('state and result', () => {
    it('a new future is pending: result() and exception() throw InvalidStateError', () => {
      const f = new Future<number>();
      assert.equal(f.done(), false);
      assert.equal(f.cancelled(), false);
      assert.throws(() => f.result(), InvalidStateError);
      assert.throws(() => f.exception(), InvalidStateError);
    });

    it('setResult makes it done: result() returns the value and exception() is null', () => {
      const f = new Future<string>();
      f.setResult('v');
      assert.equal(f.done(), true);
      assert.equal(f.cancelled(), false);
      assert.equal(f.result(), 'v');
      assert.equal(f.exception(), null);
    });

    it('setException makes it done: result() throws the error and exception() returns it', () => {
      const f = new Future<string>();
      const err = new TypeError('bad');
      f.setException(err);
      assert.equal(f.done(), true);
      assert.equal(f.cancelled(), false);
      assert.throws(
        () => f.result(),
        (e) => e === err,
      );
      assert.equal(f.exception(), err);
    });

    it('cancel(msg) makes it cancelled: result() and exception() throw CancelledError(msg)', () => {
      const f = new Future<string>();
      assert.equal(f.cancel('no longer needed'), true);
      assert.equal(f.done(), true);
      assert.equal(f.cancelled(), true);
      assert.throws(
        () => f.result(),
        (e) => e instanceof CancelledError && e.message === 'no longer needed',
      );
      assert.throws(
        () => f.exception(),
        (e) => e instanceof CancelledError && e.message === 'no longer needed',
      );
    });

    it('cancel() on a done future returns false and changes nothing', () => {
      const f = new Future<number>();
      f.setResult(1);
      assert.equal(f.cancel(), false);
      assert.equal(f.cancelled(), false);
      assert.equal(f.result(), 1);
      const c = new Future<number>();
      assert.equal(c.cancel(), true);
      assert.equal(c.cancel(), false);
    });
  });

  describe('setting twice throws InvalidStateError', () => {
    it('setResult after setResult', () => {
      const f = new Future<number>();
      f.setResult(1);
      assert.throws(() => f.setResult(2), InvalidStateError);
      assert.equal(f.result(), 1);
    });

    it('setException after setResult, and setResult after setException', () => {
      const a = new Future<number>();
      a.setResult(1);
      assert.throws(() => a.setException(new Error('late')), InvalidStateError);
      assert.equal(a.result(), 1);
      const b = new Future<number>();
      const err = new Error('first');
      b.setException(err);
      assert.throws(() => b.setResult(2), InvalidStateError);
      assert.throws(() => b.setException(new Error('second')), InvalidStateError);
      assert.equal(b.exception(), err);
    });

    it('setResult and setException after cancel', () => {
      const f = new Future<number>();
      f.cancel();
      assert.throws(() => f.setResult(1), InvalidStateError);
      assert.throws(() => f.setException(new Error('x')), InvalidStateError);
      assert.equal(f.cancelled(), true);
    });
  });

  it('setException(CancelledError) is refused with TypeError: use cancel()', () => {
    const f = new Future<number>();
    assert.throws(() => f.setException(new CancelledError()), TypeError);
    assert.equal(f.done(), false);
  });

  describe('awaiting', () => {
    it('await gives the result set later, to every awaiter', async () => {
      await vrun(async (loop) => {
        const f = new Future<number>();
        const a = createTask(async () => (await f) + 1);
        const b = createTask(async () => (await f) + 2);
        loop.callLater(100, () => f.setResult(10));
        assert.deepEqual([await a, await b, await f], [11, 12, 10]);
        assert.equal(loop.time(), 100);
      });
    });

    it('await rejects with the error set by setException', async () => {
      await vrun(async () => {
        const f = new Future<number>();
        const err = new Error('failed');
        createTask(() => f.setException(err));
        await assert.rejects(
          async () => {
            await f;
          },
          (e) => e === err,
        );
      });
    });

    it('await of a cancelled future rejects with its CancelledError', async () => {
      await vrun(async () => {
        const f = new Future<number>();
        createTask(() => f.cancel('gone'));
        await assert.rejects(
          async () => {
            await f;
          },
          (e) => e instanceof CancelledError && e.message === 'gone',
        );
      });
    });

    it('then, catch and finally work like a promise', async () => {
      const ok = new Future<number>();
      ok.setResult(2);
      assert.equal(await ok.then((v) => v * 3), 6);
      const bad = new Future<number>();
      bad.setException(new Error('nope'));
      assert.equal(await bad.catch((e: unknown) => (e as Error).message), 'nope');
      let ran = false;
      assert.equal(
        await ok.finally(() => {
          ran = true;
        }),
        2,
      );
      assert.equal(ran, true);
    });

    it('works outside run() on the default loop', async () => {
      const f = new Future<string>();
      setImmediate(() => f.setResult('outside'));
      assert.equal(await f, 'outside');
    });

    it('cancelling a task that awaits a future cancels the future (every awaiter sees CancelledError)', async () => {
      await vrun(async () => {
        const f = new Future<number>();
        const waiter = createTask(async () => await f);
        const other = createTask(async () => await f);
        await sleep(1);
        waiter.cancel('stop');
        await assert.rejects(
          async () => {
            await other;
          },
          (e) => e instanceof CancelledError && e.message === 'stop',
        );
        assert.equal(f.cancelled(), true);
        assert.equal(waiter.cancelled(), true);
      });
    });

    it('shield(future) lets a task stop waiting without cancelling the future', async () => {
      await vrun(async (loop) => {
        const f = new Future<number>();
        const waiter = createTask(async () => await shield(f));
        await sleep(1);
        waiter.cancel();
        await assert.rejects(async () => {
          await waiter;
        }, CancelledError);
        assert.equal(f.done(), false);
        loop.callLater(5, () => f.setResult(7));
        assert.equal(await f, 7);
      });
    });
  });

  describe('done callbacks', () => {
    it('addDoneCallback calls back on a later turn of the loop with the future', async () => {
      await vrun(async () => {
        const f = new Future<number>();
        const calls: unknown[] = [];
        f.addDoneCallback((x) => calls.push(x));
        f.setResult(1);
        assert.deepEqual(calls, [], 'not synchronously inside setResult');
        await sleep(0);
        assert.deepEqual(calls, [f]);
      });
    });

    it('a callback added once the future is done is also called on a later turn', async () => {
      await vrun(async () => {
        const f = new Future<number>();
        f.setResult(1);
        let called = 0;
        f.addDoneCallback(() => called++);
        assert.equal(called, 0);
        await sleep(0);
        assert.equal(called, 1);
      });
    });

    it('callbacks run in registration order, also on failure and on cancellation', async () => {
      await vrun(async () => {
        const order: string[] = [];
        const failed = new Future<number>();
        failed.addDoneCallback(() => order.push('f1'));
        failed.addDoneCallback(() => order.push('f2'));
        const cancelled = new Future<number>();
        cancelled.addDoneCallback((c) => order.push(`c:${c.cancelled()}`));
        failed.setException(new Error('x'));
        cancelled.cancel();
        await sleep(0);
        assert.deepEqual(order, ['f1', 'f2', 'c:true']);
        failed.exception(); // retrieved
      });
    });

    it('removeDoneCallback removes every registration of the callback and returns the count', async () => {
      await vrun(async () => {
        const f = new Future<number>();
        const calls: string[] = [];
        const a = (): void => {
          calls.push('a');
        };
        const b = (): void => {
          calls.push('b');
        };
        f.addDoneCallback(a);
        f.addDoneCallback(b);
        f.addDoneCallback(a);
        assert.equal(f.removeDoneCallback(a), 2);
        assert.equal(f.removeDoneCallback(a), 0);
        assert.equal(
          f.removeDoneCallback(() => {}),
          0,
        );
        f.setResult(1);
        await sleep(0);
        assert.deepEqual(calls, ['b']);
        assert.equal(f.removeDoneCallback(b), 0, 'nothing registered once the future is done');
      });
    });

    it('removeDoneCallback of the only callback returns 1 and it is not called', async () => {
      await vrun(async () => {
        const f = new Future<number>();
        let called = false;
        const cb = (): void => {
          called = true;
        };
        f.addDoneCallback(cb);
        assert.equal(f.removeDoneCallback(cb), 1);
        f.setResult(1);
        await sleep(0);
        assert.equal(called, false);
      });
    });

    it('addDoneCallback needs a function', () => {
      const f = new Future<number>();
      assert.throws(() => f.addDoneCallback(null as unknown as () => void), TypeError);
    });
  });

  it('a future failure that no one retrieved is reported through the exception handler when run() ends', async () => {
    const reports: ExceptionContext[] = [];
    const err = new Error('lost');
    let fut: Future<number> | undefined;
    await run(
      () => {
        getRunningLoop().setExceptionHandler((ctx) => reports.push(ctx));
        fut = new Future<number>();
        fut.setException(err);
        const seen = new Future<number>();
        seen.setException(new Error('retrieved'));
        seen.exception();
      },
      { clock: new VirtualClock() },
    );
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.error, err);
    assert.equal(reports[0]!.future, fut);
    assert.match(reports[0]!.message, /never retrieved/);
  });

  it('toString shows the state', () => {
    const f = new Future<number>();
    assert.equal(String(f), '<Future pending>');
    f.setResult(1);
    assert.equal(String(f), '<Future done>');
    const c = new Future<number>();
    c.cancel();
    assert.equal(String(c), '<Future cancelled>');
    const e = new Future<number>();
    e.setException(new Error('x'));
    assert.equal(String(e), '<Future failed>');
    e.exception();
  });
});
