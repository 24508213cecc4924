// Shared helpers of the database tests: service probes (decided at load time, so a
// suite whose service is down is skipped with a message saying so), unique names,
// and temp dirs for SQLite files.
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';

export const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

function probe(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.setTimeout(1000);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(false));
    s.connect(port, host);
  });
}

/** `false` when reachable, else the skip message. */
export const pgSkip: string | false = (await probe('127.0.0.1', 5432))
  ? false
  : 'PostgreSQL not reachable at 127.0.0.1:5432';
export const mysqlSkip: string | false = (await probe('127.0.0.1', 3306))
  ? false
  : 'MariaDB/MySQL not reachable at 127.0.0.1:3306';

/** A unique lower-case name for a schema, database or table. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}
