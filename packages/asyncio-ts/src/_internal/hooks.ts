// Late-bound functions that let loop.ts call into modules that import it
// (tasks, futures, debug, the executor entry point) without an import cycle.
import type { EventLoop, Executor, Runnable } from '../loop.js';
import type { Task, TaskOptions } from '../tasks.js';
import type { Future } from '../futures.js';

/** @internal */
export const loopHooks: {
  createTask?: <T>(loop: EventLoop, fn: () => Promise<T> | T, opts?: TaskOptions) => Task<T>;
  createFuture?: <T>(loop: EventLoop) => Future<T>;
  createDefaultExecutor?: (loop: EventLoop) => Executor;
  setDebug?: (loop: EventLoop, on: boolean) => void;
  runReadyMeasured?: (loop: EventLoop, q: Runnable[]) => void;
  trackedPromise?: <T>(
    task: Task<unknown>,
    executor: (res: (v: T) => void, rej: (e: unknown) => void) => void,
    desc: string,
  ) => Promise<T>;
  taskEnded?: (task: Task<unknown>) => void;
  /** true while debug mode or a blocked-loop watcher is on */
  measure: boolean;
  /** record where tasks are created */
  recordSites: boolean;
} = { measure: false, recordSites: false };
