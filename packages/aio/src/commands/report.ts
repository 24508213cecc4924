/**
 * `aio report`: writes the HTML report of a store.
 *
 * @module
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EXIT, UsageError, parseCommand, type Command } from '../command.js';
import {
  DEFAULT_STORE,
  describeStore,
  loadReportData,
  openStoreForReading,
  renderReport,
  writeReport,
} from '../report/index.js';
import { formatBytes, formatCount } from '../report/format.js';
import { checkWritableOutput, isOutputError } from '../report/writable.js';

const HELP = `Usage: aio report [store] [-o report.html]

Writes the HTML report of a store: summary figures (pages by status class, errors,
duration, pages/s, latency p50/p95/p99, bytes), throughput over time, status codes,
a latency histogram, the slowest pages, broken links and who links to them, and
errors by code. One self-contained file: it opens in any browser, offline.

Arguments:
  store                an SQLite file written by 'aio crawl' or 'aio fetch'
                       (default ${DEFAULT_STORE}), or a postgres:// URL

Options:
  -o, --output <file>  where to write the report (default report.html; '-' for stdout)
  -q, --quiet          print nothing when done
  -h, --help           show this help

Examples:
  aio report                                  # ${DEFAULT_STORE} -> report.html
  aio report results.sqlite -o results.html
  aio report postgres://aio@localhost/crawl -o crawl.html
  aio crawl https://example.org --report report.html   # written when the crawl ends

Exit codes: 0 written; 1 failed; 2 bad command line, no such store, or not writable.
`;

/** `aio report [store] -o report.html`. */
export const reportCommand: Command = {
  name: 'report',
  help: HELP,
  async run(args) {
    const parsed = parseCommand('report', args, {
      output: { type: 'string', short: 'o' },
      quiet: { type: 'boolean', short: 'q' },
    });
    if (parsed === null) {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    if (parsed.positionals.length > 1) {
      throw new UsageError(`report: one store at most, got ${parsed.positionals.length}`);
    }
    const store = parsed.positionals[0] ?? DEFAULT_STORE;
    const output = parsed.string('output') ?? 'report.html';
    if (output === '') throw parsed.invalid('output', 'empty file name');
    const toStdout = output === '-';
    if (!toStdout) await checkWritableOutput('report', output);
    const db = await openStoreForReading('report', store);
    try {
      const source = describeStore(store);
      if (toStdout) {
        process.stdout.write(renderReport(await loadReportData(db), { source }));
        return EXIT.ok;
      }
      let written;
      try {
        written = await writeReport(db, output, { source });
      } catch (e) {
        if (isOutputError(e)) throw new UsageError(`report: cannot write '${output}': ${e.code}`);
        throw e;
      }
      if (!parsed.flag('quiet')) {
        const s = written.data.summary;
        process.stderr.write(
          `aio report: wrote ${output} (${formatCount(s.pages)} pages, ` +
            `${formatCount(s.broken)} broken, ${formatBytes(written.bytes)})\n` +
            `  open ${pathToFileURL(resolve(output)).href}\n`,
        );
      }
      return EXIT.ok;
    } finally {
      await db.close();
    }
  },
};
