/**
 * Typed handles on worker modules: `workerModule<typeof import('./m.js')>(url)`
 * carries the module's type, so `pool.run(mod, 'name', ...args)` checks the
 * export's name, its arguments and its result.
 *
 * @module
 */
import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';

declare const moduleType: unique symbol;

/**
 * A module that worker threads can import, with its type `M` (usually
 * `typeof import('./m.js')`) for checking calls. Make one with {@link workerModule}.
 */
export interface WorkerModule<M> {
  /** The module's URL (`file:` or `data:`), as the worker imports it. */
  readonly url: string;
  /** @internal Type-only: the module's exports. */
  readonly [moduleType]?: M;
}

/** Any function a job can run. */
export type JobFunction = (...args: never[]) => unknown;

/** The names of the exports of `M` that are functions. */
export type FunctionKeys<M> = {
  [K in keyof M]: M[K] extends JobFunction ? K : never;
}[keyof M] &
  string;

/** The argument list of a job function. */
export type JobArgs<F> = F extends (...args: infer A) => unknown ? A : never;

/** What awaiting a job of function `F` gives: its return value, unwrapped. */
export type JobResult<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;

/** A job function bound to a pool: call it like the function, get a promise. */
export type BoundJob<F> = (...args: JobArgs<F>) => Promise<JobResult<F>>;

/**
 * Names a module for worker threads, with its type for checking calls. Give the URL
 * of the compiled `.js` file, usually relative to `import.meta.url`.
 *
 * @example
 * ```ts
 * const images = workerModule<typeof import('./images.js')>(new URL('./images.js', import.meta.url));
 * const small = await pool.run(images, 'resize', pixels, 640); // checked against images.resize
 * ```
 *
 * @throws {TypeError} for a relative path (it would resolve differently in the worker)
 */
export function workerModule<M>(url: URL | string): WorkerModule<M> {
  return { url: toModuleUrl(url) };
}

/** @internal */
export function toModuleUrl(url: URL | string): string {
  if (url instanceof URL) return url.href;
  if (typeof url !== 'string') {
    throw new TypeError(`a worker module is a URL or an absolute path, got ${typeof url}`);
  }
  if (/^(file|data):/.test(url)) return url;
  if (isAbsolute(url)) return pathToFileURL(url).href;
  throw new TypeError(
    `a worker module needs an absolute path or a URL, got '${url}': use new URL('${url}', import.meta.url)`,
  );
}
