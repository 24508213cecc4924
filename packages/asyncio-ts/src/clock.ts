/**
 * Clocks: where the event loop gets its time and its wake-ups from.
 *
 * The loop keeps every timer of the library (sleeps, timeouts, `callLater`) in one
 * heap and asks its clock for a single wake-up at the earliest deadline. The real
 * clock uses `performance.now()` and one Node timer; `VirtualClock` (in
 * `asyncio-ts/testing`) jumps time forward instead, so an hour of sleeping takes
 * no real time.
 *
 * @module
 */

/** What a clock calls back into: the loop. */
export interface ClockHost {
  /** Runs the timers that are due at the clock's current time. */
  fire(): void;
  /** True while the loop has callbacks ready to run (used by autojumping clocks). */
  busy(): boolean;
}

/**
 * The source of time and timer wake-ups for one event loop.
 *
 * Implement it to drive a loop from another time source; a clock serves one loop
 * at a time.
 */
export interface Clock {
  /** The current time in milliseconds (monotonic, any origin). */
  now(): number;
  /**
   * Asks for `host.fire()` to be called once `now()` reaches `when` (replacing the
   * previous request); `null` withdraws the request (no timers are pending).
   */
  schedule(when: number | null, host: ClockHost): void;
  /** Optional: releases what the clock holds once its loop has closed. */
  close?(): void;
}

/**
 * The default clock: `performance.now()` and one Node timer for the earliest
 * deadline. Its pending wake-up keeps the process alive, as a `setTimeout` would.
 */
export class RealClock implements Clock {
  #timer: NodeJS.Timeout | undefined = undefined;
  #host: ClockHost | undefined = undefined;
  #armedFor = Infinity;
  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    this.#host?.fire();
  };

  now(): number {
    return performance.now();
  }

  schedule(when: number | null, host: ClockHost): void {
    this.#host = host;
    const timer = this.#timer;
    if (when === null) {
      // Keep the Node timer but stop it from holding the process open: the common
      // pattern "arm a deadline, finish early, cancel it" then costs no
      // setTimeout/clearTimeout pair per operation. It fires harmlessly later.
      timer?.unref();
      return;
    }
    if (timer !== undefined) {
      if (this.#armedFor <= when) {
        // An earlier wake-up is already set: the loop re-arms when it fires.
        timer.ref();
        return;
      }
      clearTimeout(timer);
    }
    this.#armedFor = when;
    this.#timer = setTimeout(this.#onTimer, Math.max(0, Math.ceil(when - performance.now())));
  }

  /** Drops the pending Node timer (the loop has closed). */
  close(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Infinity;
  }

  toString(): string {
    return '<RealClock>';
  }
}
