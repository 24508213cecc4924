// Awaiting a statement that runs on the server, as a cancellation point that really
// stops it: cancelling the waiting task asks the server to cancel the statement
// (PostgreSQL cancel request, MySQL KILL QUERY, SQLite sqlite3_interrupt through a small extension),
// repeats the request until the statement settles, and destroys the connection if
// it has not settled within the grace period. Only then does the task get its
// CancelledError, so the connection is never handed on while still busy.
import { CancelledError } from '../errors.js';
import { taskStorage } from '../_internal/current.js';
import { Waiter } from '../_internal/waiter.js';
import type { TimerHandle } from '../loop.js';
import type { DriverConnection } from './driver.js';

const RESEND_MS = 250;

class StatementWaiter<T> extends Waiter<T> {
  readonly conn: DriverConnection;
  readonly graceMs: number;
  cancelMsg: string | null = null;
  resend: TimerHandle | null = null;
  grace: TimerHandle | null = null;
  /** cancel requests not yet handled by the server */
  outstanding = 0;
  statementDone = false;
  finished = false;
  value: T | undefined = undefined;
  error: unknown = undefined;
  failed = false;
  constructor(conn: DriverConnection, graceMs: number) {
    super();
    this.conn = conn;
    this.graceMs = graceMs;
  }

  override onCancel(msg: string): boolean {
    if (this.cancelMsg !== null || this.finished) return true;
    this.cancelMsg = msg;
    sendCancel(this as StatementWaiter<unknown>);
    const loop = this.task!._loop;
    this.resend = loop.callLater(RESEND_MS, resendCancel, this as StatementWaiter<unknown>);
    this.grace = loop.callLater(this.graceMs, giveUp, this as StatementWaiter<unknown>);
    return true;
  }

  settle(value: T | undefined, error: unknown, failed: boolean): void {
    this.statementDone = true;
    this.value = value;
    this.error = error;
    this.failed = failed;
    this.maybeFinish();
  }

  maybeFinish(): void {
    // The connection is handed on only once no cancel request can still reach it.
    if (this.finished || !this.statementDone || this.outstanding > 0) return;
    this.finished = true;
    this.resend?.cancel();
    this.grace?.cancel();
    if (this.cancelMsg !== null) {
      // The statement stopped (or finished just before the cancel): either way
      // the task was cancelled, and says so.
      if (!this.conn.reusableAfterCancel) this.conn.broken = true;
      this.fail(new CancelledError(this.cancelMsg));
    } else if (this.failed) this.fail(this.error);
    else this.wake(this.value as T);
  }

  override describe(): string {
    return this.cancelMsg !== null ? 'database statement (cancelling)' : 'database statement';
  }
}

function sendCancel(w: StatementWaiter<unknown>): void {
  w.outstanding++;
  w.conn.cancel().then(
    () => cancelHandled(w),
    () => cancelHandled(w),
  );
}

function cancelHandled(w: StatementWaiter<unknown>): void {
  w.outstanding--;
  w.maybeFinish();
}

function resendCancel(w: StatementWaiter<unknown>): void {
  if (w.finished) return;
  if (!w.statementDone && w.outstanding === 0) sendCancel(w);
  w.resend = w.task!._loop.callLater(RESEND_MS, resendCancel, w);
}

function giveUp(w: StatementWaiter<unknown>): void {
  if (w.finished) return;
  w.conn.broken = true;
  w.conn.destroy();
  // A cancel request that never completes must not hold the caller.
  w.outstanding = 0;
  w.maybeFinish();
}

/**
 * @internal Awaits `p`, the promise of a statement running on `conn`, as a
 * cancellation point that cancels the statement on the server.
 */
export function awaitStatement<T>(
  conn: DriverConnection,
  p: Promise<T>,
  graceMs: number,
): Promise<T> {
  const task = taskStorage.getStore();
  if (task === undefined) return p;
  const w = new StatementWaiter<T>(conn, graceMs);
  const r = w.suspend(task);
  p.then(
    (v) => w.settle(v, undefined, false),
    (e: unknown) => w.settle(undefined, e, true),
  );
  if (task._mustCancel) w.onCancel(task._takeCancel().message);
  return r;
}

/** @internal Rejects at once when the current task has a pending cancellation. */
export function checkpoint(): void {
  const task = taskStorage.getStore();
  if (task !== undefined && task._mustCancel) throw task._takeCancel();
}
