// The crawl and fetch benchmarks of issue 8: `aio crawl` against Crawlee's CheerioCrawler,
// Scrapy and a hand-written asyncio+aiohttp crawler on a generated local site, and
// `aio fetch` against a plain undici loop.
//
//   node bench/crawl/run.mjs [--pages 5000] [--runs 3] [--warmup 1] [--urls 20000]
//                            [--concurrency 32] [--only crawl|fetch] [--contenders a,b]
//                            [--timeout 600] [--seed 1] [--page-bytes 10000]
//
// The site is served by serve-site.mjs in its own process; every contender run is a fresh
// process of its own, wrapped in /usr/bin/time for its peak RSS and CPU time. Contenders
// alternate (A, B, C, A, B, C, ...). After each run the pages the contender stored are read
// back from its output and checked against the site's own list (site.expected()).
// Results are printed, and written to bench/.results/crawl-latest.{md,json}.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { aioCli, benchDir, crawlDir, repoDir, siteModule, siteOptions } from './common.mjs';

const USAGE = `usage: node bench/crawl/run.mjs [--pages 5000] [--runs 3] [--warmup 1] [--urls 20000]
       [--concurrency 32] [--only crawl|fetch] [--contenders aio,crawlee,scrapy,aiohttp,
       aiohttp+uvloop,aio-fetch,aio-fetch-jsonl,session,undici] [--timeout 600] [--seed 1] [--page-bytes 10000]`;

function parseArgs(argv) {
  const o = {
    pages: 5000,
    runs: 3,
    warmup: 1,
    urls: 20_000,
    concurrency: 32,
    timeout: 600,
    seed: 1,
    'page-bytes': 10_000,
    only: undefined,
    contenders: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    const name = a.replace(/^--/, '');
    if (!a.startsWith('--') || !(name in o)) throw new Error(`unknown option ${a}\n${USAGE}`);
    const v = argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    if (name === 'only') {
      if (v !== 'crawl' && v !== 'fetch') throw new Error('--only takes crawl or fetch');
      o.only = v;
    } else if (name === 'contenders') o.contenders = new Set(v.split(','));
    else {
      o[name] = Number(v);
      if (!Number.isFinite(o[name]) || o[name] < 0) throw new Error(`${a} takes a number`);
    }
  }
  if (o.runs < 1) throw new Error('--runs takes an integer >= 1');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const require = createRequire(path.join(repoDir, 'package.json'));
const resultsDir = path.join(benchDir, '.results');
const PY = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const TIME = '/usr/bin/time';
const hasTime = existsSync(TIME);
const C = String(opts.concurrency);

// ---- the site server, in its own process ----

async function startServer() {
  const child = spawn(
    process.execPath,
    [
      path.join(crawlDir, 'serve-site.mjs'),
      ...['--pages', opts.pages, '--page-bytes', opts['page-bytes'], '--seed', opts.seed].map(
        String,
      ),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error('the site server exited');
    return JSON.parse(value);
  };
  const hello = await next();
  return {
    url: hello.url,
    pages: hello.pages,
    pid: child.pid,
    /** What the server saw since the last call (and forgets it). */
    async stats() {
      child.stdin.write('stats\n');
      return next();
    },
    close() {
      child.stdin.end('quit\n');
    },
  };
}

// ---- readers: the pages a contender stored, as [{url, status}] ----

function readSqlite(file) {
  if (!existsSync(file)) return [];
  const Database = require('better-sqlite3');
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT url, status FROM pages').all();
  } finally {
    db.close();
  }
}

function readJsonl(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

function readCrawleeDataset(storage) {
  const dir = path.join(storage, 'datasets', 'default');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ ...JSON.parse(readFileSync(path.join(dir, f), 'utf8')), status: 200 }));
}

// ---- contenders ----

function canImport(modules) {
  const r = spawnSync(PY, ['-c', `import ${modules}`], { encoding: 'utf8' });
  return r.status === 0;
}

function pythonNote(modules) {
  if (!existsSync(PY) && spawnSync(PY, ['--version']).status !== 0) return `skipped: no ${PY}`;
  if (!canImport(modules))
    return `skipped: ${modules} not importable by ${PY} (run bash bench/setup-peers.sh)`;
  return undefined;
}

function aioNote(command) {
  if (!existsSync(aioCli)) return 'skipped: packages/aio not built (npm run build)';
  const r = spawnSync(process.execPath, [aioCli, command, '--help'], { encoding: 'utf8' });
  const text = `${r.stdout}${r.stderr}`;
  if (r.status !== 0 || /not available yet/.test(text) || !/--concurrency/.test(text))
    return `not available yet (aio ${command} --help: ${text.trim().split('\n')[0]})`;
  return undefined;
}

function crawleeNote() {
  try {
    require.resolve('@crawlee/cheerio', { paths: [benchDir] });
    return undefined;
  } catch {
    return 'skipped: @crawlee/cheerio not installed (npm install in the repo)';
  }
}

const py = (script) => path.join(crawlDir, script);
const crawlContenders = (start) => [
  {
    name: 'aio',
    note: () => aioNote('crawl'),
    // --per-host: aio crawl is polite by default (8 per host); the peers get 32 per host.
    cmd: (tmp) => [
      process.execPath,
      [aioCli, 'crawl', start, '-o', path.join(tmp, 'crawl.sqlite'), '-c', C, '--per-host', C],
      ['--quiet'],
    ],
    read: (tmp) => readSqlite(path.join(tmp, 'crawl.sqlite')),
  },
  {
    name: 'crawlee',
    note: crawleeNote,
    cmd: () => [process.execPath, [py('crawl-crawlee.mjs'), start, C]],
    env: (tmp) => ({ CRAWLEE_STORAGE_DIR: path.join(tmp, 'storage') }),
    read: (tmp) => readCrawleeDataset(path.join(tmp, 'storage')),
  },
  {
    name: 'scrapy',
    note: () => pythonNote('scrapy'),
    cmd: (tmp) => [PY, [py('crawl_scrapy.py'), start, C, path.join(tmp, 'out.jsonl')]],
    read: (tmp) => readJsonl(path.join(tmp, 'out.jsonl')),
  },
  {
    name: 'aiohttp',
    note: () => pythonNote('aiohttp, lxml'),
    cmd: (tmp) => [PY, [py('crawl_aiohttp.py'), start, C, path.join(tmp, 'out.jsonl')]],
    read: (tmp) => readJsonl(path.join(tmp, 'out.jsonl')),
  },
  {
    name: 'aiohttp+uvloop',
    note: () => pythonNote('aiohttp, lxml, uvloop'),
    cmd: (tmp) => [PY, [py('crawl_aiohttp.py'), start, C, path.join(tmp, 'out.jsonl'), '--uvloop']],
    read: (tmp) => readJsonl(path.join(tmp, 'out.jsonl')),
  },
];

/** The count of 200s a store-less loop prints as its last JSON line. */
const lastLinePages = (out) =>
  JSON.parse(
    out
      .trim()
      .split('\n')
      .findLast((l) => l.startsWith('{')),
  ).pages;

/** `aio fetch` into `out.<ext>`, read back with `read`. */
const aioFetch = (name, urlsFile, ext, read) => ({
  name,
  note: () => aioNote('fetch'),
  cmd: (tmp) => [
    process.execPath,
    [aioCli, 'fetch', urlsFile, '-o', path.join(tmp, `out.${ext}`), '-c', C, '--quiet'],
  ],
  read: (tmp) => read(path.join(tmp, `out.${ext}`)),
});

const fetchContenders = (urlsFile) => [
  aioFetch('aio-fetch', urlsFile, 'sqlite', readSqlite),
  // The same without SQLite: what the store costs, and what the rest does.
  aioFetch('aio-fetch-jsonl', urlsFile, 'jsonl', readJsonl),
  {
    // The library alone (stores nothing, like the floor).
    name: 'session',
    note: () => aioNote('fetch'),
    cmd: () => [process.execPath, [py('fetch-session.mjs'), urlsFile, C]],
    readOut: lastLinePages,
  },
  {
    // The floor stores nothing: its count of 200s is its last JSON line.
    name: 'undici',
    note: () => undefined,
    cmd: () => [process.execPath, [py('fetch-undici.mjs'), urlsFile, C]],
    readOut: lastLinePages,
  },
];

// ---- one run ----

/** Runs one contender once; resolves to {ms, rssMB, cpuS, out, err, code} or {timedOut}. */
function runProcess(c, tmp) {
  const [cmd, args, tail = []] = c.cmd(tmp);
  const timeFile = path.join(tmp, 'time.txt');
  const argv = hasTime
    ? [TIME, ['-f', '%M %U %S', '-o', timeFile, cmd, ...args, ...tail]]
    : [cmd, [...args, ...tail]];
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(argv[0], argv[1], {
      cwd: repoDir,
      env: { ...process.env, ...c.env?.(tmp) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a time-out kills the contender too
    });
    let out = '';
    let err = '';
    let hwmKB = 0;
    // Without /usr/bin/time: sample the child's VmHWM (its peak RSS so far).
    const sampler = hasTime
      ? undefined
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) hwmKB = Math.max(hwmKB, Number(m[1]));
          } catch {
            /* gone */
          }
        }, 20);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid, 'SIGKILL');
    }, opts.timeout * 1000);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      clearTimeout(timer);
      if (sampler) clearInterval(sampler);
      if (timedOut) return resolve({ timedOut: true });
      let rssMB;
      let cpuS;
      if (hasTime && existsSync(timeFile)) {
        const last = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(' ');
        rssMB = Number(last[0]) / 1024;
        cpuS = Number(last[1]) + Number(last[2]);
      } else rssMB = hwmKB / 1024 || undefined;
      resolve({ ms, rssMB, cpuS, out, err, code });
    });
  });
}

/** Compares what was stored with the expected paths. */
function check(rows, expected) {
  const ok = rows.filter((r) => r.status === 200);
  const paths = new Set(ok.map((r) => new URL(r.url).pathname));
  const missing = [...expected].filter((p) => !paths.has(p));
  const extra = [...paths].filter((p) => !expected.has(p));
  return {
    found: paths.size - extra.length,
    stored: ok.length,
    duplicates: ok.length - paths.size,
    notOk: rows.length - ok.length,
    missing,
    extra,
  };
}

// ---- a section: contenders alternating ----

async function section(title, contenders, server, expectedCount, checkRun) {
  console.log(`\n${title}`);
  const load0 = os.loadavg()[0];
  const active = [];
  const results = [];
  for (const c of contenders) {
    if (opts.contenders && !opts.contenders.has(c.name)) continue;
    const r = { name: c.name, runs: [], note: c.note() };
    results.push(r);
    if (r.note) console.log(`  ${c.name}: ${r.note}`);
    else active.push([c, r]);
  }
  await server.stats(); // forget whatever came before
  for (let round = 1 - opts.warmup; round <= opts.runs; round++) {
    const warm = round <= 0;
    const line = [];
    for (const [c, r] of active) {
      if (r.note) continue;
      const tmp = mkdtempSync(path.join(os.tmpdir(), `aio-bench-${c.name}-`));
      try {
        const load = os.loadavg()[0];
        const p = await runProcess(c, tmp);
        const s = await server.stats();
        if (p.timedOut) {
          r.note = `timed out (> ${opts.timeout} s)`;
          continue;
        }
        if (p.code !== 0) {
          const log = path.join(resultsDir, 'errors', `crawl-${c.name}-${round}.log`);
          mkdirSync(path.dirname(log), { recursive: true });
          writeFileSync(log, `${p.out}\n${p.err}`);
          const why = p.err.trim().split('\n').at(-1) || p.out.trim().split('\n').at(-1);
          r.note = `ERROR: exit ${p.code}: ${why} (log: ${path.relative(process.cwd(), log)})`;
          r.failed = true;
          console.log(`  ${c.name}: ${r.note}`);
          continue;
        }
        const k = checkRun(c, tmp, p);
        const run = { ...k, ms: p.ms, rssMB: p.rssMB, cpuS: p.cpuS, server: s, load };
        run.rate = (run.found / p.ms) * 1000;
        run.spanRate = s.spanMs > 0 ? (run.found / s.spanMs) * 1000 : undefined;
        if (!warm) r.runs.push(run);
        r.last = run;
        line.push(`${c.name} ${(p.ms / 1000).toFixed(1)} s ${run.found}/${expectedCount}`);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
    const load = os.loadavg()[0].toFixed(1);
    console.log(
      `  ${warm ? 'warm-up' : `run ${round}/${opts.runs}`}: ${line.join(', ')} (load ${load})`,
    );
  }
  return { title, results, load: [load0, os.loadavg()[0]] };
}

// ---- reporting ----

const median = (xs) => {
  const s = xs.filter((x) => x !== undefined).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const fmt = (x, d = 0) =>
  x === undefined || Number.isNaN(x)
    ? '–'
    : x.toLocaleString('en', { minimumFractionDigits: d, maximumFractionDigits: d });
const ratio = (a, b) => (a === undefined || b === undefined ? '–' : `${(a / b).toFixed(2)}x`);

function summarize(result) {
  for (const r of result.results) {
    if (r.runs.length === 0) continue;
    r.ms = median(r.runs.map((x) => x.ms));
    r.rate = median(r.runs.map((x) => x.rate));
    r.spanRate = median(r.runs.map((x) => x.spanRate));
    r.rssMB = median(r.runs.map((x) => x.rssMB));
    r.cpuS = median(r.runs.map((x) => x.cpuS));
    r.perCpu = median(r.runs.map((x) => (x.cpuS ? x.found / x.cpuS : undefined)));
    r.requests = median(r.runs.map((x) => x.server.total));
    r.serverCpuS = median(r.runs.map((x) => x.server.cpuMs / 1000));
    // The worst run's check: a single run that missed pages shows.
    r.worst = r.runs.reduce((w, x) => (x.found < w.found || x.extra.length > 0 ? x : w));
  }
  return result;
}

function foundCell(r, expected) {
  const w = r.worst;
  let s = `${fmt(w.found)} / ${fmt(expected)}`;
  const notes = [];
  if (w.missing.length) notes.push(`${w.missing.length} missing, e.g. ${w.missing[0]}`);
  if (w.extra.length) notes.push(`${w.extra.length} extra, e.g. ${w.extra[0]}`);
  if (w.duplicates) notes.push(`${w.duplicates} stored twice`);
  if (w.notOk) notes.push(`${w.notOk} not 200`);
  return notes.length ? `${s} (${notes.join('; ')})` : s;
}

function crawlTable(result, expected) {
  const by = (n) => result.results.find((r) => r.name === n && r.rate !== undefined);
  const crawlee = by('crawlee');
  const aiohttp = by('aiohttp');
  const head = [
    'contender',
    'pages found / expected',
    'wall s',
    'pages/s',
    'pages/s (server span)',
    'peak RSS MB',
    'CPU s',
    'pages per CPU s',
    'requests',
    'vs Crawlee',
    'vs aiohttp',
    'RSS vs Crawlee',
  ];
  const rows = result.results.map((r) =>
    r.rate === undefined
      ? [r.name, r.note ?? 'no runs', ...Array(head.length - 2).fill('')]
      : [
          r.name,
          foundCell(r, expected),
          fmt(r.ms / 1000, 2),
          fmt(r.rate),
          fmt(r.spanRate),
          fmt(r.rssMB),
          fmt(r.cpuS, 1),
          fmt(r.perCpu),
          fmt(r.requests),
          ratio(r.rate, crawlee?.rate),
          ratio(r.rate, aiohttp?.rate),
          ratio(r.rssMB, crawlee?.rssMB),
        ],
  );
  return { head, rows };
}

function fetchTable(result, expected) {
  const floor = result.results.find((r) => r.name === 'undici' && r.rate !== undefined);
  const head = [
    'contender',
    'status 200 / URLs',
    'wall s',
    'req/s',
    'req/s (server span)',
    'peak RSS MB',
    'CPU s',
    'req per CPU s',
    'vs undici floor',
    'vs floor (span)',
  ];
  const rows = result.results.map((r) =>
    r.rate === undefined
      ? [r.name, r.note ?? 'no runs', ...Array(head.length - 2).fill('')]
      : [
          r.name,
          `${fmt(r.worst.found)} / ${fmt(expected)}${r.worst.duplicates ? ` (${r.worst.duplicates} stored twice)` : ''}`,
          fmt(r.ms / 1000, 2),
          fmt(r.rate),
          fmt(r.spanRate),
          fmt(r.rssMB),
          fmt(r.cpuS, 1),
          fmt(r.perCpu),
          ratio(r.rate, floor?.rate),
          ratio(r.spanRate, floor?.spanRate),
        ],
  );
  return { head, rows };
}

function printTable({ head, rows }) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => '  ' + cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}

const markdown = ({ head, rows }) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`]
    .concat(rows.map((r) => `| ${r.join(' | ')} |`))
    .join('\n');

function targets(crawl, fetch) {
  const lines = [];
  const by = (res, n) => res?.results.find((r) => r.name === n && r.rate !== undefined);
  const aio = by(crawl, 'aio');
  const crawlee = by(crawl, 'crawlee');
  const aiohttp = by(crawl, 'aiohttp');
  const verdict = (ok) => (ok ? 'met' : 'MISSED');
  if (aio && crawlee) {
    const x = aio.rate / crawlee.rate;
    lines.push(`aio >= 10x Crawlee's pages/s: ${x.toFixed(1)}x, ${verdict(x >= 10)}`);
    const m = aio.rssMB / crawlee.rssMB;
    lines.push(
      `aio peak RSS <= 1/5 of Crawlee's: ${fmt(aio.rssMB)} / ${fmt(crawlee.rssMB)} MB = ${m.toFixed(2)}, ${verdict(m <= 0.2)}`,
    );
  }
  if (aio && aiohttp) {
    const x = aio.rate / aiohttp.rate;
    lines.push(`aio >= 1.5x the aiohttp crawler's pages/s: ${x.toFixed(2)}x, ${verdict(x >= 1.5)}`);
  }
  if (aio) {
    const same = aio.runs.every((r) => r.missing.length === 0 && r.extra.length === 0);
    lines.push(`aio finds the same pages as site.expected(): ${same ? 'yes, every run' : 'NO'}`);
  }
  const af = by(fetch, 'aio-fetch');
  const floor = by(fetch, 'undici');
  if (af && floor) {
    const x = af.rate / floor.rate;
    lines.push(
      `aio fetch >= 0.8x the undici floor's req/s: ${x.toFixed(2)}x, ${verdict(x >= 0.8)}`,
    );
  }
  return lines;
}

// ---- main ----

async function main() {
  const site = await import(siteModule());
  const expected = new Set(
    new site.Site(siteOptions(opts))
      .expected()
      .filter((p) => p.status === 200)
      .map((p) => p.path),
  );
  const server = await startServer();
  const start = `${server.url}/`;
  const env = [
    `${new Date().toISOString()}, ${os.cpus().length} vCPU (${os.cpus()[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    `Node ${process.version}; ${spawnSync(PY, ['--version'], { encoding: 'utf8' }).stdout?.trim() || 'no python'} (${PY})`,
    `site: ${fmt(server.pages)} pages of ~${fmt(opts['page-bytes'])} B, 5-20 links each, seed ${opts.seed}, served by serve-site.mjs (own process) at ${server.url}`,
    `concurrency ${C}; ${opts.runs} run(s) per contender after ${opts.warmup} warm-up, alternating; each run a fresh process; peak RSS and CPU from ${hasTime ? TIME : 'VmHWM sampling'}`,
  ];
  console.log(env.join('\n'));
  const md = ['## aio crawl/fetch', '', ...env.map((l) => `- ${l}`)];
  let crawl;
  let fetch;
  let failed = false;
  try {
    if (opts.only !== 'fetch') {
      crawl = summarize(
        await section(
          `Crawl: ${fmt(expected.size)} pages from ${start}`,
          crawlContenders(start),
          server,
          expected.size,
          (c, tmp) => check(c.read(tmp), expected),
        ),
      );
      const t = crawlTable(crawl, expected.size);
      console.log();
      printTable(t);
      md.push(
        '',
        `### Crawl (${fmt(expected.size)} pages), load ${crawl.load.map((l) => l.toFixed(1)).join('-')}`,
        '',
        markdown(t),
      );
      failed ||= crawl.results.some((r) => r.failed);
    }
    if (opts.only !== 'crawl') {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'aio-bench-urls-'));
      const urlsFile = path.join(dir, 'urls.txt');
      const paths = [...expected];
      const urls = Array.from(
        { length: opts.urls },
        // Distinct URLs (the server ignores the query), cycling over the site's pages.
        (_, i) => `${server.url}${paths[i % paths.length]}?n=${i}`,
      );
      writeFileSync(urlsFile, urls.join('\n') + '\n');
      const all = new Set(urls.map((u) => new URL(u).pathname));
      fetch = summarize(
        await section(
          `Fetch: ${fmt(opts.urls)} URLs`,
          fetchContenders(urlsFile),
          server,
          opts.urls,
          (c, tmp, p) => {
            if (c.readOut) {
              const n = c.readOut(p.out);
              return { found: n, stored: n, duplicates: 0, notOk: 0, missing: [], extra: [] };
            }
            const rows = c.read(tmp);
            const ok = rows.filter((r) => r.status === 200);
            const distinct = new Set(ok.map((r) => r.url)).size;
            const k = check(rows, all);
            return { ...k, found: distinct, duplicates: ok.length - distinct };
          },
        ),
      );
      rmSync(dir, { recursive: true, force: true });
      const t = fetchTable(fetch, opts.urls);
      console.log();
      printTable(t);
      md.push(
        '',
        `### Fetch (${fmt(opts.urls)} URLs), load ${fetch.load.map((l) => l.toFixed(1)).join('-')}`,
        '',
        markdown(t),
      );
      failed ||= fetch.results.some((r) => r.failed);
    }
  } finally {
    server.close();
  }
  const verdicts = targets(crawl, fetch);
  if (verdicts.length) {
    console.log('\nTargets (issue 8):');
    for (const v of verdicts) console.log(`  ${v}`);
    md.push('', '### Targets', '', ...verdicts.map((v) => `- ${v}`));
  }
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'crawl-latest.md'), md.join('\n') + '\n');
  const raw = { env, crawl: crawl?.results, fetch: fetch?.results };
  writeFileSync(path.join(resultsDir, 'crawl-latest.json'), JSON.stringify(raw, null, 1) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), path.join(resultsDir, 'crawl-latest.md'))}`);
  return failed ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err) => {
    console.error(`bench crawl: ${err.message}`);
    process.exitCode = 2;
  },
);
