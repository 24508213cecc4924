/**
 * E2: five requests that each take a second, one after the other (~5 s) and then
 * all at once with `gather` (~1 s).
 *
 * The local test server's `/delay/1` answers after one second. Awaiting five such
 * requests in a row costs five seconds; starting them together costs one, because
 * the time is spent waiting, and waiting overlaps.
 *
 * Run: `npm run build && node examples/dist/e02-sequential-vs-gather.js`
 */
import assert from 'node:assert/strict';
import { gather, getRunningLoop, run } from 'asyncio-ts';
import { ClientSession } from 'asyncio-ts/http';
import { startTestServer } from 'asyncio-ts/testing';

const N = 5;

async function main(): Promise<void> {
  await using server = await startTestServer();
  await using session = new ClientSession({ baseUrl: server.url });
  const loop = getRunningLoop();

  let t0 = loop.time();
  for (let i = 0; i < N; i++) {
    const r = await session.get('/delay/1');
    assert.equal(r.status, 200);
  }
  const sequential = (loop.time() - t0) / 1000;
  console.log(`sequential: ${N} requests in ${sequential.toFixed(2)} s`);

  t0 = loop.time();
  const responses = await gather(Array.from({ length: N }, () => () => session.get('/delay/1')));
  const together = (loop.time() - t0) / 1000;
  console.log(`gather:     ${N} requests in ${together.toFixed(2)} s`);
  console.log(`speed-up:   ${(sequential / together).toFixed(1)}x`);

  assert.ok(responses.every((r) => r.status === 200));
  assert.ok(sequential >= N * 0.99, 'one after the other: about N seconds');
  assert.ok(together < 2.5, 'together: about one second');
}

await run(main);
