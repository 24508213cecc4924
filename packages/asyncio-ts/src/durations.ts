/**
 * Durations: numbers of milliseconds, or strings with a unit (`'250ms'`, `'1.5s'`,
 * `'2m'`, `'1h'`).
 *
 * @module
 */

/** A duration in milliseconds, or a string with a unit: `'250ms'`, `'1.5s'`, `'2m'`, `'1h'`. */
export type Duration =
  number | `${number}${'ms' | 's' | 'm' | 'h'}` | `${number} ${'ms' | 's' | 'm' | 'h'}`;

const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PATTERN = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h)\s*$/;

/**
 * Converts a duration to milliseconds; `null`/`undefined` (and `Infinity`) mean
 * "no limit" and give `null`.
 *
 * @throws {RangeError} a negative or NaN number, or a negative string
 * @throws {TypeError} a string that is not a number with a unit
 * @example
 * ```ts
 * toMilliseconds('1.5s'); // 1500
 * toMilliseconds(null);   // null
 * ```
 */
export function toMilliseconds(d: Duration | null | undefined, what = 'duration'): number | null {
  if (typeof d === 'number') {
    if (d >= 0) return d === Infinity ? null : d;
    throw new RangeError(`${what} must be a non-negative number of milliseconds, got ${d}`);
  }
  if (d === null || d === undefined) return null;
  if (typeof d === 'string') {
    const m = PATTERN.exec(d);
    if (m !== null) return Number(m[1]) * UNIT[m[2]!]!;
    if (/^\s*-/.test(d)) throw new RangeError(`${what} must not be negative, got '${d}'`);
    throw new TypeError(
      `${what} must be a number of ms or a string like '250ms', '1.5s', '2m', '1h'; got '${d}'`,
    );
  }
  throw new TypeError(`${what} must be a number of ms or a string with a unit, got ${typeof d}`);
}

/** Like {@link toMilliseconds} but "no limit" is not allowed. */
export function toMillisecondsRequired(d: Duration, what = 'duration'): number {
  const ms = toMilliseconds(d, what);
  if (ms === null) throw new TypeError(`${what} is required, got ${String(d)}`);
  return ms;
}
