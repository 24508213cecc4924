/**
 * The PostgreSQL adapter, on `pg` (chosen over `postgres` by measurement:
 * bench/db/README.md). Cancellation sends the protocol's CancelRequest on a
 * separate socket; the connection stays usable afterwards.
 *
 * @module
 */
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import type { Client, QueryResult } from 'pg';
import type { Driver, DriverConnection, DriverCursor, RawResult, Row } from './driver.js';

type PgModule = typeof import('pg');

interface BackendKey {
  processID: number | null;
  secretKey: number | null;
  host: string;
  port: number;
}

interface Destroyable {
  connection?: { stream?: { destroy(): void } };
}

let cursorIds = 0;

class PgConnection implements DriverConnection {
  readonly dialect = 'postgres' as const;
  readonly reusableAfterCancel = true;
  broken = false;
  readonly #client: Client;

  constructor(client: Client) {
    this.#client = client;
    client.on('error', () => {
      this.broken = true;
    });
    client.on('end', () => {
      this.broken = true;
    });
  }

  run(text: string, values: readonly unknown[]): Promise<RawResult> {
    // pg's QueryResult is a RawResult already: no extra promise on the hot path.
    return this.#client.query(text, values as unknown[]);
  }

  async openCursor(
    text: string,
    values: readonly unknown[],
    batchSize: number,
    inTx: boolean,
  ): Promise<DriverCursor> {
    const client = this.#client;
    const name = `asyncio_cursor_${++cursorIds}`;
    if (!inTx) await client.query('BEGIN READ ONLY');
    try {
      await client.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${text}`, values as unknown[]);
    } catch (e) {
      if (!inTx) await client.query('ROLLBACK').catch(noop);
      throw e;
    }
    return {
      next: () => client.query(`FETCH ${batchSize} FROM ${name}`).then(rowsOf),
      // Outside a transaction, ROLLBACK ends the cursor with the transaction made
      // for it; inside, CLOSE fails only if the transaction is aborted, and then the
      // cursor goes with the rollback.
      close: () =>
        inTx ? client.query(`CLOSE ${name}`).then(noop, noop) : client.query('ROLLBACK').then(noop),
    };
  }

  cancel(): Promise<void> {
    const key = this.#client as unknown as BackendKey;
    if (key.processID === null || key.secretKey === null) return Promise.resolve();
    return sendCancelRequest(key.host, key.port, key.processID, key.secretKey);
  }

  ping(): Promise<void> {
    return this.#client.query('SELECT 1').then(noop);
  }

  close(): Promise<void> {
    this.broken = true;
    return this.#client.end();
  }

  destroy(): void {
    this.broken = true;
    (this.#client as unknown as Destroyable).connection?.stream?.destroy();
  }
}

function rowsOf(r: QueryResult): Row[] {
  return r.rows as Row[];
}

/**
 * The protocol's CancelRequest: 16 bytes on a new socket, no authentication.
 * Resolves when the server closes the socket (it has signalled the backend).
 */
function sendCancelRequest(host: string, port: number, pid: number, secret: number): Promise<void> {
  const buf = Buffer.alloc(16);
  buf.writeInt32BE(16, 0);
  buf.writeInt32BE(80877102, 4);
  buf.writeInt32BE(pid, 8);
  buf.writeInt32BE(secret, 12);
  return new Promise((resolve) => {
    const sock = host.startsWith('/')
      ? netConnect(join(host, `.s.PGSQL.${port}`))
      : netConnect(port, host);
    sock.setTimeout(5000, () => sock.destroy());
    sock.on('error', noop);
    sock.on('close', () => resolve());
    sock.on('connect', () => sock.end(buf));
  });
}

function noop(): void {}

/** @internal */
export function postgresDriver(url: string, pg: PgModule): Driver {
  const safe = new URL(url);
  safe.password = '';
  return {
    dialect: 'postgres',
    description: safe.toString(),
    maxConnections: Infinity,
    canReconnect: true,
    async connect(): Promise<DriverConnection> {
      const client = new pg.Client({ connectionString: url });
      try {
        await client.connect();
      } catch (e) {
        client.on('error', noop);
        void client.end().catch(noop);
        throw e;
      }
      return new PgConnection(client);
    },
  };
}
