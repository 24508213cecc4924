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
  // An autojumping VirtualClock does not jump while someone waits here (as in
  // Trio): the other tasks are still blocked when this returns.
  loop._quiescenceWaiters++;
  try {
    let quiet = 0;
    while (quiet < turns) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      quiet = loop._hasReady() ? 0 : quiet + 1;
    }
  } finally {
    loop._quiescenceWaiters--;
  }
}
