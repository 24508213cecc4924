// Tests of src/inspect.ts: the global inspection hook that `aio ps` reads through the
// inspector protocol. Everything runs in this process, on the virtual clock.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  Event,
  EventLoop,
  Future,
  Lock,
  Queue,
  Semaphore,
  TaskGroup,
  cancellable,
  createTask,
  currentTask,
  gather,
  getRunningLoop,
  run,
  shield,
  sleep,
  wait,
  type Task,
} from '../src/index.js';
import { VirtualClock } from '../src/testing/index.js';
import type { InspectHook, LoopSnapshot, TaskSnapshot, TaskTreeSnapshot } from '../src/inspect.js';
import { settle } from './helpers.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const KEY = Symbol.for('asyncio-ts.inspect');

function hook(): InspectHook {
  const global = globalThis as unknown as Record<symbol, InspectHook | undefined>;
  if (global[KEY] === undefined) new EventLoop(); // the first loop installs the hook
  const h = global[KEY];
  assert.ok(h !== undefined, 'no hook after a loop was created');
  return h;
}

function snapshot(): TaskTreeSnapshot {
  return JSON.parse(hook().snapshot()) as TaskTreeSnapshot;
}

/** The snapshot of the loop `task` runs on, its tasks by name. */
function tasksOf(task: Task<unknown>): Map<string, TaskSnapshot> {
  const loop = snapshot().loops.find((l) => l.id === task._loop._id);
  assert.ok(loop !== undefined, 'the running loop is not in the snapshot');
  return new Map(loop.tasks.map((t) => [t.name, t]));
}

describe('the inspection hook', () => {
  it('is installed by the first loop: non-enumerable, frozen, version 1', () => {
    const h = hook();
    assert.equal(h.version, 1);
    assert.equal(typeof h.snapshot, 'function');
    assert.ok(Object.isFrozen(h));
    assert.equal(Object.getOwnPropertyDescriptor(globalThis, KEY)?.enumerable, false);
    const s = snapshot();
    assert.equal(s.version, 1);
    assert.equal(s.pid, process.pid);
    assert.equal(s.node, process.version);
    assert.ok(!Number.isNaN(Date.parse(s.takenAt)));
    assert.ok(s.snapshotMs >= 0);
  });

  it('describes every live task: name, state, parent, and the await it is blocked in', async () => {
    await run(
      async () => {
        const lock = new Lock();
        await lock.acquire();
        const queue = new Queue<number>();
        const event = new Event();
        const sem = new Semaphore(0);
        const fut = new Future<void>();
        let main!: Task<unknown>;
        await TaskGroup.run(async (tg) => {
          tg.createTask(() => sleep(1000), { name: 'sleeper' });
          tg.createTask(() => lock.acquire(), { name: 'locker' });
          tg.createTask(() => queue.get(), { name: 'getter' });
          tg.createTask(() => event.wait(), { name: 'waiter' });
          tg.createTask(() => sem.acquire(), { name: 'acquirer' });
          tg.createTask(() => fut, { name: 'future-awaiter' });
          tg.createTask(() => cancellable(new Promise<void>(() => {})), { name: 'foreign' });
          tg.createTask(
            async () => {
              const worker = createTask(() => sleep(1000), { name: 'worker' });
              await shield(createTask(() => event.wait(), { name: 'shielded' }));
              await worker;
            },
            { name: 'shielder' },
          );
          tg.createTask(
            async () => {
              const a = createTask(() => event.wait(), { name: 'a' });
              const b = createTask(() => event.wait(), { name: 'b' });
              await gather([a, b]);
            },
            { name: 'gatherer' },
          );
          tg.createTask(
            async () => {
              const c = createTask(() => event.wait(), { name: 'c' });
              await wait([c], { timeout: 600 });
            },
            { name: 'bounded' },
          );
          tg.createTask(
            async () => {
              await createTask(() => event.wait(), { name: 'awaited' });
            },
            { name: 'awaiter' },
          );
          main = currentTask()!;
          await sleep(250); // the virtual clock jumps: every other task is blocked

          const tasks = tasksOf(main);
          const kind = (name: string): string | undefined => tasks.get(name)?.waitingIn?.kind;
          const parent = (name: string): string | undefined => {
            const id = tasks.get(name)?.parentId;
            return [...tasks.values()].find((t) => t.id === id)?.name;
          };
          assert.equal(kind('sleeper'), 'sleep');
          assert.equal(kind('locker'), 'lock');
          assert.equal(kind('getter'), 'queue.get');
          assert.equal(kind('waiter'), 'event');
          assert.equal(kind('acquirer'), 'semaphore');
          assert.equal(kind('future-awaiter'), 'future');
          assert.equal(kind('foreign'), 'promise');
          assert.equal(kind('shielder'), 'shield');
          assert.equal(kind('gatherer'), 'gather');
          assert.equal(kind('bounded'), 'wait');
          assert.equal(kind('awaiter'), 'task');
          assert.equal(tasks.get('main')!.executing, true, 'the task taking the snapshot');
          assert.equal(tasks.get('main')!.waitingIn, undefined);

          for (const name of ['sleeper', 'locker', 'getter', 'shielder', 'gatherer', 'awaiter']) {
            assert.equal(parent(name), 'main', `${name}'s parent`);
            assert.equal(tasks.get(name)!.state, 'running');
          }
          assert.equal(parent('worker'), 'shielder');
          assert.equal(parent('a'), 'gatherer');
          assert.equal(parent('main'), undefined);

          const id = (name: string): number => tasks.get(name)!.id;
          assert.deepEqual(tasks.get('gatherer')!.waitingIn!.taskIds, [id('a'), id('b')]);
          assert.deepEqual(tasks.get('awaiter')!.waitingIn!.taskIds, [id('awaited')]);
          assert.deepEqual(tasks.get('shielder')!.waitingIn!.taskIds, [id('shielded')]);
          assert.deepEqual(tasks.get('bounded')!.waitingIn!.taskIds, [id('c')]);

          // Sleeps know how long they have lasted; deadlines how long is left.
          assert.deepEqual(tasks.get('sleeper')!.waitingIn, {
            kind: 'sleep',
            detail: 'sleep 1000 ms',
            forMs: 250,
            leftMs: 750,
          });
          assert.equal(tasks.get('bounded')!.waitingIn!.leftMs, 350);
          assert.equal(tasks.get('locker')!.waitingIn!.detail, 'Lock.acquire');
          assert.equal(tasks.get('locker')!.waitingIn!.forMs, undefined);
          // Oldest first.
          const ids = [...tasks.values()].map((t) => t.id);
          assert.deepEqual(
            ids,
            [...ids].sort((x, y) => x - y),
          );
          tg.cancel();
        });
        lock.release();
      },
      { clock: new VirtualClock() },
    );
  });

  it('a task not started yet is pending; a cancelled one shows its pending requests', async () => {
    await run(
      async () => {
        const me = currentTask()!;
        const t = createTask(() => sleep(1000), { name: 'later' });
        let tasks = tasksOf(me);
        assert.equal(tasks.get('later')!.state, 'pending');
        assert.equal(tasks.get('later')!.waitingIn, undefined);
        await settle();
        const shielded = createTask(
          async () => {
            try {
              await sleep(1000);
            } finally {
              await shield(sleep(10));
            }
          },
          { name: 'cleaning-up' },
        );
        await settle();
        shielded.cancel();
        await settle(1);
        tasks = tasksOf(me);
        assert.equal(tasks.get('cleaning-up')!.cancelling, 1);
        assert.equal(tasks.get('later')!.cancelling, undefined);
        t.cancel();
        await Promise.allSettled([t, shielded]);
      },
      { clock: new VirtualClock() },
    );
  });

  it('a later snapshot knows how long it has seen a task in the same await', async () => {
    await run(
      async () => {
        const me = currentTask()!;
        const queue = new Queue<number>();
        const getter = createTask(
          async () => {
            await queue.get();
            await queue.get();
          },
          { name: 'getter' },
        );
        await settle();
        assert.equal(tasksOf(me).get('getter')!.waitingIn!.seenForMs, undefined);
        await sleep(400);
        assert.equal(tasksOf(me).get('getter')!.waitingIn!.seenForMs, 400);
        queue.putNowait(1); // a new await: seen from now on
        await settle();
        assert.equal(tasksOf(me).get('getter')!.waitingIn!.seenForMs, undefined);
        queue.putNowait(2);
        await getter;
      },
      { clock: new VirtualClock() },
    );
  });

  it('in debug mode, gives where each task was created', async () => {
    await run(
      async () => {
        const me = currentTask()!;
        const t = createTask(() => sleep(1000), { name: 'sited' });
        await settle();
        assert.match(tasksOf(me).get('sited')!.createdAt ?? '', /inspect\.test\.(js|ts):\d+:\d+$/);
        t.cancel();
        await Promise.allSettled([t]);
      },
      { clock: new VirtualClock(), debug: true },
    );
  });

  it('lists open loops only: a loop whose run() ended is gone', async () => {
    let id = 0;
    await run(
      () => {
        id = getRunningLoop()._id;
        assert.ok(snapshot().loops.some((l: LoopSnapshot) => l.id === id));
      },
      { clock: new VirtualClock() },
    );
    assert.ok(!snapshot().loops.some((l) => l.id === id));
  });

  it('holds loops weakly: a loop nobody references is collected', async () => {
    let collected = false;
    const registry = new FinalizationRegistry(() => (collected = true));
    (() => registry.register(new EventLoop(), 'loop'))();
    for (let i = 0; i < 50 && !collected; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(collected, true, 'the loop was kept alive');
  });

  it('adds nothing to tasks: a snapshot leaves their own properties as they were', async () => {
    await run(
      async () => {
        const t = createTask(() => sleep(1000), { name: 'plain' });
        await settle();
        const before = Object.getOwnPropertyNames(t);
        const waiter = t._waiter;
        snapshot();
        snapshot();
        assert.deepEqual(Object.getOwnPropertyNames(t), before);
        assert.equal(t._waiter, waiter);
        t.cancel();
        await Promise.allSettled([t]);
      },
      { clock: new VirtualClock() },
    );
  });

  it('a second copy of asyncio-ts in the process adds its loops to the same hook', async () => {
    // The built package (dist/) is another copy of the library than this test's build.
    const other = await import('asyncio-ts');
    await other.run(
      async () => {
        const t = other.createTask(() => other.sleep(1000), { name: 'from-the-other-copy' });
        await other.sleep(0);
        const names = snapshot().loops.flatMap((l) => l.tasks.map((x) => x.name));
        assert.ok(names.includes('from-the-other-copy'), names.join());
        t.cancel();
      },
      { clock: new VirtualClock() },
    );
  });
});
