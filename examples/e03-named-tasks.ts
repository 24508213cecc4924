/**
 * E3: two named tasks run at the same time.
 *
 * Two tasks wait 1 s and 2 s. Gathered, they finish after 2 s, not 3 s: they
 * overlapped. Then the same two tasks with `wait()`, which hands back the sets of
 * done and pending tasks instead of results, here with a timeout that only the first
 * one beats; and `waitFor()`, whose timeout cancels what it waits for.
 *
 * Run: `npm run build && node examples/dist/e03-named-tasks.js`
 */
import assert from 'node:assert/strict';
import {
  createTask,
  gather,
  getRunningLoop,
  run,
  sleep,
  TimeoutError,
  wait,
  waitFor,
} from 'asyncio-ts';
import type { Task } from 'asyncio-ts';

/** Waits `delay` ms, prints `what`, returns it. */
async function sayAfter(delay: number, what: string): Promise<string> {
  await sleep(delay);
  console.log(`    (${what} printed by its task)`);
  return what;
}

function startTasks(): [Task<string>, Task<string>] {
  return [
    createTask(() => sayAfter(1000, 'hello'), { name: 'say-hello' }),
    createTask(() => sayAfter(2000, 'world'), { name: 'say-world' }),
  ];
}

function doneFlags(tasks: Task<unknown>[]): string {
  return tasks.map((t) => `${t.name}.done() = ${t.done()}`).join(', ');
}

function names(tasks: Set<Task<unknown>>): string {
  return `[${[...tasks].map((t) => t.name).join(', ')}]`;
}

async function main(): Promise<void> {
  const loop = getRunningLoop();
  const since = (t0: number): number => (loop.time() - t0) / 1000;

  console.log('1. gather(): say-hello waits 1 s, say-world waits 2 s');
  let t0 = loop.time();
  const [hello, world] = startTasks();
  console.log(`  before: ${doneFlags([hello, world])}`);
  const results = await gather([hello, world]);
  const took = since(t0);
  console.log(`  after:  ${doneFlags([hello, world])}`);
  console.log(
    `  results ${JSON.stringify(results)} after ${took.toFixed(1)} s (one after the other: 3.0 s)`,
  );
  assert.deepEqual(results, ['hello', 'world']);
  assert.ok(took >= 1.99 && took < 2.9, `the two tasks did not overlap: ${took} s`);

  console.log('2. wait() with a timeout of 1.2 s: the same two tasks, started anew');
  t0 = loop.time();
  const [hello2, world2] = startTasks();
  const { done, pending } = await wait([hello2, world2], { timeout: '1.2s' });
  console.log(`  after ${since(t0).toFixed(1)} s: done ${names(done)}, pending ${names(pending)}`);
  console.log(`  ${doneFlags([hello2, world2])}: wait() never cancels, say-world still runs`);
  assert.ok(done.has(hello2) && pending.has(world2));
  assert.equal(hello2.result(), 'hello');

  console.log('3. waitFor(say-world, 200 ms): its timeout cancels the task');
  try {
    await waitFor(world2, '200ms');
    assert.fail('waitFor should have timed out');
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    console.log(
      `  ${e.name} after ${since(t0).toFixed(1)} s; say-world.cancelled() = ${world2.cancelled()}`,
    );
  }
  assert.ok(world2.cancelled());
}

await run(main);
