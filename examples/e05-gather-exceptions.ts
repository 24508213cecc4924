/**
 * E5: gather with `returnExceptions`: one task fails, the other's result survives.
 *
 * With `{ returnExceptions: true }` each failure takes its task's place in the
 * results. Without it, the first failure rejects the gather at once, but the other
 * task is not cancelled: it runs on and its result can still be awaited.
 *
 * Run: `npm run build && node examples/dist/e05-gather-exceptions.js`
 */
import assert from 'node:assert/strict';
import { createTask, gather, getRunningLoop, run, sleep } from 'asyncio-ts';

async function fetchPage(url: string, delay: number, fail: boolean): Promise<string> {
  await sleep(delay);
  if (fail) throw new Error(`connection refused: ${url}`);
  return `<html> of ${url}`;
}

async function main(): Promise<void> {
  const loop = getRunningLoop();
  const since = (t0: number): string => `${((loop.time() - t0) / 1000).toFixed(1)} s`;

  console.log(
    '1. gather(..., { returnExceptions: true }): page-a takes 500 ms, page-b fails at 200 ms',
  );
  let t0 = loop.time();
  const results = await gather(
    [
      createTask(() => fetchPage('/a', 500, false), { name: 'page-a' }),
      createTask(() => fetchPage('/b', 200, true), { name: 'page-b' }),
    ],
    { returnExceptions: true },
  );
  console.log(`  after ${since(t0)}:`);
  results.forEach((r, i) => {
    console.log(`  [${i}] ${r instanceof Error ? `error: ${r.message}` : `value: ${r}`}`);
  });
  assert.equal(results[0], '<html> of /a');
  assert.ok(results[1] instanceof Error);

  console.log('2. the same without returnExceptions: the first error rejects the gather');
  t0 = loop.time();
  const a = createTask(() => fetchPage('/a', 500, false), { name: 'page-a' });
  const b = createTask(() => fetchPage('/b', 200, true), { name: 'page-b' });
  try {
    await gather([a, b]);
    assert.fail('gather should have rejected');
  } catch (e) {
    assert.ok(e instanceof Error);
    console.log(`  after ${since(t0)}: gather rejected with "${e.message}"`);
  }
  console.log(`  page-a.done() = ${a.done()}: it was not cancelled and runs on`);
  const survivor = await a;
  console.log(`  after ${since(t0)}: await page-a = "${survivor}"`);
  assert.equal(survivor, '<html> of /a');
}

await run(main);
