import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createTask,
  getRunningLoop,
  run,
  sleep,
  watchBlockedLoop,
  type BlockedLoopReport,
} from '../src/index.js';
import { VirtualClock } from '../src/testing/index.js';

function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe('debug mode: library calls a task never awaited', () => {
  it('reports a sleep() a task started but never awaited, naming the task and the call site', async () => {
    const reports: string[] = [];
    await run(
      async () => {
        getRunningLoop().setExceptionHandler((ctx) => reports.push(ctx.message));
        await createTask(
          async () => {
            void sleep(5);
            await sleep(10);
          },
          { name: 'forgetful' },
        );
      },
      { debug: true, clock: new VirtualClock() },
    );
    const r = reports.find((m) => m.includes('never awaited'));
    assert.ok(r, `no report among ${JSON.stringify(reports)}`);
    assert.match(r, /task 'forgetful' started sleep 5 ms but never awaited it/);
    assert.match(r, /debug-diagnostics\.test\.[jt]s:\d+:\d+/);
  });

  it('does not report library calls that were awaited, even late', async () => {
    const reports: string[] = [];
    await run(
      async () => {
        getRunningLoop().setExceptionHandler((ctx) => reports.push(ctx.message));
        await createTask(async () => {
          const early = sleep(1);
          await sleep(5);
          await early; // awaited after it resolved
        });
      },
      { debug: true, clock: new VirtualClock() },
    );
    // (Debug mode may also report a slow callback on a loaded machine: not the subject.)
    assert.deepEqual(
      reports.filter((r) => r.includes('never awaited')),
      [],
    );
  });

  it('tracks nothing outside debug mode', async () => {
    const reports: string[] = [];
    await run(
      async () => {
        getRunningLoop().setExceptionHandler((ctx) => reports.push(ctx.message));
        await createTask(async () => {
          void sleep(5);
          await sleep(10);
        });
      },
      { clock: new VirtualClock() },
    );
    assert.deepEqual(reports, []);
  });
});

describe('watchBlockedLoop', () => {
  it('names the task that blocked the loop and where it was created, outside debug mode', async () => {
    const seen: BlockedLoopReport[] = [];
    const stop = watchBlockedLoop({ threshold: 30, onBlocked: (r) => seen.push(r) });
    try {
      await run(async () => {
        await createTask(
          async () => {
            await sleep(1);
            blockFor(80);
          },
          { name: 'sync-sleeper' },
        );
      });
    } finally {
      stop();
    }
    const r = seen.find((x) => x.task?.name === 'sync-sleeper');
    assert.ok(r, `no report for the task among ${seen.length} reports`);
    assert.ok(r.durationMs >= 75, `duration ${r.durationMs}`);
    assert.match(r.createdAt ?? '', /debug-diagnostics\.test\.[jt]s:\d+:\d+/);
    assert.equal(r.what, 'a task step');
  });

  it('reports a blocking first step of a task (run from the ready queue) once', async () => {
    const seen: BlockedLoopReport[] = [];
    const stop = watchBlockedLoop({ threshold: 30, onBlocked: (r) => seen.push(r) });
    try {
      await run(async () => {
        await createTask(() => blockFor(60), { name: 'first-step' });
      });
    } finally {
      stop();
    }
    const mine = seen.filter((x) => x.task?.name === 'first-step');
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.what, 'its first step');
    // The loop callback that ran the step lasted as long; it must not be reported again.
    // (On a loaded machine unrelated callbacks may be slow too: only a report of about
    // the same duration would be the double report.)
    const d = mine[0]!.durationMs;
    const doubles = seen.filter(
      (x) => x !== mine[0] && x.task === undefined && Math.abs(x.durationMs - d) < d * 0.2,
    );
    assert.deepEqual(doubles, [], 'the callback around the step is not reported a second time');
  });

  it('stops reporting once stopped, and rejects bad options', async () => {
    const seen: BlockedLoopReport[] = [];
    const stop = watchBlockedLoop({ threshold: '10ms', onBlocked: (r) => seen.push(r) });
    stop();
    await run(async () => {
      await createTask(() => blockFor(30));
    });
    assert.equal(seen.length, 0);
    assert.throws(() => watchBlockedLoop({ threshold: -1, onBlocked: () => {} }), RangeError);
    assert.throws(() => watchBlockedLoop({} as never), TypeError);
  });
});
