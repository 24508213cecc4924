/**
 * The session's limits: requests in flight in all and per host, and request rates
 * in all and per host, so a crawler is polite with one option. Per-host caps,
 * per-host rates, the overall cap and hold-offs go through one `KeyedLimiter`
 * keyed by origin; the overall rate through a `RateLimiter`.
 *
 * @module
 */
import { toMilliseconds, type Duration } from '../durations.js';
import { KeyedLimiter, type KeyedLimiterStatistics, type Release } from '../keyed-limiter.js';
import { RateLimiter } from '../ratelimit.js';

/** A rate: at most `rate` requests in any window of `period`. */
export interface RateOptions {
  rate: number;
  period: Duration;
}

/**
 * Limits of a session. Each request holds one place from the moment it is sent
 * until its body is read (or its streamed body released), so with HTTP/1.1 the
 * caps on requests are caps on busy connections.
 */
export interface LimitOptions {
  /** Requests in flight over all hosts (busy connections). Default 100; `null`: none. */
  connections?: number | null;
  /** Requests in flight per origin (scheme, host, port). Default: none (only `connections`). */
  connectionsPerHost?: number | null;
  /** The overall request rate. Default: none. */
  rate?: RateOptions | null;
  /** The request rate per origin (sliding window). Default: none. */
  ratePerHost?: RateOptions | null;
}

/** A snapshot of a session's limits. */
export interface LimitStatistics extends KeyedLimiterStatistics {
  /** Requests waiting for the overall rate. */
  readonly rateWaiting: number;
}

/** @internal */
export const DEFAULT_CONNECTIONS = 100;

function cap(v: number | null | undefined, dflt: number | null, what: string): number | null {
  if (v === undefined) return dflt;
  if (v === null || v === Infinity) return null;
  if (!Number.isInteger(v) || v < 1) {
    throw new RangeError(`${what} must be a positive integer (or null for none), got ${String(v)}`);
  }
  return v;
}

/** @internal The limiters of one session. */
export class Limits {
  readonly keyed: KeyedLimiter<string>;
  readonly global: RateLimiter | null;
  /** connections per origin for the dispatcher (null: no cap of its own) */
  readonly perHost: number | null;
  readonly total: number | null;

  constructor(opts: LimitOptions = {}) {
    this.total = cap(opts.connections, DEFAULT_CONNECTIONS, 'limits.connections');
    this.perHost = cap(opts.connectionsPerHost, null, 'limits.connectionsPerHost');
    const rph = opts.ratePerHost ?? null;
    if (rph !== null) toMilliseconds(rph.period, 'limits.ratePerHost.period');
    this.keyed = new KeyedLimiter<string>({
      ...(this.total !== null ? { totalConcurrency: this.total } : {}),
      ...(this.perHost !== null ? { concurrency: this.perHost } : {}),
      ...(rph !== null ? { rate: rph.rate, period: rph.period } : {}),
    });
    const r = opts.rate ?? null;
    this.global = r !== null ? new RateLimiter(r.rate, r.period) : null;
  }

  /** A place for `origin` if one is free now, without waiting; else null. */
  tryAcquire(origin: string): Release | null {
    const release = this.keyed.tryAcquire(origin);
    if (release === null) return null;
    if (this.global !== null && !this.global.tryAcquire()) {
      release();
      return null;
    }
    return release;
  }

  /**
   * Waits for a place for `origin`.
   *
   * Cancellation: a cancellation point; a cancelled wait holds nothing.
   */
  async acquire(origin: string): Promise<Release> {
    const release = await this.keyed.acquire(origin);
    if (this.global !== null) {
      try {
        await this.global.acquire();
      } catch (e) {
        release();
        throw e;
      }
    }
    return release;
  }

  /** Holds `origin` (only it) for `ms`. */
  holdOff(origin: string, ms: number): void {
    this.keyed.holdOff(origin, ms);
  }

  statistics(): LimitStatistics {
    return Object.freeze({
      ...this.keyed.statistics(),
      rateWaiting: this.global?.statistics().waiters ?? 0,
    });
  }
}
