/**
 * `waitAllTasksBlocked()`.
 *
 * @module
 */
import { getRunningLoop } from '../running.js';

/**
 * Resolves once every other task of the loop is blocked (nothing is ready to run
 * for a few turns of the loop): the moment to assert on what they are waiting for.
 *
 * @example
 * ```ts
 * const t = createTask(() => queue.get());
 * await waitAllTasksBlocked();
 * assert.match(formatTaskTree(), /Queue.get/);
 * ```
 */
export async function waitAllTasksBlocked(turns = 3): Promise<void> {
  const loop = getRunningLoop();
  let quiet = 0;
  while (quiet < turns) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    quiet = loop.busy() ? 0 : quiet + 1;
  }
}
