/**
 * Rate limits: `RateLimiter` (a sliding window: at most `rate` acquisitions in
 * any window of `period`) and `TokenBucket` (a steady refill with bursts).
 *
 * Which one? A hard quota stated as "N per period" (an API allowing 100 calls a
 * minute): `RateLimiter`. A steady average rate that tolerates short bursts:
 * `TokenBucket`. Per host or per key, with concurrency caps: `KeyedLimiter`.
 *
 * @module
 */
import { inspect } from 'node:util';
import { toMilliseconds, type Duration } from './durations.js';
import { taskStorage } from './_internal/current.js';
import { ListWaiter, RESOLVED_VOID, WaitList } from './_internal/wait-list.js';
import { armAlarm, type Alarm, type AlarmOwner } from './_internal/alarm.js';
import { SlidingWindow, checkPeriod, checkRate } from './_internal/sliding-window.js';
import { _ambientLoop, type EventLoop } from './loop.js';

/** A snapshot of a {@link RateLimiter}. */
export interface RateLimiterStatistics {
  /** Acquisitions allowed per window. */
  readonly rate: number;
  /** The window, in ms. */
  readonly period: number;
  /** Acquisitions inside the window ending now. */
  readonly used: number;
  /** Tasks waiting for a slot. */
  readonly waiters: number;
}

interface Waited {
  _waiterLeft(): void;
}

class LimitWaiter extends ListWaiter<void> {
  readonly owner: Waited;
  readonly n: number;
  constructor(owner: Waited, n: number) {
    super();
    this.owner = owner;
    this.n = n;
  }
  override detach(): void {
    if (this.list === null) return;
    this.list.remove(this);
    this.owner._waiterLeft();
  }
}

function loopOfCaller(): EventLoop {
  return taskStorage.getStore()?._loop ?? _ambientLoop();
}

/**
 * A sliding-window rate limit: never more than `rate` acquisitions in any window
 * of `period`, whatever the interleaving. A slot taken at time t is free again at
 * t + period; waiters are served first-come first-served.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter(100, '1m'); // the API allows 100 calls a minute
 * const data = await limiter.run(() => api.get('/items'));
 * ```
 *
 * Cancellation: `acquire()` is a cancellation point; a cancelled waiter takes no
 * slot and leaves its place to the next one.
 */
export class RateLimiter implements AlarmOwner, Waited {
  readonly #window: SlidingWindow;
  readonly #waiters = new WaitList<LimitWaiter>('RateLimiter.acquire');
  #alarm: Alarm | null = null;

  /**
   * @param rate - acquisitions allowed per window (a positive integer)
   * @param period - the window (ms, or `'1s'`, `'1m'`...)
   * @throws {RangeError} when `rate` is not a positive integer or `period` is not
   *   a positive duration
   * @throws {TypeError} when `period` is not a duration
   */
  constructor(rate: number, period: Duration) {
    checkRate(rate, 'RateLimiter rate');
    const ms = checkPeriod(toMilliseconds(period, 'RateLimiter period'), 'RateLimiter period');
    this.#window = new SlidingWindow(rate, ms);
  }

  /** Acquisitions allowed per window. */
  get rate(): number {
    return this.#window.rate;
  }

  /** The window, in ms. */
  get period(): number {
    return this.#window.period;
  }

  /**
   * Takes a slot, waiting until one is free (no suspension when one is).
   *
   * Cancellation: a cancellation point; a cancelled waiter takes no slot.
   */
  acquire(): Promise<void> {
    const task = taskStorage.getStore();
    if (task !== undefined && task._mustCancel) return Promise.reject(task._takeCancel());
    const loop = task !== undefined ? task._loop : _ambientLoop();
    if (this.#waiters.size === 0 && this.#window.tryTake(loop.time())) return RESOLVED_VOID;
    const w = new LimitWaiter(this, 1);
    this.#waiters.push(w);
    const p = w.suspend(task);
    this.#arm(loop);
    return p;
  }

  /** Takes a slot if one is free now (and nobody waits); never waits. */
  tryAcquire(): boolean {
    return this.#waiters.size === 0 && this.#window.tryTake(loopOfCaller().time());
  }

  /**
   * Takes a slot, then runs `fn`.
   *
   * Cancellation: cancelled while waiting, `fn` never runs and no slot is used.
   */
  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    await this.acquire();
    return await fn();
  }

  /** A frozen snapshot: the limit, the slots used in the window ending now, waiters. */
  statistics(): RateLimiterStatistics {
    const w = this.#window;
    return Object.freeze({
      rate: w.rate,
      period: w.period,
      used: w.used(loopOfCaller().time()),
      waiters: this.#waiters.size,
    });
  }

  /** `<RateLimiter 100 per 60000 ms used=100 waiters=3>` */
  toString(): string {
    const s = this.statistics();
    return `<RateLimiter ${s.rate} per ${s.period} ms used=${s.used}${s.waiters > 0 ? ` waiters=${s.waiters}` : ''}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  /** @internal */
  _onAlarm(a: Alarm): void {
    if (a !== this.#alarm) return;
    this.#alarm = null;
    const now = a.loop.time();
    const list = this.#waiters;
    while (list.size > 0 && this.#window.tryTake(now)) list.shift()!.wake();
    if (list.size > 0) this.#arm(a.loop);
  }

  /** @internal */
  _waiterLeft(): void {
    if (this.#waiters.size === 0 && this.#alarm !== null) {
      this.#alarm.cancel();
      this.#alarm = null;
    }
  }

  #arm(loop: EventLoop): void {
    const a = this.#alarm;
    if (a !== null) {
      if (a.loop === loop && a.armed()) return;
      a.cancel();
    }
    this.#alarm = armAlarm(loop, this, this.#window.nextFree());
  }
}

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per `per` (a positive number). */
  rate: number;
  /** The refill period (ms, or `'1s'`...). */
  per: Duration;
  /** The most tokens the bucket holds (default `rate`, at least 1). */
  burst?: number;
}

/** A snapshot of a {@link TokenBucket}. */
export interface TokenBucketStatistics {
  readonly rate: number;
  /** The refill period, in ms. */
  readonly per: number;
  readonly burst: number;
  /** Tokens available now (fractional while refilling). */
  readonly tokens: number;
  /** Tasks waiting for tokens. */
  readonly waiters: number;
}

/**
 * A token bucket: `rate` tokens are added every `per`, continuously, up to
 * `burst`; each acquisition takes tokens, waiting until enough have refilled. It
 * starts full. Waiters are served first-come first-served (a large request is not
 * overtaken by small ones).
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket({ rate: 10, per: '1s', burst: 20 });
 * await bucket.acquire();   // one token
 * await bucket.acquire(5);  // five at once
 * ```
 *
 * Cancellation: `acquire()` is a cancellation point; a cancelled waiter takes no
 * tokens and leaves its place to the next one.
 */
export class TokenBucket implements AlarmOwner, Waited {
  readonly #rate: number;
  readonly #per: number;
  readonly #burst: number;
  /** ms per token */
  readonly #interval: number;
  /** burst * interval: how far ahead of now the bucket may be drawn */
  readonly #capacity: number;
  /** the theoretical arrival time (GCRA): the bucket is full at any time >= tat */
  #tat = -Infinity;
  readonly #waiters = new WaitList<LimitWaiter>('TokenBucket.acquire');
  #alarm: Alarm | null = null;

  /**
   * @throws {RangeError} when `rate`, `per` or `burst` is not positive and finite
   * @throws {TypeError} when `per` is not a duration
   */
  constructor(opts: TokenBucketOptions) {
    const { rate, burst } = opts;
    if (typeof rate !== 'number' || !(rate > 0) || rate === Infinity) {
      throw new RangeError(`TokenBucket rate must be a positive number, got ${String(rate)}`);
    }
    const per = checkPeriod(toMilliseconds(opts.per, 'TokenBucket per'), 'TokenBucket per');
    const b = burst ?? Math.max(rate, 1);
    if (typeof b !== 'number' || !(b > 0) || b === Infinity) {
      throw new RangeError(`TokenBucket burst must be a positive number, got ${String(b)}`);
    }
    this.#rate = rate;
    this.#per = per;
    this.#burst = b;
    this.#interval = per / rate;
    this.#capacity = b * this.#interval;
  }

  /**
   * Takes `n` tokens (default 1), waiting until they have refilled (no suspension
   * when they are there and nobody waits).
   *
   * Cancellation: a cancellation point; a cancelled waiter takes no tokens.
   *
   * @throws {RangeError} when `n` is not positive or exceeds `burst` (as a rejection)
   */
  acquire(n = 1): Promise<void> {
    try {
      this.#check(n);
    } catch (e) {
      return Promise.reject(e);
    }
    const task = taskStorage.getStore();
    if (task !== undefined && task._mustCancel) return Promise.reject(task._takeCancel());
    const loop = task !== undefined ? task._loop : _ambientLoop();
    if (this.#waiters.size === 0 && this.#tryTake(n, loop.time())) return RESOLVED_VOID;
    const w = new LimitWaiter(this, n);
    this.#waiters.push(w);
    const p = w.suspend(task);
    this.#arm(loop);
    return p;
  }

  /**
   * Takes `n` tokens if they are there now (and nobody waits); never waits.
   *
   * @throws {RangeError} when `n` is not positive or exceeds `burst`
   */
  tryAcquire(n = 1): boolean {
    this.#check(n);
    return this.#waiters.size === 0 && this.#tryTake(n, loopOfCaller().time());
  }

  /**
   * Takes one token, then runs `fn`.
   *
   * Cancellation: cancelled while waiting, `fn` never runs and no token is used.
   */
  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    await this.acquire(1);
    return await fn();
  }

  /** A frozen snapshot: the settings, tokens available now, waiters. */
  statistics(): TokenBucketStatistics {
    const now = loopOfCaller().time();
    const owed = Math.max(0, this.#tat - now) / this.#interval;
    return Object.freeze({
      rate: this.#rate,
      per: this.#per,
      burst: this.#burst,
      tokens: Math.min(this.#burst, Math.max(0, this.#burst - owed)),
      waiters: this.#waiters.size,
    });
  }

  /** `<TokenBucket 10 per 1000 ms burst=20 tokens=3.5 waiters=1>` */
  toString(): string {
    const s = this.statistics();
    const tokens = Math.round(s.tokens * 1000) / 1000;
    return `<TokenBucket ${s.rate} per ${s.per} ms burst=${s.burst} tokens=${tokens}${s.waiters > 0 ? ` waiters=${s.waiters}` : ''}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  /** @internal */
  _onAlarm(a: Alarm): void {
    if (a !== this.#alarm) return;
    this.#alarm = null;
    const now = a.loop.time();
    const list = this.#waiters;
    while (list.size > 0 && this.#tryTake(list.head!.n, now)) list.shift()!.wake();
    if (list.size > 0) this.#arm(a.loop);
  }

  /** @internal */
  _waiterLeft(): void {
    const list = this.#waiters;
    if (list.size === 0) {
      if (this.#alarm !== null) {
        this.#alarm.cancel();
        this.#alarm = null;
      }
    } else if (this.#alarm !== null) {
      // The first waiter may have changed (and want fewer tokens): re-arm.
      const loop = this.#alarm.loop;
      this.#alarm.cancel();
      this.#alarm = null;
      const now = loop.time();
      while (list.size > 0 && this.#tryTake(list.head!.n, now)) list.shift()!.wake();
      if (list.size > 0) this.#arm(loop);
    }
  }

  /** When `n` tokens are there: the same expression the take checks, so no rounding gap. */
  #readyAt(n: number): number {
    return this.#tat + n * this.#interval - this.#capacity;
  }

  #tryTake(n: number, now: number): boolean {
    if (now < this.#readyAt(n)) return false;
    this.#tat = Math.max(this.#tat, now) + n * this.#interval;
    return true;
  }

  #check(n: number): void {
    if (typeof n !== 'number' || !(n > 0) || n > this.#burst) {
      throw new RangeError(
        `TokenBucket: tokens to acquire must be > 0 and <= burst (${this.#burst}), got ${String(n)}`,
      );
    }
  }

  #arm(loop: EventLoop): void {
    const a = this.#alarm;
    if (a !== null) {
      if (a.loop === loop && a.armed()) return;
      a.cancel();
    }
    this.#alarm = armAlarm(loop, this, this.#readyAt(this.#waiters.head!.n));
  }
}
