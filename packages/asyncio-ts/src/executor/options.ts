/**
 * The options and the statistics of `WorkerPool`.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import { toMilliseconds, type Duration } from '../durations.js';

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** A name for `toString()` and the task tree. Default `'pool-<n>'`. */
  name?: string;
  /** The most worker threads at once. Default `os.availableParallelism()`. */
  maxWorkers?: number;
  /**
   * How many jobs may wait for a worker; one more makes `run()` reject with
   * `QueueFull`. Default `maxWorkers * 256`; `Infinity` for no bound.
   */
  maxQueue?: number;
  /** An idle worker exits after this long (ms or `'30s'`). Default `'10s'`. */
  idleTimeout?: Duration;
  /**
   * How long a cancelled job that is already running may go on (to notice
   * `isJobCancelled()` and return) before its worker is terminated and replaced,
   * on the loop's clock. Default `'1s'`; 0 terminates at once.
   */
  cancelGrace?: Duration;
  /** V8 heap limits of each worker (`worker_threads` `resourceLimits`). */
  resourceLimits?: ResourceLimits;
}

/** Options of {@link WorkerPool.shutdown}, as in Python's `Executor.shutdown`. */
export interface ShutdownOptions {
  /** Resolve only once every pending job has ended and every worker has exited. Default true. */
  wait?: boolean;
  /** Drop the jobs still queued: their callers get `CancelledError`. Default false. */
  cancelFutures?: boolean;
}

/** A snapshot of a pool, from {@link WorkerPool.statistics}. */
export interface WorkerPoolStatistics {
  /** Worker threads alive (starting, busy or idle). */
  readonly workers: number;
  /** Workers running a job (including abandoned jobs in their grace period). */
  readonly busy: number;
  /** Jobs waiting for a worker. */
  readonly queued: number;
  /** Jobs that returned a value. */
  readonly completed: number;
  /** Jobs that threw in the worker. */
  readonly failed: number;
  /** Jobs whose caller was cancelled (queued or running), or dropped by `cancelFutures`. */
  readonly cancelled: number;
  /** Jobs whose worker died under them (exit, out of memory). */
  readonly crashed: number;
}

/** @internal Options checked and filled in. */
export interface ResolvedOptions {
  name: string | undefined;
  maxWorkers: number;
  maxQueue: number;
  idleMs: number | null;
  graceMs: number;
  resourceLimits: ResourceLimits | undefined;
}

/** @internal */
export function resolveOptions(opts: WorkerPoolOptions): ResolvedOptions {
  const max = opts.maxWorkers ?? availableParallelism();
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(`maxWorkers must be an integer >= 1, got ${max}`);
  }
  const q = opts.maxQueue ?? max * 256;
  if (!(q === Infinity || (Number.isInteger(q) && q >= 0))) {
    throw new RangeError(`maxQueue must be an integer >= 0 or Infinity, got ${q}`);
  }
  return {
    name: opts.name,
    maxWorkers: max,
    maxQueue: q,
    idleMs: toMilliseconds(opts.idleTimeout ?? '10s', 'idleTimeout'),
    graceMs: toMilliseconds(opts.cancelGrace ?? '1s', 'cancelGrace') ?? Infinity,
    resourceLimits: opts.resourceLimits,
  };
}
