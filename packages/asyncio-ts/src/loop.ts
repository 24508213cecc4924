/**
 * The event loop facade: time, `callSoon` / `callLater` / `callAt`, the exception
 * handler and debug mode, over Node's own event loop.
 *
 * Node already runs the real event loop; this object is asyncio's view of it. It
 * owns a ready queue (flushed once per turn of Node's loop with `setImmediate`, so
 * `sleep(0)` really yields to I/O), one timer heap driven by a {@link Clock}, the
 * set of live tasks, and the default executor.
 *
 * @module
 */
import { inspect } from 'node:util';
import { RealClock, type Clock, type ClockHost } from './clock.js';
import { toMilliseconds, toMillisecondsRequired, type Duration } from './durations.js';
import { InvalidStateError } from './errors.js';
import { TimerHeap, SCHEDULED, CANCELLED, FIRED, type TimerEntry } from './_internal/timer-heap.js';
import type { Task, TaskOptions } from './tasks.js';
import type { Future } from './futures.js';
import { loopHooks } from './_internal/hooks.js';
import { taskStorage } from './_internal/current.js';
import { _registerLoop } from './inspect.js';

/** The store of code that runs outside any task. */
const NO_TASK = undefined as unknown as Task<unknown>;

/** @internal Anything the loop can run from its ready queue. */
export interface Runnable {
  _run(): void;
}

/** What the exception handler receives. */
export interface ExceptionContext {
  /** A one-line description of what happened. */
  message: string;
  /** The error, when there is one. */
  error?: unknown;
  /** The task concerned, when there is one. */
  task?: Task<unknown>;
  /** The future concerned, when there is one. */
  future?: Future<unknown>;
}

/** A function that receives errors no one else could handle. */
export type ExceptionHandler = (context: ExceptionContext, loop: EventLoop) => void;

/**
 * Runs functions off the loop (see `asyncio-ts/executor`). Any object with this
 * shape can be passed to `loop.runInExecutor`.
 */
export interface Executor {
  /** Runs `fn(...args)` off the loop and settles with its result. */
  run<A extends unknown[], R>(fn: (...args: A) => R | Promise<R>, ...args: A): Promise<R>;
  /** Releases the executor's resources. */
  shutdown?(opts?: { wait?: boolean; cancelFutures?: boolean }): Promise<void> | void;
}

/** A scheduled callback; `cancel()` stops it if it has not run yet. */
export class Handle implements Runnable {
  /** @internal */ _cb: ((...args: never[]) => void) | null;
  /** @internal */ _args: unknown[];
  /** @internal */ _loop: EventLoop;
  constructor(loop: EventLoop, cb: (...args: never[]) => void, args: unknown[]) {
    this._loop = loop;
    this._cb = cb;
    this._args = args;
  }
  /** Stops the callback from running; no effect once it ran. */
  cancel(): void {
    this._cb = null;
  }
  /** True after `cancel()`. */
  cancelled(): boolean {
    return this._cb === null;
  }
  /** @internal */
  _run(): void {
    const cb = this._cb as ((...args: unknown[]) => void) | null;
    if (cb === null) return;
    this._cb = null;
    try {
      cb(...this._args);
    } catch (error) {
      this._loop.callExceptionHandler({
        message: `Exception in callback ${cb.name || 'anonymous'}`,
        error,
      });
    }
  }
}

/** A callback scheduled at a point in time; `cancel()` removes it. */
export class TimerHandle extends Handle implements TimerEntry {
  /** The loop time (ms) at which the callback runs. */
  when: number;
  /** @internal */ seq = 0;
  /** @internal */ state = SCHEDULED;
  constructor(loop: EventLoop, when: number, cb: (...args: never[]) => void, args: unknown[]) {
    super(loop, cb, args);
    this.when = when;
  }
  override cancel(): void {
    this._cb = null;
    if (this.state === SCHEDULED) this._loop._cancelTimer(this);
  }
  /** @internal */
  _fire(): void {
    this._run();
  }
}

let loopIds = 0;

/**
 * The event loop facade. Get the current one with `getRunningLoop()`.
 *
 * @example
 * ```ts
 * const loop = getRunningLoop();
 * const h = loop.callLater('1s', () => console.log('a second passed', loop.time()));
 * h.cancel();
 * ```
 */
export class EventLoop implements ClockHost {
  /** The clock this loop reads time from. */
  readonly clock: Clock;
  /**
   * In debug mode, a callback or task step running longer than this (ms) is
   * reported as blocking the loop. Default 100.
   */
  slowCallbackDuration = 100;
  /** @internal */ readonly _id = ++loopIds;
  /** @internal live tasks (held strongly, outside debug mode): an intrusive list */
  _taskHead: Task<unknown> | null = null;
  /** @internal */ _taskCount = 0;
  /** @internal live tasks created in debug mode (held weakly, so that a pending
   * task no one can reach is collected and reported) */
  _weakTasks = new Map<number, WeakRef<Task<unknown>>>();
  /** @internal */ _defaultExecutor: Executor | null = null;
  #ready: Runnable[] = [];
  #spare: Runnable[] = [];
  #flushScheduled = false;
  #timers = new TimerHeap();
  #armedFor = Infinity;
  #seq = 0;
  #handler: ExceptionHandler | null = null;
  #debug = false;
  #closed = false;

  constructor(opts: { clock?: Clock; debug?: boolean } = {}) {
    this.clock = opts.clock ?? new RealClock();
    if (opts.debug) this.setDebug(true);
    _registerLoop(this);
  }

  /** The loop's current time in milliseconds, from its clock. */
  time(): number {
    return this.clock.now();
  }

  /** Runs `cb(...args)` on the next turn of the loop. */
  callSoon<A extends unknown[]>(cb: (...args: A) => void, ...args: A): Handle {
    this.#checkOpen('callSoon');
    const h = new Handle(this, cb as unknown as (...args: never[]) => void, args);
    this._schedule(h);
    return h;
  }

  /** Runs `cb(...args)` after `delay` (ms or a duration string). */
  callLater<A extends unknown[]>(
    delay: Duration,
    cb: (...args: A) => void,
    ...args: A
  ): TimerHandle {
    const ms = toMillisecondsRequired(delay, 'callLater delay');
    return this.callAt(this.clock.now() + ms, cb, ...args);
  }

  /** Runs `cb(...args)` when `loop.time()` reaches `when`. */
  callAt<A extends unknown[]>(when: number, cb: (...args: A) => void, ...args: A): TimerHandle {
    this.#checkOpen('callAt');
    if (typeof when !== 'number' || Number.isNaN(when)) {
      throw new TypeError(`callAt needs a loop time in ms, got ${String(when)}`);
    }
    const h = new TimerHandle(this, when, cb as unknown as (...args: never[]) => void, args);
    this._addTimer(h);
    return h;
  }

  /** Creates a pending {@link Future} bound to this loop. */
  createFuture<T>(): Future<T> {
    return loopHooks.createFuture!<T>(this);
  }

  /** Creates a task on this loop; see the global `createTask`. */
  createTask<T>(fn: () => Promise<T> | T, opts?: TaskOptions): Task<T> {
    return loopHooks.createTask!(this, fn, opts);
  }

  /**
   * Runs `fn(...args)` in an executor (a worker-thread pool) and resolves with its
   * result. `null` means the loop's default executor, which exists once
   * `asyncio-ts/executor` has been imported.
   */
  runInExecutor<A extends unknown[], R>(
    executor: Executor | null,
    fn: (...args: A) => R | Promise<R>,
    ...args: A
  ): Promise<R> {
    let ex = executor;
    if (ex === null) {
      if (this._defaultExecutor === null && loopHooks.createDefaultExecutor !== undefined) {
        this._defaultExecutor = loopHooks.createDefaultExecutor(this);
      }
      ex = this._defaultExecutor;
    }
    if (ex === null) {
      return Promise.reject(
        new InvalidStateError(
          "runInExecutor(null, ...) needs a default executor: import 'asyncio-ts/executor' once, or pass an executor",
        ),
      );
    }
    return ex.run(fn, ...args);
  }

  /** Replaces the exception handler (`null` restores the default, which logs to stderr). */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    this.#handler = handler;
  }

  /** The current exception handler, or `null` for the default one. */
  getExceptionHandler(): ExceptionHandler | null {
    return this.#handler;
  }

  /** Reports an error no one else could handle, through the exception handler. */
  callExceptionHandler(context: ExceptionContext): void {
    const h = this.#handler;
    if (h !== null) {
      try {
        h(context, this);
        return;
      } catch (error) {
        defaultExceptionHandler(
          { message: 'Unhandled error in the exception handler', error },
          this,
        );
      }
    }
    defaultExceptionHandler(context, this);
  }

  /** True in debug mode. */
  getDebug(): boolean {
    return this.#debug;
  }

  /**
   * Turns debug mode on or off: slow callbacks and task steps are reported, task
   * creation sites are recorded, pending tasks that are garbage-collected are
   * reported, and `CancelledError`s carry stack traces.
   */
  setDebug(on: boolean): void {
    if (on === this.#debug) return;
    this.#debug = on;
    loopHooks.setDebug?.(this, on);
  }

  #checkOpen(what: string): void {
    if (this.#closed) {
      throw new InvalidStateError(`${what}: the event loop is closed (its run() has ended)`);
    }
  }

  /** True once the loop was closed (its `run()` ended). */
  isClosed(): boolean {
    return this.#closed;
  }

  toString(): string {
    return `<EventLoop #${this._id} ${this.#closed ? 'closed' : 'open'} tasks=${this._taskCount + this._weakTasks.size} timers=${this.#timers.live} debug=${this.#debug}>`;
  }

  /** @internal */
  _close(): void {
    this.#closed = true;
    this.#timers.clear();
    this.#armedFor = Infinity;
    this.clock.schedule(null, this);
    this.clock.close?.();
  }

  /** @internal */
  _track(t: Task<unknown>): void {
    if (this.#debug) {
      this._weakTasks.set(t._id, new WeakRef(t));
      pendingTaskRegistry.register(
        t,
        { loop: this, id: t._id, label: t.name, createdAt: t._createdAt },
        t,
      );
    } else {
      const head = this._taskHead;
      t._nextLive = head;
      if (head !== null) head._prevLive = t;
      this._taskHead = t;
      this._taskCount++;
    }
  }

  /** @internal */
  _untrack(t: Task<unknown>): void {
    const prev = t._prevLive;
    const next = t._nextLive;
    if (prev !== null || this._taskHead === t) {
      if (prev !== null) prev._nextLive = next;
      else this._taskHead = next;
      if (next !== null) next._prevLive = prev;
      t._prevLive = t._nextLive = null;
      this._taskCount--;
    } else if (this._weakTasks.delete(t._id)) {
      pendingTaskRegistry.unregister(t);
    }
  }

  /** @internal */
  _liveTasks(): Task<unknown>[] {
    const out: Task<unknown>[] = [];
    for (let t = this._taskHead; t !== null; t = t._nextLive) out.push(t);
    for (const ref of this._weakTasks.values()) {
      const t = ref.deref();
      if (t !== undefined) out.push(t);
    }
    return out;
  }

  /** @internal Number of scheduled timers (for tests and inspection). */
  _timerCount(): number {
    return this.#timers.live;
  }

  /** @internal Puts a runnable on the ready queue. */
  _schedule(r: Runnable): void {
    this.#ready.push(r);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flush);
    }
  }

  // Callbacks and timers run outside any task's context: the Node immediate or
  // timer that drives them was created inside whichever task scheduled first.
  // run(undefined) rather than exit(): when ours is the only AsyncLocalStorage,
  // exit() turns Node's promise hooks off and on again, which costs ~10 us a turn.
  readonly #flush = (): void => {
    taskStorage.run(NO_TASK, this.#runReady);
  };

  readonly #runReady = (): void => {
    const q = this.#ready;
    this.#ready = this.#spare;
    this.#flushScheduled = false;
    this._flushes++;
    if (loopHooks.measure) {
      loopHooks.runReadyMeasured!(this, q);
    } else {
      for (let i = 0; i < q.length; i++) q[i]!._run();
    }
    q.length = 0;
    this.#spare = q;
  };

  /** @internal */
  _addTimer(e: TimerEntry): void {
    e.seq = ++this.#seq;
    e.state = SCHEDULED;
    this.#timers.push(e);
    if (e.when < this.#armedFor) {
      this.#armedFor = e.when;
      this.clock.schedule(e.when, this);
    }
  }

  /** @internal */
  _cancelTimer(e: TimerEntry): void {
    if (e.state !== SCHEDULED) return;
    e.state = CANCELLED;
    if (this.#timers.cancelled()) {
      this.#armedFor = Infinity;
      this.clock.schedule(null, this);
    }
  }

  /** @internal ClockHost: runs every timer that is due. */
  fire(): void {
    taskStorage.run(NO_TASK, this.#fireDue);
  }

  readonly #fireDue = (): void => {
    const timers = this.#timers;
    const limit = this.clock.now() + (this.clock instanceof RealClock ? 1 : 0);
    this.#armedFor = Infinity;
    for (;;) {
      const top = timers.peek();
      if (top === undefined) break;
      if (top.state !== SCHEDULED) {
        timers.pop();
        continue;
      }
      if (top.when > limit) break;
      timers.pop();
      timers.live--;
      top.state = FIRED;
      top._fire();
    }
    const next = timers.peek();
    // Cancelled entries at the top are dropped lazily when they come due.
    if (next !== undefined) {
      this.#armedFor = next.when;
      this.clock.schedule(next.when, this);
    } else {
      this.clock.schedule(null, this);
    }
  };

  /** @internal ClockHost */
  busy(): boolean {
    return this.#ready.length > 0 || this._quiescenceWaiters > 0;
  }

  /** @internal callbacks ready to run */
  _hasReady(): boolean {
    return this.#ready.length > 0;
  }

  /** @internal tasks inside waitAllTasksBlocked(): time must not jump meanwhile */
  _quiescenceWaiters = 0;

  /** @internal how many times the ready queue was flushed (what was scheduled since
   * the last flush runs in flush number `_flushes + 1`) */
  _flushes = 0;
}

const pendingTaskRegistry = new FinalizationRegistry<{
  loop: EventLoop;
  id: number;
  label: string;
  createdAt: string | undefined;
}>((held) => {
  held.loop._weakTasks.delete(held.id);
  held.loop.callExceptionHandler({
    message:
      `Task '${held.label}' was garbage-collected while still pending (nothing could ever resume it)` +
      (held.createdAt !== undefined ? `\n  created at:\n${held.createdAt}` : ''),
  });
});

/** The exception handler used when none is set: one readable report on stderr. */
export function defaultExceptionHandler(context: ExceptionContext, _loop: EventLoop): void {
  const lines = [context.message];
  if (context.task !== undefined) lines.push(`  task: ${String(context.task)}`);
  const e = context.error;
  if (e !== undefined) {
    lines.push(e instanceof Error && e.stack ? e.stack.replace(/^/gm, '  ') : `  ${inspect(e)}`);
  }
  process.stderr.write(lines.join('\n') + '\n');
}

// ---- which loop is current ----

let runningLoop: EventLoop | null = null;
let defaultLoop: EventLoop | null = null;

/** @internal */
export function _setRunningLoop(loop: EventLoop | null): void {
  runningLoop = loop;
}

/** @internal The loop of the active `run()`, if any. */
export function _getRunLoop(): EventLoop | null {
  return runningLoop;
}

/** @internal The loop to use when no task is current. */
export function _ambientLoop(): EventLoop {
  if (runningLoop !== null) return runningLoop;
  if (defaultLoop === null) {
    defaultLoop = new EventLoop({ debug: process.env.ASYNCIO_TS_DEBUG === '1' });
  }
  return defaultLoop;
}

/** @internal */
export function _toMs(d: Duration | null | undefined, what: string): number | null {
  return toMilliseconds(d, what);
}
