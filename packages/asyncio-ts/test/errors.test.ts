import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AsyncioError,
  BrokenBarrierError,
  CancelledError,
  ExceptionGroup,
  InvalidStateError,
  LimitOverrunError,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  TimeoutError,
  createTask,
  isCancelled,
  run,
  sleep,
} from '../src/index.js';
import { VirtualClock } from '../src/testing/index.js';

const failureClasses = [
  { cls: TimeoutError, name: 'TimeoutError', code: 'ERR_TIMEOUT', make: () => new TimeoutError() },
  {
    cls: InvalidStateError,
    name: 'InvalidStateError',
    code: 'ERR_INVALID_STATE',
    make: () => new InvalidStateError('bad state'),
  },
  { cls: QueueEmpty, name: 'QueueEmpty', code: 'ERR_QUEUE_EMPTY', make: () => new QueueEmpty() },
  { cls: QueueFull, name: 'QueueFull', code: 'ERR_QUEUE_FULL', make: () => new QueueFull() },
  {
    cls: QueueShutDown,
    name: 'QueueShutDown',
    code: 'ERR_QUEUE_SHUTDOWN',
    make: () => new QueueShutDown(),
  },
  {
    cls: BrokenBarrierError,
    name: 'BrokenBarrierError',
    code: 'ERR_BROKEN_BARRIER',
    make: () => new BrokenBarrierError(),
  },
  {
    cls: LimitOverrunError,
    name: 'LimitOverrunError',
    code: 'ERR_LIMIT_OVERRUN',
    make: () => new LimitOverrunError('no separator', 7),
  },
] as const;

describe('errors', () => {
  for (const { cls, name, code, make } of failureClasses) {
    it(`${name} is an Error and an AsyncioError with its own name and code ${code}`, () => {
      const e = make();
      assert.ok(e instanceof Error);
      assert.ok(e instanceof AsyncioError);
      assert.ok(e instanceof cls);
      assert.equal(e.name, name);
      assert.equal(e.code, code);
      assert.equal(Object.prototype.toString.call(e), '[object Error]');
      assert.match(String(e), new RegExp(`^${name}: `));
      assert.ok(e.message.length > 0, 'a default message that says what happened');
    });
  }

  it('each error class has a distinct name and a distinct code', () => {
    const all = [
      ...failureClasses.map((c) => c.make()),
      new CancelledError(),
      new ExceptionGroup([]),
      new AsyncioError('x', 'ERR_X'),
    ];
    assert.equal(new Set(all.map((e) => e.name)).size, all.length);
    assert.equal(new Set(all.map((e) => e.code)).size, all.length);
  });

  it('AsyncioError carries the given message, code and cause', () => {
    const cause = new Error('root');
    const e = new AsyncioError('something failed', 'ERR_SOMETHING', { cause });
    assert.equal(e.name, 'AsyncioError');
    assert.equal(e.message, 'something failed');
    assert.equal(e.code, 'ERR_SOMETHING');
    assert.equal(e.cause, cause);
  });

  it('TimeoutError accepts a message and a cause', () => {
    const cause = new CancelledError('timeout');
    const e = new TimeoutError('took too long', { cause });
    assert.equal(e.message, 'took too long');
    assert.equal(e.cause, cause);
  });

  it('LimitOverrunError records how many bytes were consumed', () => {
    const e = new LimitOverrunError('separator not found', 4096);
    assert.equal(e.consumed, 4096);
    assert.equal(e.message, 'separator not found');
  });

  describe('CancelledError', () => {
    it('is an Error with name CancelledError and code ERR_CANCELLED', () => {
      const e = new CancelledError('stop');
      assert.ok(e instanceof Error);
      assert.equal(e.name, 'CancelledError');
      assert.equal(e.code, 'ERR_CANCELLED');
      assert.equal(e.message, 'stop');
      assert.equal(new CancelledError().message, '');
    });

    it('is its own branch, never an AsyncioError', () => {
      assert.equal(new CancelledError() instanceof AsyncioError, false);
      assert.equal(new CancelledError() instanceof TimeoutError, false);
    });

    it('carries no stack trace outside debug mode', () => {
      const e = new CancelledError('quiet');
      assert.equal(e.stack, 'CancelledError: quiet');
    });

    it('carries a stack trace in debug mode, and none again once the debug run() ended', async () => {
      let stack: string | undefined;
      await run(
        async () => {
          const t = createTask(() => sleep('1h'));
          await sleep(0);
          t.cancel('debugging');
          try {
            await t;
          } catch (e) {
            stack = (e as Error).stack;
          }
        },
        { debug: true, clock: new VirtualClock() },
      );
      assert.match(stack ?? '', /^CancelledError: debugging\n\s+at /);
      assert.equal(new CancelledError('after').stack, 'CancelledError: after');
    });

    it('does not capture a stack even when Error.stackTraceLimit is raised, and restores the limit', () => {
      const before = Error.stackTraceLimit;
      Error.stackTraceLimit = 50;
      try {
        const e = new CancelledError('x');
        assert.equal(e.stack, 'CancelledError: x');
        assert.equal(Error.stackTraceLimit, 50);
      } finally {
        Error.stackTraceLimit = before;
      }
    });
  });

  describe('isCancelled', () => {
    it('is true for a CancelledError', () => {
      assert.equal(isCancelled(new CancelledError()), true);
    });

    it('is true for a CancelledError from another copy of the package (same name and code)', () => {
      class ForeignCancelledError extends Error {
        readonly code = 'ERR_CANCELLED';
        override name = 'CancelledError';
      }
      assert.equal(isCancelled(new ForeignCancelledError()), true);
      assert.equal(isCancelled({ name: 'CancelledError', code: 'ERR_CANCELLED' }), true);
    });

    it('is false for other errors and values', () => {
      assert.equal(isCancelled(new TimeoutError()), false);
      assert.equal(isCancelled(new Error('CancelledError')), false);
      assert.equal(isCancelled({ name: 'CancelledError' }), false);
      assert.equal(isCancelled({ code: 'ERR_CANCELLED' }), false);
      assert.equal(isCancelled(null), false);
      assert.equal(isCancelled(undefined), false);
      assert.equal(isCancelled('CancelledError'), false);
      assert.equal(isCancelled(new DOMException('aborted', 'AbortError')), false);
    });
  });

  describe('ExceptionGroup', () => {
    it('extends AggregateError, is named ExceptionGroup, and holds its errors in .errors', () => {
      const a = new Error('a');
      const b = new TypeError('b');
      const g = new ExceptionGroup([a, b]);
      assert.ok(g instanceof AggregateError);
      assert.ok(g instanceof Error);
      assert.equal(g.name, 'ExceptionGroup');
      assert.equal(g.code, 'ERR_EXCEPTION_GROUP');
      assert.deepEqual(g.errors, [a, b]);
      assert.equal(g.errors[0], a);
    });

    it('says how many sub-exceptions it holds in its message', () => {
      assert.match(new ExceptionGroup([new Error('x')]).message, /\(1 sub-exception\)$/);
      assert.match(
        new ExceptionGroup([new Error('x'), new Error('y')], 'two failed').message,
        /^two failed \(2 sub-exceptions\)$/,
      );
    });

    it('accepts any iterable of errors', () => {
      const errs = new Set([new Error('1'), new Error('2'), new Error('3')]);
      assert.equal(new ExceptionGroup(errs).errors.length, 3);
    });

    it('is not an AsyncioError and not a CancelledError', () => {
      const g = new ExceptionGroup([new CancelledError()]);
      assert.equal(isCancelled(g), false);
      assert.equal((g as unknown) instanceof AsyncioError, false);
    });
  });
});
