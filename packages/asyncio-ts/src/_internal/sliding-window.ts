// The sliding window behind RateLimiter and KeyedLimiter: the times of the last
// acquisitions, oldest first. A slot taken at time t is free again at t + period,
// so at most `rate` acquisitions fall in any window of `period`. Memory is
// proportional to the acquisitions still in the window, not to `rate`.
import { Deque } from './deque.js';

/** @internal */
export class SlidingWindow {
  readonly rate: number;
  readonly period: number;
  readonly times = new Deque<number>();
  constructor(rate: number, period: number) {
    this.rate = rate;
    this.period = period;
  }

  /** Forgets the acquisitions whose slot is free again at `now`. */
  prune(now: number): void {
    const t = this.times;
    const period = this.period;
    while (t.size > 0 && t.peek()! + period <= now) t.shift();
  }

  /** Takes a slot at `now` when one is free. */
  tryTake(now: number): boolean {
    this.prune(now);
    if (this.times.size >= this.rate) return false;
    this.times.push(now);
    return true;
  }

  /** True when a slot is free at `now`. */
  hasRoom(now: number): boolean {
    this.prune(now);
    return this.times.size < this.rate;
  }

  /** When the oldest slot is free again (call when the window is full). */
  nextFree(): number {
    return this.times.peek()! + this.period;
  }

  /** The acquisitions still inside the window at `now`. */
  used(now: number): number {
    this.prune(now);
    return this.times.size;
  }
}

/** @internal Validates a rate: a positive integer (RangeError otherwise). */
export function checkRate(rate: unknown, what: string): number {
  if (typeof rate !== 'number' || !Number.isInteger(rate) || rate < 1) {
    throw new RangeError(`${what} must be a positive integer, got ${String(rate)}`);
  }
  return rate;
}

/** @internal Validates a period in ms: positive and finite (RangeError otherwise). */
export function checkPeriod(ms: number | null, what: string): number {
  if (ms === null || !(ms > 0) || ms === Infinity) {
    throw new RangeError(`${what} must be a positive, finite duration, got ${String(ms)}`);
  }
  return ms;
}
