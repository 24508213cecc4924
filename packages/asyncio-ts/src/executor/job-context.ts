/**
 * What job code running in a worker can call: `isJobCancelled()`,
 * `throwIfJobCancelled()`, and `move()` to transfer instead of copy.
 *
 * The state lives on `globalThis` under a registered symbol, so job modules that
 * import another copy of the package (or a source function sent by `toThread`, which
 * gets these names in its scope) all see the same abort flag.
 *
 * @module
 */
import type { TransferListItem } from 'node:worker_threads';
import { CancelledError } from '../errors.js';

/** @internal State of the job running in this thread. */
interface JobState {
  /** The worker's abort flag: index 0 is 1 once the running job was cancelled. */
  flag: Int32Array | null;
  /** Values marked with `move()`, transferred instead of copied. */
  moved: WeakSet<object>;
}

const STATE = Symbol.for('asyncio-ts.executor.job');

/** @internal */
export function jobState(): JobState {
  const g = globalThis as { [STATE]?: JobState };
  let s = g[STATE];
  if (s === undefined) s = g[STATE] = { flag: null, moved: new WeakSet() };
  return s;
}

const state = jobState();

/**
 * True once the job running in this worker was cancelled: its awaiting task was
 * cancelled, its timeout scope expired, or the pool was told to drop it. Poll it in
 * long loops and stop early; it costs one atomic load. Outside a worker job it is
 * always false.
 *
 * @example
 * ```ts
 * export function countPrimes(limit: number): number {
 *   let n = 0;
 *   for (let i = 2; i < limit; i++) {
 *     if ((i & 0xffff) === 0 && isJobCancelled()) return -1; // nobody wants it any more
 *     if (isPrime(i)) n++;
 *   }
 *   return n;
 * }
 * ```
 *
 * Cancellation: a job that never polls is terminated (with its worker, which the
 * pool replaces) after the pool's `cancelGrace`.
 */
export function isJobCancelled(): boolean {
  const f = state.flag;
  return f !== null && Atomics.load(f, 0) === 1;
}

/**
 * Throws `CancelledError` when the job running in this worker was cancelled (see
 * {@link isJobCancelled}); otherwise does nothing.
 *
 * @example
 * ```ts
 * export function resize(img: Uint8Array): Uint8Array {
 *   for (const row of rows(img)) { throwIfJobCancelled(); scale(row); }
 *   return out;
 * }
 * ```
 *
 * @throws {CancelledError} when the job was cancelled
 */
export function throwIfJobCancelled(): void {
  const f = state.flag;
  if (f !== null && Atomics.load(f, 0) === 1) {
    throw new CancelledError('the job was cancelled');
  }
}

/**
 * Marks `value` to be moved (transferred) to the other thread instead of copied,
 * and returns it unchanged (same type). Works for `ArrayBuffer`, typed arrays and
 * `DataView`s (their whole buffer moves), and `MessagePort`s, given as a direct
 * argument of a job, or as the value a job returns. After the move the sender's
 * buffer is detached (`byteLength` 0).
 *
 * @example
 * ```ts
 * const pixels = new Uint8Array(4 * 1920 * 1080);
 * const out = await pool.run(images, 'invert', move(pixels)); // no copy; pixels is now empty
 * // in the worker module:
 * export function invert(p: Uint8Array): Uint8Array { ...; return move(p); }
 * ```
 *
 * A buffer that cannot be transferred (a small `Buffer` from Node's shared pool)
 * makes the job fail with a `DataCloneError`: copy it into a fresh `Uint8Array` first.
 */
export function move<T extends object>(value: T): T {
  state.moved.add(value);
  return value;
}

/** @internal The transfer list for `values` (those marked with `move`), or undefined. */
export function takeTransfers(values: readonly unknown[]): TransferListItem[] | undefined {
  let list: TransferListItem[] | undefined;
  const moved = state.moved;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'object' || v === null || !moved.has(v)) continue;
    moved.delete(v);
    const t = ArrayBuffer.isView(v) ? v.buffer : (v as TransferListItem);
    (list ??= []).push(t as TransferListItem);
  }
  return list;
}
