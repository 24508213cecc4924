/**
 * `readLines`: the lines of a file of any size, read lazily.
 *
 * @module
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { PathLike } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { LimitOverrunError } from '../errors.js';
import { cancellable } from '../waiting.js';

/** Options of {@link readLines}. */
export interface ReadLinesOptions {
  /** The file's text encoding. Default `'utf8'`. */
  encoding?: BufferEncoding;
  /** Bytes read at a time. Default 64 KiB. */
  chunkSize?: number;
  /**
   * The longest line accepted, in characters; a longer one throws
   * `LimitOverrunError` (so a file without newlines cannot fill the memory).
   * Default: no limit.
   */
  maxLineLength?: number;
}

/**
 * Iterates over the lines of a file, without their line endings (`\n` or `\r\n`).
 * The file is read a chunk at a time, only as fast as the loop consumes lines
 * (backpressure), so memory stays bounded by the chunk size and the longest line,
 * whatever the size of the file. A last line without a newline is yielded too.
 *
 * @example
 * ```ts
 * let errors = 0;
 * for await (const line of readLines('/var/log/app.log')) {
 *   if (line.includes(' ERROR ')) errors++;
 * }
 * ```
 *
 * Cancellation: each read is a cancellation point. When the task is cancelled, or
 * the loop stops early (`break`, `return`, an exception), the file handle is closed
 * before the iteration ends. An iterator abandoned without finishing (never
 * resumed) keeps its handle until it is garbage-collected: consume it with
 * `for await`.
 *
 * @throws {LimitOverrunError} a line longer than `maxLineLength`
 */
export async function* readLines(
  path: PathLike,
  opts: ReadLinesOptions = {},
): AsyncGenerator<string, void, undefined> {
  const chunkSize = opts.chunkSize ?? 65_536;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(`chunkSize must be an integer >= 1, got ${chunkSize}`);
  }
  const maxLine = opts.maxLineLength ?? Infinity;
  // Not a cancellation point: a handle opened after we gave up would leak.
  const handle: FileHandle = await open(path, 'r');
  try {
    const decoder = new StringDecoder(opts.encoding ?? 'utf8');
    const buf = Buffer.allocUnsafe(chunkSize);
    let carry = '';
    for (;;) {
      const { bytesRead } = await cancellable(handle.read(buf, 0, chunkSize, null));
      const text = bytesRead === 0 ? decoder.end() : decoder.write(buf.subarray(0, bytesRead));
      let start = 0;
      let nl = text.indexOf('\n');
      if (nl !== -1) {
        let line = carry + text.slice(0, nl);
        carry = '';
        for (;;) {
          if (line.length > maxLine) throw overrun(maxLine);
          yield line.endsWith('\r') ? line.slice(0, -1) : line;
          start = nl + 1;
          nl = text.indexOf('\n', start);
          if (nl === -1) break;
          line = text.slice(start, nl);
        }
      }
      carry += start === 0 ? text : text.slice(start);
      if (carry.length > maxLine) throw overrun(maxLine);
      if (bytesRead === 0) {
        if (carry.length > 0) yield carry.endsWith('\r') ? carry.slice(0, -1) : carry;
        return;
      }
    }
  } finally {
    await handle.close();
  }
}

function overrun(max: number): LimitOverrunError {
  return new LimitOverrunError(
    `a line is longer than maxLineLength (${max} characters): raise the limit, or read the file in chunks`,
    max,
  );
}
