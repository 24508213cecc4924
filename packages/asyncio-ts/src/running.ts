/**
 * `getRunningLoop()`.
 *
 * @module
 */
import { taskStorage } from './_internal/current.js';
import { _ambientLoop, type EventLoop } from './loop.js';

/**
 * The event loop of the current task; outside any task, the loop of the active
 * `run()`, or else a default loop with the real clock (so the library also works in
 * scripts that do not use `run()`).
 */
export function getRunningLoop(): EventLoop {
  return taskStorage.getStore()?._loop ?? _ambientLoop();
}
