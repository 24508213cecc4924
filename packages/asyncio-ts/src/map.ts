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
  if (items !== null && typeof items === 'object' && Symbol.asyncIterator in items) {
    return new Mapper<T, R>(items[Symbol.asyncIterator](), true, fn, c, opts.ordered ?? true, -1);
  }
  if (items == null || typeof items[Symbol.iterator] !== 'function') {
    throw new TypeError('map(): items must be an iterable or an async iterable');
  }
  const known = Array.isArray(items) ? items.length : -1;
  return new Mapper<T, R>(items[Symbol.iterator](), false, fn, c, opts.ordered ?? true, known);
}

/** @internal */
class Mapper<T, R> implements MapIterator<R>, DoneListener {
  readonly #src: Iterator<T> | AsyncIterator<T>;
  readonly #async: boolean;
  readonly #fn: (item: T, index: number) => Promise<R> | R;
  readonly #concurrency: number;
  /** the most items pulled and not yet yielded */
  readonly #limit: number;
  /** the number of items when known up front (an array), else -1 */
  readonly #known: number;
  readonly #slots: Slot<R>[] | null;
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
    src: Iterator<T> | AsyncIterator<T>,
    isAsync: boolean,
    fn: (item: T, index: number) => Promise<R> | R,
    concurrency: number,
    ordered: boolean,
    known: number,
  ) {
    this.#src = src;
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
    const src = this.#src;
    try {
      for (;;) {
        if (this.#stopping || this.#exhausted) return;
        if (this.#pulled - this.#yielded >= this.#limit) {
          const w = new ListWaiter<void>();
          this.#room.push(w);
          await w.suspend(taskStorage.getStore());
          continue;
        }
        let r: IteratorResult<T>;
        if (this.#async) {
          if (this.#pulling) {
            const w = new ListWaiter<void>();
            this.#pullers.push(w);
            await w.suspend(taskStorage.getStore());
            continue;
          }
          this.#pulling = true;
          try {
            r = await cancellable((src as AsyncIterator<T>).next());
          } finally {
            this.#pulling = false;
            this.#pullers.shift()?.wake();
          }
          if (this.#stopping) return;
        } else {
          r = (src as Iterator<T>).next();
        }
        if (r.done === true) {
          this.#setExhausted();
          return;
        }
        const index = this.#pulled++;
        this.#running++;
        if (this.#known < 0 && this.#tasks.size < this.#concurrency) {
          this.#spawn(taskStorage.getStore()?._parent);
        }
        const v = await this.#fn(r.value, index);
        this.#running--;
        this.#deliver(index, v);
      }
    } catch (e) {
      if (!this.#stopping) this.#fail(e);
    }
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
        .then(() => this.#src.return?.())
        .then(noop, noop);
    }
    return this.#sourceClosed;
  }
}
