/**
 * `toThread(fn, ...args)` and the loop's default executor.
 *
 * @module
 */
import { loopHooks } from '../_internal/hooks.js';
import { getRunningLoop } from '../running.js';
import type { EventLoop } from '../loop.js';
import { WorkerPool } from './pool.js';

/**
 * Runs a self-contained function in a worker thread of the running loop's default
 * executor and resolves with its result: the counterpart of Python's
 * `asyncio.to_thread`, for CPU-bound work.
 *
 * The function is sent as **source text** and compiled again in the worker, so it
 * must be self-contained: it sees its arguments, the worker's globals,
 * `isJobCancelled`, `throwIfJobCancelled` and `move`, and nothing else of the scope
 * it was written in: no closure variables, no imports of its module (use
 * `await import('node:crypto')` inside it). Using one fails with a `ReferenceError`
 * that names the variable and says closures are not sent. Arguments and the result
 * are copied (structured clone); `move(buf)` transfers a buffer instead. For real
 * programs, prefer a module: `pool.run(workerModule(url), 'name', ...args)`.
 *
 * @example
 * ```ts
 * import { toThread } from 'asyncio-ts/executor';
 * const sum = await toThread((n: number) => { let s = 0; for (let i = 1; i <= n; i++) s += i; return s; }, 1e9);
 * const factor = 3;
 * await toThread((n: number) => n * factor, 2);   // ReferenceError: 'factor' is not defined in the worker thread...
 * await toThread((n: number, f: number) => n * f, 2, factor); // 6
 * ```
 *
 * Cancellation: as `WorkerPool.run`: a queued call is dropped at once; a running one
 * sees `isJobCancelled()` turn true and is terminated after the grace period (1 s).
 */
export function toThread<A extends unknown[], R>(
  fn: (...args: A) => R | Promise<R>,
  ...args: A
): Promise<R> {
  return getRunningLoop().runInExecutor(null, fn, ...args);
}

/**
 * @internal The default executor of a loop: created on first use, unbounded queue
 * (like Python's), shut down by `run()` when it ends.
 */
export function createDefaultExecutor(loop: EventLoop): WorkerPool {
  return new WorkerPool({ name: `default (loop #${loop._id})`, maxQueue: Infinity });
}

/** @internal Installs the default executor factory (done by importing the entry point). */
export function installDefaultExecutor(): void {
  loopHooks.createDefaultExecutor ??= createDefaultExecutor;
}
