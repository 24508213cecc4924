/**
 * `readText` and `writeText`: a whole file as one string.
 *
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { PathLike } from 'node:fs';
import { cancellable } from '../waiting.js';
import { taskSignal } from './signal.js';

/** Options of {@link readText}. */
export interface ReadTextOptions {
  /** Default `'utf8'`. */
  encoding?: BufferEncoding;
}

/** Options of {@link writeText}. */
export interface WriteTextOptions {
  /** Default `'utf8'`. */
  encoding?: BufferEncoding;
  /** Permissions of a new file. Default `0o666` (less the umask). */
  mode?: number;
  /** `'w'` (default) replaces the file, `'a'` appends, `'wx'` fails if it exists. */
  flag?: string;
}

/**
 * Reads a whole file as text. For big files, prefer {@link readLines}.
 *
 * @example
 * ```ts
 * const config = JSON.parse(await readText('config.json'));
 * ```
 *
 * Cancellation: a cancellation point; the current task's signal is passed to
 * `fs.readFile`, which stops reading.
 */
export function readText(path: PathLike, opts: ReadTextOptions = {}): Promise<string> {
  const signal = taskSignal();
  return cancellable(
    readFile(path, { encoding: opts.encoding ?? 'utf8', ...(signal ? { signal } : {}) }),
  );
}

/**
 * Writes a string to a file, replacing it (or as `flag` says).
 *
 * @example
 * ```ts
 * await writeText('out/report.txt', lines.join('\n'));
 * ```
 *
 * Cancellation: a cancellation point; the task's signal is passed to `fs.writeFile`,
 * which stops between chunks, so a cancelled write can leave a partly written
 * file. When readers must see the old content or the new one, never a mix, use
 * {@link writeAtomic}.
 */
export function writeText(
  path: PathLike,
  text: string,
  opts: WriteTextOptions = {},
): Promise<void> {
  const signal = taskSignal();
  return cancellable(
    writeFile(path, text, {
      encoding: opts.encoding ?? 'utf8',
      ...(opts.mode !== undefined ? { mode: opts.mode } : {}),
      ...(opts.flag !== undefined ? { flag: opts.flag } : {}),
      ...(signal ? { signal } : {}),
    }),
  );
}
