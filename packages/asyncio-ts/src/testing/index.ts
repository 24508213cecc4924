/**
 * `asyncio-ts/testing`: what this project's own tests use, public for yours.
 *
 * @example
 * ```ts
 * import { run, sleep, getRunningLoop } from 'asyncio-ts';
 * import { VirtualClock } from 'asyncio-ts/testing';
 * await run(async () => { await sleep('1h'); }, { clock: new VirtualClock() }); // instant
 * ```
 *
 * @module
 */
export { VirtualClock, type VirtualClockOptions } from './virtual-clock.js';
export { waitAllTasksBlocked } from './blocked.js';
export {
  startTestServer,
  type TestServer,
  type TestServerOptions,
  type TestServerStatistics,
} from './test-server.js';
