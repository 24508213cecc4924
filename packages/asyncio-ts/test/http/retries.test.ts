// Tests of src/http/retry-policy.ts: what is retried, for which methods, how
// long the waits are, and the Retry-After cap.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import {
  ClientSession,
  ConnectionError,
  HttpStatusError,
  parseRetryAfter,
  type RetryEvent,
} from '../../src/http/index.js';
import { checkNoUnhandledRejections, isError, scene } from './helpers.js';

checkNoUnhandledRejections();

const FAST = { delay: 5, maxDelay: 20 };

describe('retries', () => {
  it('connection errors are retried for idempotent methods', async () => {
    await scene(
      async ({ server, session }) => {
        const events: RetryEvent[] = [];
        session.events.on('retry', (e) => events.push(e));
        const r = await session.get(`${server.url}/flaky/2?key=conn`);
        assert.equal(r.status, 200);
        assert.equal(r.timing.attempts, 3);
        assert.equal(server.hits('/flaky/2'), 3);
        assert.equal(events.length, 2);
        assert.ok(events[0]!.error instanceof ConnectionError);
        assert.equal(events[0]!.status, null);
        assert.deepEqual(
          events.map((e) => e.attempt),
          [1, 2],
        );
        assert.equal(session.statistics().retries, 2);
      },
      { session: { retry: FAST } },
    );
  });

  it('429, 502, 503 and 504 are retried; other statuses are not', async () => {
    await scene(
      async ({ server, session }) => {
        for (const status of [429, 502, 503, 504]) {
          const r = await session.get(`${server.url}/flaky/1?status=${status}&key=s${status}`);
          assert.equal(r.status, 200, `${status} was retried`);
          assert.equal(r.timing.attempts, 2);
        }
        const r = await session.get(`${server.url}/flaky/1?status=500&key=s500`);
        assert.equal(r.status, 500);
        assert.equal(r.timing.attempts, 1);
      },
      { session: { retry: FAST } },
    );
  });

  it('POST is not retried unless the policy lists it', async () => {
    await scene(
      async ({ server, session }) => {
        await assert.rejects(
          session.post(`${server.url}/flaky/1?key=p1`, { json: 1 }),
          isError(ConnectionError, 'ERR_HTTP_CONNECTION'),
        );
        const r503 = await session.post(`${server.url}/flaky/1?status=503&key=p2`, { json: 1 });
        assert.equal(r503.status, 503);
        assert.equal(r503.timing.attempts, 1);
        const ok = await session.post(`${server.url}/flaky/1?key=p3`, {
          json: 1,
          retry: { ...FAST, methods: ['POST'] },
        });
        assert.equal(ok.status, 200);
        assert.equal(ok.timing.attempts, 2);
      },
      { session: { retry: FAST } },
    );
  });

  it('when the attempts run out, the last response is returned (its body kept)', async () => {
    await scene(
      async ({ server, session }) => {
        const r = await session.get(`${server.url}/flaky/10?status=503&key=x`);
        assert.equal(r.status, 503);
        assert.equal(r.timing.attempts, 3);
        assert.deepEqual(await r.json(), { failed: 3 });
        assert.throws(() => r.raiseForStatus(), HttpStatusError);
        await assert.rejects(session.get(`${server.url}/flaky/10?key=y`), isError(ConnectionError));
        assert.equal(server.hits('/flaky/10'), 6);
      },
      { session: { retry: FAST } },
    );
  });

  it('retry: false and retry: n set the attempts', async () => {
    await scene(
      async ({ server, session }) => {
        await assert.rejects(
          session.get(`${server.url}/flaky/1?key=a`, { retry: false }),
          ConnectionError,
        );
        const r = await session.get(`${server.url}/flaky/4?key=b`, {
          retry: { attempts: 5, ...FAST },
        });
        assert.equal(r.timing.attempts, 5);
      },
      { session: { retry: FAST } },
    );
  });

  it('Retry-After is honoured (at least that long) when hold-offs are off', async () => {
    await scene(
      async ({ server, session, loop }) => {
        const t0 = loop.time();
        const r = await session.get(`${server.url}/retry-after/0.3?key=ra`);
        assert.equal(r.status, 200);
        assert.equal(r.timing.attempts, 2, 'it used an attempt');
        assert.ok(loop.time() - t0 >= 290, `waited the Retry-After (${loop.time() - t0} ms)`);
      },
      { session: { retry: { ...FAST, holdOff: false } } },
    );
  });

  it('a Retry-After date is honoured', async () => {
    await scene(
      async ({ server, session }) => {
        const r = await session.get(`${server.url}/retry-after/1?key=d&date=1&status=503`);
        assert.equal(r.status, 200);
      },
      { session: { retry: { ...FAST, holdOff: false } } },
    );
  });

  it('a Retry-After longer than maxRetryAfter is not waited for: the response is returned', async () => {
    await scene(
      async ({ server, session, loop }) => {
        const t0 = loop.time();
        const r = await session.get(`${server.url}/retry-after/120?key=long`);
        assert.equal(r.status, 429);
        assert.equal(r.header('retry-after'), '120');
        assert.ok(loop.time() - t0 < 5000);
      },
      { session: { retry: { ...FAST, maxRetryAfter: '1s' } } },
    );
  });

  it('a streamed request body is never retried (it cannot be sent twice)', async () => {
    await scene(
      async ({ server, session }) => {
        const r = await session.put(`${server.url}/flaky/1?status=503&key=st`, {
          body: Readable.from([Buffer.from('once')]),
        });
        assert.equal(r.status, 503);
        assert.equal(r.timing.attempts, 1);
      },
      { session: { retry: FAST } },
    );
  });

  it('invalid retry options are refused', () => {
    assert.throws(() => new ClientSession({ retry: 0 }), RangeError);
    assert.throws(() => new ClientSession({ retry: { statuses: [42] } }), RangeError);
    assert.throws(() => new ClientSession({ retry: { maxHoldOffs: -1 } }), RangeError);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds (fractions too) and HTTP dates', () => {
    assert.equal(parseRetryAfter('120'), 120_000);
    assert.equal(parseRetryAfter(' 0.25 '), 250);
    assert.equal(parseRetryAfter(['3', '4']), 3000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT'), 0, 'a date in the past');
    const future = new Date(Date.now() + 10_000).toUTCString();
    const ms = parseRetryAfter(future)!;
    assert.ok(ms > 8000 && ms <= 10_000, String(ms));
    assert.equal(parseRetryAfter('soon'), null);
    assert.equal(parseRetryAfter(undefined), null);
    assert.equal(parseRetryAfter('-5'), null);
  });
});
