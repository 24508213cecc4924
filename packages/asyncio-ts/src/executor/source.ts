/**
 * Functions sent as source text (`toThread`, `runInExecutor`, `pool.run(fn)`): how a
 * function becomes text on this side, is compiled again in the worker, and how a
 * variable it captured is reported.
 *
 * A function is sent as `fn.toString()` and compiled in the worker's global scope,
 * so it sees the worker's globals and nothing of the scope it was written in: no
 * closure variables, no imports of its module. What it needs comes in as
 * arguments, or from `await import('node:crypto')` inside it.
 *
 * @module
 */

const sources = new WeakMap<(...args: never[]) => unknown, string>();

/**
 * @internal The source text of `fn`, checked for what can never work in another
 * thread (native and bound functions). Cached per function.
 */
export function functionSource(fn: (...args: never[]) => unknown): string {
  let src = sources.get(fn);
  if (src !== undefined) return src;
  if (typeof fn !== 'function') {
    throw new TypeError(`toThread/runInExecutor needs a function, got ${typeof fn}`);
  }
  src = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(src)) {
    throw new TypeError(
      `cannot send '${fn.name || 'anonymous'}' to a worker thread: it is a native or bound function, which has no source text. ` +
        'Wrap it in a self-contained function, or put it in a module and use pool.run(workerModule(url), name)',
    );
  }
  sources.set(fn, src);
  return src;
}

/** The names a sent function finds in its scope besides the worker's globals. */
export interface SourceScope {
  isJobCancelled: () => boolean;
  throwIfJobCancelled: () => void;
  move: <T extends object>(v: T) => T;
}

type Compiled = (...args: unknown[]) => unknown;
const compiled = new Map<string, Compiled>();
const MAX_CACHED = 256;
const SCOPE_NAMES = ['isJobCancelled', 'throwIfJobCancelled', 'move', '__name'];

/** @internal (worker side) Compiles source text from `functionSource`, cached. */
export function compileSource(src: string, scope: SourceScope): Compiled {
  let f = compiled.get(src);
  if (f !== undefined) return f;
  const values = [scope.isJobCancelled, scope.throwIfJobCancelled, scope.move, keepName];
  let factory: (...a: unknown[]) => Compiled;
  // Compiling the sent source is the point of this function.
  /* eslint-disable @typescript-eslint/no-implied-eval */
  try {
    factory = new Function(...SCOPE_NAMES, `'use strict'; return (${src}\n);`) as typeof factory;
  } catch {
    // A method written in shorthand (`area() { ... }`) is not an expression.
    factory = new Function(
      ...SCOPE_NAMES,
      `'use strict'; const o = ({ ${src}\n}); return o[Object.keys(o)[0]];`,
    ) as typeof factory;
  }
  /* eslint-enable @typescript-eslint/no-implied-eval */
  f = factory(...values);
  if (typeof f !== 'function')
    throw new TypeError('the source sent to the worker is not a function');
  if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value as string);
  compiled.set(src, f);
  return f;
}

// esbuild/tsx with keepNames wrap functions in __name(fn, 'name').
function keepName<T>(fn: T): T {
  return fn;
}

const NOT_DEFINED = /^(\S+) is not defined$/;

/**
 * @internal (worker side) When a sent function fails with "x is not defined" and `x`
 * appears in its source, the function almost surely used a variable of the scope it
 * was written in: rewrite the message to say so.
 */
export function explainMissingName(e: unknown, src: string): unknown {
  if (!(e instanceof ReferenceError)) return e;
  const m = NOT_DEFINED.exec(e.message);
  if (m === null) return e;
  const id = m[1]!;
  const escaped = id.replace(/[$]/g, '\\$');
  if (!new RegExp(`(^|[^\\w$.])${escaped}([^\\w$]|$)`).test(src)) return e;
  e.message =
    `'${id}' is not defined in the worker thread: the function was sent as source text, and ` +
    `closures are not sent, so it cannot use variables or imports of the scope it was written in. ` +
    `Pass '${id}' as an argument, import it inside the function (await import('node:...')), ` +
    `or put the function in a module and use pool.run(workerModule(url), name)`;
  (e as ReferenceError & { code?: string }).code = 'ERR_CAPTURED_VARIABLE';
  if (e.stack !== undefined) {
    const nl = e.stack.indexOf('\n');
    e.stack = `ReferenceError: ${e.message}${nl === -1 ? '' : e.stack.slice(nl)}`;
  }
  return e;
}
