/**
 * Task groups: structured concurrency. Children never outlive the group; the first
 * failure cancels the rest; errors come out together as an `ExceptionGroup`.
 *
 * @module
 */
import { inspect } from 'node:util';
import { ExceptionGroup, InvalidStateError, isCancelled } from './errors.js';
import { taskStorage } from './_internal/current.js';
import { Waiter } from './_internal/waiter.js';
import type { BaseFuture, DoneListener } from './futures.js';
import { _newTask, createTask, type Task, type TaskOptions } from './tasks.js';

class ExitWaiter extends Waiter<void> {
  override describe(): string {
    return 'TaskGroup exit (waiting for children)';
  }
}

/**
 * A scope for tasks: `TaskGroup.run(async (tg) => { tg.createTask(...) })` returns
 * once every child has finished.
 *
 * - The first child failure cancels the other children and the body; the group
 *   waits for all of them, then throws an `ExceptionGroup` of the real failures (an
 *   error thrown by the body included; `CancelledError` never).
 * - Cancelling the task running the group cancels the body and every child.
 * - `tg.cancel()` cancels the body and every child, and the group ends without an
 *   error (resolving with `undefined` when the body did not return).
 *
 * @example
 * ```ts
 * const pages = await TaskGroup.run(async (tg) => {
 *   const a = tg.createTask(() => fetchPage('/a'));
 *   const b = tg.createTask(() => fetchPage('/b'));
 *   return [await a, await b];
 * });
 * ```
 *
 * Also usable as `await using tg = new TaskGroup()` inside a task. Note the one
 * difference: JavaScript does not tell a disposer that the block threw, so with
 * `await using` an error thrown by the block itself does not cancel the children
 * (the group still waits for them); `TaskGroup.run` has no such gap. And when a
 * child fails, the block is cancelled and the disposer throws the `ExceptionGroup`,
 * so JavaScript reports a `SuppressedError` whose `.error` is the `ExceptionGroup`
 * (and `.suppressed` the block's `CancelledError`).
 *
 * Cancellation: waiting for the children at the end is a cancellation point; a
 * cancellation there cancels the children and waits for them again.
 */
export class TaskGroup implements DoneListener {
  #parent: Task<unknown>;
  #tasks = new Set<Task<unknown>>();
  #errors: unknown[] = [];
  #aborting = false;
  #exiting = false;
  #finished = false;
  #parentCancelRequested = false;
  #exitWaiter: ExitWaiter | null = null;
  #created = 0;

  /**
   * Opens a group in the current task (for `await using`). Outside a task use
   * `TaskGroup.run`.
   *
   * @throws {InvalidStateError} outside a task
   */
  constructor() {
    const parent = taskStorage.getStore();
    if (parent === undefined) {
      throw new InvalidStateError(
        'new TaskGroup() must be called inside a task (inside run(main)); use TaskGroup.run(body) elsewhere',
      );
    }
    this.#parent = parent;
  }

  /**
   * Runs `body` with a new group and waits for every task created in it. Resolves
   * with the body's result.
   *
   * @throws {ExceptionGroup} when children (or the body) failed
   */
  static run<T>(body: (tg: TaskGroup) => Promise<T> | T): Promise<T> {
    if (taskStorage.getStore() === undefined) {
      return createTask(() => TaskGroup.run(body), { name: 'TaskGroup.run' }).then();
    }
    return new TaskGroup().#runBody(body);
  }

  async #runBody<T>(body: (tg: TaskGroup) => Promise<T> | T): Promise<T> {
    let result: T | undefined;
    let failed = false;
    let err: unknown;
    try {
      result = await body(this);
    } catch (e) {
      failed = true;
      err = e;
    }
    await this.#exit(failed, err);
    return result as T;
  }

  /**
   * Starts `fn` as a child task of the group.
   *
   * @throws {InvalidStateError} when the group is finished or shutting down
   */
  createTask<T>(fn: () => Promise<T> | T, opts?: TaskOptions): Task<T> {
    if (this.#finished || (this.#exiting && this.#tasks.size === 0)) {
      throw new InvalidStateError('TaskGroup is finished: no task can be added to it');
    }
    if (this.#aborting) {
      throw new InvalidStateError(
        'TaskGroup is shutting down (a child failed or it was cancelled): no task can be added',
      );
    }
    const t = _newTask(this.#parent._loop, taskStorage.getStore() ?? this.#parent, fn, opts);
    this.#created++;
    const u = t as Task<unknown>;
    if (t.done()) this._onDone(u);
    else {
      this.#tasks.add(u);
      t._addListener(this);
    }
    return t;
  }

  /**
   * Cancels the body and every child; the group then ends without an error.
   * Idempotent; no effect once the group finished.
   */
  cancel(): void {
    if (this.#finished) return;
    if (!this.#aborting) this.#abort();
    if (!this.#exiting && !this.#parentCancelRequested) {
      this.#parentCancelRequested = true;
      this.#parent.cancel('TaskGroup.cancel()');
    }
  }

  /** Closes the group: waits for the children (for `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#exiting) return;
    await this.#exit(false, undefined);
  }

  /** A snapshot: running children, children created so far, failures collected. */
  statistics(): { running: number; created: number; errors: number; state: string } {
    return {
      running: this.#tasks.size,
      created: this.#created,
      errors: this.#errors.length,
      state: this.#stateName(),
    };
  }

  /** @internal DoneListener */
  _onDone(f: BaseFuture<unknown>): void {
    const t = f as Task<unknown>;
    this.#tasks.delete(t);
    if (this.#tasks.size === 0 && this.#exitWaiter !== null) {
      const w = this.#exitWaiter;
      this.#exitWaiter = null;
      w.wake();
    }
    if (t.cancelled()) return;
    const exc = t.exception();
    if (exc === null) return;
    this.#errors.push(exc);
    if (this.#parent.done()) {
      this.#parent._loop.callExceptionHandler({
        message: 'TaskGroup child failed after its parent task finished',
        error: exc,
        task: t,
      });
      return;
    }
    if (!this.#aborting && !this.#parentCancelRequested) {
      this.#abort();
      this.#parentCancelRequested = true;
      this.#parent.cancel('a TaskGroup child failed');
    }
  }

  #abort(): void {
    this.#aborting = true;
    for (const t of this.#tasks) if (!t.done()) t.cancel('TaskGroup is shutting down');
  }

  async #exit(failed: boolean, err: unknown): Promise<void> {
    this.#exiting = true;
    let propagateCancel: unknown = failed && isCancelled(err) ? err : null;
    if (failed && !this.#aborting) this.#abort();
    while (this.#tasks.size > 0) {
      const w = (this.#exitWaiter = new ExitWaiter());
      const cur = taskStorage.getStore();
      try {
        if (cur !== undefined && cur._mustCancel) throw cur._takeCancel();
        await w.suspend(cur);
      } catch (e) {
        this.#exitWaiter = null;
        if (!isCancelled(e)) throw e;
        if (!this.#aborting) {
          propagateCancel = e;
          this.#abort();
        }
      }
    }
    this.#finished = true;
    if (this.#parentCancelRequested && this.#parent.uncancel() === 0) propagateCancel = null;
    if (propagateCancel !== null && this.#errors.length === 0) throw propagateCancel;
    if (failed && !isCancelled(err)) this.#errors.push(err);
    if (this.#errors.length > 0) {
      if (this.#parent.cancelling() > 0) {
        this.#parent.uncancel();
        this.#parent.cancel();
      }
      const errors = this.#errors;
      this.#errors = [];
      throw new ExceptionGroup(errors);
    }
  }

  #stateName(): string {
    return this.#finished
      ? 'finished'
      : this.#aborting
        ? 'aborting'
        : this.#exiting
          ? 'exiting'
          : 'entered';
  }

  toString(): string {
    return `<TaskGroup ${this.#stateName()} tasks=${this.#tasks.size} errors=${this.#errors.length}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
