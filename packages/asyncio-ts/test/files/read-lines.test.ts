// Tests of src/files/read-lines.ts: readLines.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CancelledError, LimitOverrunError, createTask, run, sleep } from '../../src/index.js';
import { appendLines, readLines } from '../../src/files/index.js';
import { openFilesIn, withTempDir } from './helpers.js';

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of it) out.push(l);
  return out;
}

describe('readLines', () => {
  it('yields lines without their endings, LF or CRLF, keeping empty lines and a last line without newline', async () => {
    await withTempDir(async (dir) => {
      const p = join(dir, 'mixed.txt');
      await writeFile(p, 'one\r\ntwo\n\nthree\r\n\r\nlast');
      assert.deepEqual(await collect(readLines(p)), ['one', 'two', '', 'three', '', 'last']);
      await writeFile(p, 'a\nb\n');
      assert.deepEqual(await collect(readLines(p)), ['a', 'b']);
      await writeFile(p, '');
      assert.deepEqual(await collect(readLines(p)), []);
    });
  });

  it('handles CRLF and multi-byte characters split across chunk boundaries', async () => {
    await withTempDir(async (dir) => {
      const p = join(dir, 'utf8.txt');
      const lines = ['héllo wörld', 'ünïcødé ✓ 日本語', '', 'emoji 🎉🎉', 'end'];
      await writeFile(p, lines.join('\r\n') + '\r\n');
      for (const chunkSize of [1, 2, 3, 5, 7, 64]) {
        assert.deepEqual(
          await collect(readLines(p, { chunkSize })),
          lines,
          `chunkSize ${chunkSize}`,
        );
      }
    });
  });

  it('throws LimitOverrunError for a line longer than maxLineLength, and closes the file', async () => {
    await withTempDir(async (dir) => {
      const p = join(dir, 'long.txt');
      await writeFile(p, 'short\n' + 'x'.repeat(10_000));
      const seen: string[] = [];
      await assert.rejects(async () => {
        for await (const l of readLines(p, { maxLineLength: 1000, chunkSize: 256 })) seen.push(l);
      }, LimitOverrunError);
      assert.deepEqual(seen, ['short']);
      assert.equal(openFilesIn(dir), 0);
    });
  });

  it('reads a file of tens of MB line by line with bounded memory', async () => {
    await withTempDir(async (dir) => {
      const p = join(dir, 'big.txt');
      const N = 400_000;
      const row = (i: number): string => `${String(i).padStart(8, '0')} ${'x'.repeat(90)}`;
      await appendLines(
        p,
        (function* () {
          for (let i = 0; i < N; i++) yield row(i);
        })(),
      );
      const fileMB = (N * 100) / 2 ** 20;
      assert.ok(fileMB > 35, `the file is ${fileMB.toFixed(0)} MB`);
      global.gc?.();
      const base = process.memoryUsage().heapUsed;
      let peak = 0;
      let n = 0;
      let bytes = 0;
      for await (const line of readLines(p)) {
        if (n % 7919 === 0) assert.equal(line, row(n));
        n++;
        bytes += line.length + 1;
        if ((n & 0x3fff) === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - base);
      }
      assert.equal(n, N);
      assert.equal(bytes, N * 100);
      // Holding the lines would take about 76 MB of heap (UTF-16); garbage awaiting a
      // young-generation scavenge stays far below that.
      assert.ok(peak < 32 * 2 ** 20, `heap grew by ${(peak / 2 ** 20).toFixed(1)} MB`);
      assert.equal(openFilesIn(dir), 0);
    });
  });

  it('closes its file handle when the loop breaks early', async () => {
    await withTempDir(async (dir) => {
      const p = join(dir, 'f.txt');
      await writeFile(p, 'a\nb\nc\n');
      for await (const l of readLines(p)) {
        assert.equal(l, 'a');
        assert.equal(openFilesIn(dir), 1);
        break;
      }
      assert.equal(openFilesIn(dir), 0);
    });
  });

  it('a cancelled reader gets CancelledError and its file handle is closed', async () => {
    await withTempDir(async (dir) => {
      const p = join(dir, 'slow.txt');
      await writeFile(p, 'line\n'.repeat(1000));
      await run(async () => {
        let read = 0;
        const t = createTask(async () => {
          for await (const _ of readLines(p, { chunkSize: 16 })) {
            read++;
            await sleep(1);
          }
        });
        while (read < 5) await sleep(1);
        assert.equal(openFilesIn(dir), 1);
        t.cancel();
        await assert.rejects(async () => {
          await t;
        }, CancelledError);
        assert.ok(read < 1000);
        assert.equal(openFilesIn(dir), 0, 'the handle was closed');
      });
    });
  });

  it('a missing file rejects with ENOENT on the first next()', async () => {
    await assert.rejects(collect(readLines('/nonexistent/asyncio-ts/x.txt')), { code: 'ENOENT' });
  });
});
