/**
 * The MySQL / MariaDB adapter, on `mysql2`. Statements with values use the binary
 * protocol (server-side prepared statements, cached per connection): values never
 * enter the SQL text. Cancellation runs `KILL QUERY <thread id>` over a second
 * connection; the connection stays usable afterwards.
 *
 * @module
 */
import type {
  Connection,
  ConnectionOptions,
  FieldPacket,
  Query,
  QueryError,
  QueryResult,
  ResultSetHeader,
} from 'mysql2';
import type { Driver, DriverConnection, DriverCursor, RawResult, Row } from './driver.js';

type MysqlModule = typeof import('mysql2');

function noop(): void {}

function bindable(values: readonly unknown[]): unknown[] {
  // mysql2's execute() refuses undefined.
  return values.map((v) => (v === undefined ? null : v));
}

class MysqlConnection implements DriverConnection {
  readonly dialect = 'mysql' as const;
  readonly reusableAfterCancel = true;
  broken = false;
  readonly #conn: Connection;
  readonly #kill: (threadId: number) => Promise<void>;

  constructor(conn: Connection, kill: (threadId: number) => Promise<void>) {
    this.#conn = conn;
    this.#kill = kill;
    conn.on('error', () => {
      this.broken = true;
    });
    conn.on('end', () => {
      this.broken = true;
    });
  }

  run(text: string, values: readonly unknown[]): Promise<RawResult> {
    return new Promise((resolve, reject) => {
      const done = (err: QueryError | null, result: QueryResult, _fields: FieldPacket[]): void => {
        if (err !== null) {
          if (err.fatal) this.broken = true;
          reject(err);
        } else if (Array.isArray(result)) {
          resolve({ rows: result as Row[], rowCount: result.length, lastInsertId: null });
        } else {
          const h = result as ResultSetHeader;
          resolve({
            rows: [],
            rowCount: h.affectedRows,
            lastInsertId: h.insertId > 0 ? h.insertId : null,
          });
        }
      };
      if (values.length === 0) this.#conn.query(text, done);
      else this.#conn.execute(text, bindable(values) as never, done);
    });
  }

  openCursor(text: string, values: readonly unknown[], batchSize: number): Promise<DriverCursor> {
    const cmd =
      values.length === 0
        ? this.#conn.query(text)
        : this.#conn.execute(text, bindable(values) as never);
    return Promise.resolve(new MysqlCursor(this.#conn, cmd, () => this.cancel(), batchSize));
  }

  cancel(): Promise<void> {
    return this.#kill(this.#conn.threadId);
  }

  ping(): Promise<void> {
    return new Promise((resolve, reject) =>
      this.#conn.ping((err) => (err !== null && err !== undefined ? reject(err) : resolve())),
    );
  }

  close(): Promise<void> {
    this.broken = true;
    return new Promise((resolve) => this.#conn.end(() => resolve()));
  }

  destroy(): void {
    this.broken = true;
    this.#conn.destroy();
  }
}

/**
 * Rows of a running statement, with backpressure: the socket is paused while a
 * batch waits for the consumer and resumed by the next `next()`.
 */
class MysqlCursor implements DriverCursor {
  readonly #conn: Connection;
  readonly #cancel: () => Promise<void>;
  readonly #want: number;
  #rows: Row[] = [];
  #ended = false;
  #error: unknown = null;
  #draining = false;
  #notify: (() => void) | null = null;

  constructor(conn: Connection, cmd: Query, cancel: () => Promise<void>, batchSize: number) {
    this.#conn = conn;
    this.#cancel = cancel;
    this.#want = batchSize;
    cmd.on('result', (row: Row) => {
      if (this.#draining) return;
      this.#rows.push(row);
      if (this.#rows.length >= this.#want) {
        conn.pause();
        this.#wake();
      }
    });
    cmd.on('error', (e: QueryError) => {
      this.#error = e;
      this.#ended = true;
      this.#wake();
    });
    cmd.on('end', () => {
      this.#ended = true;
      this.#wake();
    });
    conn.pause();
  }

  #wake(): void {
    const n = this.#notify;
    this.#notify = null;
    n?.();
  }

  async next(): Promise<Row[]> {
    const batchSize = this.#want;
    while (this.#rows.length < batchSize && !this.#ended) {
      const p = new Promise<void>((r) => (this.#notify = r));
      this.#conn.resume();
      await p;
    }
    if (this.#error !== null && this.#rows.length === 0) throw this.#error;
    return this.#rows.splice(0, batchSize);
  }

  async close(): Promise<void> {
    this.#rows = [];
    if (this.#ended) return;
    // Stop the statement on the server, then read what is left of it off the wire.
    this.#draining = true;
    const killed = this.#cancel();
    const p = new Promise<void>((r) => (this.#notify = r));
    this.#conn.resume();
    await p;
    await killed; // the KILL must not reach a later statement
  }
}

/** @internal */
export function mysqlDriver(url: string, mysql: MysqlModule): Driver {
  const safe = new URL(url.replace(/^mariadb:/i, 'mysql:'));
  const uri = safe.toString();
  safe.password = '';
  const config: ConnectionOptions = { uri, supportBigNumbers: true, dateStrings: false };
  const open = (): Promise<Connection> =>
    new Promise((resolve, reject) => {
      const c = mysql.createConnection(config);
      c.connect((err) => {
        if (err !== null) {
          c.on('error', noop);
          c.destroy();
          reject(err);
        } else resolve(c);
      });
    });
  const kill = (threadId: number): Promise<void> =>
    open().then(
      (c) =>
        new Promise<void>((resolve) => {
          c.on('error', noop);
          c.query(`KILL QUERY ${Number(threadId)}`, () => c.end(() => resolve()));
        }),
      noop,
    );
  return {
    dialect: 'mysql',
    description: safe.toString(),
    maxConnections: Infinity,
    canReconnect: true,
    async connect(): Promise<DriverConnection> {
      return new MysqlConnection(await open(), kill);
    },
  };
}
