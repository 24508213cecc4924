/**
 * Errors of the executor: a worker that died under a job, and errors thrown in a
 * worker, rebuilt on this side with their name, message and the worker's stack.
 *
 * @module
 */
import { inspect } from 'node:util';
import { AsyncioError, CancelledError } from '../errors.js';

/**
 * The worker running a job died before answering: it called `process.exit()`, ran
 * out of memory (`resourceLimits`), or threw outside the job (an uncaught error in a
 * timer). Only that job fails; the pool replaces the worker.
 *
 * @example
 * ```ts
 * try { await pool.run(mod, 'parse', huge); }
 * catch (e) { if (e instanceof WorkerCrashedError) console.log(e.exitCode, e.cause); }
 * ```
 */
export class WorkerCrashedError extends AsyncioError {
  /** The worker's exit code (1 for an uncaught error, 3 or more for `process.exit(n)`...). */
  readonly exitCode: number;
  constructor(message: string, exitCode: number, cause?: unknown) {
    super(message, 'ERR_WORKER_CRASHED', cause === undefined ? undefined : { cause });
    this.exitCode = exitCode;
  }
  static {
    this.prototype.name = 'WorkerCrashedError';
  }
}

/** @internal An error as it crosses the thread boundary. */
export interface SerializedError {
  name: string;
  message: string;
  stack: string | undefined;
  code: unknown;
  /** Other own properties that could be cloned (e.g. `errno`, `path`), if any. */
  props: Record<string, unknown> | undefined;
  cancelled: boolean;
}

const KNOWN: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  ReferenceError,
  SyntaxError,
  EvalError,
  URIError,
};

/** @internal Turns anything thrown in a worker into a clonable record. */
export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) {
    return {
      name: 'Error',
      message: `a non-Error value was thrown in the worker: ${inspect(e)}`,
      stack: undefined,
      code: undefined,
      props: { thrown: typeof e === 'object' ? inspect(e) : e },
      cancelled: false,
    };
  }
  let props: Record<string, unknown> | undefined;
  for (const k of Object.keys(e)) {
    if (k === 'code' || k === 'name' || k === 'message' || k === 'stack') continue;
    const v = (e as unknown as Record<string, unknown>)[k];
    if (v === null || ['string', 'number', 'boolean', 'bigint'].includes(typeof v)) {
      (props ??= {})[k] = v;
    }
  }
  const code = (e as { code?: unknown }).code;
  return {
    name: e.name,
    message: e.message,
    stack: e.stack,
    code,
    props,
    cancelled: e.name === 'CancelledError' && code === 'ERR_CANCELLED',
  };
}

/**
 * @internal Rebuilds a worker's error: the same class for built-in errors (a plain
 * `Error` otherwise), with `name`, `message`, `code`, other simple properties, and
 * the worker's stack as `stack`.
 */
export function deserializeError(s: SerializedError): Error {
  if (s.cancelled) return new CancelledError(s.message);
  const Ctor = KNOWN[s.name] ?? Error;
  const e = new Ctor(s.message);
  if (e.name !== s.name) {
    Object.defineProperty(e, 'name', { value: s.name, configurable: true, writable: true });
  }
  if (s.code !== undefined) (e as { code?: unknown }).code = s.code;
  if (s.props !== undefined) Object.assign(e, s.props);
  if (s.stack !== undefined) e.stack = s.stack;
  return e;
}

/** @internal The error of a job whose worker died under it (`label` names the job). */
export function crashError(label: string, code: number, error: unknown): WorkerCrashedError {
  const what = `the worker running ${label}`;
  const e = error as { code?: unknown; message?: unknown } | undefined;
  let msg: string;
  if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    msg = `${what} ran out of memory (see the pool's resourceLimits); the worker was replaced`;
  } else if (e !== undefined) {
    msg = `${what} died of an uncaught error outside the job (${String(e.message)}); the worker was replaced`;
  } else {
    msg = `${what} exited with code ${code} before the job ended (process.exit?); the worker was replaced`;
  }
  return new WorkerCrashedError(msg, code, error);
}
