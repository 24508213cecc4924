/**
 * Results as lines: a JSONL or CSV file, or stdout (JSONL, or a table on a terminal).
 *
 * A batch is one `write()` of whole lines, appended. A crash can leave at most a
 * torn last line; resuming cuts it off before appending, so the file stays valid.
 *
 * @module
 */
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { UsageError } from '../command.js';
import type { PageRow } from './schema.js';
import type { FrontierEntry, Outcome, ResultStore, StoredState } from './store.js';

/** The fields of a line of output, in order. */
export const LINE_FIELDS = [
  'url',
  'final_url',
  'status',
  'title',
  'content_type',
  'bytes',
  'time_ms',
  'attempts',
  'fetched_at',
  'error_code',
  'error_message',
] as const;

/** A page as a JSON object: the row, `fetched_at` as ISO text, the error as `{ code, message }`. */
export function toJsonRecord(row: PageRow): Record<string, unknown> {
  return {
    url: row.url,
    final_url: row.final_url,
    status: row.status,
    title: row.title,
    content_type: row.content_type,
    bytes: row.bytes,
    time_ms: row.time_ms,
    attempts: row.attempts,
    depth: row.depth,
    referrer: row.referrer,
    fetched_at: new Date(row.fetched_at).toISOString(),
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message },
  };
}

/** One CSV field, quoted when needed (RFC 4180). */
export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A page as a CSV line (without the newline). */
export function toCsvLine(row: PageRow): string {
  return LINE_FIELDS.map((f) =>
    csvField(f === 'fetched_at' ? new Date(row.fetched_at).toISOString() : row[f]),
  ).join(',');
}

/** The first field of each CSV record in `text` (quoted fields may hold newlines). */
export function csvFirstFields(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) return out; // torn record
        field += text.slice(i, q);
        if (text[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else {
      let j = i;
      while (j < n && text[j] !== ',' && text[j] !== '\n' && text[j] !== '\r') j++;
      field = text.slice(i, j);
      i = j;
    }
    out.push(field);
    // Skip to the end of the record, minding quotes.
    let inQuote = false;
    while (i < n) {
      const c = text[i]!;
      if (c === '"') inQuote = !inQuote;
      else if (c === '\n' && !inQuote) break;
      i++;
    }
    i++;
  }
  return out;
}

/** How an existing output file is treated. */
export type ExistingFile = 'refuse' | 'resume' | 'overwrite';

/** A JSONL or CSV file of results (`aio fetch -o out.jsonl`). */
export class LineFileStore implements ResultStore {
  readonly name: string;
  readonly keepsFrontier = false;
  readonly #format: 'jsonl' | 'csv';
  readonly #existing: ExistingFile;
  #fd: number | null = null;

  constructor(path: string, format: 'jsonl' | 'csv', existing: ExistingFile) {
    this.name = path;
    this.#format = format;
    this.#existing = existing;
  }

  open(kind: 'crawl' | 'fetch'): Promise<StoredState> {
    if (kind === 'crawl') {
      throw new UsageError(
        `a crawl is stored in SQLite or PostgreSQL (its frontier lives there), not in '${this.name}'`,
      );
    }
    const path = this.name;
    const exists = existsSync(path) && statSync(path).size > 0;
    if (exists && this.#existing === 'refuse') {
      throw new UsageError(
        `'${path}' already exists: add --resume to go on with it, or --overwrite to replace it`,
      );
    }
    const seen = new Set<string>();
    let pages = 0;
    if (exists && this.#existing === 'resume') {
      let text = readFileSync(path, 'utf8');
      const end = text.lastIndexOf('\n') + 1;
      if (end < text.length) {
        // A torn last line (the process died mid-write): cut it off.
        truncateSync(path, Buffer.byteLength(text.slice(0, end)));
        text = text.slice(0, end);
      }
      const urls =
        this.#format === 'jsonl'
          ? text
              .split('\n')
              .filter((l) => l.trim() !== '')
              .map((l, i) => {
                try {
                  return String((JSON.parse(l) as { url: unknown }).url);
                } catch {
                  throw new UsageError(
                    `'${path}' line ${i + 1} is not JSON: it is not an aio output file`,
                  );
                }
              })
          : csvFirstFields(text).slice(1);
      for (const u of urls) seen.add(u);
      pages = urls.length;
    }
    try {
      this.#fd = openSync(path, exists && this.#existing === 'resume' ? 'a' : 'w');
    } catch (e) {
      throw new UsageError(
        `cannot write '${path}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      );
    }
    if (this.#format === 'csv' && pages === 0) writeSync(this.#fd, `${LINE_FIELDS.join(',')}\n`);
    return Promise.resolve({ seen, todo: [], pages });
  }

  enqueue(_entries: readonly FrontierEntry[]): Promise<void> {
    return Promise.resolve();
  }

  write(batch: readonly Outcome[]): Promise<void> {
    if (this.#fd === null) return Promise.reject(new Error('the output is not open'));
    let text = '';
    for (const o of batch) {
      if (o.row === null) continue;
      text +=
        this.#format === 'jsonl'
          ? `${JSON.stringify(toJsonRecord(o.row))}\n`
          : `${toCsvLine(o.row)}\n`;
    }
    if (text !== '') writeSync(this.#fd, text);
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
    return Promise.resolve();
  }
}

/** Results on stdout: JSONL, or a readable table (through `print`) on a terminal. */
export class StdoutStore implements ResultStore {
  readonly name = 'stdout';
  readonly keepsFrontier = false;
  readonly #table: ((line: string) => void) | null;

  /** @param table prints a table line (on a terminal); null writes JSONL. */
  constructor(table: ((line: string) => void) | null) {
    this.#table = table;
  }

  open(): Promise<StoredState> {
    return Promise.resolve({ seen: new Set(), todo: [], pages: 0 });
  }

  enqueue(): Promise<void> {
    return Promise.resolve();
  }

  write(batch: readonly Outcome[]): Promise<void> {
    if (this.#table !== null) {
      for (const o of batch) if (o.row !== null) this.#table(tableLine(o.row));
      return Promise.resolve();
    }
    let text = '';
    for (const o of batch) if (o.row !== null) text += `${JSON.stringify(toJsonRecord(o.row))}\n`;
    if (text === '') return Promise.resolve();
    return new Promise((resolve) => {
      if (process.stdout.write(text)) resolve();
      else process.stdout.once('drain', () => resolve());
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** One row of the terminal table: status, time, size, URL, title or error. */
export function tableLine(row: PageRow): string {
  const status = row.status === null ? 'ERR' : String(row.status);
  const time = row.time_ms === null ? '' : `${Math.round(row.time_ms)}ms`;
  const size =
    row.bytes === null
      ? ''
      : row.bytes >= 1024
        ? `${(row.bytes / 1024).toFixed(1)}K`
        : `${row.bytes}B`;
  const what =
    row.error_code !== null ? `${row.error_code}: ${row.error_message ?? ''}` : (row.title ?? '');
  return `${status.padEnd(4)} ${time.padStart(7)} ${size.padStart(7)}  ${row.url}  ${what}`.slice(
    0,
    400,
  );
}
