/**
 * Timeouts per phase of a request: waiting for a place (pool), connecting,
 * waiting for the response headers, the body going idle, and a total deadline over
 * all attempts. All run on the loop's clock, so a `VirtualClock` drives them too.
 *
 * @module
 */
import { TimeoutError } from '../errors.js';
import { toMilliseconds, type Duration } from '../durations.js';
import { timeoutAt, type Timeout } from '../timeouts.js';
import { HttpTimeoutError, type TimeoutPhase } from './errors.js';

/**
 * Limits per phase of a request; `null` means no limit. A plain duration given
 * where `TimeoutOptions` are accepted sets `total` and keeps the other defaults.
 *
 * - `pool` (default none): waiting for a place under the session's limits
 *   (connections, per-host caps, rates) before the first attempt.
 * - `connect` (10 s): from dispatch until the request is on a connected socket.
 * - `headers` (30 s): from the request being sent until the response headers.
 * - `body` (30 s): the longest silence between two chunks of the body.
 * - `total` (5 min): from the first attempt's start until the body is read, over
 *   all attempts, redirects, backoff waits and hold-offs.
 */
export interface TimeoutOptions {
  /** Waiting for a place under the limits before the first attempt. Default: none. */
  pool?: Duration | null;
  /** Connecting (and waiting for a socket). Default 10 s. */
  connect?: Duration | null;
  /** Waiting for the response headers once the request is sent. Default 30 s. */
  headers?: Duration | null;
  /** The longest silence between two chunks of the body. Default 30 s. */
  body?: Duration | null;
  /** Everything after the first place is granted, all attempts included. Default 5 min. */
  total?: Duration | null;
}

/** What the `timeout` options accept: per-phase limits, or one duration for `total`. */
export type TimeoutSetting = TimeoutOptions | Duration | null;

/** @internal Resolved limits in ms (`null`: none). */
export interface Timeouts {
  readonly pool: number | null;
  readonly connect: number | null;
  readonly headers: number | null;
  readonly body: number | null;
  readonly total: number | null;
}

/** @internal */
export const DEFAULT_TIMEOUTS: Timeouts = Object.freeze({
  pool: null,
  connect: 10_000,
  headers: 30_000,
  body: 30_000,
  total: 300_000,
});

const PHASES = ['pool', 'connect', 'headers', 'body', 'total'] as const;

/** @internal Resolves a setting on top of `base` (field by field). */
export function resolveTimeouts(setting: TimeoutSetting | undefined, base: Timeouts): Timeouts {
  if (setting === undefined) return base;
  if (setting === null) {
    return Object.freeze({ pool: null, connect: null, headers: null, body: null, total: null });
  }
  if (typeof setting === 'number' || typeof setting === 'string') {
    return Object.freeze({ ...base, total: toMilliseconds(setting, 'timeout') });
  }
  if (typeof setting !== 'object') {
    throw new TypeError(
      `timeout must be a duration or { connect, headers, ... }, got ${typeof setting}`,
    );
  }
  const out: Record<string, number | null> = { ...base };
  for (const k of Object.keys(setting)) {
    if (!(PHASES as readonly string[]).includes(k)) {
      throw new TypeError(`unknown timeout '${k}' (expected one of ${PHASES.join(', ')})`);
    }
  }
  for (const p of PHASES) {
    if (p in setting) out[p] = toMilliseconds(setting[p], `${p} timeout`);
  }
  return Object.freeze(out as unknown as Timeouts);
}

/**
 * @internal Runs a library wait (a limiter, a backoff sleep) under a deadline in
 * loop time, turning its expiry into an {@link HttpTimeoutError} of `phase`.
 * `when === null` runs `fn` as it is.
 */
export async function waitWithin<T>(
  when: number | null,
  phase: TimeoutPhase,
  limit: number,
  method: string,
  url: string,
  fn: () => Promise<T>,
): Promise<T> {
  if (when === null) return fn();
  let scope: Timeout | undefined;
  try {
    return await timeoutAt(when, (s) => {
      scope = s;
      return fn();
    });
  } catch (e) {
    if (
      scope !== undefined &&
      scope.expired() &&
      e instanceof TimeoutError &&
      !(e instanceof HttpTimeoutError)
    ) {
      throw new HttpTimeoutError(phase, limit, method, url, e);
    }
    throw e;
  }
}
