/**
 * Checking an output path before the work starts, so that `aio report -o x/y.html`
 * fails at once with one line instead of after reading the whole store.
 *
 * @module
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { cancellable } from 'asyncio-ts';
import { UsageError } from '../command.js';

/**
 * Throws a {@link UsageError} unless a file can be written at `path`: its directory
 * exists and is writable, and `path` is not a directory. Nothing is created.
 *
 * Cancellation: a cancellation point.
 */
export async function checkWritableOutput(command: string, path: string): Promise<void> {
  const target = resolve(path);
  const existing = await cancellable(stat(target)).catch(() => null);
  if (existing?.isDirectory() === true) {
    throw new UsageError(`${command}: cannot write '${path}': it is a directory`);
  }
  const dir = dirname(target);
  const parent = await cancellable(stat(dir)).catch(() => null);
  if (parent === null || !parent.isDirectory()) {
    throw new UsageError(`${command}: cannot write '${path}': no directory '${dirname(path)}'`);
  }
  try {
    await cancellable(access(dir, constants.W_OK));
    if (existing !== null) await cancellable(access(target, constants.W_OK));
  } catch {
    throw new UsageError(`${command}: cannot write '${path}': permission denied`);
  }
}

/** True for the errors of writing a file that are the user's to fix (a path, permissions, space). */
export function isOutputError(e: unknown): e is Error & { code: string } {
  const code = (e as { code?: unknown } | null)?.code;
  return (
    e instanceof Error &&
    typeof code === 'string' &&
    ['EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'EISDIR', 'EROFS', 'ENOSPC', 'EDQUOT'].includes(code)
  );
}
