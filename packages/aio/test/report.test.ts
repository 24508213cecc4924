// The HTML report (src/report/) and `aio report`: the figures against the rows they
// come from (SQLite, and PostgreSQL when it is reachable), escaping, bounded size, the
// command's bad inputs, and the page itself in headless Chromium.
import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join as joinPath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { run } from 'asyncio-ts';
import { connect, identifier, type Database } from 'asyncio-ts/db';
import {
  LATENCY_EDGES,
  REPORT_LIMITS,
  loadReportData,
  renderReport,
  statusClass,
  writeReport,
  type ReportData,
} from '../src/report/index.js';
import type { PageRow } from '../src/store/schema.js';
import { decodePng, pixelStats } from './png.js';
import {
  NASTY_TITLES,
  START,
  aio,
  fillStore,
  generateContent,
  percentile,
  tempDir,
  type StoreContent,
  PG_URL,
  postgresSkip,
} from './report-fixtures.js';

const broken = (p: PageRow): boolean =>
  (p.status !== null && p.status >= 400) || p.error_code !== null;

/** Builds a store file from `content` and returns its path. */
async function sqliteStore(dir: string, name: string, content: StoreContent): Promise<string> {
  const path = joinPath(dir, name);
  await run(async () => {
    const db = await connect(`sqlite:${path}`);
    try {
      await fillStore(db, content);
    } finally {
      await db.close();
    }
  });
  return path;
}

async function withStore<T>(url: string, fn: (db: Database) => Promise<T>): Promise<T> {
  return run(async () => {
    const db = await connect(url);
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  });
}

/** Checks every figure of `data` against the rows of `content`. */
function checkFigures(data: ReportData, content: StoreContent): void {
  const { pages, links } = content;
  const s = data.summary;
  assert.equal(s.pages, pages.length);
  for (const cls of ['2xx', '3xx', '4xx', '5xx', 'other', 'none'] as const) {
    assert.equal(s.byClass[cls], pages.filter((p) => statusClass(p.status) === cls).length, cls);
  }
  assert.equal(s.errors, pages.filter((p) => p.error_code !== null).length);
  assert.equal(s.broken, pages.filter(broken).length);
  assert.equal(
    s.bytes,
    pages.reduce((t, p) => t + (p.bytes ?? 0), 0),
  );
  assert.equal(
    s.attempts,
    pages.reduce((t, p) => t + p.attempts, 0),
  );
  assert.equal(s.links, links.length);
  const times = pages.map((p) => p.fetched_at);
  assert.equal(s.firstAt, Math.min(...times));
  assert.equal(s.lastAt, Math.max(...times));
  assert.equal(s.durationMs, (s.lastAt ?? 0) - (s.firstAt ?? 0));
  if (s.durationMs >= 1) {
    assert.ok(Math.abs(s.pagesPerSecond! - (pages.length / s.durationMs) * 1000) < 1e-9);
  } else {
    assert.equal(s.pagesPerSecond, null);
  }

  const timed = pages.flatMap((p) => (p.time_ms === null ? [] : [p.time_ms])).sort((a, b) => a - b);
  assert.ok(s.latency !== null);
  assert.equal(s.latency.count, timed.length);
  assert.equal(s.latency.p50, percentile(timed, 50));
  assert.equal(s.latency.p95, percentile(timed, 95));
  assert.equal(s.latency.p99, percentile(timed, 99));
  assert.equal(s.latency.max, timed[timed.length - 1]);
  assert.ok(Math.abs(s.latency.mean - timed.reduce((a, b) => a + b, 0) / timed.length) < 1e-6);

  // Throughput: every page in exactly one bucket, the one its fetched_at falls in.
  const t = data.throughput;
  assert.ok(t.buckets.length >= 1 && t.buckets.length <= REPORT_LIMITS.throughputBuckets);
  for (const [i, b] of t.buckets.entries()) {
    const inside = pages.filter(
      (p) => p.fetched_at >= b.start && p.fetched_at < b.start + t.bucketMs,
    );
    assert.equal(b.pages, inside.length, `bucket ${i}`);
    assert.equal(b.broken, inside.filter(broken).length, `bucket ${i}`);
  }
  assert.equal(
    t.buckets.reduce((n, b) => n + b.pages, 0),
    pages.length,
  );

  const byStatus = new Map<number | null, number>();
  for (const p of pages) byStatus.set(p.status, (byStatus.get(p.status) ?? 0) + 1);
  assert.deepEqual(new Map(data.statusCodes.map((c) => [c.status, c.count])), byStatus);

  // Latency histogram: the buckets are contiguous edges and hold every timed page.
  for (const b of data.latency) {
    const inside = timed.filter((v) => v >= b.lo && (b.hi === null || v < b.hi)).length;
    assert.equal(b.count, inside, `latency ${b.lo}-${b.hi}`);
    assert.ok(b.lo === 0 || LATENCY_EDGES.includes(b.lo));
  }
  assert.equal(
    data.latency.reduce((n, b) => n + b.count, 0),
    timed.length,
  );

  const slowest = pages
    .filter((p) => p.time_ms !== null)
    .sort((a, b) => b.time_ms! - a.time_ms! || (a.url < b.url ? -1 : 1))
    .slice(0, REPORT_LIMITS.slowest);
  assert.deepEqual(
    data.slowest.map((r) => [r.url, r.timeMs, r.status]),
    slowest.map((p) => [p.url, p.time_ms, p.status]),
  );

  // Broken: most linked first, with the first referrers by URL.
  const inbound = new Map<string, string[]>();
  for (const l of links) inbound.set(l.to_url, [...(inbound.get(l.to_url) ?? []), l.from_url]);
  const expectedBroken = pages
    .filter(broken)
    .map((p) => ({ p, from: (inbound.get(p.url) ?? []).sort() }))
    .sort((a, b) => b.from.length - a.from.length || (a.p.url < b.p.url ? -1 : 1))
    .slice(0, REPORT_LIMITS.broken);
  assert.deepEqual(
    data.broken.map((b) => [b.url, b.status, b.errorCode, b.linkedFrom, b.referrers]),
    expectedBroken.map(({ p, from }) => [
      p.url,
      p.status,
      p.error_code,
      from.length,
      from.length > 0
        ? from.slice(0, REPORT_LIMITS.referrers)
        : p.referrer === null
          ? []
          : [p.referrer],
    ]),
  );

  const byCode = new Map<string, number>();
  for (const p of pages)
    if (p.error_code !== null) byCode.set(p.error_code, (byCode.get(p.error_code) ?? 0) + 1);
  assert.deepEqual(new Map(data.errors.map((e) => [e.code, e.count])), byCode);
  assert.deepEqual(
    data.errors.map((e) => e.count),
    [...byCode.values()].sort((a, b) => b - a),
  );
}

describe('loadReportData() on SQLite', () => {
  const tmp = tempDir('aio-report');
  const content = generateContent(3000, 7);
  let path = '';
  before(async () => {
    path = await sqliteStore(tmp.dir, 'crawl.sqlite', content);
  });
  after(() => tmp.remove());

  it('gives every figure as computed from the rows themselves', async () => {
    const data = await withStore(`sqlite:${path}`, loadReportData);
    checkFigures(data, content);
  });

  it('works with one page', async () => {
    const one = generateContent(1, 3);
    const p = await sqliteStore(tmp.dir, 'one.sqlite', one);
    const data = await withStore(`sqlite:${p}`, loadReportData);
    checkFigures(data, one);
    assert.equal(data.throughput.buckets.length, 1);
    assert.equal(data.summary.pagesPerSecond, null);
    const html = renderReport(data);
    for (const id of ['chart-throughput', 'chart-status', 'chart-latency'])
      assert.match(html, new RegExp(`id="${id}"`));
  });

  it('works with no pages: zeros, empty lists, and charts that say so', async () => {
    const p = await sqliteStore(tmp.dir, 'empty.sqlite', { pages: [], links: [] });
    const data = await withStore(`sqlite:${p}`, loadReportData);
    assert.equal(data.summary.pages, 0);
    assert.equal(data.summary.latency, null);
    assert.equal(data.summary.firstAt, null);
    assert.deepEqual(
      [
        data.throughput.buckets,
        data.statusCodes,
        data.latency,
        data.slowest,
        data.broken,
        data.errors,
      ],
      [[], [], [], [], [], []],
    );
    const html = renderReport(data);
    assert.match(html, /holds no pages yet/);
    assert.equal(html.match(/No pages yet|No timed pages yet/g)?.length, 3);
  });
});

describe('renderReport()', () => {
  it('escapes every string from the store: titles, URLs, error messages, meta', () => {
    const content = generateContent(400, 11);
    const evil = '"><script>alert(1)</script>';
    content.pages[5] = {
      ...content.pages[5]!,
      url: `javascript:alert(1)//${evil}`,
      status: 404,
      time_ms: 99_999,
      title: evil,
      error_code: `x${evil}`,
      error_message: evil,
    };
    const html = renderReport(
      {
        ...fakeData(content),
        meta: [{ key: `k${evil}`, value: evil }],
      },
      { source: `store${evil}.sqlite` },
    );
    assert.equal(html.match(/<script/g)?.length, 1, "only the report's own script");
    assert.ok(!html.includes('alert(1)</script>'));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!/href="javascript:/i.test(html), 'no javascript: links');
  });

  it('stays small for 100,000 pages (tables capped, charts bucketed)', async () => {
    const tmp = tempDir('aio-report-big');
    try {
      const content = generateContent(100_000, 99, 600);
      const path = await sqliteStore(tmp.dir, 'big.sqlite', content);
      const started = performance.now();
      const data = await withStore(`sqlite:${path}`, loadReportData);
      const ms = performance.now() - started;
      assert.equal(data.summary.pages, 100_000);
      assert.equal(data.broken.length, REPORT_LIMITS.broken);
      assert.equal(data.slowest.length, REPORT_LIMITS.slowest);
      assert.ok(data.throughput.buckets.length <= REPORT_LIMITS.throughputBuckets);
      const html = renderReport(data);
      assert.ok(html.length < 400_000, `report of ${html.length} characters`);
      assert.ok(ms < 10_000, `loading took ${Math.round(ms)} ms`);
    } finally {
      tmp.remove();
    }
  });

  it('starts with the summary figures', () => {
    const content = generateContent(200, 5);
    const data = fakeData(content);
    const html = renderReport(data);
    const summary = /<section class="cards" id="summary">(.*?)<\/section>/s.exec(html)?.[1] ?? '';
    assert.match(summary, /<div class="k">Pages<\/div><div class="v">200<\/div>/);
    assert.match(
      summary,
      new RegExp(`<div class="k">4xx</div><div class="v">${data.summary.byClass['4xx']}</div>`),
    );
  });
});

/** Report data for `content` without a store, for render-only tests. */
function fakeData(content: StoreContent): ReportData {
  return {
    generatedAt: START,
    meta: [],
    summary: {
      pages: content.pages.length,
      byClass: {
        '2xx': content.pages.filter((p) => statusClass(p.status) === '2xx').length,
        '3xx': 0,
        '4xx': content.pages.filter((p) => statusClass(p.status) === '4xx').length,
        '5xx': 0,
        other: 0,
        none: 0,
      },
      errors: 0,
      broken: content.pages.filter(broken).length,
      bytes: 0,
      attempts: content.pages.length,
      links: content.links.length,
      queued: 0,
      firstAt: START,
      lastAt: START + 1000,
      durationMs: 1000,
      pagesPerSecond: content.pages.length,
      latency: { count: 1, mean: 10, max: 10, p50: 10, p95: 10, p99: 10 },
    },
    throughput: {
      bucketMs: 1000,
      buckets: [{ start: START, pages: content.pages.length, broken: 0 }],
    },
    statusCodes: [{ status: 200, count: content.pages.length }],
    latency: [{ lo: 7, hi: 10, count: 1 }],
    slowest: content.pages.slice(0, 20).map((p) => ({
      url: p.url,
      status: p.status,
      title: p.title,
      timeMs: p.time_ms ?? 0,
      bytes: p.bytes,
      errorCode: p.error_code,
    })),
    broken: content.pages
      .filter(broken)
      .slice(0, 100)
      .map((p) => ({
        url: p.url,
        status: p.status,
        errorCode: p.error_code,
        errorMessage: p.error_message,
        linkedFrom: 0,
        referrers: [],
      })),
    errors: [],
  };
}

// PostgreSQL: the same rows give the same figures as SQLite.
const pgSkip = await postgresSkip(PG_URL);

describe('loadReportData() on PostgreSQL', { skip: pgSkip }, () => {
  it('gives the same figures as on SQLite for the same rows', async () => {
    const content = generateContent(2000, 13);
    const schema = `aio_report_${process.pid}_${Date.now()}`;
    const tmp = tempDir('aio-report-pg');
    try {
      await withStore(PG_URL, (db) => db.execute`CREATE SCHEMA ${identifier(schema)}`);
      const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      const onPg = await withStore(url, async (db) => {
        await fillStore(db, content);
        return loadReportData(db);
      });
      checkFigures(onPg, content);
      const path = await sqliteStore(tmp.dir, 'same.sqlite', content);
      const onSqlite = await withStore(`sqlite:${path}`, loadReportData);
      // The same, but for the last digits of the mean (sums in another order).
      const same = (d: ReportData): ReportData => ({
        ...d,
        generatedAt: 0,
        summary: {
          ...d.summary,
          latency: { ...d.summary.latency!, mean: Math.round(d.summary.latency!.mean * 1e6) },
        },
      });
      assert.deepEqual(same(onPg), same(onSqlite));
      // And the command reads a postgres:// URL.
      const out = joinPath(tmp.dir, 'pg.html');
      const r = await aio('report', [url, '-o', out]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(
        readFileSync(out, 'utf8'),
        /<div class="k">Pages<\/div><div class="v">2,000<\/div>/,
      );
    } finally {
      await withStore(
        PG_URL,
        (db) => db.execute`DROP SCHEMA IF EXISTS ${identifier(schema)} CASCADE`,
      );
      tmp.remove();
    }
  });
});

describe('aio report', () => {
  const tmp = tempDir('aio-report-cli');
  const content = generateContent(1500, 21);
  let store = '';
  before(async () => {
    store = await sqliteStore(tmp.dir, 'crawl.sqlite', content);
    // An SQLite database of something else.
    await withStore(
      `sqlite:${joinPath(tmp.dir, 'foreign.sqlite')}`,
      (db) => db.execute`CREATE TABLE notes (body TEXT)`,
    );
  });
  after(() => tmp.remove());

  it('writes report.html from crawl.sqlite by default, and says where', async () => {
    const r = await aio('report', [], tmp.dir);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /wrote report\.html \(1,500 pages, \d[\d,]* broken, [\d.]+ KB\)/);
    const html = readFileSync(joinPath(tmp.dir, 'report.html'), 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<div class="k">Pages<\/div><div class="v">1,500<\/div>/);
  });

  it('writes to -o, and to stdout with -o -; --quiet prints nothing', async () => {
    const out = joinPath(tmp.dir, 'named.html');
    const r = await aio('report', [store, '-o', out, '--quiet']);
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, '', '']);
    assert.ok(statSync(out).size > 10_000);
    const piped = await aio('report', [store, '-o', '-']);
    assert.equal(piped.status, 0);
    assert.match(piped.stdout, /^<!doctype html>[^]*<\/html>\n$/);
  });

  it('--help shows the usage and examples', async () => {
    const r = await aio('report', ['--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Usage: aio report \[store\] \[-o report\.html\]/);
    assert.match(r.stdout, /^Examples:$/m);
    assert.match(r.stdout, /postgres:\/\//);
  });

  const bad: [string, () => string[], RegExp][] = [
    [
      'a missing store (and creates none)',
      () => [joinPath(tmp.dir, 'missing.sqlite'), '-o', joinPath(tmp.dir, 'x.html')],
      /no store at '.*missing\.sqlite'/,
    ],
    [
      'a file that is not SQLite',
      () => [writeText('notes.txt', 'hello'), '-o', joinPath(tmp.dir, 'x.html')],
      /is not an aio store \(not an SQLite database\)/,
    ],
    [
      'an SQLite file without the aio tables',
      () => [foreignSqlite(), '-o', joinPath(tmp.dir, 'x.html')],
      /is not an aio store \(no table aio_meta, pages, links\)/,
    ],
    [
      'an output in a missing directory',
      () => [store, '-o', joinPath(tmp.dir, 'no/such/dir/r.html')],
      /cannot write '.*r\.html': no directory/,
    ],
    [
      'an output that is a directory',
      () => [store, '-o', tmp.dir],
      /cannot write '.*': it is a directory/,
    ],
    ['two stores', () => [store, store], /one store at most/],
    ['an unknown option', () => ['--frobnicate'], /report: unknown option '--frobnicate'/],
    [
      'a URL that is not a store',
      () => ['https://example.org/'],
      /is not a store: give an SQLite file or a postgres:\/\/ URL/,
    ],
  ];
  for (const [what, args, message] of bad) {
    it(`${what}: one line and exit 2`, async () => {
      const r = await aio('report', args());
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.ok(!existsSync(joinPath(tmp.dir, 'missing.sqlite')));
      assert.ok(!existsSync(joinPath(tmp.dir, 'x.html')));
    });
  }

  function writeText(name: string, text: string): string {
    const p = joinPath(tmp.dir, name);
    writeFileSync(p, text);
    return p;
  }

  function foreignSqlite(): string {
    return joinPath(tmp.dir, 'foreign.sqlite');
  }
});

// The page in a real browser: Debian's chromium through playwright-core.
const CHROMIUM = '/usr/bin/chromium';
const chromiumSkip: string | false = existsSync(CHROMIUM)
  ? false
  : `Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium): browser checks skipped`;

// CI installs Chromium and sets AIO_REQUIRE_CHROMIUM=1: there the check must run.
if (chromiumSkip !== false && process.env['AIO_REQUIRE_CHROMIUM'] === '1') {
  it('has Chromium to check the report in (AIO_REQUIRE_CHROMIUM=1)', () => {
    assert.fail(chromiumSkip);
  });
}

describe('the report in headless Chromium', { skip: chromiumSkip }, () => {
  const tmp = tempDir('aio-report-browser');
  const shots = process.env['AIO_REPORT_SCREENSHOTS'];
  after(() => tmp.remove());

  const big = generateContent(3000, 7);
  // The slowest page has a title that must not become a script.
  big.pages[3] = {
    ...big.pages[3]!,
    status: 200,
    time_ms: 60_000,
    title: NASTY_TITLES[0]!,
    error_code: null,
    error_message: null,
  };
  const cases: [string, StoreContent][] = [
    ['3,000 pages', big],
    ['one page', generateContent(1, 3)],
    ['no pages', { pages: [], links: [] }],
  ];
  for (const [what, content] of cases) {
    it(`${what}: no console errors, no requests, the charts drawn, a non-blank screenshot`, async () => {
      const store = await sqliteStore(tmp.dir, `${what.replace(/\W/g, '')}.sqlite`, content);
      const html = joinPath(tmp.dir, `${what.replace(/\W/g, '')}.html`);
      await withStore(`sqlite:${store}`, (db) => writeReport(db, html, { source: 'crawl.sqlite' }));
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const problems: string[] = [];
        const requests: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning')
            problems.push(`console ${m.type()}: ${m.text()}`);
        });
        page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
        page.on('dialog', (d) => {
          problems.push(`dialog: ${d.message()}`);
          void d.dismiss();
        });
        await page.route('**/*', async (route) => {
          const url = route.request().url();
          if (url.startsWith('file:')) return route.continue();
          requests.push(url);
          return route.abort();
        });
        await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });

        for (const id of ['chart-throughput', 'chart-status', 'chart-latency']) {
          const chart = page.locator(`svg#${id}`);
          assert.equal(await chart.count(), 1, id);
          const box = await chart.boundingBox();
          assert.ok(
            box !== null && box.width > 300 && box.height > 100,
            `${id} box ${JSON.stringify(box)}`,
          );
          assert.ok((await chart.locator('*').count()) >= 2, `${id} has content`);
          const img = decodePng(await chart.screenshot());
          const stats = pixelStats(img);
          assert.ok(stats.backgroundShare < 0.995, `${id} is blank`);
          if (id === 'chart-throughput' && content.pages.length === 1) {
            assert.match(await chart.innerHTML(), /1 page within 100 ms: too short a run to chart/);
          } else if (content.pages.length > 0) {
            assert.ok((await chart.locator('rect.bar').count()) > 0, `${id} has bars`);
            assert.ok(
              stats.colouredShare > 0.01,
              `${id}: ${(stats.colouredShare * 100).toFixed(2)}% coloured pixels`,
            );
          }
        }

        if (content.pages.length > 1) {
          // The inline script runs (the CSP lets it): sorting the slowest pages by time.
          const times = async (): Promise<number[]> => {
            const cells = await page.locator('#slowest tbody tr td:nth-child(4)').all();
            return Promise.all(cells.map(async (c) => Number(await c.getAttribute('data-v'))));
          };
          const before = await times();
          await page.click('#slowest th:nth-child(4)');
          const sorted = await times();
          assert.deepEqual(
            sorted,
            [...before].sort((a, b) => b - a),
          );
          await page.click('#slowest th:nth-child(4)');
          assert.deepEqual(
            await times(),
            [...before].sort((a, b) => a - b),
          );
          await page.click('#slowest th:nth-child(1)');
        }

        const png = await page.screenshot({ fullPage: true });
        const img = decodePng(png);
        assert.equal(img.width, 1280);
        assert.ok(img.height >= 900, `height ${img.height}`);
        const stats = pixelStats(img);
        assert.ok(
          stats.backgroundShare < 0.9,
          `background is ${(stats.backgroundShare * 100).toFixed(1)}% of the page`,
        );
        assert.ok(stats.distinctColours > 50, `${stats.distinctColours} colours`);
        if (content.pages.length > 0)
          assert.ok(stats.colouredShare > 0.01, 'coloured charts and pills');
        if (shots !== undefined) {
          mkdirSync(shots, { recursive: true });
          const name = what.replace(/\W/g, '');
          writeFileSync(joinPath(shots, `${name}.png`), png);
          copyFileSync(html, joinPath(shots, `${name}.html`));
        }
        assert.deepEqual(problems, []);
        assert.deepEqual(requests, []);
        // Nothing from the store became markup: the nasty title shows as text.
        assert.equal(await page.locator('script').count(), 1);
        if (content.pages.length > 1000) {
          assert.ok((await page.locator('#slowest').innerText()).includes(NASTY_TITLES[0]!));
        }
      } finally {
        await browser.close();
      }
    });
  }
});
