// How the file functions honour cancellation: Node's fs/promises gets the current
// task's AbortSignal where it takes one, and every await goes through cancellable()
// so a cancelled task is released at once with CancelledError.
import { currentTask } from '../tasks.js';

/** @internal The current task's signal (created on first use), or undefined outside a task. */
export function taskSignal(): AbortSignal | undefined {
  return currentTask()?.signal;
}

/** @internal Waits for a promise whose failure no longer matters (cleanup paths). */
export async function settle(p: Promise<unknown> | undefined): Promise<void> {
  if (p !== undefined) await p.then(noop, noop);
}

/** @internal */
export function noop(): void {}
