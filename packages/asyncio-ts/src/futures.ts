/**
 * Futures: containers for a result that arrives later. {@link Task} builds on the
 * same base.
 *
 * @module
 */
import { inspect } from 'node:util';
import { CancelledError, InvalidStateError, isCancelled } from './errors.js';
import { taskStorage } from './_internal/current.js';
import type { EventLoop } from './loop.js';
import type { Task } from './tasks.js';
import { Waiter } from './_internal/waiter.js';
import { loopHooks } from './_internal/hooks.js';
import { _ambientLoop, Handle } from './loop.js';

/** @internal */ export const PENDING = 0;
/** @internal */ export const RUNNING = 1;
/** @internal */ export const DONE = 2;
/** @internal */ export const FAILED = 3;
/** @internal */ export const CANCELLED_STATE = 4;

// Bits of `_flags` (the tasks' bits are here too, so that a task has one field for all).
/** @internal a failure was not retrieved */ export const LOG_ERROR = 1;
/** @internal a task's cancellation was requested and not delivered yet */ export const MUST_CANCEL = 2;
/** @internal a task's CancelledError is on its way to the body */ export const CANCEL_IN_FLIGHT = 4;
/** @internal a task owns its ContextVar map */ export const OWN_CONTEXT = 8;
/** @internal the bits above this hold a task's count of cancellation requests */
export const CANCEL_SHIFT = 4;
/** @internal one cancellation request in `_flags` */ export const ONE_CANCEL = 1 << CANCEL_SHIFT;

/** @internal A done callback that is an object (no closure, called synchronously). */
export interface DoneListener {
  _onDone(f: BaseFuture<unknown>): void;
}
/** A function called (on a later turn of the loop) once a future or task is done. */
export type DoneCallback<F> = (f: F) => void;
type AnyCallback = DoneCallback<never> | DoneListener;

interface Deferred {
  promise: Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

let dRes: (v: unknown) => void;
let dRej: (e: unknown) => void;
function dCapture(res: (v: unknown) => void, rej: (e: unknown) => void): void {
  dRes = res;
  dRej = rej;
}

/**
 * @internal The awaiting side of `await futureOrTask` inside a task: cancelling
 * the awaiting task cancels what it awaits (as in asyncio); `shield` prevents it.
 */
export class AwaitWaiter extends Waiter<unknown> implements DoneListener {
  target: BaseFuture<unknown>;
  constructor(target: BaseFuture<unknown>) {
    super();
    this.target = target;
  }
  override onCancel(msg: string): boolean {
    return this.target.cancel(msg);
  }
  _onDone(): void {
    const t = this.task;
    if (t !== undefined && t._waiter === this) t._waiter = null;
  }
  override describe(): string {
    return `awaiting ${this.target.toString()}`;
  }
}

/**
 * @internal The shared machinery of Future and Task: state, result, done callbacks,
 * and the thenable protocol (`await` works on both).
 */
export abstract class BaseFuture<T> implements PromiseLike<T> {
  /** @internal */ _state = PENDING;
  /** @internal result or error */ _value: unknown = undefined;
  /** @internal */ _callbacks: AnyCallback | AnyCallback[] | null = null;
  /** @internal */ _deferred: Deferred | null = null;
  /** @internal */ _loop: EventLoop;
  /** @internal LOG_ERROR, and the tasks' bits */ _flags = 0;

  constructor(loop: EventLoop) {
    this._loop = loop;
  }

  /** True once the result, the error or the cancellation is set. */
  done(): boolean {
    return this._state >= DONE;
  }

  /** True when it ended by cancellation. */
  cancelled(): boolean {
    return this._state === CANCELLED_STATE;
  }

  /**
   * The result. Throws `InvalidStateError` while pending, the `CancelledError`
   * when cancelled, or the error it failed with.
   */
  result(): T {
    const s = this._state;
    if (s === DONE) return this._value as T;
    if (s < DONE)
      throw new InvalidStateError(`${this.toString()} is not done yet: result() is not available`);
    this._retrieved();
    throw this._value;
  }

  /**
   * The error it failed with, or `null` when it succeeded. Throws
   * `InvalidStateError` while pending and the `CancelledError` when cancelled.
   */
  exception(): unknown {
    const s = this._state;
    if (s < DONE)
      throw new InvalidStateError(
        `${this.toString()} is not done yet: exception() is not available`,
      );
    if (s === CANCELLED_STATE) throw this._value;
    this._retrieved();
    return s === FAILED ? this._value : null;
  }

  /** Requests cancellation; returns false when already done. */
  abstract cancel(msg?: string): boolean;

  /**
   * Calls `cb(this)` on a later turn of the loop once done (right away on the next
   * turn if already done).
   */
  addDoneCallback(cb: DoneCallback<this>): void {
    if (typeof cb !== 'function') throw new TypeError('addDoneCallback needs a function');
    this._addListener(cb);
  }

  /** Removes every registration of `cb`; returns how many were removed. */
  removeDoneCallback(cb: DoneCallback<this>): number {
    const cbs = this._callbacks;
    if (cbs === null) return 0;
    if (!Array.isArray(cbs)) {
      if (cbs !== (cb as AnyCallback)) return 0;
      this._callbacks = null;
      return 1;
    }
    const kept = cbs.filter((c) => c !== (cb as AnyCallback));
    const n = cbs.length - kept.length;
    this._callbacks = kept.length === 0 ? null : kept;
    return n;
  }

  /**
   * The thenable protocol, so that `await` works. Inside a task, awaiting a
   * pending future or task is a cancellation point, and cancelling the awaiting
   * task cancels the awaited one (as in asyncio; use `shield` to prevent that).
   */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this._retrieved();
    if (this._state < DONE) {
      const cur = taskStorage.getStore();
      if (cur === (this as unknown as Task<unknown>)) {
        return Promise.reject(
          new InvalidStateError(`${this._label()} cannot await itself (it would wait forever)`),
        ).then(onfulfilled, onrejected);
      }
      if (cur !== undefined) {
        if (cur._mustCancel) {
          return Promise.reject(cur._takeCancel()).then(onfulfilled, onrejected);
        }
        const w = new AwaitWaiter(this);
        w.task = cur;
        cur._waiter = w;
        this._addListener(w);
      }
    }
    return (this._promise() as Promise<T>).then(onfulfilled, onrejected);
  }

  /** Like `Promise.prototype.catch`. */
  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.then(undefined, onrejected);
  }

  /** Like `Promise.prototype.finally`. */
  finally(onfinally?: (() => void) | null): Promise<T> {
    return this.then().finally(onfinally);
  }

  /** @internal */
  _promise(): Promise<unknown> {
    const s = this._state;
    if (s === DONE) return Promise.resolve(this._value);
    if (s > DONE) return Promise.reject(this._value);
    let d = this._deferred;
    if (d === null) {
      const promise = new Promise<unknown>(dCapture);
      d = this._deferred = { promise, resolve: dRes, reject: dRej };
      dRes = dRej = undefined as never; // do not keep the promise alive from module scope
    }
    return d.promise;
  }

  /** @internal */
  _addListener(cb: AnyCallback): void {
    if (this._state >= DONE) {
      this._invoke(cb);
      return;
    }
    const cbs = this._callbacks;
    if (cbs === null) this._callbacks = cb;
    else if (Array.isArray(cbs)) cbs.push(cb);
    else this._callbacks = [cbs, cb];
  }

  /** @internal */
  _removeListener(cb: AnyCallback): void {
    const cbs = this._callbacks;
    if (cbs === cb) this._callbacks = null;
    else if (Array.isArray(cbs)) {
      const i = cbs.indexOf(cb);
      if (i >= 0) cbs.splice(i, 1);
    }
  }

  /** @internal */
  _invoke(cb: AnyCallback): void {
    // Scheduled directly (not through callSoon): a future may finish after its loop closed.
    if (typeof cb === 'function') this._loop._schedule(new Handle(this._loop, cb, [this]));
    else cb._onDone(this);
  }

  /** @internal Sets the final state and notifies everyone. */
  _complete(state: number, value: unknown): void {
    this._state = state;
    this._value = value;
    const d = this._deferred;
    if (d !== null) {
      if (state === DONE) d.resolve(value);
      else d.reject(value);
    }
    if (state === FAILED && (this._flags & LOG_ERROR) === 0 && d === null) {
      this._markUnretrieved();
    }
    const cbs = this._callbacks;
    if (cbs !== null) {
      this._callbacks = null;
      if (Array.isArray(cbs)) for (let i = 0; i < cbs.length; i++) this._invoke(cbs[i]!);
      else this._invoke(cbs);
    }
  }

  /** @internal */
  _markUnretrieved(): void {
    this._flags |= LOG_ERROR;
    unretrieved.track(this);
  }

  /** @internal */
  _retrieved(): void {
    if ((this._flags & LOG_ERROR) !== 0) {
      this._flags &= ~LOG_ERROR;
      unretrieved.untrack(this);
    }
  }

  /** @internal */
  abstract _label(): string;

  /** @internal */
  _stateName(): string {
    return ['pending', 'running', 'done', 'failed', 'cancelled'][this._state]!;
  }

  toString(): string {
    return this._label();
  }

  [inspect.custom](): string {
    return this._label();
  }
}

/**
 * A result that will be set later by someone else: the low-level rendezvous between
 * a producer and the tasks awaiting it.
 *
 * @example
 * ```ts
 * const fut = new Future<number>();
 * createTask(async () => { await sleep(100); fut.setResult(42); });
 * console.log(await fut); // 42
 * ```
 *
 * Cancellation: awaiting a future is a cancellation point; cancelling the awaiting
 * task cancels the future (so every other awaiter gets `CancelledError` too). Use
 * `shield(fut)` to wait without that effect.
 */
export class Future<T> extends BaseFuture<T> {
  constructor(loop?: EventLoop) {
    super(loop ?? taskStorage.getStore()?._loop ?? _ambientLoop());
  }

  /** Sets the result; throws `InvalidStateError` when already done. */
  setResult(value: T): void {
    if (this._state >= DONE)
      throw new InvalidStateError(`${this._label()} is already done: cannot set its result`);
    this._complete(DONE, value);
  }

  /** Sets the error; throws `InvalidStateError` when already done. */
  setException(error: unknown): void {
    if (this._state >= DONE)
      throw new InvalidStateError(`${this._label()} is already done: cannot set its exception`);
    if (isCancelled(error)) {
      throw new TypeError('setException(CancelledError) is not allowed: use cancel() instead');
    }
    this._complete(FAILED, error);
  }

  /** Cancels the future (awaiters get `CancelledError(msg)`); false when already done. */
  cancel(msg?: string): boolean {
    if (this._state >= DONE) return false;
    this._complete(CANCELLED_STATE, new CancelledError(msg ?? ''));
    return true;
  }

  /** @internal */
  _label(): string {
    return `<Future ${this._stateName()}>`;
  }
}

loopHooks.createFuture = <T>(loop: EventLoop): Future<T> => new Future<T>(loop);

/** @internal True for library futures and tasks. */
export function isFuture(x: unknown): x is BaseFuture<unknown> {
  return x instanceof BaseFuture;
}

// ---- exceptions no one retrieved ----

interface Held {
  label: string;
  error: unknown;
  loop: EventLoop;
  future: WeakRef<BaseFuture<unknown>>;
}

const unretrieved = {
  registry: new FinalizationRegistry<Held>((held) => {
    unretrieved.refs.delete(held.future);
    report(held);
  }),
  refs: new Set<WeakRef<BaseFuture<unknown>>>(),
  byFuture: new WeakMap<BaseFuture<unknown>, WeakRef<BaseFuture<unknown>>>(),
  track(f: BaseFuture<unknown>): void {
    // Format the stack now: until then V8 keeps the frames' receivers (the task
    // itself) reachable from the error, and the task could never be collected.
    if (f._value instanceof Error) void f._value.stack;
    const ref = new WeakRef(f);
    this.refs.add(ref);
    this.byFuture.set(f, ref);
    this.registry.register(
      f,
      { label: f._label(), error: f._value, loop: f._loop, future: ref },
      ref,
    );
  },
  untrack(f: BaseFuture<unknown>): void {
    const ref = this.byFuture.get(f);
    if (ref === undefined) return;
    this.refs.delete(ref);
    this.byFuture.delete(f);
    this.registry.unregister(ref);
  },
};

function report(held: Held): void {
  held.loop.callExceptionHandler({
    message: `${held.label.startsWith('<Task') ? 'Task' : 'Future'} exception was never retrieved: ${held.label}`,
    error: held.error,
  });
}

/** @internal Reports (and forgets) every unretrieved failure of `loop` still alive. */
export function _reportUnretrieved(loop: EventLoop): void {
  for (const ref of [...unretrieved.refs]) {
    const f = ref.deref();
    if (f === undefined || f._loop !== loop || (f._flags & LOG_ERROR) === 0) continue;
    f._flags &= ~LOG_ERROR;
    unretrieved.untrack(f);
    loop.callExceptionHandler({
      message: `${f instanceof Future ? 'Future' : 'Task'} exception was never retrieved: ${f._label()}`,
      error: f._value,
      ...(f instanceof Future
        ? { future: f as Future<unknown> }
        : { task: f as unknown as Task<unknown> }),
    });
  }
}
