/**
 * `map`: run an async function over the items of a (sync or async) iterable with
 * bounded concurrency, as an async iterable of the results.
 *
 * @module
 */
import { inspect } from 'node:util';
import { CancelledError } from './errors.js';
import { taskStorage } from './_internal/current.js';
import { Deque } from './_internal/deque.js';
import { ListWaiter, WaitList } from './_internal/wait-list.js';
import type { BaseFuture, DoneListener } from './futures.js';
import { _ambientLoop } from './loop.js';
import { _newTask, type Task } from './tasks.js';
import { cancellable } from './waiting.js';

/** Options of {@link map}. */
export interface MapOptions {
  /** The most calls of `fn` running at once (a positive integer). */
  concurrency: number;
  /** Yield results in the order of the items (default true), or as they complete. */
  ordered?: boolean;
}

/** A snapshot of a {@link map} in progress. */
export interface MapStatistics {
  /** Calls of `fn` running now. */
  readonly running: number;
  /** Results ready and not yet consumed (or waiting for an earlier one, when ordered). */
  readonly buffered: number;
  /** Items taken from the source so far. */
  readonly pulled: number;
  /** Results consumed so far. */
  readonly yielded: number;
  /** `'idle'` (not started), `'running'`, `'done'`, `'failed'` or `'stopped'`. */
  readonly state: string;
}

/** The async iterable {@link map} returns; also inspectable. */
export interface MapIterator<R> extends AsyncIterableIterator<R> {
  /** A frozen snapshot: running calls, buffered results, items pulled, results yielded. */
  statistics(): MapStatistics;
  /** `<map running running=2 buffered=1 pulled=4 yielded=1>` */
  toString(): string;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });
const NONE = Symbol('none');
type Slot<R> = R | typeof NONE;
function noop(): void {}
function isThenable(x: unknown): boolean {
  return (
    ((typeof x === 'object' && x !== null) || typeof x === 'function') &&
    typeof (x as PromiseLike<unknown>).then === 'function'
  );
}

class ConsumerWaiter<R> extends ListWaiter<IteratorResult<R>> {
  readonly owner: Mapper<unknown, R>;
  cancelMsg: string | undefined = undefined;
  constructor(owner: Mapper<unknown, R>) {
    super();
    this.owner = owner;
  }
  override onCancel(msg: string): boolean {
    return this.owner._consumerCancelled(this, msg);
  }
  override describe(): string {
    return 'map() next result';
  }
}

/**
 * Calls `fn(item, index)` for each item of `items` (an array, any iterable, or an
 * async iterable such as a generator), at most `concurrency` at a time, and yields
 * the results: in the order of the items (default) or, with `ordered: false`, as
 * they complete. Items are pulled lazily, as room frees up (at most
 * `2 * concurrency` items are taken and not yet consumed), so a generator of a
 * million items never fills memory.
 *
 * @example
 * ```ts
 * for await (const page of map(urls, (url) => fetchPage(url), { concurrency: 8 })) {
 *   save(page);
 * }
 * ```
 *
 * The first failure of `fn` (or of the source) cancels the calls in flight, stops
 * pulling, and is thrown by the iteration once they have ended. Leaving the loop
 * early (`break`, `return`, an error in its body) cancels the calls in flight and
 * waits for them to end.
 *
 * Cancellation: each step of the iteration is a cancellation point; cancelling
 * the consuming task cancels the calls in flight, and the `CancelledError` is
 * thrown once they have ended.
 *
 * @throws {RangeError} when `concurrency` is not a positive integer
 * @throws {TypeError} when `items` is not iterable or `fn` not a function
 */
export function map<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  fn: (item: T, index: number) => Promise<R> | R,
  opts: MapOptions,
): MapIterator<R> {
  const c = opts?.concurrency;
  if (typeof c !== 'number' || !Number.isInteger(c) || c < 1) {
    throw new RangeError(`map(): concurrency must be a positive integer, got ${String(c)}`);
  }
  if (typeof fn !== 'function') throw new TypeError('map(): fn must be a function');
  const ordered = opts.ordered ?? true;
  if (items !== null && typeof items === 'object' && Symbol.asyncIterator in items) {
    return new Mapper<T, R>(items[Symbol.asyncIterator](), true, null, fn, c, ordered, -1);
  }
  if (items == null || typeof items[Symbol.iterator] !== 'function') {
    throw new TypeError('map(): items must be an iterable or an async iterable');
  }
  if (Array.isArray(items)) {
    // A plain array is read by index: the same items as its iterator, which also reads
    // the live length, without an iterator result object per item.
    const plain = items[Symbol.iterator] === arrayValues;
    const src = plain ? null : items[Symbol.iterator]();
    return new Mapper<T, R>(src, false, plain ? items : null, fn, c, ordered, items.length);
  }
  return new Mapper<T, R>(items[Symbol.iterator](), false, null, fn, c, ordered, -1);
}

const arrayValues = Array.prototype[Symbol.iterator];

/** @internal */
class Mapper<T, R> implements MapIterator<R>, DoneListener {
  /** the source iterator, or null for a plain array read by index */
  readonly #src: Iterator<T> | AsyncIterator<T> | null;
  readonly #array: readonly T[] | null;
  readonly #async: boolean;
  readonly #fn: (item: T, index: number) => Promise<R> | R;
  readonly #concurrency: number;
  /** the most items pulled and not yet yielded */
  readonly #limit: number;
  /** the number of items when known up front (an array), else -1 */
  readonly #known: number;
  /** ordered: a ring of `#limit` result slots, indexed by item index */
  readonly #slots: Slot<R>[] | null;
  /** unordered: results in order of completion */
  readonly #ready: Deque<R> | null;
  readonly #consumers = new WaitList<ConsumerWaiter<R>>('map() next result');
  readonly #room = new WaitList<ListWaiter<void>>('map() room for results');
  readonly #pullers = new WaitList<ListWaiter<void>>('map() pulling the source');
  readonly #enders: ConsumerWaiter<R>[] = [];
  readonly #endWaiters = new WaitList<ListWaiter<void>>('map() stopping');
  readonly #tasks = new Set<Task<void>>();
  #started = false;
  #pulling = false;
  #exhausted = false;
  #stopping = false;
  #closed = false;
  #failed = false;
  #error: unknown = NONE;
  #pulled = 0;
  #yielded = 0;
  #running = 0;
  #buffered = 0;
  #sourceClosed: Promise<void> | null = null;

  constructor(
    src: Iterator<T> | AsyncIterator<T> | null,
    isAsync: boolean,
    array: readonly T[] | null,
    fn: (item: T, index: number) => Promise<R> | R,
    concurrency: number,
    ordered: boolean,
    known: number,
  ) {
    this.#src = src;
    this.#array = array;
    this.#async = isAsync;
    this.#fn = fn;
    this.#concurrency = concurrency;
    this.#limit = 2 * concurrency;
    this.#known = known;
    this.#slots = ordered ? new Array<Slot<R>>(this.#limit).fill(NONE) : null;
    this.#ready = ordered ? null : new Deque<R>();
  }

  next(): Promise<IteratorResult<R>> {
    const task = taskStorage.getStore();
    if (task !== undefined && task._mustCancel) return Promise.reject(task._takeCancel());
    // The hot path: a result is ready (while running, nothing else can be pending).
    if (this.#started && !this.#stopping) {
      const v = this.#take();
      if (v !== NONE) return Promise.resolve({ value: v, done: false });
    }
    if (this.#error !== NONE && this.#tasks.size === 0) {
      const e = this.#error;
      this.#error = NONE;
      this.#closed = true;
      return Promise.reject(e);
    }
    if (this.#closed) return Promise.resolve(DONE);
    if (!this.#started) this.#start(task);
    if (!this.#stopping) {
      const v = this.#take();
      if (v !== NONE) return Promise.resolve({ value: v, done: false });
      if (this.#finished()) {
        this.#closed = true;
        return Promise.resolve(DONE);
      }
    }
    const w = new ConsumerWaiter<R>(this as Mapper<unknown, R>);
    this.#consumers.push(w);
    return w.suspend(task);
  }

  async return(): Promise<IteratorResult<R>> {
    this.#closed = true;
    this.#stop();
    if (this.#tasks.size > 0) {
      const w = new ListWaiter<void>();
      this.#endWaiters.push(w);
      await w.suspend(taskStorage.getStore());
    }
    await this.#closeSource();
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  statistics(): MapStatistics {
    return Object.freeze({
      running: this.#running,
      buffered: this.#buffered,
      pulled: this.#pulled,
      yielded: this.#yielded,
      state: this.#state(),
    });
  }

  toString(): string {
    return `<map ${this.#state()} running=${this.#running} buffered=${this.#buffered} pulled=${this.#pulled} yielded=${this.#yielded}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  /** @internal DoneListener: a worker task ended. */
  _onDone(f: BaseFuture<unknown>): void {
    this.#tasks.delete(f as Task<void>);
    if (this.#tasks.size === 0) this.#allEnded();
  }

  /** @internal The consuming task was cancelled while waiting in next(). */
  _consumerCancelled(w: ConsumerWaiter<R>, msg: string): boolean {
    if (w.cancelMsg !== undefined) return true; // already ending
    w.cancelMsg = msg;
    this.#consumers.remove(w);
    this.#closed = true;
    this.#stop();
    if (this.#tasks.size === 0) {
      w.promise!.catch(noop);
      w.fail(new CancelledError(msg));
      void this.#closeSource();
    } else {
      this.#enders.push(w);
    }
    return true;
  }

  #state(): string {
    if (!this.#started) return 'idle';
    if (this.#failed) return 'failed';
    if (this.#stopping) return 'stopped';
    return this.#closed || this.#finished() ? 'done' : 'running';
  }

  #start(task: Task<unknown> | undefined): void {
    this.#started = true;
    const n = this.#known >= 0 ? Math.min(this.#concurrency, this.#known) : 1;
    if (n === 0) this.#exhausted = true;
    for (let i = 0; i < n; i++) this.#spawn(task);
  }

  #spawn(parent: Task<unknown> | undefined): void {
    const loop = parent !== undefined ? parent._loop : _ambientLoop();
    const t = _newTask(loop, parent, () => this.#work(), { name: 'map worker' });
    this.#tasks.add(t);
    t._addListener(this);
  }

  async #work(): Promise<void> {
    const fn = this.#fn;
    const array = this.#array;
    try {
      for (;;) {
        if (this.#stopping || this.#exhausted) return;
        if (this.#pulled - this.#yielded >= this.#limit) {
          await this.#wait(this.#room);
          continue;
        }
        let item: T;
        if (array !== null) {
          if (this.#pulled >= array.length) {
            this.#setExhausted();
            return;
          }
          item = array[this.#pulled]!;
        } else {
          let r: IteratorResult<T>;
          if (this.#async) {
            if (this.#pulling) {
              await this.#wait(this.#pullers);
              continue;
            }
            this.#pulling = true;
            try {
              r = await cancellable((this.#src as AsyncIterator<T>).next());
            } finally {
              this.#pulling = false;
              this.#pullers.shift()?.wake();
            }
            if (this.#stopping) return;
          } else {
            r = (this.#src as Iterator<T>).next();
          }
          if (r.done === true) {
            this.#setExhausted();
            return;
          }
          item = r.value;
        }
        const index = this.#pulled++;
        this.#running++;
        if (this.#known < 0 && this.#tasks.size < this.#concurrency) {
          this.#spawn(taskStorage.getStore()?._parent);
        }
        const p = fn(item, index);
        // A plain value needs no await (each await costs a promise or two under the
        // AsyncLocalStorage hooks); a worker of a sync fn yields when room runs out.
        const v = p instanceof Promise || isThenable(p) ? await p : p;
        this.#running--;
        this.#deliver(index, v);
      }
    } catch (e) {
      if (!this.#stopping) this.#fail(e);
    }
  }

  /** Parks the current worker in `list` until woken. */
  #wait(list: WaitList<ListWaiter<void>>): Promise<void> {
    const w = new ListWaiter<void>();
    list.push(w);
    return w.suspend(taskStorage.getStore());
  }

  #setExhausted(): void {
    this.#exhausted = true;
    this.#sourceClosed = Promise.resolve();
    for (let w = this.#pullers.shift(); w !== null; w = this.#pullers.shift()) w.wake();
    for (let w = this.#room.shift(); w !== null; w = this.#room.shift()) w.wake();
    this.#flush();
  }

  #deliver(index: number, v: R): void {
    if (this.#stopping) return;
    const consumers = this.#consumers;
    if (consumers.size > 0 && (this.#slots === null || index === this.#yielded)) {
      // A consumer waits for exactly this result: hand it over without buffering.
      this.#yielded++;
      this.#room.shift()?.wake();
      consumers.shift()!.wake({ value: v, done: false });
      if (consumers.size > 0) this.#flush();
      return;
    }
    this.#buffered++;
    if (this.#slots !== null) this.#slots[index % this.#limit] = v;
    else this.#ready!.push(v);
    this.#flush();
  }

  /** The next result to yield, or NONE. */
  #take(): Slot<R> {
    let v: Slot<R>;
    if (this.#slots !== null) {
      const i = this.#yielded % this.#limit;
      v = this.#slots[i]!;
      if (v === NONE) return NONE;
      this.#slots[i] = NONE;
    } else {
      if (this.#ready!.size === 0) return NONE;
      v = this.#ready!.shift() as R;
    }
    this.#yielded++;
    this.#buffered--;
    this.#room.shift()?.wake();
    return v;
  }

  /** Everything was yielded and every worker has ended. */
  #finished(): boolean {
    return (
      this.#exhausted && this.#yielded === this.#pulled && !this.#failed && this.#tasks.size === 0
    );
  }

  /** Hands results (or the end) to waiting consumers. */
  #flush(): void {
    const consumers = this.#consumers;
    while (consumers.size > 0) {
      const v = this.#take();
      if (v === NONE) break;
      consumers.shift()!.wake({ value: v, done: false });
    }
    if (consumers.size > 0 && this.#finished()) {
      this.#closed = true;
      for (let w = consumers.shift(); w !== null; w = consumers.shift()) w.wake(DONE);
    }
  }

  #fail(e: unknown): void {
    if (this.#failed || this.#stopping) return;
    this.#failed = true;
    this.#error = e;
    this.#stop();
  }

  /** Cancels every call in flight and stops pulling. */
  #stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#buffered = 0;
    this.#slots?.fill(NONE);
    this.#ready?.clear();
    for (const t of this.#tasks) t.cancel('map() is stopping');
  }

  /** Every worker ended: report the failure or the cancellation, close the source. */
  #allEnded(): void {
    if (!this.#stopping) {
      this.#flush();
      return;
    }
    this.#running = 0;
    const consumers = this.#consumers;
    if (this.#error !== NONE) {
      const first = consumers.shift();
      if (first !== null) {
        const e = this.#error;
        this.#error = NONE;
        first.fail(e);
      }
    }
    if (this.#error === NONE) {
      this.#closed = true;
      for (let w = consumers.shift(); w !== null; w = consumers.shift()) w.wake(DONE);
    }
    for (const w of this.#enders.splice(0)) {
      w.promise!.catch(noop);
      w.fail(new CancelledError(w.cancelMsg));
    }
    for (let w = this.#endWaiters.shift(); w !== null; w = this.#endWaiters.shift()) w.wake();
    void this.#closeSource();
  }

  #closeSource(): Promise<void> {
    if (this.#sourceClosed === null) {
      this.#sourceClosed = Promise.resolve()
        .then(() => this.#src?.return?.())
        .then(noop, noop);
    }
    return this.#sourceClosed;
  }
}
