// Shared test helpers: run a body under a VirtualClock and check that it left
// nothing behind.
import assert from 'node:assert/strict';
import { getRunningLoop, run, sleep, type EventLoop } from '../src/index.js';
import { VirtualClock } from '../src/testing/index.js';

/** What a runner checks after `run()`: nothing, no timer left, or no timer and no task left. */
export type LeakCheck = 'none' | 'timers' | 'all';

/** Per-call options of a runner made by {@link virtualRunner}. */
export interface VirtualRunOptions {
  clock?: VirtualClock;
  debug?: boolean;
}

/**
 * A `vrun(main)` that runs `main(loop)` under `run()` with a fresh VirtualClock (or the
 * given one) and then asserts the leak checks chosen here.
 */
export function virtualRunner(leaks: LeakCheck) {
  return async function vrun<T>(
    main: (loop: EventLoop) => Promise<T> | T,
    opts: VirtualRunOptions = {},
  ): Promise<T> {
    let loop: EventLoop | undefined;
    const result = await run(
      async () => {
        loop = getRunningLoop();
        return main(loop);
      },
      { clock: opts.clock ?? new VirtualClock(), debug: opts.debug ?? false },
    );
    assert.ok(loop !== undefined);
    if (leaks !== 'none') assert.equal(loop._timerCount(), 0, 'a timer was left behind');
    if (leaks === 'all') assert.deepEqual(loop._liveTasks(), [], 'a task was left behind');
    return result;
  };
}

/** Lets the loop turn a few times (each `sleep(0)` is one turn). */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await sleep(0);
}
