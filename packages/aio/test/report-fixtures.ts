// Shared by report.test.ts and export.test.ts: stores written row by row (the tables
// of src/store/schema.ts, filled with generated pages and links), the expected figures
// computed from the same rows in plain JavaScript, and a way to run `aio` commands.
import { spawn } from 'node:child_process';
import { Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { join, sql, type Database } from 'asyncio-ts/db';
import { createStatements, PAGE_COLUMNS, type PageRow } from '../src/store/schema.js';

// This file runs from packages/aio/.test-build/test/.
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** A store's content: pages and links. */
export interface StoreContent {
  pages: PageRow[];
  links: { from_url: string; to_url: string }[];
  meta?: Record<string, string>;
}

/** A seeded random number generator (mulberry32), so a failing run can be repeated. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const BASE_URL = 'http://127.0.0.1:8080';
export const START = Date.UTC(2025, 2, 1, 12, 0, 0);

/** Titles that must be escaped in HTML and quoted in CSV. */
export const NASTY_TITLES = [
  '<script>alert("pwned")</script>',
  'Commas, "quotes" and\nline breaks',
  "O'Reilly & <b>Sons</b>",
  'Ünïcödé — ✓ 日本語',
];

/**
 * `n` pages of a crawl over about `seconds` seconds: mostly 200s, some redirects,
 * 404s, 500s and failures without a response; a few titles that need escaping; links
 * from each page to a few others (including broken ones).
 */
export function generateContent(n: number, seed = 42, seconds = 30): StoreContent {
  const rnd = random(seed);
  const pages: PageRow[] = [];
  for (let i = 0; i < n; i++) {
    const roll = rnd();
    const url = `${BASE_URL}/page/${i}`;
    let status: number | null = 200;
    let error: [string, string] | null = null;
    if (roll < 0.05) status = 301;
    else if (roll < 0.11) status = 404;
    else if (roll < 0.13) status = 500;
    else if (roll < 0.14) status = 503;
    else if (roll < 0.16) {
      status = null;
      error = ['timeout', 'no response within 10s'];
    } else if (roll < 0.17) {
      status = null;
      error = ['connect', 'connect ECONNREFUSED 127.0.0.1:8080'];
    }
    if (status === 500) error = ['http', 'HTTP 500 Internal Server Error'];
    const time =
      status === null
        ? error?.[0] === 'timeout'
          ? 10_000
          : null
        : Math.exp(3 + rnd() * 4.5) * (0.9 + rnd() * 0.2);
    pages.push({
      url,
      final_url: status === null ? null : status === 301 ? `${url}/` : url,
      status,
      title:
        status === 200 ? (i % 97 === 3 ? NASTY_TITLES[((i / 97) % 4) | 0]! : `Page ${i}`) : null,
      depth: i === 0 ? 0 : 1 + Math.floor(rnd() * 5),
      referrer: i === 0 ? null : `${BASE_URL}/page/${Math.floor(rnd() * i)}`,
      content_type: status === 200 ? 'text/html' : status === null ? null : 'text/plain',
      bytes: status === null ? null : Math.floor(2000 + rnd() * 20_000),
      time_ms: time === null ? null : Math.round(time * 1000) / 1000,
      attempts: error !== null ? 3 : 1,
      fetched_at: START + Math.floor((i / Math.max(1, n)) * seconds * 1000 + rnd() * 50),
      error_code: error?.[0] ?? null,
      error_message: error?.[1] ?? null,
    });
  }
  const links = new Map<string, { from_url: string; to_url: string }>();
  for (let i = 0; i < n; i++) {
    const k = 1 + Math.floor(rnd() * 6);
    for (let j = 0; j < k; j++) {
      // Skewed towards low page numbers, so some pages are linked from many.
      const to = Math.floor(rnd() * rnd() * n);
      const pair = { from_url: pages[i]!.url, to_url: pages[to]!.url };
      links.set(`${pair.from_url} ${pair.to_url}`, pair);
    }
  }
  return { pages, links: [...links.values()] };
}

/** Creates the tables and inserts `content`, in one transaction. */
export async function fillStore(db: Database, content: StoreContent): Promise<void> {
  for (const statement of createStatements(db.dialect)) {
    // Trusted text of our own schema: a template array of one string, no values.
    const text = Object.assign([statement], {
      raw: [statement],
    }) as unknown as TemplateStringsArray;
    await db.execute(sql(text));
  }
  const meta = content.meta ?? {
    kind: 'crawl',
    schema: '1',
    command: 'aio crawl http://127.0.0.1:8080/',
  };
  await db.transaction(async (tx) => {
    for (const [key, value] of Object.entries(meta)) {
      await tx.execute`INSERT INTO aio_meta (key, value) VALUES (${key}, ${value})`;
    }
    for (let i = 0; i < content.pages.length; i += 500) {
      const rows = content.pages
        .slice(i, i + 500)
        .map((p) => sql`(${join(PAGE_COLUMNS.map((c) => p[c]))})`);
      await tx.execute`INSERT INTO pages VALUES ${join(rows)}`;
    }
    for (let i = 0; i < content.links.length; i += 1000) {
      const rows = content.links.slice(i, i + 1000).map((l) => sql`(${l.from_url}, ${l.to_url})`);
      await tx.execute`INSERT INTO links (from_url, to_url) VALUES ${join(rows)}`;
    }
  });
}

/** A temporary directory, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(joinPath(tmpdir(), `${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** The result of running a command. */
export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The argv that runs `aio <command> ...args`: the built CLI. */
function argvFor(command: string, args: readonly string[]): string[] {
  return [CLI, command, ...args];
}

/** Runs `aio <command> ...args` in a child process and collects its output. */
export function aio(
  command: string,
  args: readonly string[],
  cwd?: string,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argvFor(command, args), {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({
        status,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** Spawns `aio <command> ...args` with its stdout as a pipe the test reads from. */
export function aioPiped(command: string, args: readonly string[]): ReturnType<typeof spawn> {
  return spawn(process.execPath, argvFor(command, args), { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The PostgreSQL the report and export tests use (`PG_URL` to change it). */
export const PG_URL = process.env['PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** False when PostgreSQL answers at `url` within a second, else why its tests skip. */
export function postgresSkip(url: string): Promise<string | false> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const s = new Socket();
    s.setTimeout(1000);
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('timeout', () => (s.destroy(), resolve(`PostgreSQL not reachable at ${u.host}`)));
    s.once('error', () => resolve(`PostgreSQL not reachable at ${u.host}`));
    s.connect(Number(u.port || 5432), u.hostname);
  });
}
