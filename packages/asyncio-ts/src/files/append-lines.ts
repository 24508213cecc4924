/**
 * `appendLines`: add lines at the end of a file.
 *
 * @module
 */
import { open } from 'node:fs/promises';
import type { PathLike } from 'node:fs';
import { cancellable } from '../waiting.js';
import { settle } from './signal.js';

/** Options of {@link appendLines}. */
export interface AppendLinesOptions {
  /** Default `'utf8'`. */
  encoding?: BufferEncoding;
  /** Line ending added after each line. Default `'\n'`. */
  eol?: string;
}

const BATCH = 65_536;

/**
 * Appends lines to a file (created if missing), each followed by `eol`, and
 * resolves with how many were written. Lines are taken from an array, any
 * iterable, or an async iterable (consumed as it produces them), and written in
 * batches of about 64 KiB.
 *
 * @example
 * ```ts
 * await appendLines('seen.txt', urls);
 * await appendLines('log.txt', (async function* () { for await (const e of events) yield JSON.stringify(e); })());
 * ```
 *
 * Cancellation: each write is a cancellation point (an async iterable's own waits
 * are as cancellable as it makes them). Lines already written stay; the file is
 * closed before the call ends.
 */
export async function appendLines(
  path: PathLike,
  lines: Iterable<string> | AsyncIterable<string>,
  opts: AppendLinesOptions = {},
): Promise<number> {
  const encoding = opts.encoding ?? 'utf8';
  const eol = opts.eol ?? '\n';
  // Not a cancellation point: a handle opened after we gave up would leak.
  const handle = await open(path, 'a');
  let pending: Promise<unknown> | undefined;
  let count = 0;
  try {
    let batch = '';
    const flush = async (): Promise<void> => {
      pending = handle.write(batch, null, encoding);
      batch = '';
      await cancellable(pending);
      pending = undefined;
    };
    for await (const line of lines) {
      if (typeof line !== 'string') {
        throw new TypeError(`appendLines takes strings, got ${typeof line} at line ${count + 1}`);
      }
      batch += line + eol;
      count++;
      if (batch.length >= BATCH) await flush();
    }
    if (batch.length > 0) await flush();
    return count;
  } finally {
    await settle(pending);
    await handle.close();
  }
}
