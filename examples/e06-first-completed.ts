/**
 * E6: wait with FIRST_COMPLETED: the fastest of three, the others still pending.
 *
 * Three mirrors answer after different delays. `wait()` returns as soon as one is
 * done; the other two are still running (the task tree shows what they wait in).
 * Nothing was cancelled by `wait()`: here we cancel the losers ourselves.
 *
 * Run: `npm run build && node examples/dist/e06-first-completed.js`
 */
import assert from 'node:assert/strict';
import { createTask, formatTaskTree, getRunningLoop, run, sleep, wait } from 'asyncio-ts';

async function download(mirror: string, delay: number): Promise<string> {
  await sleep(delay);
  return `file from ${mirror} (${delay} ms)`;
}

async function main(): Promise<void> {
  const loop = getRunningLoop();
  const t0 = loop.time();
  const mirrors: [string, number][] = [
    ['mirror-1', 900],
    ['mirror-2', 300],
    ['mirror-3', 600],
  ];
  const tasks = mirrors.map(([name, delay]) => createTask(() => download(name, delay), { name }));
  console.log(`started ${tasks.map((t) => t.name).join(', ')} (900, 300 and 600 ms)`);

  const { done, pending } = await wait(tasks, { returnWhen: 'FIRST_COMPLETED' });
  const elapsed = ((loop.time() - t0) / 1000).toFixed(1);
  console.log(`after ${elapsed} s: ${done.size} done, ${pending.size} pending`);
  for (const t of done) console.log(`  done:    ${t.name} -> ${t.result()}`);
  for (const t of pending) console.log(`  pending: ${t.name}, done() = ${t.done()}`);
  assert.equal(done.size, 1);
  assert.equal([...done][0]!.name, 'mirror-2');
  assert.equal(pending.size, 2);

  console.log(formatTaskTree().replace(/^/gm, '  '));

  for (const t of pending) t.cancel('another mirror was faster');
  await wait(pending);
  for (const t of pending) console.log(`  ${t.name}.cancelled() = ${t.cancelled()}`);
  assert.ok([...pending].every((t) => t.cancelled()));
}

await run(main);
