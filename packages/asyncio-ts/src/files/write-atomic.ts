/**
 * `writeAtomic`: replace a file all at once, or not at all.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cancellable } from '../waiting.js';
import { settle, taskSignal } from './signal.js';

/** What {@link writeAtomic} can write. */
export type AtomicData =
  string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

/** Options of {@link writeAtomic}. */
export interface WriteAtomicOptions {
  /** Encoding of string data. Default `'utf8'`. */
  encoding?: BufferEncoding;
  /** Permissions of the file. Default: those of the file replaced, else `0o666` less the umask. */
  mode?: number;
  /**
   * Flush the data and the directory entry to the disk (`fsync`) so the new content
   * survives a power cut, not only a crash of the process. Default true.
   */
  fsync?: boolean;
}

/**
 * Replaces the content of `path` atomically: the data goes to a temporary file in
 * the same directory (`.<name>.<random>.tmp`), which is flushed to disk (`fsync`),
 * renamed over `path` (atomic on POSIX file systems), and the directory is flushed
 * too. Readers see the old content or the new one, never a mix, and a crash at any
 * point never leaves a half-written `path`. Data can be a string, bytes, or an
 * (async) iterable of chunks, written as it comes.
 *
 * @example
 * ```ts
 * await writeAtomic('state.json', JSON.stringify(state));
 * await writeAtomic('export.csv', rowsAsCsv()); // an async generator of lines
 * ```
 *
 * Cancellation: a cancellation point until the rename. Cancelled (or failing)
 * before it, the temporary file is removed and `path` keeps its old content; the
 * rename and the directory flush, once started, complete (a cancellation arriving
 * then is delivered at the task's next await). Only a crash of the whole process
 * can leave a temporary file behind.
 */
export async function writeAtomic(
  path: string | URL,
  data: AtomicData,
  opts: WriteAtomicOptions = {},
): Promise<void> {
  const target = resolve(path instanceof URL ? fileURLToPath(path) : path);
  const dir = dirname(target);
  const tmp = join(dir, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const encoding = opts.encoding ?? 'utf8';
  const doSync = opts.fsync ?? true;
  let mode = opts.mode;
  if (mode === undefined) {
    const st = await cancellable(stat(target).catch(() => null));
    mode = st !== null ? st.mode & 0o7777 : 0o666;
  }
  // Not a cancellation point: a handle opened after we gave up would leak.
  let handle: FileHandle | undefined = await open(tmp, 'wx', mode);
  let pending: Promise<unknown> | undefined;
  let renamed = false;
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) {
      const signal = taskSignal();
      pending = handle.writeFile(data, { encoding, ...(signal ? { signal } : {}) });
      await cancellable(pending);
    } else {
      for await (const chunk of data) {
        pending =
          typeof chunk === 'string'
            ? handle.write(chunk, null, encoding)
            : handle.write(chunk, 0, chunk.byteLength, null);
        await cancellable(pending);
      }
    }
    if (doSync) {
      pending = handle.sync();
      await cancellable(pending);
    }
    pending = undefined;
    const h = handle;
    handle = undefined;
    await h.close();
    // The point of no return: not interruptible from here on.
    await rename(tmp, target);
    renamed = true;
    if (doSync) await syncDir(dir);
  } finally {
    if (!renamed) {
      await settle(pending);
      if (handle !== undefined) await settle(handle.close());
      await settle(unlink(tmp));
    }
  }
}

/** Flushes a directory entry (a rename) to disk; not possible on every platform. */
async function syncDir(dir: string): Promise<void> {
  let h: FileHandle | undefined;
  try {
    h = await open(dir, 'r');
    await h.sync();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw e;
  } finally {
    await h?.close();
  }
}
