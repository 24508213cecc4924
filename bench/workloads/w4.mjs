import { AsyncLocalStorage } from 'node:async_hooks';
// W4: a bounded queue (maxsize 100), 1 producer, 5 consumers, N items; wait until every item
// is processed (join), then stop the consumers. The check is the sum of the consumed items.
import { isMain, ours as loadOurs, runChild } from '../lib/child.mjs';

export const workloads = {
  W4: {
    title: 'queue(100), 1 producer, 5 consumers',
    n: 500_000,
    quickN: 5_000,
    peers: {
      plain: 64,
      'effect-queue': 507,
      'effect3-queue': 6_319,
      asyncio: 498,
      'asyncio+uvloop': 509,
    },
  },
};
export const expected = (n) => (n * (n - 1)) / 2;
export const python = ['asyncio', 'asyncio+uvloop'];
export const extra = ['effect3-queue'];

const MAXSIZE = 100;
const CONSUMERS = 5;
const STOP = Symbol('stop');

/** The plain floor: a bounded FIFO with put/get/taskDone/join; close() wakes getters with STOP. */
class PlainQueue {
  items = [];
  head = 0;
  getters = [];
  putters = [];
  unfinished = 0;
  joiners = [];
  closed = false;
  constructor(maxsize) {
    this.maxsize = maxsize;
  }
  size() {
    return this.items.length - this.head;
  }
  async put(item) {
    while (this.size() >= this.maxsize) await new Promise((resolve) => this.putters.push(resolve));
    this.unfinished++;
    const getter = this.getters.shift();
    if (getter) getter(item);
    else this.items.push(item);
  }
  get() {
    if (this.size() > 0) {
      const item = this.items[this.head++];
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      this.putters.shift()?.();
      return item; // no promise when an item is there (the caller's await costs a microtask)
    }
    if (this.closed) return STOP;
    return new Promise((resolve) => this.getters.push(resolve));
  }
  taskDone() {
    if (--this.unfinished === 0) for (const j of this.joiners.splice(0)) j();
  }
  join() {
    return this.unfinished === 0 ? undefined : new Promise((resolve) => this.joiners.push(resolve));
  }
  close() {
    this.closed = true;
    for (const g of this.getters.splice(0)) g(STOP);
  }
}

export const contenders = {
  plain: (n, m) =>
    m.measure(async () => {
      const q = new PlainQueue(MAXSIZE);
      let sum = 0;
      const consume = async () => {
        for (;;) {
          const item = await q.get();
          if (item === STOP) return;
          sum += item;
          q.taskDone();
        }
      };
      const consumers = Array.from({ length: CONSUMERS }, consume);
      for (let i = 0; i < n; i++) await q.put(i);
      await q.join();
      q.close();
      await Promise.all(consumers);
      return sum;
    }),

  // The same hand-written queue with AsyncLocalStorage in use (the runtime's floor).
  'plain-als': (n, m) =>
    m.measure(() =>
      new AsyncLocalStorage().run(0, async () => {
        const q = new PlainQueue(MAXSIZE);
        let sum = 0;
        const consume = async () => {
          for (;;) {
            const item = await q.get();
            if (item === STOP) return;
            sum += item;
            q.taskDone();
          }
        };
        const consumers = Array.from({ length: CONSUMERS }, consume);
        for (let i = 0; i < n; i++) await q.put(i);
        await q.join();
        q.close();
        await Promise.all(consumers);
        return sum;
      }),
    ),

  async ours(n, m) {
    const { run, createTask, gather, Queue } = await loadOurs(
      'run',
      'createTask',
      'gather',
      'Queue',
    );
    return m.measure(() =>
      run(async () => {
        const q = new Queue({ maxsize: MAXSIZE });
        let sum = 0;
        const consumers = [];
        for (let c = 0; c < CONSUMERS; c++) {
          consumers.push(
            createTask(async () => {
              for (;;) {
                const item = await q.get();
                sum += item;
                q.taskDone();
              }
            }),
          );
        }
        for (let i = 0; i < n; i++) await q.put(i);
        await q.join();
        for (const c of consumers) c.cancel();
        await gather(consumers, { returnExceptions: true });
        return sum;
      }),
    );
  },

  'effect-queue': (n, m) => effectQueue(n, m, 'effect4'),
  'effect3-queue': (n, m) => effectQueue(n, m, 'effect3'),
};

/** Effect's Queue has no taskDone/join: the join is a Deferred completed by the Nth take. */
async function effectQueue(n, m, pkg) {
  const { Effect, Queue, Deferred, Fiber } = await import(pkg);
  const fork = Effect.forkChild ?? Effect.fork;
  const program = Effect.gen(function* () {
    const q = yield* Queue.bounded(MAXSIZE);
    const allDone = yield* Deferred.make();
    let sum = 0;
    let processed = 0;
    const consume = Effect.forever(
      Effect.flatMap(Queue.take(q), (item) => {
        sum += item;
        return ++processed === n ? Deferred.succeed(allDone, undefined) : Effect.void;
      }),
    );
    const consumers = [];
    for (let c = 0; c < CONSUMERS; c++) consumers.push(yield* fork(consume));
    for (let i = 0; i < n; i++) yield* Queue.offer(q, i);
    yield* Deferred.await(allDone);
    yield* Fiber.interruptAll(consumers);
    return sum;
  });
  return m.measure(() => Effect.runPromise(program));
}

if (isMain(import.meta.url)) await runChild(contenders);
