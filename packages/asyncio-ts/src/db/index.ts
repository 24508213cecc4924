/**
 * `asyncio-ts/db`: PostgreSQL, MySQL/MariaDB and SQLite for asyncio-ts, the role
 * asyncpg, aiomysql and aiosqlite play for asyncio. Queries are tagged templates
 * (values always travel as parameters), every await is a cancellation point that
 * stops the statement on the server, and connections come from a pool.
 *
 * Drivers are optional peer dependencies loaded on first use: `pg`, `mysql2`,
 * `better-sqlite3`.
 *
 * @example
 * ```ts
 * import { run, timeout } from 'asyncio-ts';
 * import { connect, sql } from 'asyncio-ts/db';
 *
 * await run(async () => {
 *   const db = await connect('postgres://postgres@127.0.0.1/test');
 *   const rows = await db.query<{ n: number }>`SELECT ${41}::int + 1 AS n`;
 *   await timeout('1s', () => db.query`SELECT pg_sleep(10)`).catch((e) => console.log(e.name)); // TimeoutError
 *   await db.close();
 * });
 * ```
 *
 * @module
 */
export { connect, type ConnectOptions } from './connect.js';
export { Database } from './database.js';
export { Queryable, type QueryOptions } from './queryable.js';
export { Transaction, type TransactionOptions, type IsolationLevel } from './transaction.js';
export { RowStream, type StreamOptions } from './stream.js';
export type { Page, PaginateOptions } from './paginate.js';
export type { PoolOptions, PoolStatistics } from './pool.js';
export { sql, identifier, join, values, Sql, type Identifier, type CompiledSql } from './sql.js';
export type { Dialect, Row, ExecuteResult } from './driver.js';
export {
  DatabaseError,
  QueryError,
  UniqueViolationError,
  ForeignKeyViolationError,
  NotNullViolationError,
  DeadlockError,
  ConnectionLostError,
  NoRowsError,
  TooManyRowsError,
  AcquireTimeoutError,
  PoolClosedError,
  DriverMissingError,
  type DatabaseErrorDetails,
} from './errors.js';
