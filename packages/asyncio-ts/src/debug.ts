/**
 * Diagnostics: the task tree, and debug mode (slow callbacks and task steps that
 * block the loop, creation sites, pending tasks that were garbage-collected).
 *
 * @module
 */
import { createHook, type AsyncHook } from 'node:async_hooks';
import { setCancelStackCapture } from './errors.js';
import { taskStorage } from './_internal/current.js';
import { loopHooks } from './_internal/hooks.js';
import { _ambientLoop, type EventLoop, type Runnable } from './loop.js';
import type { Task } from './tasks.js';
import { DONE } from './futures.js';
import { Task as TaskClass } from './tasks.js';
import { fileURLToPath } from 'node:url';
import { resolve as resolvePath, sep } from 'node:path';
import { toMillisecondsRequired, type Duration } from './durations.js';
import { _setSiteFormatter } from './inspect.js';

const debugLoops = new Set<EventLoop>();
let hook: AsyncHook | null = null;
const starts: number[] = [];
const owners: (Task<unknown> | undefined)[] = [];
/** reports made while the current outermost callback ran (no double reports) */
let reportedInCallback = 0;

// Frames of this library are skipped when naming where something happened: the
// compiled files beside this one, and the TypeScript sources that source maps point
// to (src/ next to dist/, or two levels up from a build of src/ such as .test-build/src).
const HERE = fileURLToPath(new URL('.', import.meta.url));
const LIB_DIRS = [HERE, resolvePath(HERE, '../src') + sep, resolvePath(HERE, '../../src') + sep];

/** What a blocked-loop watcher reports. */
export interface BlockedLoopReport {
  /** How long the loop was blocked, in real milliseconds. */
  durationMs: number;
  /** The task that was running, when one was. */
  task: Task<unknown> | undefined;
  /** Where that task was created (`file:line:col`), when known. */
  createdAt: string | undefined;
  /** What ran: `'a task step'`, `'its first step'` or `'a callback'`. */
  what: string;
}

interface Watcher {
  threshold: number;
  onBlocked: (r: BlockedLoopReport) => void;
}
const watchers = new Set<Watcher>();

function siteOf(stack: string | undefined): string | undefined {
  if (stack === undefined) return undefined;
  const lines = stack.split('\n').map((l) => l.trim());
  const frame = lines.find(
    (l) =>
      l.startsWith('at ') &&
      !LIB_DIRS.some((d) => l.includes(d)) &&
      !l.includes('node:') &&
      !l.includes('(<anonymous>)'),
  );
  if (frame === undefined) return undefined;
  const m = /\((.*)\)$/.exec(frame);
  return m !== null ? m[1] : frame.slice(3);
}

// The inspection hook names creation sites the same way.
_setSiteFormatter(siteOf);

function blocked(ms: number, task: Task<unknown> | undefined, what: string): void {
  const loop = task?._loop ?? _ambientLoop();
  const createdAt = siteOf(task?._createdAt);
  let reported = false;
  if (debugLoops.has(loop) && ms > loop.slowCallbackDuration) {
    reported = true;
    const who =
      task !== undefined
        ? `task '${task.name}'${createdAt !== undefined ? ` (created at ${createdAt})` : ''}`
        : 'code outside any task';
    loop.callExceptionHandler({
      message: `The event loop was blocked for ${ms.toFixed(0)} ms by ${who} in ${what} (slowCallbackDuration ${loop.slowCallbackDuration} ms)`,
      ...(task !== undefined ? { task } : {}),
    });
  }
  for (const w of watchers) {
    if (ms > w.threshold) {
      reported = true;
      w.onBlocked(Object.freeze({ durationMs: ms, task, createdAt, what }));
    }
  }
  if (reported) reportedInCallback++;
}

function updateHook(): void {
  const on = debugLoops.size > 0 || watchers.size > 0;
  loopHooks.measure = on;
  loopHooks.recordSites = on;
  setCancelStackCapture(debugLoops.size > 0);
  if (on && hook === null) {
    hook = createHook({
      before() {
        if (starts.length === 0) reportedInCallback = 0;
        starts.push(performance.now());
        owners.push(taskStorage.getStore());
      },
      after() {
        const t0 = starts.pop();
        const task = owners.pop();
        if (t0 === undefined) return;
        const ms = performance.now() - t0;
        // A step of the ready queue already reported inside this callback.
        if (starts.length === 0 && reportedInCallback > 0) return;
        blocked(ms, task, task !== undefined ? 'a task step' : 'a callback');
      },
    });
    hook.enable();
  } else if (!on && hook !== null) {
    hook.disable();
    hook = null;
    starts.length = 0;
    owners.length = 0;
  }
}

/**
 * Watches for a blocked event loop, outside debug mode too: whenever a callback or
 * a task step runs longer than `threshold`, `onBlocked` is told how long and which
 * task (name and creation site) it was. Returns a function that stops watching.
 * While no watcher and no debug loop is active, none of this costs anything.
 *
 * @example
 * ```ts
 * const stop = watchBlockedLoop({ threshold: 50, onBlocked: (r) =>
 *   console.warn(`blocked ${r.durationMs.toFixed(0)} ms by ${r.task?.name ?? '?'} (${r.createdAt})`) });
 * ```
 */
export function watchBlockedLoop(opts: {
  threshold?: Duration;
  onBlocked: (report: BlockedLoopReport) => void;
}): () => void {
  if (typeof opts?.onBlocked !== 'function')
    throw new TypeError('watchBlockedLoop needs an onBlocked function');
  const w: Watcher = {
    threshold: toMillisecondsRequired(opts.threshold ?? 100, 'threshold'),
    onBlocked: opts.onBlocked,
  };
  watchers.add(w);
  updateHook();
  return () => {
    watchers.delete(w);
    updateHook();
  };
}

loopHooks.setDebug = (loop: EventLoop, on: boolean): void => {
  if (on) debugLoops.add(loop);
  else debugLoops.delete(loop);
  updateHook();
};

loopHooks.runReadyMeasured = (_loop: EventLoop, q: Runnable[]): void => {
  for (let i = 0; i < q.length; i++) {
    const r = q[i]!;
    const t0 = performance.now();
    r._run();
    const ms = performance.now() - t0;
    const task = r instanceof TaskClass ? (r as Task<unknown>) : undefined;
    blocked(ms, task, task !== undefined ? 'its first step' : 'a callback');
  }
};

// ---- library calls a task never awaited (debug mode) ----

interface Tracked {
  desc: string;
  site: string | undefined;
  taskName: string;
  loop: EventLoop;
  awaited: boolean;
}

const neverAwaited = new FinalizationRegistry<Tracked>((t) => {
  if (!t.awaited) reportNeverAwaited(t);
});
const opsByTask = new WeakMap<Task<unknown>, TrackedPromise<unknown>[]>();

function reportNeverAwaited(t: Tracked): void {
  t.loop.callExceptionHandler({
    message: `task '${t.taskName}' started ${t.desc} but never awaited it${t.site !== undefined ? ` (at ${t.site})` : ''}: a missing await?`,
  });
}

/** A promise that knows whether anyone awaited it (debug mode only). */
class TrackedPromise<T> extends Promise<T> {
  _info: Tracked | undefined;
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }
  override then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const info = this._info;
    if (info !== undefined && !info.awaited) {
      info.awaited = true;
      neverAwaited.unregister(info);
    }
    return super.then(onfulfilled, onrejected);
  }
}

loopHooks.trackedPromise = <T>(
  task: Task<unknown>,
  executor: (res: (v: T) => void, rej: (e: unknown) => void) => void,
  desc: string,
): Promise<T> => {
  const p = new TrackedPromise<T>(executor);
  const info: Tracked = {
    desc,
    site: siteOf(new Error().stack),
    taskName: task.name,
    loop: task._loop,
    awaited: false,
  };
  p._info = info;
  neverAwaited.register(p, info, info);
  let list = opsByTask.get(task);
  if (list === undefined) opsByTask.set(task, (list = []));
  list.push(p);
  return p;
};

loopHooks.taskEnded = (task: Task<unknown>): void => {
  const list = opsByTask.get(task);
  if (list === undefined) return;
  opsByTask.delete(task);
  for (const p of list) {
    const info = p._info!;
    if (!info.awaited) {
      info.awaited = true; // reported once
      neverAwaited.unregister(info);
      reportNeverAwaited(info);
    }
  }
};

/**
 * A printable tree of every live task of the loop (the current one by default):
 * name, state, and what each is blocked in ("sleep 1000 ms", "Queue.get",
 * "awaiting <Task 'child-3' ...>"), children under the task that created them.
 *
 * @example
 * ```ts
 * console.error(formatTaskTree());
 * // └─ <Task 'main' running awaiting <Task 'worker-1' running sleep 1000 ms>>
 * //    └─ <Task 'worker-1' running sleep 1000 ms>
 * ```
 */
export function formatTaskTree(loop?: EventLoop): string {
  const l = loop ?? taskStorage.getStore()?._loop ?? _ambientLoop();
  const tasks = l._liveTasks().filter((t) => t._state < DONE);
  tasks.sort((a, b) => a._id - b._id); // oldest first
  const live = new Set(tasks);
  const children = new Map<Task<unknown> | undefined, Task<unknown>[]>();
  for (const t of tasks) {
    const p = t._parent !== undefined && live.has(t._parent) ? t._parent : undefined;
    let list = children.get(p);
    if (list === undefined) children.set(p, (list = []));
    list.push(t);
  }
  const lines = [
    `Task tree: ${tasks.length} task${tasks.length === 1 ? '' : 's'}, loop time ${l.time().toFixed(1)} ms`,
  ];
  const walk = (parent: Task<unknown> | undefined, prefix: string): void => {
    const list = children.get(parent) ?? [];
    list.forEach((t, i) => {
      const last = i === list.length - 1;
      lines.push(`${prefix}${last ? '└─ ' : '├─ '}${t._label()}`);
      walk(t, prefix + (last ? '   ' : '│  '));
    });
  };
  walk(undefined, '');
  return lines.join('\n');
}
