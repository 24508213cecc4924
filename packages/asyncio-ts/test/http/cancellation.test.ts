// Cancellation of requests: a cancelled task aborts its request at once, frees
// its connection (counted on the test server) and its place under the limits,
// wherever it is: on the wire, waiting for a place, in a backoff, in a hold-off.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError, TaskGroup, createTask, sleep, type Task } from '../../src/index.js';
import type { Response } from '../../src/http/index.js';
import { checkNoUnhandledRejections, scene } from './helpers.js';

checkNoUnhandledRejections();

async function cancelled(t: Task<unknown>): Promise<void> {
  await assert.rejects(async () => {
    await t;
  }, CancelledError);
}

describe('cancellation', () => {
  it('aborts a request on the wire at once and closes its connection', async () => {
    await scene(async ({ server, session, loop }) => {
      const t = createTask(() => session.get(`${server.url}/delay/10`));
      while (server.statistics().inFlight === 0) await sleep(5);
      assert.equal(server.statistics().openConnections, 1);
      const t0 = loop.time();
      t.cancel();
      await cancelled(t);
      assert.ok(loop.time() - t0 < 1000, 'the rejection comes at once, not after the server');
      assert.equal(session.statistics().active, 0, 'nothing left on the wire');
      assert.equal(session.statistics().limits.inFlight, 0, 'the place was given back');
      await server.waitForConnections(0, 2000);
    });
  });

  it('cancels a request waiting for a place: it never goes out, and no place is lost', async () => {
    await scene(
      async ({ server, session }) => {
        const busy = createTask(() => session.get(`${server.url}/delay/0.3`));
        await sleep(30);
        const waiting = createTask(() => session.get(`${server.url}/get`));
        await sleep(30);
        assert.equal(session.statistics().limits.waiting, 1);
        waiting.cancel();
        await cancelled(waiting);
        assert.equal((await busy).status, 200);
        assert.equal(server.hits('/get'), 0);
        assert.equal(
          (await session.get(`${server.url}/get`)).status,
          200,
          'the place is free again',
        );
      },
      { session: { limits: { connections: 1 } } },
    );
  });

  it('cancels a request in its backoff wait: no further attempt is made', async () => {
    await scene(
      async ({ server, session }) => {
        const t = createTask(() => session.get(`${server.url}/flaky/5?status=503&key=b`));
        while (server.hits('/flaky/5') === 0) await sleep(5);
        await sleep(20);
        t.cancel();
        await cancelled(t);
        await sleep(100);
        assert.equal(server.hits('/flaky/5'), 1);
      },
      { session: { retry: { attempts: 5, delay: 10_000, jitter: false } } },
    );
  });

  it('cancels a request held off by Retry-After', async () => {
    await scene(async ({ server, session }) => {
      const t = createTask(() => session.get(`${server.url}/retry-after/30?key=h`));
      while (server.hits('/retry-after/30') === 0) await sleep(5);
      await sleep(20);
      t.cancel();
      await cancelled(t);
      assert.equal(server.hits('/retry-after/30'), 1);
      assert.equal(session.statistics().limits.waiting, 0);
    });
  });

  it('a task cancelled before it starts sends nothing', async () => {
    await scene(async ({ server, session }) => {
      const t = createTask(() => session.get(`${server.url}/get`));
      t.cancel();
      await cancelled(t);
      assert.equal(server.statistics().requests, 0);
    });
  });

  it('2,000 requests in flight, cancelled at once, free every socket', async () => {
    const N = 2000;
    await scene(
      async ({ server, session, loop }) => {
        const tasks: Task<Response>[] = [];
        let t0 = 0;
        await TaskGroup.run(async (tg) => {
          for (let i = 0; i < N; i++)
            tasks.push(tg.createTask(() => session.get(`${server.url}/delay/30`)));
          while (server.statistics().inFlight < N) await sleep(10);
          t0 = loop.time();
          tg.cancel(); // the group ends without error once every child is done
        });
        const clientSide = loop.time() - t0;
        assert.ok(tasks.every((t) => t.cancelled()));
        assert.equal(session.statistics().active, 0);
        await server.waitForConnections(0, 5000);
        const serverSide = loop.time() - t0;
        console.log(
          `# ${N} requests cancelled: client done in ${clientSide.toFixed(1)} ms, server saw every socket closed in ${serverSide.toFixed(1)} ms`,
        );
      },
      { session: { limits: { connections: null } } },
    );
  });
});
