/**
 * Parsing of option values: counts, durations, rates, sizes, headers. Each parser
 * throws a {@link UsageError} naming the option and what it expected.
 *
 * @module
 */
import type { Parsed } from './command.js';

/** A rate: `rate` requests per `periodMs`. */
export interface Rate {
  rate: number;
  periodMs: number;
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
};

/** `10s`, `500ms`, `2m`, `1.5h`, or a plain number of seconds, in ms. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)?$/.exec(text.trim());
  if (m === null) return null;
  return Number(m[1]) * UNIT_MS[m[2] ?? 's']!;
}

/** `10/s`, `100/min`, `5/2s`, `1/500ms`: requests per period. */
export function parseRate(text: string): Rate | null {
  const m = /^(\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)?\s*(ms|s|sec|m|min|h)$/.exec(text.trim());
  if (m === null) return null;
  const n = Number(m[1]);
  const periodMs = Number(m[2] ?? 1) * UNIT_MS[m[3]!]!;
  if (!(n > 0) || !(periodMs > 0)) return null;
  // Whole requests per period: 0.5/s becomes 1 per 2 s.
  if (!Number.isInteger(n)) return { rate: 1, periodMs: periodMs / n };
  return { rate: n, periodMs };
}

/** `10MB`, `512k`, `1g` or a number of bytes. */
export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(text.trim());
  if (m === null) return null;
  const unit = (m[2] ?? 'b').toLowerCase()[0]!;
  const mult = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[unit] ?? 1;
  return Math.floor(Number(m[1]) * mult);
}

/** Reads an integer option in [min, max]; `undefined` when absent. */
export function intOption(
  p: Parsed,
  name: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const v = p.string(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw p.invalid(
      name,
      `expected a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}, got '${v}'`,
    );
  }
  return n;
}

/** Reads a duration option in ms; `undefined` when absent. */
export function durationOption(p: Parsed, name: string): number | undefined {
  const v = p.string(name);
  if (v === undefined) return undefined;
  const ms = parseDuration(v);
  if (ms === null || ms <= 0)
    throw p.invalid(name, `expected a duration like 10s, 500ms or 2m, got '${v}'`);
  return ms;
}

/** Reads a rate option; `undefined` when absent. */
export function rateOption(p: Parsed, name: string): Rate | undefined {
  const v = p.string(name);
  if (v === undefined) return undefined;
  const r = parseRate(v);
  if (r === null) throw p.invalid(name, `expected a rate like 10/s, 100/min or 1/2s, got '${v}'`);
  return r;
}

/** Reads a size option in bytes; `undefined` when absent. */
export function sizeOption(p: Parsed, name: string): number | undefined {
  const v = p.string(name);
  if (v === undefined) return undefined;
  const n = parseSize(v);
  if (n === null || n <= 0)
    throw p.invalid(name, `expected a size like 5MB, 512k or 100000, got '${v}'`);
  return n;
}

/** Reads the repeated `-H 'Name: value'` options as an object. */
export function headerOptions(p: Parsed, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of p.list(name)) {
    const colon = h.indexOf(':');
    const key = colon > 0 ? h.slice(0, colon).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) {
      throw p.invalid(name, `expected 'Name: value', got '${h}'`);
    }
    out[key.toLowerCase()] = h.slice(colon + 1).trim();
  }
  return out;
}
