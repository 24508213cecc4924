#!/usr/bin/env node
/**
 * `aio`: the command-line tool of asyncio-ts. Fetches and crawls many web pages at
 * once, politely, fast, and without losing work.
 *
 * This is the skeleton: global options, the command table and the exit codes. The
 * commands themselves (fetch, crawl, demo, ps) are coming. Built only on the public
 * API of `asyncio-ts`.
 *
 * Exit codes: 0 success; 1 the command failed (or is not available yet); 2 bad
 * command line (unknown command or option, missing value); 130 interrupted (Ctrl-C).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isCancelled, run } from 'asyncio-ts';

/** The exit codes of `aio`, documented in `aio --help`. */
const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** A command of the tool: what `aio --help` lists. */
interface Command {
  summary: string;
  /** Absent while the command is not implemented yet ("coming"). */
  run?: (args: string[]) => Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  fetch: { summary: 'probe a list of URLs concurrently: status, title, size, time' },
  crawl: { summary: 'crawl a site from start URLs, politely, resumable' },
  demo: { summary: 'crawl a built-in local demo site: sequential vs concurrent' },
  ps: { summary: 'show the task tree of a running aio' },
};

/** An error in the command line: one line on stderr, exit code 2. */
class UsageError extends Error {
  static {
    this.prototype.name = 'UsageError';
  }
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function helpText(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const commands = Object.entries(COMMANDS).map(
    ([name, c]) => `  ${name.padEnd(width)}  ${c.summary}${c.run === undefined ? ' (coming)' : ''}`,
  );
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
    '  1    the command failed (or is not available yet)',
    '  2    bad command line: unknown command or option, missing value',
    '  130  interrupted (Ctrl-C)',
    '',
  ].join('\n');
}

/** Turns an error of `parseArgs` into one readable line. */
function usageMessage(err: Error & { code?: string }): string {
  const option = /'([^']+)'/.exec(err.message)?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
    return `unknown option '${option}'`;
  }
  const line = err.message.split('\n')[0]!;
  return line.charAt(0).toLowerCase() + line.slice(1);
}

/** True for the errors `parseArgs` throws on a bad command line. */
function isParseArgsError(e: unknown): e is Error & { code: string } {
  return (
    e instanceof TypeError && String((e as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')
  );
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
  const cmd = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (cmd === undefined) throw new UsageError(`unknown command '${command}'`);
  if (cmd.run === undefined) {
    process.stderr.write(`aio: '${command}' is not available yet (coming in a later version)\n`);
    return EXIT.failed;
  }
  return cmd.run(rest);
}

try {
  process.exitCode = await run(() => main(process.argv.slice(2)));
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
