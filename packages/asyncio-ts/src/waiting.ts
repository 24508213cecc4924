/**
 * Waiting for many things at once: `gather`, `wait`, `waitFor`, `asCompleted`,
 * `shield`, and `cancellable` for foreign promises.
 *
 * @module
 */
import { CancelledError, TimeoutError } from './errors.js';
import { toMilliseconds, type Duration } from './durations.js';
import { taskStorage } from './_internal/current.js';
import { Waiter } from './_internal/waiter.js';
import { SCHEDULED, type TimerEntry } from './_internal/timer-heap.js';
import { BaseFuture, DONE, FAILED, type DoneListener } from './futures.js';
import type { Future } from './futures.js';
import { createTask, type Task } from './tasks.js';
import { timeout } from './timeouts.js';
import { _ambientLoop, type EventLoop } from './loop.js';

/**
 * Anything these functions wait for: a task, a future, any promise-like, or a
 * function returning a promise (run as a new task, so it can be cancelled).
 */
export type Awaitable<T = unknown> = Task<T> | Future<T> | PromiseLike<T> | (() => Promise<T>);

/** Maps a tuple of result types to a tuple of awaitables of those types. */
export type AwaitablesOf<T extends readonly unknown[]> = { [K in keyof T]: Awaitable<T[K]> };

/** The result of `gather(..., { returnExceptions: true })`: each slot a value or an error. */
export type Settled<T extends readonly unknown[]> = { -readonly [K in keyof T]: T[K] | Error };

/** @internal Turns any awaitable into a library future (a task for functions and promises). */
export function ensureFuture<T>(aw: Awaitable<T>): BaseFuture<T> {
  if (aw instanceof BaseFuture) return aw;
  if (typeof aw === 'function') return createTask(aw, { name: aw.name || undefined });
  if (aw !== null && typeof aw === 'object' && typeof aw.then === 'function') {
    return createTask(() => cancellable(aw), { eager: true });
  }
  throw new TypeError(
    `expected a task, future, promise or function, got ${aw === null ? 'null' : typeof aw}`,
  );
}

function check<T>(task: Task<unknown> | undefined): Promise<T> | null {
  if (task !== undefined && task._mustCancel) return Promise.reject(task._takeCancel());
  return null;
}

// ---- gather ----

class GatherWaiter extends Waiter<unknown[]> implements DoneListener {
  children: BaseFuture<unknown>[];
  remaining: number;
  returnExceptions: boolean;
  finished = false;
  cancelRequested = false;
  cancelMsg = '';
  constructor(children: BaseFuture<unknown>[], returnExceptions: boolean) {
    super();
    this.children = children;
    this.remaining = children.length;
    this.returnExceptions = returnExceptions;
  }
  _onDone(child: BaseFuture<unknown>): void {
    this.remaining--;
    if (this.finished) {
      if (!child.cancelled()) child.exception(); // retrieved: it was reported through the first error
      return;
    }
    if (!this.returnExceptions) {
      if (child.cancelled()) {
        this.finished = true;
        this.fail(child._value);
        return;
      }
      if (child._state === FAILED) {
        this.finished = true;
        this.fail(child.exception());
        return;
      }
    }
    if (this.remaining === 0) {
      this.finished = true;
      if (this.cancelRequested) {
        this.fail(new CancelledError(this.cancelMsg));
        return;
      }
      const ch = this.children;
      const out = new Array<unknown>(ch.length);
      for (let i = 0; i < ch.length; i++) {
        const c = ch[i]!;
        out[i] = c._state === DONE ? c._value : c.cancelled() ? c._value : c.exception();
      }
      this.wake(out);
    }
  }
  override onCancel(msg: string): boolean {
    let any = false;
    for (const c of this.children) if (c.cancel(msg)) any = true;
    if (any) {
      this.cancelRequested = true;
      this.cancelMsg = msg;
    }
    return any;
  }
  override describe(): string {
    return `gather (${this.remaining} of ${this.children.length} pending)`;
  }
}

/**
 * Runs awaitables concurrently and resolves with their results, in order.
 *
 * Without `returnExceptions`, the first failure rejects the gather at once while the
 * other children keep running (as in asyncio). With it, each error (including the
 * `CancelledError` of a cancelled child) takes its child's place in the results.
 *
 * @example
 * ```ts
 * const [a, b] = await gather([fetchA(), () => fetchB()]);
 * const settled = await gather(tasks, { returnExceptions: true });
 * ```
 *
 * Cancellation: a cancellation point. Cancelling the task awaiting the gather
 * cancels every child that is not done; the gather then rejects with
 * `CancelledError` once they have finished.
 */
export function gather<T extends readonly unknown[]>(
  aws: readonly [...AwaitablesOf<T>],
  opts: { returnExceptions: true },
): Promise<Settled<T>>;
export function gather<T extends readonly unknown[]>(
  aws: readonly [...AwaitablesOf<T>],
  opts?: { returnExceptions?: boolean },
): Promise<{ -readonly [K in keyof T]: T[K] }>;
export function gather(
  aws: readonly Awaitable<unknown>[],
  opts?: { returnExceptions?: boolean },
): Promise<unknown[]> {
  const task = taskStorage.getStore();
  const early = check<unknown[]>(task);
  if (early !== null) return early;
  if (aws === null || typeof (aws as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    return Promise.reject(
      new TypeError('gather() takes an array of awaitables, e.g. gather([a, b])'),
    );
  }
  const n = aws.length;
  if (n === 0) return Promise.resolve([]);
  const children = new Array<BaseFuture<unknown>>(n);
  try {
    for (let i = 0; i < n; i++) children[i] = ensureFuture(aws[i]!);
  } catch (e) {
    return Promise.reject(e);
  }
  const w = new GatherWaiter(children, opts?.returnExceptions === true);
  const p = w.suspend(task);
  for (let i = 0; i < n; i++) {
    // The same awaitable twice is listened to once per occurrence.
    children[i]!._addListener(w);
  }
  return p;
}

// ---- wait ----

/** When `wait()` returns. */
export type ReturnWhen = 'FIRST_COMPLETED' | 'FIRST_EXCEPTION' | 'ALL_COMPLETED';

class WaitWaiter<T>
  extends Waiter<{ done: Set<Task<T>>; pending: Set<Task<T>> }>
  implements DoneListener, TimerEntry
{
  when = 0;
  seq = 0;
  state = SCHEDULED;
  futures: Set<Task<T>>;
  remaining: number;
  mode: ReturnWhen;
  finished = false;
  loop: EventLoop;
  timed = false;
  constructor(futures: Set<Task<T>>, mode: ReturnWhen, loop: EventLoop) {
    super();
    this.futures = futures;
    this.remaining = futures.size;
    this.mode = mode;
    this.loop = loop;
  }
  _onDone(f: BaseFuture<unknown>): void {
    this.remaining--;
    if (this.finished) return;
    if (
      this.remaining === 0 ||
      this.mode === 'FIRST_COMPLETED' ||
      (this.mode === 'FIRST_EXCEPTION' && !f.cancelled() && f._state === FAILED)
    ) {
      this.finish();
    }
  }
  _fire(): void {
    this.timed = false;
    this.finish();
  }
  finish(): void {
    this.finished = true;
    this.detach();
    const done = new Set<Task<T>>();
    const pending = new Set<Task<T>>();
    for (const f of this.futures) (f.done() ? done : pending).add(f);
    this.wake({ done, pending });
  }
  override detach(): void {
    for (const f of this.futures) f._removeListener(this);
    if (this.timed) {
      this.timed = false;
      this.loop._cancelTimer(this);
    }
  }
  override describe(): string {
    return `wait ${this.mode} (${this.remaining} of ${this.futures.size} pending)`;
  }
}

/**
 * Waits until the awaitables are done (`ALL_COMPLETED`, the default), one of them
 * is (`FIRST_COMPLETED`), one fails (`FIRST_EXCEPTION`), or `timeout` passes, and
 * returns the tasks split into `done` and `pending`. Never cancels anything, and
 * never throws the children's errors (read them with `task.exception()`).
 *
 * @example
 * ```ts
 * const { done, pending } = await wait([t1, t2, t3], { returnWhen: 'FIRST_COMPLETED' });
 * ```
 *
 * Cancellation: a cancellation point; cancelling the waiting task does not cancel
 * the awaitables. Promises and functions are wrapped in new tasks (those are what
 * the sets contain).
 */
export function wait<T>(
  aws: Iterable<Awaitable<T>>,
  opts?: { timeout?: Duration | null; returnWhen?: ReturnWhen },
): Promise<{ done: Set<Task<T>>; pending: Set<Task<T>> }> {
  const task = taskStorage.getStore();
  const early = check<{ done: Set<Task<T>>; pending: Set<Task<T>> }>(task);
  if (early !== null) return early;
  let ms: number | null;
  const mode = opts?.returnWhen ?? 'ALL_COMPLETED';
  try {
    ms = toMilliseconds(opts?.timeout, 'wait timeout');
    if (mode !== 'ALL_COMPLETED' && mode !== 'FIRST_COMPLETED' && mode !== 'FIRST_EXCEPTION') {
      throw new TypeError(
        `returnWhen must be FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED, got ${String(mode)}`,
      );
    }
  } catch (e) {
    return Promise.reject(e);
  }
  const futures = new Set<Task<T>>();
  try {
    for (const aw of aws) futures.add(ensureFuture(aw) as Task<T>);
  } catch (e) {
    return Promise.reject(e);
  }
  if (futures.size === 0)
    return Promise.reject(new TypeError('wait() needs at least one awaitable'));
  const loop = task?._loop ?? [...futures][0]!._loop;
  const w = new WaitWaiter<T>(futures, mode, loop);
  const p = w.suspend(task);
  // Already satisfied?
  let doneCount = 0;
  let failed = false;
  for (const f of futures) {
    if (f.done()) {
      doneCount++;
      if (f._state === FAILED) failed = true;
    }
  }
  if (
    doneCount === futures.size ||
    (mode === 'FIRST_COMPLETED' && doneCount > 0) ||
    (mode === 'FIRST_EXCEPTION' && failed)
  ) {
    w.finish();
    return p;
  }
  w.remaining = futures.size - doneCount;
  for (const f of futures) if (!f.done()) f._addListener(w);
  if (ms !== null) {
    w.when = loop.time() + ms;
    w.timed = true;
    loop._addTimer(w);
  }
  return p;
}

// ---- waitFor ----

/**
 * Waits for one awaitable with a timeout (`null`: none). On timeout the awaitable
 * is cancelled, `waitFor` waits until it has really finished, then throws
 * `TimeoutError`. An awaitable that is already done gives its result even with a
 * timeout of 0.
 *
 * @example
 * ```ts
 * const page = await waitFor(() => fetchPage(url), '10s');
 * ```
 *
 * Cancellation: a cancellation point; cancelling the caller cancels the awaitable.
 * @throws {TimeoutError} when the timeout passed first
 */
export async function waitFor<T>(aw: Awaitable<T>, timeoutDelay: Duration | null): Promise<T> {
  const ms = toMilliseconds(timeoutDelay, 'waitFor timeout');
  const fut = ensureFuture(aw);
  if (ms === null) return await fut;
  if (ms <= 0) {
    if (fut.done()) return fut.result();
    fut.cancel();
    try {
      await shield(fut);
    } catch {
      // its outcome does not matter any more
    }
    if (fut.done() && !fut.cancelled()) {
      if (fut._state === DONE) return fut._value as T;
      throw fut.exception();
    }
    throw new TimeoutError(`waitFor: timed out after ${ms} ms`);
  }
  return timeout(ms, () => fut.then());
}

// ---- asCompleted ----

class NextWaiter<T> extends Waiter<IteratorResult<Task<T>>> {
  owner: AsCompleted<T>;
  constructor(owner: AsCompleted<T>) {
    super();
    this.owner = owner;
  }
  override detach(): void {
    const i = this.owner.waiters.indexOf(this);
    if (i >= 0) this.owner.waiters.splice(i, 1);
  }
  override describe(): string {
    return 'asCompleted next';
  }
}

class AsCompleted<T> implements AsyncIterableIterator<Task<T>>, DoneListener, TimerEntry {
  when = 0;
  seq = 0;
  state = SCHEDULED;
  done: Task<T>[] = [];
  waiters: NextWaiter<T>[] = [];
  todo: number;
  timedOut = false;
  timed = false;
  loop: EventLoop;
  constructor(futures: Set<Task<T>>, loop: EventLoop, ms: number | null) {
    this.todo = futures.size;
    this.loop = loop;
    for (const f of futures) f._addListener(this);
    if (ms !== null && this.todo > 0) {
      this.when = loop.time() + ms;
      this.timed = true;
      loop._addTimer(this);
    }
  }
  _onDone(f: BaseFuture<unknown>): void {
    if (this.timedOut) return;
    const w = this.waiters.shift();
    if (w !== undefined) w.wake({ value: f as Task<T>, done: false });
    else this.done.push(f as Task<T>);
    if (--this.todo === 0 && this.timed) {
      this.timed = false;
      this.loop._cancelTimer(this);
    }
  }
  _fire(): void {
    this.timed = false;
    this.timedOut = true;
    for (const w of this.waiters.splice(0)) w.fail(new TimeoutError('asCompleted: timed out'));
  }
  next(): Promise<IteratorResult<Task<T>>> {
    const task = taskStorage.getStore();
    const early = check<IteratorResult<Task<T>>>(task);
    if (early !== null) return early;
    const f = this.done.shift();
    if (f !== undefined) return Promise.resolve({ value: f, done: false });
    if (this.todo === 0) return Promise.resolve({ value: undefined, done: true });
    if (this.timedOut) return Promise.reject(new TimeoutError('asCompleted: timed out'));
    const w = new NextWaiter<T>(this);
    this.waiters.push(w);
    return w.suspend(task);
  }
  return(): Promise<IteratorResult<Task<T>>> {
    this.todo = 0;
    if (this.timed) {
      this.timed = false;
      this.loop._cancelTimer(this);
    }
    return Promise.resolve({ value: undefined, done: true });
  }
  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * Iterates over the awaitables as they complete, yielding the task objects
 * themselves (awaiting a failed one rejects; iterating does not). With `timeout`,
 * the iteration throws `TimeoutError` once it passes. Nothing is cancelled.
 *
 * @example
 * ```ts
 * for await (const t of asCompleted(urls.map((u) => () => fetchPage(u)))) {
 *   try { console.log(await t); } catch (e) { console.error(e); }
 * }
 * ```
 *
 * Cancellation: each step is a cancellation point; the awaitables go on.
 */
export function asCompleted<T>(
  aws: Iterable<Awaitable<T>>,
  opts?: { timeout?: Duration | null },
): AsyncIterableIterator<Task<T>> {
  const ms = toMilliseconds(opts?.timeout, 'asCompleted timeout');
  const futures = new Set<Task<T>>();
  for (const aw of aws) futures.add(ensureFuture(aw) as Task<T>);
  const loop = taskStorage.getStore()?._loop ?? [...futures][0]?._loop ?? _ambientLoop();
  return new AsCompleted<T>(futures, loop, ms);
}

// ---- shield ----

class ShieldWaiter<T> extends Waiter<T> implements DoneListener {
  inner: BaseFuture<T>;
  outerCancelled = false;
  constructor(inner: BaseFuture<T>) {
    super();
    this.inner = inner;
  }
  _onDone(f: BaseFuture<unknown>): void {
    if (this.outerCancelled) {
      if (!f.cancelled()) f.exception(); // retrieved: the shielded work may fail silently
      return;
    }
    if (f._state === DONE) this.wake(f._value as T);
    else if (f.cancelled()) this.fail(f._value);
    else this.fail(f.exception());
  }
  override detach(): void {
    this.outerCancelled = true;
  }
  override describe(): string {
    return `shield(${this.inner.toString()})`;
  }
}

/**
 * Waits for `aw` while protecting it from cancellation: cancelling the waiting task
 * makes this await throw `CancelledError`, but the inner work goes on.
 *
 * @example
 * ```ts
 * const save = createTask(() => saveResults());
 * await shield(save); // a Ctrl-C here does not interrupt the save
 * ```
 *
 * Cancellation: a cancellation point for the caller only.
 */
export function shield<T>(aw: Awaitable<T>): Promise<T> {
  const task = taskStorage.getStore();
  let inner: BaseFuture<T>;
  try {
    inner = ensureFuture(aw);
  } catch (e) {
    return Promise.reject(e);
  }
  if (inner.done()) return inner._promise() as Promise<T>;
  const early = check<T>(task);
  if (early !== null) return early;
  const w = new ShieldWaiter<T>(inner);
  const p = w.suspend(task);
  inner._addListener(w);
  return p;
}

// ---- cancellable ----

class ForeignWaiter<T> extends Waiter<T> {
  cancelled = false;
  override detach(): void {
    this.cancelled = true;
  }
  override describe(): string {
    return 'cancellable(promise)';
  }
}

/**
 * Awaits a foreign promise (one the library did not make) as a cancellation point:
 * if the current task is cancelled first, this rejects with `CancelledError` at once
 * and the promise's eventual outcome is ignored. Outside a task it is the promise
 * itself.
 *
 * @example
 * ```ts
 * const rows = await cancellable(pool.query('SELECT 1'));
 * ```
 *
 * Cancellation: the point of it. The foreign work itself is not stopped: give it
 * `currentTask()?.signal` when it accepts an `AbortSignal`.
 */
export function cancellable<T>(p: PromiseLike<T>): Promise<T> {
  const task = taskStorage.getStore();
  if (task === undefined || p instanceof BaseFuture) return Promise.resolve(p);
  if (task._mustCancel) return Promise.reject(task._takeCancel());
  const w = new ForeignWaiter<T>();
  const r = w.suspend(task);
  p.then(
    (v) => {
      if (!w.cancelled) w.wake(v);
    },
    (e: unknown) => {
      if (!w.cancelled) w.fail(e);
    },
  );
  return r;
}
