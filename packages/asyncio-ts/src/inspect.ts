/**
 * The inspection hook: one global object through which a debugger, or `aio ps` over
 * the inspector protocol, reads the live task tree of this process.
 *
 * The first event loop a process creates installs
 * `globalThis[Symbol.for('asyncio-ts.inspect')]`, an {@link InspectHook}. Its
 * `snapshot()` returns, as a JSON string, every open loop of the process with every
 * live task: id, name, state, parent, what it is blocked in and for how long. All of
 * it is computed when `snapshot()` is called, from what the loop and the tasks hold
 * anyway: tasks carry no extra field, and nothing runs until someone asks. The hook
 * holds loops weakly and owns no handle, so it never keeps a process alive.
 *
 * @example
 * ```ts
 * // in the inspected process, or through Runtime.evaluate from outside:
 * const hook = globalThis[Symbol.for('asyncio-ts.inspect')];
 * const tree = JSON.parse(hook.snapshot()); // { version: 1, pid, loops: [{ tasks: [...] }] }
 * ```
 *
 * @module
 */
import { taskStorage } from './_internal/current.js';
import type { Waiter } from './_internal/waiter.js';
import type { EventLoop } from './loop.js';
import type { Task } from './tasks.js';

/** The global symbol under which the hook is published. */
export const INSPECT_HOOK_KEY = Symbol.for('asyncio-ts.inspect');

/** The version of the snapshot format; a reader refuses versions it does not know. */
export const INSPECT_PROTOCOL = 1;

/** What `globalThis[Symbol.for('asyncio-ts.inspect')]` holds. */
export interface InspectHook {
  /** The version of the snapshot format ({@link INSPECT_PROTOCOL}). */
  readonly version: number;
  /** Every open loop and its live tasks, as the JSON of a {@link TaskTreeSnapshot}. */
  snapshot(): string;
  /** One collector per copy of asyncio-ts loaded in the process. */
  readonly sources: (() => LoopSnapshot[])[];
}

/**
 * The whole answer of `snapshot()`. To keep it small (it crosses the inspector
 * protocol), fields that would hold their default are left out: `parentId` (null),
 * `cancelling` (0), `executing` (false), `waitingIn` (null), `createdAt` (null), and
 * in a wait `forMs`/`leftMs` (unknown), `seenForMs` (0), `taskIds` (none).
 */
export interface TaskTreeSnapshot {
  version: number;
  pid: number;
  /** `process.version` of the inspected process. */
  node: string;
  /** When the snapshot was taken (ISO 8601, wall clock). */
  takenAt: string;
  /** How long collecting the tasks took, in ms (turning it into JSON comes on top). */
  snapshotMs: number;
  loops: LoopSnapshot[];
}

/** One open event loop. */
export interface LoopSnapshot {
  id: number;
  /** `loop.time()` when the snapshot was taken (ms on the loop's clock). */
  time: number;
  debug: boolean;
  /** Live tasks, oldest first. */
  tasks: TaskSnapshot[];
}

/** One live task. */
export interface TaskSnapshot {
  id: number;
  name: string;
  /** `pending` (its body has not started yet) or `running`. */
  state: string;
  /** The task that created it, while that one is alive. */
  parentId?: number;
  /** Pending cancellation requests (`task.cancelling()`). */
  cancelling?: number;
  /** True for the task whose code was running when the snapshot was taken. */
  executing?: true;
  /** The library await the task is blocked in. */
  waitingIn?: WaitSnapshot;
  /** Where the task was created (`file:line:col`), recorded in debug mode only. */
  createdAt?: string;
}

/** The library await a task is blocked in. */
export interface WaitSnapshot {
  /**
   * What kind of await: `sleep`, `lock`, `semaphore`, `event`, `condition`,
   * `barrier`, `queue.get`, `queue.put`, `queue.join`, `rate-limit`, `keyed-limit`,
   * `map`, `task`, `future`, `gather`, `wait`, `as-completed`, `shield`,
   * `task-group`, `promise` (a foreign promise through `cancellable`), `http`,
   * `executor`, `database`, or `other`.
   */
  kind: string;
  /** The readable form, as in `formatTaskTree()` (`sleep 1000 ms`, `Queue.get`). */
  detail: string;
  /** How long the task has been in this await, in ms, when known exactly (sleeps). */
  forMs?: number;
  /**
   * How long earlier snapshots have seen the task in this same await, in ms: a lower
   * bound on the time blocked.
   */
  seenForMs?: number;
  /** Time left before the await's deadline, in ms, when it has one. */
  leftMs?: number;
  /** The ids of the tasks this await waits for (a task, a gather, a wait...). */
  taskIds?: number[];
}

// ---- the registry of loops ----

const loops: WeakRef<EventLoop>[] = [];
let pruneAt = 8;
let installed = false;

/** @internal Called once by every new EventLoop: installs the hook on the first. */
export function _registerLoop(loop: EventLoop): void {
  if (!installed) install();
  loops.push(new WeakRef(loop));
  // Loops that were collected or closed are dropped whenever the list has doubled,
  // so a program that makes many loops (a test suite) keeps it short.
  if (loops.length >= pruneAt) {
    openLoops();
    pruneAt = loops.length * 2 + 8;
  }
}

function openLoops(): EventLoop[] {
  const open: EventLoop[] = [];
  let kept = 0;
  for (const ref of loops) {
    const loop = ref.deref();
    if (loop === undefined || loop.isClosed()) continue;
    loops[kept++] = ref;
    open.push(loop);
  }
  loops.length = kept;
  return open;
}

function install(): void {
  installed = true;
  const g = globalThis as unknown as Record<symbol, InspectHook | undefined>;
  const existing = g[INSPECT_HOOK_KEY];
  if (existing !== undefined) {
    // Another copy of asyncio-ts got here first: one hook shows the loops of both.
    // (A copy speaking another version keeps its hook, and this copy stays unseen.)
    if (existing.version === INSPECT_PROTOCOL && Array.isArray(existing.sources)) {
      existing.sources.push(collectLoops);
    }
    return;
  }
  const sources: (() => LoopSnapshot[])[] = [collectLoops];
  const hook: InspectHook = {
    version: INSPECT_PROTOCOL,
    sources,
    snapshot: () => JSON.stringify(takeSnapshot(sources)),
  };
  Object.defineProperty(g, INSPECT_HOOK_KEY, {
    value: Object.freeze(hook),
    enumerable: false,
    configurable: true,
    writable: false,
  });
}

function takeSnapshot(sources: (() => LoopSnapshot[])[]): TaskTreeSnapshot {
  const t0 = performance.now();
  const out: LoopSnapshot[] = [];
  for (const collect of sources) out.push(...collect());
  return {
    version: INSPECT_PROTOCOL,
    pid: process.pid,
    node: process.version,
    takenAt: new Date().toISOString(),
    snapshotMs: Math.round((performance.now() - t0) * 1000) / 1000,
    loops: out,
  };
}

// ---- the snapshot ----

/** Set by debug.ts: turns a recorded creation stack into `file:line:col`. */
let siteOf: ((stack: string | undefined) => string | undefined) | null = null;

/** @internal */
export function _setSiteFormatter(fn: (stack: string | undefined) => string | undefined): void {
  siteOf = fn;
}

/** Loop time at which a snapshot first saw each await (weakly: an await that ends is forgotten). */
const firstSeen = new WeakMap<object, number>();

function collectLoops(): LoopSnapshot[] {
  const executing = taskStorage.getStore();
  return openLoops().map((loop) => {
    const now = loop.time();
    const tasks = loop._liveTasks().filter((t) => !t.done());
    tasks.sort((a, b) => a._id - b._id);
    const out = new Array<TaskSnapshot>(tasks.length);
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[i]!;
      const snap: TaskSnapshot = { id: t._id, name: t.name, state: t._stateName() };
      const parent = t._parent;
      // (a parent that is not done is live, on the same loop)
      if (parent !== undefined && !parent.done()) snap.parentId = parent._id;
      const cancelling = t.cancelling();
      if (cancelling > 0) snap.cancelling = cancelling;
      if (t === executing) snap.executing = true;
      else if (t._waiter !== null) snap.waitingIn = describeWait(t._waiter, now);
      const site = t._createdAt !== undefined ? siteOf?.(t._createdAt) : undefined;
      if (site !== undefined) snap.createdAt = site;
      out[i] = snap;
    }
    return { id: loop._id, time: round(now), debug: loop.getDebug(), tasks: out };
  });
}

/** The waiters of the library, by class, for the ones that do not wait in a WaitList. */
const KIND_BY_CLASS: Readonly<Record<string, string>> = {
  SleepWaiter: 'sleep',
  ExitWaiter: 'task-group',
  GatherWaiter: 'gather',
  WaitWaiter: 'wait',
  NextWaiter: 'as-completed',
  ShieldWaiter: 'shield',
  ForeignWaiter: 'promise',
  Exchange: 'http',
  BodyWaiter: 'http',
  Job: 'executor',
  DrainWaiter: 'executor',
  StatementWaiter: 'database',
};

/** The waiters that sit in a WaitList, by the list's label. */
const KIND_BY_LABEL: Readonly<Record<string, string>> = {
  'Lock.acquire': 'lock',
  'Event.wait': 'event',
  'Condition.wait': 'condition',
  'Semaphore.acquire': 'semaphore',
  'Barrier.wait': 'barrier',
  'Queue.get': 'queue.get',
  'Queue.put': 'queue.put',
  'Queue.join': 'queue.join',
  'RateLimiter.acquire': 'rate-limit',
  'TokenBucket.acquire': 'rate-limit',
  'KeyedLimiter.acquire': 'keyed-limit',
};

/** What a waiter may hold that tells more: read structurally, never written. */
interface WaiterFields {
  list?: { label?: unknown } | null;
  target?: unknown;
  inner?: unknown;
  children?: unknown;
  futures?: unknown;
  ms?: unknown;
  when?: unknown;
  timed?: unknown;
}

const kindByLabel = new Map<string, string>();

function kindOfLabel(label: string): string {
  let kind = kindByLabel.get(label);
  if (kind === undefined) {
    kind = label.startsWith('map()')
      ? 'map'
      : (KIND_BY_LABEL[label.replace(/\(.*$/s, '')] ?? 'other');
    if (kindByLabel.size < 1000) kindByLabel.set(label, kind);
  }
  return kind;
}

function describeWait(w: Waiter<unknown>, now: number): WaitSnapshot {
  const f = w as unknown as WaiterFields;
  let detail: string;
  try {
    detail = w.describe();
  } catch {
    detail = 'waiting';
  }
  const label = f.list?.label;
  let kind: string;
  if (typeof label === 'string') kind = kindOfLabel(label);
  // `await task` and `await future` share one waiter class: what it awaits tells.
  else if (f.target !== undefined) kind = isTask(f.target) ? 'task' : 'future';
  else kind = KIND_BY_CLASS[w.constructor.name] ?? 'other';
  const snap: WaitSnapshot = { kind, detail };

  if (kind === 'sleep' && typeof f.ms === 'number' && typeof f.when === 'number' && f.ms > 0) {
    snap.forMs = round(now - (f.when - f.ms));
    snap.leftMs = round(f.when - now);
  } else if (f.timed === true && typeof f.when === 'number') {
    snap.leftMs = round(f.when - now);
  }
  // Sleeps know their start; sleep(0) is momentary (and its waiter may be shared).
  if (kind !== 'sleep') {
    const seen = firstSeen.get(w);
    if (seen === undefined) firstSeen.set(w, now);
    else if (now > seen) snap.seenForMs = round(now - seen);
  }

  let ids: number[] | undefined;
  const add = (x: unknown): void => {
    if (isTask(x) && (ids ??= []).length < 100) ids.push(x._id);
  };
  if (f.target !== undefined) add(f.target);
  if (f.inner !== undefined) add(f.inner);
  if (Array.isArray(f.children)) f.children.forEach(add);
  if (f.futures instanceof Set) f.futures.forEach(add);
  if (ids !== undefined) snap.taskIds = ids;
  return snap;
}

function isTask(x: unknown): x is Task<unknown> {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as { _id?: unknown })._id === 'number' &&
    '_waiter' in x
  );
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
