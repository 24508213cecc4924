// Side-by-side benchmarks: asyncio-ts against plain Node, its peers and Python's asyncio.
//
//   node run.mjs [W1 W2 ...] [--runs N] [--quick] [--extra] [--timeout SECONDS]
//   node run.mjs crawl [...]   the crawl/fetch benchmarks of issue 8 (crawl/run.mjs)
//
// For each workload, every contender runs once as a warm-up (in W2 that run also probes
// the heap), then --runs times (default 5), alternating A,B,C,A,B,C. Every run is a fresh
// child process that prints one JSON line (see lib/child.mjs and python/child.py); its
// `check` is verified against the workload's expected value. Results are printed and
// written as markdown to .results/latest.md (and raw to .results/latest.json).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(benchDir, '.results');

function parseArgs(argv) {
  const opts = { names: [], runs: undefined, quick: false, extra: false, timeoutS: 600 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') opts.quick = true;
    else if (a === '--extra') opts.extra = true;
    else if (a === '--runs') opts.runs = Number(argv[++i]);
    else if (a === '--timeout') opts.timeoutS = Number(argv[++i]);
    else if (a === '--help' || a === '-h') opts.help = true;
    else if (a.startsWith('-')) throw new Error(`unknown option ${a} (try --help)`);
    else opts.names.push(a);
  }
  opts.runs ??= opts.quick ? 2 : 5;
  if (!Number.isInteger(opts.runs) || opts.runs < 1)
    throw new Error('--runs takes an integer >= 1');
  if (!(opts.timeoutS > 0)) throw new Error('--timeout takes a number of seconds > 0');
  return opts;
}

/** Every workload variant, in file order: one file may define several (W2 and W2-1M). */
async function loadWorkloads() {
  const files = readdirSync(path.join(benchDir, 'workloads'))
    .filter((f) => /^w\d.*\.mjs$/.test(f))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const all = [];
  for (const file of files) {
    const mod = await import(pathToFileURL(path.join(benchDir, 'workloads', file)).href);
    const pyFile = path.join(benchDir, 'python', file.replace(/\.mjs$/, '.py'));
    for (const [name, variant] of Object.entries(mod.workloads)) {
      all.push({
        name,
        ...variant,
        file: path.join(benchDir, 'workloads', file),
        pyFile,
        expected: mod.expected,
        node: Object.keys(mod.contenders),
        python: mod.python ?? [],
        extra: new Set(mod.extra ?? []),
        heapProbe: variant.heapProbe ?? false,
      });
    }
  }
  return all;
}

function findPython() {
  const candidates = [process.env.BENCH_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean);
  for (const py of candidates) {
    const r = spawnSync(py, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return { py, version: (r.stdout || r.stderr).trim() };
  }
  return { py: undefined, version: 'not found' };
}

/** Runs one child; resolves to its parsed JSON line, or to { error } / { timedOut }. */
function runChild(cmd, args, timeoutS, logName) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: benchDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutS * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ error: e.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return resolve({ timedOut: `timed out (> ${timeoutS} s)` });
      const line = out
        .trim()
        .split('\n')
        .findLast((l) => l.startsWith('{'));
      if (code !== 0 || line === undefined) {
        const oom = /heap out of memory|MemoryError/.test(err) ? 'out of memory; ' : '';
        const lines = err.trim().split('\n');
        const cause = lines.find((l) => /Error\b|error:/.test(l)) ?? lines.at(-1);
        const log = path.join(resultsDir, 'errors', `${logName}.log`);
        mkdirSync(path.dirname(log), { recursive: true });
        writeFileSync(log, `$ ${cmd} ${args.join(' ')}\n${out}\n${err}`);
        const where = path.relative(process.cwd(), log);
        return resolve({
          error: `${oom}exit ${code ?? signal}: ${cause || out.trim() || 'no output'} (log: ${where})`,
        });
      }
      try {
        resolve(JSON.parse(line));
      } catch {
        resolve({ error: `unparsable output: ${line}` });
      }
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

async function benchWorkload(w, opts, python) {
  const n = opts.quick ? w.quickN : w.n;
  const expected = w.expected(n);
  const contenders = [
    ...w.node.filter((c) => opts.extra || !w.extra.has(c)).map((c) => ({ name: c, kind: 'node' })),
    ...w.python.map((c) => ({ name: c, kind: 'python' })),
  ].map((c) => ({ ...c, runs: [], note: w.skip?.[c.name], failed: false }));

  const argsFor = (c, heap) => {
    const tail = [c.name, String(n), ...(heap ? ['--heap'] : [])];
    return c.kind === 'node'
      ? [process.execPath, ['--expose-gc', w.file, ...tail]]
      : [python.py, [w.pyFile, ...tail]];
  };
  const active = () => contenders.filter((c) => c.note === undefined);
  for (const c of active()) {
    if (c.kind === 'python' && python.py === undefined) c.note = 'skipped: python3 not found';
    else if (c.kind === 'python' && !existsSync(w.pyFile)) c.note = `skipped: no ${w.pyFile}`;
  }

  const record = (c, r, warmUp) => {
    if (r.skipped) c.note = r.skipped;
    else if (r.timedOut) c.note = r.timedOut;
    else if (r.error) c.note = `ERROR: ${r.error}`;
    else if (r.check !== expected) c.note = `ERROR: check ${r.check}, expected ${expected}`;
    else {
      if (r.heapPerTaskBytes !== undefined) c.heapPerTaskBytes = r.heapPerTaskBytes;
      if (!warmUp) c.runs.push(r);
      return;
    }
    c.failed = c.note.startsWith('ERROR');
    console.log(`  ${c.name}: ${c.note}`);
  };

  console.log(
    `\n${w.name}: ${w.title} (N=${n.toLocaleString('en')}, ${opts.runs} run${opts.runs === 1 ? '' : 's'})`,
  );
  const load0 = os.loadavg()[0].toFixed(1);
  for (let round = 0; round <= opts.runs; round++) {
    const warmUp = round === 0;
    const done = [];
    for (const c of active()) {
      const [cmd, args] = argsFor(c, warmUp && w.heapProbe);
      const r = await runChild(cmd, args, opts.timeoutS, `${w.name}-${c.name}-${round}`);
      record(c, r, warmUp);
      if (c.note === undefined) done.push(`${c.name} ${r.ms.toFixed(0)}`);
    }
    console.log(`  ${warmUp ? 'warm-up' : `run ${round}/${opts.runs}`} (ms): ${done.join(', ')}`);
  }
  const load = `${load0}-${os.loadavg()[0].toFixed(1)}`;
  return { ...w, n, fullN: w.n, expected, contenders, load };
}

// ---- reporting ----

const fmt = (x, digits = 0) =>
  x === undefined ? '–' : x.toLocaleString('en', { maximumFractionDigits: digits });

function summarize(result) {
  const rows = result.contenders.map((c) => {
    // A contender that failed or timed out part-way shows why, not its partial figures.
    if (c.runs.length === 0 || c.note !== undefined)
      return { name: c.name, note: c.note ?? 'no runs' };
    const ms = c.runs.map((r) => r.ms);
    return {
      name: c.name,
      median: median(ms),
      min: Math.min(...ms),
      max: Math.max(...ms),
      cpu: median(c.runs.map((r) => r.cpuMs)),
      rss: median(c.runs.map((r) => r.peakRssMB)),
      heap: c.heapPerTaskBytes,
      note: c.note,
    };
  });
  const ours = rows.find((r) => r.name === 'ours' && r.median !== undefined);
  for (const r of rows) {
    if (ours && r.median !== undefined) {
      r.ratio = ours.median / r.median;
      r.cpuRatio = ours.cpu / r.cpu;
    }
  }
  return rows;
}

const ratio = (x) => (x === undefined ? '–' : `${x.toFixed(2)}x`);

function markdownTable(result, rows) {
  const heap = result.heapProbe;
  const head = ['contender', 'median ms', 'min-max ms', 'CPU ms', 'peak RSS MB'];
  if (heap) head.push('heap B/task');
  head.push('ours/this', 'ours/this CPU');
  const withPeers = result.peers !== undefined && result.n === result.fullN;
  if (withPeers) head.push('PEERS.md ms');
  const lines = [
    `### ${result.name}: ${result.title} (N=${result.n.toLocaleString('en')})`,
    '',
    `Load average (1 min) ${result.load} over the workload (2 cores: above 2, others compete).`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
  ];
  for (const r of rows) {
    const peer = withPeers ? [fmt(result.peers[r.name])] : [];
    if (r.median === undefined) {
      const blanks = Array(head.length - 2 - peer.length).fill('');
      lines.push(`| ${[r.name, r.note, ...blanks, ...peer].join(' | ')} |`);
      continue;
    }
    const cells = [r.name, fmt(r.median), `${fmt(r.min)}-${fmt(r.max)}`, fmt(r.cpu), fmt(r.rss)];
    if (heap) cells.push(fmt(r.heap));
    cells.push(ratio(r.ratio), ratio(r.cpuRatio), ...peer);
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function printTable(result, rows) {
  const head = ['contender', 'median ms', 'min-max', 'CPU ms', 'RSS MB', 'B/task', 'ours/this'];
  head.push('(CPU)');
  const body = rows.map((r) =>
    r.median === undefined
      ? [r.name, r.note]
      : [
          r.name,
          fmt(r.median),
          `${fmt(r.min)}-${fmt(r.max)}`,
          fmt(r.cpu),
          fmt(r.rss),
          fmt(r.heap),
          ratio(r.ratio),
          ratio(r.cpuRatio),
        ],
  );
  const widths = head.map((h, i) =>
    Math.max(h.length, ...body.filter((b) => b.length > 2).map((b) => b[i].length)),
  );
  const line = (cells) =>
    cells.length === 2 && cells !== head
      ? `  ${cells[0].padEnd(widths[0])}  ${cells[1]}`
      : '  ' +
        cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\n${result.name} (N=${result.n.toLocaleString('en')}):`);
  console.log(line(head));
  for (const b of body) console.log(line(b));
}

async function main() {
  // `node run.mjs crawl [...]`: the crawl/fetch benchmarks of issue 8 (crawl/run.mjs).
  if (process.argv[2]?.toLowerCase() === 'crawl') {
    const script = path.join(benchDir, 'crawl', 'run.mjs');
    const r = spawnSync(process.execPath, [script, ...process.argv.slice(3)], { stdio: 'inherit' });
    return r.status ?? 1;
  }
  const opts = parseArgs(process.argv.slice(2));
  const all = await loadWorkloads();
  if (opts.help) {
    console.log('usage: node run.mjs [WORKLOAD ...] [--runs N] [--quick] [--extra] [--timeout S]');
    console.log('       node run.mjs crawl [--pages N] [--runs N] ... (see crawl/README.md)');
    console.log(`workloads: ${all.map((w) => w.name).join(' ')}`);
    return 0;
  }
  const unknown = opts.names.filter(
    (n) => !all.some((w) => w.name.toLowerCase() === n.toLowerCase()),
  );
  if (unknown.length > 0) {
    throw new Error(
      `unknown workload ${unknown.join(', ')}; have ${all.map((w) => w.name).join(' ')}`,
    );
  }
  const selected =
    opts.names.length === 0
      ? all
      : all.filter((w) => opts.names.some((n) => n.toLowerCase() === w.name.toLowerCase()));
  const python = findPython();
  rmSync(path.join(resultsDir, 'errors'), { recursive: true, force: true });
  const env = [
    `${new Date().toISOString()}, ${os.cpus().length} cores, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    `Node ${process.version}, ${python.version} (${python.py ?? '-'})`,
    `${opts.runs} run${opts.runs === 1 ? '' : 's'} per contender after 1 warm-up, alternating; each run a fresh process${opts.quick ? '; --quick (small N)' : ''}`,
  ];
  console.log(env.join('\n'));

  const md = [
    '## Benchmark results',
    '',
    ...env.map((l) => `- ${l}`),
    '- ms: median wall time of the measured section; ours/this: our median / this median (<1 is better for us); ours/this CPU: the same for CPU time, steadier when the machine is busy',
  ];
  const raw = [];
  let failures = 0;
  for (const w of selected) {
    const result = await benchWorkload(w, opts, python);
    const rows = summarize(result);
    printTable(result, rows);
    md.push('', markdownTable(result, rows));
    raw.push({ workload: w.name, n: result.n, rows, runs: result.contenders });
    failures += result.contenders.filter((c) => c.failed).length;
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(path.join(resultsDir, 'latest.md'), md.join('\n') + '\n');
    writeFileSync(path.join(resultsDir, 'latest.json'), JSON.stringify(raw, null, 1) + '\n');
  }
  console.log(`\nwrote ${path.relative(process.cwd(), path.join(resultsDir, 'latest.md'))}`);
  if (failures > 0) console.log(`${failures} contender(s) failed: see ERROR above`);
  return failures > 0 ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err) => {
    console.error(`bench: ${err.message}`);
    process.exitCode = 2;
  },
);
