// Tests of src/http/timeouts.ts and the exchange's timer: each phase has its own
// limit, runs on the loop's clock, and raises a TimeoutError that names it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError, TimeoutError, createTask, sleep, timeout } from '../../src/index.js';
import { ClientSession, HttpTimeoutError, type Connector } from '../../src/http/index.js';
import { VirtualClock } from '../../src/testing/index.js';
import { checkNoUnhandledRejections, scene } from './helpers.js';

checkNoUnhandledRejections();

function isPhase(phase: string, limit?: number): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof HttpTimeoutError, `expected HttpTimeoutError, got ${String(e)}`);
    assert.ok(e instanceof TimeoutError, 'it is a core TimeoutError');
    assert.equal(e.name, 'TimeoutError');
    assert.equal(e.code, 'ERR_TIMEOUT');
    assert.equal(e.phase, phase);
    if (limit !== undefined) assert.equal(e.timeout, limit);
    assert.match(e.message, new RegExp(`${phase} timeout: `));
    return true;
  };
}

describe('timeouts per phase', () => {
  it('headers: a server that does not answer in time', async () => {
    await scene(async ({ server, session, loop }) => {
      const t0 = loop.time();
      await assert.rejects(
        session.get(`${server.url}/delay/10`, { timeout: { headers: 50 } }),
        isPhase('headers', 50),
      );
      assert.ok(loop.time() - t0 < 5000, 'far sooner than the server would answer');
      await server.waitForInFlight(0, 3000); // the request was aborted on the wire
    });
  });

  it('body: a body that goes silent between chunks', async () => {
    await scene(async ({ server, session }) => {
      const url = `${server.url}/drip?numbytes=5&duration=10`;
      await assert.rejects(session.get(url, { timeout: { body: 100 } }), isPhase('body', 100));
      const r = await session.get(url, { timeout: { body: 100 }, stream: true });
      await assert.rejects(
        async () => {
          for await (const _ of r.body) {
            /* reading */
          }
        },
        isPhase('body', 100),
      );
      await server.waitForInFlight(0, 3000);
    });
  });

  it('body: a slow but steady body is not idle', async () => {
    await scene(async ({ server, session }) => {
      const r = await session.get(`${server.url}/drip?numbytes=4&duration=0.4`, {
        timeout: { body: 2000 },
      });
      assert.equal(await r.text(), '****');
    });
  });

  it('connect: a connection that does not open in time', async () => {
    const hanging: Connector = () => {
      /* never calls back: a SYN into the void */
    };
    await scene(async ({ server }) => {
      const s = new ClientSession({ connect: hanging, timeout: { connect: 50 }, retry: false });
      try {
        await assert.rejects(s.get(`${server.url}/get`), isPhase('connect', 50));
      } finally {
        await s.destroy();
      }
    });
  });

  it('pool: waiting too long for a place under the limits', async () => {
    await scene(
      async ({ server, session }) => {
        const busy = createTask(() => session.get(`${server.url}/delay/10`));
        await sleep(50);
        await assert.rejects(
          session.get(`${server.url}/get`, { timeout: { pool: 50 } }),
          isPhase('pool', 50),
        );
        assert.equal(server.statistics().requests, 1, 'the second request never went out');
        busy.cancel();
        await assert.rejects(async () => {
          await busy;
        }, CancelledError);
      },
      { session: { limits: { connections: 1 } } },
    );
  });

  it('total: a deadline over all attempts, backoff waits included', async () => {
    await scene(async ({ server, session, loop }) => {
      const t0 = loop.time();
      await assert.rejects(
        session.get(`${server.url}/flaky/1000?status=503&key=t`, {
          timeout: { total: 300 },
          retry: { attempts: 1000, delay: 20, jitter: false, maxDelay: 50 },
        }),
        isPhase('total', 300),
      );
      const spent = loop.time() - t0;
      assert.ok(spent >= 290 && spent < 3000, `gave up at the deadline (${spent} ms)`);
      assert.ok(server.hits('/flaky/1000') > 2, 'several attempts were made');
    });
  });

  it('a duration as `timeout` sets the total only', async () => {
    await scene(async ({ server, session }) => {
      await assert.rejects(
        session.get(`${server.url}/delay/10`, { timeout: '100ms' }),
        isPhase('total', 100),
      );
    });
  });

  it('session timeouts apply, and a request overrides them field by field', async () => {
    await scene(
      async ({ server, session }) => {
        await assert.rejects(session.get(`${server.url}/delay/10`), isPhase('headers', 60));
        await assert.rejects(
          session.get(`${server.url}/delay/10`, { timeout: { total: 40 } }),
          isPhase('total', 40),
        );
        const r = await session.get(`${server.url}/delay/0.1`, { timeout: { headers: null } });
        assert.equal(r.status, 200);
      },
      { session: { timeout: { headers: 60 } } },
    );
  });

  it('invalid timeouts are refused', () => {
    assert.throws(() => new ClientSession({ timeout: { conect: 5 } as never }), TypeError);
    assert.throws(() => new ClientSession({ timeout: { headers: -1 } }), RangeError);
    assert.throws(() => new ClientSession({ timeout: 'soon' as never }), TypeError);
  });

  it('run on the loop clock: a 30 s headers timeout passes in no real time on a VirtualClock', async () => {
    const started = performance.now();
    await scene(
      async ({ server, session, loop }) => {
        const t0 = loop.time();
        await assert.rejects(
          session.get(`${server.url}/hang`, { timeout: { headers: 30_000 } }),
          isPhase('headers'),
        );
        assert.ok(loop.time() - t0 >= 30_000, 'the virtual clock moved 30 s');
      },
      { clock: new VirtualClock({ autojumpThreshold: 20 }) },
    );
    assert.ok(performance.now() - started < 5000, 'in little real time');
  });

  it('an enclosing timeout() scope aborts the request and raises its own TimeoutError', async () => {
    await scene(async ({ server, session }) => {
      await assert.rejects(
        timeout(50, () => session.get(`${server.url}/delay/10`)),
        (e: unknown) => e instanceof TimeoutError && !(e instanceof HttpTimeoutError),
      );
      await server.waitForInFlight(0, 3000);
    });
  });
});
