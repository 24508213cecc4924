/**
 * `asyncio-ts/files`: file I/O that honours cancellation (the role aiofiles plays
 * for asyncio). Node's fs/promises already runs off the loop; these functions add
 * what a task needs: every await is a cancellation point, the task's signal goes to
 * fs/promises where it takes one, and handles are closed when a task is cancelled.
 *
 * Which one to use:
 * - `readLines(path)`: a file of any size, line by line, with bounded memory.
 * - `readText(path)` / `writeText(path, text)`: a small file as one string.
 * - `writeAtomic(path, data)`: replace a file so that readers and crashes never see
 *   half of it (configuration, state, exports).
 * - `appendLines(path, lines)`: add lines at the end (logs, journals).
 *
 * @example
 * ```ts
 * import { readLines, writeAtomic } from 'asyncio-ts/files';
 * const ids: string[] = [];
 * for await (const line of readLines('ids.txt')) if (line) ids.push(line);
 * await writeAtomic('ids.json', JSON.stringify(ids));
 * ```
 *
 * @module
 */
export { readLines, type ReadLinesOptions } from './read-lines.js';
export { readText, writeText, type ReadTextOptions, type WriteTextOptions } from './text.js';
export { writeAtomic, type AtomicData, type WriteAtomicOptions } from './write-atomic.js';
export { appendLines, type AppendLinesOptions } from './append-lines.js';
