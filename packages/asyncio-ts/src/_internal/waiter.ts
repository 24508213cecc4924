// Waiter: the record of one library await. A task blocked in a library await has
// exactly one current waiter (task._waiter); cancelling the task hands the
// cancellation to that waiter, which undoes its registration (removes itself from
// a timer heap or a wait list, or passes on what it was granted) and rejects with
// CancelledError. This is what makes every library await a cancellation point.
import { CancelledError } from '../errors.js';
import type { Task } from '../tasks.js';
import { loopHooks } from './hooks.js';

let capturedResolve: (v: never) => void;
let capturedReject: (e: unknown) => void;
function capture(res: (v: never) => void, rej: (e: unknown) => void): void {
  capturedResolve = res;
  capturedReject = rej;
}
function noop(): void {}

/** @internal */
export class Waiter<T = unknown> {
  task: Task<unknown> | undefined = undefined;
  promise: Promise<T> | undefined = undefined;
  resolve: ((v: T) => void) | undefined = undefined;
  reject: ((e: unknown) => void) | undefined = undefined;

  /** Creates the promise and registers as the task's current wait. */
  suspend(task: Task<unknown> | undefined): Promise<T> {
    const p =
      task !== undefined && task._createdAt !== undefined && task._loop.getDebug()
        ? loopHooks.trackedPromise!<T>(task, capture, this.describe())
        : new Promise<T>(capture);
    this.resolve = capturedResolve as (v: T) => void;
    this.reject = capturedReject;
    // Do not keep the last promise alive from module scope.
    capturedResolve = capturedReject = undefined as never;
    this.promise = p;
    if (task !== undefined) {
      this.task = task;
      task._waiter = this as unknown as Waiter<unknown>;
    }
    return p;
  }

  /** Ends the wait with a value. */
  wake(v: T): void {
    const t = this.task;
    if (t !== undefined && t._waiter === this) t._waiter = null;
    this.resolve!(v);
  }

  /** Ends the wait with an error. */
  fail(e: unknown): void {
    const t = this.task;
    if (t !== undefined && t._waiter === this) t._waiter = null;
    this.reject!(e);
  }

  /**
   * The owner task (passed too, for a waiter shared by many tasks) was cancelled
   * while blocked here. Returns true when the cancellation was delivered (or
   * forwarded); false leaves it pending on the task.
   */
  onCancel(msg: string, _task?: Task<unknown>): boolean {
    this.detach();
    const t = this.task;
    if (t !== undefined && t._waiter === this) t._waiter = null;
    // The promise may never be awaited (a call someone forgot to await):
    // never let our rejection become an unhandled one.
    this.promise!.catch(noop);
    this.reject!(new CancelledError(msg));
    return true;
  }

  /** Removes the waiter from whatever structure it waits in. */
  detach(): void {}

  /** What the task is blocked in, for the task tree. */
  describe(): string {
    return 'waiting';
  }
}
