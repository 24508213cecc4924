/**
 * The SQL store: an SQLite file or a PostgreSQL database, through `asyncio-ts/db`.
 * A batch of outcomes is one transaction: the pages, their links, the URLs they
 * discovered and their frontier rows turning done commit together.
 *
 * @module
 */
import { accessSync, constants, existsSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { connect, identifier, join, sql, values, type Database, type Sql } from 'asyncio-ts/db';
import { UsageError } from '../command.js';
import { postgresTarget } from './targets.js';
import {
  createStatements,
  LINKS_INDEX,
  PAGE_COLUMNS,
  SCHEMA_VERSION,
  type PageRow,
} from './schema.js';
import type { FrontierEntry, Outcome, ResultStore, StoredState } from './store.js';

/** Rows per multi-row INSERT (well under every dialect's parameter cap). */
const CHUNK = 400;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Frontier states. */
const TODO = 0;
const DONE = 1;
const SKIPPED = 2;

/** A store in SQLite or PostgreSQL. */
export class SqlStore implements ResultStore {
  readonly name: string;
  /** The file path or URL it was made with. */
  readonly target: string;
  readonly keepsFrontier = true;
  readonly #target: string;
  readonly #pageSize: number | undefined;
  #db: Database | null = null;
  /** The connection being made (see {@link SqlStore.prepare}). */
  #connecting: Promise<Database> | null = null;
  /** The SQLite file this store created (it did not exist before), else null. */
  #created: string | null = null;
  #opened = false;
  #seq = 0;
  #kind: 'crawl' | 'fetch' = 'crawl';

  /**
   * @param target a file path (`crawl.sqlite`), `sqlite:path`, or a `postgres://` URL.
   * @param opts.pageSize the page size of an SQLite file this store creates (see
   *   `pageSize` in asyncio-ts/db): a fetch's large batches write less with larger
   *   pages, a crawl's small commits more.
   */
  constructor(target: string, opts: { pageSize?: number } = {}) {
    this.#target = target;
    this.#pageSize = opts.pageSize;
    this.target = target;
    this.name = /^postgres/i.test(target)
      ? target.replace(/\/\/[^@/]*@/, '//')
      : target.replace(/^sqlite:/, '');
  }

  /** The open database (for the report). */
  get db(): Database {
    if (this.#db === null) throw new Error('the store is not open');
    return this.#db;
  }

  /**
   * Starts connecting: SQLite's thread starts and opens the file (about 0.1 s that a
   * fetch spends reading its input meanwhile). Creates no table; errors surface from
   * {@link SqlStore.open}.
   */
  prepare(): void {
    if (this.#connecting !== null) return;
    this.#connecting = this.#connect();
    // Awaited by open() or discard(); until then a failure must not count as unhandled.
    this.#connecting.catch(() => undefined);
  }

  /** Closes a store that was prepared but not opened; removes the SQLite file it created. */
  async discard(): Promise<void> {
    const opened = this.#opened;
    await this.close();
    if (!opened && this.#created !== null) {
      for (const suffix of ['', '-wal', '-shm', '-journal']) {
        rmSync(this.#created + suffix, { force: true });
      }
    }
  }

  async open(kind: 'crawl' | 'fetch', commandLine: string): Promise<StoredState> {
    this.#kind = kind;
    this.#opened = true;
    this.prepare();
    const db = await this.#connecting!;
    this.#db = db;
    // Few round trips: a run waits for the store before its first request.
    const setup = createStatements(db.dialect);
    if (db.dialect === 'sqlite' && this.#pageSize !== undefined) {
      // SQLite checkpoints its log every 1,000 pages: 4 MB with its own page size,
      // 4 MB here too, so that the last checkpoint (at close, when the run waits for
      // it) stays short.
      setup.push(`PRAGMA wal_autocheckpoint = ${Math.ceil(4_096_000 / this.#pageSize)}`);
    }
    if (this.#created !== null) {
      // A file this store created holds nothing to read back: one round trip.
      await db.batch([...setup.map(raw), ...metaInserts(kind, commandLine, true)]);
      return { seen: new Set(), todo: [], pages: 0 };
    }
    await db.batch(setup.map(raw));
    const meta = new Map(
      (await db.query<{ key: string; value: string }>`SELECT key, value FROM aio_meta`).map((r) => [
        r.key,
        r.value,
      ]),
    );
    const had = meta.get('kind');
    if (had !== undefined && had !== kind) {
      throw new UsageError(
        `${this.name} holds the results of 'aio ${had}', not of 'aio ${kind}': choose another output`,
      );
    }
    await db.batch(metaInserts(kind, commandLine, had === undefined));
    if (kind === 'fetch') {
      const urls = await db.query<{ url: string }>`SELECT url FROM pages`;
      const seen = new Set<string>();
      for (const r of urls) seen.add(r.url);
      return { seen, todo: [], pages: urls.length };
    }
    const pages = Number((await db.one<{ n: number | string }>`SELECT count(*) AS n FROM pages`).n);
    const rows = await db.query<{
      url: string;
      depth: number;
      referrer: string | null;
      state: number;
      seq: number | string;
    }>`
      SELECT url, depth, referrer, state, seq FROM frontier ORDER BY depth, seq`;
    const seen = new Set<string>();
    const todo: FrontierEntry[] = [];
    for (const r of rows) {
      seen.add(r.url);
      if (Number(r.state) === TODO)
        todo.push({ url: r.url, depth: Number(r.depth), referrer: r.referrer });
      if (Number(r.seq) > this.#seq) this.#seq = Number(r.seq);
    }
    return { seen, todo, pages };
  }

  async #connect(): Promise<Database> {
    const t = this.#target;
    if (/^postgres(ql)?:\/\//i.test(t)) {
      const { url, schema } = postgresTarget(t);
      if (schema !== null) {
        const admin = await connect(t.replace(/([?&])schema=[^&]*&?/, '$1').replace(/[?&]$/, ''), {
          max: 1,
        });
        try {
          await admin.execute(sql`CREATE SCHEMA IF NOT EXISTS ${identifier(schema)}`);
        } finally {
          await admin.close();
        }
      }
      return connect(url, { max: 4 });
    }
    const path = t.startsWith('sqlite:') ? t.slice('sqlite:'.length) : t;
    if (!checkWritable(path)) this.#created = resolve(path);
    // WAL with synchronous=normal: a crash or kill -9 of aio loses nothing committed
    // (the durability resume relies on); only a power loss could undo the last
    // commits, which resume then fetches again. Several times fewer flushes than
    // 'full' for the small group commits.
    return connect(`sqlite:${path}`, {
      synchronous: 'normal',
      ...(this.#pageSize !== undefined ? { pageSize: this.#pageSize } : {}),
    });
  }

  async enqueue(entries: readonly FrontierEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db.batch(
      chunks(entries, CHUNK).map((part) => {
        const cells = part.map((e) => [e.url, e.depth, e.referrer, TODO, ++this.#seq]);
        return sql`INSERT INTO frontier (url, depth, referrer, state, seq) VALUES ${values(cells)}
          ON CONFLICT (url) DO NOTHING`;
      }),
    );
  }

  async write(batch: readonly Outcome[]): Promise<void> {
    if (batch.length === 0) return;
    const rows: PageRow[] = [];
    const links: [string, string][] = [];
    const discovered: FrontierEntry[] = [];
    const done: string[] = [];
    const skipped: string[] = [];
    for (const o of batch) {
      if (o.row === null) {
        skipped.push(o.url);
        continue;
      }
      rows.push(o.row);
      done.push(o.url);
      for (const to of o.links) links.push([o.url, to]);
      for (const d of o.discovered) discovered.push(d);
    }
    // One batch: one transaction, and one message to SQLite's thread. On SQLite one
    // statement per row: each text is prepared once on its thread and run per row,
    // about twice as fast as a multi-row VALUES list (a long text SQLite parses and
    // binds anew each time). Elsewhere multi-row lists: one round trip each.
    const statements: Sql[] = [];
    const perRow = this.db.dialect === 'sqlite';
    if (perRow) {
      for (const r of rows) statements.push(pageInsert(r));
      for (const [from, to] of links) {
        statements.push(sql`INSERT INTO links (from_url, to_url) VALUES (${from}, ${to})`);
      }
    } else {
      for (const part of chunks(rows, CHUNK)) {
        const cells = part.map((r) => PAGE_COLUMNS.map((c) => r[c]));
        statements.push(sql`INSERT INTO pages (${PAGE_LIST}) VALUES ${values(cells)}
          ON CONFLICT (url) DO UPDATE SET ${PAGE_UPDATE}`);
      }
      for (const part of chunks(links, CHUNK)) {
        statements.push(sql`INSERT INTO links (from_url, to_url) VALUES ${values(part)}`);
      }
    }
    if (this.#kind === 'crawl') {
      if (perRow) {
        for (const e of discovered) {
          statements.push(sql`INSERT INTO frontier (url, depth, referrer, state, seq)
            VALUES (${e.url}, ${e.depth}, ${e.referrer}, ${TODO}, ${++this.#seq})
            ON CONFLICT (url) DO NOTHING`);
        }
        for (const url of done) {
          statements.push(sql`UPDATE frontier SET state = ${DONE} WHERE url = ${url}`);
        }
        for (const url of skipped) {
          statements.push(sql`UPDATE frontier SET state = ${SKIPPED} WHERE url = ${url}`);
        }
      } else {
        for (const part of chunks(discovered, CHUNK)) {
          const cells = part.map((e) => [e.url, e.depth, e.referrer, TODO, ++this.#seq]);
          statements.push(sql`INSERT INTO frontier (url, depth, referrer, state, seq)
            VALUES ${values(cells)} ON CONFLICT (url) DO NOTHING`);
        }
        for (const part of chunks(done, CHUNK)) {
          statements.push(sql`UPDATE frontier SET state = ${DONE} WHERE url IN (${join(part)})`);
        }
        for (const part of chunks(skipped, CHUNK)) {
          statements.push(sql`UPDATE frontier SET state = ${SKIPPED} WHERE url IN (${join(part)})`);
        }
      }
    }
    if (statements.length > 0) await this.db.batch(statements);
  }

  async close(): Promise<void> {
    const connecting = this.#connecting;
    const opened = this.#db !== null;
    this.#connecting = null;
    this.#db = null;
    // A connection that failed has nothing to close (open() reported its error).
    const db = connecting === null ? null : await connecting.catch(() => null);
    if (db === null) return;
    try {
      // A fetch stores no links: its store needs no index on them.
      if (opened && this.#kind === 'crawl') await db.execute(raw(LINKS_INDEX));
    } finally {
      await db.close();
    }
  }
}

/**
 * The statements that record a run in `aio_meta` (with the store's kind, version and
 * first command when it is `fresh`), and drop the indexes a run does without.
 */
function metaInserts(kind: 'crawl' | 'fetch', commandLine: string, fresh: boolean): Sql[] {
  const metaRows = [
    ['kind', kind],
    ['schema_version', SCHEMA_VERSION],
    ['created_at', new Date().toISOString()],
    ['command', commandLine],
  ];
  return [
    ...(fresh
      ? metaRows.map(
          ([k, v]) =>
            sql`INSERT INTO aio_meta (key, value) VALUES (${k}, ${v}) ON CONFLICT (key) DO NOTHING`,
        )
      : []),
    sql`INSERT INTO aio_meta (key, value) VALUES ('last_command', ${commandLine})
      ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    // The links index is rebuilt when the run ends (see LINKS_INDEX). Stores made by
    // earlier versions also indexed frontier (state, seq): nothing reads it, and every
    // page moved an entry in it.
    raw('DROP INDEX IF EXISTS links_to'),
    raw('DROP INDEX IF EXISTS frontier_todo'),
  ];
}

/** SQL text written here (statements, our own column names), never input. */
function raw(text: string): Sql {
  return sql(Object.assign([text], { raw: [text] }));
}

/** The pages' column names, as SQL text (ours, never input). */
/**
 * One page's upsert, written out so that its text is the same for every page (SQLite
 * prepares it once); the same columns as {@link PAGE_COLUMNS}, in order.
 */
export function pageInsert(r: PageRow): Sql {
  return sql`INSERT INTO pages (url, final_url, status, title, depth, referrer, content_type,
      bytes, time_ms, attempts, fetched_at, error_code, error_message)
    VALUES (${r.url}, ${r.final_url}, ${r.status}, ${r.title}, ${r.depth}, ${r.referrer},
      ${r.content_type}, ${r.bytes}, ${r.time_ms}, ${r.attempts}, ${r.fetched_at},
      ${r.error_code}, ${r.error_message})
    ON CONFLICT (url) DO UPDATE SET final_url = excluded.final_url, status = excluded.status,
      title = excluded.title, depth = excluded.depth, referrer = excluded.referrer,
      content_type = excluded.content_type, bytes = excluded.bytes, time_ms = excluded.time_ms,
      attempts = excluded.attempts, fetched_at = excluded.fetched_at,
      error_code = excluded.error_code, error_message = excluded.error_message`;
}

const PAGE_LIST = raw(PAGE_COLUMNS.join(', '));

/** The upsert's assignments of every page column but the key. */
const PAGE_UPDATE = raw(
  PAGE_COLUMNS.filter((c) => c !== 'url')
    .map((c) => `${c} = excluded.${c}`)
    .join(', '),
);

/** Fails with a usage error when a store file to read does not exist. */
export function requireStoreFile(target: string): void {
  if (/^postgres/i.test(target)) return;
  const path = target.replace(/^sqlite:/, '');
  if (!existsSync(path)) throw new UsageError(`no such store: '${path}'`);
}

/**
 * Fails with a usage error when the SQLite file `path` cannot be created or written;
 * true when it exists.
 */
function checkWritable(path: string): boolean {
  const full = resolve(path);
  try {
    if (existsSync(full)) {
      if (!statSync(full).isFile()) throw Object.assign(new Error(), { code: 'EISDIR' });
      accessSync(full, constants.R_OK | constants.W_OK);
      return true;
    }
    accessSync(dirname(full), constants.W_OK);
    return false;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such directory'
        : code === 'EISDIR'
          ? 'it is a directory'
          : (code ?? String(e));
    throw new UsageError(`cannot write '${path}': ${why}`);
  }
}
