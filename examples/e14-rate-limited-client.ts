/**
 * E14: at most 5 requests per second, measured on a local server.
 *
 * A `RateLimiter(5, '1s')` (a sliding window: never more than 5 requests in any
 * second) sits in front of 13 concurrent requests to a small `node:http` server
 * that this example starts on 127.0.0.1 and that records when each request
 * arrives. The requests go out in three waves, at about 0 s, 1 s and 2 s; both the
 * client's send times and the server's arrival times are printed and checked.
 *
 * Run: `npm run build && node examples/dist/e14-rate-limited-client.js`
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RateLimiter, TaskGroup, cancellable, currentTask, getRunningLoop, run } from 'asyncio-ts';

const REQUESTS = 13;
const RATE = 5;
const PERIOD = 1000;

/** The most of `times` (ms) inside any window [t, t + period). */
function maxInWindow(times: number[], period: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= period) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

async function main(): Promise<void> {
  const arrivals: number[] = [];
  const server = createServer((req, res) => {
    arrivals.push(performance.now());
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path: req.url, n: arrivals.length }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  console.log(`server listening on http://127.0.0.1:${port}`);

  // A first request outside the limiter loads the HTTP client (undici), which takes
  // tens of ms once: otherwise the first wave would reach the server late.
  await cancellable(fetch(`http://127.0.0.1:${port}/warm-up`).then((r) => r.text()));
  arrivals.length = 0;

  const loop = getRunningLoop();
  const limiter = new RateLimiter(RATE, PERIOD);
  const sent: number[] = [];
  const t0 = loop.time();
  const p0 = performance.now();
  try {
    await TaskGroup.run((tg) => {
      for (let i = 1; i <= REQUESTS; i++) {
        tg.createTask(
          () =>
            limiter.run(async () => {
              sent.push(loop.time() - t0); // the slot was taken just now
              const res = await cancellable(
                fetch(`http://127.0.0.1:${port}/item/${i}`, { signal: currentTask()?.signal }),
              );
              const body = (await cancellable(res.json())) as { n: number };
              assert.equal(res.status, 200);
              return body;
            }),
          { name: `request-${i}` },
        );
      }
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }

  const at = arrivals.map((t) => t - p0);
  console.log(`sent (client, ms):    ${sent.map((t) => t.toFixed(0)).join(' ')}`);
  console.log(`arrived (server, ms): ${at.map((t) => t.toFixed(0)).join(' ')}`);
  const perSecond = [0, 1, 2].map(
    (s) => at.filter((t) => t >= s * 1000 && t < (s + 1) * 1000).length,
  );
  console.log(`requests per second at the server: ${perSecond.join(', ')}`);
  const elapsed = (loop.time() - t0) / 1000;
  console.log(`${REQUESTS} requests in ${elapsed.toFixed(2)} s: ${String(limiter)}`);

  assert.equal(arrivals.length, REQUESTS);
  // The limiter hands out slots at exact times; the requests then take a few ms to be
  // sent (fetch does some work on the spot) and to arrive, so the times measured
  // here drift by a few ms (more on a busy machine): they are checked with a 200 ms
  // allowance. A broken limiter (13 at once, or 6 in a second) fails them by far.
  const JITTER = 200;
  assert.ok(maxInWindow(sent, PERIOD - JITTER) <= RATE, 'never more than 5 sent in any second');
  assert.ok(maxInWindow(at, PERIOD - JITTER) <= RATE, 'never more than 5 arrived in any second');
  assert.deepEqual(perSecond, [5, 5, 3]);
  assert.ok(elapsed >= 2 && elapsed < 3, `three waves take 2 to 3 s, took ${elapsed} s`);
}

await run(main);
