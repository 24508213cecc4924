import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

// Written down from src/index.ts: the public surface of the core entry point.
// Adding or removing an export must update this list (and the docs).
const CORE_EXPORTS = [
  // errors.ts
  'AsyncioError',
  'CancelledError',
  'TimeoutError',
  'InvalidStateError',
  'QueueEmpty',
  'QueueFull',
  'QueueShutDown',
  'BrokenBarrierError',
  'LimitOverrunError',
  'ExceptionGroup',
  'isCancelled',
  // durations.ts
  'toMilliseconds',
  // clock.ts
  'RealClock',
  // loop.ts
  'EventLoop',
  'Handle',
  'TimerHandle',
  'defaultExceptionHandler',
  // futures.ts
  'Future',
  // tasks.ts
  'Task',
  'createTask',
  'currentTask',
  'allTasks',
  // sleep.ts
  'sleep',
  // waiting.ts
  'gather',
  'wait',
  'waitFor',
  'asCompleted',
  'shield',
  'cancellable',
  // timeouts.ts
  'timeout',
  'timeoutAt',
  'Timeout',
  // taskgroups.ts
  'TaskGroup',
  // context.ts
  'ContextVar',
  'Token',
  // runners.ts
  'run',
  // debug.ts
  'formatTaskTree',
  'watchBlockedLoop',
  // running.ts
  'getRunningLoop',
  // locks.ts
  'Lock',
  'Event',
  'Condition',
  // semaphores.ts
  'Semaphore',
  'BoundedSemaphore',
  // barrier.ts
  'Barrier',
  // queues.ts
  'Queue',
  'PriorityQueue',
  'LifoQueue',
  // ratelimit.ts
  'RateLimiter',
  'TokenBucket',
  // keyed-limiter.ts
  'KeyedLimiter',
  // retry.ts
  'retry',
  // map.ts
  'map',
];

// The names SPEC.md documents under "Errors", "Runtime" and "Coordination" for the core entry point.
const SPEC_NAMES = [
  'run',
  'createTask',
  'sleep',
  'gather',
  'wait',
  'waitFor',
  'asCompleted',
  'shield',
  'timeout',
  'timeoutAt',
  'cancellable',
  'currentTask',
  'allTasks',
  'getRunningLoop',
  'TaskGroup',
  'ContextVar',
  'Task',
  'Future',
  'EventLoop',
  'Timeout',
  'CancelledError',
  'TimeoutError',
  'InvalidStateError',
  'QueueEmpty',
  'QueueFull',
  'QueueShutDown',
  'BrokenBarrierError',
  'LimitOverrunError',
  'ExceptionGroup',
  'Lock',
  'Event',
  'Condition',
  'Semaphore',
  'BoundedSemaphore',
  'Barrier',
  'Queue',
  'PriorityQueue',
  'LifoQueue',
  'RateLimiter',
  'TokenBucket',
  'retry',
  'map',
];

describe('exports', () => {
  it('index.ts exports exactly the documented names', async () => {
    const mod = await import('../src/index.js');
    assert.deepEqual(Object.keys(mod).sort(), [...CORE_EXPORTS].sort());
  });

  it('the list above has no duplicates', () => {
    assert.equal(new Set(CORE_EXPORTS).size, CORE_EXPORTS.length);
  });

  it('every export is defined: classes and functions, no undefined re-export', async () => {
    const mod = (await import('../src/index.js')) as Record<string, unknown>;
    for (const name of CORE_EXPORTS) {
      assert.equal(typeof mod[name], 'function', `${name} should be a function or a class`);
    }
  });

  it('every name SPEC.md documents for the core entry point is exported', async () => {
    const mod = (await import('../src/index.js')) as Record<string, unknown>;
    const missing = SPEC_NAMES.filter((name) => !(name in mod));
    assert.deepEqual(missing, []);
  });

  it('the core entry point has no default export', async () => {
    const mod = (await import('../src/index.js')) as Record<string, unknown>;
    assert.equal('default' in mod, false);
  });

  it('testing/index.ts exports exactly VirtualClock, waitAllTasksBlocked and startTestServer', async () => {
    const mod = await import('../src/testing/index.js');
    assert.deepEqual(Object.keys(mod).sort(), [
      'VirtualClock',
      'startTestServer',
      'waitAllTasksBlocked',
    ]);
    assert.equal(typeof mod.VirtualClock, 'function');
    assert.equal(typeof mod.waitAllTasksBlocked, 'function');
    assert.equal(typeof mod.startTestServer, 'function');
    assert.ok(new mod.VirtualClock().now() === 0);
  });

  it('the error classes are exported as the same classes the runtime throws', async () => {
    const { CancelledError, createTask, run, sleep } = await import('../src/index.js');
    const { VirtualClock } = await import('../src/testing/index.js');
    let caught: unknown;
    await run(
      async () => {
        const t = createTask(() => sleep('1h'));
        await sleep(0);
        t.cancel();
        try {
          await t;
        } catch (e) {
          caught = e;
        }
      },
      { clock: new VirtualClock() },
    );
    assert.ok(caught instanceof CancelledError);
  });
});
