/**
 * What `aio fetch` and `aio crawl` share: the HTTP options, the output store, the
 * progress display, Ctrl-C, and the summary.
 *
 * @module
 */
import type { ClientSession, ClientSessionOptions } from 'asyncio-ts/http';
import type { Parsed } from './command.js';
import { UsageError } from './command.js';
import type { CrawlRules, Engine } from './crawl/engine.js';
import type { FetchPageOptions } from './crawl/fetch-page.js';
import { durationOption, headerOptions, intOption, rateOption, sizeOption } from './options.js';
import type { PageRow } from './store/schema.js';
import { isSqlTarget } from './store/targets.js';
import { LineFileStore, StdoutStore, type ExistingFile } from './store/file-store.js';
import type { FrontierEntry, ResultStore, StoredState } from './store/store.js';
import { formatSummary, Progress, progressMode, styles, useColor } from './ui/progress.js';
import { RunStats } from './ui/stats.js';

/** The version-free user agent product token aio announces (and matches robots.txt with). */
export const AGENT_TOKEN = 'aio';

/** The options every fetching command takes, as `parseArgs` options. */
export const HTTP_OPTIONS = {
  output: { type: 'string', short: 'o' },
  concurrency: { type: 'string', short: 'c' },
  'per-host': { type: 'string' },
  rate: { type: 'string' },
  'host-rate': { type: 'string' },
  timeout: { type: 'string' },
  retries: { type: 'string' },
  header: { type: 'string', short: 'H', multiple: true },
  method: { type: 'string', short: 'X' },
  'user-agent': { type: 'string' },
  'max-body': { type: 'string' },
  insecure: { type: 'boolean', short: 'k' },
  quiet: { type: 'boolean', short: 'q' },
  json: { type: 'boolean' },
  grace: { type: 'string' },
} as const;

/** The help lines of {@link HTTP_OPTIONS}. */
export function httpOptionsHelp(defaults: { concurrency: number; perHost: string }): string[] {
  return [
    `  -c, --concurrency N   requests in flight in all (default ${defaults.concurrency})`,
    `      --per-host N      requests in flight per host (default ${defaults.perHost})`,
    '      --rate R          global request rate, e.g. 10/s, 600/min (default none)',
    '      --host-rate R     request rate per host, e.g. 2/s (default none)',
    '      --timeout T       per attempt: connect, headers, and body silence (default 10s)',
    '      --retries N       retries of a failed request: errors, 429, 502-504 (default 2)',
    "  -H, --header 'K: V'   an extra request header (repeatable)",
    '  -X, --method M        the request method (default GET)',
    '      --user-agent UA   the User-Agent header',
    '      --max-body SIZE   the largest body read, e.g. 5MB (default 10MB)',
    '  -k, --insecure        do not verify TLS certificates',
    '      --grace T         on Ctrl-C, how long requests in flight may finish (default 10s)',
    '  -q, --quiet           no progress display and no summary',
    '      --json            print the summary as JSON on stdout (progress stays on stderr)',
  ];
}

/** The HTTP settings read from the command line. */
export interface HttpSettings {
  concurrency: number;
  session: ClientSessionOptions;
  fetch: FetchPageOptions;
  userAgent: string;
  graceMs: number;
}

/** Reads the HTTP options; `links` is true for a crawl. */
export function httpSettings(
  p: Parsed,
  defaults: { concurrency: number; perHost: number | null; links: boolean },
  version: string,
): HttpSettings {
  const concurrency = intOption(p, 'concurrency', 1, 10_000) ?? defaults.concurrency;
  const perHost = intOption(p, 'per-host', 1, 10_000) ?? defaults.perHost;
  const rate = rateOption(p, 'rate');
  const hostRate = rateOption(p, 'host-rate');
  const timeoutMs = durationOption(p, 'timeout') ?? 10_000;
  const retries = intOption(p, 'retries', 0, 20) ?? 2;
  const maxBody = sizeOption(p, 'max-body') ?? 10 * 1024 * 1024;
  const graceMs = durationOption(p, 'grace') ?? 10_000;
  const method = (p.string('method') ?? 'GET').toUpperCase();
  if (!/^[A-Z]+$/.test(method))
    throw p.invalid('method', `expected a method like GET or HEAD, got '${method}'`);
  const userAgent = p.string('user-agent') ?? `${AGENT_TOKEN}/${version} (asyncio-ts)`;
  const headers = headerOptions(p, 'header');
  return {
    concurrency,
    userAgent,
    graceMs,
    fetch: { method, links: defaults.links },
    session: {
      userAgent,
      // The session's own headers: a request without options takes its fast path.
      headers,
      timeout: {
        connect: timeoutMs,
        headers: timeoutMs,
        body: timeoutMs,
        total: timeoutMs * (retries + 1) + 5_000,
      },
      retry: retries === 0 ? false : { attempts: retries + 1, maxDelay: 5_000 },
      maxBodySize: maxBody,
      maxRedirects: 10,
      ...(p.flag('insecure') ? { tls: { rejectUnauthorized: false } } : {}),
      limits: {
        connections: concurrency,
        connectionsPerHost: perHost !== null ? Math.min(perHost, concurrency) : null,
        rate: rate !== undefined ? { rate: rate.rate, period: rate.periodMs } : null,
        ratePerHost:
          hostRate !== undefined ? { rate: hostRate.rate, period: hostRate.periodMs } : null,
      },
    },
  };
}

/**
 * The page size of the SQLite files `aio fetch` creates: its transactions of
 * thousands of rows touch most pages of the URL index each, and 16 KB pages write
 * about 40% less than SQLite's 4 KB (measured in bench/RESULTS.md).
 */
const FETCH_PAGE_SIZE = 16384;

/**
 * The store of `aio fetch`'s `-o` target (not open yet); the SQL store loads only for
 * an SQL target.
 */
export async function storeFor(
  target: string | undefined,
  existing: ExistingFile,
  tablePrint: ((line: string) => void) | null,
): Promise<ResultStore> {
  if (target === undefined || target === '-') return new StdoutStore(tablePrint);
  if (isSqlTarget(target)) {
    const { SqlStore } = await import('./store/sql-store.js');
    return new SqlStore(target, { pageSize: FETCH_PAGE_SIZE });
  }
  if (/\.jsonl$/i.test(target) || /\.ndjson$/i.test(target))
    return new LineFileStore(target, 'jsonl', existing);
  if (/\.csv$/i.test(target)) return new LineFileStore(target, 'csv', existing);
  throw new UsageError(
    `cannot tell the format of '${target}': use a name ending in .jsonl, .csv, .sqlite, or a postgres:// URL`,
  );
}

/** The shell form of an argument list (for "resume with:"). */
export function shellLine(args: readonly string[]): string {
  return args
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

/** What a job run needs. */
export interface JobSpec {
  kind: 'fetch' | 'crawl';
  label: string;
  store: ResultStore;
  http: HttpSettings;
  crawl: CrawlRules | null;
  quiet: boolean;
  json: boolean;
  /** The command line that resumes this run. */
  resumeLine: string;
  /** The whole command line, stored in the store's metadata. */
  commandLine: string;
  /** Given what the store holds, the URLs to queue (new ones are also stored in the frontier). */
  plan(state: StoredState, stats: RunStats): FrontierEntry[] | Promise<FrontierEntry[]>;
  /** Prints a table line (when stdout is the table). */
  onPage?: (row: PageRow) => void;
  /** Where progress goes (stderr). */
  progressOut?: NodeJS.WriteStream;
  /** Called once the run is planned, with the engine (the demo uses it). */
  onStart?: (engine: Engine, stats: RunStats, progress: Progress) => void;
}

/** The result of a job. */
export interface JobResult {
  stats: RunStats;
  completed: boolean;
  interrupted: boolean;
}

/**
 * Runs a fetch or crawl: opens the store, queues the work, shows progress, handles
 * Ctrl-C (once: finish in flight and stop; twice: stop now), writes everything,
 * prints the summary.
 */
export async function runJob(spec: JobSpec): Promise<JobResult> {
  const stats = new RunStats();
  const out = spec.progressOut ?? process.stderr;
  const mode = progressMode(spec.quiet, out);
  const progress = new Progress(stats, mode, { label: spec.label, out });
  const st = styles(useColor(out));
  let session: ClientSession | null = null;
  let interrupts = 0;
  let engine: Engine | null = null;
  const onSignal = (): void => {
    interrupts++;
    if (engine === null) return;
    if (interrupts === 1) {
      progress.note = `stopping: ${stats.inFlight} in flight (Ctrl-C again to stop now)`;
      progress.print(
        st.yellow(
          `aio: stopping, letting ${stats.inFlight} requests in flight finish (up to ${Math.round(spec.http.graceMs / 1000)}s); Ctrl-C again to stop now`,
        ),
      );
      engine.stop();
    } else {
      progress.note = 'stopping now';
      engine.stopNow();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // The HTTP stack loads while the store opens (SQLite's thread starts meanwhile).
    const [state, { ClientSession }, { Engine }] = await Promise.all([
      spec.store.open(spec.kind, spec.commandLine),
      import('asyncio-ts/http'),
      import('./crawl/engine.js'),
    ]);
    stats.resumed = state.pages;
    const todo = await spec.plan(state, stats);
    session = new ClientSession(spec.http.session);
    engine = new Engine(
      {
        session,
        store: spec.store,
        stats,
        concurrency: spec.http.concurrency,
        fetch: spec.http.fetch,
        crawl: spec.crawl,
        graceMs: spec.http.graceMs,
        ...(spec.onPage !== undefined ? { onPage: spec.onPage } : {}),
        warn: (line) => {
          if (mode !== 'quiet') progress.print(st.yellow(`aio: ${line}`));
        },
      },
      state.seen,
    );
    engine.add(todo);
    spec.onStart?.(engine, stats, progress);
    if (interrupts > 0) engine.stop();
    progress.start();
    const completed = await engine.run();
    await progress.stop();
    const interrupted = interrupts > 0 || !completed;
    if (!spec.quiet) {
      out.write(formatSummary(stats, useColor(out)));
      out.write(`${st.bold('results')}    ${spec.store.name}\n`);
      if (interrupted)
        out.write(`${st.yellow('stopped early; resume with:')} ${spec.resumeLine}\n`);
    }
    if (spec.json) {
      // Results on stdout too: the summary goes to stderr so the JSONL stays clean.
      const to = spec.store.name === 'stdout' ? process.stderr : process.stdout;
      to.write(
        `${JSON.stringify({ ...stats.toJSON(), completed: !interrupted, store: spec.store.name })}\n`,
      );
    }
    return { stats, completed, interrupted };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await progress.stop();
    // Both at once: the store's last checkpoint need not wait for the sockets.
    await Promise.all([session?.close(), spec.store.close()]);
  }
}
