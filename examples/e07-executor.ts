/**
 * E7: blocking work off the loop, in the default executor and in a pool of 10,
 * while a ticker task keeps ticking.
 *
 * A ticker task sleeps 10 ms in a loop and records the largest gap between two
 * ticks. First the CPU-bound function runs on the loop itself, to show what a
 * stalled loop looks like; then in the loop's default executor
 * (`runInExecutor(null, ...)` and `toThread`); then ten times at once in a
 * `WorkerPool` of 10 threads. Off the loop, the ticker never stalls.
 *
 * Run: `npm run build && node examples/dist/e07-executor.js`
 */
import assert from 'node:assert/strict';
import { createTask, gather, getRunningLoop, run, sleep } from 'asyncio-ts';
import { WorkerPool, toThread, workerModule } from 'asyncio-ts/executor';
import { countPrimes } from './primes.js';

const LIMIT = 1_000_000;
const PRIMES_BELOW_LIMIT = 78_498;
/** Smaller jobs for the pool: ten of them share the cores. */
const POOL_LIMIT = 500_000;
const PRIMES_BELOW_POOL_LIMIT = 41_538;
const primes = workerModule<typeof import('./primes.js')>(new URL('./primes.js', import.meta.url));

/** A self-contained copy for the default executor (sent as source text: no closures). */
function countPrimesInline(limit: number): number {
  let count = 0;
  for (let n = 2; n < limit; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

class Ticker {
  ticks = 0;
  maxGap = 0;
  #last = 0;
  /** Starts counting afresh. */
  reset(): void {
    this.ticks = 0;
    this.maxGap = 0;
    this.#last = getRunningLoop().time();
  }
  async run(): Promise<never> {
    const loop = getRunningLoop();
    this.#last = loop.time();
    for (;;) {
      await sleep(10);
      const now = loop.time();
      this.maxGap = Math.max(this.maxGap, now - this.#last);
      this.#last = now;
      this.ticks++;
    }
  }
  report(what: string, ms: number): string {
    return `${what}: ${Math.round(ms)} ms, ${this.ticks} ticks, largest gap ${Math.round(this.maxGap)} ms`;
  }
}

async function main(): Promise<void> {
  const loop = getRunningLoop();
  const ticker = new Ticker();
  const tick = createTask(() => ticker.run(), { name: 'ticker' });
  await sleep(20);

  console.log('1. on the loop itself (what blocking looks like)');
  ticker.reset();
  let t0 = loop.time();
  assert.equal(countPrimes(LIMIT), PRIMES_BELOW_LIMIT);
  await sleep(15); // let the ticker notice
  const blockedGap = ticker.maxGap;
  console.log(`  ${ticker.report('inline', loop.time() - t0)}`);

  console.log('2. in the default executor: runInExecutor(null, ...) and toThread');
  ticker.reset();
  t0 = loop.time();
  const [a, b] = await gather([
    loop.runInExecutor(null, countPrimesInline, LIMIT),
    toThread(countPrimesInline, LIMIT),
  ]);
  assert.deepEqual([a, b], [PRIMES_BELOW_LIMIT, PRIMES_BELOW_LIMIT]);
  console.log(`  ${ticker.report('default executor, 2 jobs', loop.time() - t0)}`);
  const defaultGap = ticker.maxGap;
  const defaultRate = (ticker.ticks * 1000) / (loop.time() - t0);

  console.log('3. ten jobs at once in a WorkerPool of 10 threads');
  const pool = new WorkerPool({ name: 'primes', maxWorkers: 10 });
  let poolRate = 0;
  try {
    ticker.reset();
    t0 = loop.time();
    const counts = await gather(
      Array.from({ length: 10 }, () => () => pool.run(primes, 'countPrimes', POOL_LIMIT)),
    );
    assert.ok(counts.every((c) => c === PRIMES_BELOW_POOL_LIMIT));
    console.log(`  ${ticker.report('pool of 10, 10 jobs', loop.time() - t0)}`);
    poolRate = (ticker.ticks * 1000) / (loop.time() - t0);
    console.log(`  ${String(pool)}`);
  } finally {
    await pool.shutdown();
  }
  const poolGap = ticker.maxGap;
  tick.cancel();

  // Ten threads share few cores (2 on CI), so the ticker can be late now and then;
  // what proves the loop was free is that it went on ticking all along (ideally 100
  // ticks a second), where the inline run allowed none until it ended.
  for (const [what, rate] of [
    ['default executor', defaultRate],
    ['pool of 10', poolRate],
  ] as const) {
    assert.ok(rate > 20, `${what}: only ${rate.toFixed(0)} ticks/s`);
  }
  console.log(
    `the loop was never stalled: ${defaultRate.toFixed(0)} and ${poolRate.toFixed(0)} ticks/s ` +
      `(largest gaps ${Math.round(defaultGap)} and ${Math.round(poolGap)} ms), ` +
      `against a single ${Math.round(blockedGap)} ms gap inline`,
  );
}

await run(main);
