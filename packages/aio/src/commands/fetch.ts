/**
 * `aio fetch`: probe a list of URLs concurrently.
 *
 * @module
 */
import { readFileSync, statSync } from 'node:fs';
import { sleep } from 'asyncio-ts';
import { EXIT, parseCommand, UsageError, type Command } from '../command.js';
import { normalizeUrl, normalLines } from '../crawl/url.js';
import {
  HTTP_OPTIONS,
  httpOptionsHelp,
  httpSettings,
  runJob,
  shellLine,
  storeFor,
} from '../job.js';
import type { FrontierEntry } from '../store/store.js';
import type { Progress } from '../ui/progress.js';
import { aioVersion } from '../version.js';

const HELP = `Usage: aio fetch [options] <URL | FILE | ->...

Probe many URLs concurrently: status, final URL, title, content type, size, time,
attempts, and the error when one fails. Input: URLs as arguments, files with one URL
per line ('#' comments and blank lines ignored), or '-' for stdin. A malformed line is
reported with its line number and skipped.

Output (-o): .jsonl, .csv, .sqlite, or a postgres:// URL (add ?schema=NAME to use a
schema). Without -o: JSONL on stdout, or a table when stdout is a terminal.

Options:
  -o, --output TARGET   where results go (see above)
      --resume          skip URLs already in the output and append the rest
      --overwrite       replace an existing .jsonl/.csv output
${httpOptionsHelp({ concurrency: 50, perHost: 'no cap' }).join('\n')}
  -h, --help            show this help

Examples:
  aio fetch urls.txt -o results.jsonl
  aio fetch urls.txt -o results.sqlite -c 100 --per-host 4 --rate 50/s
  cat urls.txt | aio fetch - --timeout 5s --retries 0 > results.jsonl
  aio fetch https://example.org/ https://example.com/
  aio fetch urls.txt -o results.csv --resume     # after a Ctrl-C or a crash

Exit codes: 0 done (failed URLs are in the results), 1 failure (e.g. the store),
2 bad input, 130 interrupted (the resume command is printed).
`;

/** One input line that is not a URL. */
interface BadLine {
  source: string;
  line: number;
  text: string;
}

/** Reads the URLs of the inputs, in order, without duplicates. */
export function readInputs(
  inputs: readonly string[],
  stdin: () => string,
): { urls: string[]; bad: BadLine[]; duplicates: number } {
  const urls: string[] = [];
  const bad: BadLine[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  const add = (text: string, source: string, line: number): void => {
    const url = /^https?:\/\//i.test(text) ? normalizeUrl(text) : null;
    if (url === null) {
      bad.push({ source, line, text });
      return;
    }
    if (seen.has(url)) {
      duplicates++;
      return;
    }
    seen.add(url);
    urls.push(url);
  };
  for (const input of inputs) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) {
      add(input, 'argument', 0);
      continue;
    }
    let text: string;
    if (input === '-') text = stdin();
    else {
      try {
        if (!statSync(input).isFile()) throw new UsageError(`'${input}' is not a file`);
        text = readFileSync(input, 'utf8');
      } catch (e) {
        if (e instanceof UsageError) throw e;
        const code = (e as NodeJS.ErrnoException).code;
        throw new UsageError(
          code === 'ENOENT'
            ? `no such file: '${input}'`
            : `cannot read '${input}': ${code ?? String(e)}`,
        );
      }
    }
    const source = input === '-' ? 'stdin' : input;
    const plain = inputs.length === 1 ? normalLines(text) : null;
    if (plain !== null) {
      // A list of URLs in normal form and nothing else (the usual one): no line needs
      // a look of its own, and the set drops repeats keeping the first (as below).
      const unique = new Set(plain);
      const urls = unique.size === plain.length ? plain : [...unique];
      return { urls, bad, duplicates: plain.length - unique.size };
    }
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      add(line, source, i + 1);
    });
  }
  return { urls, bad, duplicates };
}

/** Fails with a usage error when a file input cannot be read (before any output is made). */
function checkInput(input: string): void {
  if (input === '-' || /^[a-z][a-z0-9+.-]*:\/\//i.test(input)) return;
  let isFile: boolean;
  try {
    isFile = statSync(input).isFile();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT'
        ? `no such file: '${input}'`
        : `cannot read '${input}': ${code ?? String(e)}`,
    );
  }
  if (!isFile) throw new UsageError(`'${input}' is not a file`);
}

/** Prints the malformed input lines (the first 20, then a count). */
function reportBadLines(bad: readonly BadLine[]): void {
  for (const b of bad.slice(0, 20)) {
    const where = b.line > 0 ? `${b.source}:${b.line}` : b.source;
    process.stderr.write(`aio: ${where}: not an http(s) URL, skipped: ${b.text.slice(0, 200)}\n`);
  }
  if (bad.length > 20)
    process.stderr.write(`aio: ... and ${bad.length - 20} more malformed lines skipped\n`);
}

/** `aio fetch`. */
export const fetchCommand: Command = {
  name: 'fetch',
  help: HELP,
  async run(args) {
    const p = parseCommand('fetch', args, {
      ...HTTP_OPTIONS,
      resume: { type: 'boolean' },
      overwrite: { type: 'boolean' },
    });
    if (p === null) {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    if (p.positionals.length === 0)
      throw new UsageError('fetch: no input: give URLs, files of URLs, or - for stdin');
    if (p.flag('resume') && p.flag('overwrite'))
      throw new UsageError('fetch: --resume and --overwrite exclude each other');
    const http = httpSettings(p, { concurrency: 50, perHost: null, links: false }, aioVersion());
    const target = p.string('output');
    if (p.flag('resume') && (target === undefined || target === '-')) {
      throw new UsageError('fetch: --resume needs an output (-o) to resume from');
    }
    for (const input of p.positionals) checkInput(input);
    const table = target === undefined && process.stdout.isTTY === true;
    let progress: Progress | null = null;
    const printRow = (line: string): void => {
      if (progress !== null) progress.printTo(process.stdout, line);
      else process.stdout.write(`${line}\n`);
    };
    const existing = p.flag('resume') ? 'resume' : p.flag('overwrite') ? 'overwrite' : 'refuse';
    const store = await storeFor(target, existing, table ? printRow : null);
    // SQLite's thread starts while the input is read (one turn of the loop lets the
    // connection get that far); a bad input discards the store.
    if (store.prepare !== undefined) {
      store.prepare();
      await sleep(0);
    }
    let urls: string[];
    let duplicates: number;
    try {
      const inputs = readInputs(p.positionals, () => readFileSync(0, 'utf8'));
      reportBadLines(inputs.bad);
      if (inputs.urls.length === 0) throw new UsageError('fetch: no valid URL in the input');
      ({ urls, duplicates } = inputs);
    } catch (e) {
      await store.discard?.();
      throw e;
    }
    const argv = ['aio', 'fetch', ...args];
    const result = await runJob({
      kind: 'fetch',
      label: 'fetch',
      store,
      http,
      crawl: null,
      quiet: p.flag('quiet'),
      json: p.flag('json'),
      commandLine: shellLine(argv),
      resumeLine: shellLine(p.flag('resume') ? argv : [...argv, '--resume']),
      onStart(_engine, _stats, shown) {
        progress = shown;
      },
      plan(state, stats) {
        const resume = p.flag('resume');
        const todo: FrontierEntry[] = [];
        let already = 0;
        for (const url of urls) {
          if (resume && state.seen.has(url)) already++;
          else todo.push({ url, depth: 0, referrer: null });
        }
        stats.total = urls.length;
        stats.resumed = already;
        if (duplicates > 0 && !p.flag('quiet'))
          process.stderr.write(`aio: ${duplicates} duplicate URLs fetched once\n`);
        return todo;
      },
    });
    return result.interrupted ? EXIT.interrupted : EXIT.ok;
  },
};
