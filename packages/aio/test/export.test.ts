// `aio export`: every stored row comes out, as JSONL or RFC 4180 CSV, from SQLite and
// PostgreSQL alike; streamed (a small heap is enough for 100,000 pages, a closed pipe
// ends it quietly); bad input is one line and exit code 2.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from 'asyncio-ts';
import { connect, identifier, type Database } from 'asyncio-ts/db';
import { PAGE_COLUMNS, type PageRow } from '../src/store/schema.js';
import {
  CLI,
  NASTY_TITLES,
  aio,
  aioPiped,
  fillStore,
  generateContent,
  tempDir,
  type StoreContent,
  PG_URL,
  postgresSkip,
} from './report-fixtures.js';

async function withStore<T>(url: string, fn: (db: Database) => Promise<T>): Promise<T> {
  return run(async () => {
    const db = await connect(url);
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  });
}

async function sqliteStore(dir: string, name: string, content: StoreContent): Promise<string> {
  const path = joinPath(dir, name);
  await withStore(`sqlite:${path}`, (db) => fillStore(db, content));
  return path;
}

/** The JSONL object of a page: the PageRow fields with the error as `{code, message}`. */
function expectedObject(p: PageRow): Record<string, unknown> {
  const { error_code, error_message, ...rest } = p;
  return {
    ...rest,
    error:
      error_code === null && error_message === null
        ? null
        : { code: error_code, message: error_message },
  };
}

/** Code-point order, what the export promises (and SQLite's BINARY collation). */
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A strict RFC 4180 parser: records of fields; every record must end with CRLF. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        assert.ok(q >= 0, 'unterminated quoted field');
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
      const m = /[,\r\n"]/.exec(text.slice(i));
      const end = m === null ? text.length : i + m.index;
      assert.notEqual(text[end], '"', 'a quote inside an unquoted field');
      field = text.slice(i, end);
      i = end;
    }
    fields.push(field);
    if (text[i] === ',') {
      i++;
    } else {
      assert.equal(text.slice(i, i + 2), '\r\n', `record ${records.length + 1} must end with CRLF`);
      i += 2;
      records.push(fields);
      fields = [];
    }
  }
  return records;
}

/** A CSV field as the export writes the value. */
const csvText = (v: string | number | null): string => (v === null ? '' : String(v));

describe('aio export', () => {
  const tmp = tempDir('aio-export');
  const content = generateContent(2500, 17);
  // Titles that need quoting in CSV, and more characters.
  NASTY_TITLES.forEach((title, i) => {
    content.pages[10 + i] = { ...content.pages[10 + i]!, title };
  });
  const sortedPages = [...content.pages].sort((a, b) => byCodePoint(a.url, b.url));
  let store = '';
  before(async () => {
    store = await sqliteStore(tmp.dir, 'crawl.sqlite', content);
  });
  after(() => tmp.remove());

  it('writes every page as one JSON object per line to stdout, ordered by URL', async () => {
    const r = await aio('export', [store]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.ok(r.stdout.endsWith('\n'));
    const lines = r.stdout.slice(0, -1).split('\n');
    assert.equal(lines.length, content.pages.length);
    assert.deepEqual(
      lines.map((l) => JSON.parse(l) as unknown),
      sortedPages.map(expectedObject),
    );
    // The fields in PageRow order, error last.
    assert.deepEqual(Object.keys(JSON.parse(lines[0]!) as object), [
      ...PAGE_COLUMNS.filter((c) => !c.startsWith('error_')),
      'error',
    ]);
  });

  it('writes RFC 4180 CSV to a .csv file: header, quoted fields, CRLF, empty for null', async () => {
    const out = joinPath(tmp.dir, 'pages.csv');
    const r = await aio('export', [store, '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^aio export: wrote 2,500 pages rows to .*pages\.csv \(csv\)\n$/);
    const text = readFileSync(out, 'utf8');
    const records = parseCsv(text);
    assert.deepEqual(records[0], [...PAGE_COLUMNS]);
    assert.deepEqual(
      records.slice(1),
      sortedPages.map((p) => PAGE_COLUMNS.map((c) => csvText(p[c]))),
    );
    // The title with a comma, quotes and a line break is quoted with doubled quotes.
    assert.ok(text.includes('"Commas, ""quotes"" and\nline breaks"'));
    assert.ok(!readdirSync(tmp.dir).some((f) => f.endsWith('.tmp')), 'no temporary file left');
  });

  it('--table links writes the links, as JSONL or CSV', async () => {
    const expected = [...content.links].sort(
      (a, b) => byCodePoint(a.from_url, b.from_url) || byCodePoint(a.to_url, b.to_url),
    );
    const jsonl = await aio('export', [store, '--table', 'links']);
    assert.equal(jsonl.status, 0, jsonl.stderr);
    assert.deepEqual(
      jsonl.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
      expected,
    );
    const out = joinPath(tmp.dir, 'links.csv');
    const csv = await aio('export', [store, '-t', 'links', '-o', out, '-q']);
    assert.deepEqual([csv.status, csv.stderr], [0, '']);
    assert.deepEqual(parseCsv(readFileSync(out, 'utf8')), [
      ['from_url', 'to_url'],
      ...expected.map((l) => [l.from_url, l.to_url]),
    ]);
  });

  it('--format overrides the extension; an existing file is replaced whole', async () => {
    const out = joinPath(tmp.dir, 'pages.txt');
    writeFileSync(out, 'old content that is longer than nothing\n'.repeat(100_000));
    const r = await aio('export', [store, '-o', out, '--format', 'csv', '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    const text = readFileSync(out, 'utf8');
    assert.ok(text.startsWith(`${PAGE_COLUMNS.join(',')}\r\n`));
    assert.ok(!text.includes('old content'));
    const jsonl = await aio('export', [store, '-o', '-', '-f', 'jsonl', '-t', 'pages']);
    assert.equal(jsonl.stdout.split('\n').length, content.pages.length + 1);
  });

  it('stops quietly when the reader of stdout goes away (aio export | head -1)', async () => {
    const child = aioPiped('export', [store]);
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const first = await new Promise<string>((resolve) => {
      let buf = '';
      child.stdout!.on('data', (b: Buffer) => {
        buf += b.toString();
        const nl = buf.indexOf('\n');
        if (nl >= 0) {
          child.stdout!.destroy();
          resolve(buf.slice(0, nl));
        }
      });
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.deepEqual(JSON.parse(first), expectedObject(sortedPages[0]!));
    assert.equal(status, 0, stderr);
    assert.equal(stderr, '');
  });

  it('--help shows the usage, the formats and examples', async () => {
    const r = await aio('export', ['--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Usage: aio export \[store\] \[-o out\.jsonl\|out\.csv\|-\]/);
    assert.match(r.stdout, /^Formats:$/m);
    assert.match(r.stdout, /^Examples:$/m);
  });

  const bad: [string, () => string[], RegExp][] = [
    [
      'a missing store (and creates none)',
      () => [joinPath(tmp.dir, 'missing.sqlite')],
      /export: no store at '.*missing\.sqlite'/,
    ],
    [
      'a file that is not a store',
      () => [writeText('notes.txt', 'not sqlite')],
      /not an aio store \(not an SQLite database\)/,
    ],
    [
      'an output in a missing directory',
      () => [store, '-o', joinPath(tmp.dir, 'nope', 'out.csv')],
      /export: cannot write '.*out\.csv': no directory/,
    ],
    [
      'an unknown extension without --format',
      () => [store, '-o', joinPath(tmp.dir, 'out.xlsx')],
      /cannot tell the format of '.*out\.xlsx'.*--format/,
    ],
    ['an unknown format', () => [store, '--format', 'xml'], /--format: expected jsonl or csv/],
    ['an unknown table', () => [store, '--table', 'frontier'], /--table: expected pages or links/],
    ['two stores', () => [store, store], /one store at most/],
  ];
  for (const [what, args, message] of bad) {
    it(`${what}: one line and exit 2`, async () => {
      const r = await aio('export', args());
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.ok(!existsSync(joinPath(tmp.dir, 'missing.sqlite')));
      assert.ok(!existsSync(joinPath(tmp.dir, 'out.xlsx')));
    });
  }

  function writeText(name: string, text: string): string {
    const p = joinPath(tmp.dir, name);
    writeFileSync(p, text);
    return p;
  }
});

describe('aio export of 100,000 pages', () => {
  const tmp = tempDir('aio-export-big');
  let store = '';
  before(async () => {
    store = await sqliteStore(tmp.dir, 'big.sqlite', generateContent(100_000, 5, 600));
  });
  after(() => tmp.remove());

  it('streams them with a 48 MB heap (the JSONL alone is larger)', async () => {
    const child = spawn(process.execPath, ['--max-old-space-size=48', CLI, 'export', store], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let bytes = 0;
    let lines = 0;
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      bytes += b.length;
      for (const c of b) if (c === 10) lines++;
    });
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(status, 0, stderr);
    assert.equal(lines, 100_000);
    assert.ok(bytes > 48 * 1024 * 1024 * 0.5, `${bytes} bytes`);
  });
});

// PostgreSQL: the same rows export to the same bytes as from SQLite.
const pgSkip = await postgresSkip(PG_URL);

describe('aio export from PostgreSQL', { skip: pgSkip }, () => {
  it('gives byte for byte what the same rows give from SQLite', async () => {
    const content = generateContent(1200, 23);
    content.pages[7] = { ...content.pages[7]!, title: NASTY_TITLES[1]! };
    const schema = `aio_export_${process.pid}_${Date.now()}`;
    const tmp = tempDir('aio-export-pg');
    try {
      await withStore(PG_URL, (db) => db.execute`CREATE SCHEMA ${identifier(schema)}`);
      const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      await withStore(url, (db) => fillStore(db, content));
      const path = await sqliteStore(tmp.dir, 'same.sqlite', content);
      for (const args of [[], ['--format', 'csv'], ['--table', 'links', '--format', 'csv']]) {
        const fromPg = await aio('export', [url, ...args]);
        const fromSqlite = await aio('export', [path, ...args]);
        assert.equal(fromPg.status, 0, fromPg.stderr);
        assert.ok(fromPg.stdout.length > 10_000);
        assert.equal(fromPg.stdout, fromSqlite.stdout, `export ${args.join(' ')}`);
      }
    } finally {
      await withStore(
        PG_URL,
        (db) => db.execute`DROP SCHEMA IF EXISTS ${identifier(schema)} CASCADE`,
      );
      tmp.remove();
    }
  });
});
