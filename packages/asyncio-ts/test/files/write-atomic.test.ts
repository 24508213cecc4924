// Tests of src/files/write-atomic.ts: writeAtomic.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CancelledError, createTask, run, sleep } from '../../src/index.js';
import { writeAtomic } from '../../src/files/index.js';
import { openFilesIn, withTempDir } from './helpers.js';

describe('writeAtomic', () => {
  it('creates or replaces a file, leaving no temporary file', async () => {
    await withTempDir(async (dir) => {
      const p = join(dir, 'state.json');
      await writeAtomic(p, '{"v":1}');
      assert.equal(await readFile(p, 'utf8'), '{"v":1}');
      await writeAtomic(pathToFileURL(p), new TextEncoder().encode('{"v":2}'));
      assert.equal(await readFile(p, 'utf8'), '{"v":2}');
      await writeAtomic(p, ['a', new Uint8Array([98]), 'c'], { fsync: false });
      assert.equal(await readFile(p, 'utf8'), 'abc');
      assert.deepEqual(await readdir(dir), ['state.json']);
      assert.equal(openFilesIn(dir), 0);
    });
  });

  it('keeps the permissions of the file it replaces', async () => {
    await withTempDir(async (dir) => {
      const p = join(dir, 'secret');
      await writeFile(p, 'old');
      await chmod(p, 0o600);
      await writeAtomic(p, 'new');
      assert.equal((await stat(p)).mode & 0o777, 0o600);
      await writeAtomic(p, 'newer', { mode: 0o640 });
      assert.equal((await stat(p)).mode & 0o777, 0o640);
    });
  });

  it('a failure mid-way leaves the old content intact and removes the temporary file', async () => {
    await withTempDir(async (dir) => {
      const p = join(dir, 'data.csv');
      await writeFile(p, 'old content');
      async function* rows(): AsyncGenerator<string> {
        yield 'new row 1\n';
        yield 'new row 2\n';
        await sleep(0);
        throw new Error('the source broke');
      }
      await assert.rejects(writeAtomic(p, rows()), /the source broke/);
      assert.equal(await readFile(p, 'utf8'), 'old content');
      assert.deepEqual(await readdir(dir), ['data.csv']);
      assert.equal(openFilesIn(dir), 0);
    });
  });

  it('a failing rename leaves the target as it was and removes the temporary file', async () => {
    await withTempDir(async (dir) => {
      const p = join(dir, 'occupied');
      await mkdir(p);
      await writeFile(join(p, 'inside'), 'x');
      await assert.rejects(writeAtomic(p, 'data'), { code: /EISDIR|ENOTEMPTY|EEXIST/ });
      assert.deepEqual(await readdir(dir), ['occupied']);
      assert.deepEqual(await readdir(p), ['inside']);
    });
  });

  it('cancelled during the write: CancelledError, old content intact, temporary file removed', async () => {
    await withTempDir(async (dir) => {
      const p = join(dir, 'report.txt');
      await writeFile(p, 'old report');
      await run(async () => {
        let written = 0;
        const t = createTask(() =>
          writeAtomic(
            p,
            (async function* () {
              for (;;) {
                written++;
                yield 'chunk of the new report\n';
                await sleep(1);
              }
            })(),
          ),
        );
        while (written < 10) await sleep(1);
        assert.equal((await readdir(dir)).length, 2, 'the temporary file exists while writing');
        t.cancel();
        await assert.rejects(async () => {
          await t;
        }, CancelledError);
      });
      assert.equal(await readFile(p, 'utf8'), 'old report');
      assert.deepEqual(await readdir(dir), ['report.txt']);
      assert.equal(openFilesIn(dir), 0);
    });
  });

  it('cancelled while writing a large buffer: the old content stays', async () => {
    await withTempDir(async (dir) => {
      const p = join(dir, 'big.bin');
      await writeFile(p, 'old');
      await run(async () => {
        const t = createTask(() => writeAtomic(p, new Uint8Array(64 * 2 ** 20)));
        await sleep(0);
        t.cancel();
        await assert.rejects(async () => {
          await t;
        }, CancelledError);
      });
      assert.equal(await readFile(p, 'utf8'), 'old');
      assert.deepEqual(await readdir(dir), ['big.bin']);
    });
  });
});
