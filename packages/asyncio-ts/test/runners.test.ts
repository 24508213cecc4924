// Tests of src/runners.ts: run(main), asyncio.run for Node. The SIGINT and
// process-exit tests run fixture programs (test/fixtures/*.ts) as subprocesses.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  CancelledError,
  EventLoop,
  InvalidStateError,
  allTasks,
  createTask,
  currentTask,
  formatTaskTree,
  getRunningLoop,
  run,
  sleep,
  type ExceptionContext,
  type Task,
} from '../src/index.js';
import { VirtualClock } from '../src/testing/index.js';

// ---- subprocess helpers ----

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** real ms from spawn to exit */
  elapsed: number;
}

interface Proc {
  /** Resolves once stdout has a line matching `re` (rejects after `ms`). */
  waitForLine(re: RegExp, ms?: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  /** Resolves at exit (the process is killed and this rejects after `ms`). */
  exited(ms?: number): Promise<Exit>;
  stdout(): string;
}

function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}.js`, import.meta.url));
}

function spawnFixture(name: string, env: Record<string, string | undefined> = {}): Proc {
  const fullEnv: NodeJS.ProcessEnv = { ...process.env };
  delete fullEnv.ASYNCIO_TS_DEBUG;
  delete fullEnv.NODE_TEST_CONTEXT; // the child is a program, not a test file
  Object.assign(fullEnv, env);
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--enable-source-maps', fixture(name)], {
    env: fullEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const lineWatchers = new Set<() => void>();
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    stdout += d;
    for (const w of lineWatchers) w();
  });
  child.stderr.on('data', (d: string) => {
    stderr += d;
  });
  const exit = new Promise<Exit>((resolve) => {
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr, elapsed: performance.now() - t0 });
      for (const w of lineWatchers) w();
    });
  });
  return {
    stdout: () => stdout,
    kill: (signal) => {
      child.kill(signal);
    },
    waitForLine(re, ms = 20_000) {
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (stdout.split('\n').some((l) => re.test(l))) {
            done();
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`exited before a line matching ${re}:\n${stdout}\n${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          child.kill('SIGKILL');
          reject(new Error(`no line matching ${re} within ${ms} ms:\n${stdout}\n${stderr}`));
        }, ms);
        const done = (): void => {
          clearTimeout(timer);
          lineWatchers.delete(check);
        };
        lineWatchers.add(check);
        check();
      });
    },
    exited(ms = 20_000) {
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      return exit.then((e) => {
        clearTimeout(timer);
        if (e.signal === 'SIGKILL') {
          throw new Error(`did not exit within ${ms} ms:\n${e.stdout}\n${e.stderr}`);
        }
        return e;
      });
    },
  };
}

v8.setFlagsFromString('--expose-gc');

/** Starts a task that fails at once; no one keeps it. */
function spawnFailing(name: string): void {
  createTask(
    () => {
      throw new Error(`${name} failed`);
    },
    { name },
  );
}

const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');

const SUBPROCESS = { timeout: 60_000 };

// ---- tests ----

describe('run()', () => {
  it("returns main's result", async () => {
    assert.equal(await run(() => 42), 42);
    assert.equal(await run(() => 'sync main'), 'sync main');
    const v = await run(
      async () => {
        await sleep(1000);
        return getRunningLoop().time();
      },
      { clock: new VirtualClock() },
    );
    assert.equal(v, 1000);
  });

  it("rethrows main's error (the same object)", async () => {
    const err = new Error('main failed');
    await assert.rejects(
      run(async () => {
        await sleep(0);
        throw err;
      }),
      (e: unknown) => e === err,
    );
    const syncErr = new RangeError('sync');
    await assert.rejects(
      run(() => {
        throw syncErr;
      }),
      (e: unknown) => e === syncErr,
    );
  });

  it('rejects with CancelledError when main is cancelled', async () => {
    await assert.rejects(
      run(
        async () => {
          currentTask()!.cancel('self');
          await sleep(10);
        },
        { clock: new VirtualClock() },
      ),
      (e: unknown) => e instanceof CancelledError && e.message === 'self',
    );
    // Only Ctrl-C sets the exit code.
    assert.equal(process.exitCode, undefined);
  });

  it('main is the root task', async () => {
    await run(
      async () => {
        const main = currentTask();
        assert.ok(main !== null);
        assert.equal(main.name, 'main');
        assert.ok(allTasks().has(main));
        const child = createTask(() => sleep(100), { name: 'child' });
        await sleep(10);
        const tree = lines(formatTaskTree());
        const mainLine = tree.findIndex((l) => l.includes("<Task 'main'"));
        const childLine = tree.findIndex((l) => l.includes("<Task 'child'"));
        assert.ok(mainLine > 0 && childLine > mainLine, tree.join('\n'));
        // main is at the top level; the child is nested under it.
        assert.ok(tree[mainLine]!.startsWith('└─ '), tree.join('\n'));
        assert.ok(tree[childLine]!.indexOf('<Task') > tree[mainLine]!.indexOf('<Task'));
        await child;
      },
      { clock: new VirtualClock() },
    );
  });

  it('currentTask() is null and no loop is running once run() returned', async () => {
    let loop: EventLoop | undefined;
    await run(() => {
      loop = getRunningLoop();
    });
    assert.equal(currentTask(), null);
    assert.ok(loop!.isClosed());
    assert.notEqual(getRunningLoop(), loop);
  });

  it('run() needs a function (TypeError)', async () => {
    await assert.rejects(run(Promise.resolve(1) as unknown as () => Promise<number>), TypeError);
    await assert.rejects(run(null as unknown as () => Promise<number>), TypeError);
    // nothing was left running
    assert.equal(await run(() => 'still works'), 'still works');
  });

  it('leftover tasks are cancelled and awaited at the end (their finally ran before run resolved)', async () => {
    const log: string[] = [];
    let leftovers: Task<unknown>[] = [];
    let loop: EventLoop | undefined;
    const v = await run(
      async () => {
        loop = getRunningLoop();
        leftovers = [
          createTask(
            async () => {
              try {
                await sleep('1h');
              } catch (e) {
                log.push(`a cancelled: ${(e as Error).name}`);
                throw e;
              } finally {
                await sleep(50).catch(() => undefined); // a cleanup that takes time
                log.push(`a finally@${loop!.time()}`);
              }
            },
            { name: 'a' },
          ),
          createTask(
            async () => {
              try {
                await sleep('1h');
              } finally {
                // a cleanup that starts another task: it is cancelled and awaited too
                createTask(async () => {
                  try {
                    await sleep('1h');
                  } finally {
                    log.push('spawned-in-finally finally');
                  }
                });
              }
            },
            { name: 'b' },
          ),
          createTask(() => sleep(10), { name: 'pending-at-the-end' }),
        ];
        await sleep(10);
        log.push('main returns');
        return 'main result';
      },
      { clock: new VirtualClock() },
    );
    assert.equal(v, 'main result');
    assert.deepEqual(log.slice(0, 2), ['main returns', 'a cancelled: CancelledError']);
    assert.ok(log.includes('a finally@60'), log.join('\n'));
    assert.ok(log.includes('spawned-in-finally finally'), log.join('\n'));
    assert.equal(log.length, 4, log.join('\n'));
    for (const t of leftovers) assert.equal(t.done(), true, String(t));
    assert.equal(leftovers[0]!.cancelled(), true);
    assert.equal(leftovers[1]!.cancelled(), true);
    assert.equal(loop!._timerCount(), 0);
    assert.equal(loop!._liveTasks().length, 0);
  });

  it("an exception no one retrieved is reported with the task's name through the loop's exception handler", async () => {
    const reports: ExceptionContext[] = [];
    const err = new Error('nobody looked');
    await run(
      async () => {
        getRunningLoop().setExceptionHandler((ctx) => reports.push(ctx));
        createTask(
          async () => {
            await sleep(5);
            throw err;
          },
          { name: 'forgotten' },
        );
        await sleep(20);
        assert.equal(reports.length, 0, 'not before run() ends (the task is still referenced)');
      },
      { clock: new VirtualClock() },
    );
    assert.equal(reports.length, 1, reports.map((r) => r.message).join('\n'));
    const r = reports[0]!;
    assert.match(r.message, /never retrieved/);
    assert.match(r.message, /'forgotten'/);
    assert.equal(r.error, err);
  });

  it('an exception no one retrieved is reported when the task is garbage-collected, before run() ends', async () => {
    const reports: ExceptionContext[] = [];
    const gc = vm.runInNewContext('gc') as () => void;
    await run(
      async () => {
        getRunningLoop().setExceptionHandler((ctx) => reports.push(ctx));
        spawnFailing('dropped');
        await sleep(5);
        for (let i = 0; i < 50 && reports.length === 0; i++) {
          gc();
          await sleep(0);
        }
        assert.equal(reports.length, 1, 'reported during run()');
      },
      { clock: new VirtualClock() },
    );
    assert.equal(reports.length, 1, reports.map((r) => r.message).join('\n'));
    assert.match(reports[0]!.message, /never retrieved/);
    assert.match(reports[0]!.message, /'dropped'/);
    assert.match(String((reports[0]!.error as Error).message), /dropped failed/);
  });

  it('an exception that was retrieved is not reported', async () => {
    const reports: ExceptionContext[] = [];
    await run(
      async () => {
        getRunningLoop().setExceptionHandler((ctx) => reports.push(ctx));
        const awaited = createTask(async () => {
          await sleep(5);
          throw new Error('awaited');
        });
        const inspected = createTask(async () => {
          await sleep(5);
          throw new Error('inspected');
        });
        const resulted = createTask(() => {
          throw new Error('resulted');
        });
        await assert.rejects(awaited.then(), /awaited/);
        await sleep(10);
        assert.ok(inspected.exception() instanceof Error);
        assert.throws(() => resulted.result(), /resulted/);
        // A cancelled task is not a failure.
        const cancelled = createTask(() => sleep(100));
        await sleep(1);
        cancelled.cancel();
        await sleep(1);
      },
      { clock: new VirtualClock() },
    );
    assert.deepEqual(
      reports.map((r) => r.message),
      [],
    );
  });

  it('a failure in a leftover task during shutdown is reported', async () => {
    const reports: ExceptionContext[] = [];
    const err = new Error('cleanup failed');
    await run(
      async () => {
        getRunningLoop().setExceptionHandler((ctx) => reports.push(ctx));
        createTask(
          async () => {
            try {
              await sleep('1h');
            } finally {
              // eslint-disable-next-line no-unsafe-finally
              throw err;
            }
          },
          { name: 'bad-cleanup' },
        );
        await sleep(1);
      },
      { clock: new VirtualClock() },
    );
    assert.equal(reports.length, 1, reports.map((r) => r.message).join('\n'));
    const r = reports[0]!;
    assert.equal(r.error, err);
    const named = r.task?.name === 'bad-cleanup' || r.message.includes("'bad-cleanup'");
    assert.ok(named, `the report names the task: ${r.message}`);
  });

  it('run inside a running loop (nested run in main) rejects with a clear InvalidStateError', async () => {
    let innerRan = false;
    await run(async () => {
      await assert.rejects(
        run(() => {
          innerRan = true;
        }),
        (e: unknown) => {
          assert.ok(e instanceof InvalidStateError);
          assert.equal((e as Error).name, 'InvalidStateError');
          assert.match((e as Error).message, /run\(\) cannot be called from a running event loop/);
          return true;
        },
      );
      // the outer run is unaffected
      await sleep(0);
      assert.equal(currentTask()!.name, 'main');
    });
    assert.equal(innerRan, false);
  });

  it('a second run() while one is active (outside any task) rejects with InvalidStateError', async () => {
    let secondRan = false;
    const first = run(
      async () => {
        await sleep(100);
        return 'first';
      },
      { clock: new VirtualClock() },
    );
    await assert.rejects(
      run(() => {
        secondRan = true;
      }),
      InvalidStateError,
    );
    assert.equal(await first, 'first');
    assert.equal(secondRan, false);
  });

  it('sequential runs work, each with its own loop', async () => {
    const loops: EventLoop[] = [];
    for (let i = 0; i < 3; i++) {
      const v = await run(
        async () => {
          loops.push(getRunningLoop());
          const t = createTask(async () => {
            await sleep(100 * (i + 1));
            return i;
          });
          return (await t) + getRunningLoop().time();
        },
        { clock: new VirtualClock() },
      );
      assert.equal(v, i + 100 * (i + 1));
    }
    assert.equal(new Set(loops).size, 3);
    // and with the real clock
    assert.equal(await run(async () => (await sleep(1, 'x')) + 'y'), 'xy');
  });

  it('run() removes its signal listeners when it ends', async () => {
    const sigint = process.listenerCount('SIGINT');
    const sigusr2 = process.listenerCount('SIGUSR2');
    await run(() => {
      assert.equal(process.listenerCount('SIGINT'), sigint + 1);
    });
    await run(() => undefined, { debug: true }).catch(() => undefined);
    await run(() => {
      throw new Error('x');
    }).catch(() => undefined);
    assert.equal(process.listenerCount('SIGINT'), sigint);
    assert.equal(process.listenerCount('SIGUSR2'), sigusr2);
  });

  it('debug: true turns debug mode on for the loop, and off again afterwards', async () => {
    let loop: EventLoop | undefined;
    const inside = await run(
      () => {
        loop = getRunningLoop();
        return loop.getDebug();
      },
      { debug: true, clock: new VirtualClock() },
    );
    assert.equal(inside, true);
    assert.equal(loop!.getDebug(), false);
    assert.equal(await run(() => getRunningLoop().getDebug(), { debug: false }), false);
  });

  it('leak checks: no timer and no task left once run() returned', async () => {
    let loop: EventLoop | undefined;
    await run(
      async () => {
        loop = getRunningLoop();
        createTask(() => sleep('1h'));
        createTask(() => sleep(10));
        createTask(async () => {
          await sleep(1);
          throw new Error('x');
        }).addDoneCallback((t) => t.exception());
        const h = loop.callLater(5000, () => undefined);
        await sleep(5);
        h.cancel();
      },
      { clock: new VirtualClock() },
    );
    assert.equal(loop!._timerCount(), 0);
    assert.equal(loop!._liveTasks().length, 0);
    assert.ok(loop!.isClosed());
  });

  it('a callLater still pending when main returns is dropped when the loop closes', async () => {
    let loop: EventLoop | undefined;
    let fired = false;
    await run(
      async () => {
        loop = getRunningLoop();
        loop.callLater(5000, () => {
          fired = true;
        });
        await sleep(10);
      },
      { clock: new VirtualClock() },
    );
    assert.equal(fired, false);
    assert.equal(loop!._timerCount(), 0, 'the closed loop still holds the callback');
  });

  describe('SIGINT (subprocesses)', () => {
    it(
      'the first Ctrl-C cancels main: its finally blocks run, then the leftovers',
      SUBPROCESS,
      async () => {
        const p = spawnFixture('sigint-finally');
        await p.waitForLine(/^ready$/);
        p.kill('SIGINT');
        const e = await p.exited();
        assert.deepEqual(
          lines(e.stdout),
          [
            'ready',
            'main finally',
            'child finally',
            'run rejected: CancelledError: interrupted by SIGINT',
            'exitCode 130',
          ],
          e.stderr,
        );
        assert.equal(e.code, 130, e.stderr);
      },
    );

    it(
      'the first Ctrl-C of a plain `await run(main)` script exits with code 130',
      SUBPROCESS,
      async () => {
        const p = spawnFixture('sigint-uncaught');
        await p.waitForLine(/^ready$/);
        p.kill('SIGINT');
        const e = await p.exited();
        assert.deepEqual(lines(e.stdout), ['ready', 'main finally'], e.stderr);
        assert.equal(e.code, 130, `exit code ${String(e.code)}; stderr:\n${e.stderr}`);
      },
    );

    it(
      'a second SIGINT exits at once with 130 even if main keeps catching cancellations',
      SUBPROCESS,
      async () => {
        const p = spawnFixture('sigint-twice');
        await p.waitForLine(/^ready$/);
        p.kill('SIGINT');
        await p.waitForLine(/^caught interrupted by SIGINT$/);
        const t0 = performance.now();
        p.kill('SIGINT');
        const e = await p.exited();
        assert.equal(e.code, 130, e.stderr);
        assert.ok(performance.now() - t0 < 10_000);
        assert.deepEqual(lines(e.stdout), ['ready', 'caught interrupted by SIGINT']);
      },
    );

    it(
      'a program that finishes normally exits 0 promptly (no leaked handle keeps it alive)',
      SUBPROCESS,
      async () => {
        const p = spawnFixture('finishes-normally');
        const e = await p.exited(30_000);
        assert.equal(e.code, 0, e.stderr);
        assert.deepEqual(lines(e.stdout), [
          'timeout: TimeoutError',
          'main done',
          'run resolved 42',
        ]);
        assert.equal(e.stderr, '');
      },
    );

    it(
      'the default exception handler prints an unretrieved failure with the task name on stderr',
      SUBPROCESS,
      async () => {
        const p = spawnFixture('unretrieved-default');
        const e = await p.exited();
        assert.equal(e.code, 0, e.stderr);
        assert.deepEqual(lines(e.stdout), ['run resolved']);
        assert.match(e.stderr, /never retrieved/);
        assert.match(e.stderr, /'doomed'/);
        assert.match(e.stderr, /kaboom/);
      },
    );
  });
});
