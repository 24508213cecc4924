// The program each pool worker runs: it receives one job at a time, runs the named
// export of a module (or a function sent as source text), and posts back the value
// or the error. The abort flag of the running job is shared memory that the pool
// raises on cancellation and job code polls with isJobCancelled().
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from './errors.js';
import {
  isJobCancelled,
  jobState,
  move,
  takeTransfers,
  throwIfJobCancelled,
} from './job-context.js';
import { MODULE, type JobMessage, type ResultMessage, type WorkerInit } from './protocol.js';
import { compileSource, explainMissingName, type SourceScope } from './source.js';

const port = parentPort!;
const init = workerData as WorkerInit;
jobState().flag = new Int32Array(init.flag);

const scope: SourceScope = { isJobCancelled, throwIfJobCancelled, move };
const modules = new Map<string, Record<string, unknown>>();

type JobFn = (...args: unknown[]) => unknown;

async function loadExport(url: string, name: string): Promise<JobFn> {
  let mod = modules.get(url);
  if (mod === undefined) {
    mod = (await import(url)) as Record<string, unknown>;
    modules.set(url, mod);
  }
  const fn = mod[name];
  if (typeof fn !== 'function') {
    const have = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    throw new TypeError(
      `module ${url} has no exported function '${name}' (its exported functions: ${have.join(', ') || 'none'})`,
    );
  }
  return fn as JobFn;
}

function reply(id: number, value: unknown): void {
  const msg: ResultMessage = { id, ok: true, value, error: undefined };
  const transfer = takeTransfers([value]);
  try {
    port.postMessage(msg, transfer);
  } catch (e) {
    fail(id, e, undefined);
  }
}

function fail(id: number, e: unknown, src: string | undefined): void {
  const err = src !== undefined ? explainMissingName(e, src) : e;
  const msg: ResultMessage = { id, ok: false, value: undefined, error: serializeError(err) };
  port.postMessage(msg);
}

function settle(m: JobMessage, r: unknown): void {
  if (
    r !== null &&
    typeof r === 'object' &&
    typeof (r as PromiseLike<unknown>).then === 'function'
  ) {
    Promise.resolve(r).then(
      (v) => reply(m.id, v),
      (e: unknown) => fail(m.id, e, m.kind === MODULE ? undefined : m.target),
    );
  } else {
    reply(m.id, r);
  }
}

function onJob(m: JobMessage): void {
  if (m.kind === MODULE) {
    const cached = modules.get(m.target)?.[m.name];
    if (typeof cached === 'function') {
      runFn(m, cached as JobFn);
      return;
    }
    loadExport(m.target, m.name).then(
      (fn) => runFn(m, fn),
      (e: unknown) => fail(m.id, e, undefined),
    );
    return;
  }
  let fn: JobFn;
  try {
    fn = compileSource(m.target, scope);
  } catch (e) {
    fail(m.id, e, undefined);
    return;
  }
  runFn(m, fn);
}

function runFn(m: JobMessage, fn: JobFn): void {
  let r: unknown;
  try {
    r = fn(...m.args);
  } catch (e) {
    fail(m.id, e, m.kind === MODULE ? undefined : m.target);
    return;
  }
  settle(m, r);
}

port.on('message', onJob);
