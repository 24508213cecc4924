// Tests of src/http/events.ts: what observers of a session see.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTask, getRunningLoop, sleep } from '../../src/index.js';
import {
  ConnectionError,
  SessionEvents,
  type ErrorEvent,
  type RequestEvent,
  type ResponseEvent,
  type RetryEvent,
} from '../../src/http/index.js';
import { checkNoUnhandledRejections, scene } from './helpers.js';

checkNoUnhandledRejections();

describe('session events', () => {
  it('request (per attempt), retry and response, with timings', async () => {
    await scene(
      async ({ server, session }) => {
        const seen: string[] = [];
        const requests: RequestEvent[] = [];
        const responses: ResponseEvent[] = [];
        const retries: RetryEvent[] = [];
        session.events.on('request', (e) => {
          seen.push('request');
          requests.push(e);
        });
        session.events.on('retry', (e) => {
          seen.push('retry');
          retries.push(e);
        });
        session.events.on('response', (e) => {
          seen.push('response');
          responses.push(e);
        });
        const r = await session.get(`${server.url}/flaky/1?status=502&key=e`);
        assert.deepEqual(seen, ['request', 'retry', 'request', 'response']);
        assert.deepEqual(
          requests.map((e) => [e.id, e.attempt, e.method]),
          [
            [1, 1, 'GET'],
            [1, 2, 'GET'],
          ],
        );
        assert.equal(retries[0]!.status, 502);
        assert.equal(retries[0]!.holdOff, false);
        assert.ok(retries[0]!.delay >= 0);
        const res = responses[0]!;
        assert.equal(res.status, 200);
        assert.equal(res.url, `${server.url}/flaky/1?status=502&key=e`);
        assert.equal(res.attempt, 2);
        assert.equal(res.bytes, Number(r.headers['content-length']));
        assert.equal(res.timing, r.timing);
        assert.equal(res.timing.attempts, 2);
      },
      { session: { retry: { delay: 5 } } },
    );
  });

  it('response reports the redirects followed', async () => {
    await scene(async ({ server, session }) => {
      const responses: ResponseEvent[] = [];
      session.events.on('response', (e) => responses.push(e));
      await session.get(`${server.url}/redirect/2`);
      assert.equal(responses.length, 1);
      assert.equal(responses[0]!.redirects, 2);
      assert.equal(responses[0]!.url, `${server.url}/get`);
    });
  });

  it('error reports a failure for good, with the time spent; cancellations are not errors', async () => {
    await scene(
      async ({ server, session }) => {
        const errors: ErrorEvent[] = [];
        session.events.on('error', (e) => errors.push(e));
        await assert.rejects(session.get(`${server.url}/flaky/9?key=x`), ConnectionError);
        assert.equal(errors.length, 1);
        assert.ok(errors[0]!.error instanceof ConnectionError);
        assert.equal(errors[0]!.attempt, 2);
        assert.ok(errors[0]!.elapsed >= 0);
        const t = createTask(() => session.get(`${server.url}/delay/5`));
        await sleep(30);
        t.cancel();
        await t.then(
          () => undefined,
          () => undefined,
        );
        assert.equal(errors.length, 1, 'a cancellation is no error');
        assert.equal(session.statistics().errors, 1);
      },
      { session: { retry: { attempts: 2, delay: 5 } } },
    );
  });

  it('a listener that throws is reported, and the request goes on', async () => {
    await scene(async ({ server, session }) => {
      const reported: unknown[] = [];
      getRunningLoop().setExceptionHandler((ctx) => reported.push(ctx.error));
      session.events.on('response', () => {
        throw new Error('bad listener');
      });
      const r = await session.get(`${server.url}/get`);
      assert.equal(r.status, 200);
      assert.equal(reported.length, 1);
      assert.match(String(reported[0]), /bad listener/);
    });
  });

  it('on() returns the function that removes the listener; off() too', () => {
    const ev = new SessionEvents();
    const f = (): void => undefined;
    const off = ev.on('request', f);
    ev.on('request', f);
    assert.equal(ev.listenerCount('request'), 2);
    off();
    assert.equal(ev.listenerCount('request'), 1);
    ev.off('request', f);
    assert.equal(ev.listenerCount('request'), 0);
    ev.off('request', f); // no effect
    assert.throws(() => ev.on('nope' as 'request', f), TypeError);
    assert.throws(() => ev.on('request', 42 as never), TypeError);
  });
});
