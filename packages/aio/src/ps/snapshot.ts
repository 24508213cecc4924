/**
 * The task tree as the inspected process describes it: the JSON that asyncio-ts's
 * inspection hook (`globalThis[Symbol.for('asyncio-ts.inspect')]`) returns, version 1,
 * how `aio ps` asks for it, and its full form (every field present) that `aio ps
 * --json` prints.
 *
 * @module
 */
import { InspectError, type InspectorSession } from './cdp.js';

/** The snapshot versions this `aio` can read. */
export const SNAPSHOT_VERSION = 1;

/**
 * Evaluated in the inspected process: `null` without the hook (no asyncio-ts, or no
 * event loop created yet), else the hook's version and, when it is one this `aio`
 * reads, the snapshot's JSON. The result stays in the process (as a remote object)
 * and is read in slices, so that no single step pauses it long.
 */
const SNAPSHOT_EXPRESSION = `(() => {
  const hook = globalThis[Symbol.for('asyncio-ts.inspect')];
  if (hook == null || typeof hook.snapshot !== 'function') return null;
  return { version: hook.version, json: hook.version === ${SNAPSHOT_VERSION} ? hook.snapshot() : null };
})()`;

/** Characters read per step: about 5 ms of the inspected process's time each. */
const SLICE = 512 * 1024;

/**
 * Takes a snapshot of the task tree of the process behind `session` (process `pid`).
 *
 * @throws {InspectError} without the hook, or for a version this `aio` cannot read
 */
export async function fetchSnapshot(
  session: InspectorSession,
  pid: number,
): Promise<TaskTreeSnapshot> {
  const objectId = await session.evaluateToObject(SNAPSHOT_EXPRESSION);
  if (objectId === null) {
    throw new InspectError(
      `process ${pid} does not use asyncio-ts (no inspection hook: asyncio-ts is not loaded, ` +
        `or no event loop was created yet)`,
    );
  }
  try {
    const head = (await session.callOn(
      objectId,
      'function () { return { version: this.version, length: this.json === null ? -1 : this.json.length }; }',
    )) as { version: unknown; length: number };
    if (head.version !== SNAPSHOT_VERSION || head.length < 0) {
      throw new InspectError(
        `process ${pid} uses a version of asyncio-ts whose task snapshots (version ` +
          `${String(head.version)}) this aio cannot read (it reads version ${SNAPSHOT_VERSION})`,
      );
    }
    const parts: string[] = [];
    for (let at = 0; at < head.length; at += SLICE) {
      const part = await session.callOn(
        objectId,
        'function (at, n) { return this.json.slice(at, at + n); }',
        at,
        SLICE,
      );
      parts.push(String(part));
    }
    return readSnapshot(pid, parts.join(''));
  } finally {
    await session.release(objectId).catch(() => undefined);
  }
}

/** The whole snapshot. */
export interface TaskTreeSnapshot {
  version: number;
  pid: number;
  /** The Node.js version of the inspected process. */
  node: string;
  /** When it was taken (ISO 8601). */
  takenAt: string;
  /** How long taking it paused the inspected process, in ms. */
  snapshotMs: number;
  loops: LoopSnapshot[];
}

/** One open event loop. */
export interface LoopSnapshot {
  id: number;
  /** The loop's time (ms on its clock). */
  time: number;
  debug: boolean;
  /** Live tasks, oldest first. */
  tasks: TaskSnapshot[];
}

/** One live task. */
export interface TaskSnapshot {
  id: number;
  name: string;
  /** `pending` (not started yet) or `running`. */
  state: string;
  /** The task that created it, while alive. */
  parentId: number | null;
  /** Pending cancellation requests. */
  cancelling: number;
  /** The task whose code was running when the snapshot was taken. */
  executing: boolean;
  /** The library await it is blocked in. */
  waitingIn: WaitSnapshot | null;
  /** Where it was created (debug mode only). */
  createdAt: string | null;
}

/** The library await a task is blocked in. */
export interface WaitSnapshot {
  /** `sleep`, `lock`, `queue.get`, `task`, `gather`, `task-group`, `http`... */
  kind: string;
  /** The readable form (`sleep 1000 ms`, `Queue.get`). */
  detail: string;
  /** How long it has been blocked, when known exactly (sleeps). */
  forMs: number | null;
  /** How long earlier snapshots have seen it in this same await (a lower bound). */
  seenForMs: number;
  /** Time left before the await's deadline. */
  leftMs: number | null;
  /** The tasks it waits for. */
  taskIds: number[];
}

/** Reads the JSON of a snapshot, filling in the fields left out as defaults. */
export function readSnapshot(pid: number, json: string): TaskTreeSnapshot {
  const s = JSON.parse(json) as TaskTreeSnapshot;
  if (typeof s !== 'object' || s === null || !Array.isArray(s.loops)) {
    throw new InspectError(`process ${pid} returned a malformed task snapshot`);
  }
  for (const loop of s.loops) {
    loop.tasks = loop.tasks.map((t) => ({
      id: t.id,
      name: t.name,
      state: t.state,
      parentId: t.parentId ?? null,
      cancelling: t.cancelling ?? 0,
      executing: t.executing ?? false,
      waitingIn:
        t.waitingIn == null
          ? null
          : {
              kind: t.waitingIn.kind,
              detail: t.waitingIn.detail,
              forMs: t.waitingIn.forMs ?? null,
              seenForMs: t.waitingIn.seenForMs ?? 0,
              leftMs: t.waitingIn.leftMs ?? null,
              taskIds: t.waitingIn.taskIds ?? [],
            },
      createdAt: t.createdAt ?? null,
    }));
  }
  return s;
}
