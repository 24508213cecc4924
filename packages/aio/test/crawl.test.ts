// aio crawl, end to end: the real binary against a generated site served here. The
// site knows which URLs a correct crawl stores (site.expected()) and counts what it
// is asked for: requests per path, the most in flight, when each arrived.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Site, type SiteServer } from '../src/demo-site/site.js';
import { aio, startAio, tempDir, until } from './run-aio.js';

interface Row {
  url: string;
  final_url: string | null;
  status: number | null;
  title: string | null;
  depth: number;
  referrer: string | null;
  error_code: string | null;
}

function readStore(path: string): { pages: Row[]; links: string[]; todo: number } {
  const db = new Database(path, { readonly: true });
  try {
    const pages = db
      .prepare('SELECT url, final_url, status, title, depth, referrer, error_code FROM pages')
      .all() as Row[];
    const links = (
      db.prepare('SELECT from_url, to_url FROM links').all() as {
        from_url: string;
        to_url: string;
      }[]
    ).map((l) => `${pathOf(l.from_url)} -> ${pathOf(l.to_url)}`);
    const todo = (
      db.prepare('SELECT count(*) AS n FROM frontier WHERE state = 0').get() as { n: number }
    ).n;
    return { pages, links, todo };
  } finally {
    db.close();
  }
}

/** The links a correct crawl of `site` stores, as sorted `from -> to` paths. */
function expectedLinks(site: Site): string[] {
  return site
    .expectedLinks()
    .map(([from, to]) => `${from} -> ${to}`)
    .sort();
}

function pathOf(url: string): string {
  return new URL(url).pathname;
}

/** How often a correct crawl asks for each path: once, plus once per redirect to it. */
function askedFor(site: Site): Map<string, number> {
  const n = new Map<string, number>();
  for (const e of site.expected()) {
    n.set(e.path, (n.get(e.path) ?? 0) + 1);
    if (e.finalPath !== e.path) n.set(e.finalPath, (n.get(e.finalPath) ?? 0) + 1);
  }
  return n;
}

const tmp = tempDir();
after(() => tmp.remove());

describe('aio crawl of a generated site', () => {
  const site = new Site({ pages: 150, seed: 3, latency: [0, 4] });
  let server: SiteServer;
  before(async () => {
    server = await site.serve();
  });
  after(() => server.close());

  it('stores every URL of the site once, with the right status, title and depth, and obeys robots.txt', async () => {
    const store = join(tmp.dir, 'full.sqlite');
    const r = await aio(['crawl', `${server.url}/`, '-o', store, '-c', '8']);
    assert.equal(r.status, 0, r.stderr);
    const { pages, links, todo } = readStore(store);
    const db = new Database(store, { readonly: true });
    // A crawl commits small transactions: its store keeps SQLite's page size.
    assert.equal(db.pragma('page_size', { simple: true }), 4096);
    db.close();
    const expected = site.expected();
    assert.deepEqual(pages.map((p) => pathOf(p.url)).sort(), expected.map((e) => e.path).sort());
    const byPath = new Map(pages.map((p) => [pathOf(p.url), p]));
    for (const e of expected) {
      const row = byPath.get(e.path)!;
      assert.equal(row.status, e.status, e.path);
      assert.equal(row.title, e.status === 200 ? e.title : row.title, e.path);
      assert.equal(pathOf(row.final_url!), e.finalPath, e.path);
      assert.ok(row.depth >= e.depth, `${e.path}: depth ${row.depth} < ${e.depth}`);
      if (e.path !== '/') assert.ok(row.referrer !== null, `${e.path} has a referrer`);
    }
    assert.equal(todo, 0);
    // Every link once (the table has no key: the crawl deduplicates).
    assert.deepEqual(links.sort(), expectedLinks(site));
    const seen = server.statistics().requests;
    const asked = askedFor(site);
    for (const [path, n] of seen) {
      assert.ok(!path.startsWith('/private/'), `robots.txt disallows ${path}`);
      if (path !== '/robots.txt') assert.equal(n, asked.get(path), `${path} fetched ${n} times`);
    }
    assert.equal(seen.get('/robots.txt'), 1);
    assert.match(r.stderr, /robots\.txt 3 URLs skipped/);
    assert.match(r.stderr, /status +2xx \d+, 4xx 5/);
  });

  it('--ignore-robots fetches what robots.txt disallows', async () => {
    server.resetStatistics();
    const store = join(tmp.dir, 'norobots.sqlite');
    const r = await aio(['crawl', `${server.url}/`, '-o', store, '--ignore-robots', '-q']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const requests = server.statistics().requests;
    assert.equal(requests.get('/robots.txt'), undefined);
    assert.ok([...requests.keys()].some((p) => p.startsWith('/private/')));
  });

  it('--max-depth stores exactly the pages within that many links (one at a time: breadth first)', async () => {
    const store = join(tmp.dir, 'depth.sqlite');
    const r = await aio([
      'crawl',
      `${server.url}/`,
      '-o',
      store,
      '--max-depth',
      '2',
      '-c',
      '1',
      '-q',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const got = readStore(store).pages;
    assert.deepEqual(
      got.map((p) => pathOf(p.url)).sort(),
      site
        .expected(2)
        .map((e) => e.path)
        .sort(),
    );
    assert.ok(got.every((p) => p.depth <= 2));
  });

  it('--max-pages caps the URLs stored', async () => {
    const store = join(tmp.dir, 'max.sqlite');
    const r = await aio(['crawl', `${server.url}/`, '-o', store, '--max-pages', '20', '-q']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readStore(store).pages.length, 20);
  });

  it('--scope prefix stays under the start directory', async () => {
    const store = join(tmp.dir, 'prefix.sqlite');
    const r = await aio([
      'crawl',
      `${server.url}/docs/s1/page-50.html`,
      '-o',
      store,
      '--scope',
      'prefix',
      '-q',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const paths = readStore(store).pages.map((p) => pathOf(p.url));
    assert.ok(paths.length > 10);
    assert.ok(
      paths.every((p) => p.startsWith('/docs/s1/')),
      paths.join(' '),
    );
  });

  it('the same command on a finished store fetches nothing again', async () => {
    const store = join(tmp.dir, 'again.sqlite');
    assert.equal((await aio(['crawl', `${server.url}/`, '-o', store, '-q'])).status, 0);
    server.resetStatistics();
    const r = await aio(['crawl', `${server.url}/`, '-o', store]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(server.statistics().total, 0);
    assert.match(r.stderr, /pages +0 \(\+\d+ stored before\)/);
  });
});

describe('politeness', () => {
  it('never has more than --per-host requests in flight', async () => {
    const site = new Site({ pages: 60, seed: 5, latency: [15, 30] });
    const server = await site.serve();
    try {
      const r = await aio([
        'crawl',
        `${server.url}/`,
        '-o',
        join(tmp.dir, 'perhost.sqlite'),
        '-c',
        '12',
        '--per-host',
        '3',
        '-q',
      ]);
      assert.equal(r.status, 0, r.stderr);
      const s = server.statistics();
      assert.equal(s.maxInFlight, 3, 'the cap is reached and never exceeded');
    } finally {
      await server.close();
    }
  });

  it('holds --host-rate: no window of the period holds more requests than the rate', async () => {
    const site = new Site({ pages: 24, seed: 6 });
    const server = await site.serve();
    try {
      const r = await aio([
        'crawl',
        `${server.url}/`,
        '-o',
        join(tmp.dir, 'rate.sqlite'),
        '--host-rate',
        '10/s',
        '-q',
      ]);
      assert.equal(r.status, 0, r.stderr);
      const times = server.statistics().arrivals.map((a) => a.at);
      assert.ok(times.length >= 24);
      for (let i = 0; i + 10 < times.length; i++) {
        // The 11th request after any request comes a second later. The server sees
        // arrivals, not departures: allow 20% of delivery jitter on a busy machine
        // (without the limit, 11 requests arrive within a few ms).
        assert.ok(
          times[i + 10]! - times[i]! >= 800,
          `requests ${i}..${i + 10} within ${times[i + 10]! - times[i]!} ms`,
        );
      }
      assert.ok(
        times.at(-1)! - times[0]! >= 1_940,
        'at least two seconds for 21+ requests at 10/s',
      );
    } finally {
      await server.close();
    }
  });

  it("waits robots.txt's Crawl-delay between requests to a host", async () => {
    const site = new Site({
      pages: 8,
      seed: 8,
      crawlDelay: 0.15,
      notFound: 0,
      redirects: 0,
      disallowed: 0,
      files: 0,
    });
    const server = await site.serve();
    try {
      const r = await aio([
        'crawl',
        `${server.url}/`,
        '-o',
        join(tmp.dir, 'delay.sqlite'),
        '-c',
        '4',
        '-q',
      ]);
      assert.equal(r.status, 0, r.stderr);
      const pages = server.statistics().arrivals.filter((a) => a.path !== '/robots.txt');
      assert.equal(pages.length, 8);
      // Arrivals jitter on a busy machine; without the delay all 8 come within a few ms.
      for (let i = 1; i < pages.length; i++) {
        assert.ok(
          pages[i]!.at - pages[i - 1]!.at >= 100,
          `gap ${pages[i]!.at - pages[i - 1]!.at} ms`,
        );
      }
      assert.ok(pages.at(-1)!.at - pages[0]!.at >= 7 * 150 - 30);
    } finally {
      await server.close();
    }
  });
});

describe('crash and interruption', () => {
  const site = new Site({ pages: 300, seed: 11, latency: [10, 30] });
  let server: SiteServer;
  before(async () => {
    server = await site.serve();
  });
  after(() => server.close());

  it('kill -9 in the middle, then the same command: every page exactly once, at most one refetch per request in flight', async () => {
    server.resetStatistics();
    const store = join(tmp.dir, 'killed.sqlite');
    const args = ['crawl', `${server.url}/`, '-o', store, '-c', '8', '--per-host', '8', '-q'];
    const first = startAio(args);
    await until(() => server.statistics().total >= 100);
    first.child.kill('SIGKILL');
    const r1 = await first.done;
    assert.equal(r1.signal, 'SIGKILL');
    const partial = readStore(store);
    assert.ok(partial.pages.length > 0 && partial.todo > 0, 'stopped in the middle');
    const r2 = await aio(args);
    assert.equal(r2.status, 0, r2.stderr);
    const { pages, links, todo } = readStore(store);
    assert.equal(todo, 0);
    assert.deepEqual(links.sort(), expectedLinks(site));
    const expected = site.expected();
    assert.deepEqual(pages.map((p) => pathOf(p.url)).sort(), expected.map((e) => e.path).sort());
    const asked = askedFor(site);
    const again = [...server.statistics().requests].filter(
      ([p, n]) => p !== '/robots.txt' && n > asked.get(p)!,
    );
    assert.ok(again.every(([p, n]) => n === asked.get(p)! + 1));
    assert.ok(again.length <= 8, `${again.length} pages fetched again (8 were in flight at most)`);
  });

  it('Ctrl-C once: finishes what is in flight, keeps it, prints the resume command and exits 130', async () => {
    server.resetStatistics();
    const store = join(tmp.dir, 'interrupted.sqlite');
    const run = startAio(['crawl', `${server.url}/`, '-o', store, '-c', '4']);
    await until(() => server.statistics().total >= 40);
    run.child.kill('SIGINT');
    const r = await run.done;
    assert.equal(r.status, 130, r.stderr);
    assert.match(r.stderr, /stopping, letting \d+ requests in flight finish/);
    assert.match(
      r.stderr,
      /resume with: aio crawl http:\/\/127\.0\.0\.1:\d+\/ -o \S+interrupted\.sqlite -c 4/,
    );
    const answered = server.statistics().total;
    const { pages, todo } = readStore(store);
    assert.ok(todo > 0);
    // Every page the server answered (but robots.txt) is stored.
    assert.equal(pages.length, answered - 1);
    const again = await aio(['crawl', `${server.url}/`, '-o', store, '-c', '4', '-q']);
    assert.equal(again.status, 0);
    assert.equal(readStore(store).pages.length, site.expected().length);
  });

  it('Ctrl-C twice: stops at once, keeping every completed page', async () => {
    const slow = new Site({ pages: 40, seed: 12, latency: [5, 10], slowEvery: 2, slowMs: 20_000 });
    const slowServer = await slow.serve();
    try {
      const store = join(tmp.dir, 'twice.sqlite');
      const run = startAio([
        'crawl',
        `${slowServer.url}/`,
        '-o',
        store,
        '-c',
        '4',
        '--grace',
        '30s',
      ]);
      // Every worker is stuck on a 20 s page, and every fast page is stored.
      await until(() => slowServer.statistics().inFlight === 4);
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      run.child.kill('SIGINT');
      await until(() => run.stderr.includes('stopping'));
      run.child.kill('SIGINT');
      const r = await run.done;
      assert.equal(r.status, 130, r.stderr);
      assert.ok(Date.now() - started < 10_000, 'did not wait for the 20 s pages');
      const answered = slowServer.statistics().total;
      assert.equal(readStore(store).pages.length, answered - 1);
    } finally {
      await slowServer.close();
    }
  });
});

describe('bad input', () => {
  const cases: [string, string[], RegExp][] = [
    ['no start URL', ['crawl'], /crawl: no start URL given/],
    ['a start that is not a URL', ['crawl', 'example.org'], /not an http\(s\) URL: 'example\.org'/],
    [
      'a bad --max-depth',
      ['crawl', 'http://127.0.0.1:9/', '--max-depth', 'deep'],
      /--max-depth: expected a whole number/,
    ],
    [
      'a bad --rate',
      ['crawl', 'http://127.0.0.1:9/', '--rate', 'fast'],
      /--rate: expected a rate like 10\/s/,
    ],
    [
      'a bad --scope',
      ['crawl', 'http://127.0.0.1:9/', '--scope', 'planet'],
      /--scope: expected host, domain/,
    ],
    [
      'a bad --pattern',
      ['crawl', 'http://127.0.0.1:9/', '--pattern', '(['],
      /--pattern: not a regular expression/,
    ],
    [
      'a store that is not SQL',
      ['crawl', 'http://127.0.0.1:9/', '-o', 'out.jsonl'],
      /must be a \.sqlite file or a postgres/,
    ],
    [
      'an unwritable store',
      ['crawl', 'http://127.0.0.1:9/', '-o', '/nonexistent-dir/x.sqlite'],
      /cannot write '\/nonexistent-dir\/x\.sqlite'/,
    ],
    ['an unknown option', ['crawl', '--frobnicate'], /crawl: unknown option '--frobnicate'/],
  ];
  for (const [what, args, message] of cases) {
    it(`${what}: one line on stderr, exit 2`, async () => {
      const r = await aio(args, { cwd: tmp.dir });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    });
  }

  it('a store of `aio fetch` is not taken over by a crawl, and is left as it was', async () => {
    const site = new Site({ pages: 3 });
    const server = await site.serve();
    try {
      const store = join(tmp.dir, 'fetched.sqlite');
      assert.equal((await aio(['fetch', `${server.url}/`, '-o', store, '-q'])).status, 0);
      const before = readStore(store).pages;
      const r = await aio(['crawl', `${server.url}/`, '-o', store]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /holds the results of 'aio fetch'/);
      assert.deepEqual(readStore(store).pages, before);
      assert.ok(existsSync(store));
    } finally {
      await server.close();
    }
  });
});
