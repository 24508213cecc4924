// One worker thread of a pool, with its abort flag and the job it runs.
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Job } from './job.js';
import type { ResultMessage, WorkerInit } from './protocol.js';

const WORKER_URL = new URL('./executor-worker.js', import.meta.url);

/** @internal What a slot reports to its pool. */
export interface SlotOwner {
  _onResult(slot: WorkerSlot, msg: ResultMessage): void;
  _onExit(slot: WorkerSlot, code: number): void;
}

/** @internal */
export class WorkerSlot {
  readonly worker: Worker;
  readonly flag: Int32Array;
  job: Job | null = null;
  /** in the pool's idle stack */
  idle = false;
  /** performance.now() when it became idle */
  idleSince = 0;
  /** terminated by the pool (idle timeout, shutdown, grace expired): not a crash */
  retiring = false;
  /** the 'error' event before the exit, if any */
  error: unknown = undefined;
  refed = true;

  constructor(owner: SlotOwner, resourceLimits: ResourceLimits | undefined) {
    const sab = new SharedArrayBuffer(4);
    this.flag = new Int32Array(sab);
    const init: WorkerInit = { flag: sab };
    this.worker = new Worker(WORKER_URL, {
      workerData: init,
      ...(resourceLimits !== undefined ? { resourceLimits } : {}),
    });
    this.worker.on('message', (m: ResultMessage) => owner._onResult(this, m));
    this.worker.on('error', (e: unknown) => {
      this.error = e;
    });
    this.worker.on('exit', (code: number) => owner._onExit(this, code));
  }

  /** Sends a job (clearing the abort flag first). Throws if its arguments cannot be cloned. */
  post(job: Job): void {
    Atomics.store(this.flag, 0, 0);
    this.worker.postMessage(job.msg, job.transfer);
  }

  /** Raises the abort flag of the running job. */
  abort(): void {
    Atomics.store(this.flag, 0, 1);
  }

  ref(): void {
    if (!this.refed) {
      this.refed = true;
      this.worker.ref();
    }
  }

  unref(): void {
    if (this.refed) {
      this.refed = false;
      this.worker.unref();
    }
  }

  /** Ends the thread; the pool hears of it through `_onExit`. */
  retire(): void {
    if (this.retiring) return;
    this.retiring = true;
    this.worker.terminate().catch(() => {});
  }
}
