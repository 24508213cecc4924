// E16: debug mode names a task that forgot to await and a task that blocked the
// loop with a synchronous sleep.
import { createTask, getRunningLoop, run, sleep } from 'asyncio-ts';

function blockSynchronously(ms: number): void {
  // A real synchronous sleep: nothing else can run on this thread meanwhile.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const reports: string[] = [];
await run(
  async () => {
    // Collect what debug mode reports instead of printing it to stderr.
    getRunningLoop().setExceptionHandler((ctx) => reports.push(ctx.message));

    const forgetful = createTask(
      async () => {
        // Bug: this sleep is started but never awaited.
        void sleep(50);
        await sleep(100);
      },
      { name: 'forgetful' },
    );
    const blocker = createTask(
      async () => {
        await sleep(10);
        blockSynchronously(250); // stalls every other task for 250 ms
      },
      { name: 'blocker' },
    );
    await forgetful;
    await blocker;
  },
  { debug: true },
);

console.log('debug mode reported:');
for (const r of reports) console.log(`- ${r}`);
const namedForgetful = reports.some(
  (r) => r.includes("'forgetful'") && r.includes('never awaited'),
);
const namedBlocker = reports.some((r) => r.includes("'blocker'") && r.includes('blocked'));
if (!namedForgetful || !namedBlocker) {
  console.error('expected both tasks to be named in the reports');
  process.exit(1);
}
