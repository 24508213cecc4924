// aio fetch, end to end: the real binary against local servers (a generated site,
// and the library's test server for retries and timeouts).
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startTestServer, type TestServer } from 'asyncio-ts/testing';
import { GATHER_MS } from '../src/crawl/engine.js';
import { Site, type SiteServer } from '../src/demo-site/site.js';
import { aio, startAio, tempDir, until } from './run-aio.js';

interface Rec {
  url: string;
  final_url: string | null;
  status: number | null;
  title: string | null;
  content_type: string | null;
  bytes: number | null;
  time_ms: number | null;
  attempts: number;
  error: { code: string; message: string } | null;
}

function jsonl(text: string): Rec[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Rec);
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

const tmp = tempDir();
after(() => tmp.remove());

const site = new Site({ pages: 40, seed: 21 });
let server: SiteServer;
let base: string;
let refused: string;
before(async () => {
  server = await site.serve();
  base = server.url;
  refused = `http://127.0.0.1:${await closedPort()}/`;
});
after(() => server.close());

describe('aio fetch input and records', () => {
  it('reads a file (comments, blanks, a malformed line reported by number) and writes one JSONL record per URL', async () => {
    const input = join(tmp.dir, 'urls.txt');
    writeFileSync(
      input,
      [
        '# a list of URLs',
        `${base}/`,
        '',
        'not a url at all',
        `${base}/docs/s0/page-3.html#fragment`,
        `${base}/go/0`,
        `${base}/missing/nothing.html`,
        refused,
        `${base}/docs/s0/page-3.html`,
      ].join('\n'),
    );
    const r = await aio(['fetch', input, '--retries', '1']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /urls\.txt:4: not an http\(s\) URL, skipped: not a url at all/);
    assert.match(r.stderr, /1 duplicate URLs fetched once/);
    const recs = new Map(
      jsonl(r.stdout).map((x) => [new URL(x.url).pathname + new URL(x.url).port, x]),
    );
    assert.equal(recs.size, 5);
    const home = jsonl(r.stdout).find((x) => x.url === `${base}/`)!;
    assert.equal(home.status, 200);
    assert.equal(home.title, site.titleOf('/'));
    assert.equal(home.content_type, 'text/html');
    assert.ok(
      home.bytes! > 500 && home.time_ms! >= 0 && home.attempts === 1 && home.error === null,
    );
    const page = jsonl(r.stdout).find((x) => x.url === `${base}/docs/s0/page-3.html`)!;
    assert.equal(page.title, site.titleOf('/docs/s0/page-3.html'));
    const redirect = jsonl(r.stdout).find((x) => x.url === `${base}/go/0`)!;
    assert.equal(redirect.status, 200);
    assert.equal(
      new URL(redirect.final_url!).pathname,
      site.expected().find((e) => e.path === '/go/0')!.finalPath,
    );
    const missing = jsonl(r.stdout).find((x) => x.url.endsWith('/missing/nothing.html'))!;
    assert.equal(missing.status, 404);
    const down = jsonl(r.stdout).find((x) => x.url === refused)!;
    assert.equal(down.status, null);
    assert.equal(down.error?.code, 'connection-refused');
    assert.equal(down.attempts, 2);
    assert.match(r.stderr, /errors +connection-refused 1/);
  });

  it('takes URLs on stdin with -', async () => {
    const r = await aio(['fetch', '-', '-q'], { input: `${base}/\n${base}/docs/s0/page-1.html\n` });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      jsonl(r.stdout).map((x) => x.status),
      [200, 200],
    );
  });

  it('sends -X, -H and --user-agent', async () => {
    server.resetStatistics();
    const r = await aio([
      'fetch',
      `${base}/`,
      '-X',
      'HEAD',
      '-H',
      'X-Probe: yes',
      '--user-agent',
      'probe/1',
      '-q',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const [arrival] = server.statistics().arrivals;
    assert.equal(arrival!.method, 'HEAD');
    assert.equal(arrival!.headers['x-probe'], 'yes');
    assert.equal(arrival!.headers['user-agent'], 'probe/1');
    assert.equal(jsonl(r.stdout)[0]!.bytes, 0);
  });
});

describe('retries and timeouts', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startTestServer();
  });
  after(() => ts.close());

  it('retries a 503 (--retries) and records the attempts', async () => {
    const r = await aio(['fetch', `${ts.url}/status/503`, '--retries', '2', '-q']);
    assert.equal(r.status, 0, r.stderr);
    const [rec] = jsonl(r.stdout);
    assert.equal(rec!.status, 503);
    assert.equal(rec!.attempts, 3);
  });

  it('gives up on a slow page after --timeout, with the code timeout', async () => {
    const r = await aio([
      'fetch',
      `${ts.url}/delay/30`,
      '--timeout',
      '300ms',
      '--retries',
      '0',
      '-q',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const [rec] = jsonl(r.stdout);
    assert.equal(rec!.error?.code, 'timeout');
    assert.ok(rec!.time_ms! < 10_000);
  });

  it('--max-body stops a body that is too large', async () => {
    const r = await aio(['fetch', `${ts.url}/bytes/100000`, '--max-body', '10k', '-q']);
    assert.equal(jsonl(r.stdout)[0]!.error?.code, 'body-too-large');
  });
});

describe('--rate is global, --host-rate per host', () => {
  it('holds --rate over two hosts together', async () => {
    const other = await new Site({ pages: 15, seed: 22 }).serve();
    try {
      server.resetStatistics();
      const urls = [
        ...site
          .pagePaths()
          .slice(0, 12)
          .map((p) => base + p),
        ...other.site
          .pagePaths()
          .slice(0, 12)
          .map((p) => other.url + p),
      ];
      const r = await aio(['fetch', '-', '--rate', '8/s', '-q'], { input: urls.join('\n') });
      assert.equal(r.status, 0, r.stderr);
      const times = [...server.statistics().arrivals, ...other.statistics().arrivals]
        .map((a) => a.at)
        .sort((a, b) => a - b);
      assert.equal(times.length, 24);
      // The server sees arrivals, not departures: a request that had to open a
      // connection arrives later than one that did not. Allow 20% of jitter on a busy
      // machine; without the limit, all 24 arrive within a few tens of ms.
      for (let i = 0; i + 8 < times.length; i++) {
        assert.ok(
          times[i + 8]! - times[i]! >= 800,
          `9 requests within ${times[i + 8]! - times[i]!} ms`,
        );
      }
      assert.ok(times.at(-1)! - times[0]! >= 1_900, 'at least two periods for 24 requests at 8/s');
    } finally {
      await other.close();
    }
  });
});

describe('outputs', () => {
  const urls = () =>
    site
      .pagePaths()
      .slice(0, 10)
      .map((p) => base + p);

  it('CSV and SQLite hold the same records as JSONL', async () => {
    const csv = join(tmp.dir, 'out.csv');
    const db = join(tmp.dir, 'out.sqlite');
    const input = urls().join('\n');
    assert.equal((await aio(['fetch', '-', '-o', csv, '-q'], { input })).status, 0);
    assert.equal((await aio(['fetch', '-', '-o', db, '-q'], { input })).status, 0);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    assert.equal(
      lines[0],
      'url,final_url,status,title,content_type,bytes,time_ms,attempts,fetched_at,error_code,error_message',
    );
    assert.equal(lines.length, 11);
    const sqlite = new Database(db, { readonly: true });
    const rows = sqlite.prepare('SELECT url, status, title FROM pages ORDER BY url').all() as {
      url: string;
      status: number;
      title: string;
    }[];
    // A fetch's store has large pages (its commits are large); a crawl's keeps SQLite's.
    assert.equal(sqlite.pragma('page_size', { simple: true }), 16384);
    sqlite.close();
    assert.deepEqual(
      rows.map((r) => r.url),
      [...urls()].sort(),
    );
    for (const row of rows) {
      assert.equal(row.title, site.titleOf(new URL(row.url).pathname));
      assert.ok(lines.some((l) => l.startsWith(`${row.url},`) && l.includes(`,${row.status},`)));
    }
  });

  it('refuses to replace an existing output without --resume or --overwrite, leaving it untouched', async () => {
    const out = join(tmp.dir, 'keep.jsonl');
    writeFileSync(out, '{"url":"http://x/"}\n');
    const r = await aio(['fetch', `${base}/`, '-o', out]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /already exists: add --resume/);
    assert.equal(readFileSync(out, 'utf8'), '{"url":"http://x/"}\n');
    assert.equal((await aio(['fetch', `${base}/`, '-o', out, '--overwrite', '-q'])).status, 0);
    assert.equal(jsonl(readFileSync(out, 'utf8')).length, 1);
  });

  it('--resume fetches only what the output lacks and cuts a torn last line', async () => {
    const out = join(tmp.dir, 'resume.jsonl');
    const all = urls();
    assert.equal(
      (await aio(['fetch', '-', '-o', out, '-q'], { input: all.slice(0, 6).join('\n') })).status,
      0,
    );
    appendFileSync(out, '{"url":"http://torn'); // the process died mid-line
    server.resetStatistics();
    const r = await aio(['fetch', '-', '-o', out, '--resume'], { input: all.join('\n') });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(server.statistics().total, 4);
    const recs = jsonl(readFileSync(out, 'utf8'));
    assert.deepEqual(recs.map((x) => x.url).sort(), [...all].sort());
    assert.match(r.stderr, /\(\+6 stored before\)/);
  });
});

describe('Ctrl-C', () => {
  it('stops taking URLs, keeps every answered one, prints the resume command; that command finishes the list', async () => {
    const slow = await new Site({ pages: 200, seed: 23, latency: [20, 40] }).serve();
    try {
      const input = join(tmp.dir, 'many.txt');
      writeFileSync(
        input,
        slow.site
          .pagePaths()
          .map((p) => slow.url + p)
          .join('\n'),
      );
      const out = join(tmp.dir, 'interrupted.jsonl');
      const run = startAio(['fetch', input, '-o', out, '-c', '4']);
      await until(() => slow.statistics().total >= 30);
      run.child.kill('SIGINT');
      const r = await run.done;
      assert.equal(r.status, 130, r.stderr);
      const resume = /resume with: (.*)$/m.exec(r.stderr)?.[1];
      assert.equal(resume, `aio fetch ${input} -o ${out} -c 4 --resume`);
      const answered = slow.statistics().total;
      assert.equal(jsonl(readFileSync(out, 'utf8')).length, answered);
      assert.ok(answered < 200);
      const again = await aio(['fetch', input, '-o', out, '-c', '4', '--resume', '-q']);
      assert.equal(again.status, 0, again.stderr);
      const urls = jsonl(readFileSync(out, 'utf8')).map((x) => x.url);
      assert.equal(new Set(urls).size, 200);
      assert.equal(urls.length, 200);
      assert.equal(slow.statistics().total, 200);
    } finally {
      await slow.close();
    }
  });
});

describe('kill -9', () => {
  it('loses no result: --resume fetches only what was in flight or in the last commit window', async () => {
    const slow = await new Site({ pages: 200, seed: 29, latency: [20, 40] }).serve();
    try {
      const input = join(tmp.dir, 'killed.txt');
      const urls = slow.site.pagePaths().map((p) => slow.url + p);
      writeFileSync(input, urls.join('\n'));
      const out = join(tmp.dir, 'killed.sqlite');
      const args = ['fetch', input, '-o', out, '-c', '4', '-q'];
      const first = startAio(args);
      await until(() => slow.statistics().total >= 80);
      const killedAt = performance.now();
      first.child.kill('SIGKILL');
      assert.equal((await first.done).signal, 'SIGKILL');
      const before = slow.statistics();
      const kept = new Database(out, { readonly: true })
        .prepare('SELECT count(*) AS n FROM pages')
        .get() as { n: number };
      assert.ok(kept.n > 0 && kept.n < 200, `${kept.n} results kept`);
      const r = await aio([...args, '--resume']);
      assert.equal(r.status, 0, r.stderr);
      const db = new Database(out, { readonly: true });
      const stored = db.prepare('SELECT url, status FROM pages').all() as {
        url: string;
        status: number;
      }[];
      db.close();
      assert.deepEqual(stored.map((x) => x.url).sort(), [...urls].sort());
      assert.ok(stored.every((x) => x.status === 200));
      const again = [...slow.statistics().requests].filter(([, n]) => n > 1);
      assert.ok(again.every(([, n]) => n === 2));
      // What a kill can cost: the 4 requests in flight and the results not yet
      // committed, at most those of the last commit window (GATHER_MS; 500 ms more
      // allowed here for a busy machine).
      const windowMs = GATHER_MS + 500;
      const recent = before.arrivals.filter((a) => a.at >= killedAt - windowMs).length;
      assert.ok(
        again.length <= 4 + recent,
        `${again.length} fetched again; ${recent} arrived in the last ${windowMs} ms`,
      );
    } finally {
      await slow.close();
    }
  });
});

describe('PostgreSQL output', () => {
  const url = process.env['AIO_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `aio_fetch_${process.pid}_${Date.now()}`;
  let reachable = false;
  before(async () => {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
    try {
      await c.connect();
      reachable = true;
    } catch {
      console.log(`# PostgreSQL not reachable at ${url}: PostgreSQL output not tested`);
    } finally {
      await c.end().catch(() => undefined);
    }
  });
  after(async () => {
    if (!reachable) return;
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  });

  it('writes the records into a schema of its own (?schema=), and resumes from it', async (t) => {
    if (!reachable) {
      t.skip('PostgreSQL not reachable');
      return;
    }
    const target = `${url}?schema=${schema}`;
    const all = site
      .pagePaths()
      .slice(0, 8)
      .map((p) => base + p);
    assert.equal(
      (await aio(['fetch', '-', '-o', target, '-q'], { input: all.slice(0, 5).join('\n') })).status,
      0,
    );
    server.resetStatistics();
    const r = await aio(['fetch', '-', '-o', target, '--resume', '-q'], { input: all.join('\n') });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(server.statistics().total, 3);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const { rows } = await c.query<{ url: string; status: number; title: string }>(
        `SELECT url, status, title FROM ${schema}.pages ORDER BY url`,
      );
      assert.deepEqual(
        rows.map((x) => x.url),
        [...all].sort(),
      );
      assert.ok(
        rows.every((x) => x.status === 200 && x.title === site.titleOf(new URL(x.url).pathname)),
      );
    } finally {
      await c.end();
    }
  });
});

describe('bad input', () => {
  const cases: [string, string[], RegExp][] = [
    ['no input', ['fetch'], /fetch: no input/],
    ['a missing file', ['fetch', 'no-such-file.txt'], /no such file: 'no-such-file\.txt'/],
    [
      'an output of unknown format',
      ['fetch', 'http://127.0.0.1:9/', '-o', 'out.txt'],
      /cannot tell the format of 'out\.txt'/,
    ],
    [
      'an unwritable output',
      ['fetch', 'http://127.0.0.1:9/', '-o', '/nonexistent-dir/out.jsonl'],
      /cannot write '\/nonexistent-dir\/out\.jsonl': ENOENT/,
    ],
    [
      '--resume without an output',
      ['fetch', 'http://127.0.0.1:9/', '--resume'],
      /--resume needs an output/,
    ],
    [
      'a bad --timeout',
      ['fetch', 'http://127.0.0.1:9/', '--timeout', 'soon'],
      /--timeout: expected a duration/,
    ],
    [
      'a bad --concurrency',
      ['fetch', 'http://127.0.0.1:9/', '-c', '0'],
      /--concurrency: expected a whole number from 1/,
    ],
    [
      'a bad header',
      ['fetch', 'http://127.0.0.1:9/', '-H', 'nocolon'],
      /--header: expected 'Name: value'/,
    ],
  ];
  for (const [what, args, message] of cases) {
    it(`${what}: one line on stderr, exit 2`, async () => {
      const r = await aio(args, { cwd: tmp.dir });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    });
  }

  it('a file with no valid URL: the lines are reported and the exit code is 2', async () => {
    const input = join(tmp.dir, 'bad.txt');
    writeFileSync(input, 'one\ntwo\n');
    const r = await aio(['fetch', input]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /bad\.txt:1: not an http\(s\) URL/);
    assert.match(r.stderr, /no valid URL in the input/);
  });

  it('bad input with an SQLite output: a new store is removed, an existing one kept as it was', async () => {
    // The store starts opening while the input is read (SQLite's thread is slow to start).
    const input = join(tmp.dir, 'bad-for-sqlite.txt');
    writeFileSync(input, 'not a url\n');
    const fresh = join(tmp.dir, 'fresh.sqlite');
    const r = await aio(['fetch', input, '-o', fresh]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /no valid URL in the input/);
    for (const suffix of ['', '-wal', '-shm', '-journal']) {
      assert.equal(existsSync(fresh + suffix), false, `${fresh}${suffix} was left behind`);
    }
    const kept = join(tmp.dir, 'kept.sqlite');
    const ok = await aio(['fetch', `${server.url}/`, '-o', kept, '--quiet']);
    assert.equal(ok.status, 0, ok.stderr);
    const before = readFileSync(kept);
    const bad = await aio(['fetch', input, '-o', kept, '--resume']);
    assert.equal(bad.status, 2, bad.stderr);
    assert.ok(readFileSync(kept).equals(before), 'the existing store changed');
    assert.equal(existsSync(`${kept}-wal`), false);
  });
});
