/**
 * The connection pool behind a `Database`: min/max size, an acquire timeout, idle
 * connections closed after a while, a health check before reuse, and `close()` that
 * waits for the connections in use.
 *
 * @module
 */
import { inspect } from 'node:util';
import { TimeoutError, isCancelled } from '../errors.js';
import { toMilliseconds, type Duration } from '../durations.js';
import { Event } from '../locks.js';
import { Semaphore } from '../semaphores.js';
import { getRunningLoop } from '../running.js';
import { timeout } from '../timeouts.js';
import { cancellable } from '../waiting.js';
import type { EventLoop, TimerHandle } from '../loop.js';
import type { Driver, DriverConnection } from './driver.js';
import {
  AcquireTimeoutError,
  ConnectionLostError,
  PoolClosedError,
  mapDriverError,
} from './errors.js';
import { awaitStatement, checkpoint } from './statement-waiter.js';

/** Pool settings of `connect(url, options)`. */
export interface PoolOptions {
  /** Connections opened by `connect()` and kept open when idle. Default 0 (SQLite: 1). */
  min?: number;
  /** The most connections at once. Default 10 (SQLite: always 1, the single writer). */
  max?: number;
  /** How long a query may wait for a free connection before `AcquireTimeoutError`. Default `'30s'`; `null`: no limit. */
  acquireTimeout?: Duration | null;
  /** An idle connection above `min` is closed after this long. Default `'30s'`; `null`: never. */
  idleTimeout?: Duration | null;
  /** A connection idle for longer than this is pinged (`SELECT 1`) before reuse. Default `'5s'`; `null`: never. */
  healthCheckAfter?: Duration | null;
}

/** A snapshot of a pool, from `db.statistics()`. */
export interface PoolStatistics {
  /** Open connections (idle + in use). */
  readonly size: number;
  readonly idle: number;
  readonly inUse: number;
  /** Tasks waiting for a connection. */
  readonly waiting: number;
  readonly min: number;
  readonly max: number;
  readonly state: 'open' | 'closing' | 'closed';
}

interface IdleEntry {
  conn: DriverConnection;
  since: number;
}

const OPEN = 0;
const CLOSING = 1;
const CLOSED = 2;
const STATES = ['open', 'closing', 'closed'] as const;

/** @internal */
export class Pool {
  readonly #driver: Driver;
  readonly min: number;
  readonly max: number;
  readonly #acquireMs: number | null;
  readonly #idleMs: number | null;
  readonly #healthMs: number | null;
  readonly #graceMs: number;
  readonly #permits: Semaphore;
  readonly #idle: IdleEntry[] = [];
  readonly #all = new Set<DriverConnection>();
  readonly #drained = new Event();
  readonly #loop: EventLoop;
  #inUse = 0;
  #opened = 0;
  #state = OPEN;
  #reaper: TimerHandle | null = null;

  constructor(driver: Driver, opts: PoolOptions, graceMs: number) {
    this.#driver = driver;
    const cap = driver.maxConnections;
    this.max = Math.min(cap, opts.max ?? 10);
    this.min = Math.min(this.max, opts.min ?? (driver.canReconnect ? 0 : 1));
    if (!Number.isInteger(this.max) || this.max < 1)
      throw new RangeError(`pool max must be an integer >= 1, got ${String(opts.max)}`);
    if (!Number.isInteger(this.min) || this.min < 0)
      throw new RangeError(`pool min must be an integer >= 0, got ${String(opts.min)}`);
    this.#acquireMs = toMilliseconds(
      opts.acquireTimeout === undefined ? '30s' : opts.acquireTimeout,
      'acquireTimeout',
    );
    this.#idleMs = driver.canReconnect
      ? toMilliseconds(opts.idleTimeout === undefined ? '30s' : opts.idleTimeout, 'idleTimeout')
      : null;
    this.#healthMs = toMilliseconds(
      opts.healthCheckAfter === undefined ? '5s' : opts.healthCheckAfter,
      'healthCheckAfter',
    );
    this.#graceMs = graceMs;
    this.#permits = new Semaphore(this.max);
    this.#loop = getRunningLoop();
    this.#drained.set();
  }

  /** Opens `min` connections (called by `connect()`). */
  async fill(): Promise<void> {
    const opened = await Promise.all(
      Array.from({ length: Math.max(this.min, 1) }, () => this.#open()),
    );
    const now = this.#loop.time();
    for (const conn of opened) this.#idle.push({ conn, since: now });
    this.#scheduleReaper();
  }

  /**
   * Takes a connection, waiting for one when all `max` are in use.
   *
   * Cancellation: a cancellation point while waiting; a cancelled waiter takes nothing.
   */
  async acquire(): Promise<DriverConnection> {
    checkpoint();
    if (this.#state !== OPEN) throw new PoolClosedError();
    await this.#takePermit();
    try {
      if (this.#state !== OPEN) throw new PoolClosedError();
      for (let e = this.#idle.pop(); e !== undefined; e = this.#idle.pop()) {
        const conn = e.conn;
        if (conn.broken) {
          this.#discard(conn);
          continue;
        }
        if (
          this.#healthMs !== null &&
          this.#loop.time() - e.since >= this.#healthMs &&
          !(await this.#healthy(conn))
        ) {
          this.#discard(conn);
          continue;
        }
        this.#inUse++;
        this.#drained.clear();
        return conn;
      }
      const conn = await this.#open();
      this.#inUse++;
      this.#drained.clear();
      return conn;
    } catch (e) {
      this.#permits.release();
      throw e;
    }
  }

  /**
   * Takes an idle connection without waiting, or returns null (then use
   * `acquire()`): the hot path of a query on a pool with a free, fresh connection.
   */
  tryAcquire(): DriverConnection | null {
    if (this.#state !== OPEN || this.#permits.locked()) return null;
    const e = this.#idle[this.#idle.length - 1];
    if (e === undefined || e.conn.broken) return null;
    if (this.#healthMs !== null && this.#loop.time() - e.since >= this.#healthMs) return null;
    void this.#permits.acquire(); // free: taken synchronously
    this.#idle.pop();
    this.#inUse++;
    this.#drained.clear();
    return e.conn;
  }

  /** Gives a connection back: kept when healthy and the pool is open, else closed. */
  release(conn: DriverConnection): void {
    this.#inUse--;
    if (conn.broken || this.#state !== OPEN) this.#discard(conn);
    else {
      this.#idle.push({ conn, since: this.#loop.time() });
      this.#scheduleReaper();
    }
    this.#permits.release();
    if (this.#inUse === 0) this.#drained.set();
  }

  /**
   * Refuses new work, waits until every connection in use is given back, then
   * closes them all. Idempotent.
   *
   * Cancellation: a cancellation point while waiting for the connections in use;
   * the pool stays closing (call `destroy()` to end it at once).
   */
  async close(): Promise<void> {
    if (this.#state === OPEN) this.#state = CLOSING;
    await this.#drained.wait();
    this.#stopReaper();
    const idle = this.#idle.splice(0);
    this.#state = CLOSED;
    await Promise.all(idle.map((e) => this.#closeGracefully(e.conn)));
  }

  /** Closes every connection now, in use or not; running statements fail with `ConnectionLostError`. Idempotent. */
  destroy(): void {
    this.#state = CLOSED;
    this.#stopReaper();
    this.#idle.length = 0;
    for (const c of this.#all) {
      c.broken = true;
      c.destroy();
    }
    this.#all.clear();
  }

  get closed(): boolean {
    return this.#state !== OPEN;
  }

  statistics(): PoolStatistics {
    return Object.freeze({
      size: this.#all.size,
      idle: this.#idle.length,
      inUse: this.#inUse,
      waiting: this.#permits.statistics().waiters,
      min: this.min,
      max: this.max,
      state: STATES[this.#state]!,
    });
  }

  toString(): string {
    const s = this.statistics();
    return `<Pool ${this.#driver.description} ${s.state} size=${s.size}/${s.max} idle=${s.idle} inUse=${s.inUse} waiting=${s.waiting}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  async #takePermit(): Promise<void> {
    const ms = this.#acquireMs;
    if (ms === null || !this.#permits.locked()) {
      await this.#permits.acquire();
      return;
    }
    try {
      await timeout(ms, () => this.#permits.acquire());
    } catch (e) {
      if (e instanceof TimeoutError) throw new AcquireTimeoutError(ms, this.max);
      throw e;
    }
  }

  async #healthy(conn: DriverConnection): Promise<boolean> {
    try {
      await awaitStatement(conn, conn.ping(), this.#graceMs);
      return !conn.broken;
    } catch (e) {
      if (isCancelled(e)) {
        if (!conn.broken) this.#idle.push({ conn, since: this.#loop.time() });
        else this.#discard(conn);
        throw e;
      }
      return false;
    }
  }

  async #open(): Promise<DriverConnection> {
    if (!this.#driver.canReconnect && this.#opened > 0) {
      throw new ConnectionLostError(
        'the in-memory SQLite database was lost (its connection was discarded after a cancelled statement); use a file database to survive cancellation',
        { dialect: this.#driver.dialect },
      );
    }
    this.#opened++;
    const p = this.#driver.connect();
    let conn: DriverConnection;
    try {
      conn = await cancellable(p);
    } catch (e) {
      if (isCancelled(e)) p.then((c) => c.destroy(), noop);
      throw mapDriverError(this.#driver.dialect, e);
    }
    if (this.#state === CLOSED) {
      conn.destroy();
      throw new PoolClosedError();
    }
    this.#all.add(conn);
    return conn;
  }

  #discard(conn: DriverConnection): void {
    this.#all.delete(conn);
    if (conn.broken) conn.destroy();
    else void this.#closeGracefully(conn);
  }

  async #closeGracefully(conn: DriverConnection): Promise<void> {
    this.#all.delete(conn);
    try {
      await conn.close();
    } catch {
      conn.destroy();
    }
  }

  #scheduleReaper(): void {
    const ms = this.#idleMs;
    if (
      ms === null ||
      this.#reaper !== null ||
      this.#idle.length <= this.min ||
      this.#state !== OPEN
    )
      return;
    try {
      this.#reaper = this.#loop.callLater(ms, reap, this);
    } catch {
      // The loop has closed (the run() that opened the pool is over): reap lazily.
    }
  }

  #stopReaper(): void {
    this.#reaper?.cancel();
    this.#reaper = null;
  }

  /** @internal Closes idle connections past `idleTimeout`, keeping `min`. */
  _reap(): void {
    this.#reaper = null;
    const cutoff = this.#loop.time() - this.#idleMs!;
    // Oldest first (the stack's bottom); keep `min` connections open in all.
    while (this.#idle.length > 0 && this.#all.size > this.min && this.#idle[0]!.since <= cutoff) {
      const e = this.#idle.shift()!;
      void this.#closeGracefully(e.conn);
    }
    this.#scheduleReaper();
  }
}

function reap(pool: Pool): void {
  pool._reap();
}

function noop(): void {}
