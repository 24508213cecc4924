// aio demo (what npm start runs), end to end on a small site: both crawls, the
// comparison, the store and the report it names.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { aio, tempDir } from './run-aio.js';

const tmp = tempDir();
after(() => tmp.remove());

describe('aio demo', () => {
  it('crawls a sample one at a time, then the whole site, and prints both times, the speed-up and where the results are', async () => {
    const dir = join(tmp.dir, 'demo');
    const r = await aio(['demo', '--pages', '60', '--sample', '5', '-c', '8', '--dir', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /1\. Sequential: the first 5 pages, one request at a time/);
    assert.match(r.stdout, /sequential \(estimated\) +\S+ +for \d+ URLs/);
    assert.match(r.stdout, /concurrent \(measured\) +\S+ +for \d+ URLs/);
    assert.match(r.stdout, /speed-up +\d+\.\dx/);
    assert.match(r.stdout, /report +\S*report\.html +-> open file:\/\//);
    const store = new Database(join(dir, 'crawl.sqlite'), { readonly: true });
    const n = (store.prepare('SELECT count(*) AS n FROM pages').get() as { n: number }).n;
    store.close();
    assert.ok(n > 60, `${n} URLs stored`);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    assert.match(html, /<svg/);
    assert.ok(existsSync(join(dir, 'sequential.sqlite')));
  });

  it('bad options: one line, exit 2', async () => {
    const r = await aio(['demo', '--pages', 'many']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /demo: --pages: expected a whole number/);
  });
});
