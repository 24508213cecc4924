/**
 * What every `aio` command shares: the exit codes, the usage error, and the parsing of
 * a command's own options (with `--help`).
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** The exit codes of `aio`, documented in `aio --help` and docs/aio.md. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** A command of the tool: what `aio --help` lists and `aio <name> ...` runs. */
export interface Command {
  /** The name typed on the command line. */
  readonly name: string;
  /** The whole text of `aio <name> --help`, with examples. */
  readonly help: string;
  /** Runs the command with its own arguments; resolves to the exit code. */
  run(args: string[]): Promise<number>;
}

/**
 * An error in the command line or the input (missing file, bad URL, unwritable
 * output): one line on stderr and exit code 2.
 */
export class UsageError extends Error {
  static {
    this.prototype.name = 'UsageError';
  }
}

/** Turns an error of `parseArgs` into one readable line. */
export function usageMessage(err: Error & { code?: string }): string {
  const option = /'([^']+)'/.exec(err.message)?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
    return `unknown option '${option}'`;
  }
  const line = err.message.split('\n')[0]!;
  return line.charAt(0).toLowerCase() + line.slice(1);
}

/** True for the errors `parseArgs` throws on a bad command line. */
export function isParseArgsError(e: unknown): e is Error & { code: string } {
  return (
    e instanceof TypeError && String((e as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')
  );
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The parsed options of a command, read through {@link Parsed}'s getters. */
export class Parsed {
  constructor(
    /** The command's name, for error messages. */
    readonly command: string,
    private readonly values: Readonly<Record<string, unknown>>,
    /** The arguments that are not options. */
    readonly positionals: readonly string[],
  ) {}

  /** The value of a string option (the last one when repeated), or `undefined`. */
  string(name: string): string | undefined {
    const v = this.values[name];
    if (Array.isArray(v)) return v.length === 0 ? undefined : String(v[v.length - 1]);
    return typeof v === 'string' ? v : undefined;
  }

  /** Every value of a repeatable string option, in order. */
  list(name: string): string[] {
    const v = this.values[name];
    if (Array.isArray(v)) return v.map(String);
    return typeof v === 'string' ? [v] : [];
  }

  /** True when the boolean option was given. */
  flag(name: string): boolean {
    return this.values[name] === true;
  }

  /** A usage error about option `--name`. */
  invalid(name: string, message: string): UsageError {
    return new UsageError(`${this.command}: --${name}: ${message}`);
  }
}

/**
 * Parses a command's arguments strictly; a bad option becomes a {@link UsageError}
 * that names the command. `--help`/`-h` is added to every command: the result is
 * `null` when it was given (the caller prints its help).
 */
export function parseCommand(command: string, args: string[], options: Options): Parsed | null {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
    if (values['help'] === true) return null;
    return new Parsed(command, values, positionals);
  } catch (e) {
    if (isParseArgsError(e)) throw new UsageError(`${command}: ${usageMessage(e)}`);
    throw e;
  }
}
