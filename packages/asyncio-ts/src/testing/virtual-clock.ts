/**
 * `VirtualClock`: time that moves only when the loop has nothing else to do (or
 * when told), so tests of timeouts, retries and rate limits run instantly and
 * deterministically.
 *
 * @module
 */
import { inspect } from 'node:util';
import type { Clock, ClockHost } from '../clock.js';

/** Options of {@link VirtualClock}. */
export interface VirtualClockOptions {
  /**
   * Jump to the next timer as soon as nothing else can run. Default true. With
   * false, time moves only through `advance()`.
   */
  autojump?: boolean;
  /**
   * Real milliseconds the loop must stay idle before time jumps (for tests that
   * also wait on real I/O, such as a local server). Default 0.
   */
  autojumpThreshold?: number;
  /** The starting time in ms. Default 0. */
  start?: number;
}

/**
 * A clock for tests. `run(main, { clock: new VirtualClock() })` makes `sleep('1h')`
 * return at once while `loop.time()` says an hour passed.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * await run(async () => {
 *   await sleep('1h');
 *   assert.equal(getRunningLoop().time(), 3_600_000);
 * }, { clock });
 * ```
 *
 * With `autojump: false`, drive time by hand with `await clock.advance(ms)`. A
 * clock drives one loop at a time.
 */
export class VirtualClock implements Clock {
  #now: number;
  #alarm: number | null = null;
  #host: ClockHost | null = null;
  #autojump: boolean;
  #threshold: number;
  #pending: NodeJS.Immediate | NodeJS.Timeout | null = null;
  #advancing = false;

  constructor(opts: VirtualClockOptions = {}) {
    this.#autojump = opts.autojump ?? true;
    const th = opts.autojumpThreshold ?? 0;
    if (typeof th !== 'number' || !(th >= 0)) {
      throw new RangeError(
        `autojumpThreshold must be a non-negative number of ms, got ${String(th)}`,
      );
    }
    this.#threshold = th;
    this.#now = opts.start ?? 0;
  }

  /** The virtual time in ms. */
  now(): number {
    return this.#now;
  }

  /** True when time jumps by itself. */
  get autojump(): boolean {
    return this.#autojump;
  }
  set autojump(on: boolean) {
    this.#autojump = on;
    this.#plan();
  }

  /** @internal Clock */
  schedule(when: number | null, host: ClockHost): void {
    this.#alarm = when;
    this.#host = host;
    this.#plan();
  }

  /**
   * Moves time forward by `ms`, running every timer that falls due on the way, in
   * order, letting the tasks they wake run in between.
   */
  async advance(ms: number): Promise<void> {
    if (typeof ms !== 'number' || !(ms >= 0))
      throw new RangeError(`advance() needs ms >= 0, got ${String(ms)}`);
    const target = this.#now + ms;
    this.#advancing = true;
    try {
      await settle();
      while (this.#alarm !== null && this.#alarm <= target) {
        this.#now = Math.max(this.#now, this.#alarm);
        this.#host!.fire();
        await settle();
      }
      this.#now = target;
      await settle();
    } finally {
      this.#advancing = false;
      this.#plan();
    }
  }

  #plan(): void {
    if (this.#pending !== null || !this.#autojump || this.#alarm === null || this.#advancing)
      return;
    this.#pending =
      this.#threshold > 0 ? setTimeout(this.#check, this.#threshold) : setImmediate(this.#check);
  }

  readonly #check = (): void => {
    this.#pending = null;
    if (!this.#autojump || this.#alarm === null || this.#advancing) return;
    const host = this.#host!;
    if (host.busy()) {
      this.#plan();
      return;
    }
    if (this.#alarm > this.#now) this.#now = this.#alarm;
    host.fire();
  };

  toString(): string {
    return `<VirtualClock now=${this.#now} ms${this.#autojump ? ' autojump' : ''}${this.#alarm !== null ? ` next=${this.#alarm}` : ''}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
