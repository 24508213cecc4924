// Tests of src/executor/pool.ts: WorkerPool running module exports and source
// functions, errors, crashes, transfers, queue bound, shutdown and statistics.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import {
  InvalidStateError,
  QueueFull,
  CancelledError,
  createTask,
  run,
  sleep,
} from '../../src/index.js';
import { WorkerPool, WorkerCrashedError, move } from '../../src/executor/index.js';
import { jobs, marker, until } from './helpers.js';

// Compile-time checks of the typed API (never called).
export function typeChecks(pool: WorkerPool): void {
  // @ts-expect-error -- 'nope' is not an exported function of the module
  void pool.run(jobs, 'nope');
  // @ts-expect-error -- add takes numbers
  void pool.run(jobs, 'add', 'one', 2);
  const add = pool.bind(jobs, 'add');
  // @ts-expect-error -- the handle has add's parameters
  void add(1);
  const later: Promise<number> = pool.run(jobs, 'addLater', 1, 2); // async export: unwrapped
  void later;
  // @ts-expect-error -- the result type follows the function
  const wrong: Promise<string> = pool.run((n: number) => n + 1, 1);
  void wrong;
}

describe('WorkerPool.run', () => {
  it('runs a typed module export, sync or async, by handle, bind() or plain URL', async () => {
    const pool = new WorkerPool({ maxWorkers: 2, name: 'basic' });
    try {
      const three: number = await pool.run(jobs, 'add', 1, 2);
      assert.equal(three, 3);
      assert.equal(await pool.run(jobs, 'addLater', 3, 4), 7);
      const add = pool.bind(jobs, 'add');
      assert.deepEqual(await Promise.all([add(1, 1), add(2, 2), add(3, 3)]), [2, 4, 6]);
      assert.equal(await pool.run(new URL(jobs.url), 'sum', 10), 55);
      assert.equal(await pool.run(jobs.url, 'sum', 4), 10);
    } finally {
      await pool.shutdown();
    }
  });

  it('runs a self-contained function sent as source text, in another thread', async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    try {
      const r = await pool.run((a: number, b: string) => `${b}${a * 2}`, 21, 'x=');
      assert.equal(r, 'x=42');
      const id = await pool.run(async () => (await import('node:worker_threads')).threadId);
      assert.notEqual(id, 0, 'ran off the main thread');
    } finally {
      await pool.shutdown();
    }
  });

  it('rejects an unknown export with the names the module does export', async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    try {
      await assert.rejects(pool.run(jobs.url, 'nope'), (e: Error) => {
        assert.equal(e.name, 'TypeError');
        assert.match(e.message, /no exported function 'nope'.*add, addLater/);
        return true;
      });
      await assert.rejects(pool.run('relative/path.js', 'x'), /absolute path or a URL/);
    } finally {
      await pool.shutdown();
    }
  });
});

describe('errors and crashes', () => {
  it('an error thrown in the worker comes back with its name, message, properties and the worker stack', async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    try {
      await assert.rejects(pool.run(jobs, 'failParse', 'x + '), (e: Error & { line?: number }) => {
        assert.equal(e.name, 'ParseError');
        assert.equal(e.message, 'unexpected token in x + ');
        assert.equal(e.line, 7);
        assert.match(e.stack!, /^ParseError: unexpected token/);
        assert.match(
          e.stack!,
          /at failParse \(.*fixtures[/\\]jobs\.(js|ts)/,
          "the worker's frames",
        );
        return true;
      });
      await assert.rejects(pool.run(jobs, 'failType'), TypeError);
      assert.equal(pool.statistics().failed, 2);
      assert.equal(await pool.run(jobs, 'add', 1, 1), 2, 'the worker goes on');
      assert.equal(pool.statistics().crashed, 0);
    } finally {
      await pool.shutdown();
    }
  });

  it('a worker that calls process.exit fails only its job and is replaced', async () => {
    const pool = new WorkerPool({ maxWorkers: 2 });
    try {
      const slow = pool.run(jobs, 'addLater', 1, 2);
      await assert.rejects(pool.run(jobs, 'exitNow', 3), (e: unknown) => {
        assert.ok(e instanceof WorkerCrashedError);
        assert.equal(e.code, 'ERR_WORKER_CRASHED');
        assert.equal(e.exitCode, 3);
        assert.match(e.message, /exitNow exited with code 3/);
        return true;
      });
      assert.equal(await slow, 3, 'the other job is unaffected');
      const results = await Promise.all([pool.run(jobs, 'sum', 3), pool.run(jobs, 'sum', 4)]);
      assert.deepEqual(results, [6, 10]);
      assert.equal(pool.statistics().crashed, 1);
      assert.ok(pool.statistics().workers <= 2);
    } finally {
      await pool.shutdown();
    }
  });

  it('a worker that runs out of memory (resourceLimits) fails only its job and is replaced', async () => {
    const pool = new WorkerPool({
      maxWorkers: 1,
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
    });
    try {
      await assert.rejects(pool.run(jobs, 'eatMemory'), (e: unknown) => {
        assert.ok(e instanceof WorkerCrashedError);
        assert.match(e.message, /ran out of memory/);
        return true;
      });
      assert.equal(await pool.run(jobs, 'add', 2, 2), 4);
    } finally {
      await pool.shutdown();
    }
  });

  it('an uncaught error outside the job (in a timer) fails the job with the error as cause', async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    try {
      await assert.rejects(pool.run(jobs, 'throwInTimer'), (e: unknown) => {
        assert.ok(e instanceof WorkerCrashedError);
        assert.match(e.message, /uncaught error outside the job \(boom in a timer\)/);
        assert.ok(e.cause instanceof Error);
        return true;
      });
      assert.equal(await pool.run(jobs, 'add', 2, 3), 5);
    } finally {
      await pool.shutdown();
    }
  });

  it('arguments that cannot be cloned fail that job with DataCloneError', async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    try {
      await assert.rejects(
        pool.run(jobs.url, 'add', () => 1, 2),
        { name: 'DataCloneError' },
      );
      assert.equal(await pool.run(jobs, 'add', 1, 2), 3);
    } finally {
      await pool.shutdown();
    }
  });
});

describe('transfers', () => {
  it('move() transfers an ArrayBuffer: the source is detached, nothing is copied', async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    try {
      const buf = new ArrayBuffer(1 << 20);
      assert.equal(await pool.run(jobs, 'byteLength', move(buf)), 1 << 20);
      assert.equal(buf.byteLength, 0, 'detached');
      const kept = new ArrayBuffer(16);
      assert.equal(await pool.run(jobs, 'byteLength', kept), 16);
      assert.equal(kept.byteLength, 16, 'without move() it is copied');
    } finally {
      await pool.shutdown();
    }
  });

  it('a typed array moves there and back (the job returns move(bytes))', async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    try {
      const bytes = new Uint8Array([0, 1, 254]);
      const out = await pool.run(jobs, 'invert', move(bytes));
      assert.equal(bytes.byteLength, 0, 'detached on this side');
      assert.deepEqual([...out], [255, 254, 1]);
    } finally {
      await pool.shutdown();
    }
  });

  it('a MessagePort can be moved to a job', async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    try {
      const { port1, port2 } = new MessageChannel();
      assert.equal(await pool.run(jobs, 'ping', move(port2)), 'sent');
      await until(() => true, 'nothing');
      let msg = receiveMessageOnPort(port1);
      for (let i = 0; msg === undefined && i < 200; i++) {
        await new Promise((r) => setTimeout(r, 5));
        msg = receiveMessageOnPort(port1);
      }
      assert.equal(msg?.message, 'hello from the worker');
      port1.close();
    } finally {
      await pool.shutdown();
    }
  });
});

describe('queue, shutdown, statistics', () => {
  it('never runs more than maxWorkers jobs at once; a full queue rejects with QueueFull', async () => {
    const pool = new WorkerPool({ maxWorkers: 1, maxQueue: 2, name: 'tiny' });
    const m = marker();
    const first = pool.run(jobs, 'stubbornSpin', 300, m.sab);
    const queued = [pool.run(jobs, 'add', 1, 1), pool.run(jobs, 'add', 2, 2)];
    const s = pool.statistics();
    assert.deepEqual(
      { workers: s.workers, busy: s.busy, queued: s.queued },
      { workers: 1, busy: 1, queued: 2 },
    );
    assert.equal(String(pool), "<WorkerPool 'tiny' open workers=1/1 busy=1 queued=2 completed=0>");
    await assert.rejects(pool.run(jobs, 'add', 3, 3), (e: unknown) => {
      assert.ok(e instanceof QueueFull);
      assert.match(e.message, /maxQueue=2/);
      return true;
    });
    assert.equal(await first, 'finished');
    assert.deepEqual(await Promise.all(queued), [2, 4]);
    await pool.shutdown();
    assert.ok(Object.isFrozen(pool.statistics()));
    assert.deepEqual(pool.statistics(), {
      workers: 0,
      busy: 0,
      queued: 0,
      completed: 3,
      failed: 0,
      cancelled: 0,
      crashed: 0,
    });
    assert.match(String(pool), /shut down workers=0\/1/);
  });

  it('shutdown() waits for running and queued jobs, then refuses new ones', async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    const a = pool.run(jobs, 'addLater', 1, 1);
    const b = pool.run(jobs, 'addLater', 2, 2);
    await pool.shutdown({ wait: true });
    assert.deepEqual(await Promise.all([a, b]), [2, 4]);
    assert.equal(pool.statistics().workers, 0);
    await assert.rejects(pool.run(jobs, 'add', 1, 1), (e: unknown) => {
      assert.ok(e instanceof InvalidStateError);
      assert.match(e.message, /was shut down/);
      return true;
    });
    await pool.shutdown(); // again: harmless
  });

  it('shutdown({ cancelFutures: true, wait: false }) drops queued jobs and lets the running one finish', async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    const m = marker();
    const running = pool.run(jobs, 'stubbornSpin', 200, m.sab);
    const ran = marker();
    const queued = pool.run(jobs, 'markRan', ran.sab);
    await pool.shutdown({ wait: false, cancelFutures: true });
    await assert.rejects(queued, CancelledError);
    assert.equal(pool.statistics().queued, 0);
    assert.equal(await running, 'finished');
    await pool.shutdown({ wait: true });
    assert.equal(ran.get(), 0, 'the dropped job never ran');
    assert.equal(pool.statistics().workers, 0);
    assert.equal(pool.statistics().cancelled, 1);
  });

  it('idle workers exit after idleTimeout, and a new job starts a new one', async () => {
    const pool = new WorkerPool({ maxWorkers: 2, idleTimeout: 50 });
    const both = Promise.all([pool.run(jobs, 'addLater', 1, 1), pool.run(jobs, 'addLater', 1, 1)]);
    assert.equal(pool.statistics().workers, 2, 'one worker per job, started on demand');
    await both;
    await run(() => until(() => pool.statistics().workers === 0, 'idle workers to exit'));
    assert.equal(await pool.run(jobs, 'add', 1, 1), 2);
    await pool.shutdown();
  });

  it('shutdown() waited on in a task is a cancellation point that does not stop the shutdown', async () => {
    const pool = new WorkerPool({ maxWorkers: 1 });
    const job = pool.run(jobs, 'addLater', 1, 1);
    await run(async () => {
      const t = createTask(() => pool.shutdown());
      await sleep(0);
      t.cancel();
      await assert.rejects(async () => {
        await t;
      }, CancelledError);
    });
    assert.equal(await job, 2);
    await pool.shutdown();
    assert.equal(pool.statistics().workers, 0);
  });

  it('rejects nonsensical options', () => {
    assert.throws(() => new WorkerPool({ maxWorkers: 0 }), RangeError);
    assert.throws(() => new WorkerPool({ maxQueue: -1 }), RangeError);
    assert.throws(() => new WorkerPool({ cancelGrace: -5 }), RangeError);
    assert.throws(() => new WorkerPool({ idleTimeout: 'soon' as '1s' }), TypeError);
  });
});

describe('process lifetime', () => {
  it('an open pool (a worker stuck in an abandoned stubborn job) never keeps the process alive', async () => {
    const { spawn } = await import('node:child_process');
    const script = new URL('./fixtures/left-open.js', import.meta.url);
    const child = spawn(process.execPath, [script.pathname], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const t0 = performance.now();
    const code = await new Promise<number | null>((resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('exit', (c) => {
        clearTimeout(killer);
        resolve(c);
      });
    });
    assert.equal(code, 0, out);
    assert.match(out, /3\n2\ntimed out\n<WorkerPool 'pool-\d+' open workers=1\/2 busy=1/);
    assert.ok(performance.now() - t0 < 20_000, 'exited long before the stubborn job would end');
  });
});
