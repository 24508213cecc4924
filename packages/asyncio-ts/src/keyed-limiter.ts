/**
 * `KeyedLimiter`: politeness per key (a host, an API token, a tenant): a
 * concurrency cap and a sliding-window rate per key, a fair share of an overall
 * cap across keys, and `holdOff()` for a 429 / Retry-After answer.
 *
 * @module
 */
import { inspect } from 'node:util';
import { toMilliseconds, type Duration } from './durations.js';
import { taskStorage } from './_internal/current.js';
import { ListWaiter, WaitList, type Linked } from './_internal/wait-list.js';
import { armAlarm, type Alarm, type AlarmOwner } from './_internal/alarm.js';
import { SlidingWindow, checkPeriod, checkRate } from './_internal/sliding-window.js';
import { _ambientLoop, type EventLoop } from './loop.js';

/** The limits of one key. */
export interface KeyLimits {
  /** The most acquisitions of the key in flight at once. Default: no limit. */
  concurrency?: number;
  /** The most acquisitions of the key in any window of `period` (needs `period`). Default: no limit. */
  rate?: number;
  /** The window of `rate` (ms, or `'1s'`...). */
  period?: Duration;
}

/** Options of {@link KeyedLimiter}: limits for every key, plus an overall cap. */
export interface KeyedLimiterOptions<K> extends KeyLimits {
  /**
   * The most acquisitions in flight over all keys; free places go to the waiting
   * keys in turn, so one busy key never starves the others. Default: no limit.
   */
  totalConcurrency?: number;
  /**
   * Limits of a given key, overriding the ones above field by field (say, a
   * crawl delay read from a site's robots.txt). Called when a key is first seen,
   * and again if it comes back after being forgotten.
   */
  limitsFor?: (key: K) => KeyLimits | undefined;
}

/**
 * What `acquire()` resolves with: call it (or let `using` dispose of it) to give
 * the place back. Calling it again does nothing.
 */
export type Release = (() => void) & Disposable;

/** A snapshot of one key of a {@link KeyedLimiter}. */
export interface KeyStatistics<K> {
  readonly key: K;
  /** Acquisitions of the key not released yet. */
  readonly inFlight: number;
  /** Tasks waiting to acquire the key. */
  readonly waiting: number;
  /** The loop time (ms) until which the key is held off, or null. */
  readonly heldUntil: number | null;
  /** Acquisitions inside the rate window ending now (0 without a rate). */
  readonly used: number;
  /** The key's concurrency cap (Infinity: none). */
  readonly concurrency: number;
  /** The key's rate per period, or null. */
  readonly rate: number | null;
  /** The rate window in ms, or null. */
  readonly period: number | null;
}

/** A snapshot of a whole {@link KeyedLimiter}. */
export interface KeyedLimiterStatistics {
  /** Keys remembered now (busy, waiting, held off, or with recent acquisitions). */
  readonly keys: number;
  /** Acquisitions not released yet, over all keys. */
  readonly inFlight: number;
  /** Tasks waiting, over all keys. */
  readonly waiting: number;
  /** The overall cap (Infinity: none). */
  readonly totalConcurrency: number;
}

interface Resolved {
  concurrency: number;
  rate: number | null;
  period: number | null;
}

class KeyState<K> implements AlarmOwner, Linked {
  prev: Linked | null = null;
  next: Linked | null = null;
  list: WaitList<Linked> | null = null;
  readonly key: K;
  readonly limiter: KeyedLimiter<K>;
  readonly concurrency: number;
  readonly window: SlidingWindow | null;
  readonly waiters: WaitList<KeyWaiter<K>>;
  inFlight = 0;
  heldUntil = -Infinity;
  alarm: Alarm | null = null;
  alarmAt = 0;
  constructor(limiter: KeyedLimiter<K>, key: K, limits: Resolved) {
    this.limiter = limiter;
    this.key = key;
    this.concurrency = limits.concurrency;
    this.window = limits.rate !== null ? new SlidingWindow(limits.rate, limits.period!) : null;
    this.waiters = new WaitList(`KeyedLimiter.acquire(${String(key)})`);
  }
  _onAlarm(a: Alarm): void {
    if (a !== this.alarm) return;
    this.alarm = null;
    this.limiter._onKeyAlarm(this, a.loop);
  }
  cancelAlarm(): void {
    if (this.alarm !== null) {
      this.alarm.cancel();
      this.alarm = null;
    }
  }
}

class KeyWaiter<K> extends ListWaiter<Release> {
  readonly state: KeyState<K>;
  constructor(state: KeyState<K>) {
    super();
    this.state = state;
  }
  override detach(): void {
    if (this.list === null) return;
    this.list.remove(this);
    this.state.limiter._waiterLeft(this.state);
  }
}

function checkConcurrency(n: number, what: string): number {
  if (n !== Infinity && (typeof n !== 'number' || !Number.isInteger(n) || n < 1)) {
    throw new RangeError(`${what} must be a positive integer (or Infinity), got ${String(n)}`);
  }
  return n;
}

function resolveLimits(l: KeyLimits, what: string): Resolved {
  const concurrency = checkConcurrency(l.concurrency ?? Infinity, `${what} concurrency`);
  if (l.rate === undefined && l.period === undefined)
    return { concurrency, rate: null, period: null };
  if (l.rate === undefined || l.period === undefined) {
    throw new TypeError(`${what}: rate and period go together (e.g. rate: 10, period: '1s')`);
  }
  return {
    concurrency,
    rate: checkRate(l.rate, `${what} rate`),
    period: checkPeriod(toMilliseconds(l.period, `${what} period`), `${what} period`),
  };
}

/**
 * Limits per key: for each key (e.g. a host) a concurrency cap and a
 * sliding-window rate, an overall cap shared fairly between keys, and
 * `holdOff(key, ms)` to pause one key after a 429 / Retry-After answer. Keys that
 * are idle (nothing in flight or waiting, no acquisition left in the window, no
 * hold-off) are forgotten, so memory stays bounded however many keys pass.
 *
 * @example
 * ```ts
 * const polite = new KeyedLimiter<string>({ concurrency: 2, rate: 5, period: '1s', totalConcurrency: 64 });
 * const page = await polite.run(new URL(url).host, async () => {
 *   const res = await fetch(url, { signal: currentTask()?.signal });
 *   if (res.status === 429) polite.holdOff(new URL(url).host, Number(res.headers.get('retry-after')) * 1000);
 *   return res.text();
 * });
 * ```
 *
 * Each key serves its waiters first-come first-served; when the overall cap is
 * reached, places freed go round-robin to the keys that wait.
 *
 * Cancellation: `acquire()` is a cancellation point; a cancelled waiter takes no
 * place and uses no rate slot. A place handed to a waiter is its own even if it is
 * cancelled a moment later (the cancellation arrives at its next await): use
 * `run()` or try/finally so that it is released.
 */
export class KeyedLimiter<K = string> {
  readonly #keys = new Map<K, KeyState<K>>();
  readonly #ready = new WaitList<KeyState<K>>('ready keys');
  readonly #total: number;
  readonly #defaults: KeyLimits;
  readonly #limitsFor: ((key: K) => KeyLimits | undefined) | undefined;
  #inFlight = 0;
  #waiting = 0;
  #sweep: Iterator<KeyState<K>> | null = null;
  #loop: EventLoop | null = null;

  /**
   * @throws {RangeError} for a cap or rate that is not a positive integer, or a
   *   period that is not positive
   * @throws {TypeError} for a rate without a period (or the reverse)
   */
  constructor(opts: KeyedLimiterOptions<K> = {}) {
    this.#total = checkConcurrency(
      opts.totalConcurrency ?? Infinity,
      'KeyedLimiter totalConcurrency',
    );
    const { concurrency, rate, period } = opts;
    this.#defaults = { concurrency, rate, period };
    resolveLimits(this.#defaults, 'KeyedLimiter');
    if (opts.limitsFor !== undefined && typeof opts.limitsFor !== 'function') {
      throw new TypeError('KeyedLimiter limitsFor must be a function (key) => limits');
    }
    this.#limitsFor = opts.limitsFor;
  }

  /**
   * Waits for a place for `key` (under its concurrency cap, its rate, its
   * hold-off and the overall cap) and resolves with the function that gives it
   * back. Does not suspend when a place is free.
   *
   * @example
   * ```ts
   * using release = await limiter.acquire('example.com');
   * await fetchIt();
   * ```
   *
   * Cancellation: a cancellation point; a cancelled waiter takes no place.
   */
  acquire(key: K): Promise<Release> {
    const task = taskStorage.getStore();
    if (task !== undefined && task._mustCancel) return Promise.reject(task._takeCancel());
    const loop = (this.#loop = task !== undefined ? task._loop : _ambientLoop());
    const now = loop.time();
    let ks: KeyState<K>;
    try {
      ks = this.#state(key, now);
    } catch (e) {
      return Promise.reject(e);
    }
    if (ks.waiters.size === 0 && this.#inFlight < this.#total && this.#eligible(ks, now)) {
      return Promise.resolve(this.#grant(ks, now));
    }
    const w = new KeyWaiter<K>(ks);
    ks.waiters.push(w);
    this.#waiting++;
    const p = w.suspend(task);
    if (ks.waiters.size === 1) {
      this.#refresh(ks, loop, now);
      this.#pump(now);
    }
    return p;
  }

  /**
   * Takes a place for `key` if one is free now (and nobody waits for the key);
   * returns its release function, or null. Never waits.
   */
  tryAcquire(key: K): Release | null {
    const loop = (this.#loop = taskStorage.getStore()?._loop ?? _ambientLoop());
    const now = loop.time();
    const ks = this.#state(key, now);
    if (ks.waiters.size === 0 && this.#inFlight < this.#total && this.#eligible(ks, now)) {
      return this.#grant(ks, now);
    }
    this.#maybeForget(ks, now);
    return null;
  }

  /**
   * Runs `fn` holding a place for `key`: acquires, runs, and releases even when
   * `fn` throws or is cancelled.
   *
   * Cancellation: cancelled while waiting, `fn` never runs; cancelled inside `fn`,
   * the place is released as the cancellation unwinds.
   */
  async run<T>(key: K, fn: () => Promise<T> | T): Promise<T> {
    const release = await this.acquire(key);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /**
   * Pauses `key` for `delay` from now (say, the Retry-After of a 429): no new
   * acquisition of it starts before then; acquisitions in flight go on and other
   * keys are not affected. A shorter hold-off than the current one changes nothing.
   *
   * @throws {RangeError} / {TypeError} for an invalid or unlimited delay
   */
  holdOff(key: K, delay: Duration): void {
    const ms = toMilliseconds(delay, 'KeyedLimiter.holdOff delay');
    if (ms === null) throw new TypeError('KeyedLimiter.holdOff needs a finite delay');
    const loop = (this.#loop = taskStorage.getStore()?._loop ?? _ambientLoop());
    const now = loop.time();
    const ks = this.#state(key, now);
    if (now + ms > ks.heldUntil) ks.heldUntil = now + ms;
    this.#refresh(ks, loop, now);
    this.#pump(now);
  }

  /** A frozen snapshot of the whole limiter. */
  statistics(): KeyedLimiterStatistics;
  /** A frozen snapshot of one key (zeros for a key it does not remember). */
  statistics(key: K): KeyStatistics<K>;
  statistics(...args: [] | [K]): KeyedLimiterStatistics | KeyStatistics<K> {
    if (args.length === 0) {
      return Object.freeze({
        keys: this.#keys.size,
        inFlight: this.#inFlight,
        waiting: this.#waiting,
        totalConcurrency: this.#total,
      });
    }
    const key = args[0];
    const now = (this.#loop ?? taskStorage.getStore()?._loop ?? _ambientLoop()).time();
    const ks = this.#keys.get(key);
    const limits = ks === undefined ? this.#limitsOf(key) : null;
    return Object.freeze({
      key,
      inFlight: ks?.inFlight ?? 0,
      waiting: ks?.waiters.size ?? 0,
      heldUntil: ks !== undefined && ks.heldUntil > now ? ks.heldUntil : null,
      used: ks?.window?.used(now) ?? 0,
      concurrency: ks?.concurrency ?? limits!.concurrency,
      rate: ks !== undefined ? (ks.window?.rate ?? null) : limits!.rate,
      period: ks !== undefined ? (ks.window?.period ?? null) : limits!.period,
    });
  }

  /** `<KeyedLimiter keys=3 inFlight=5/64 waiting=12>` */
  toString(): string {
    const total = this.#total === Infinity ? '' : `/${this.#total}`;
    return `<KeyedLimiter keys=${this.#keys.size} inFlight=${this.#inFlight}${total}${this.#waiting > 0 ? ` waiting=${this.#waiting}` : ''}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  /** @internal A key's alarm fired: its hold-off or rate window may have passed. */
  _onKeyAlarm(ks: KeyState<K>, loop: EventLoop): void {
    const now = loop.time();
    this.#refresh(ks, loop, now);
    this.#pump(now);
  }

  /** @internal A waiter of `ks` was cancelled and left. */
  _waiterLeft(ks: KeyState<K>): void {
    this.#waiting--;
    if (ks.waiters.size === 0) {
      const loop = this.#loop ?? _ambientLoop();
      this.#refresh(ks, loop, loop.time());
    }
  }

  #release(ks: KeyState<K>): void {
    ks.inFlight--;
    this.#inFlight--;
    const loop = this.#loop ?? _ambientLoop();
    const now = loop.time();
    this.#refresh(ks, loop, now);
    this.#pump(now);
  }

  #grant(ks: KeyState<K>, now: number): Release {
    ks.inFlight++;
    this.#inFlight++;
    if (ks.window !== null) ks.window.tryTake(now);
    let released = false;
    const release = (() => {
      if (released) return;
      released = true;
      this.#release(ks);
    }) as Release;
    release[Symbol.dispose] = release;
    return release;
  }

  /** Grants places to ready keys in turn while the overall cap allows. */
  #pump(now: number): void {
    const ready = this.#ready;
    const loop = this.#loop ?? _ambientLoop();
    while (ready.size > 0 && this.#inFlight < this.#total) {
      const ks = ready.shift()!;
      const w = ks.waiters.shift()!;
      this.#waiting--;
      w.wake(this.#grant(ks, now));
      this.#refresh(ks, loop, now); // back at the end of the round if it can go on
    }
  }

  /**
   * Puts a key where it belongs: in the ready round when its own limits let its
   * first waiter go, under an alarm when time will, forgotten when idle.
   */
  #refresh(ks: KeyState<K>, loop: EventLoop, now: number): void {
    if (ks.waiters.size === 0 || ks.inFlight >= ks.concurrency) {
      this.#ready.remove(ks);
      ks.cancelAlarm();
      if (ks.waiters.size === 0) this.#maybeForget(ks, now);
      return;
    }
    const until = this.#blockedUntil(ks, now);
    if (until > now) {
      this.#ready.remove(ks);
      if (ks.alarm === null || ks.alarmAt !== until || !ks.alarm.armed()) {
        ks.cancelAlarm();
        ks.alarm = armAlarm(loop, ks, until);
        ks.alarmAt = until;
      }
      return;
    }
    ks.cancelAlarm();
    if (ks.list === null) this.#ready.push(ks);
  }

  /** The loop time before which the key may not start anything (<= now: none). */
  #blockedUntil(ks: KeyState<K>, now: number): number {
    let t = ks.heldUntil;
    const win = ks.window;
    if (win !== null && !win.hasRoom(now)) {
      const f = win.nextFree();
      if (f > t) t = f;
    }
    return t;
  }

  #eligible(ks: KeyState<K>, now: number): boolean {
    return ks.inFlight < ks.concurrency && this.#blockedUntil(ks, now) <= now;
  }

  #state(key: K, now: number): KeyState<K> {
    let ks = this.#keys.get(key);
    if (ks === undefined) {
      this.#sweepStep(now);
      ks = new KeyState<K>(this, key, this.#limitsOf(key));
      this.#keys.set(key, ks);
    }
    return ks;
  }

  #limitsOf(key: K): Resolved {
    const d = this.#defaults;
    const o = this.#limitsFor?.(key);
    if (o === undefined) return resolveLimits(d, 'KeyedLimiter');
    return resolveLimits(
      {
        concurrency: o.concurrency ?? d.concurrency,
        rate: o.rate ?? d.rate,
        period: o.period ?? d.period,
      },
      `KeyedLimiter limits of ${String(key)}`,
    );
  }

  /** Forgets the key when nothing about it needs remembering. */
  #maybeForget(ks: KeyState<K>, now: number): void {
    if (
      ks.inFlight === 0 &&
      ks.waiters.size === 0 &&
      ks.heldUntil <= now &&
      (ks.window === null || ks.window.used(now) === 0) &&
      this.#keys.get(ks.key) === ks
    ) {
      ks.cancelAlarm();
      this.#keys.delete(ks.key);
    }
  }

  /** Looks at two remembered keys (in turn) and forgets them if idle. */
  #sweepStep(now: number): void {
    for (let i = 0; i < 2; i++) {
      if (this.#sweep === null) this.#sweep = this.#keys.values();
      const r = this.#sweep.next();
      if (r.done === true) {
        this.#sweep = null;
        return;
      }
      this.#maybeForget(r.value, now);
    }
  }
}
