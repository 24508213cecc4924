/**
 * Queues for passing items between tasks: `Queue` (first in, first out),
 * `PriorityQueue` (smallest first, by a comparator) and `LifoQueue` (last in,
 * first out). Bounded or not, with `join()` to wait until every item was
 * processed and `shutdown()` to end them.
 *
 * @module
 */
import { inspect } from 'node:util';
import { InvalidStateError, QueueEmpty, QueueFull, QueueShutDown } from './errors.js';
import { taskStorage } from './_internal/current.js';
import { Deque } from './_internal/deque.js';
import { ListWaiter, RESOLVED_VOID, WaitList } from './_internal/wait-list.js';

/** Options of {@link Queue} and {@link LifoQueue}. */
export interface QueueOptions {
  /** The most items the queue holds; `put()` waits while it is full. 0 (default): no limit. */
  maxsize?: number;
}

/** Options of {@link PriorityQueue}. */
export interface PriorityQueueOptions<T> extends QueueOptions {
  /**
   * Orders the items: negative when `a` comes out first. Default: ascending by
   * `<`. Equal items come out first-in first-out.
   */
  compare?: (a: T, b: T) => number;
}

/** A snapshot of a queue. */
export interface QueueStatistics {
  /** Items in the queue now. */
  readonly size: number;
  /** The bound (0: none). */
  readonly maxsize: number;
  /** Tasks waiting in `get()`. */
  readonly getters: number;
  /** Tasks waiting in `put()`. */
  readonly putters: number;
  /** Items put and not yet marked done with `taskDone()`. */
  readonly unfinished: number;
  /** True after `shutdown()`. */
  readonly shutdown: boolean;
}

/** @internal Where a queue keeps its items; `shift()` takes the next one to get. */
export interface ItemStore<T> {
  readonly size: number;
  push(item: T): void;
  shift(): T | undefined;
  clear(): void;
}

class PutWaiter<T> extends ListWaiter<void> {
  item: T | undefined;
  constructor(item: T) {
    super();
    this.item = item;
  }
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/**
 * A first-in first-out queue of items between tasks, bounded (`maxsize`) or not.
 *
 * @example
 * ```ts
 * const queue = new Queue<string>({ maxsize: 100 });
 * const worker = createTask(async () => {
 *   for await (const url of queue) await crawl(url); // ends at shutdown
 * });
 * for (const url of urls) await queue.put(url); // waits while the queue is full
 * await queue.join();                           // every item processed
 * queue.shutdown();
 * await worker;
 * ```
 *
 * Waiting getters and putters are served first-come first-served; an item put
 * while a getter waits goes straight to that getter.
 *
 * Cancellation: `get()`, `put()` and `join()` are cancellation points and
 * cancellation-safe: a cancelled `get()` takes no item, a cancelled `put()` puts
 * nothing, and an item handed to a getter is returned by its `get()` even if the
 * getter is cancelled a moment later (the cancellation arrives at its next await),
 * so no item is lost or delivered twice.
 */
export class Queue<T> implements AsyncIterable<T> {
  readonly #maxsize: number;
  /** @internal */ readonly _items: ItemStore<T>;
  readonly #getters = new WaitList<ListWaiter<T>>('Queue.get');
  readonly #putters = new WaitList<PutWaiter<T>>('Queue.put');
  readonly #joiners = new WaitList<ListWaiter<void>>('Queue.join');
  #unfinished = 0;
  #shutdown = false;

  /** @throws {RangeError} when `maxsize` is not a non-negative integer (or Infinity) */
  constructor(opts: QueueOptions = {}) {
    const m = opts.maxsize ?? 0;
    if (typeof m !== 'number' || !(m >= 0) || (!Number.isInteger(m) && m !== Infinity)) {
      throw new RangeError(
        `Queue maxsize must be a non-negative integer (0: no limit), got ${String(m)}`,
      );
    }
    this.#maxsize = m === Infinity ? 0 : m;
    this._items = this._createStore(opts);
  }

  /** @internal The item store (FIFO here; subclasses order it differently). */
  _createStore(_opts: QueueOptions): ItemStore<T> {
    return new Deque<T>();
  }

  /** The bound given at creation (0: no limit). */
  get maxsize(): number {
    return this.#maxsize;
  }

  /** The number of items in the queue. */
  qsize(): number {
    return this._items.size;
  }

  /** True when the queue holds no item. */
  empty(): boolean {
    return this._items.size === 0;
  }

  /** True when a bounded queue holds `maxsize` items (`put()` would wait). */
  full(): boolean {
    return this.#maxsize > 0 && this._items.size >= this.#maxsize;
  }

  /**
   * Puts an item, waiting while the queue is full. Does not suspend when there
   * is room.
   *
   * Cancellation: a cancellation point; a cancelled `put()` puts nothing.
   *
   * @throws {QueueShutDown} when the queue is (or gets) shut down
   */
  put(item: T): Promise<void> {
    const task = taskStorage.getStore();
    if (task !== undefined && task._mustCancel) return Promise.reject(task._takeCancel());
    if (this.#shutdown) return Promise.reject(shutDown('put'));
    if (this.#offer(item)) return RESOLVED_VOID;
    const w = new PutWaiter<T>(item);
    this.#putters.push(w);
    return w.suspend(task);
  }

  /**
   * Puts an item without waiting.
   *
   * @throws {QueueFull} when the queue is full
   * @throws {QueueShutDown} when the queue was shut down
   */
  putNowait(item: T): void {
    if (this.#shutdown) throw shutDown('putNowait');
    if (!this.#offer(item)) {
      throw new QueueFull(`Queue.putNowait(): the queue is full (maxsize ${this.#maxsize})`);
    }
  }

  /**
   * Removes and returns the next item, waiting while the queue is empty. Does
   * not suspend when an item is there.
   *
   * Cancellation: a cancellation point; a cancelled `get()` takes no item.
   *
   * @throws {QueueShutDown} once the queue is shut down and empty
   */
  get(): Promise<T> {
    const task = taskStorage.getStore();
    if (task !== undefined && task._mustCancel) return Promise.reject(task._takeCancel());
    if (this._items.size > 0) return Promise.resolve(this.#take());
    if (this.#shutdown) return Promise.reject(shutDown('get'));
    const w = new ListWaiter<T>();
    this.#getters.push(w);
    return w.suspend(task);
  }

  /**
   * Removes and returns the next item without waiting.
   *
   * @throws {QueueEmpty} when the queue is empty
   * @throws {QueueShutDown} when the queue is shut down and empty
   */
  getNowait(): T {
    if (this._items.size > 0) return this.#take();
    if (this.#shutdown) throw shutDown('getNowait');
    throw new QueueEmpty('Queue.getNowait(): the queue is empty');
  }

  /**
   * Marks one item taken with `get()` as processed; `join()` returns once every
   * item put was marked.
   *
   * @throws {InvalidStateError} when called more times than items were put
   */
  taskDone(): void {
    if (this.#unfinished <= 0) {
      throw new InvalidStateError('Queue.taskDone() called more times than there were items');
    }
    if (--this.#unfinished === 0) wakeAll(this.#joiners);
  }

  /**
   * Waits until every item put so far was marked done with `taskDone()` (at once
   * when none is unfinished).
   *
   * Cancellation: a cancellation point; nothing else is affected.
   */
  join(): Promise<void> {
    const task = taskStorage.getStore();
    if (task !== undefined && task._mustCancel) return Promise.reject(task._takeCancel());
    if (this.#unfinished === 0) return RESOLVED_VOID;
    const w = new ListWaiter<void>();
    this.#joiners.push(w);
    return w.suspend(task);
  }

  /**
   * Shuts the queue down: `put()` throws `QueueShutDown` from now on (waiting
   * putters too); `get()` still returns the items left, then throws
   * `QueueShutDown` (waiting getters at once). With `immediate`, the items left
   * are dropped (each counts as done for `join()`) and every getter gets
   * `QueueShutDown` at once.
   */
  shutdown(immediate = false): void {
    this.#shutdown = true;
    if (immediate) {
      const n = this._items.size;
      this._items.clear();
      if (n > 0 && this.#unfinished > 0) {
        this.#unfinished = Math.max(0, this.#unfinished - n);
        if (this.#unfinished === 0) wakeAll(this.#joiners);
      }
    }
    const getters = this.#getters;
    for (let w = getters.shift(); w !== null; w = getters.shift()) w.fail(shutDown('get'));
    const putters = this.#putters;
    for (let w = putters.shift(); w !== null; w = putters.shift()) {
      w.item = undefined;
      w.fail(shutDown('put'));
    }
  }

  /**
   * Iterates over the items as they are got, ending cleanly when the queue is
   * shut down and drained. Each item is marked done (`taskDone()`) when the loop
   * body for it finishes (the next item is requested or the loop is left), so
   * `join()` works without calling `taskDone()` yourself; do not call it inside
   * the loop.
   *
   * Cancellation: each step is a `get()`: a cancellation point that takes no item.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return new QueueIterator<T>(this);
  }

  /** A frozen snapshot: size, bound, waiting getters and putters, unfinished items. */
  statistics(): QueueStatistics {
    return Object.freeze({
      size: this._items.size,
      maxsize: this.#maxsize,
      getters: this.#getters.size,
      putters: this.#putters.size,
      unfinished: this.#unfinished,
      shutdown: this.#shutdown,
    });
  }

  /** `<Queue size=3/100 unfinished=3 putters=1>` */
  toString(): string {
    const size = this.#maxsize > 0 ? `${this._items.size}/${this.#maxsize}` : `${this._items.size}`;
    return (
      `<${this.constructor.name}${this.#shutdown ? ' shut down' : ''} size=${size}` +
      ` unfinished=${this.#unfinished}${count(' getters', this.#getters.size)}` +
      `${count(' putters', this.#putters.size)}>`
    );
  }

  [inspect.custom](): string {
    return this.toString();
  }

  /** Gives the item to the first getter, or stores it when there is room. */
  #offer(item: T): boolean {
    const g = this.#getters.shift();
    if (g !== null) {
      this.#unfinished++;
      g.wake(item);
      return true;
    }
    if (this.#maxsize > 0 && this._items.size >= this.#maxsize) return false;
    this._items.push(item);
    this.#unfinished++;
    return true;
  }

  /** Takes the next item and lets the first waiting putter in. */
  #take(): T {
    const item = this._items.shift() as T;
    const p = this.#putters.shift();
    if (p !== null) {
      this._items.push(p.item as T);
      p.item = undefined;
      this.#unfinished++;
      p.wake();
    }
    return item;
  }
}

function shutDown(op: string): QueueShutDown {
  return new QueueShutDown(`Queue.${op}(): the queue was shut down`);
}

function wakeAll(list: WaitList<ListWaiter<void>>): void {
  for (let w = list.shift(); w !== null; w = list.shift()) w.wake();
}

function count(label: string, n: number): string {
  return n > 0 ? `${label}=${n}` : '';
}

class QueueIterator<T> implements AsyncIterableIterator<T> {
  readonly #queue: Queue<T>;
  #holding = false;
  constructor(queue: Queue<T>) {
    this.#queue = queue;
  }
  readonly #onItem = (value: T): IteratorResult<T> => {
    this.#holding = true;
    return { value, done: false };
  };
  readonly #onError = (e: unknown): IteratorResult<T> => {
    if (e instanceof QueueShutDown) return DONE;
    throw e;
  };
  next(): Promise<IteratorResult<T>> {
    this.#release();
    return this.#queue.get().then(this.#onItem, this.#onError);
  }
  return(): Promise<IteratorResult<T>> {
    this.#release();
    return Promise.resolve(DONE);
  }
  [Symbol.asyncIterator](): this {
    return this;
  }
  #release(): void {
    if (this.#holding) {
      this.#holding = false;
      this.#queue.taskDone();
    }
  }
}

/**
 * A queue that returns the smallest item first, by `compare` (default: ascending
 * by `<`); items that compare equal come out first-in first-out.
 *
 * @example
 * ```ts
 * const jobs = new PriorityQueue<{ prio: number; url: string }>({
 *   compare: (a, b) => a.prio - b.prio,
 * });
 * jobs.putNowait({ prio: 2, url: '/b' });
 * jobs.putNowait({ prio: 1, url: '/a' });
 * (await jobs.get()).url; // '/a'
 * ```
 *
 * Cancellation: as {@link Queue}.
 */
export class PriorityQueue<T> extends Queue<T> {
  /** @throws {RangeError} as {@link Queue}; TypeError when `compare` is not a function */
  constructor(opts: PriorityQueueOptions<T> = {}) {
    super(opts);
  }

  /** @internal */
  override _createStore(opts: PriorityQueueOptions<T>): ItemStore<T> {
    const compare = opts.compare ?? ascending;
    if (typeof compare !== 'function') {
      throw new TypeError('PriorityQueue compare must be a function (a, b) => number');
    }
    return new HeapStore<T>(compare);
  }
}

/**
 * A queue that returns the most recently put item first (a stack).
 *
 * @example
 * ```ts
 * const stack = new LifoQueue<number>();
 * stack.putNowait(1);
 * stack.putNowait(2);
 * stack.getNowait(); // 2
 * ```
 *
 * Cancellation: as {@link Queue}.
 */
export class LifoQueue<T> extends Queue<T> {
  /** @internal */
  override _createStore(): ItemStore<T> {
    return new StackStore<T>();
  }
}

function ascending<T>(a: T, b: T): number {
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

class StackStore<T> implements ItemStore<T> {
  #items: T[] = [];
  get size(): number {
    return this.#items.length;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  shift(): T | undefined {
    return this.#items.pop();
  }
  clear(): void {
    this.#items = [];
  }
}

/** A binary min-heap; ties broken by insertion order, so equal items stay FIFO. */
class HeapStore<T> implements ItemStore<T> {
  #items: T[] = [];
  #seqs: number[] = [];
  #seq = 0;
  readonly #compare: (a: T, b: T) => number;
  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }
  get size(): number {
    return this.#items.length;
  }
  #less(i: T, si: number, j: T, sj: number): boolean {
    const c = this.#compare(i, j);
    return c < 0 || (!(c > 0) && si < sj); // equal (or NaN): first in, first out
  }
  push(item: T): void {
    const items = this.#items;
    const seqs = this.#seqs;
    const seq = this.#seq++;
    let i = items.length;
    items.push(item);
    seqs.push(seq);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(item, seq, items[p]!, seqs[p]!)) break;
      items[i] = items[p]!;
      seqs[i] = seqs[p]!;
      i = p;
    }
    items[i] = item;
    seqs[i] = seq;
  }
  shift(): T | undefined {
    const items = this.#items;
    const seqs = this.#seqs;
    if (items.length === 0) return undefined;
    const top = items[0];
    const last = items.pop()!;
    const lastSeq = seqs.pop()!;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        const r = c + 1;
        if (r < n && this.#less(items[r]!, seqs[r]!, items[c]!, seqs[c]!)) c = r;
        if (!this.#less(items[c]!, seqs[c]!, last, lastSeq)) break;
        items[i] = items[c]!;
        seqs[i] = seqs[c]!;
        i = c;
      }
      items[i] = last;
      seqs[i] = lastSeq;
    }
    return top;
  }
  clear(): void {
    this.#items = [];
    this.#seqs = [];
  }
}
