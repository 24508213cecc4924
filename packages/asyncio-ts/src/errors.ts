/**
 * The error classes of asyncio-ts.
 *
 * Every class has its own `name` and a stable `code` string (`ERR_TIMEOUT`,
 * `ERR_QUEUE_SHUTDOWN`, ...): match on `code` when an error may come from another
 * copy of the package. `CancelledError` is a branch of its own, never an
 * {@link AsyncioError}, so a `catch` that handles library failures does not
 * swallow cancellation by accident.
 *
 * @module
 */

/**
 * The root of the library's failure errors (everything but cancellation).
 *
 * @example
 * ```ts
 * try { await queue.getNowait(); } catch (e) { if (e instanceof AsyncioError) console.log(e.code); }
 * ```
 */
export class AsyncioError extends Error {
  /** A stable identifier of the error class, e.g. `ERR_TIMEOUT`. */
  readonly code: string;
  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
  static {
    this.prototype.name = 'AsyncioError';
  }
}

/**
 * The work was cancelled: thrown at the cancellation point (library await) where a
 * cancelled task was waiting, and by `task.result()` of a cancelled task.
 *
 * It is deliberately not an {@link AsyncioError}. Catch it only to clean up, then
 * rethrow; a task body that catches it and returns normally completes normally.
 * It carries no stack trace (cancellation is not a bug; capturing a stack for each
 * of 100,000 cancelled tasks would cost more than the cancellation itself), except
 * in debug mode.
 *
 * @example
 * ```ts
 * try { await sleep('1h'); } catch (e) { if (isCancelled(e)) { await flush(); } throw e; }
 * ```
 */
export class CancelledError extends Error {
  /** Always `ERR_CANCELLED`. */
  readonly code = 'ERR_CANCELLED';
  constructor(message = '') {
    const limit = Error.stackTraceLimit;
    if (!captureCancelStacks) Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
  static {
    this.prototype.name = 'CancelledError';
  }
}

let captureCancelStacks = false;
/** @internal Debug mode turns stack capture of CancelledError on. */
export function setCancelStackCapture(on: boolean): void {
  captureCancelStacks = on;
}

/**
 * True when `err` is a {@link CancelledError} (from this or any other copy of the
 * package). Use it in `catch` blocks that must let cancellation through.
 */
export function isCancelled(err: unknown): err is CancelledError {
  return (
    err instanceof CancelledError ||
    (typeof err === 'object' &&
      err !== null &&
      (err as { code?: unknown }).code === 'ERR_CANCELLED' &&
      (err as { name?: unknown }).name === 'CancelledError')
  );
}

/**
 * A deadline passed: raised at the boundary of the `timeout()` scope (or by
 * `waitFor`, `asCompleted`) whose deadline fired, after the work inside was cancelled.
 */
export class TimeoutError extends AsyncioError {
  constructor(message = 'the operation timed out', options?: ErrorOptions) {
    super(message, 'ERR_TIMEOUT', options);
  }
  static {
    this.prototype.name = 'TimeoutError';
  }
}

/**
 * An operation was attempted in a state that does not allow it: reading the result
 * of a pending task, setting a future twice, releasing an unheld lock, adding a
 * task to a finished group, reusing a ContextVar token, nesting `run()`.
 */
export class InvalidStateError extends AsyncioError {
  constructor(message: string) {
    super(message, 'ERR_INVALID_STATE');
  }
  static {
    this.prototype.name = 'InvalidStateError';
  }
}

/** `getNowait()` on an empty queue. */
export class QueueEmpty extends AsyncioError {
  constructor(message = 'the queue is empty') {
    super(message, 'ERR_QUEUE_EMPTY');
  }
  static {
    this.prototype.name = 'QueueEmpty';
  }
}

/** `putNowait()` on a full queue. */
export class QueueFull extends AsyncioError {
  constructor(message = 'the queue is full') {
    super(message, 'ERR_QUEUE_FULL');
  }
  static {
    this.prototype.name = 'QueueFull';
  }
}

/** `put()`/`get()` on a queue that was shut down (and, for `get`, drained). */
export class QueueShutDown extends AsyncioError {
  constructor(message = 'the queue was shut down') {
    super(message, 'ERR_QUEUE_SHUTDOWN');
  }
  static {
    this.prototype.name = 'QueueShutDown';
  }
}

/** A barrier was reset or aborted while (or before) a party waited on it. */
export class BrokenBarrierError extends AsyncioError {
  constructor(message = 'the barrier is broken') {
    super(message, 'ERR_BROKEN_BARRIER');
  }
  static {
    this.prototype.name = 'BrokenBarrierError';
  }
}

/** A read found no separator within the buffer limit. */
export class LimitOverrunError extends AsyncioError {
  /** How many bytes were consumed before the limit was hit. */
  readonly consumed: number;
  constructor(message: string, consumed: number) {
    super(message, 'ERR_LIMIT_OVERRUN');
    this.consumed = consumed;
  }
  static {
    this.prototype.name = 'LimitOverrunError';
  }
}

/**
 * Several errors at once: what a failed {@link TaskGroup} throws. `errors` holds
 * the real failures (never a `CancelledError`), including an error thrown by the
 * group's own body.
 */
export class ExceptionGroup extends AggregateError {
  /** Always `ERR_EXCEPTION_GROUP`. */
  readonly code = 'ERR_EXCEPTION_GROUP';
  declare readonly errors: unknown[];
  constructor(errors: Iterable<unknown>, message = 'unhandled errors in a TaskGroup') {
    const list = [...errors];
    super(list, `${message} (${list.length} sub-exception${list.length === 1 ? '' : 's'})`);
  }
  static {
    this.prototype.name = 'ExceptionGroup';
  }
}
