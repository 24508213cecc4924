#!/usr/bin/env node
/**
 * `aio`: the command-line tool of asyncio-ts. Fetches and crawls many web pages at
 * once, politely, fast, and without losing work.
 *
 * Global options, the command table (each command in `commands/`) and the exit
 * codes. Built only on the public API of `asyncio-ts`. The commands that fetch
 * handle Ctrl-C themselves (finish in flight, save, print the resume command), so
 * the runner's own SIGINT handling is off.
 *
 * Exit codes: 0 success; 1 the command failed; 2 bad input (unknown command or
 * option, bad value, missing file, unwritable output); 130 interrupted (Ctrl-C).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isCancelled, run } from 'asyncio-ts';
import { EXIT, UsageError, isParseArgsError, usageMessage, type Command } from './command.js';

/**
 * A command as the table lists it, with its one-line summary for `aio --help`: the
 * module is loaded only when the command runs (start-up stays short).
 */
interface Entry {
  summary: string;
  load: () => Promise<Command>;
}

const COMMANDS: ReadonlyMap<string, Entry> = new Map<string, Entry>([
  [
    'fetch',
    {
      summary: 'probe a list of URLs concurrently: status, title, size, time',
      load: async () => (await import('./commands/fetch.js')).fetchCommand,
    },
  ],
  [
    'crawl',
    {
      summary: 'crawl a site from start URLs, politely, resumable',
      load: async () => (await import('./commands/crawl.js')).crawlCommand,
    },
  ],
  [
    'demo',
    {
      summary: 'crawl a built-in local demo site: sequential vs concurrent',
      load: async () => (await import('./commands/demo.js')).demoCommand,
    },
  ],
  [
    'report',
    {
      summary: 'write the HTML report of a crawl or fetch store (charts, slowest, broken links)',
      load: async () => (await import('./commands/report.js')).reportCommand,
    },
  ],
  [
    'export',
    {
      summary: 'write stored results as JSONL or CSV (pages or links), streamed',
      load: async () => (await import('./commands/export.js')).exportCommand,
    },
  ],
  [
    'ps',
    {
      summary: 'print the live task tree of a running process that uses asyncio-ts',
      load: async () => (await import('./commands/ps.js')).psCommand,
    },
  ],
]);

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function helpText(): string {
  const width = Math.max(...[...COMMANDS.keys()].map((n) => n.length));
  const commands = [...COMMANDS].map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'aio: fetch and crawl many web pages at once, politely, fast, without losing work.',
    '',
    'Usage: aio [options] <command> [command options]',
    '',
    'Commands:',
    ...commands,
    '',
    'Options:',
    '  -h, --help     show this help and exit',
    '  -V, --version  print the version of aio and exit',
    '      --debug    print stack traces for errors',
    '',
    'Exit codes:',
    '  0    success',
    '  1    the command failed (a store error, an unexpected error)',
    '  2    bad input: unknown command or option, bad value, missing file, unwritable output',
    '  130  interrupted (Ctrl-C)',
    '',
  ].join('\n');
}

/** Set by `--debug`: errors print their stack trace. */
let debugMode = false;

/** Runs the tool with `argv` (without `node` and the script) and returns its exit code. */
async function main(argv: string[]): Promise<number> {
  // Global options come before the command; everything after it belongs to the command.
  const at = argv.findIndex((a) => !a.startsWith('-'));
  const globalArgs = at < 0 ? argv : argv.slice(0, at);
  const [command, ...rest] = at < 0 ? [] : argv.slice(at);
  let values: { help?: boolean; version?: boolean; debug?: boolean };
  try {
    ({ values } = parseArgs({
      args: globalArgs,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
        debug: { type: 'boolean' },
      },
    }));
  } catch (e) {
    throw isParseArgsError(e) ? new UsageError(usageMessage(e)) : e;
  }
  debugMode = values.debug === true;
  if (values.help === true || command === 'help') {
    process.stdout.write(helpText());
    return EXIT.ok;
  }
  if (values.version === true) {
    process.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  if (command === undefined) throw new UsageError('no command given');
  const entry = COMMANDS.get(command);
  if (entry === undefined) throw new UsageError(`unknown command '${command}'`);
  return (await entry.load()).run(rest);
}

try {
  process.exitCode = await run(() => main(process.argv.slice(2)), { handleSignals: false });
} catch (e) {
  if (e instanceof UsageError) {
    process.stderr.write(`aio: ${e.message} (see 'aio --help')\n`);
    process.exitCode = EXIT.usage;
  } else if (isCancelled(e)) {
    process.stderr.write('aio: interrupted\n');
    process.exitCode = EXIT.interrupted;
  } else {
    const detail = debugMode && e instanceof Error ? (e.stack ?? e.message) : String(e);
    process.stderr.write(`aio: ${detail}\n`);
    process.exitCode = EXIT.failed;
  }
}
