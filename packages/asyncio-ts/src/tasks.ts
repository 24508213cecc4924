/**
 * Tasks: coroutines (async functions) scheduled on the loop, cancellable at every
 * library await.
 *
 * @module
 */
import { CancelledError, isCancelled } from './errors.js';
import { taskStorage } from './_internal/current.js';
import { loopHooks } from './_internal/hooks.js';
import type { Waiter } from './_internal/waiter.js';
import { _ambientLoop, type EventLoop, type Runnable } from './loop.js';
import {
  BaseFuture,
  CANCEL_IN_FLIGHT,
  CANCEL_SHIFT,
  CANCELLED_STATE,
  DONE,
  FAILED,
  MUST_CANCEL,
  ONE_CANCEL,
  OWN_CONTEXT,
  PENDING,
  RUNNING,
} from './futures.js';

/** Options of `createTask`. */
export interface TaskOptions {
  /** A name for diagnostics (the task tree, error reports). Default `Task-<n>`. */
  name?: string;
  /**
   * Start the body synchronously, inside `createTask`, instead of on the next turn
   * of the loop (asyncio's eager tasks). A body that finishes without awaiting never
   * touches the loop's queue.
   */
  eager?: boolean;
}

/** @internal ContextVar values of a task. */
export type ContextMap = Map<unknown, unknown>;

let taskIds = 0;

/** @internal What most tasks never use: made on first use. */
export class TaskExtra {
  name: string | undefined = undefined;
  cancelMsg: string | undefined = undefined;
  ac: AbortController | null = null;
  createdAt: string | undefined = undefined;
}

/** @internal */
export const rootContext: { map: ContextMap; own: boolean } = { map: new Map(), own: true };

/**
 * A running coroutine: the unit of concurrency. Create one with `createTask`; await
 * it like a promise.
 *
 * @example
 * ```ts
 * const t = createTask(async () => { await sleep('1s'); return 42; }, { name: 'answer' });
 * t.cancel();          // delivered as CancelledError at the task's current await
 * await t;             // rejects with CancelledError
 * ```
 *
 * Cancellation: `cancel()` arrives as `CancelledError` at the library await the task
 * is blocked in (sleep, a queue, a lock, another task...), or at its next one if it
 * is running or awaiting a foreign promise. A body that catches it and returns
 * normally completes normally, and so does a body that returns before any library
 * await could deliver it (nothing it was handed is dropped). Awaiting a task is a
 * cancellation point, and cancelling the awaiting task cancels the awaited one.
 */
export class Task<T> extends BaseFuture<T> implements Runnable {
  // Fields are few on purpose (a task is 128 bytes): the booleans and the count of
  // cancellation requests share `_flags`, what most tasks never use sits in `_extra`,
  // made on demand, and `_value` (the result, once done) holds the body until it
  // starts and, while the task is in a shared sleep(0), that sleep's promise.
  /** @internal */ readonly _id: number;
  /** @internal the library await the task is blocked in */ _waiter: Waiter<unknown> | null = null;
  /** @internal */ _context: ContextMap;
  /** @internal */ _parent: Task<unknown> | undefined;
  /** @internal the loop's list of live tasks */ _prevLive: Task<unknown> | null = null;
  /** @internal */ _nextLive: Task<unknown> | null = null;
  /** @internal rarely used state */ _extra: TaskExtra | null = null;

  /** @internal Use `createTask()`. */
  constructor(
    loop: EventLoop,
    fn: () => Promise<T> | T,
    name: string | undefined,
    parent: Task<unknown> | undefined,
  ) {
    super(loop);
    this._value = fn; // the body, until it starts
    this._id = ++taskIds;
    this._parent = parent;
    if (name !== undefined) this._x().name = name;
    // Copy-on-write: the new task shares its creator's values until either side
    // sets one; then that side copies the map first.
    if (parent !== undefined) {
      this._context = parent._context;
      parent._flags &= ~OWN_CONTEXT;
    } else {
      this._context = rootContext.map;
      rootContext.own = false;
    }
  }

  /** @internal A cancellation was requested and not delivered yet. */
  get _mustCancel(): boolean {
    return (this._flags & MUST_CANCEL) !== 0;
  }

  /** @internal The task has its own copy of the ContextVar values. */
  get _ownContext(): boolean {
    return (this._flags & OWN_CONTEXT) !== 0;
  }
  set _ownContext(v: boolean) {
    if (v) this._flags |= OWN_CONTEXT;
    else this._flags &= ~OWN_CONTEXT;
  }

  /** @internal debug mode: where the task was created */
  get _createdAt(): string | undefined {
    return this._extra?.createdAt;
  }
  set _createdAt(v: string | undefined) {
    this._x().createdAt = v;
  }

  /** @internal */
  _x(): TaskExtra {
    return (this._extra ??= new TaskExtra());
  }

  /** The task's name. */
  get name(): string {
    return this._extra?.name ?? `Task-${this._id}`;
  }
  set name(v: string) {
    this._x().name = String(v);
  }

  /**
   * An `AbortSignal` that aborts when the task is cancelled or finishes: pass it
   * to APIs that take one (fetch, undici, fs/promises, database drivers). Created
   * on first use.
   */
  get signal(): AbortSignal {
    const x = this._x();
    let ac = x.ac;
    if (ac === null) {
      ac = x.ac = new AbortController();
      if (this._state >= DONE) ac.abort(new CancelledError('the task has finished'));
      else if (this._flags >= ONE_CANCEL) ac.abort(new CancelledError(x.cancelMsg ?? ''));
    }
    return ac.signal;
  }

  /**
   * Requests cancellation. Returns false if the task is already done. The request
   * is delivered once, as `CancelledError(msg)`, at the task's current or next
   * library await; a task cancelled before its body starts never runs its body.
   */
  cancel(msg?: string): boolean {
    if (this._state >= DONE) return false;
    this._flags += ONE_CANCEL;
    const ac = this._extra?.ac;
    if (ac != null && !ac.signal.aborted) ac.abort(new CancelledError(msg ?? ''));
    // One CancelledError is already on its way to the body: as in asyncio, a second
    // cancel() before the task resumes only counts.
    if ((this._flags & CANCEL_IN_FLIGHT) !== 0) return true;
    const w = this._waiter;
    if (w !== null && w.onCancel(msg ?? '', this)) {
      // A waiter that left (rather than forwarding to what it awaits) has rejected.
      if (this._waiter !== w) markInFlight(this);
      return true;
    }
    this._flags |= MUST_CANCEL;
    if (msg !== undefined || this._extra !== null) this._x().cancelMsg = msg;
    return true;
  }

  /** How many cancellation requests are pending (not yet `uncancel`ed). */
  cancelling(): number {
    return this._flags >>> CANCEL_SHIFT;
  }

  /**
   * Decrements the count of cancellation requests and returns it. Used by
   * structured constructs (timeouts, task groups) that cancel a task themselves and
   * then absorb that cancellation. When the count reaches zero, a cancellation that
   * was requested but not yet delivered is dropped.
   */
  uncancel(): number {
    if (this._flags >= ONE_CANCEL) {
      this._flags -= ONE_CANCEL;
      if (this._flags < ONE_CANCEL) {
        this._flags &= ~MUST_CANCEL;
        // The cancellation was absorbed (by a timeout, a task group): hand out a
        // fresh signal from now on, or every later fetch(url, { signal }) would fail.
        const x = this._extra;
        if (x !== null && x.ac !== null && x.ac.signal.aborted && this._state < DONE) x.ac = null;
      }
    }
    return this._flags >>> CANCEL_SHIFT;
  }

  /** @internal Runs the body (called from the loop's ready queue). */
  _run(): void {
    if (this._state !== PENDING) return;
    if ((this._flags & MUST_CANCEL) !== 0) {
      this._flags &= ~MUST_CANCEL;
      this._finishCancelled(new CancelledError(this._extra?.cancelMsg ?? ''));
      return;
    }
    this._state = RUNNING;
    taskStorage.run(this, startBody, this as Task<unknown>);
  }

  /** @internal Takes a pending, undelivered cancellation. */
  _takeCancel(): CancelledError {
    this._flags &= ~MUST_CANCEL;
    return new CancelledError(this._extra?.cancelMsg ?? '');
  }

  /** @internal */
  _finish(value: unknown, isError: boolean): void {
    this._waiter = null;
    if (isError) {
      if (isCancelled(value)) this._finishCancelled(value);
      else this._end(FAILED, value);
    } else {
      // A cancellation that never reached a library await does not turn a normal
      // return into a cancellation: what the body returns may be a queue item or a
      // permit it was handed just before the cancel() (asyncio would have thrown at
      // that await; here the handoff has already happened), and dropping it would
      // lose it. The request still shows in cancelling().
      this._flags &= ~MUST_CANCEL;
      this._end(DONE, value);
    }
  }

  /** @internal */
  _finishCancelled(err: CancelledError): void {
    this._end(CANCELLED_STATE, err);
  }

  /** @internal */
  _end(state: number, value: unknown): void {
    this._loop._untrack(this);
    const x = this._extra;
    if (x !== null) {
      if (x.createdAt !== undefined) loopHooks.taskEnded?.(this);
      const ac = x.ac;
      if (ac !== null && !ac.signal.aborted) ac.abort(new CancelledError('the task has finished'));
    }
    this._complete(state, value);
  }

  /** @internal */
  _label(): string {
    const extra =
      this._state === RUNNING && this._waiter !== null ? ` ${this._waiter.describe()}` : '';
    return `<Task '${this.name}' ${this._stateName()}${extra}>`;
  }
}

// The body's completion is observed with two shared handlers instead of an async
// wrapper or per-task closures: a reaction registered inside the task's ALS context
// runs in that context, so the handler finds its task with getStore(). This saves
// about 400 bytes per pending task (measured: bench/RESULTS.md, W2).
// Tasks whose CancelledError is on its way; cleared once the microtasks that resume
// them have run (one batch, no closure per cancellation).
let inFlight: Task<unknown>[] = [];
function markInFlight(t: Task<unknown>): void {
  t._flags |= CANCEL_IN_FLIGHT;
  if (inFlight.push(t) === 1) queueMicrotask(clearInFlight);
}
function clearInFlight(): void {
  const list = inFlight;
  inFlight = [];
  for (let i = 0; i < list.length; i++) list[i]!._flags &= ~CANCEL_IN_FLIGHT;
}

function startBody(task: Task<unknown>): void {
  const fn = task._value as () => unknown;
  task._value = undefined;
  let r: unknown;
  try {
    r = fn();
  } catch (e) {
    task._finish(e, true);
    return;
  }
  if (r instanceof Promise) {
    r.then(onBodyResolved, onBodyRejected);
  } else if (
    r !== null &&
    typeof r === 'object' &&
    typeof (r as PromiseLike<unknown>).then === 'function'
  ) {
    // A foreign thenable (or a library future): adopt it into a native promise so
    // the handlers run in this task's context.
    Promise.resolve(r).then(onBodyResolved, onBodyRejected);
  } else {
    task._finish(r, false);
  }
}

function onBodyResolved(v: unknown): void {
  taskStorage.getStore()!._finish(v, false);
}

function onBodyRejected(e: unknown): void {
  taskStorage.getStore()!._finish(e, true);
}

/** @internal */
export function _newTask<T>(
  loop: EventLoop,
  parent: Task<unknown> | undefined,
  fn: () => Promise<T> | T,
  opts: TaskOptions | undefined,
): Task<T> {
  if (typeof fn !== 'function') {
    const what =
      fn !== null && typeof (fn as { then?: unknown }).then === 'function'
        ? 'a promise (already running, it cannot be cancelled)'
        : typeof fn;
    throw new TypeError(`createTask needs a function, e.g. createTask(() => work()); got ${what}`);
  }
  const t = new Task<T>(loop, fn, opts?.name, parent);
  if (loopHooks.recordSites) t._createdAt = new Error('created here').stack;
  loop._track(t);
  if (opts?.eager === true) t._run();
  else loop._schedule(t);
  return t;
}

loopHooks.createTask = <T>(
  loop: EventLoop,
  fn: () => Promise<T> | T,
  opts?: TaskOptions,
): Task<T> => _newTask(loop, taskStorage.getStore(), fn, opts);

/**
 * Schedules `fn` as a new task and returns it. The body starts on the next turn of
 * the loop (or at once with `eager: true`); a task cancelled before it starts never
 * runs its body. The task inherits a copy of the current ContextVar values.
 *
 * @example
 * ```ts
 * const t = createTask(() => fetchPage(url), { name: `fetch ${url}` });
 * const page = await t;
 * ```
 *
 * @throws {TypeError} when `fn` is not a function (a promise is already running
 *   and cannot be turned into a cancellable task)
 */
export function createTask<T>(fn: () => Promise<T> | T, opts?: TaskOptions): Task<T> {
  const parent = taskStorage.getStore();
  const loop = parent !== undefined ? parent._loop : _ambientLoop();
  return _newTask(loop, parent, fn, opts);
}

/** The task whose code is running now, or `null` outside any task. */
export function currentTask(): Task<unknown> | null {
  return taskStorage.getStore() ?? null;
}

/** Every task of the current loop that is not done yet. */
export function allTasks(): Set<Task<unknown>> {
  const loop = taskStorage.getStore()?._loop ?? _ambientLoop();
  return new Set(loop._liveTasks());
}
