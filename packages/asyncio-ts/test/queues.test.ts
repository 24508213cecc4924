// Tests of src/queues.ts: Queue, PriorityQueue, LifoQueue.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import {
  CancelledError,
  InvalidStateError,
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  createTask,
  formatTaskTree,
  gather,
  sleep,
} from '../src/index.js';
import { virtualRunner, settle } from './helpers.js';

const vrun = virtualRunner('none');

const isCancelledError = (e: unknown): boolean => e instanceof CancelledError;
const isShutDown = (e: unknown): boolean => e instanceof QueueShutDown;

describe('Queue', () => {
  it('returns items first-in first-out, and reports its size', async () => {
    await vrun(async () => {
      const q = new Queue<number>();
      assert.equal(q.maxsize, 0);
      assert.equal(q.empty(), true);
      for (const i of [1, 2, 3]) await q.put(i);
      assert.equal(q.qsize(), 3);
      assert.equal(q.full(), false, 'an unbounded queue is never full');
      assert.deepEqual([await q.get(), await q.get(), q.getNowait()], [1, 2, 3]);
      assert.equal(q.empty(), true);
    });
  });

  it('get() with an item there and put() with room do not suspend', async () => {
    await vrun(async () => {
      const q = new Queue<string>({ maxsize: 1 });
      let otherRan = false;
      createTask(() => {
        otherRan = true;
      });
      await q.put('a');
      assert.equal(await q.get(), 'a');
      assert.equal(otherRan, false);
      await settle();
    });
  });

  it('put() waits while the queue is full and the putters go in first-come first-served', async () => {
    await vrun(async (loop) => {
      const q = new Queue<number>({ maxsize: 2 });
      assert.equal(q.maxsize, 2);
      await q.put(1);
      await q.put(2);
      assert.equal(q.full(), true);
      const putAt: number[] = [];
      const putters = [3, 4].map((i) =>
        createTask(async () => {
          await q.put(i);
          putAt.push(loop.time());
        }),
      );
      await settle();
      assert.equal(q.statistics().putters, 2);
      await sleep(10);
      assert.equal(await q.get(), 1);
      assert.equal(q.qsize(), 2, 'the first putter went in at once');
      await sleep(10);
      assert.equal(await q.get(), 2);
      await gather(putters);
      assert.deepEqual(putAt, [10, 20]);
      assert.deepEqual([q.getNowait(), q.getNowait()], [3, 4]);
    });
  });

  it('get() waits while the queue is empty, and an item put then goes to the first getter', async () => {
    await vrun(async () => {
      const q = new Queue<string>();
      const got: string[] = [];
      const getters = ['g1', 'g2'].map((name) =>
        createTask(async () => {
          got.push(`${name}:${await q.get()}`);
        }),
      );
      await settle();
      assert.equal(q.statistics().getters, 2);
      q.putNowait('x');
      assert.equal(q.qsize(), 0, 'handed straight to the getter');
      q.putNowait('y');
      await gather(getters);
      assert.deepEqual(got, ['g1:x', 'g2:y']);
    });
  });

  it('putNowait() on a full queue throws QueueFull, getNowait() on an empty one QueueEmpty', () => {
    const q = new Queue<number>({ maxsize: 1 });
    assert.throws(() => q.getNowait(), QueueEmpty);
    q.putNowait(1);
    assert.throws(() => q.putNowait(2), QueueFull);
    assert.equal(q.getNowait(), 1);
  });

  it('rejects a maxsize that is not a non-negative integer with RangeError (Infinity means no limit)', () => {
    assert.throws(() => new Queue({ maxsize: -1 }), RangeError);
    assert.throws(() => new Queue({ maxsize: 1.5 }), RangeError);
    assert.throws(() => new Queue({ maxsize: NaN }), RangeError);
    assert.equal(new Queue({ maxsize: Infinity }).maxsize, 0);
  });

  it('join() waits until every item was marked done; taskDone() more times than items throws InvalidStateError', async () => {
    await vrun(async (loop) => {
      const q = new Queue<number>();
      await q.join(); // nothing unfinished: at once
      assert.throws(() => q.taskDone(), InvalidStateError);
      q.putNowait(1);
      q.putNowait(2);
      const joined = createTask(async () => {
        await q.join();
        return loop.time();
      });
      await q.get();
      await sleep(5);
      q.taskDone();
      await q.get();
      await sleep(5);
      assert.equal(joined.done(), false);
      assert.equal(q.statistics().unfinished, 1);
      q.taskDone();
      assert.equal(await joined, 10);
      assert.throws(() => q.taskDone(), InvalidStateError);
    });
  });

  it('a cancelled get() takes no item: the next getter gets it', async () => {
    await vrun(async () => {
      const q = new Queue<string>();
      const a = createTask(() => q.get());
      const b = createTask(() => q.get());
      await settle();
      a.cancel();
      await assert.rejects(a.then(), isCancelledError);
      q.putNowait('item');
      assert.equal(await b, 'item');
      assert.equal(q.qsize(), 0);
    });
  });

  it('get() cancelled after an item was handed over still returns the item (the cancellation arrives at the next await)', async () => {
    await vrun(async () => {
      const q = new Queue<string>();
      const received: string[] = [];
      const t = createTask(async () => {
        received.push(await q.get());
        await sleep(1);
      });
      await settle();
      q.putNowait('precious');
      t.cancel();
      await assert.rejects(t.then(), isCancelledError);
      assert.deepEqual(received, ['precious'], 'delivered exactly once');
      assert.equal(q.qsize(), 0);
    });
  });

  it('a cancelled put() puts nothing and the next putter takes its place', async () => {
    await vrun(async () => {
      const q = new Queue<string>({ maxsize: 1 });
      q.putNowait('first');
      const a = createTask(() => q.put('cancelled'));
      const b = createTask(() => q.put('second'));
      await settle();
      a.cancel();
      await assert.rejects(a.then(), isCancelledError);
      assert.equal(q.getNowait(), 'first');
      await b;
      assert.equal(q.getNowait(), 'second');
      assert.equal(q.qsize(), 0);
      assert.equal(q.statistics().unfinished, 2, 'the cancelled item was never counted');
    });
  });

  it('shutdown() makes put() throw QueueShutDown and lets getters drain the rest, then throw', async () => {
    await vrun(async () => {
      const q = new Queue<number>({ maxsize: 2 });
      q.putNowait(1);
      q.putNowait(2);
      const putter = createTask(() => q.put(3));
      await settle();
      q.shutdown();
      await assert.rejects(putter.then(), isShutDown);
      await assert.rejects(q.put(4), isShutDown);
      assert.throws(() => q.putNowait(4), QueueShutDown);
      assert.equal(await q.get(), 1);
      assert.equal(q.getNowait(), 2);
      await assert.rejects(q.get(), isShutDown);
      assert.throws(() => q.getNowait(), QueueShutDown);
      assert.equal(q.statistics().shutdown, true);
    });
  });

  it('shutdown() wakes waiting getters with QueueShutDown', async () => {
    await vrun(async () => {
      const q = new Queue<number>();
      const getters = [createTask(() => q.get()), createTask(() => q.get())];
      await settle();
      q.shutdown();
      for (const g of getters) await assert.rejects(g.then(), isShutDown);
    });
  });

  it('shutdown(true) drops the items left, counts them as done for join(), and wakes everyone', async () => {
    await vrun(async () => {
      const q = new Queue<number>();
      q.putNowait(1);
      q.putNowait(2);
      q.putNowait(3);
      assert.equal(q.getNowait(), 1); // being processed: still unfinished
      const joiner = createTask(() => q.join());
      await settle();
      q.shutdown(true);
      assert.equal(q.qsize(), 0);
      assert.equal(q.statistics().unfinished, 1);
      await assert.rejects(q.get(), isShutDown);
      await settle();
      assert.equal(joiner.done(), false, 'the item taken is still being processed');
      q.taskDone();
      await joiner;
    });
  });

  it('for await ends cleanly at shutdown, marking each item done so join() works', async () => {
    await vrun(async () => {
      const q = new Queue<number>({ maxsize: 2 });
      const seen: number[] = [];
      const consumer = createTask(async () => {
        for await (const item of q) {
          await sleep(1);
          seen.push(item);
        }
        return 'ended';
      });
      for (let i = 0; i < 5; i++) await q.put(i);
      await q.join();
      assert.deepEqual(seen, [0, 1, 2, 3, 4]);
      q.shutdown();
      assert.equal(await consumer, 'ended');
      assert.equal(q.statistics().unfinished, 0);
    });
  });

  it('leaving a for await loop with break marks the current item done', async () => {
    await vrun(async () => {
      const q = new Queue<number>();
      q.putNowait(1);
      q.putNowait(2);
      for await (const item of q) {
        assert.equal(item, 1);
        break;
      }
      assert.equal(q.statistics().unfinished, 1);
      assert.equal(q.qsize(), 1);
    });
  });

  it('a consumer cancelled in for await takes no item', async () => {
    await vrun(async () => {
      const q = new Queue<number>();
      const consumer = createTask(async () => {
        for await (const _ of q) {
          // nothing
        }
      });
      await settle();
      consumer.cancel();
      await assert.rejects(consumer.then(), isCancelledError);
      q.putNowait(7);
      assert.equal(q.getNowait(), 7);
    });
  });

  it('statistics() is frozen; toString(), inspect and the task tree show the state', async () => {
    await vrun(async () => {
      const q = new Queue<number>({ maxsize: 1 });
      q.putNowait(1);
      const p = createTask(() => q.put(2));
      await settle();
      const s = q.statistics();
      assert.ok(Object.isFrozen(s));
      assert.deepEqual(s, {
        size: 1,
        maxsize: 1,
        getters: 0,
        putters: 1,
        unfinished: 1,
        shutdown: false,
      });
      assert.equal(String(q), '<Queue size=1/1 unfinished=1 putters=1>');
      assert.match(formatTaskTree(), /Queue\.put/);
      p.cancel();
      await assert.rejects(p.then(), isCancelledError);
      q.getNowait();
      const g = createTask(() => q.get());
      await settle();
      assert.equal(inspect(q), '<Queue size=0/1 unfinished=1 getters=1>');
      assert.match(formatTaskTree(), /Queue\.get/);
      q.shutdown();
      await assert.rejects(g.then(), isShutDown);
      assert.equal(String(q), '<Queue shut down size=0/1 unfinished=1>');
      assert.equal(String(new Queue()), '<Queue size=0 unfinished=0>');
    });
  });
});

describe('Queue: an item handed over just before a cancel()', () => {
  it('a getter task cancelled in the same turn its item arrived still returns the item (nothing lost)', async () => {
    await vrun(async () => {
      const q = new Queue<string>();
      const t = createTask(() => q.get());
      await settle();
      q.putNowait('x');
      t.cancel();
      assert.equal(await t, 'x');
      assert.equal(q.qsize(), 0);
    });
  });

  it('a body that awaits again after the handoff gets the cancellation there, holding the item', async () => {
    await vrun(async () => {
      const q = new Queue<string>();
      const got: string[] = [];
      const t = createTask(async () => {
        const item = await q.get();
        got.push(item);
        await sleep(10); // the cancellation arrives here
        return 'unreachable';
      });
      await settle();
      q.putNowait('x');
      t.cancel();
      await assert.rejects(async () => {
        await t;
      }, CancelledError);
      assert.deepEqual(got, ['x']);
    });
  });
});

describe('PriorityQueue', () => {
  it('returns the smallest item first (ascending by < by default)', async () => {
    await vrun(async () => {
      const q = new PriorityQueue<number>();
      for (const n of [5, 1, 4, 2, 3]) q.putNowait(n);
      const out: number[] = [];
      while (!q.empty()) out.push(await q.get());
      assert.deepEqual(out, [1, 2, 3, 4, 5]);
    });
  });

  it('orders by the comparator and keeps first-in first-out among equal priorities', () => {
    const q = new PriorityQueue<{ p: number; id: number }>({ compare: (a, b) => a.p - b.p });
    const items = Array.from({ length: 200 }, (_, id) => ({ p: id % 3, id }));
    for (const it of items) q.putNowait(it);
    const out: { p: number; id: number }[] = [];
    while (!q.empty()) out.push(q.getNowait());
    const expected = [...items].sort((a, b) => a.p - b.p || a.id - b.id);
    assert.deepEqual(out, expected);
  });

  it('is bounded like a Queue, hands items to waiting getters, and shows its class name', async () => {
    await vrun(async () => {
      const q = new PriorityQueue<number>({ maxsize: 2, compare: (a, b) => b - a });
      const g = createTask(() => q.get());
      await settle();
      q.putNowait(1);
      assert.equal(await g, 1);
      q.putNowait(1);
      q.putNowait(3);
      assert.throws(() => q.putNowait(2), QueueFull);
      assert.equal(q.getNowait(), 3, 'descending comparator');
      assert.equal(String(q), '<PriorityQueue size=1/2 unfinished=3>');
      assert.throws(() => new PriorityQueue({ compare: 3 as never }), TypeError);
    });
  });
});

describe('LifoQueue', () => {
  it('returns the most recently put item first', async () => {
    await vrun(async () => {
      const q = new LifoQueue<number>({ maxsize: 3 });
      for (const n of [1, 2, 3]) await q.put(n);
      assert.equal(q.full(), true);
      assert.deepEqual([await q.get(), q.getNowait(), q.getNowait()], [3, 2, 1]);
      assert.equal(String(q), '<LifoQueue size=0/3 unfinished=3>');
    });
  });
});
