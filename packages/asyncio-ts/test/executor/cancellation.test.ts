// Tests of cancellation in src/executor (pool.ts, job.ts, job-context.ts): queued
// jobs are dropped at once, running ones see the abort flag, and a job that ignores
// it is terminated after the grace period with its worker replaced.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CancelledError,
  TimeoutError,
  createTask,
  formatTaskTree,
  run,
  sleep,
  timeout,
} from '../../src/index.js';
import { WorkerPool } from '../../src/executor/index.js';
import { jobs, marker, until } from './helpers.js';

describe('cancelling the awaiting task', () => {
  it('removes a queued job at once; it never runs', async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    await run(async () => {
      const busy = marker();
      const first = pool.run(jobs, 'stubbornSpin', 300, busy.sab);
      const ran = marker();
      const t = createTask(() => pool.run(jobs, 'markRan', ran.sab), { name: 'queued' });
      await sleep(0);
      assert.equal(pool.statistics().queued, 1);
      t.cancel();
      assert.equal(pool.statistics().queued, 0, 'removed synchronously by cancel()');
      await assert.rejects(async () => {
        await t;
      }, CancelledError);
      assert.equal(await first, 'finished');
      assert.equal(await pool.run(jobs, 'add', 1, 1), 2);
      assert.equal(ran.get(), 0, 'the cancelled job never ran');
      assert.equal(pool.statistics().cancelled, 1);
    });
    await pool.shutdown();
  });

  it('a task cancelled before it submits never queues anything', async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    await run(async () => {
      const ran = marker();
      const t = createTask(async () => {
        await sleep(0).catch(() => {}); // absorbs nothing: the cancel is requested later
        return pool.run(jobs, 'markRan', ran.sab);
      });
      t.cancel();
      await assert.rejects(async () => {
        await t;
      }, CancelledError);
      assert.equal(pool.statistics().workers, 0);
      assert.equal(ran.get(), 0);
    });
    await pool.shutdown();
  });

  it('raises the abort flag of a running job: the caller is released at once and the job stops early', async () => {
    const pool = new WorkerPool({ maxWorkers: 1, cancelGrace: '30s' });
    await run(async () => {
      const m = marker();
      const t = createTask(() => pool.run(jobs, 'politeSpin', 20_000, m.sab), {
        name: 'polite',
      });
      await until(() => m.get() === 1, 'the job to start');
      assert.match(formatTaskTree(), /polite.*WorkerPool '[^']+' politeSpin/);
      const t0 = performance.now();
      t.cancel('enough');
      await assert.rejects(
        async () => {
          await t;
        },
        { name: 'CancelledError', message: 'enough' },
      );
      assert.ok(performance.now() - t0 < 5_000, 'the caller did not wait for the job');
      await until(() => m.get() === 2, 'the job to see the flag');
      // The same worker takes the next job: it was not terminated.
      await until(() => pool.statistics().busy === 0, 'the worker to be free');
      assert.equal(await pool.run(jobs, 'add', 2, 2), 4);
      const s = pool.statistics();
      assert.equal(s.workers, 1);
      assert.equal(s.crashed, 0);
      assert.equal(s.cancelled, 1);
    });
    await pool.shutdown();
  });

  it('terminates a job that ignores the flag after the grace period, and replaces its worker', async () => {
    const pool = new WorkerPool({ maxWorkers: 2, cancelGrace: 100 });
    await run(async () => {
      const before = await pool.run(jobs, 'threadId');
      const m = marker();
      const t = createTask(() => pool.run(jobs, 'stubbornSpin', 60_000, m.sab));
      await until(() => m.get() === 1, 'the job to start');
      t.cancel();
      await assert.rejects(async () => {
        await t;
      }, CancelledError);
      await until(() => pool.statistics().busy === 0, 'the stubborn worker to be terminated');
      assert.equal(m.get(), 1, 'the job never finished: its worker was terminated');
      // The pool did not shrink: two jobs still run side by side.
      const ids = await Promise.all([
        pool.run(jobs, 'stubbornSpin', 200, marker().sab).then(() => 0),
        pool.run(jobs, 'threadId'),
        pool.run(jobs, 'threadId'),
      ]);
      assert.ok(ids.length === 3);
      assert.ok(pool.statistics().workers <= 2);
      assert.equal(pool.statistics().crashed, 0, 'a terminated job is not a crash');
      assert.ok(typeof before === 'number');
    });
    await pool.shutdown();
    assert.equal(pool.statistics().workers, 0);
  });

  it('a timeout() scope cancels a running job the same way and raises TimeoutError', async () => {
    const pool = new WorkerPool({ maxWorkers: 1, cancelGrace: 50 });
    await run(async () => {
      assert.equal(await pool.run(jobs, 'add', 1, 1), 2); // the worker is up
      const m = marker();
      const t0 = performance.now();
      await assert.rejects(
        timeout(100, () => pool.run(jobs, 'stubbornSpin', 60_000, m.sab)),
        TimeoutError,
      );
      assert.ok(performance.now() - t0 < 10_000);
      assert.equal(await pool.run(jobs, 'add', 1, 2), 3, 'a new worker took over');
      assert.notEqual(m.get(), 3, 'the stubborn job never finished');
      assert.equal(pool.statistics().cancelled, 1);
    });
    await pool.shutdown();
  });

  it('run() ending cancels tasks blocked on jobs; the pool is left clean', async () => {
    const pool = new WorkerPool({ maxWorkers: 1, cancelGrace: 50 });
    const m = marker();
    await run(async () => {
      createTask(() => pool.run(jobs, 'stubbornSpin', 60_000, m.sab));
      await until(() => m.get() === 1, 'the job to start');
    });
    await pool.shutdown();
    assert.equal(pool.statistics().workers, 0);
    assert.equal(pool.statistics().busy, 0);
  });
});
