/**
 * `Barrier`: a meeting point for a fixed number of tasks.
 *
 * @module
 */
import { inspect } from 'node:util';
import { BrokenBarrierError } from './errors.js';
import { taskStorage } from './_internal/current.js';
import { ListWaiter, WaitList } from './_internal/wait-list.js';

/** A snapshot of a {@link Barrier}. */
export interface BarrierStatistics {
  /** How many tasks must arrive for the barrier to open. */
  readonly parties: number;
  /** Tasks waiting now. */
  readonly nWaiting: number;
  /** True after `abort()`, until `reset()`. */
  readonly broken: boolean;
  /** How many times the barrier opened so far. */
  readonly cycles: number;
}

/**
 * Blocks tasks until `parties` of them wait, then lets them all through at once,
 * each with its index (0 for the first to arrive, `parties - 1` for the last),
 * and starts over for the next round.
 *
 * @example
 * ```ts
 * const barrier = new Barrier(3);
 * await gather([1, 2, 3].map((i) => async () => {
 *   await loadPart(i);
 *   const index = await barrier.wait(); // all three parts are loaded past this line
 *   if (index === 0) console.log('all loaded');
 * }));
 * ```
 *
 * `reset()` and `abort()` act at once: tasks waiting then get
 * `BrokenBarrierError`; after `abort()`, every `wait()` throws it until `reset()`.
 *
 * Cancellation: `wait()` is a cancellation point; a cancelled task leaves the
 * barrier (one fewer waiting) without breaking it.
 */
export class Barrier {
  readonly #parties: number;
  readonly #waiters = new WaitList<ListWaiter<number>>('Barrier.wait');
  #broken = false;
  #cycles = 0;

  /** @throws {RangeError} when `parties` is not a positive integer */
  constructor(parties: number) {
    if (typeof parties !== 'number' || !Number.isInteger(parties) || parties < 1) {
      throw new RangeError(`Barrier parties must be a positive integer, got ${String(parties)}`);
    }
    this.#parties = parties;
  }

  /**
   * Waits until `parties` tasks wait, then resolves with this task's index in
   * the order of arrival.
   *
   * Cancellation: a cancellation point; the cancelled task leaves the barrier.
   *
   * @throws {BrokenBarrierError} when the barrier is aborted, or is reset or
   *   aborted while this task waits
   */
  wait(): Promise<number> {
    const task = taskStorage.getStore();
    if (task !== undefined && task._mustCancel) return Promise.reject(task._takeCancel());
    if (this.#broken) {
      return Promise.reject(
        new BrokenBarrierError('Barrier.wait(): the barrier was aborted; reset() it first'),
      );
    }
    const list = this.#waiters;
    if (list.size + 1 === this.#parties) {
      this.#cycles++;
      let i = 0;
      for (let w = list.shift(); w !== null; w = list.shift()) w.wake(i++);
      return Promise.resolve(i);
    }
    const w = new ListWaiter<number>();
    list.push(w);
    return w.suspend(task);
  }

  /**
   * Returns the barrier to its initial, empty state at once: the tasks waiting
   * now get `BrokenBarrierError`, and a broken barrier works again.
   */
  reset(): void {
    this.#broken = false;
    this.#failAll('Barrier.wait(): the barrier was reset while waiting');
  }

  /**
   * Breaks the barrier at once: the tasks waiting now and every later `wait()`
   * get `BrokenBarrierError`, until `reset()`.
   */
  abort(): void {
    this.#broken = true;
    this.#failAll('Barrier.wait(): the barrier was aborted while waiting');
  }

  /** How many tasks must arrive for the barrier to open. */
  get parties(): number {
    return this.#parties;
  }

  /** How many tasks wait now. */
  get nWaiting(): number {
    return this.#waiters.size;
  }

  /** True after `abort()`, until `reset()`. */
  get broken(): boolean {
    return this.#broken;
  }

  /** A frozen snapshot: parties, waiting tasks, broken or not, rounds completed. */
  statistics(): BarrierStatistics {
    return Object.freeze({
      parties: this.#parties,
      nWaiting: this.#waiters.size,
      broken: this.#broken,
      cycles: this.#cycles,
    });
  }

  /** `<Barrier waiting=2/3>` or `<Barrier broken waiting=0/3>` */
  toString(): string {
    return `<Barrier${this.#broken ? ' broken' : ''} waiting=${this.#waiters.size}/${this.#parties}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  #failAll(message: string): void {
    const list = this.#waiters;
    for (let w = list.shift(); w !== null; w = list.shift())
      w.fail(new BrokenBarrierError(message));
  }
}
