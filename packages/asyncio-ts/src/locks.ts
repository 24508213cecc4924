/**
 * Locks: `Lock` (mutual exclusion), `Event` (a flag tasks wait for) and
 * `Condition` (wait for a notification while holding a lock).
 *
 * Which one? Protect a critical section: `Lock`. Let many tasks wait until
 * something happened once: `Event`. Wait until shared state changes, under a lock:
 * `Condition`. Limit concurrency to N: `Semaphore`. Meet at a point: `Barrier`.
 * Pass items between tasks: `Queue`.
 *
 * @module
 */
import { inspect } from 'node:util';
import { InvalidStateError } from './errors.js';
import { taskStorage } from './_internal/current.js';
import { ListWaiter, RESOLVED_TRUE, WaitList } from './_internal/wait-list.js';
import type { Task } from './tasks.js';

/** A snapshot of a {@link Lock}. */
export interface LockStatistics {
  /** True while some task holds the lock. */
  readonly locked: boolean;
  /** Tasks waiting to acquire it. */
  readonly waiters: number;
}

/** A lock waiter that ignores cancellation (Condition.wait re-acquiring). */
class UninterruptibleWaiter extends ListWaiter<true> {
  override onCancel(): boolean {
    return false; // stays queued; the task sees the cancellation at its next await
  }
}

/**
 * A mutual-exclusion lock for tasks: one holder at a time, waiters served
 * first-come first-served.
 *
 * @example
 * ```ts
 * const lock = new Lock();
 * await lock.run(async () => {
 *   await appendToFile(line); // no other task is inside this block
 * });
 * ```
 *
 * Cancellation: `acquire()` is a cancellation point; a task cancelled while
 * waiting leaves the queue without the lock. The lock is handed straight to the
 * next waiter on `release()`, so a cancellation that arrives after that is seen at
 * the holder's next await, while it holds the lock: use `run()` (or try/finally)
 * and the lock is always released.
 */
export class Lock {
  #locked = false;
  readonly #waiters = new WaitList<ListWaiter<true>>('Lock.acquire');

  /**
   * Waits until the lock is free and takes it; resolves with `true`.
   * Does not suspend when the lock is free.
   *
   * Cancellation: a cancellation point; a cancelled waiter loses its place and
   * does not get the lock.
   */
  acquire(): Promise<true> {
    const task = taskStorage.getStore();
    if (task !== undefined && task._mustCancel) return Promise.reject(task._takeCancel());
    if (!this.#locked) {
      this.#locked = true;
      return RESOLVED_TRUE;
    }
    const w = new ListWaiter<true>();
    this.#waiters.push(w);
    return w.suspend(task);
  }

  /** @internal Acquires, ignoring cancellation (it stays pending on the task). */
  _acquireUninterruptibly(task: Task<unknown> | undefined): Promise<true> {
    if (!this.#locked) {
      this.#locked = true;
      return RESOLVED_TRUE;
    }
    const w = new UninterruptibleWaiter();
    this.#waiters.push(w);
    return w.suspend(task);
  }

  /**
   * Releases the lock, handing it to the first waiter if there is one.
   *
   * @throws {InvalidStateError} when the lock is not held
   */
  release(): void {
    if (!this.#locked) {
      throw new InvalidStateError('Lock.release(): the lock is not held (released twice?)');
    }
    const w = this.#waiters.shift();
    if (w !== null) w.wake(true);
    else this.#locked = false;
  }

  /** True while some task holds the lock. */
  locked(): boolean {
    return this.#locked;
  }

  /**
   * Runs `fn` holding the lock: acquires, runs, and releases even when `fn`
   * throws or is cancelled.
   *
   * Cancellation: cancelled while waiting, `fn` never runs; cancelled inside `fn`,
   * the lock is released as the cancellation unwinds.
   */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const task = taskStorage.getStore();
    if (task !== undefined && task._mustCancel) return Promise.reject(task._takeCancel());
    if (!this.#locked) {
      this.#locked = true;
      return this.#runHolding(fn);
    }
    const w = new ListWaiter<true>();
    this.#waiters.push(w);
    return w.suspend(task).then(() => this.#runHolding(fn));
  }

  async #runHolding<T>(fn: () => Promise<T> | T): Promise<T> {
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** A frozen snapshot: locked or not, and how many tasks wait. */
  statistics(): LockStatistics {
    return Object.freeze({ locked: this.#locked, waiters: this.#waiters.size });
  }

  /** `<Lock locked waiters=2>` */
  toString(): string {
    return `<Lock ${this.#locked ? 'locked' : 'unlocked'}${waitersText(this.#waiters.size)}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** A snapshot of an {@link Event}. */
export interface EventStatistics {
  /** True once `set()` was called (and not cleared since). */
  readonly set: boolean;
  /** Tasks waiting for it. */
  readonly waiters: number;
}

/**
 * A flag that tasks can wait for: `set()` wakes every waiter, and `wait()` returns
 * at once while it is set.
 *
 * @example
 * ```ts
 * const ready = new Event();
 * createTask(async () => { await ready.wait(); console.log('go'); });
 * ready.set();
 * ```
 *
 * Cancellation: `wait()` is a cancellation point; a cancelled waiter simply stops
 * waiting and takes nothing from the others.
 */
export class Event {
  #set = false;
  readonly #waiters = new WaitList<ListWaiter<true>>('Event.wait');

  /** Sets the flag and wakes every waiting task. */
  set(): void {
    if (this.#set) return;
    this.#set = true;
    const list = this.#waiters;
    for (let w = list.shift(); w !== null; w = list.shift()) w.wake(true);
  }

  /** Clears the flag: later `wait()` calls block until the next `set()`. */
  clear(): void {
    this.#set = false;
  }

  /** True while the flag is set. */
  isSet(): boolean {
    return this.#set;
  }

  /**
   * Waits until the flag is set; resolves with `true` (at once when it is set).
   *
   * Cancellation: a cancellation point; the cancelled waiter leaves the list.
   */
  wait(): Promise<true> {
    const task = taskStorage.getStore();
    if (task !== undefined && task._mustCancel) return Promise.reject(task._takeCancel());
    if (this.#set) return RESOLVED_TRUE;
    const w = new ListWaiter<true>();
    this.#waiters.push(w);
    return w.suspend(task);
  }

  /** A frozen snapshot: set or not, and how many tasks wait. */
  statistics(): EventStatistics {
    return Object.freeze({ set: this.#set, waiters: this.#waiters.size });
  }

  /** `<Event unset waiters=3>` */
  toString(): string {
    return `<Event ${this.#set ? 'set' : 'unset'}${waitersText(this.#waiters.size)}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** A snapshot of a {@link Condition}. */
export interface ConditionStatistics {
  /** True while some task holds the underlying lock. */
  readonly locked: boolean;
  /** Tasks in `wait()`, waiting for a notification. */
  readonly waiters: number;
  /** Tasks waiting to acquire the underlying lock. */
  readonly lockWaiters: number;
}

/**
 * A condition variable: tasks holding the lock `wait()` for another task to
 * `notify()` them that shared state changed.
 *
 * @example
 * ```ts
 * const cond = new Condition();
 * const items: string[] = [];
 * // consumer
 * await cond.run(async () => {
 *   await cond.waitFor(() => items.length > 0);
 *   console.log(items.shift());
 * });
 * // producer
 * await cond.run(() => { items.push('x'); cond.notify(); });
 * ```
 *
 * Cancellation: `wait()` is a cancellation point, and it always re-acquires the
 * lock before it returns or throws, even when cancelled (a cancellation that
 * arrives while it re-acquires is delivered at the task's next await). A waiter
 * that was notified returns normally, so a notification is never lost.
 */
export class Condition {
  readonly #lock: Lock;
  readonly #waiters = new WaitList<ListWaiter<true>>('Condition.wait');

  /** A condition over `lock`, or over a new lock of its own. */
  constructor(lock?: Lock) {
    if (lock !== undefined && !(lock instanceof Lock)) {
      throw new TypeError('new Condition(lock): lock must be a Lock');
    }
    this.#lock = lock ?? new Lock();
  }

  /** Acquires the underlying lock (see {@link Lock.acquire}). */
  acquire(): Promise<true> {
    return this.#lock.acquire();
  }

  /** Releases the underlying lock (see {@link Lock.release}). */
  release(): void {
    this.#lock.release();
  }

  /** True while the underlying lock is held. */
  locked(): boolean {
    return this.#lock.locked();
  }

  /** Runs `fn` holding the underlying lock (see {@link Lock.run}). */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.#lock.run(fn);
  }

  /**
   * Releases the lock, waits for a `notify()`, re-acquires the lock, and resolves
   * with `true`. Call it holding the lock.
   *
   * Cancellation: a cancellation point; the lock is re-acquired before the
   * `CancelledError` is thrown.
   *
   * @throws {InvalidStateError} when the lock is not held
   */
  async wait(): Promise<true> {
    if (!this.#lock.locked()) {
      throw new InvalidStateError('Condition.wait(): acquire the lock first');
    }
    const task = taskStorage.getStore();
    if (task !== undefined && task._mustCancel) throw task._takeCancel();
    this.#lock.release();
    const w = new ListWaiter<true>();
    this.#waiters.push(w);
    let failure: unknown = null;
    try {
      await w.suspend(task);
    } catch (e) {
      failure = e;
    }
    await this.#lock._acquireUninterruptibly(task);
    if (failure !== null) {
      // One cancellation delivered for any that arrived while re-acquiring.
      if (task !== undefined && task._mustCancel) task._takeCancel();
      throw failure;
    }
    return true;
  }

  /**
   * Waits until `predicate()` is truthy, checking it before the first wait and
   * after every notification; resolves with its value. Call it holding the lock.
   *
   * Cancellation: as {@link Condition.wait}.
   */
  async waitFor<T>(predicate: () => T): Promise<T> {
    let r = predicate();
    while (!r) {
      await this.wait();
      r = predicate();
    }
    return r;
  }

  /**
   * Wakes up to `n` waiting tasks (first-come first-served); each returns from
   * `wait()` once it has re-acquired the lock.
   *
   * @throws {InvalidStateError} when the lock is not held
   */
  notify(n = 1): void {
    if (!this.#lock.locked()) {
      throw new InvalidStateError('Condition.notify(): acquire the lock first');
    }
    const list = this.#waiters;
    for (let i = 0; i < n; i++) {
      const w = list.shift();
      if (w === null) break;
      w.wake(true);
    }
  }

  /**
   * Wakes every waiting task.
   *
   * @throws {InvalidStateError} when the lock is not held
   */
  notifyAll(): void {
    this.notify(this.#waiters.size);
  }

  /** A frozen snapshot: lock state, tasks waiting for a notification or the lock. */
  statistics(): ConditionStatistics {
    return Object.freeze({
      locked: this.#lock.locked(),
      waiters: this.#waiters.size,
      lockWaiters: this.#lock.statistics().waiters,
    });
  }

  /** `<Condition locked waiters=2>` */
  toString(): string {
    return `<Condition ${this.#lock.locked() ? 'locked' : 'unlocked'}${waitersText(this.#waiters.size)}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** @internal */
export function waitersText(n: number): string {
  return n > 0 ? ` waiters=${n}` : '';
}
