/**
 * `retry`: call a function again after a failure, with exponential backoff.
 *
 * @module
 */
import { isCancelled } from './errors.js';
import { toMilliseconds, type Duration } from './durations.js';
import { taskStorage } from './_internal/current.js';
import { sleep } from './sleep.js';

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Calls in all, the first included (a positive integer, or Infinity). Default 3. */
  attempts?: number;
  /** The nominal wait after the first failure. Default 100 ms. */
  delay?: Duration;
  /** Each nominal wait is the previous one times `factor` (>= 1). Default 2. */
  factor?: number;
  /** The cap of the nominal wait (`null`: none). Default 10 s. */
  maxDelay?: Duration | null;
  /**
   * Full jitter: each wait is drawn uniformly in [0, nominal wait], so that many
   * clients failing together do not retry together. Default true.
   */
  jitter?: boolean;
  /** Retries only the errors it returns true for; others are rethrown at once. */
  retryIf?: (err: unknown) => boolean;
  /** Called before each wait with the error, the attempt that failed (from 1), and the wait in ms. */
  onRetry?: (err: unknown, attempt: number, delay: number) => void;
}

/**
 * Calls `fn(attempt)` (attempt counts from 1) until it succeeds or `attempts`
 * calls have failed, waiting between calls with exponential backoff, full jitter
 * and a cap. An error with a numeric `retryAfter` (ms, e.g. from a Retry-After
 * header) makes the next wait at least that long. After the last attempt the last
 * error itself is rethrown, with an `attempts` property set to the number of calls
 * made.
 *
 * @example
 * ```ts
 * const page = await retry((attempt) => fetchPage(url), {
 *   attempts: 5,
 *   delay: '200ms',
 *   maxDelay: '5s',
 *   retryIf: (e) => !(e instanceof NotFound),
 *   onRetry: (e, attempt, ms) => log.warn(`attempt ${attempt} failed, again in ${ms} ms`),
 * });
 * ```
 *
 * Cancellation: the waits are cancellation points; a `CancelledError` (from `fn`
 * or a wait) is never retried and passes through unchanged.
 *
 * @throws {RangeError} / {TypeError} for invalid options (as a rejection)
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T> | T,
  opts: RetryOptions = {},
): Promise<T> {
  if (typeof fn !== 'function') throw new TypeError('retry(fn): fn must be a function');
  const attempts = opts.attempts ?? 3;
  if (attempts !== Infinity && (!Number.isInteger(attempts) || attempts < 1)) {
    throw new RangeError(`retry: attempts must be a positive integer, got ${String(attempts)}`);
  }
  const base = toMilliseconds(opts.delay ?? 100, 'retry delay');
  if (base === null) throw new TypeError('retry: delay must be finite');
  const factor = opts.factor ?? 2;
  if (typeof factor !== 'number' || !(factor >= 1) || factor === Infinity) {
    throw new RangeError(`retry: factor must be a finite number >= 1, got ${String(factor)}`);
  }
  const cap =
    opts.maxDelay === undefined ? 10_000 : toMilliseconds(opts.maxDelay, 'retry maxDelay');
  const maxDelay = cap ?? Infinity;
  const jitter = opts.jitter ?? true;
  const { retryIf, onRetry } = opts;

  const task = taskStorage.getStore();
  if (task !== undefined && task._mustCancel) throw task._takeCancel();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (isCancelled(err)) throw err;
      if (attempt >= attempts || (retryIf !== undefined && !retryIf(err))) {
        throw withAttempts(err, attempt);
      }
      const nominal = Math.min(maxDelay, base * factor ** (attempt - 1));
      let wait = jitter ? Math.random() * nominal : nominal;
      const after = retryAfterOf(err);
      if (after > wait) wait = after;
      onRetry?.(err, attempt, wait);
      await sleep(wait);
    }
  }
}

function retryAfterOf(err: unknown): number {
  if (typeof err !== 'object' || err === null) return 0;
  const v = (err as { retryAfter?: unknown }).retryAfter;
  return typeof v === 'number' && v > 0 && v !== Infinity ? v : 0;
}

function withAttempts(err: unknown, attempts: number): unknown {
  if (typeof err === 'object' && err !== null && Object.isExtensible(err)) {
    try {
      (err as { attempts?: number }).attempts = attempts;
    } catch {
      // a read-only `attempts`: leave the error as it is
    }
  }
  return err;
}
