/**
 * E4: a bare Future, completed by another task after a delay.
 *
 * A Future is an empty slot for a result that someone else sets later. Here a
 * producer task sets it after 1 s while main awaits it; then a second future is
 * failed with `setException`, and a future cannot be set twice.
 *
 * Run: `npm run build && node examples/dist/e04-future.js`
 */
import assert from 'node:assert/strict';
import { createTask, Future, getRunningLoop, InvalidStateError, run, sleep } from 'asyncio-ts';

async function main(): Promise<void> {
  const loop = getRunningLoop();
  const since = (t0: number): string => `${((loop.time() - t0) / 1000).toFixed(1)} s`;

  console.log('1. a producer task sets the result after 1 s');
  const t0 = loop.time();
  const answer = new Future<number>();
  answer.addDoneCallback((f) => console.log(`  done callback: ${String(f)}`));
  createTask(
    async () => {
      await sleep('1s');
      console.log('  producer: setResult(42)');
      answer.setResult(42);
    },
    { name: 'producer' },
  );
  console.log(`  before: answer.done() = ${answer.done()}`);
  const value = await answer;
  console.log(`  after ${since(t0)}: await answer = ${value}, answer.done() = ${answer.done()}`);
  await sleep(0); // done callbacks run on a later turn of the loop: let it run
  assert.equal(value, 42);
  assert.equal(answer.result(), 42);

  try {
    answer.setResult(43);
    assert.fail('a future cannot be set twice');
  } catch (e) {
    if (!(e instanceof InvalidStateError)) throw e;
    console.log(`  setting it again throws ${e.name}`);
  }

  console.log('2. another task fails a future with setException after 300 ms');
  const t1 = loop.time();
  const page = new Future<string>();
  createTask(
    async () => {
      await sleep('300ms');
      page.setException(new Error('connection refused'));
    },
    { name: 'failing-producer' },
  );
  try {
    await page;
    assert.fail('awaiting a failed future rejects');
  } catch (e) {
    assert.ok(e instanceof Error && e.message === 'connection refused');
    console.log(`  after ${since(t1)}: await page rejected with "${e.message}"`);
  }
  console.log(`  page.exception() = ${String(page.exception())}`);
}

await run(main);
