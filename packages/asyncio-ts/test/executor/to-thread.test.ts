// Tests of src/executor/to-thread.ts and source.ts: toThread, the loop's default
// executor behind runInExecutor(null, ...), and the limits of functions sent as source.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CancelledError,
  createTask,
  getRunningLoop,
  run,
  sleep,
  type Executor,
} from '../../src/index.js';
import { WorkerPool, isJobCancelled, toThread } from '../../src/executor/index.js';
import { marker, until } from './helpers.js';

describe('the default executor', () => {
  it('is created on first runInExecutor(null) and shut down by run()', async () => {
    let pool: WorkerPool | undefined;
    await run(async () => {
      const loop = getRunningLoop();
      assert.equal(loop._defaultExecutor, null, 'created lazily');
      const r = await loop.runInExecutor(null, (a: number, b: number) => a * b, 6, 7);
      assert.equal(r, 42);
      const ex = loop._defaultExecutor as Executor | null;
      assert.ok(ex instanceof WorkerPool);
      pool = ex;
      assert.match(String(pool), /^<WorkerPool 'default \(loop #\d+\)' open workers=1\//);
      assert.equal(await toThread((s: string) => s.toUpperCase(), 'abc'), 'ABC');
    });
    assert.ok(pool !== undefined);
    assert.equal(pool.statistics().workers, 0, 'run() shut it down');
    assert.match(String(pool), /shut down/);
  });

  it('runInExecutor accepts a WorkerPool', async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    await run(async () => {
      const r: number = await getRunningLoop().runInExecutor(pool, (a: number) => a + 1, 1);
      assert.equal(r, 2);
    });
    await pool.shutdown();
  });

  it('runInExecutor accepts any Executor object', async () => {
    const calls: string[] = [];
    const inline: Executor = {
      run<A extends unknown[], R>(fn: (...args: A) => R | Promise<R>, ...args: A): Promise<R> {
        calls.push(fn.name);
        return Promise.resolve(fn(...args));
      },
    };
    await run(async () => {
      const double = (n: number): number => n * 2;
      assert.equal(await getRunningLoop().runInExecutor(inline, double, 4), 8);
    });
    assert.deepEqual(calls, ['double']);
  });
});

describe('toThread', () => {
  it('runs async functions that import what they need inside', async () => {
    await run(async () => {
      const hex = await toThread(async (text: string) => {
        const { createHash } = await import('node:crypto');
        return createHash('sha256').update(text).digest('hex');
      }, 'abc');
      assert.equal(hex.slice(0, 8), 'ba7816bf');
    });
  });

  it('names a captured variable and says closures are not sent', async () => {
    await run(async () => {
      const factor = 3;
      await assert.rejects(
        toThread((n: number) => n * factor, 2),
        (e: Error & { code?: string }) => {
          assert.equal(e.name, 'ReferenceError');
          assert.equal(e.code, 'ERR_CAPTURED_VARIABLE');
          assert.match(e.message, /'factor' is not defined in the worker thread/);
          assert.match(e.message, /closures are not sent/);
          assert.match(e.message, /Pass 'factor' as an argument/);
          return true;
        },
      );
    });
  });

  it('rejects native and bound functions at once, with the reason', async () => {
    await run(async () => {
      await assert.rejects(toThread(Math.max, 1, 2), /native or bound function/);
      const bound = function (this: unknown, n: number): number {
        return n;
      }.bind(null);
      await assert.rejects(toThread(bound, 1), /native or bound function/);
    });
  });

  it('sends methods written in shorthand', async () => {
    const obj = {
      area(this: void, w: number, h: number): number {
        return w * h;
      },
    };
    await run(async () => {
      assert.equal(await toThread(obj.area, 3, 4), 12);
    });
  });

  it('a function polling isJobCancelled() sees the cancellation of its caller', async () => {
    await run(async () => {
      const m = marker();
      const t = createTask(() =>
        toThread((sab: SharedArrayBuffer) => {
          const cell = new Int32Array(sab);
          Atomics.store(cell, 0, 1);
          const wait = new Int32Array(new SharedArrayBuffer(4));
          while (!isJobCancelled()) Atomics.wait(wait, 0, 0, 1);
          Atomics.store(cell, 0, 2);
          return 'stopped';
        }, m.sab),
      );
      await until(() => m.get() === 1, 'the job to start');
      t.cancel();
      await assert.rejects(async () => {
        await t;
      }, CancelledError);
      await until(() => m.get() === 2, 'the job to see the flag');
      await sleep(0);
    });
  });
});
