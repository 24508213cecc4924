/**
 * asyncio-ts: the asyncio model of concurrent I/O for TypeScript on Node.js.
 *
 * This entry point has no dependencies. Optional parts live in their own entry
 * points: `asyncio-ts/testing` (VirtualClock and test helpers).
 *
 * @example
 * ```ts
 * import { run, createTask, gather, sleep, timeout } from 'asyncio-ts';
 *
 * await run(async () => {
 *   const slow = createTask(async () => { await sleep('2s'); return 'slow'; });
 *   const fast = createTask(async () => { await sleep('1s'); return 'fast'; });
 *   console.log(await gather([slow, fast])); // [ 'slow', 'fast' ] after 2 s
 *   await timeout('100ms', () => sleep('1h')).catch((e) => console.log(e.name)); // TimeoutError
 * });
 * ```
 *
 * @module
 */
export {
  AsyncioError,
  CancelledError,
  TimeoutError,
  InvalidStateError,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  BrokenBarrierError,
  LimitOverrunError,
  ExceptionGroup,
  isCancelled,
} from './errors.js';
export { toMilliseconds, type Duration } from './durations.js';
export { RealClock, type Clock, type ClockHost } from './clock.js';
export {
  EventLoop,
  Handle,
  TimerHandle,
  defaultExceptionHandler,
  type ExceptionContext,
  type ExceptionHandler,
  type Executor,
} from './loop.js';
export { Future, type DoneCallback } from './futures.js';
export { Task, createTask, currentTask, allTasks, type TaskOptions } from './tasks.js';
export { sleep } from './sleep.js';
export {
  gather,
  wait,
  waitFor,
  asCompleted,
  shield,
  cancellable,
  type Awaitable,
  type AwaitablesOf,
  type Settled,
  type ReturnWhen,
} from './waiting.js';
export { timeout, timeoutAt, Timeout } from './timeouts.js';
export { TaskGroup } from './taskgroups.js';
export { ContextVar, Token } from './context.js';
export { run, type RunOptions } from './runners.js';
export { formatTaskTree, watchBlockedLoop, type BlockedLoopReport } from './debug.js';
export { getRunningLoop } from './running.js';

// Coordination: locks, semaphores, barriers, queues, rate limits, retry, bounded map.
export {
  Lock,
  Event,
  Condition,
  type LockStatistics,
  type EventStatistics,
  type ConditionStatistics,
} from './locks.js';
export { Semaphore, BoundedSemaphore, type SemaphoreStatistics } from './semaphores.js';
export { Barrier, type BarrierStatistics } from './barrier.js';
export {
  Queue,
  PriorityQueue,
  LifoQueue,
  type QueueOptions,
  type PriorityQueueOptions,
  type QueueStatistics,
} from './queues.js';
export {
  RateLimiter,
  TokenBucket,
  type RateLimiterStatistics,
  type TokenBucketOptions,
  type TokenBucketStatistics,
} from './ratelimit.js';
export {
  KeyedLimiter,
  type KeyedLimiterOptions,
  type KeyLimits,
  type KeyStatistics,
  type KeyedLimiterStatistics,
  type Release,
} from './keyed-limiter.js';
export { retry, type RetryOptions } from './retry.js';
export { map, type MapOptions, type MapIterator, type MapStatistics } from './map.js';
