/**
 * Semaphores: `Semaphore` (at most N holders at once) and `BoundedSemaphore`
 * (the same, and releasing more than was acquired is an error).
 *
 * @module
 */
import { inspect } from 'node:util';
import { InvalidStateError } from './errors.js';
import { taskStorage } from './_internal/current.js';
import { ListWaiter, RESOLVED_TRUE, WaitList } from './_internal/wait-list.js';
import { waitersText } from './locks.js';

/** A snapshot of a {@link Semaphore}. */
export interface SemaphoreStatistics {
  /** Permits free now. */
  readonly value: number;
  /** The value it was created with. */
  readonly initial: number;
  /** Tasks waiting for a permit. */
  readonly waiters: number;
}

/**
 * A counter of permits: `acquire()` takes one (waiting while none is free),
 * `release()` gives one back. Waiters are served first-come first-served, and
 * every operation is O(1) however many tasks wait.
 *
 * @example
 * ```ts
 * const sem = new Semaphore(10); // at most 10 downloads at once
 * await gather(urls.map((u) => () => sem.run(() => download(u))));
 * ```
 *
 * Cancellation: `acquire()` is a cancellation point; a task cancelled while
 * waiting leaves the queue without a permit. A released permit passes straight to
 * the next waiter, which then holds it even if it is cancelled a moment later
 * (the cancellation arrives at its next await): use `run()` or try/finally.
 */
export class Semaphore {
  /** @internal */ _value: number;
  /** @internal */ readonly _initial: number;
  /** @internal */ readonly _waiters = new WaitList<ListWaiter<true>>('Semaphore.acquire');

  /**
   * @param value - the number of permits (default 1)
   * @throws {RangeError} when `value` is not a non-negative integer
   */
  constructor(value = 1) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new RangeError(`Semaphore value must be a non-negative integer, got ${String(value)}`);
    }
    this._value = value;
    this._initial = value;
  }

  /**
   * Takes a permit, waiting until one is free; resolves with `true`. Does not
   * suspend when a permit is free.
   *
   * Cancellation: a cancellation point; a cancelled waiter loses its place and
   * takes no permit.
   */
  acquire(): Promise<true> {
    const task = taskStorage.getStore();
    if (task !== undefined && task._mustCancel) return Promise.reject(task._takeCancel());
    if (this._value > 0) {
      this._value--;
      return RESOLVED_TRUE;
    }
    const w = new ListWaiter<true>();
    this._waiters.push(w);
    return w.suspend(task);
  }

  /** Gives a permit back, handing it to the first waiter if there is one. */
  release(): void {
    const w = this._waiters.shift();
    if (w !== null) w.wake(true);
    else this._value++;
  }

  /** True when no permit is free (`acquire()` would wait). */
  locked(): boolean {
    return this._value === 0;
  }

  /**
   * Runs `fn` holding a permit: acquires, runs, and releases even when `fn`
   * throws or is cancelled.
   *
   * Cancellation: cancelled while waiting, `fn` never runs; cancelled inside `fn`,
   * the permit is released as the cancellation unwinds.
   */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const task = taskStorage.getStore();
    if (task !== undefined && task._mustCancel) return Promise.reject(task._takeCancel());
    if (this._value > 0) {
      this._value--;
      return this.#runHolding(fn);
    }
    const w = new ListWaiter<true>();
    this._waiters.push(w);
    return w.suspend(task).then(() => this.#runHolding(fn));
  }

  async #runHolding<T>(fn: () => Promise<T> | T): Promise<T> {
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** A frozen snapshot: free permits, the initial value, waiting tasks. */
  statistics(): SemaphoreStatistics {
    return Object.freeze({
      value: this._value,
      initial: this._initial,
      waiters: this._waiters.size,
    });
  }

  /** `<Semaphore value=0/10 waiters=3>` */
  toString(): string {
    return `<${this.constructor.name} value=${this._value}/${this._initial}${waitersText(this._waiters.size)}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * A {@link Semaphore} that refuses to be released more times than it was
 * acquired: catches a double release instead of silently raising the limit.
 *
 * @example
 * ```ts
 * const pool = new BoundedSemaphore(5);
 * await pool.acquire();
 * pool.release();
 * pool.release(); // throws InvalidStateError
 * ```
 *
 * Cancellation: as {@link Semaphore}.
 */
export class BoundedSemaphore extends Semaphore {
  /**
   * Gives a permit back.
   *
   * @throws {InvalidStateError} when that would raise the value above the
   *   initial one
   */
  override release(): void {
    if (this._waiters.size === 0 && this._value >= this._initial) {
      throw new InvalidStateError(
        `BoundedSemaphore.release(): released more times than acquired (value is already ${this._initial})`,
      );
    }
    super.release();
  }
}
