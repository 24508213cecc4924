/**
 * Keyset pagination over an ordered unique key.
 *
 * @module
 */
import type { Row } from './driver.js';
import { identifier, sql, trusted, type Sql } from './sql.js';
import type { Queryable } from './queryable.js';

/** Options of `paginate()`. */
export interface PaginateOptions {
  /** The unique column the pages are ordered by (a column of the query's result). */
  key: string;
  /** Rows per page (an integer >= 1). */
  pageSize: number;
  /** Start after this key (the `lastKey` of a page already seen); default: from the start. */
  after?: unknown;
  /** Newest first: `ORDER BY key DESC`, pages continue below `after`. Default false. */
  descending?: boolean;
}

/** One page of `paginate()`. */
export interface Page<R> {
  readonly rows: R[];
  /** The key of the page's last row: pass it as `after` to continue from here. */
  readonly lastKey: unknown;
  /** The page number, from 1 (counted from where this pagination started). */
  readonly number: number;
}

/** @internal */
export async function* paginate<R extends object = Row>(
  db: Queryable,
  q: Sql,
  opts: PaginateOptions,
): AsyncGenerator<Page<R>, void, undefined> {
  const { key, pageSize } = opts;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new RangeError(`pageSize must be an integer >= 1, got ${String(pageSize)}`);
  }
  const col = identifier(key);
  const inner = identifier('_page');
  const cmp = trusted(opts.descending === true ? '<' : '>');
  const order = trusted(opts.descending === true ? 'DESC' : 'ASC');
  const limit = trusted(String(pageSize)); // a checked integer, not user text
  let after = opts.after;
  let started = after !== undefined && after !== null;
  for (let number = 1; ; number++) {
    const where = started ? sql`WHERE ${inner}.${col} ${cmp} ${after}` : sql``;
    const rows = await db.query<R>(
      sql`SELECT * FROM (${q}) AS ${inner} ${where} ORDER BY ${inner}.${col} ${order} LIMIT ${limit}`,
    );
    if (rows.length === 0) return;
    const lastKey = (rows[rows.length - 1] as Record<string, unknown>)[key];
    if (lastKey === undefined) {
      throw new TypeError(
        `paginate(): the rows have no column '${key}' (the key must be a column of the query)`,
      );
    }
    yield { rows, lastKey, number };
    if (rows.length < pageSize) return;
    after = lastKey;
    started = true;
  }
}
