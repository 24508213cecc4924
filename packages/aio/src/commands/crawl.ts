/**
 * `aio crawl`: crawl a site from start URLs into a store that survives crashes.
 *
 * @module
 */
import { EXIT, parseCommand, UsageError, type Command, type Parsed } from '../command.js';
import { Scope, normalizeUrl, type ScopeKind } from '../crawl/url.js';
import {
  AGENT_TOKEN,
  HTTP_OPTIONS,
  httpOptionsHelp,
  httpSettings,
  runJob,
  shellLine,
  type JobResult,
} from '../job.js';
import { intOption } from '../options.js';
import { SqlStore } from '../store/sql-store.js';
import { isSqlTarget } from '../store/targets.js';
import type { FrontierEntry } from '../store/store.js';
import { aioVersion } from '../version.js';
import { openStoreForReading, writeReport } from '../report/index.js';
import type { Database } from 'asyncio-ts/db';

const HELP = `Usage: aio crawl [options] <start URL>...

Crawl a site from its start URLs: follow links in scope (a, area, link rel=next,
base href), normalise and deduplicate URLs, respect robots.txt and its Crawl-delay,
and store every page (url, final_url, status, title, depth, referrer, content type,
bytes, time, error) and its links. The frontier lives in the store: after a crash,
kill -9 or Ctrl-C, the same command goes on where it stopped, fetching no page twice.

Options:
  -o, --output STORE    crawl.sqlite (default), another .sqlite file, or a
                        postgres:// URL (add ?schema=NAME to use a schema)
      --scope S         host (default): the start URLs' hosts; domain: their domain
                        and subdomains; prefix: under the start URLs' directories;
                        pattern: URLs matching --pattern
      --pattern RE      the regular expression of --scope pattern
      --max-depth N     the most links away from a start URL (default no limit)
      --max-pages N     the most URLs stored in all (default no limit)
      --ignore-robots   do not fetch or obey robots.txt
      --report FILE     write an HTML report of the store when done
${httpOptionsHelp({ concurrency: 16, perHost: '8' }).join('\n')}
  -h, --help            show this help

Examples:
  aio crawl https://docs.example.org/
  aio crawl https://example.org/blog/ --scope prefix --max-depth 3 --report report.html
  aio crawl https://example.org/ -o postgres://me@db/crawls?schema=example -c 64 --per-host 4 --host-rate 5/s
  aio crawl https://example.org/ -o example.sqlite    # again after Ctrl-C or a crash: resumes

Exit codes: 0 done, 1 failure (e.g. the store), 2 bad input, 130 interrupted (the
resume command is printed).
`;

/** The crawl options besides the HTTP ones. */
export const CRAWL_OPTIONS = {
  ...HTTP_OPTIONS,
  scope: { type: 'string' },
  pattern: { type: 'string' },
  'max-depth': { type: 'string' },
  'max-pages': { type: 'string' },
  'ignore-robots': { type: 'boolean' },
  report: { type: 'string' },
} as const;

/** Reads the start URLs: each must be an http(s) URL. */
export function startUrls(p: Parsed): string[] {
  if (p.positionals.length === 0) throw new UsageError(`${p.command}: no start URL given`);
  return p.positionals.map((s) => {
    const url = /^https?:\/\//i.test(s) ? normalizeUrl(s) : null;
    if (url === null) throw new UsageError(`${p.command}: not an http(s) URL: '${s}'`);
    return url;
  });
}

/** Reads --scope and --pattern. */
export function scopeOf(p: Parsed, starts: string[]): Scope {
  const kind = (p.string('scope') ??
    (p.string('pattern') !== undefined ? 'pattern' : 'host')) as ScopeKind;
  if (!['host', 'domain', 'prefix', 'pattern'].includes(kind)) {
    throw p.invalid('scope', `expected host, domain, prefix or pattern, got '${String(kind)}'`);
  }
  const pattern = p.string('pattern');
  if (kind === 'pattern') {
    if (pattern === undefined) throw p.invalid('scope', 'pattern needs --pattern RE');
    try {
      new RegExp(pattern);
    } catch (e) {
      throw p.invalid('pattern', `not a regular expression: ${(e as Error).message}`);
    }
  }
  return new Scope(kind, starts, pattern);
}

/** Runs a crawl from parsed options (shared with `aio demo`). */
export async function crawl(
  p: Parsed,
  argv: string[],
  extra: { label?: string; progressOut?: NodeJS.WriteStream; quiet?: boolean } = {},
): Promise<JobResult & { store: SqlStore }> {
  const starts = startUrls(p);
  const scope = scopeOf(p, starts);
  const maxDepth = intOption(p, 'max-depth', 0) ?? Infinity;
  const maxPages = intOption(p, 'max-pages', 1) ?? Infinity;
  const http = httpSettings(p, { concurrency: 16, perHost: 8, links: true }, aioVersion());
  const target = p.string('output') ?? 'crawl.sqlite';
  if (!isSqlTarget(target)) {
    throw new UsageError(
      `crawl: the store must be a .sqlite file or a postgres:// URL, got '${target}'`,
    );
  }
  const store = new SqlStore(target);
  const robots = !p.flag('ignore-robots');
  const result = await runJob({
    kind: 'crawl',
    label: extra.label ?? 'crawl',
    store,
    http,
    crawl: { scope, maxDepth, maxPages, robots, userAgent: AGENT_TOKEN },
    quiet: extra.quiet ?? p.flag('quiet'),
    json: p.flag('json'),
    commandLine: shellLine(argv),
    resumeLine: shellLine(argv),
    ...(extra.progressOut !== undefined ? { progressOut: extra.progressOut } : {}),
    async plan(state, stats) {
      const fresh: FrontierEntry[] = [];
      for (const url of starts) {
        if (!state.seen.has(url) && state.seen.size < maxPages) {
          state.seen.add(url);
          fresh.push({ url, depth: 0, referrer: null });
        }
      }
      await store.enqueue(fresh);
      stats.total = state.seen.size;
      return [...state.todo, ...fresh];
    },
  });
  return { ...result, store };
}

/** `aio crawl`. */
export const crawlCommand: Command = {
  name: 'crawl',
  help: HELP,
  async run(args) {
    const p = parseCommand('crawl', args, CRAWL_OPTIONS);
    if (p === null) {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    const result = await crawl(p, ['aio', 'crawl', ...args]);
    const report = p.string('report');
    if (report !== undefined && !result.interrupted) {
      await writeReportFor(result.store, report, p.flag('quiet'));
    }
    return result.interrupted ? EXIT.interrupted : EXIT.ok;
  },
};

/** Writes the HTML report of a store (opened again: the crawl closed it). */
export async function writeReportFor(store: SqlStore, path: string, quiet: boolean): Promise<void> {
  let db: Database;
  try {
    db = await openStoreForReading('crawl', store.target);
  } catch (e) {
    throw new Error(`cannot read back ${store.name} for the report: ${(e as Error).message}`);
  }
  try {
    const { bytes } = await writeReport(db, path, { source: store.name });
    if (!quiet) process.stderr.write(`report     ${path} (${Math.round(bytes / 1024)} KB)\n`);
  } finally {
    await db.close();
  }
}
