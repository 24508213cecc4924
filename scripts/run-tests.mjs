// Runs every compiled test file with node's built-in test runner (and its coverage),
// so the test run needs nothing beyond Node itself.
import { readdirSync, statSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

const roots = ['packages/asyncio-ts/.test-build/test', 'packages/aio/.test-build/test'];
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js')) files.push(p);
  }
}
for (const r of roots) if (existsSync(r)) walk(r);
const filter = process.argv.slice(2);
const selected = filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
if (selected.length === 0) {
  console.error('run-tests: no compiled test files found (run `npm run build:tests` first)');
  process.exit(1);
}
// Coverage comes from c8 (V8's own coverage, mapped back to the TypeScript sources):
// Node 20's --experimental-test-coverage crashes on this suite.
const coverage = !filter.length && process.env.COVERAGE !== '0';
const nodeArgs = ['--test', '--enable-source-maps', ...selected];
const cmd = coverage ? join('node_modules', '.bin', 'c8') : process.execPath;
const cmdArgs = coverage
  ? [
      '--reporter=text-summary',
      '--include=packages/*/src/**',
      '--exclude-after-remap',
      process.execPath,
      ...nodeArgs,
    ]
  : nodeArgs;
// The output is passed through as it comes; node's totals are noted on the way and
// repeated last as one plain line (c8's summary would otherwise close the output).
const child = spawn(cmd, cmdArgs, { stdio: ['inherit', 'pipe', 'inherit'] });
const totals = { pass: 0, fail: 0, skipped: 0 };
let pending = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  pending += chunk.toString();
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const m = /^# (pass|fail|skipped) (\d+)$/.exec(line);
    if (m) totals[m[1]] += Number(m[2]);
  }
});
const status = await new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
const summary = `tests: ${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped`;
mkdirSync('coverage', { recursive: true });
writeFileSync(join('coverage', 'test-summary.txt'), summary + '\n');
console.log(summary);
process.exit(status);
