// The package as users import it: its entry points load the bundled files in
// dist/bundle/ (built by `npm run build`, scripts/bundle.mjs), not the sources these
// other tests compile. Each check runs in a fresh process that imports `asyncio-ts...`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/asyncio-ts/ (this file runs from .test-build/test/). */
const packageRoot = fileURLToPath(new URL('../..', import.meta.url));
const bundle = join(packageRoot, 'dist', 'bundle') + '/';

/**
 * Runs `script` (an ES module) in a fresh Node process, from a file inside the
 * package (so that `asyncio-ts` resolves to it; `-e` would pass `--input-type` on to
 * worker threads); resolves with the JSON of its last line.
 */
function inFreshProcess(script: string): Promise<unknown> {
  const dir = mkdtempSync(join(packageRoot, '.test-build', 'package-'));
  const file = join(dir, 'check.mjs');
  writeFileSync(file, script);
  return new Promise<unknown>((resolve, reject) => {
    execFile(
      process.execPath,
      [file],
      { encoding: 'utf8', timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err !== null) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').at(-1)!));
      },
    );
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}

describe('the built package', () => {
  it('its entry points are the bundled files, and share one copy of the core', async () => {
    assert.ok(existsSync(`${bundle}index.js`), 'dist/bundle/ is missing: run npm run build');
    const r = await inFreshProcess(`
      const core = await import('asyncio-ts');
      const resolved = [
        import.meta.resolve('asyncio-ts'),
        import.meta.resolve('asyncio-ts/http'),
        import.meta.resolve('asyncio-ts/db'),
        import.meta.resolve('asyncio-ts/executor'),
        import.meta.resolve('asyncio-ts/files'),
        import.meta.resolve('asyncio-ts/testing'),
      ].map((u) => u.split('/').slice(-2).join('/'));
      const { ClientSession } = await import('asyncio-ts/http');
      // A session's requests run in tasks of the same core: currentTask() sees them.
      const seen = await core.run(async () => {
        const task = core.currentTask();
        await core.sleep(0);
        return core.currentTask() === task && task instanceof core.Task;
      });
      console.log(JSON.stringify({ resolved, seen, session: typeof ClientSession }));
    `);
    assert.deepEqual(r, {
      resolved: [
        'bundle/index.js',
        'bundle/http.js',
        'bundle/db.js',
        'bundle/executor.js',
        'bundle/files.js',
        'bundle/testing.js',
      ],
      seen: true,
      session: 'function',
    });
  });

  it("starts SQLite's and the executor's worker threads from the bundle", async () => {
    const r = await inFreshProcess(`
      const { run } = await import('asyncio-ts');
      const { connect, sql } = await import('asyncio-ts/db');
      const { toThread } = await import('asyncio-ts/executor');
      const out = await run(async () => {
        const db = await connect('sqlite::memory:');
        let timedOut = false;
        try {
          await db.query(
            sql\`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c\`,
            { timeout: 50 },
          );
        } catch (e) {
          timedOut = e.name === 'TimeoutError';
        }
        // Still the same in-memory database: the statement was interrupted, not the
        // connection thrown away (the interrupt extension was found from the bundle).
        const one = (await db.query(sql\`SELECT 1 AS one\`))[0].one;
        await db.close();
        const sum = await toThread((a, b) => a + b, 2, 3);
        return { timedOut, one, sum };
      });
      console.log(JSON.stringify(out));
    `);
    assert.deepEqual(r, { timedOut: true, one: 1, sum: 5 });
  });
});
