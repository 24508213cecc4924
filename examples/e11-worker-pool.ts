/**
 * E11: a worker pool over a bounded queue.
 *
 * One producer puts 1,000 jobs into a `Queue` of at most 100 items (so it waits
 * whenever the workers fall behind), five workers take jobs from it, and
 * `queue.join()` returns once every job was marked done. Then the workers, blocked
 * in `get()` on the empty queue, are cancelled: a cancelled `get()` takes nothing,
 * so the shutdown loses no job and processes none twice.
 *
 * Run: `npm run build && node examples/dist/e11-worker-pool.js`
 */
import assert from 'node:assert/strict';
import {
  Queue,
  createTask,
  gather,
  getRunningLoop,
  isCancelled,
  run,
  sleep,
  type Task,
} from 'asyncio-ts';

const JOBS = 1000;
const WORKERS = 5;

async function main(): Promise<void> {
  const loop = getRunningLoop();
  const t0 = loop.time();
  const queue = new Queue<number>({ maxsize: 100 });
  const processed = new Map<number, string>();
  const perWorker = new Map<string, number>();
  let producerWaits = 0;

  const workers: Task<void>[] = [];
  for (let w = 1; w <= WORKERS; w++) {
    const name = `worker-${w}`;
    workers.push(
      createTask(
        async () => {
          for (;;) {
            const job = await queue.get(); // cancelled here at the end
            try {
              if (job % 50 === 0) await sleep(1); // some jobs take a while
              assert.ok(!processed.has(job), `job ${job} processed twice`);
              processed.set(job, name);
              perWorker.set(name, (perWorker.get(name) ?? 0) + 1);
            } finally {
              queue.taskDone();
            }
          }
        },
        { name },
      ),
    );
  }

  for (let job = 0; job < JOBS; job++) {
    if (queue.full()) producerWaits++;
    await queue.put(job); // waits while 100 jobs are queued
  }
  console.log(`queued ${JOBS} jobs (the producer waited for room ${producerWaits} times)`);
  console.log(`  ${String(queue)}`);

  await queue.join();
  const ms = (loop.time() - t0).toFixed(0);
  console.log(`all ${processed.size} jobs processed in ${ms} ms: ${String(queue)}`);
  for (const [name, n] of perWorker) console.log(`  ${name}: ${n} jobs`);

  for (const w of workers) w.cancel('the work is done');
  const outcomes = await gather(workers, { returnExceptions: true });
  assert.ok(
    outcomes.every((o) => isCancelled(o)),
    'every worker ended by cancellation',
  );
  console.log(`workers cancelled cleanly: ${workers.map((w) => w.cancelled()).join(', ')}`);

  assert.equal(processed.size, JOBS, 'every job processed exactly once');
  assert.deepEqual(queue.statistics(), {
    size: 0,
    maxsize: 100,
    getters: 0,
    putters: 0,
    unfinished: 0,
    shutdown: false,
  });
  assert.ok(producerWaits > 0, 'the bound was reached');
}

await run(main);
