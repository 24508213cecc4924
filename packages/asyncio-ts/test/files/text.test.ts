// Tests of src/files/text.ts and append-lines.ts: readText, writeText, appendLines.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CancelledError, createTask, run, sleep } from '../../src/index.js';
import { appendLines, readText, writeText } from '../../src/files/index.js';
import { openFilesIn, withTempDir } from './helpers.js';

describe('readText / writeText', () => {
  it('round-trips text, with an encoding', async () => {
    await withTempDir(async (dir) => {
      const p = join(dir, 't.txt');
      await writeText(p, 'héllo');
      assert.equal(await readText(p), 'héllo');
      await writeText(p, 'abc', { encoding: 'latin1' });
      assert.equal(await readText(p, { encoding: 'latin1' }), 'abc');
      await writeText(p, '+more', { flag: 'a' });
      assert.equal(await readText(p), 'abc+more');
      await assert.rejects(writeText(p, 'x', { flag: 'wx' }), { code: 'EEXIST' });
    });
  });

  it('a task cancelled while reading gets CancelledError at once', async () => {
    await withTempDir(async (dir) => {
      const p = join(dir, 'big.txt');
      await writeFile(p, 'x'.repeat(32 * 2 ** 20));
      await run(async () => {
        const t = createTask(() => readText(p));
        await sleep(0);
        t.cancel();
        await assert.rejects(async () => {
          await t;
        }, CancelledError);
      });
    });
  });
});

describe('appendLines', () => {
  it('appends lines from arrays and async iterables, and counts them', async () => {
    await withTempDir(async (dir) => {
      const p = join(dir, 'log.txt');
      await writeFile(p, 'first\n');
      assert.equal(await appendLines(p, ['a', 'b']), 2);
      async function* more(): AsyncGenerator<string> {
        yield 'c';
        await sleep(1);
        yield 'd';
      }
      assert.equal(await run(() => appendLines(p, more(), { eol: '\r\n' })), 2);
      assert.equal(await readFile(p, 'utf8'), 'first\na\nb\nc\r\nd\r\n');
      await assert.rejects(appendLines(p, [1 as unknown as string]), TypeError);
      assert.equal(openFilesIn(dir), 0);
    });
  });

  it('a cancelled append keeps the lines written so far and closes the file', async () => {
    await withTempDir(async (dir) => {
      const p = join(dir, 'journal.txt');
      await run(async () => {
        let produced = 0;
        const t = createTask(() =>
          appendLines(
            p,
            (async function* () {
              for (;;) {
                produced++;
                yield `entry ${produced} ${'.'.repeat(5000)}`;
                if (produced % 20 === 0) await sleep(1);
              }
            })(),
          ),
        );
        while (produced < 100) await sleep(1);
        t.cancel();
        await assert.rejects(async () => {
          await t;
        }, CancelledError);
      });
      const lines = (await readFile(p, 'utf8')).split('\n').filter(Boolean);
      assert.ok(lines.length > 0);
      assert.ok(
        lines.every((l, i) => l.startsWith(`entry ${i + 1} `)),
        'whole lines, in order',
      );
      assert.equal(openFilesIn(dir), 0);
    });
  });
});
