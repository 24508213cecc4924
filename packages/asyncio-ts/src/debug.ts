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

const debugLoops = new Set<EventLoop>();
let hook: AsyncHook | null = null;
const starts: number[] = [];
const owners: (Task<unknown> | undefined)[] = [];

function report(loop: EventLoop, what: string, ms: number, task: Task<unknown> | undefined): void {
  const who =
    task !== undefined
      ? `task '${task.name}'${task._createdAt !== undefined ? ` (created at ${firstFrame(task._createdAt)})` : ''}`
      : 'code outside any task';
  loop.callExceptionHandler({
    message: `The event loop was blocked for ${ms.toFixed(0)} ms by ${who} in ${what} (slowCallbackDuration ${loop.slowCallbackDuration} ms)`,
    ...(task !== undefined ? { task } : {}),
  });
}

function firstFrame(stack: string): string {
  const lines = stack.split('\n').map((l) => l.trim());
  const frame = lines.find(
    (l) => l.startsWith('at ') && !l.includes('/asyncio-ts/') && !l.includes('node:'),
  );
  return frame?.slice(3) ?? lines[1]?.slice(3) ?? 'unknown';
}

function enableHook(): void {
  if (hook !== null) return;
  hook = createHook({
    before() {
      starts.push(performance.now());
      owners.push(taskStorage.getStore());
    },
    after() {
      const t0 = starts.pop();
      const task = owners.pop();
      if (t0 === undefined) return;
      const ms = performance.now() - t0;
      const loop = task?._loop ?? _ambientLoop();
      if (debugLoops.has(loop) && ms > loop.slowCallbackDuration)
        report(loop, 'one step', ms, task);
    },
  });
  hook.enable();
}

loopHooks.setDebug = (loop: EventLoop, on: boolean): void => {
  if (on) debugLoops.add(loop);
  else debugLoops.delete(loop);
  setCancelStackCapture(debugLoops.size > 0);
  if (debugLoops.size > 0) enableHook();
  else if (hook !== null) {
    hook.disable();
    hook = null;
    starts.length = 0;
    owners.length = 0;
  }
};

loopHooks.runReadyDebug = (loop: EventLoop, q: Runnable[]): void => {
  for (let i = 0; i < q.length; i++) {
    const r = q[i]!;
    const t0 = performance.now();
    r._run();
    const ms = performance.now() - t0;
    if (ms > loop.slowCallbackDuration) {
      const task =
        (r as Partial<Task<unknown>>)._fn !== undefined ? (r as Task<unknown>) : undefined;
      report(loop, task !== undefined ? 'its first step' : 'a callback', ms, task);
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
