/**
 * E15: a sliding window of 100 calls per 60 s, on the virtual clock.
 *
 * An API allows 100 calls in any 60 s. Callers arrive in bursts (120 at 0 s, 50 at
 * 30 s, 40 at 100 s); each call is a scoped block, `limiter.run(() => call())`,
 * that waits for a slot first. A slot taken at time t is free again at t + 60 s, so
 * the window slides: 100 calls go at 0 s; the 20 left of the first burst and the 50
 * of the second go at 60 s, when the first 100 slots free up; at 100 s only 30
 * slots are free, so 10 callers of the third burst wait until 120 s. On a
 * `VirtualClock` the two minutes of waiting take no real time; the virtual times
 * are printed and the window is checked.
 *
 * Run: `npm run build && node examples/dist/e15-sliding-window.js`
 */
import assert from 'node:assert/strict';
import { RateLimiter, TaskGroup, getRunningLoop, run, sleep } from 'asyncio-ts';
import { VirtualClock } from 'asyncio-ts/testing';

const RATE = 100;
const PERIOD = 60_000;

async function callApi(id: number): Promise<number> {
  await sleep(50); // the call itself takes 50 ms
  return id;
}

async function main(): Promise<void> {
  const loop = getRunningLoop();
  const limiter = new RateLimiter(RATE, '60s');
  const started: number[] = [];
  const bursts: [atSeconds: number, calls: number][] = [
    [0, 120],
    [30, 50],
    [100, 40],
  ];
  const realStart = performance.now();
  let id = 0;
  await TaskGroup.run(async (tg) => {
    for (const [at, calls] of bursts) {
      await sleep(at * 1000 - loop.time());
      console.log(
        `t=${(loop.time() / 1000).toFixed(0)}s: ${calls} callers arrive; ${String(limiter)}`,
      );
      for (let i = 0; i < calls; i++) {
        const n = ++id;
        tg.createTask(() =>
          limiter.run(() => {
            started.push(loop.time());
            return callApi(n);
          }),
        );
      }
    }
  });

  const bySecond = new Map<number, number>();
  for (const t of started) bySecond.set(t / 1000, (bySecond.get(t / 1000) ?? 0) + 1);
  console.log('calls started, by virtual time:');
  for (const [s, n] of bySecond)
    console.log(`  t=${s.toFixed(0).padStart(3)}s  ${String(n).padStart(3)} calls`);
  const realMs = performance.now() - realStart;
  console.log(
    `${started.length} calls over ${(loop.time() / 1000).toFixed(0)} virtual seconds, in ${realMs.toFixed(0)} real ms`,
  );

  let worst = 0;
  for (let i = 0, j = 0; i < started.length; i++) {
    while (started[i]! - started[j]! >= PERIOD) j++;
    worst = Math.max(worst, i - j + 1);
  }
  console.log(`most calls in any 60 s window: ${worst} (limit ${RATE})`);
  assert.equal(worst, RATE);
  assert.equal(started.length, 210);
  assert.deepEqual(
    [...bySecond],
    [
      [0, 100],
      [60, 70],
      [100, 30],
      [120, 10],
    ],
  );
}

await run(main, { clock: new VirtualClock() });
