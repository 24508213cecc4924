// Runs every compiled test file with node's built-in test runner (and its coverage),
// so the test run needs nothing beyond Node itself.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

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
const args = ['--test', '--enable-source-maps'];
if (!filter.length && process.env.COVERAGE !== '0') args.push('--experimental-test-coverage');
const r = spawnSync(process.execPath, [...args, ...selected], { stdio: 'inherit' });
process.exit(r.status ?? 1);
