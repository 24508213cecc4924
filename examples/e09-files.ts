/**
 * E9: three files written concurrently, then read back concurrently.
 *
 * In a temporary directory, three tasks write at the same time (`gather`): `writeAtomic`
 * (all or nothing), `writeText`, and `appendLines` from an async generator. Then
 * three tasks of a `TaskGroup` read them back at the same time, with `readLines` (line by line) and
 * `readText`. The directory is removed at the end.
 *
 * Run: `npm run build && node examples/dist/e09-files.js`
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskGroup, gather, getRunningLoop, run, sleep } from 'asyncio-ts';
import { appendLines, readLines, readText, writeAtomic, writeText } from 'asyncio-ts/files';

async function* events(n: number): AsyncGenerator<string> {
  for (let i = 1; i <= n; i++) {
    if (i % 100 === 0) await sleep(1); // as if they arrived over time
    yield JSON.stringify({ event: i, kind: i % 3 === 0 ? 'error' : 'info' });
  }
}

async function countLines(path: string): Promise<{ lines: number; errors: number }> {
  let lines = 0;
  let errors = 0;
  for await (const line of readLines(path)) {
    lines++;
    if ((JSON.parse(line) as { kind: string }).kind === 'error') errors++;
  }
  return { lines, errors };
}

async function main(): Promise<void> {
  const loop = getRunningLoop();
  const dir = await mkdtemp(join(tmpdir(), 'e09-'));
  try {
    const state = join(dir, 'state.json');
    const report = join(dir, 'report.txt');
    const log = join(dir, 'events.jsonl');

    console.log('1. three writers at once');
    let t0 = loop.time();
    await gather([
      () => writeAtomic(state, JSON.stringify({ version: 3, ok: true })),
      () => writeText(report, ['# Report', '', 'all good'].join('\r\n') + '\r\n'),
      () => appendLines(log, events(1000)),
    ]);
    console.log(
      `  written in ${Math.round(loop.time() - t0)} ms: ${(await readdir(dir)).sort().join(', ')}`,
    );

    console.log('2. three readers at once');
    t0 = loop.time();
    const results = await TaskGroup.run(async (tg) => {
      const s = tg.createTask(() => readText(state));
      const r = tg.createTask(async () => {
        const lines: string[] = [];
        for await (const line of readLines(report)) lines.push(line);
        return lines;
      });
      const l = tg.createTask(() => countLines(log));
      return { state: JSON.parse(await s) as unknown, report: await r, log: await l };
    });
    console.log(`  read in ${Math.round(loop.time() - t0)} ms`);
    console.log(`  state.json  -> ${JSON.stringify(results.state)}`);
    console.log(`  report.txt  -> ${JSON.stringify(results.report)} (CRLF removed)`);
    console.log(`  events.jsonl -> ${results.log.lines} lines, ${results.log.errors} errors`);

    assert.deepEqual(results.state, { version: 3, ok: true });
    assert.deepEqual(results.report, ['# Report', '', 'all good']);
    assert.deepEqual(results.log, { lines: 1000, errors: 333 });
    assert.deepEqual((await readdir(dir)).sort(), ['events.jsonl', 'report.txt', 'state.json']);
  } finally {
    await rm(dir, { recursive: true, force: true });
    console.log('3. temporary directory removed');
  }
}

await run(main);
