// Executor benchmarks: asyncio-ts's WorkerPool against piscina and tinypool used
// directly, and the main thread alone.
//
//   node bench/executor/run.mjs [--runs N] [--quick]
//
// Scenarios (2 workers each; jobs from jobs.mjs):
//   tiny-seq     N tiny jobs (sum 1..1000) one after another: the per-job round trip
//   tiny-par     N tiny jobs submitted at once: throughput, the per-job overhead
//   medium-par   N medium jobs (~5 ms of SHA-256) at once: the speed-up over the main thread
// Every run is a fresh process (child.mjs); contenders alternate (A, B, C, A, B, C...)
// after one discarded warm-up run each; medians are reported.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const runsAt = args.indexOf('--runs');
const runs = runsAt !== -1 ? Number(args[runsAt + 1]) : quick ? 2 : 5;

const CONTENDERS = ['main', 'ours', 'ours-source', 'piscina', 'tinypool'];
const SCENARIOS = [
  { name: 'tiny-seq', n: quick ? 500 : 5000 },
  { name: 'tiny-par', n: quick ? 2000 : 50000 },
  { name: 'medium-par', n: quick ? 40 : 400 },
];

function once(contender, scenario, n) {
  const r = spawnSync(process.execPath, [`${here}child.mjs`, contender, scenario, String(n)], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`${contender} ${scenario} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const rows = [];
for (const { name, n } of SCENARIOS) {
  const times = Object.fromEntries(CONTENDERS.map((c) => [c, []]));
  let expected;
  for (let run = -1; run < runs; run++) {
    for (const c of CONTENDERS) {
      const r = once(c, name, n);
      expected ??= r.check;
      if (r.check !== expected) throw new Error(`${c} ${name}: check ${r.check} != ${expected}`);
      if (run >= 0) times[c].push(r.ms);
    }
  }
  const ours = median(times.ours);
  const main = median(times.main);
  for (const c of CONTENDERS) {
    const ms = median(times[c]);
    rows.push({
      scenario: `${name} (N=${n})`,
      contender: c,
      'median ms': ms.toFixed(1),
      'min-max': `${Math.min(...times[c]).toFixed(0)}-${Math.max(...times[c]).toFixed(0)}`,
      'µs/job': ((ms * 1000) / n).toFixed(1),
      'jobs/s': Math.round((n * 1000) / ms),
      'ours/this': (ours / ms).toFixed(2),
      'speed-up vs main': (main / ms).toFixed(2),
    });
  }
}
console.table(rows);
const header = Object.keys(rows[0]);
console.log(`\n| ${header.join(' | ')} |\n|${header.map(() => ' --- ').join('|')}|`);
for (const r of rows) console.log(`| ${header.map((h) => r[h]).join(' | ')} |`);
