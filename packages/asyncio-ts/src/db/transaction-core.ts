/**
 * The statements around a transaction, shared by `transaction()` and `batch()`
 * (kept apart from `Transaction` so that `Queryable` can use them without an
 * import cycle).
 *
 * @module
 */
import type { Dialect, DriverConnection } from './driver.js';
import { mapDriverError } from './errors.js';
import { awaitStatement } from './statement-waiter.js';

/** A transaction isolation level. SQLite transactions are always serializable. */
export type IsolationLevel =
  'read uncommitted' | 'read committed' | 'repeatable read' | 'serializable';

/** Options of `transaction()`. */
export interface TransactionOptions {
  /** The isolation level (default: the server's). Ignored by nested transactions. */
  isolation?: IsolationLevel;
  /** A read-only transaction (PostgreSQL, MySQL). Default false. */
  readOnly?: boolean;
}

const LEVELS: ReadonlySet<string> = new Set([
  'read uncommitted',
  'read committed',
  'repeatable read',
  'serializable',
]);

/** @internal The statements that open a transaction in each dialect. */
export function beginStatements(dialect: Dialect, opts: TransactionOptions | undefined): string[] {
  const level = opts?.isolation;
  if (level !== undefined && !LEVELS.has(level)) {
    throw new RangeError(
      `isolation must be one of ${[...LEVELS].join(', ')}; got ${String(level)}`,
    );
  }
  const ro = opts?.readOnly === true;
  if (dialect === 'postgres') {
    return [
      `BEGIN${level !== undefined ? ` ISOLATION LEVEL ${level.toUpperCase()}` : ''}${ro ? ' READ ONLY' : ''}`,
    ];
  }
  if (dialect === 'mysql') {
    const out =
      level !== undefined ? [`SET TRANSACTION ISOLATION LEVEL ${level.toUpperCase()}`] : [];
    out.push(ro ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION');
    return out;
  }
  if (level !== undefined && level !== 'serializable') {
    throw new RangeError(
      `SQLite transactions are always serializable; isolation '${level}' is not available`,
    );
  }
  return ['BEGIN IMMEDIATE'];
}

/**
 * @internal Runs `body` between BEGIN and COMMIT on `conn`; ROLLBACK when it throws
 * or is cancelled (and the error goes on). `end` is called once the body is over,
 * before COMMIT or ROLLBACK.
 */
export async function withTransaction<T>(
  conn: DriverConnection,
  opts: TransactionOptions | undefined,
  graceMs: number,
  body: () => Promise<T>,
  end?: () => void,
): Promise<T> {
  const begin = beginStatements(conn.dialect, opts);
  let began = false;
  try {
    for (const text of begin) {
      began = true;
      try {
        await awaitStatement(conn, conn.run(text, []), graceMs);
      } catch (e) {
        throw mapDriverError(conn.dialect, e, text);
      }
    }
    const result = await body();
    end?.();
    // COMMIT is not interrupted: a cancellation arriving now is delivered after it.
    try {
      await conn.run('COMMIT', []);
    } catch (e) {
      throw mapDriverError(conn.dialect, e, 'COMMIT');
    }
    return result;
  } catch (e) {
    end?.();
    if (began && !conn.broken) {
      try {
        await conn.run('ROLLBACK', []);
      } catch {
        conn.broken = true;
      }
    }
    throw e;
  }
}
