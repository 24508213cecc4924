/**
 * The retry policy of a session: what is retried (connection errors, connect
 * timeouts, 429/502/503/504), for which methods (the idempotent ones unless told
 * otherwise), how long to wait (the core `retry`'s backoff, at least the
 * `Retry-After` asked, up to a cap), and the hold-off rule for 429/503 with
 * Retry-After.
 *
 * @module
 */
import { isCancelled } from '../errors.js';
import { toMilliseconds, type Duration } from '../durations.js';
import type { RetryOptions as CoreRetryOptions } from '../retry.js';
import { ConnectionError, HttpStatusError, HttpTimeoutError } from './errors.js';
import type { Response } from './response.js';

/**
 * How a session retries. `retry: 5` is short for `{ attempts: 5 }`; `retry: false`
 * (or `attempts: 1`) turns retries off.
 */
export interface RetryOptions {
  /** Attempts in all, the first included. Default 3. */
  attempts?: number;
  /** The first backoff wait (grows by `factor`, full jitter). Default 100 ms. */
  delay?: Duration;
  /** Growth of the backoff. Default 2. */
  factor?: number;
  /** The cap of a backoff wait. Default 10 s. */
  maxDelay?: Duration;
  /** Full jitter on the backoff waits. Default true. */
  jitter?: boolean;
  /** Statuses that are retried. Default 429, 502, 503, 504. */
  statuses?: readonly number[];
  /**
   * Methods that are retried. Default the idempotent ones: GET, HEAD, OPTIONS,
   * PUT, DELETE, TRACE. Add POST to retry it (only when you know it is safe).
   */
  methods?: readonly string[];
  /**
   * The longest `Retry-After` honoured; a longer one is not waited for (the
   * response is returned as it is). Default 60 s.
   */
  maxRetryAfter?: Duration;
  /**
   * A 429 or 503 with `Retry-After` holds its host (only that host) for the time
   * asked and tries again then, without using up an attempt. Default true.
   */
  holdOff?: boolean;
  /** How many hold-offs one request may wait out. Default 5. */
  maxHoldOffs?: number;
}

/** What the `retry` options accept. */
export type RetrySetting = RetryOptions | number | false;

/** @internal A resolved policy. */
export interface RetryPolicy {
  readonly attempts: number;
  /** Backoff options for the core `retry`. */
  readonly backoff: CoreRetryOptions;
  /** statuses[s] true when s is retried */
  readonly statuses: readonly boolean[];
  readonly methods: ReadonlySet<string>;
  readonly maxRetryAfter: number;
  readonly holdOff: boolean;
  readonly maxHoldOffs: number;
}

const IDEMPOTENT = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE'];

function statusTable(list: readonly number[]): boolean[] {
  const t = new Array<boolean>(600).fill(false);
  for (const s of list) {
    if (!Number.isInteger(s) || s < 100 || s > 599) {
      throw new RangeError(`retry statuses must be HTTP statuses (100-599), got ${String(s)}`);
    }
    t[s] = true;
  }
  return t;
}

/** @internal */
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  attempts: 3,
  backoff: Object.freeze({ delay: 100, factor: 2, maxDelay: 10_000, jitter: true }),
  statuses: Object.freeze(statusTable([429, 502, 503, 504])),
  methods: new Set(IDEMPOTENT),
  maxRetryAfter: 60_000,
  holdOff: true,
  maxHoldOffs: 5,
});

/** @internal Resolves a setting on top of `base`. */
export function resolveRetry(setting: RetrySetting | undefined, base: RetryPolicy): RetryPolicy {
  if (setting === undefined) return base;
  if (setting === false) return { ...base, attempts: 1 };
  const o: RetryOptions = typeof setting === 'number' ? { attempts: setting } : setting;
  if (typeof o !== 'object' || o === null) {
    throw new TypeError(
      `retry must be a number of attempts, false, or options; got ${typeof setting}`,
    );
  }
  const attempts = o.attempts ?? base.attempts;
  if (attempts !== Infinity && (!Number.isInteger(attempts) || attempts < 1)) {
    throw new RangeError(`retry attempts must be a positive integer, got ${String(attempts)}`);
  }
  const maxHoldOffs = o.maxHoldOffs ?? base.maxHoldOffs;
  if (!Number.isInteger(maxHoldOffs) || maxHoldOffs < 0) {
    throw new RangeError(`retry maxHoldOffs must be an integer >= 0, got ${String(maxHoldOffs)}`);
  }
  const backoff: CoreRetryOptions = { ...base.backoff };
  if (o.delay !== undefined) backoff.delay = o.delay;
  if (o.factor !== undefined) backoff.factor = o.factor;
  if (o.maxDelay !== undefined) backoff.maxDelay = o.maxDelay;
  if (o.jitter !== undefined) backoff.jitter = o.jitter;
  return Object.freeze({
    attempts,
    backoff: Object.freeze(backoff),
    statuses: o.statuses !== undefined ? Object.freeze(statusTable(o.statuses)) : base.statuses,
    methods:
      o.methods !== undefined ? new Set(o.methods.map((m) => m.toUpperCase())) : base.methods,
    maxRetryAfter:
      o.maxRetryAfter !== undefined
        ? (toMilliseconds(o.maxRetryAfter, 'retry maxRetryAfter') ?? Infinity)
        : base.maxRetryAfter,
    holdOff: o.holdOff ?? base.holdOff,
    maxHoldOffs,
  });
}

/**
 * Parses a `Retry-After` value: delay-seconds (fractions accepted) or an HTTP date.
 * Returns ms (0 for a date in the past), or null when it does not parse.
 *
 * @example
 * ```ts
 * parseRetryAfter('120'); // 120000
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT'); // 0 (in the past)
 * ```
 *
 * Cancellation: not applicable (synchronous).
 */
export function parseRetryAfter(value: string | readonly string[] | undefined): number | null {
  if (value === undefined) return null;
  const v = (typeof value === 'string' ? value : (value[0] ?? '')).trim();
  if (v === '') return null;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  if (!/^[a-z]{3},/i.test(v) && !/[a-z]{3} /i.test(v)) return null;
  const t = Date.parse(v);
  // An HTTP date is wall-clock time: the one place where Date.now() is the right clock.
  return Number.isNaN(t) ? null : Math.max(0, t - Date.now());
}

/**
 * @internal Thrown inside an attempt that got a retried status, so that the core
 * `retry` waits (at least `retryAfter` ms) and tries again. The body was discarded.
 */
export class RetryableStatus extends HttpStatusError {
  /** ms asked by Retry-After, or 0 */
  readonly retryAfter: number;
  constructor(response: Response, retryAfter: number) {
    super(response);
    this.retryAfter = retryAfter;
  }
}

/** @internal True when `err`, from an attempt of `method`, is worth another attempt. */
export function isRetryable(policy: RetryPolicy, method: string, err: unknown): boolean {
  if (isCancelled(err) || !policy.methods.has(method)) return false;
  if (err instanceof RetryableStatus || err instanceof ConnectionError) return true;
  return err instanceof HttpTimeoutError && err.phase === 'connect';
}
