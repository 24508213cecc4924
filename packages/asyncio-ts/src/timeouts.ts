/**
 * Timeout scopes: a deadline over a block of code; when it passes, the work inside
 * is cancelled and `TimeoutError` comes out of the scope.
 *
 * @module
 */
import { inspect } from 'node:util';
import { InvalidStateError, TimeoutError, isCancelled } from './errors.js';
import { toMilliseconds, type Duration } from './durations.js';
import { taskStorage } from './_internal/current.js';
import { SCHEDULED, type TimerEntry } from './_internal/timer-heap.js';
import type { EventLoop } from './loop.js';
import { createTask, type Task } from './tasks.js';

const CREATED = 0;
const ENTERED = 1;
const EXPIRING = 2;
const EXPIRED = 3;
const EXITED = 4;
const STATES = ['created', 'active', 'expiring', 'expired', 'finished'];

class Deadline implements TimerEntry {
  when: number;
  seq = 0;
  state = SCHEDULED;
  scope: Timeout;
  constructor(when: number, scope: Timeout) {
    this.when = when;
    this.scope = scope;
  }
  _fire(): void {
    this.scope._expire();
  }
}

/**
 * The scope object a `timeout()` body receives: look at or move its deadline.
 *
 * @example
 * ```ts
 * await timeout('5s', async (scope) => {
 *   await connect();
 *   scope.reschedule(getRunningLoop().time() + 30_000); // connected: allow 30 s more
 *   await transfer();
 * });
 * ```
 */
export class Timeout {
  #when: number | null;
  #state = CREATED;
  #task: Task<unknown> | null = null;
  #loop: EventLoop | null = null;
  #cancellingAtEntry = 0;
  #deadline: Deadline | null = null;

  /** @internal use `timeout()` / `timeoutAt()` */
  constructor(when: number | null) {
    this.#when = when;
  }

  /** The deadline, in loop time (ms), or `null` for none. */
  when(): number | null {
    return this.#when;
  }

  /**
   * Moves the deadline to `when` (loop time in ms; `null` removes it). A deadline
   * already in the past expires the scope on the next turn of the loop.
   */
  reschedule(when: number | null): void {
    if (this.#state === CREATED) {
      this.#when = when;
      return;
    }
    if (this.#state !== ENTERED) {
      throw new InvalidStateError(`cannot reschedule a timeout that is ${STATES[this.#state]}`);
    }
    if (when !== null && (typeof when !== 'number' || Number.isNaN(when))) {
      throw new TypeError(`reschedule() needs a loop time in ms or null, got ${String(when)}`);
    }
    this.#when = when;
    this.#disarm();
    if (when !== null) this.#arm(when);
  }

  /** True once the deadline passed and the scope cancelled its work. */
  expired(): boolean {
    return this.#state === EXPIRING || this.#state === EXPIRED;
  }

  /** @internal */
  _enter(task: Task<unknown>): void {
    this.#task = task;
    this.#loop = task._loop;
    this.#state = ENTERED;
    this.#cancellingAtEntry = task.cancelling();
    if (this.#when !== null) this.#arm(this.#when);
  }

  /** @internal Returns the error to throw at the boundary (or `err` unchanged). */
  _exit(err: unknown, failed: boolean): unknown {
    this.#disarm();
    if (this.#state === EXPIRING) {
      this.#state = EXPIRED;
      if (this.#task!.uncancel() <= this.#cancellingAtEntry && failed && isCancelled(err)) {
        return new TimeoutError(`timed out after the deadline of ${this.#describeDeadline()}`, {
          cause: err,
        });
      }
    } else {
      this.#state = EXITED;
    }
    return err;
  }

  /** @internal */
  _expire(): void {
    this.#deadline = null;
    if (this.#state !== ENTERED) return;
    this.#state = EXPIRING;
    this.#task!.cancel('timeout');
  }

  #arm(when: number): void {
    const d = new Deadline(when, this);
    this.#deadline = d;
    this.#loop!._addTimer(d);
  }

  #disarm(): void {
    const d = this.#deadline;
    if (d !== null) {
      this.#deadline = null;
      if (d.state === SCHEDULED) this.#loop!._cancelTimer(d);
    }
  }

  #describeDeadline(): string {
    return this.#when === null ? 'none' : `${Math.round(this.#when * 1000) / 1000} ms (loop time)`;
  }

  toString(): string {
    return `<Timeout ${STATES[this.#state]} when=${this.#when === null ? 'none' : this.#when}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * Runs `fn` with a deadline `delay` from now (`null`: no deadline). When the deadline
 * passes, the current task is cancelled; the `CancelledError` unwinds `fn` and is
 * turned into `TimeoutError` at this scope's boundary (and only here: an outer
 * cancellation passes through as `CancelledError`, and nested scopes convert only
 * their own expiry).
 *
 * @example
 * ```ts
 * try {
 *   await timeout('2s', async () => { await slowOperation(); });
 * } catch (e) {
 *   if (e instanceof TimeoutError) console.log('gave up');
 * }
 * ```
 *
 * Cancellation: the body is cancelled at its current library await. A body blocked
 * on a foreign promise is not interrupted until it reaches one; wrap such promises
 * in `cancellable()`. Outside a task, the body runs in a new task.
 *
 * @throws {TimeoutError} when the deadline passed and the body was cancelled by it
 */
export function timeout<T>(
  delay: Duration | null,
  fn: (scope: Timeout) => Promise<T> | T,
): Promise<T> {
  let ms: number | null;
  try {
    ms = toMilliseconds(delay, 'timeout delay');
  } catch (e) {
    return Promise.reject(e);
  }
  const task = taskStorage.getStore();
  if (task === undefined) {
    return createTask(() => timeout(delay, fn), { name: 'timeout' }).then();
  }
  return runScope(task, new Timeout(ms === null ? null : task._loop.time() + ms), fn);
}

/**
 * Like {@link timeout} with an absolute deadline in loop time (`loop.time()` ms);
 * `null` means no deadline.
 */
export function timeoutAt<T>(
  when: number | null,
  fn: (scope: Timeout) => Promise<T> | T,
): Promise<T> {
  if (when !== null && (typeof when !== 'number' || Number.isNaN(when))) {
    return Promise.reject(
      new TypeError(`timeoutAt needs a loop time in ms or null, got ${String(when)}`),
    );
  }
  const task = taskStorage.getStore();
  if (task === undefined) {
    return createTask(() => timeoutAt(when, fn), { name: 'timeoutAt' }).then();
  }
  return runScope(task, new Timeout(when), fn);
}

async function runScope<T>(
  task: Task<unknown>,
  scope: Timeout,
  fn: (scope: Timeout) => Promise<T> | T,
): Promise<T> {
  if (task._mustCancel) throw task._takeCancel();
  scope._enter(task);
  let result: T;
  try {
    result = await fn(scope);
  } catch (e) {
    throw scope._exit(e, true);
  }
  scope._exit(undefined, false);
  return result;
}
