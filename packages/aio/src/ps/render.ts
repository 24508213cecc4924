/**
 * The task tree as text: one tree per event loop, each task under the task that
 * created it, with its state, what it is blocked in and for how long.
 *
 * ```
 * pid 4242 · node v20.20.2 · 1 loop, 5 tasks · snapshot took 0.2 ms
 * loop #1 · time 5021.3 ms
 * └─ main #1 · TaskGroup exit (waiting for children)
 *    ├─ sleeper #2 · sleep 60000 ms · for 4.9 s, 55.1 s left
 *    ├─ locker #3 · Lock.acquire · for ≥2.0 s
 *    └─ parent #5 · awaiting task 'child' #6
 *       └─ child #6 · sleep 5000 ms · for 4.9 s, 0.1 s left
 * ```
 *
 * @module
 */
import { isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { styles } from '../ui/progress.js';
import type { LoopSnapshot, TaskSnapshot, TaskTreeSnapshot } from './snapshot.js';

/** How text is styled (see `styles()` in ui/progress.ts): colours, or none. */
export type Style = ReturnType<typeof styles>;

const PLAIN = styles(false);

/** The whole snapshot as text (ending with a newline). */
export function renderSnapshot(s: TaskTreeSnapshot, style: Style = PLAIN): string {
  const tasks = s.loops.reduce((n, l) => n + l.tasks.length, 0);
  const lines = [
    [
      `pid ${s.pid}`,
      `node ${s.node}`,
      `${plural(s.loops.length, 'loop')}, ${plural(tasks, 'task')}`,
      `snapshot took ${s.snapshotMs} ms`,
    ].join(' · '),
  ];
  if (s.loops.length === 0) lines.push(style.dim('no open event loop'));
  for (const loop of s.loops) lines.push(...renderLoop(loop, style));
  return lines.join('\n') + '\n';
}

function renderLoop(loop: LoopSnapshot, style: Style): string[] {
  const lines = [
    style.bold(`loop #${loop.id}`) +
      style.dim(` · time ${loop.time.toFixed(1)} ms${loop.debug ? ' · debug mode' : ''}`),
  ];
  if (loop.tasks.length === 0) {
    lines.push(style.dim('   (no live tasks)'));
    return lines;
  }
  const byId = new Map(loop.tasks.map((t) => [t.id, t]));
  const children = new Map<number | null, TaskSnapshot[]>();
  for (const t of loop.tasks) {
    const parent = t.parentId !== null && byId.has(t.parentId) ? t.parentId : null;
    let list = children.get(parent);
    if (list === undefined) children.set(parent, (list = []));
    list.push(t);
  }
  const walk = (parent: number | null, prefix: string): void => {
    const list = children.get(parent) ?? [];
    list.forEach((t, i) => {
      const last = i === list.length - 1;
      lines.push(prefix + (last ? '└─ ' : '├─ ') + renderTask(t, byId, style));
      walk(t.id, prefix + (last ? '   ' : '│  '));
    });
  };
  walk(null, '');
  return lines;
}

function renderTask(t: TaskSnapshot, byId: Map<number, TaskSnapshot>, style: Style): string {
  const parts = [style.bold(t.name) + style.dim(` #${t.id}`)];
  if (t.cancelling > 0) parts.push(style.red(`cancelling (${t.cancelling})`));
  const w = t.waitingIn;
  if (t.state === 'pending') {
    parts.push(style.dim('pending (not started yet)'));
  } else if (t.executing) {
    parts.push(style.green('executing (the loop is busy in this task)'));
  } else if (w === null) {
    parts.push(style.yellow('awaiting a promise outside asyncio-ts'));
  } else {
    const named = (taskId: number): string => {
      const other = byId.get(taskId);
      return other !== undefined ? `'${other.name}' #${taskId}` : `#${taskId}`;
    };
    if (w.kind === 'task' && w.taskIds.length === 1) {
      parts.push(`awaiting task ${named(w.taskIds[0]!)}`);
    } else if (w.taskIds.length > 0 && w.kind !== 'future') {
      const shown = w.taskIds.slice(0, 4).map(named).join(', ');
      const more = w.taskIds.length > 4 ? `, +${w.taskIds.length - 4} more` : '';
      parts.push(`${w.detail} → ${shown}${more}`);
    } else {
      parts.push(w.detail);
    }
    const time = waitTime(w.forMs, w.seenForMs, w.leftMs);
    if (time !== '') parts.push(style.dim(time));
  }
  if (t.createdAt !== null) parts.push(style.dim(`created at ${shortSite(t.createdAt)}`));
  return parts.join(style.dim(' · '));
}

/** `file:///home/me/app/src/main.js:12:3` → `src/main.js:12:3` (relative to the working directory). */
function shortSite(site: string): string {
  let path = site;
  if (site.startsWith('file://')) {
    const position = /:\d+:\d+$/.exec(site)?.[0] ?? '';
    try {
      path = fileURLToPath(site.slice(0, site.length - position.length)) + position;
    } catch {
      return site;
    }
  }
  if (!isAbsolute(path)) return site;
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/** `for 4.9 s, 55.1 s left`, `for ≥2.0 s`, or nothing. */
function waitTime(forMs: number | null, seenForMs: number, leftMs: number | null): string {
  const out: string[] = [];
  if (forMs !== null) out.push(`for ${formatMs(forMs)}`);
  else if (seenForMs > 0) out.push(`for ≥${formatMs(seenForMs)}`);
  if (leftMs !== null) out.push(`${formatMs(Math.max(0, leftMs))} left`);
  return out.join(', ');
}

/** `850 ms`, `4.9 s`, `3m05s`, `2h14m`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
