/**
 * `run(main)`: the program's entry point. It owns a loop for the duration of
 * `main`, handles Ctrl-C, and leaves nothing behind.
 *
 * @module
 */
import { InvalidStateError, isCancelled } from './errors.js';
import type { Clock } from './clock.js';
import { taskStorage } from './_internal/current.js';
import { EventLoop, _getRunLoop, _setRunningLoop } from './loop.js';
import { _reportUnretrieved } from './futures.js';
import { _newTask, type Task } from './tasks.js';
import { formatTaskTree } from './debug.js';

/** Options of {@link run}. */
export interface RunOptions {
  /** Debug mode (also on with the environment variable `ASYNCIO_TS_DEBUG=1`). */
  debug?: boolean;
  /** The loop's clock; `new VirtualClock()` from `asyncio-ts/testing` in tests. */
  clock?: Clock;
  /**
   * Handle SIGINT (Ctrl-C): the first cancels `main`, a second exits at once with
   * code 130. Default true.
   */
  handleSignals?: boolean;
}

/**
 * Runs `main` as the root task of a new event loop and resolves with its result.
 *
 * - When `main` ends, tasks still running are cancelled and awaited (their
 *   `finally` blocks run); failures no one retrieved are reported through the
 *   loop's exception handler, with the task's name.
 * - The first Ctrl-C (SIGINT) cancels `main`; `run` then rejects with that
 *   `CancelledError` (message `interrupted by SIGINT`) and sets `process.exitCode`
 *   to 130. A second Ctrl-C ends the process at once with code 130.
 * - The loop's default executor, if one was created, is shut down.
 *
 * @example
 * ```ts
 * await run(async () => {
 *   const results = await gather([fetchA(), fetchB()]);
 *   console.log(results);
 * });
 * ```
 *
 * @throws {InvalidStateError} when called while another `run()` is active or from
 *   inside a task: await `main()` directly there
 */
export async function run<T>(main: () => Promise<T> | T, opts: RunOptions = {}): Promise<T> {
  if (_getRunLoop() !== null || taskStorage.getStore() !== undefined) {
    throw new InvalidStateError(
      'run() cannot be called from a running event loop (another run() is active); await the function directly, or use createTask()',
    );
  }
  if (typeof main !== 'function')
    throw new TypeError('run() needs a function, e.g. run(async () => { ... })');
  const debug = opts.debug ?? process.env.ASYNCIO_TS_DEBUG === '1';
  const loop = new EventLoop({ ...(opts.clock !== undefined ? { clock: opts.clock } : {}), debug });
  _setRunningLoop(loop);
  let interrupts = 0;
  let mainTask: Task<T> | null = null;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1 && mainTask !== null && !mainTask.done()) {
      mainTask.cancel('interrupted by SIGINT');
    } else {
      process.exit(130);
    }
  };
  const onSigusr2 = (): void => {
    process.stderr.write(formatTaskTree(loop) + '\n');
  };
  const handleSignals = opts.handleSignals ?? true;
  if (handleSignals) process.on('SIGINT', onSigint);
  if (debug) process.on('SIGUSR2', onSigusr2);
  try {
    mainTask = _newTask(loop, undefined, main, { name: 'main' });
    try {
      return (await mainTask._promise()) as T;
    } catch (e) {
      if (interrupts > 0 && isCancelled(e)) {
        process.exitCode = 130;
        // An uncaught rejection would otherwise end the process with code 1.
        process.once('exit', setInterruptedExitCode);
      }
      throw e;
    }
  } finally {
    await cancelRemaining(loop, mainTask);
    const ex = loop._defaultExecutor;
    if (ex !== null) {
      loop._defaultExecutor = null;
      await ex.shutdown?.({ wait: true });
    }
    _reportUnretrieved(loop);
    loop._close();
    _setRunningLoop(null);
    if (handleSignals) process.off('SIGINT', onSigint);
    if (debug) {
      process.off('SIGUSR2', onSigusr2);
      loop.setDebug(false);
    }
  }
}

function setInterruptedExitCode(): void {
  process.exitCode = 130;
}

async function cancelRemaining(loop: EventLoop, mainTask: Task<unknown> | null): Promise<void> {
  // Tasks cancelled here may start others in their finally blocks: a few rounds.
  for (let round = 0; round < 10; round++) {
    const left = loop._liveTasks().filter((t) => t !== mainTask && !t.done());
    if (left.length === 0) return;
    for (const t of left) t.cancel('run() is finishing: main returned');
    await new Promise<void>((resolve) => {
      let n = left.length;
      const listener = {
        _onDone(): void {
          if (--n === 0) resolve();
        },
      };
      for (const t of left) t._addListener(listener);
    });
    for (const t of left) {
      if (t.cancelled()) continue;
      const err = t.exception();
      if (err !== null) {
        loop.callExceptionHandler({
          message: 'unhandled exception during run() shutdown',
          error: err,
          task: t,
        });
      }
    }
  }
}
