// Tests of src/map.ts: map().
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { CancelledError, createTask, getRunningLoop, map, sleep } from '../src/index.js';
import { virtualRunner } from './helpers.js';

const vrun = virtualRunner('all');

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const isCancelledError = (e: unknown): boolean => e instanceof CancelledError;

describe('map()', () => {
  it('yields the results in the order of the items, at most `concurrency` calls at a time', async () => {
    await vrun(async (loop) => {
      let running = 0;
      let peak = 0;
      const out = await collect(
        map(
          [50, 10, 40, 20, 30, 5],
          async (ms, index) => {
            peak = Math.max(peak, ++running);
            await sleep(ms);
            running--;
            return `${index}:${ms}`;
          },
          { concurrency: 2 },
        ),
      );
      assert.deepEqual(out, ['0:50', '1:10', '2:40', '3:20', '4:30', '5:5']);
      assert.equal(peak, 2);
      assert.equal(loop.time(), 80);
    });
  });

  it('with ordered: false, yields the results as they complete', async () => {
    await vrun(async () => {
      const out = await collect(
        map([30, 10, 20], (ms) => sleep(ms, ms), { concurrency: 3, ordered: false }),
      );
      assert.deepEqual(out, [10, 20, 30]);
    });
  });

  it('takes sync functions, any iterable, and an empty input', async () => {
    await vrun(async () => {
      assert.deepEqual(
        await collect(map(new Set([1, 2, 3]), (x) => x * 2, { concurrency: 8 })),
        [2, 4, 6],
      );
      assert.deepEqual(await collect(map([], (x) => x, { concurrency: 1 })), []);
      assert.deepEqual(await collect(map('ab', (c) => c.toUpperCase(), { concurrency: 1 })), [
        'A',
        'B',
      ]);
    });
  });

  it('reads an array like its iterator: items added while mapping are mapped too, a custom iterator is used', async () => {
    await vrun(async () => {
      const items = [1, 2, 3];
      const out: number[] = [];
      for await (const x of map(
        items,
        async (x) => {
          if (x === 2) items.push(4); // the array iterator reads the live length too
          await sleep(1);
          return x * 10;
        },
        { concurrency: 2 },
      )) {
        out.push(x);
      }
      assert.deepEqual(out, [10, 20, 30, 40]);

      const custom = [1, 2, 3];
      custom[Symbol.iterator] = () => [7, 8].values();
      assert.deepEqual(await collect(map(custom, (x) => x + 1, { concurrency: 4 })), [8, 9]);
    });
  });

  it('a sync fn runs without an await per item, within the bound on items taken and not consumed', async () => {
    await vrun(async () => {
      let pulled = 0;
      function* numbers(): Generator<number> {
        for (let i = 0; i < 1000; i++) {
          pulled++;
          yield i;
        }
      }
      const it = map(numbers(), (x) => x * 2, { concurrency: 3 });
      const first = await it.next();
      assert.deepEqual(first, { value: 0, done: false });
      await sleep(0);
      assert.ok(pulled <= 1 + 2 * 3 + 1, `pulled ${pulled}`);
      assert.equal(it.statistics().running, 0);
      const rest = await collect(it);
      assert.equal(rest.length, 999);
      assert.equal(rest[998], 1998);
      // A thenable (here a library future: a task) is still awaited.
      const tasks = await collect(
        map([1, 2], (x) => createTask(async () => (await sleep(x), x)), { concurrency: 2 }),
      );
      assert.deepEqual(tasks, [1, 2]);
      const failing = (x: number): number => {
        if (x === 2) throw new Error('two failed');
        return x;
      };
      await assert.rejects(collect(map([1, 2, 3], failing, { concurrency: 2 })), /two failed/);
    });
  });

  it('takes an async iterable and pulls it one item at a time', async () => {
    await vrun(async (loop) => {
      async function* source(): AsyncGenerator<number> {
        for (let i = 0; i < 6; i++) {
          await sleep(1);
          yield i;
        }
      }
      let running = 0;
      let peak = 0;
      const out = await collect(
        map(
          source(),
          async (x) => {
            peak = Math.max(peak, ++running);
            await sleep(10);
            running--;
            return x * x;
          },
          { concurrency: 3 },
        ),
      );
      assert.deepEqual(out, [0, 1, 4, 9, 16, 25]);
      assert.equal(peak, 3);
      assert.ok(loop.time() < 60, `ran concurrently (${loop.time()} ms)`);
    });
  });

  it('pulls lazily: a million-item generator is pulled only as results are consumed', async () => {
    await vrun(async () => {
      let pulled = 0;
      let closed = false;
      function* huge(): Generator<number> {
        try {
          for (let i = 0; i < 1_000_000; i++) {
            pulled++;
            yield i;
          }
        } finally {
          closed = true;
        }
      }
      const it = map(huge(), async (x) => (await sleep(1), x), { concurrency: 4 });
      const first: number[] = [];
      for await (const x of it) {
        first.push(x);
        await sleep(100); // a slow consumer
        if (first.length === 10) break;
      }
      assert.deepEqual(first, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.ok(pulled <= 10 + 2 * 4 + 1, `pulled ${pulled}`);
      assert.equal(closed, true, 'the generator was closed');
      assert.equal(it.statistics().state, 'stopped');
    });
  });

  it('the first failure cancels the calls in flight, stops pulling, and is thrown once they ended', async () => {
    await vrun(async (loop) => {
      const cancelled: number[] = [];
      let started = 0;
      const it = map(
        Array.from({ length: 100 }, (_, i) => i),
        async (i) => {
          started++;
          try {
            await sleep(i === 3 ? 5 : 100);
          } catch (e) {
            cancelled.push(i);
            await sleep(7).catch(() => undefined); // cleanup takes time; cannot be interrupted twice
            throw e;
          }
          if (i === 3) throw new Error('item 3 failed');
          return i;
        },
        { concurrency: 5 },
      );
      const got: number[] = [];
      await assert.rejects(
        (async () => {
          for await (const x of it) got.push(x);
        })(),
        /item 3 failed/,
      );
      assert.deepEqual(got, []);
      assert.equal(started, 5, 'no more items were pulled');
      assert.deepEqual(cancelled.sort(), [0, 1, 2, 4]);
      assert.equal(loop.time(), 12, 'thrown after the cancelled calls cleaned up');
      assert.equal(it.statistics().state, 'failed');
      assert.deepEqual(await it.next(), { value: undefined, done: true });
    });
  });

  it('a failure of the source is thrown like a failure of fn', async () => {
    await vrun(async () => {
      function* bad(): Generator<number> {
        yield 1;
        throw new Error('source broke');
      }
      await assert.rejects(
        collect(map(bad(), (x) => sleep(10, x), { concurrency: 2 })),
        /source broke/,
      );
    });
  });

  it('breaking out of the for await cancels the calls in flight and waits for them', async () => {
    await vrun(async () => {
      const finished: number[] = [];
      const it = map(
        [0, 1, 2, 3, 4, 5],
        async (i) => {
          try {
            await sleep(i === 0 ? 1 : 1000);
            return i;
          } finally {
            finished.push(i);
          }
        },
        { concurrency: 3 },
      );
      for await (const x of it) {
        assert.equal(x, 0);
        break;
      }
      assert.deepEqual(
        finished.sort(),
        [0, 1, 2, 3],
        'the calls in flight ended before the loop did',
      );
      assert.equal(getRunningLoop().time(), 1);
    });
  });

  it('cancelling the consuming task cancels the calls in flight; CancelledError comes out once they ended', async () => {
    await vrun(async () => {
      const ended: number[] = [];
      const consumer = createTask(async () => {
        for await (const _ of map(
          [1, 2, 3],
          async (i) => {
            try {
              await sleep(1000);
            } finally {
              ended.push(i);
            }
          },
          { concurrency: 3 },
        )) {
          // never reached
        }
      });
      await sleep(10);
      consumer.cancel();
      await assert.rejects(consumer.then(), (e: unknown) => {
        assert.ok(isCancelledError(e));
        assert.deepEqual([...ended].sort(), [1, 2, 3]);
        return true;
      });
    });
  });

  it('rejects a concurrency that is not a positive integer with RangeError, bad arguments with TypeError', () => {
    assert.throws(() => map([1], (x) => x, { concurrency: 0 }), RangeError);
    assert.throws(() => map([1], (x) => x, { concurrency: 1.5 }), RangeError);
    assert.throws(() => map([1], (x) => x, { concurrency: Infinity }), RangeError);
    assert.throws(() => map([1], (x) => x, {} as never), RangeError);
    assert.throws(() => map(42 as never, (x) => x, { concurrency: 1 }), TypeError);
    assert.throws(() => map([1], 'f' as never, { concurrency: 1 }), TypeError);
  });

  it('statistics() is frozen and toString()/inspect show the progress', async () => {
    await vrun(async () => {
      const it = map([10, 20, 30, 40], (ms) => sleep(ms, ms), { concurrency: 2 });
      assert.equal(String(it), '<map idle running=0 buffered=0 pulled=0 yielded=0>');
      assert.deepEqual(await it.next(), { value: 10, done: false });
      await sleep(15); // t=25: 20 is done, 30 and 40 are running
      const s = it.statistics();
      assert.ok(Object.isFrozen(s));
      assert.deepEqual(s, { running: 2, buffered: 1, pulled: 4, yielded: 1, state: 'running' });
      assert.equal(inspect(it), '<map running running=2 buffered=1 pulled=4 yielded=1>');
      assert.deepEqual(await collect(it), [20, 30, 40]);
      assert.equal(it.statistics().state, 'done');
    });
  });
});
