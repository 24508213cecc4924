// Tests of src/http/limits.ts: caps on requests in flight (in all, per host),
// rates (in all, per host), and hold-offs of one host after a 429/503 with
// Retry-After.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTask, gather } from '../../src/index.js';
import { ClientSession, type RetryEvent } from '../../src/http/index.js';
import { startTestServer } from '../../src/testing/index.js';
import { checkNoUnhandledRejections, scene } from './helpers.js';

checkNoUnhandledRejections();

describe('limits', () => {
  it('connections caps the requests in flight over all hosts (and so the busy connections)', async () => {
    await scene(
      async ({ server, session }) => {
        const rs = await gather(
          Array.from({ length: 10 }, () => () => session.get(`${server.url}/delay/0.1`)),
        );
        assert.ok(rs.every((r) => r.status === 200));
        const st = server.statistics();
        assert.equal(st.maxConcurrent, 3);
        assert.ok(st.maxOpenConnections <= 3, `at most 3 connections (${st.maxOpenConnections})`);
        assert.equal(session.statistics().limits.inFlight, 0, 'every place was given back');
      },
      { session: { limits: { connections: 3 } } },
    );
  });

  it('connectionsPerHost caps each host on its own', async () => {
    await using b = await startTestServer();
    await scene(
      async ({ server: a, session }) => {
        await gather([
          ...Array.from({ length: 6 }, () => () => session.get(`${a.url}/delay/0.1`)),
          ...Array.from({ length: 6 }, () => () => session.get(`${b.url}/delay/0.1`)),
        ]);
        assert.equal(a.statistics().maxConcurrent, 2);
        assert.equal(b.statistics().maxConcurrent, 2);
      },
      { session: { limits: { connectionsPerHost: 2 } } },
    );
  });

  it('ratePerHost spaces the requests to a host and leaves other hosts alone', async () => {
    await using b = await startTestServer();
    await scene(
      async ({ server: a, session, loop }) => {
        const t0 = loop.time();
        let bDone = 0;
        const toB = createTask(async () => {
          await gather([() => session.get(`${b.url}/get`), () => session.get(`${b.url}/get`)]);
          bDone = loop.time() - t0;
        });
        await gather(Array.from({ length: 6 }, () => () => session.get(`${a.url}/get`)));
        const aDone = loop.time() - t0;
        await toB;
        assert.ok(aDone >= 990, `6 requests at 2 per 500 ms take 1 s (${aDone})`);
        assert.ok(bDone < 490, `the other host was not slowed (${bDone})`);
      },
      { session: { limits: { ratePerHost: { rate: 2, period: 500 } } } },
    );
  });

  it('rate spaces the requests over all hosts', async () => {
    await using b = await startTestServer();
    await scene(
      async ({ server: a, session, loop }) => {
        const t0 = loop.time();
        await gather(
          Array.from(
            { length: 6 },
            (_, i) => () => session.get(`${(i % 2 === 0 ? a : b).url}/get`),
          ),
        );
        assert.ok(
          loop.time() - t0 >= 290,
          `6 requests at 3 per 300 ms take 300 ms (${loop.time() - t0})`,
        );
      },
      { session: { limits: { rate: { rate: 3, period: 300 } } } },
    );
  });

  it('a 429 with Retry-After holds that host only, without using up the attempts', async () => {
    await using b = await startTestServer();
    await scene(
      async ({ server: a, session, loop }) => {
        const events: RetryEvent[] = [];
        session.events.on('retry', (e) => events.push(e));
        const t0 = loop.time();
        const first = createTask(() => session.get(`${a.url}/retry-after/1?key=h`));
        // Wait for the 429 to arrive, then ask both hosts.
        while (events.length === 0) await new Promise((r) => setImmediate(r));
        const tHeld = loop.time();
        const second = createTask(() => session.get(`${a.url}/get`));
        const other = await session.get(`${b.url}/get`);
        assert.ok(loop.time() - tHeld < 700, 'the other host answers at once');
        assert.equal(other.status, 200);
        const r = await first;
        assert.equal(r.status, 200, 'the held request succeeded');
        assert.equal(r.timing.attempts, 1, 'the hold-off used no attempt');
        assert.ok(loop.time() - t0 >= 990, `it waited the Retry-After (${loop.time() - t0})`);
        const r2 = await second;
        assert.equal(r2.status, 200);
        assert.ok(loop.time() - tHeld >= 700, 'the host was held for the others too');
        assert.equal(events.length, 1);
        assert.equal(events[0]!.holdOff, true);
        assert.equal(events[0]!.status, 429);
        assert.equal(events[0]!.delay, 1000);
      },
      { session: { retry: false } },
    );
  });

  it('a 503 with Retry-After holds too; past maxHoldOffs the answer is returned', async () => {
    await scene(
      async ({ server, session }) => {
        const r = await session.get(`${server.url}/retry-after/0.05?status=503&key=s`);
        assert.equal(r.status, 200);
        const many = await session.get(`${server.url}/retry-after/0.05?status=429&times=5&key=m`, {
          retry: { attempts: 1, maxHoldOffs: 2 },
        });
        assert.equal(many.status, 429);
        assert.equal(server.hits('/retry-after/0.05'), 2 + 3);
      },
      { session: { retry: false } },
    );
  });

  it('invalid limits are refused', () => {
    assert.throws(() => new ClientSession({ limits: { connections: 0 } }), RangeError);
    assert.throws(() => new ClientSession({ limits: { connectionsPerHost: 1.5 } }), RangeError);
    assert.throws(
      () => new ClientSession({ limits: { ratePerHost: { rate: 0, period: '1s' } } }),
      RangeError,
    );
  });
});
