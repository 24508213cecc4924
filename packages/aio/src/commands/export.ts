/**
 * `aio export`: writes the rows of a store as JSONL or CSV, streamed (a batch of rows
 * at a time, never the whole table in memory), to a file (replaced atomically) or to
 * stdout.
 *
 * @module
 */
import { extname } from 'node:path';
import { cancellable } from 'asyncio-ts';
import { identifier, join, sql, type Database } from 'asyncio-ts/db';
import { writeAtomic } from 'asyncio-ts/files';
import { EXIT, UsageError, parseCommand, type Command } from '../command.js';
import { DEFAULT_STORE, openStoreForReading } from '../report/index.js';
import { binaryCollation } from '../report/data.js';
import { formatCount } from '../report/format.js';
import { checkWritableOutput, isOutputError } from '../report/writable.js';
import { PAGE_COLUMNS } from '../store/schema.js';

/** The formats `aio export` writes. */
export type ExportFormat = 'jsonl' | 'csv';
/** The tables `aio export` reads. */
export type ExportTable = 'pages' | 'links';

const HELP = `Usage: aio export [store] [-o out.jsonl|out.csv|-] [--format jsonl|csv] [--table pages|links]

Writes the stored results as JSONL or CSV, streamed: any number of rows, little memory.

Arguments:
  store                  an SQLite file written by 'aio crawl' or 'aio fetch'
                         (default ${DEFAULT_STORE}), or a postgres:// URL

Options:
  -o, --output <file>    where to write (default '-': stdout); a file is replaced
                         atomically, only once every row is written
  -f, --format <format>  jsonl or csv (default: from the file's extension, else jsonl)
  -t, --table <table>    pages (default) or links
  -q, --quiet            print nothing when done
  -h, --help             show this help

Formats:
  jsonl  one JSON object per line. pages: url, final_url, status, title, depth,
         referrer, content_type, bytes, time_ms, attempts, fetched_at (ms since the
         epoch), error ({"code", "message"} or null). links: from_url, to_url.
  csv    RFC 4180: a header line, fields with commas, quotes or line breaks in
         double quotes (quotes doubled), lines ending CRLF, empty for null. pages:
         ${PAGE_COLUMNS.join(', ')}.

Rows come ordered by URL, by code point (links: by from_url, to_url).

Examples:
  aio export -o pages.csv                       # ${DEFAULT_STORE}, as CSV
  aio export crawl.sqlite | jq -r 'select(.status >= 400) | .url'
  aio export --table links -o links.csv
  aio export postgres://aio@localhost/crawl --format csv > pages.csv

Exit codes: 0 written; 1 failed; 2 bad command line, no such store, or not writable.
`;

/** Rows read per round trip to the database. */
const BATCH_ROWS = 1000;
/** Output is written in chunks of about this many characters. */
const CHUNK_CHARS = 64 * 1024;

/** The format of `-o path`: from `--format`, else the extension, else JSONL. */
function formatFor(format: string | undefined, output: string): ExportFormat {
  if (format !== undefined) {
    if (format === 'jsonl' || format === 'csv') return format;
    throw new UsageError(`export: --format: expected jsonl or csv, got '${format}'`);
  }
  if (output === '-') return 'jsonl';
  const ext = extname(output).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  throw new UsageError(
    `export: cannot tell the format of '${output}' from its extension: add --format jsonl or --format csv`,
  );
}

/** A number from a driver value (PostgreSQL gives BIGINT as a string). */
function numOrNull(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'number' ? v : Number(v);
}

/** A driver value as text: strings as they are, numbers in JavaScript's form. */
function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? '';
}

function textOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : text(v);
}

/** One `pages` row as the JSONL object: the PageRow fields, error folded into `{code, message}`. */
function pageObject(r: Record<string, unknown>): Record<string, unknown> {
  const code = textOrNull(r['error_code']);
  const message = textOrNull(r['error_message']);
  return {
    url: text(r['url']),
    final_url: textOrNull(r['final_url']),
    status: numOrNull(r['status']),
    title: textOrNull(r['title']),
    depth: numOrNull(r['depth']),
    referrer: textOrNull(r['referrer']),
    content_type: textOrNull(r['content_type']),
    bytes: numOrNull(r['bytes']),
    time_ms: numOrNull(r['time_ms']),
    attempts: numOrNull(r['attempts']),
    fetched_at: numOrNull(r['fetched_at']),
    error: code !== null || message !== null ? { code, message } : null,
  };
}

/** One CSV field per RFC 4180: quoted when it holds a comma, a quote or a line break. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = text(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const PAGE_NUMBERS = new Set(['status', 'depth', 'bytes', 'time_ms', 'attempts', 'fetched_at']);

/** The columns of `table`, in order. */
function columnsOf(table: ExportTable): readonly string[] {
  return table === 'pages' ? PAGE_COLUMNS : ['from_url', 'to_url'];
}

/**
 * The text of an export, in chunks of about 64 KB, reading `BATCH_ROWS` rows at a
 * time; `counter.rows` counts the rows written.
 */
async function* exportChunks(
  db: Database,
  table: ExportTable,
  format: ExportFormat,
  counter: { rows: number },
): AsyncGenerator<string, void, undefined> {
  const columns = columnsOf(table);
  const list = join(columns.map((c) => identifier(c)));
  const C = binaryCollation(db);
  const query =
    table === 'pages'
      ? sql`SELECT ${list} FROM pages ORDER BY url${C}`
      : sql`SELECT ${list} FROM links ORDER BY from_url${C}, to_url${C}`;
  let chunk = format === 'csv' ? `${columns.join(',')}\r\n` : '';
  for await (const row of db.stream<Record<string, unknown>>(query, { batchSize: BATCH_ROWS })) {
    if (format === 'jsonl') {
      chunk += `${JSON.stringify(table === 'pages' ? pageObject(row) : { from_url: row['from_url'], to_url: row['to_url'] })}\n`;
    } else {
      let line = '';
      for (let i = 0; i < columns.length; i++) {
        const c = columns[i]!;
        const v = PAGE_NUMBERS.has(c) ? numOrNull(row[c]) : row[c];
        line += i === 0 ? csvField(v) : `,${csvField(v)}`;
      }
      chunk += `${line}\r\n`;
    }
    counter.rows++;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/** Thrown inside when stdout's reader went away (`aio export | head`): not an error. */
class ReaderGone extends Error {}

/** Writes chunks to stdout with backpressure; a closed pipe ends the export quietly. */
async function writeToStdout(chunks: AsyncIterable<string>): Promise<void> {
  const out = process.stdout;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const onError = (e: Error): void => {
    failure = e;
    wake?.();
  };
  const onDrain = (): void => wake?.();
  out.on('error', onError);
  out.on('drain', onDrain);
  try {
    for await (const chunk of chunks) {
      if (failure !== null) break;
      if (!out.write(chunk)) {
        await cancellable(
          new Promise<void>((resolve) => {
            wake = resolve;
          }),
        );
        wake = null;
      }
    }
    const err = failure as (Error & { code?: string }) | null;
    if (err !== null && err.code !== 'EPIPE') throw err;
    if (err !== null) throw new ReaderGone();
  } finally {
    out.off('error', onError);
    out.off('drain', onDrain);
  }
}

/** `aio export [store] [-o file] [--format jsonl|csv] [--table pages|links]`. */
export const exportCommand: Command = {
  name: 'export',
  help: HELP,
  async run(args) {
    const parsed = parseCommand('export', args, {
      output: { type: 'string', short: 'o' },
      format: { type: 'string', short: 'f' },
      table: { type: 'string', short: 't' },
      quiet: { type: 'boolean', short: 'q' },
    });
    if (parsed === null) {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    if (parsed.positionals.length > 1) {
      throw new UsageError(`export: one store at most, got ${parsed.positionals.length}`);
    }
    const store = parsed.positionals[0] ?? DEFAULT_STORE;
    const output = parsed.string('output') ?? '-';
    if (output === '') throw parsed.invalid('output', 'empty file name');
    const format = formatFor(parsed.string('format'), output);
    const tableName = parsed.string('table') ?? 'pages';
    if (tableName !== 'pages' && tableName !== 'links') {
      throw parsed.invalid('table', `expected pages or links, got '${tableName}'`);
    }
    const table: ExportTable = tableName;
    if (output !== '-') await checkWritableOutput('export', output);
    const db = await openStoreForReading('export', store);
    const counter = { rows: 0 };
    try {
      const chunks = exportChunks(db, table, format, counter);
      if (output === '-') {
        await writeToStdout(chunks);
        return EXIT.ok;
      }
      try {
        await writeAtomic(output, chunks);
      } catch (e) {
        if (isOutputError(e)) throw new UsageError(`export: cannot write '${output}': ${e.code}`);
        throw e;
      }
      if (!parsed.flag('quiet')) {
        process.stderr.write(
          `aio export: wrote ${formatCount(counter.rows)} ${table} rows to ${output} (${format})\n`,
        );
      }
      return EXIT.ok;
    } catch (e) {
      if (e instanceof ReaderGone) return EXIT.ok;
      throw e;
    } finally {
      await db.close();
    }
  },
};
