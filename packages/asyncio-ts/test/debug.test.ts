// Tests of src/debug.ts: debug mode (slow task steps, garbage-collected pending
// tasks, ASYNCIO_TS_DEBUG) and formatTaskTree().
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  CancelledError,
  Future,
  createTask,
  currentTask,
  formatTaskTree,
  gather,
  getRunningLoop,
  run,
  sleep,
  type EventLoop,
  type ExceptionContext,
} from '../src/index.js';
import { VirtualClock } from '../src/testing/index.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Blocks the thread (really) for `ms` milliseconds. */
function blockFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: this is what debug mode must catch
  }
}

/** Starts a task that waits for a Future no one else references. */
function spawnOrphan(name: string): void {
  createTask(
    async () => {
      await new Future<void>();
    },
    { name },
  );
}

function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}.js`, import.meta.url));
}

function runFixture(
  name: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const fullEnv: NodeJS.ProcessEnv = { ...process.env };
  delete fullEnv.ASYNCIO_TS_DEBUG;
  delete fullEnv.NODE_TEST_CONTEXT;
  Object.assign(fullEnv, env);
  const child = spawn(process.execPath, [fixture(name)], {
    env: fullEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

const depth = (line: string): number => line.indexOf('<Task');

describe('debug mode', () => {
  it('run(main, { debug: true }) reports a task step that blocks the loop longer than slowCallbackDuration, naming the task', async () => {
    const reports: ExceptionContext[] = [];
    let loop: EventLoop | undefined;
    await run(
      async () => {
        loop = getRunningLoop();
        assert.equal(loop.getDebug(), true);
        loop.slowCallbackDuration = 50;
        loop.setExceptionHandler((ctx) => reports.push(ctx));
        const slow = createTask(
          async () => {
            await sleep(0);
            blockFor(150); // a later step, after an await
            await sleep(0);
          },
          { name: 'slowpoke' },
        );
        const quick = createTask(
          async () => {
            await sleep(0);
            blockFor(5);
            await sleep(0);
          },
          { name: 'quick' },
        );
        await slow;
        await quick;
      },
      { debug: true, clock: new VirtualClock() },
    );
    const about = reports.filter((r) => r.message.includes("'slowpoke'"));
    assert.equal(about.length, 1, reports.map((r) => r.message).join('\n'));
    const r = about[0]!;
    assert.match(r.message, /blocked/);
    const ms = Number(/blocked for (\d+) ms/.exec(r.message)?.[1]);
    assert.ok(ms >= 140 && ms < 5000, r.message);
    assert.match(r.message, /slowCallbackDuration 50 ms/);
    assert.equal(r.task?.name, 'slowpoke');
    assert.ok(!reports.some((x) => x.message.includes("'quick'")), 'a short step is not reported');
    assert.equal(loop!._timerCount(), 0);
    assert.equal(loop!._liveTasks().length, 0);
  });

  it("debug mode reports a task's first step that blocks the loop", async () => {
    const reports: ExceptionContext[] = [];
    await run(
      async () => {
        const loop = getRunningLoop();
        loop.slowCallbackDuration = 50;
        loop.setExceptionHandler((ctx) => reports.push(ctx));
        await createTask(() => blockFor(150), { name: 'hog' });
      },
      { debug: true, clock: new VirtualClock() },
    );
    const about = reports.filter((r) => r.message.includes("'hog'"));
    assert.equal(about.length, 1, reports.map((r) => r.message).join('\n'));
    assert.match(about[0]!.message, /blocked for \d+ ms/);
  });

  it('outside debug mode a blocking step is not reported', async () => {
    const reports: ExceptionContext[] = [];
    await run(
      async () => {
        const loop = getRunningLoop();
        assert.equal(loop.getDebug(), false);
        loop.slowCallbackDuration = 50;
        loop.setExceptionHandler((ctx) => reports.push(ctx));
        await createTask(
          async () => {
            await sleep(0);
            blockFor(150);
          },
          { name: 'slowpoke' },
        );
      },
      { debug: false, clock: new VirtualClock() },
    );
    assert.deepEqual(
      reports.map((r) => r.message),
      [],
    );
  });

  it('in debug mode a CancelledError carries a stack trace', async () => {
    let stack: string | undefined;
    await run(
      async () => {
        const t = createTask(() => sleep(100));
        await sleep(1);
        t.cancel();
        try {
          await t;
        } catch (e) {
          assert.ok(e instanceof CancelledError);
          stack = e.stack;
        }
      },
      { debug: true, clock: new VirtualClock() },
    );
    assert.ok(stack !== undefined && /\n\s+at /.test(stack), String(stack));
  });

  it('ASYNCIO_TS_DEBUG=1 turns debug on (subprocess)', { timeout: 60_000 }, async () => {
    const on = await runFixture('debug-env', { ASYNCIO_TS_DEBUG: '1' });
    assert.equal(on.code, 0, on.stderr);
    assert.deepEqual(JSON.parse(on.stdout), {
      outside: true,
      inRun: true,
      inRunDebugFalse: false,
      inRunDebugTrue: true,
    });
    const off = await runFixture('debug-env', {});
    assert.equal(off.code, 0, off.stderr);
    assert.deepEqual(JSON.parse(off.stdout), {
      outside: false,
      inRun: false,
      inRunDebugFalse: false,
      inRunDebugTrue: true,
    });
  });

  it('a pending task that is garbage-collected is reported in debug mode', async () => {
    const reports: ExceptionContext[] = [];
    let loop: EventLoop | undefined;
    await run(
      async () => {
        loop = getRunningLoop();
        loop.setExceptionHandler((ctx) => reports.push(ctx));
        spawnOrphan('orphan');
        // A pending task that is still referenced (by main) is not reported.
        const kept = new Future<void>();
        const keeper = createTask(() => kept.then(), { name: 'kept' });
        await sleep(0);
        await sleep(0);
        assert.equal(loop._liveTasks().length, 3, 'main, orphan and kept are live');
        for (let i = 0; i < 50 && !reports.some((r) => r.message.includes("'orphan'")); i++) {
          gc();
          await sleep(0);
        }
        assert.equal(keeper.done(), false);
        kept.setResult();
        await keeper;
      },
      { debug: true, clock: new VirtualClock() },
    );
    const about = reports.filter((r) => r.message.includes("'orphan'"));
    assert.equal(about.length, 1, reports.map((r) => r.message).join('\n'));
    assert.match(about[0]!.message, /garbage-collected/);
    assert.match(about[0]!.message, /pending/);
    assert.ok(!reports.some((r) => r.message.includes("'kept'")));
    assert.equal(loop!._liveTasks().length, 0);
  });

  it('a pending task that is garbage-collected is reported in debug mode (other futures awaited since)', async () => {
    // The same as above, except that main awaits another future afterwards: then
    // nothing in the library may still hold the orphan.
    const reports: ExceptionContext[] = [];
    await run(
      async () => {
        getRunningLoop().setExceptionHandler((ctx) => reports.push(ctx));
        spawnOrphan('orphan-3');
        await sleep(0);
        await sleep(0);
        const other = new Future<number>();
        const t = createTask(async () => other);
        await sleep(0);
        other.setResult(1);
        assert.equal(await t, 1);
        for (let i = 0; i < 50 && !reports.some((r) => r.message.includes("'orphan-3'")); i++) {
          gc();
          await sleep(0);
        }
      },
      { debug: true, clock: new VirtualClock() },
    );
    const about = reports.filter((r) => r.message.includes("'orphan-3'"));
    assert.equal(about.length, 1, reports.map((r) => r.message).join('\n'));
    assert.match(about[0]!.message, /garbage-collected/);
  });

  it('outside debug mode a pending unreachable task is kept, then cancelled by run()', async () => {
    const reports: ExceptionContext[] = [];
    let loop: EventLoop | undefined;
    await run(
      async () => {
        loop = getRunningLoop();
        loop.setExceptionHandler((ctx) => reports.push(ctx));
        spawnOrphan('orphan2');
        await sleep(0);
        await sleep(0);
        for (let i = 0; i < 5; i++) {
          gc();
          await sleep(0);
        }
        assert.ok(loop._liveTasks().some((t) => t.name === 'orphan2'));
      },
      { debug: false, clock: new VirtualClock() },
    );
    assert.deepEqual(
      reports.map((r) => r.message),
      [],
    );
    assert.equal(loop!._liveTasks().length, 0);
  });
});

describe('formatTaskTree()', () => {
  it('shows names, states, parent/child nesting and what each task is blocked in', async () => {
    let tree = '';
    await run(
      async () => {
        const worker = createTask(() => sleep(1000), { name: 'worker' });
        createTask(
          async () => {
            const leaf = createTask(() => sleep(1000), { name: 'leaf' });
            await leaf;
          },
          { name: 'sub' },
        );
        createTask(() => gather([() => sleep(1000), () => sleep(2000)]), { name: 'gatherer' });
        createTask(
          async () => {
            await sleep(10);
            createTask(() => sleep(1), { name: 'not-started' });
            tree = formatTaskTree();
            assert.equal(formatTaskTree(getRunningLoop()), tree);
          },
          { name: 'inspector' },
        );
        await worker;
      },
      { clock: new VirtualClock() },
    );
    const ls = tree.split('\n');
    const find = (name: string): string => {
      const found = ls.filter((l) => l.slice(depth(l)).startsWith(`<Task '${name}' `));
      assert.equal(found.length, 1, `exactly one line for <Task '${name}': \n${tree}`);
      return found[0]!;
    };
    const main = find('main');
    const worker = find('worker');
    const sub = find('sub');
    const leaf = find('leaf');
    const gatherer = find('gatherer');
    const inspector = find('inspector');
    const notStarted = find('not-started');
    // what each is blocked in
    assert.match(main, /<Task 'main' running awaiting <Task 'worker' running sleep 1000 ms>>/);
    assert.match(worker, /<Task 'worker' running sleep 1000 ms>$/);
    assert.match(sub, /<Task 'sub' running awaiting <Task 'leaf' running sleep 1000 ms>>$/);
    assert.match(leaf, /<Task 'leaf' running sleep 1000 ms>$/);
    assert.match(gatherer, /<Task 'gatherer' running gather\b.*>$/);
    assert.match(inspector, /<Task 'inspector' running>$/);
    assert.match(notStarted, /<Task 'not-started' pending>$/);
    // nesting: main at the root; its children one level down; grandchildren two
    assert.ok(main.startsWith('└─ '), tree);
    const childDepth = depth(worker);
    assert.ok(childDepth > depth(main), tree);
    for (const l of [sub, gatherer, inspector]) assert.equal(depth(l), childDepth, tree);
    assert.ok(depth(leaf) > childDepth, tree);
    assert.equal(depth(notStarted), depth(leaf), tree);
    // a grandchild line comes after its parent's line, before the next sibling
    assert.ok(ls.indexOf(leaf) === ls.indexOf(sub) + 1, tree);
    assert.ok(ls.indexOf(notStarted) === ls.indexOf(inspector) + 1, tree);
    const gatherKids = ls.filter(
      (l) => depth(l) === depth(leaf) && /sleep (1000|2000) ms>$/.test(l) && !l.includes("'leaf'"),
    );
    assert.equal(gatherKids.length, 2, tree);
    for (const k of gatherKids) assert.ok(ls.indexOf(k) > ls.indexOf(gatherer), tree);
  });

  it('does not show finished tasks', async () => {
    let tree = '';
    await run(
      async () => {
        await createTask(() => sleep(5), { name: 'finished-one' });
        const t = createTask(() => sleep(5), { name: 'cancelled-one' });
        await sleep(1);
        t.cancel();
        await sleep(1);
        tree = formatTaskTree();
        assert.equal(currentTask()!.name, 'main');
      },
      { clock: new VirtualClock() },
    );
    assert.ok(!tree.includes('finished-one'), tree);
    assert.ok(!tree.includes('cancelled-one'), tree);
    assert.match(tree, /<Task 'main' running>/);
    assert.match(tree.split('\n')[0]!, /1 task\b/);
  });
});
