// Runs the compiled worked examples (examples/dist/eNN-*.js) one after another, each
// in its own Node process with a time limit, their output streamed under a header
// line. Exits non-zero if any example fails, times out or cannot be found.
//
//   node scripts/run-examples.mjs          every example, in order of its number
//   node scripts/run-examples.mjs e3 e04   only E3 and E4 (with or without a leading zero)
//
// Build first (`npm run build`); `npm start` and `npm run examples` do.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TIMEOUT_MS = 30_000;
const KILL_GRACE_MS = 2_000;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'examples');
const distDir = join(srcDir, 'dist');
const NAME = /^e(\d+)-[\w.-]+$/;

/** The examples that have a source file, by number: [{ num, name }]. */
function listExamples() {
  return readdirSync(srcDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3))
    .filter((name) => NAME.test(name))
    .map((name) => ({ num: Number(NAME.exec(name)[1]), name }))
    .sort((a, b) => a.num - b.num || a.name.localeCompare(b.name));
}

function fail(message) {
  console.error(`run-examples: ${message}`);
  process.exit(2);
}

function select(all, args) {
  if (args.length === 0) return all;
  const chosen = [];
  for (const arg of args) {
    const m = /^e?0*(\d+)$/i.exec(arg);
    if (m === null) fail(`'${arg}' is not an example number (expected e3, e03 or 3)`);
    const matches = all.filter((e) => e.num === Number(m[1]));
    if (matches.length === 0) {
      fail(`no example ${arg} (there are: ${all.map((e) => `e${e.num}`).join(', ')})`);
    }
    for (const e of matches) if (!chosen.includes(e)) chosen.push(e);
  }
  return chosen;
}

/** Runs one example; resolves with { ok, detail, ms }. */
function runOne(file) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--enable-source-maps', file], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    let timedOut = false;
    let killer;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    }, TIMEOUT_MS);
    const finish = (ok, detail) => {
      clearTimeout(timer);
      clearTimeout(killer);
      resolve({ ok, detail, ms: performance.now() - started });
    };
    child.on('error', (err) => finish(false, `could not start: ${err.message}`));
    child.on('exit', (code, signal) => {
      if (timedOut) finish(false, `timed out after ${TIMEOUT_MS / 1000} s`);
      else if (code === 0) finish(true, 'ok');
      else finish(false, signal !== null ? `killed by ${signal}` : `exit code ${code}`);
    });
  });
}

const examples = select(listExamples(), process.argv.slice(2));
if (examples.length === 0) fail('no examples found in examples/');
const missing = examples.filter((e) => !existsSync(join(distDir, `${e.name}.js`)));
if (missing.length > 0) {
  fail(`not built: ${missing.map((e) => e.name).join(', ')} (run \`npm run build\` first)`);
}

const results = [];
for (const e of examples) {
  console.log(`\n=== ${e.name} ${'='.repeat(Math.max(3, 72 - e.name.length))}`);
  const r = await runOne(join(distDir, `${e.name}.js`));
  const secs = (r.ms / 1000).toFixed(1);
  console.log(`--- ${e.name}: ${r.ok ? 'ok' : `FAILED (${r.detail})`} in ${secs} s`);
  results.push({ ...r, name: e.name });
}

const failed = results.filter((r) => !r.ok);
console.log(
  `\n${results.length - failed.length} of ${results.length} examples passed` +
    (failed.length > 0
      ? `; failed: ${failed.map((r) => `${r.name} (${r.detail})`).join(', ')}`
      : ''),
);
console.log(`examples: ${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length > 0 ? 1 : 0);
