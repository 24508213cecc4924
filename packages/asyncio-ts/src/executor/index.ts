/**
 * `asyncio-ts/executor`: run CPU-bound functions in worker threads without
 * blocking the event loop, with cancellation that reaches into the worker.
 *
 * Which one to use:
 * - `toThread(fn, ...args)` / `loop.runInExecutor(null, fn, ...args)`: a quick,
 *   self-contained function in the loop's default executor (sent as source text: no
 *   closures).
 * - `new WorkerPool(opts)` with `pool.run(workerModule<typeof import('./m.js')>(url), 'name', ...args)`
 *   or `pool.bind(mod, 'name')`: real programs; typed, any imports, own limits.
 * - In job code: `isJobCancelled()` / `throwIfJobCancelled()` to stop early when the
 *   caller was cancelled, `move(buf)` to transfer instead of copy.
 *
 * Importing this entry point installs the default executor of every loop, so
 * `loop.runInExecutor(null, ...)` works; `run()` shuts it down when it ends.
 *
 * @example
 * ```ts
 * import { run } from 'asyncio-ts';
 * import { toThread } from 'asyncio-ts/executor';
 * await run(async () => {
 *   const n = await toThread((limit: number) => { let s = 0; for (let i = 0; i < limit; i++) s += i; return s; }, 1e8);
 * });
 * ```
 *
 * @module
 */
import { installDefaultExecutor } from './to-thread.js';

export { WorkerPool } from './pool.js';
export type { WorkerPoolOptions, WorkerPoolStatistics, ShutdownOptions } from './options.js';
export {
  workerModule,
  type WorkerModule,
  type BoundJob,
  type FunctionKeys,
  type JobArgs,
  type JobFunction,
  type JobResult,
} from './module.js';
export { toThread } from './to-thread.js';
export { isJobCancelled, throwIfJobCancelled, move } from './job-context.js';
export { WorkerCrashedError } from './errors.js';

installDefaultExecutor();
