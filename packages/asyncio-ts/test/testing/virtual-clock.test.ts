import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import {
  EventLoop,
  Future,
  cancellable,
  createTask,
  formatTaskTree,
  gather,
  getRunningLoop,
  run,
  sleep,
} from '../../src/index.js';
import { VirtualClock, waitAllTasksBlocked } from '../../src/testing/index.js';

/** Runs `main` with `clock` and checks that it left no timer and no task behind. */
async function vrun<T>(clock: VirtualClock, main: (loop: EventLoop) => Promise<T>): Promise<T> {
  let loop: EventLoop | undefined;
  const result = await run(
    async () => {
      loop = getRunningLoop();
      return main(loop);
    },
    { clock },
  );
  assert.ok(loop !== undefined);
  assert.equal(loop._timerCount(), 0, 'a timer was left behind');
  assert.deepEqual(loop._liveTasks(), [], 'a task was left behind');
  return result;
}

/** Lets Node's loop turn `n` times (no time passes on any clock). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

/** A local TCP echo server: real I/O with no timers involved. */
async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

function roundTrip(port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(message));
    let got = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (got += d));
    socket.on('end', () => resolve(got));
    socket.on('error', reject);
  });
}

describe('VirtualClock', () => {
  it("a sleep('1h') takes no real time while loop.time() says an hour passed", async () => {
    const t0 = performance.now();
    const clock = new VirtualClock();
    const times = await vrun(clock, async (loop) => {
      const before = loop.time();
      await sleep('1h');
      return [before, loop.time(), clock.now()];
    });
    assert.deepEqual(times, [0, 3_600_000, 3_600_000]);
    assert.ok(performance.now() - t0 < 10_000, 'far less than an hour of real time');
  });

  it('starts at 0, or at the time given', async () => {
    assert.equal(new VirtualClock().now(), 0);
    const clock = new VirtualClock({ start: 5000 });
    await vrun(clock, async (loop) => {
      assert.equal(loop.time(), 5000);
      await sleep(1);
      assert.equal(loop.time(), 5001);
    });
  });

  describe('autojump (the default)', () => {
    it('jumps straight to each next deadline', async () => {
      const clock = new VirtualClock();
      assert.equal(clock.autojump, true);
      await vrun(clock, async (loop) => {
        const times: number[] = [];
        const ts = [300, 100, 200].map((ms) =>
          createTask(async () => {
            await sleep(ms);
            times.push(loop.time());
          }),
        );
        await gather(ts);
        assert.deepEqual(times, [100, 200, 300]);
      });
    });

    it('does not jump while tasks are ready to run', async () => {
      const clock = new VirtualClock();
      await vrun(clock, async (loop) => {
        const order: string[] = [];
        const busyTimes = new Set<number>();
        const busy = createTask(async () => {
          for (let i = 0; i < 200; i++) {
            busyTimes.add(loop.time());
            await sleep(0);
          }
          order.push('busy done');
        });
        const sleeper = createTask(async () => {
          await sleep(1);
          order.push(`sleeper woke at ${loop.time()}`);
        });
        await gather([busy, sleeper]);
        assert.deepEqual([...busyTimes], [0]);
        assert.deepEqual(order, ['busy done', 'sleeper woke at 1']);
      });
    });

    it('does not jump while a foreign promise resolves within the same turn', async () => {
      const clock = new VirtualClock();
      await vrun(clock, async (loop) => {
        const sleeper = createTask(() => sleep(1000));
        for (let i = 0; i < 100; i++) await Promise.resolve();
        assert.equal(loop.time(), 0);
        await sleeper;
        assert.equal(loop.time(), 1000);
      });
    });
  });

  describe('autojumpThreshold', () => {
    it('with real I/O mixed in, the I/O completes before time jumps', async () => {
      const { server, port } = await echoServer();
      try {
        const clock = new VirtualClock({ autojumpThreshold: 250 });
        await vrun(clock, async (loop) => {
          const events: string[] = [];
          const sleeper = createTask(async () => {
            await sleep('10s');
            events.push(`sleep ended at ${loop.time()}`);
          });
          const io = createTask(async () => {
            const echoed = await cancellable(roundTrip(port, 'ping'));
            events.push(`${echoed} echoed at ${loop.time()}`);
          });
          await gather([sleeper, io]);
          assert.deepEqual(events, ['ping echoed at 0', 'sleep ended at 10000']);
        });
      } finally {
        await new Promise((r) => server.close(r));
      }
    });

    it('must be a non-negative number', () => {
      assert.throws(() => new VirtualClock({ autojumpThreshold: -1 }), RangeError);
      assert.throws(() => new VirtualClock({ autojumpThreshold: NaN }), RangeError);
      assert.doesNotThrow(() => new VirtualClock({ autojumpThreshold: 0 }));
    });
  });

  describe('manual mode (autojump: false)', () => {
    it('time moves only through advance()', async () => {
      const clock = new VirtualClock({ autojump: false });
      assert.equal(clock.autojump, false);
      await vrun(clock, async (loop) => {
        const t = createTask(async () => {
          await sleep(1000);
          return loop.time();
        });
        await turns(20);
        assert.equal(loop.time(), 0);
        assert.equal(t.done(), false);
        await clock.advance(999);
        assert.equal(loop.time(), 999);
        assert.equal(t.done(), false);
        await clock.advance(1);
        assert.equal(t.done(), true);
        assert.equal(t.result(), 1000);
        assert.equal(loop.time(), 1000);
      });
    });

    it('advance() runs the timers due on the way in order, each at its own time, letting woken tasks run', async () => {
      const clock = new VirtualClock({ autojump: false });
      await vrun(clock, async (loop) => {
        const events: string[] = [];
        const a = createTask(async () => {
          await sleep(100);
          events.push(`a1 at ${loop.time()}`);
          await sleep(100); // scheduled during the advance, due within it
          events.push(`a2 at ${loop.time()}`);
        });
        const b = createTask(async () => {
          await sleep(150);
          events.push(`b at ${loop.time()}`);
        });
        await turns(5);
        await clock.advance(300);
        assert.deepEqual(events, ['a1 at 100', 'b at 150', 'a2 at 200']);
        assert.equal(loop.time(), 300);
        assert.ok(a.done() && b.done());
      });
    });

    it('advance() with nothing scheduled just moves time', async () => {
      const clock = new VirtualClock({ autojump: false });
      await vrun(clock, async (loop) => {
        await clock.advance(42);
        assert.equal(loop.time(), 42);
        await clock.advance(0);
        assert.equal(loop.time(), 42);
      });
    });

    it('advance() rejects a negative or NaN amount with RangeError', async () => {
      const clock = new VirtualClock({ autojump: false });
      await assert.rejects(clock.advance(-1), RangeError);
      await assert.rejects(clock.advance(NaN), RangeError);
      assert.equal(clock.now(), 0);
    });

    it('turning autojump on later lets time jump', async () => {
      const clock = new VirtualClock({ autojump: false });
      await vrun(clock, async (loop) => {
        const t = createTask(() => sleep(500));
        await turns(10);
        assert.equal(t.done(), false);
        clock.autojump = true;
        await t;
        assert.equal(loop.time(), 500);
      });
    });

    it('run() ends without waiting for virtual time that never comes', async () => {
      const clock = new VirtualClock({ autojump: false });
      const cleaned: string[] = [];
      await vrun(clock, async () => {
        createTask(async () => {
          try {
            await sleep('1h');
          } finally {
            cleaned.push('sleeper');
          }
        });
        await turns(3);
      });
      assert.deepEqual(cleaned, ['sleeper']);
      assert.equal(clock.now(), 0);
    });
  });

  it('toString shows the time, the mode and the next deadline', async () => {
    const clock = new VirtualClock({ start: 10 });
    assert.equal(String(clock), '<VirtualClock now=10 ms autojump>');
    const manual = new VirtualClock({ autojump: false });
    await vrun(manual, async () => {
      const t = createTask(() => sleep(250));
      await turns(3);
      assert.equal(String(manual), '<VirtualClock now=0 ms next=250>');
      t.cancel();
      await turns(1);
    });
  });
});

describe('waitAllTasksBlocked', () => {
  it('resolves once every other task has run up to the point where it blocks', async () => {
    const clock = new VirtualClock();
    await vrun(clock, async () => {
      const gate = new Future<void>();
      const reached: number[] = [];
      const ts = [3, 10, 25].map((n) =>
        createTask(async () => {
          for (let i = 0; i < n; i++) await sleep(0);
          reached.push(n);
          await gate;
        }),
      );
      await waitAllTasksBlocked();
      assert.deepEqual(
        reached.sort((a, b) => a - b),
        [3, 10, 25],
      );
      assert.ok(ts.every((t) => !t.done()));
      gate.setResult();
      await gather(ts);
    });
  });

  it('the task tree then shows what each task is blocked in', async () => {
    const clock = new VirtualClock({ autojump: false });
    await vrun(clock, async () => {
      const gate = new Future<void>();
      const t = createTask(
        async () => {
          await sleep(0);
          await gate;
        },
        { name: 'blocked-one' },
      );
      await waitAllTasksBlocked();
      assert.match(formatTaskTree(), /blocked-one' running awaiting <Future pending>/);
      gate.setResult();
      await t;
    });
  });

  it('wakes before the virtual clock autojumps, so that tasks are still blocked in their sleeps', async () => {
    const clock = new VirtualClock();
    await vrun(clock, async (loop) => {
      const sleeper = createTask(() => sleep(1000));
      await waitAllTasksBlocked();
      assert.equal(loop.time(), 0, 'time has not jumped yet');
      assert.equal(sleeper.done(), false, 'the sleeper is still blocked in its sleep');
      await sleeper;
      assert.equal(loop.time(), 1000);
    });
  });

  it('works on the real clock too', async () => {
    const loop = await run(async () => {
      const gate = new Future<string>();
      let reached = false;
      const t = createTask(async () => {
        await sleep(0);
        await sleep(0);
        reached = true;
        return await gate;
      });
      await waitAllTasksBlocked();
      assert.equal(reached, true);
      gate.setResult('open');
      assert.equal(await t, 'open');
      return getRunningLoop();
    });
    assert.equal(loop._timerCount(), 0);
  });
});
