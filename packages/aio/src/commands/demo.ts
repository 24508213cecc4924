/**
 * `aio demo`: the built-in demo site crawled live, one page at a time and then
 * concurrently, with both times side by side. What `npm start` runs.
 *
 * @module
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EXIT, parseCommand, UsageError, type Command } from '../command.js';
import { Site } from '../demo-site/site.js';
import { intOption } from '../options.js';
import { formatSeconds, styles, useColor } from '../ui/progress.js';
import { crawl, CRAWL_OPTIONS, writeReportFor } from './crawl.js';

const HELP = `Usage: aio demo [options]

Starts a demo site on 127.0.0.1 (hundreds of pages with varied latency, a few slow
pages, 404s, redirects, and a robots.txt rule), crawls a sample of it one page at a
time to estimate how long a sequential crawl would take, then crawls the whole site
concurrently with the live progress display, and prints both times and the speed-up,
where the results are, and how to open the report.

Options:
      --dir DIR          where the results go (default ./aio-demo; replaced each run)
      --pages N          pages of the demo site (default 600)
  -c, --concurrency N    requests in flight in the concurrent crawl (default 32)
      --sample N         pages crawled one at a time for the estimate (default 25)
  -q, --quiet            only the final comparison
  -h, --help             show this help

Example:
  aio demo
  aio demo --pages 2000 -c 64
`;

/** `aio demo`. */
export const demoCommand: Command = {
  name: 'demo',
  help: HELP,
  async run(args) {
    const p = parseCommand('demo', args, {
      dir: { type: 'string' },
      pages: { type: 'string' },
      concurrency: { type: 'string', short: 'c' },
      sample: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
    });
    if (p === null) {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    const pages = intOption(p, 'pages', 10, 100_000) ?? 600;
    const concurrency = intOption(p, 'concurrency', 1, 1_000) ?? 32;
    const sample = intOption(p, 'sample', 1, 1_000) ?? 25;
    const quiet = p.flag('quiet');
    const dir = resolve(p.string('dir') ?? 'aio-demo');
    try {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new UsageError(
        `demo: cannot use '${dir}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      );
    }
    const out = process.stdout;
    const st = styles(useColor(out));
    const say = (line = ''): void => {
      if (!quiet) out.write(`${line}\n`);
    };
    const site = new Site({
      pages,
      seed: 7,
      latency: [20, 160],
      slowEvery: 97,
      slowMs: 1_200,
      notFound: 6,
      redirects: 6,
      disallowed: 4,
      files: 3,
      pageBytes: 4_000,
    });
    const server = await site.serve();
    try {
      const expected = site.expected().length;
      say(st.bold('aio demo'));
      say(`  demo site   ${server.url}/  (${pages} pages, 20-160 ms per page, a few 1.2 s pages,`);
      say('              404s, redirects, robots.txt disallowing /private/)');
      say();
      // 1. One page at a time, for a sample.
      say(st.bold(`1. Sequential: the first ${sample} pages, one request at a time`));
      const seqStore = join(dir, 'sequential.sqlite');
      const seqArgs = [
        `${server.url}/`,
        '-o',
        seqStore,
        '-c',
        '1',
        '--per-host',
        '1',
        '--max-pages',
        String(sample),
        '--grace',
        '2s',
      ];
      const seq = await crawl(
        parseCommand('crawl', seqArgs, CRAWL_OPTIONS)!,
        ['aio', 'crawl', ...seqArgs],
        {
          label: 'sequential',
          quiet: true,
        },
      );
      if (seq.interrupted) return EXIT.interrupted;
      const perPage = seq.stats.elapsed() / Math.max(1, seq.stats.done);
      const estimate = perPage * expected;
      say(
        `   ${seq.stats.done} pages in ${formatSeconds(seq.stats.elapsed())}: ${Math.round(perPage * 1000)} ms per page,`,
      );
      say(
        `   so all ${expected} URLs one at a time would take about ${st.bold(formatSeconds(estimate))}`,
      );
      say();
      // 2. The whole site, concurrently.
      say(st.bold(`2. Concurrent: the whole site, ${concurrency} requests in flight`));
      const store = join(dir, 'crawl.sqlite');
      const conArgs = [
        `${server.url}/`,
        '-o',
        store,
        '-c',
        String(concurrency),
        '--per-host',
        String(concurrency),
      ];
      const con = await crawl(
        parseCommand('crawl', conArgs, CRAWL_OPTIONS)!,
        ['aio', 'crawl', ...conArgs],
        {
          label: 'crawl',
          quiet,
          progressOut: process.stdout,
        },
      );
      if (con.interrupted) return EXIT.interrupted;
      const report = join(dir, 'report.html');
      await writeReportFor(con.store, report, true);
      const took = con.stats.elapsed();
      say();
      say(st.bold('Result'));
      say(`  sequential (estimated)  ${formatSeconds(estimate).padStart(8)}  for ${expected} URLs`);
      say(
        `  concurrent (measured)   ${formatSeconds(took).padStart(8)}  for ${con.stats.done} URLs`,
      );
      say(`  speed-up                ${st.green(`${(estimate / took).toFixed(1)}x`)}`);
      say();
      const rel = (f: string): string => relative(process.cwd(), f) || f;
      say(`  results     ${rel(store)}  (SQLite: pages, links, frontier)`);
      say(`  report      ${rel(report)}  -> open ${pathToFileURL(report).href} in a browser`);
      say(`  export      aio export ${rel(store)} -o pages.csv`);
      if (quiet)
        out.write(
          `sequential ~${estimate.toFixed(1)}s, concurrent ${took.toFixed(1)}s, ${(estimate / took).toFixed(1)}x\n`,
        );
      return EXIT.ok;
    } finally {
      await server.close();
    }
  },
};
