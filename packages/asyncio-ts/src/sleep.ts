/**
 * `sleep`: wait for a duration on the loop's clock.
 *
 * @module
 */
import { toMilliseconds, type Duration } from './durations.js';
import { taskStorage } from './_internal/current.js';
import { Waiter } from './_internal/waiter.js';
import { CANCELLED, FIRED, SCHEDULED, type TimerEntry } from './_internal/timer-heap.js';
import { _ambientLoop, type EventLoop, type Runnable } from './loop.js';
import type { Task } from './tasks.js';

// One per sleep (about 100 bytes): the waiter and the timer entry in one object. It
// keeps no loop: only a task can cancel it, and the task knows its loop.
class SleepWaiter<T> extends Waiter<T> implements TimerEntry, Runnable {
  when = 0;
  seq = 0;
  state = SCHEDULED;
  value: T;
  ms: number;
  constructor(ms: number, value: T) {
    super();
    this.ms = ms;
    this.value = value;
  }
  // from the timer heap
  _fire(): void {
    this.wake(this.value);
  }
  // from the ready queue (sleep(0))
  _run(): void {
    if (this.state === SCHEDULED) {
      this.state = FIRED;
      this.wake(this.value);
    }
  }
  override onCancel(msg: string, task?: Task<unknown>): boolean {
    if ((this as SleepWaiter<unknown>) !== yielding) return super.onCancel(msg);
    // A task in a shared sleep(0) takes its cancellation when the turn comes, from
    // the promise its sleep(0) returned (kept in `_value` meanwhile), which may never
    // be awaited: never let that rejection become an unhandled one. A second cancel()
    // meanwhile only counts, as when a waiter has already rejected.
    if (task === undefined || task._mustCancel) return true;
    (task._value as Promise<void>).catch(noop);
    return false;
  }
  override detach(): void {
    if (this.state !== SCHEDULED) return;
    if (this.ms > 0) this.task!._loop._cancelTimer(this);
    else this.state = CANCELLED;
  }
  override describe(): string {
    return `sleep ${this.ms} ms`;
  }
}

// sleep(0): every task that yields before the same turn of the loop waits on one
// promise, which that turn resolves; each call gets a promise derived from it, and
// no waiter or resolvers of its own (W1 and W3b yield 200,000 times). A task
// cancelled meanwhile gets its CancelledError when the turn comes, as in asyncio.
class Turn implements Runnable {
  readonly loop: EventLoop;
  /** the flush of the ready queue that runs it */
  readonly flush: number;
  readonly promise: Promise<void>;
  #resolve: (() => void) | undefined = undefined;
  constructor(loop: EventLoop) {
    this.loop = loop;
    this.flush = loop._flushes + 1;
    this.promise = new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
    loop._schedule(this);
  }
  _run(): void {
    if (turn === this) turn = null;
    this.#resolve!();
  }
}

let turn: Turn | null = null;

/** The waiter of every task in a shared sleep(0). */
const yielding = new SleepWaiter<unknown>(0, undefined);
yielding.state = FIRED;

function noop(): void {}

function afterTurn(): void {
  const task = taskStorage.getStore();
  if (task !== undefined && task._waiter === yielding) {
    task._waiter = null;
    task._value = undefined;
    if (task._mustCancel) throw task._takeCancel();
  }
}

function yieldOnce(loop: EventLoop, task: Task<unknown> | undefined): Promise<void> {
  let t = turn;
  if (t === null || t.loop !== loop || t.flush !== loop._flushes + 1) t = turn = new Turn(loop);
  const p = t.promise.then(afterTurn);
  if (task !== undefined) {
    task._waiter = yielding;
    task._value = p; // unused while the task runs; for onCancel above
  }
  return p;
}

/**
 * Waits for `delay` (ms or `'1.5s'`, `'2m'`...) on the loop's clock, then resolves
 * with `value`. `sleep(0)` yields to the loop once, letting other tasks and I/O run.
 *
 * @example
 * ```ts
 * await sleep('250ms');
 * const v = await sleep(100, 'done'); // 'done'
 * ```
 *
 * Cancellation: a cancellation point; a cancelled sleep removes its timer at once. A
 * task cancelled in `sleep(0)` gets its `CancelledError` when the loop's turn comes
 * (as in asyncio). Under a `VirtualClock` no real time passes.
 */
export function sleep<T = void>(delay: Duration, value?: T): Promise<T> {
  let ms: number | null;
  try {
    ms = toMilliseconds(delay, 'sleep delay');
  } catch (e) {
    return Promise.reject(e);
  }
  if (ms === null)
    return Promise.reject(new TypeError('sleep() needs a finite delay; got no limit'));
  const task = taskStorage.getStore();
  if (task !== undefined && task._mustCancel) return Promise.reject(task._takeCancel());
  const loop = task !== undefined ? task._loop : _ambientLoop();
  if (
    ms === 0 &&
    value === undefined &&
    (task === undefined || (task._waiter !== yielding && task._createdAt === undefined))
  ) {
    return yieldOnce(loop, task) as Promise<T>;
  }
  const w = new SleepWaiter<T>(ms, value as T);
  const p = w.suspend(task);
  if (ms > 0) {
    w.when = loop.time() + ms;
    loop._addTimer(w);
  } else {
    loop._schedule(w);
  }
  return p;
}
