/**
 * `WorkerPool`: a pool of worker threads that runs CPU-bound functions off the
 * event loop, with cancellation that reaches into the worker.
 *
 * @module
 */
import { inspect } from 'node:util';
import type { ResourceLimits } from 'node:worker_threads';
import { CancelledError, InvalidStateError, QueueFull } from '../errors.js';
import { taskStorage } from '../_internal/current.js';
import { Waiter } from '../_internal/waiter.js';
import type { Executor } from '../loop.js';
import { crashError, deserializeError } from './errors.js';
import {
  ABANDONED,
  DONE,
  GraceTimer,
  Job,
  JobQueue,
  QUEUED,
  RUNNING,
  type JobOwner,
} from './job.js';
import { takeTransfers } from './job-context.js';
import {
  toModuleUrl,
  type BoundJob,
  type FunctionKeys,
  type JobArgs,
  type JobResult,
  type WorkerModule,
} from './module.js';
import {
  resolveOptions,
  type ShutdownOptions,
  type WorkerPoolOptions,
  type WorkerPoolStatistics,
} from './options.js';
import { MODULE, SOURCE, type ResultMessage } from './protocol.js';
import { functionSource } from './source.js';
import { WorkerSlot, type SlotOwner } from './worker-slot.js';

const OPEN = 0;
const SHUTTING_DOWN = 1;
const SHUT_DOWN = 2;
const STATES = ['open', 'shutting down', 'shut down'];
let poolIds = 0;

class DrainWaiter extends Waiter<void> {
  readonly waiters: Set<DrainWaiter>;
  constructor(waiters: Set<DrainWaiter>) {
    super();
    this.waiters = waiters;
  }
  override detach(): void {
    this.waiters.delete(this);
  }
  override describe(): string {
    return 'WorkerPool.shutdown';
  }
}

/**
 * A pool of worker threads for CPU-bound work: up to `maxWorkers` threads, started
 * on demand, exiting after `idleTimeout` idle, never keeping the process alive
 * while idle. Give it work as a module export (typed with {@link workerModule}) or
 * as a self-contained function sent as source text.
 *
 * @example
 * ```ts
 * const pool = new WorkerPool({ maxWorkers: 4 });
 * const images = workerModule<typeof import('./images.js')>(new URL('./images.js', import.meta.url));
 * const thumb = await pool.run(images, 'resize', move(pixels), 160);
 * const n = await pool.run((limit: number) => { let s = 0; for (let i = 0; i < limit; i++) s += i; return s; }, 1e8);
 * await pool.shutdown();
 * ```
 *
 * Cancellation: `run()` is a cancellation point. A queued job whose caller is
 * cancelled (by `task.cancel()` or a `timeout()` scope) is removed at once and never
 * runs. A running one has its abort flag raised (`isJobCancelled()` in the job turns
 * true) and the caller gets `CancelledError` at once; if the job has not ended after
 * `cancelGrace`, its worker is terminated and a new one takes its place.
 */
export class WorkerPool implements Executor, JobOwner, SlotOwner {
  /** The pool's name. */
  readonly name: string;
  readonly #maxWorkers: number;
  readonly #maxQueue: number;
  readonly #idleMs: number | null;
  readonly #graceMs: number;
  readonly #limits: ResourceLimits | undefined;
  #state = OPEN;
  readonly #all = new Set<WorkerSlot>();
  /** idle workers, least recently used first */
  readonly #idle: WorkerSlot[] = [];
  readonly #queue = new JobQueue();
  #busy = 0;
  #ids = 0;
  #completed = 0;
  #failed = 0;
  #cancelled = 0;
  #crashed = 0;
  #sweepTimer: NodeJS.Timeout | undefined = undefined;
  readonly #drainWaiters = new Set<DrainWaiter>();
  /** running jobs whose caller was cancelled, in their grace period */
  readonly #abandoned = new Set<Job>();

  constructor(opts: WorkerPoolOptions = {}) {
    const o = resolveOptions(opts);
    this.name = o.name ?? `pool-${++poolIds}`;
    this.#maxWorkers = o.maxWorkers;
    this.#maxQueue = o.maxQueue;
    this.#idleMs = o.idleMs;
    this.#graceMs = o.graceMs;
    this.#limits = o.resourceLimits;
  }

  /**
   * Runs a job in a worker and resolves with its result:
   * - `run(fn, ...args)`: `fn` is sent as source text (see `toThread` for the limits);
   * - `run(mod, name, ...args)`: the export `name` of a {@link workerModule}, typed;
   * - `run(url, name, ...args)`: the same with a plain URL, untyped.
   *
   * Arguments and results are copied (structured clone); wrap an argument in
   * `move()` to transfer it instead.
   *
   * Cancellation: see the class. Errors thrown in the worker reject with their
   * name, message, `code` and the worker's stack.
   *
   * @throws {QueueFull} when `maxQueue` jobs are already waiting
   * @throws {InvalidStateError} after `shutdown()`
   * @throws {WorkerCrashedError} when the worker died under the job
   */
  run<A extends unknown[], R>(fn: (...args: A) => R | Promise<R>, ...args: A): Promise<R>;
  run<M, K extends FunctionKeys<M>>(
    mod: WorkerModule<M>,
    name: K,
    ...args: JobArgs<M[K]>
  ): Promise<JobResult<M[K]>>;
  run(url: URL | string, name: string, ...args: unknown[]): Promise<unknown>;
  run(target: unknown, ...rest: unknown[]): Promise<unknown> {
    if (typeof target === 'function') {
      let src: string;
      try {
        src = functionSource(target as (...args: never[]) => unknown);
      } catch (e) {
        return Promise.reject(e);
      }
      const fname = (target as { name?: string }).name || 'anonymous function';
      return this.#submit(SOURCE, src, '', rest, fname);
    }
    let url: string;
    try {
      url =
        typeof target === 'object' && target !== null && !(target instanceof URL)
          ? (target as WorkerModule<unknown>).url
          : toModuleUrl(target as URL | string);
    } catch (e) {
      return Promise.reject(e);
    }
    const name = rest[0];
    if (typeof name !== 'string') {
      return Promise.reject(
        new TypeError(`pool.run(module, name, ...args) needs the export's name`),
      );
    }
    return this.#submit(MODULE, url, name, rest.slice(1), name);
  }

  /**
   * A function that runs export `name` of `mod` in this pool: a typed handle to
   * call like the function itself.
   *
   * @example
   * ```ts
   * const resize = pool.bind(images, 'resize');
   * const thumbs = await gather(files.map((f) => () => resize(f, 160)));
   * ```
   */
  bind<M, K extends FunctionKeys<M>>(mod: WorkerModule<M>, name: K): BoundJob<M[K]> {
    const url = mod.url;
    return (...args) => this.#submit(MODULE, url, name, args, name) as Promise<JobResult<M[K]>>;
  }

  #submit(
    kind: typeof MODULE | typeof SOURCE,
    target: string,
    name: string,
    args: unknown[],
    what: string,
  ): Promise<unknown> {
    const task = taskStorage.getStore();
    if (task !== undefined && task._mustCancel) return Promise.reject(task._takeCancel());
    if (this.#state !== OPEN) {
      return Promise.reject(
        new InvalidStateError(`cannot run new jobs: ${this.toString()} was shut down`),
      );
    }
    if (this.#abandoned.size > 0) this.#reapAbandoned(false);
    let slot = this.#idle.pop();
    if (slot === undefined && this.#all.size < this.#maxWorkers) slot = this.#spawn();
    if (slot === undefined && this.#queue.size >= this.#maxQueue) {
      return Promise.reject(
        new QueueFull(`the queue of ${this.toString()} is full (maxQueue=${this.#maxQueue})`),
      );
    }
    const msg = { id: ++this.#ids, kind, target, name, args };
    const job = new Job(this, msg, takeTransfers(args), `WorkerPool '${this.name}' ${what}`);
    const p = job.suspend(task);
    if (slot !== undefined) this.#start(slot, job);
    else this.#queue.push(job);
    return p;
  }

  #spawn(): WorkerSlot {
    const slot = new WorkerSlot(this, this.#limits);
    this.#all.add(slot);
    return slot;
  }

  #start(slot: WorkerSlot, job: Job): void {
    job.state = RUNNING;
    job.slot = slot;
    slot.job = job;
    slot.idle = false;
    slot.ref();
    this.#busy++;
    try {
      slot.post(job);
    } catch (e) {
      // The arguments cannot be cloned (a function, a class instance with #private...).
      slot.job = null;
      this.#busy--;
      job.state = DONE;
      this.#failed++;
      job.fail(e);
      this.#next(slot);
    }
  }

  /** A worker is free: give it the next job, or let it idle (or retire). */
  #next(slot: WorkerSlot): void {
    const job = this.#queue.shift();
    if (job !== null) {
      this.#start(slot, job);
    } else if (this.#state !== OPEN) {
      slot.retire();
    } else {
      slot.idle = true;
      slot.idleSince = performance.now();
      slot.unref();
      this.#idle.push(slot);
      this.#armSweep();
    }
  }

  /** @internal A worker answered. */
  _onResult(slot: WorkerSlot, msg: ResultMessage): void {
    const job = slot.job;
    if (job === null || job.msg.id !== msg.id) return;
    slot.job = null;
    this.#busy--;
    if (job.state === RUNNING) {
      job.state = DONE;
      if (msg.ok) {
        this.#completed++;
        job.wake(msg.value);
      } else {
        this.#failed++;
        job.fail(deserializeError(msg.error!));
      }
    } else {
      this.#endGrace(job);
    }
    this.#next(slot);
  }

  /** @internal A worker exited: retired by us, or crashed under its job. */
  _onExit(slot: WorkerSlot, code: number): void {
    this.#all.delete(slot);
    if (slot.idle) {
      slot.idle = false;
      const i = this.#idle.indexOf(slot);
      if (i !== -1) this.#idle.splice(i, 1);
    }
    const job = slot.job;
    if (job !== null) {
      slot.job = null;
      this.#busy--;
      if (job.state === RUNNING) {
        job.state = DONE;
        this.#crashed++;
        job.fail(crashError(job.label, code, slot.error));
      } else {
        this.#endGrace(job);
      }
    }
    // Replace it if work is waiting (never more than maxWorkers).
    while (this.#queue.size > 0 && this.#all.size < this.#maxWorkers) {
      this.#start(this.#spawn(), this.#queue.shift()!);
    }
    this.#checkDrained();
  }

  /** @internal The awaiting task of `job` was cancelled. */
  _cancel(job: Job): void {
    if (job.state === QUEUED) {
      this.#queue.remove(job);
      job.state = DONE;
      this.#cancelled++;
      this.#checkDrained();
    } else if (job.state === RUNNING) {
      job.state = ABANDONED;
      this.#cancelled++;
      const slot = job.slot!;
      slot.abort();
      // No one awaits it any more: it must not keep the process alive.
      slot.unref();
      this.#abandoned.add(job);
      const loop = job.task?._loop;
      if (this.#graceMs === 0 || loop === undefined || loop.isClosed()) {
        slot.retire();
      } else if (this.#graceMs !== Infinity) {
        job.grace = new GraceTimer(loop.time() + this.#graceMs, job, this.#graceExpired);
        loop._addTimer(job.grace);
      }
    }
  }

  readonly #graceExpired = (job: Job): void => {
    job.grace = null;
    if (job.state === ABANDONED && job.slot?.job === job) job.slot.retire();
  };

  /**
   * Terminates abandoned jobs whose grace timer can no longer fire (their loop has
   * closed), or all of them (at shutdown: no one wants their results).
   */
  #reapAbandoned(all: boolean): void {
    for (const job of this.#abandoned) {
      const loop = job.task?._loop;
      if (all || loop === undefined || loop.isClosed()) job.slot?.retire();
    }
  }

  #endGrace(job: Job): void {
    job.state = DONE;
    this.#abandoned.delete(job);
    const g = job.grace;
    if (g !== null) {
      job.grace = null;
      job.task?._loop._cancelTimer(g);
    }
  }

  // Idle workers exit after idleTimeout. This is housekeeping in real time, not
  // program logic, so it uses one unref'd Node timer per pool rather than the loop's
  // clock (whose timer would keep the process alive, and whose loop may be gone).
  #armSweep(): void {
    if (this.#sweepTimer !== undefined || this.#idleMs === null) return;
    const oldest = this.#idle[0];
    if (oldest === undefined) return;
    const due = Math.max(0, oldest.idleSince + this.#idleMs - performance.now());
    this.#sweepTimer = setTimeout(this.#sweep, Math.ceil(due)).unref();
  }

  readonly #sweep = (): void => {
    this.#sweepTimer = undefined;
    const now = performance.now();
    const idle = this.#idle;
    let n = 0;
    while (n < idle.length && now - idle[n]!.idleSince >= this.#idleMs! - 1) n++;
    for (const slot of idle.splice(0, n)) {
      slot.idle = false;
      slot.retire();
    }
    this.#armSweep();
  };

  /**
   * Stops taking jobs and lets the workers go, as Python's `Executor.shutdown`:
   * with `cancelFutures`, jobs still queued are dropped (their callers get
   * `CancelledError`); jobs already running finish. With `wait` (the default), resolves
   * once every remaining job has ended and every worker has exited. Calling it again
   * is harmless. `run()` of `asyncio-ts` calls it on the loop's default executor.
   *
   * @example
   * ```ts
   * await pool.shutdown({ cancelFutures: true });
   * ```
   *
   * Cancellation: waiting is a cancellation point; a cancelled wait does not stop
   * the shutdown.
   */
  shutdown(opts: ShutdownOptions = {}): Promise<void> {
    const wait = opts.wait ?? true;
    if (this.#state === OPEN) {
      this.#state = SHUTTING_DOWN;
      if (this.#sweepTimer !== undefined) clearTimeout(this.#sweepTimer);
      this.#sweepTimer = undefined;
      for (const slot of this.#idle.splice(0)) {
        slot.idle = false;
        slot.retire();
      }
    }
    this.#reapAbandoned(true);
    if (opts.cancelFutures === true) {
      for (let job = this.#queue.shift(); job !== null; job = this.#queue.shift()) {
        job.state = DONE;
        this.#cancelled++;
        job.fail(new CancelledError(`the executor ${this.toString()} was shut down`));
      }
    }
    this.#checkDrained();
    if (!wait || this.#state === SHUT_DOWN) return Promise.resolve();
    const task = taskStorage.getStore();
    if (task !== undefined && task._mustCancel) return Promise.reject(task._takeCancel());
    const w = new DrainWaiter(this.#drainWaiters);
    this.#drainWaiters.add(w);
    return w.suspend(task);
  }

  #checkDrained(): void {
    if (this.#state !== SHUTTING_DOWN || this.#all.size > 0 || this.#queue.size > 0) return;
    this.#state = SHUT_DOWN;
    for (const w of this.#drainWaiters) w.wake(undefined);
    this.#drainWaiters.clear();
  }

  /** Shuts down and waits (`await using pool = new WorkerPool()`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown({ wait: true });
  }

  /** A frozen snapshot: workers, busy, queued, completed, failed, cancelled, crashed. */
  statistics(): WorkerPoolStatistics {
    return Object.freeze({
      workers: this.#all.size,
      busy: this.#busy,
      queued: this.#queue.size,
      completed: this.#completed,
      failed: this.#failed,
      cancelled: this.#cancelled,
      crashed: this.#crashed,
    });
  }

  /** E.g. `<WorkerPool 'default' open workers=2/4 busy=1 queued=0 completed=12>`. */
  toString(): string {
    return (
      `<WorkerPool '${this.name}' ${STATES[this.#state]} workers=${this.#all.size}/${this.#maxWorkers}` +
      ` busy=${this.#busy} queued=${this.#queue.size} completed=${this.#completed}>`
    );
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
