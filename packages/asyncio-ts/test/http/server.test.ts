// Tests of src/http/server.ts: each request a task with its ContextVar, client
// disconnects cancel the task, graceful stop.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import {
  CancelledError,
  InvalidStateError,
  createTask,
  currentTask,
  getRunningLoop,
  sleep,
} from '../../src/index.js';
import {
  ConnectionError,
  currentRequest,
  serve,
  type RequestContext,
} from '../../src/http/index.js';
import { checkNoUnhandledRejections, scene } from './helpers.js';

checkNoUnhandledRejections();

describe('serve()', () => {
  it('runs each request as a task, with its request in a ContextVar', async () => {
    await scene(async ({ session }) => {
      const seen: RequestContext[] = [];
      const server = await serve(async (_req, res) => {
        assert.ok(currentTask() !== null, 'a task');
        const ctx = currentRequest();
        await sleep(Number(ctx.url.searchParams.get('wait') ?? 0));
        assert.equal(currentRequest(), ctx, 'still its own request after an await');
        seen.push(ctx);
        res.end(`${ctx.id} ${ctx.method} ${ctx.url.pathname}`);
      });
      try {
        const [a, b] = await Promise.all([
          session.get(`${server.url}/a?wait=50`),
          session.post(`${server.url}/b?wait=10`),
        ]);
        assert.match(await a.text(), /^\d GET \/a$/);
        assert.match(await b.text(), /^\d POST \/b$/);
        assert.deepEqual(seen.map((c) => c.url.pathname).sort(), ['/a', '/b']);
        while (server.statistics().inFlight > 0) await sleep(1); // the tasks end just after the response
        assert.equal(server.statistics().handled, 2);
        assert.match(String(server), /^<HttpServer http:\/\/127\.0\.0\.1:\d+ running inFlight=0>$/);
      } finally {
        await server.stop();
      }
      assert.throws(() => currentRequest(), InvalidStateError);
    });
  });

  it('a handler that does not end the response gets it ended; one that throws gets a 500', async () => {
    await scene(async ({ session }) => {
      const reported: unknown[] = [];
      getRunningLoop().setExceptionHandler((c) => reported.push(c.error));
      const server = await serve((req, res) => {
        if (req.url === '/boom') throw new Error('boom');
        res.statusCode = 204;
      });
      try {
        assert.equal((await session.get(`${server.url}/ok`)).status, 204);
        const r = await session.get(`${server.url}/boom`);
        assert.equal(r.status, 500);
        assert.match(String(reported[0]), /boom/);
        assert.equal(server.statistics().failed, 1);
      } finally {
        await server.stop();
      }
    });
  });

  it('a client that disconnects cancels its request task', async () => {
    await scene(async ({ session }) => {
      let outcome = '';
      const server = await serve(async (_req, res) => {
        try {
          await sleep(10_000);
          res.end('late');
        } catch (e) {
          outcome = e instanceof CancelledError ? `cancelled: ${e.message}` : String(e);
          throw e;
        }
      });
      try {
        await assert.rejects(
          session.get(`${server.url}/slow`, { timeout: { headers: 100 }, retry: false }),
        );
        while (server.statistics().inFlight > 0) await sleep(5);
        assert.equal(outcome, 'cancelled: the client disconnected');
        assert.equal(server.statistics().cancelled, 1);
      } finally {
        await server.stop();
      }
    });
  });

  it('stop() lets requests in flight finish within the grace period and refuses new connections', async () => {
    await scene(async ({ session }) => {
      const server = await serve(async (_req, res) => {
        await sleep(150);
        res.end('done');
      });
      const inFlight = createTask(() => session.get(`${server.url}/x`));
      await sleep(50);
      const stopping = createTask(() => server.stop({ gracePeriod: '2s' }));
      await sleep(10);
      const r = await inFlight;
      assert.equal(r.status, 200);
      assert.equal(await r.text(), 'done');
      await stopping;
      assert.equal(server.statistics().handled, 1);
      await assert.rejects(session.get(`${server.url}/x`, { retry: false }), ConnectionError);
    });
  });

  it('stop() cancels requests still running after the grace period', async () => {
    await scene(async ({ session, loop }) => {
      let cancelled = false;
      const server = await serve(async (_req, res) => {
        try {
          await sleep(10_000);
        } catch (e) {
          cancelled = true;
          throw e;
        }
        res.end();
      });
      const inFlight = createTask(() => session.get(`${server.url}/x`, { retry: false }));
      await sleep(50);
      const t0 = loop.time();
      await server.stop({ gracePeriod: 100 });
      const took = loop.time() - t0;
      assert.ok(took >= 90 && took < 3000, `waited the grace period, then cancelled (${took} ms)`);
      assert.equal(cancelled, true);
      const r = await inFlight;
      assert.equal(r.status, 503);
      assert.equal(server.statistics().cancelled, 1);
    });
  });

  it('serve() refuses a port in use', async () => {
    await scene(async () => {
      const a = await serve(() => undefined);
      try {
        await assert.rejects(
          serve(() => undefined, { port: a.port }),
          (e: unknown) => (e as { code?: string }).code === 'EADDRINUSE',
        );
      } finally {
        await a.stop();
      }
      const probe = net.connect(a.port, '127.0.0.1');
      await new Promise<void>((resolve) =>
        probe.on('error', () => resolve()).on('connect', () => resolve()),
      );
      probe.destroy();
    });
  });
});
