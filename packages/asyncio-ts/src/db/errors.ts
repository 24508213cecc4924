/**
 * The errors of `asyncio-ts/db`: one class per failure a program handles
 * differently, each keeping the driver's own code.
 *
 * | Class                      | `code`                          | When                                             |
 * | -------------------------- | ------------------------------- | ------------------------------------------------ |
 * | `DatabaseError`            | `ERR_DB` (base)                 | the root of the classes below                    |
 * | `QueryError`               | `ERR_DB_QUERY`                  | any other error the server reports               |
 * | `UniqueViolationError`     | `ERR_DB_UNIQUE_VIOLATION`       | a row with this key already exists               |
 * | `ForeignKeyViolationError` | `ERR_DB_FOREIGN_KEY_VIOLATION`  | the referenced row is missing (or still used)    |
 * | `NotNullViolationError`    | `ERR_DB_NOT_NULL_VIOLATION`     | NULL in a NOT NULL column                        |
 * | `DeadlockError`            | `ERR_DB_DEADLOCK`               | the server chose this transaction as the victim  |
 * | `ConnectionLostError`      | `ERR_DB_CONNECTION_LOST`        | the connection broke (or could not be opened)    |
 * | `NoRowsError`              | `ERR_DB_NO_ROWS`                | `one()` found no row                             |
 * | `TooManyRowsError`         | `ERR_DB_TOO_MANY_ROWS`          | `one()` / `maybeOne()` found more than one row   |
 * | `AcquireTimeoutError`      | `ERR_DB_ACQUIRE_TIMEOUT`        | no pooled connection was free within the limit   |
 * | `PoolClosedError`          | `ERR_DB_POOL_CLOSED`            | the database was closed (by you)                 |
 * | `DriverMissingError`       | `ERR_DB_DRIVER_MISSING`         | the driver package is not installed              |
 *
 * @module
 */
import { AsyncioError, isCancelled } from '../errors.js';
import type { Dialect } from './driver.js';

/** What a {@link DatabaseError} may carry besides its message. */
export interface DatabaseErrorDetails {
  /** The driver's or server's code: SQLSTATE (`'23505'`), MySQL (`'ER_DUP_ENTRY'`), SQLite (`'SQLITE_CONSTRAINT_UNIQUE'`). */
  driverCode?: string | undefined;
  /** The database the error came from. */
  dialect?: Dialect | undefined;
  /** The SQL text (never the values) of the statement that failed. */
  sql?: string | undefined;
  /** The constraint named by the server, when it names one. */
  constraint?: string | undefined;
  /** The driver's error. */
  cause?: unknown;
}

/**
 * The root of the database errors (an {@link AsyncioError}); `driverCode` keeps
 * the driver's code.
 *
 * @example
 * ```ts
 * try { await db.execute`INSERT INTO users (email) VALUES (${email})`; }
 * catch (e) { if (e instanceof UniqueViolationError) console.log('taken:', e.constraint); else throw e; }
 * ```
 */
export class DatabaseError extends AsyncioError {
  /** The driver's or server's own code, if any. */
  readonly driverCode: string | undefined;
  /** The database the error came from. */
  readonly dialect: Dialect | undefined;
  /** The SQL text of the failed statement (without values). */
  readonly sql: string | undefined;
  /** The constraint named by the server. */
  readonly constraint: string | undefined;
  constructor(message: string, code = 'ERR_DB', details: DatabaseErrorDetails = {}) {
    super(message, code, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.driverCode = details.driverCode;
    this.dialect = details.dialect;
    this.sql = details.sql;
    this.constraint = details.constraint;
  }
  static {
    this.prototype.name = 'DatabaseError';
  }
}

/** An error reported by the server that has no more specific class. */
export class QueryError extends DatabaseError {
  constructor(message: string, details: DatabaseErrorDetails = {}) {
    super(message, 'ERR_DB_QUERY', details);
  }
  static {
    this.prototype.name = 'QueryError';
  }
}

/** A row with the same unique key already exists. */
export class UniqueViolationError extends DatabaseError {
  constructor(message: string, details: DatabaseErrorDetails = {}) {
    super(message, 'ERR_DB_UNIQUE_VIOLATION', details);
  }
  static {
    this.prototype.name = 'UniqueViolationError';
  }
}

/** A foreign key points to a missing row, or a row still referenced was deleted. */
export class ForeignKeyViolationError extends DatabaseError {
  constructor(message: string, details: DatabaseErrorDetails = {}) {
    super(message, 'ERR_DB_FOREIGN_KEY_VIOLATION', details);
  }
  static {
    this.prototype.name = 'ForeignKeyViolationError';
  }
}

/** NULL was stored in a NOT NULL column. */
export class NotNullViolationError extends DatabaseError {
  constructor(message: string, details: DatabaseErrorDetails = {}) {
    super(message, 'ERR_DB_NOT_NULL_VIOLATION', details);
  }
  static {
    this.prototype.name = 'NotNullViolationError';
  }
}

/** The server broke a deadlock by aborting this transaction: retry it. */
export class DeadlockError extends DatabaseError {
  constructor(message: string, details: DatabaseErrorDetails = {}) {
    super(message, 'ERR_DB_DEADLOCK', details);
  }
  static {
    this.prototype.name = 'DeadlockError';
  }
}

/** The connection broke or could not be opened (the other side or the network broke it). */
export class ConnectionLostError extends DatabaseError {
  constructor(message: string, details: DatabaseErrorDetails = {}) {
    super(message, 'ERR_DB_CONNECTION_LOST', details);
  }
  static {
    this.prototype.name = 'ConnectionLostError';
  }
}

/** `one()` found no row. */
export class NoRowsError extends DatabaseError {
  constructor(sql: string | undefined) {
    super(
      'one() expected exactly one row and got none (use maybeOne() when none is fine)',
      'ERR_DB_NO_ROWS',
      { sql },
    );
  }
  static {
    this.prototype.name = 'NoRowsError';
  }
}

/** `one()` or `maybeOne()` found more than one row. */
export class TooManyRowsError extends DatabaseError {
  /** How many rows came back. */
  readonly rows: number;
  constructor(rows: number, sql: string | undefined) {
    super(
      `expected at most one row and got ${rows} (add a WHERE on a unique key or LIMIT 1)`,
      'ERR_DB_TOO_MANY_ROWS',
      { sql },
    );
    this.rows = rows;
  }
  static {
    this.prototype.name = 'TooManyRowsError';
  }
}

/** No pooled connection became free within `acquireTimeout`. */
export class AcquireTimeoutError extends DatabaseError {
  constructor(ms: number, max: number) {
    super(
      `no connection was free within ${ms} ms (all ${max} in use): raise max or acquireTimeout, or hold connections for less time`,
      'ERR_DB_ACQUIRE_TIMEOUT',
    );
  }
  static {
    this.prototype.name = 'AcquireTimeoutError';
  }
}

/** The database was closed by `close()` or `destroy()`; no new work is accepted. */
export class PoolClosedError extends DatabaseError {
  constructor(message = 'the database is closed: no new queries are accepted') {
    super(message, 'ERR_DB_POOL_CLOSED');
  }
  static {
    this.prototype.name = 'PoolClosedError';
  }
}

/** The driver package for a URL scheme is not installed. */
export class DriverMissingError extends DatabaseError {
  /** The npm package to install. */
  readonly packageName: string;
  constructor(packageName: string, scheme: string, cause: unknown) {
    super(
      `${scheme} URLs need the '${packageName}' package: npm install ${packageName}`,
      'ERR_DB_DRIVER_MISSING',
      { cause },
    );
    this.packageName = packageName;
  }
  static {
    this.prototype.name = 'DriverMissingError';
  }
}

type Kind = 'unique' | 'foreignKey' | 'notNull' | 'deadlock' | 'lost' | 'other';

const PG_CODES: Record<string, Kind> = {
  '23505': 'unique',
  '23503': 'foreignKey',
  '23502': 'notNull',
  '40P01': 'deadlock',
  '57P01': 'lost',
  '57P02': 'lost',
  '57P03': 'lost',
  '08000': 'lost',
  '08003': 'lost',
  '08006': 'lost',
};
const MYSQL_CODES: Record<string, Kind> = {
  ER_DUP_ENTRY: 'unique',
  ER_NO_REFERENCED_ROW: 'foreignKey',
  ER_NO_REFERENCED_ROW_2: 'foreignKey',
  ER_ROW_IS_REFERENCED: 'foreignKey',
  ER_ROW_IS_REFERENCED_2: 'foreignKey',
  ER_BAD_NULL_ERROR: 'notNull',
  ER_LOCK_DEADLOCK: 'deadlock',
  PROTOCOL_CONNECTION_LOST: 'lost',
  ER_SERVER_SHUTDOWN: 'lost',
};
const NET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);
const LABEL: Record<Kind, string> = {
  unique: 'unique violation',
  foreignKey: 'foreign key violation',
  notNull: 'not-null violation',
  deadlock: 'deadlock (retry the transaction)',
  lost: 'connection lost',
  other: 'query failed',
};
const DIALECT_NAME: Record<Dialect, string> = {
  postgres: 'PostgreSQL',
  mysql: 'MySQL',
  sqlite: 'SQLite',
};

function kindOf(dialect: Dialect, code: string | undefined, fatal: boolean): Kind {
  if (code !== undefined && NET_CODES.has(code)) return 'lost';
  if (dialect === 'postgres') return (code !== undefined ? PG_CODES[code] : undefined) ?? 'other';
  if (dialect === 'mysql') {
    const k = code !== undefined ? MYSQL_CODES[code] : undefined;
    return k ?? (fatal ? 'lost' : 'other');
  }
  if (code === undefined) return 'other';
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
    return 'unique';
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreignKey';
  if (code === 'SQLITE_CONSTRAINT_NOTNULL') return 'notNull';
  return 'other';
}

/** @internal Turns a driver error into the matching {@link DatabaseError} class. */
export function mapDriverError(dialect: Dialect, err: unknown, sql?: string): unknown {
  if (err instanceof AsyncioError || isCancelled(err) || !(err instanceof Error)) return err;
  const e = err as Error & { code?: unknown; constraint?: unknown; fatal?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  let kind = kindOf(dialect, code, e.fatal === true);
  if (
    kind === 'other' &&
    /Connection terminated|connection is closed|Connection lost/i.test(e.message)
  ) {
    kind = 'lost';
  }
  const constraint = typeof e.constraint === 'string' ? e.constraint : undefined;
  const where = `${DIALECT_NAME[dialect]}${code !== undefined ? ` ${code}` : ''}`;
  const message = `${LABEL[kind]}: ${e.message} [${where}]`;
  const details: DatabaseErrorDetails = { driverCode: code, dialect, sql, constraint, cause: err };
  switch (kind) {
    case 'unique':
      return new UniqueViolationError(message, details);
    case 'foreignKey':
      return new ForeignKeyViolationError(message, details);
    case 'notNull':
      return new NotNullViolationError(message, details);
    case 'deadlock':
      return new DeadlockError(message, details);
    case 'lost':
      return new ConnectionLostError(message, details);
    default:
      return new QueryError(message, details);
  }
}
