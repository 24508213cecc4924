// Compiles native/sqlite-interrupt.c, the SQLite extension behind real cancellation
// of a running SQLite statement (src/db/sqlite/interrupt.ts), into
// dist/native/sqlite-interrupt-<platform>-<arch>.<so|dylib>.
//
// It is the package's `install` script, so `npm ci` / `npm install` build it (npm runs
// a workspace's own scripts; an app depending on asyncio-ts must allow its install
// script), and runs by hand as `npm run build:native -w asyncio-ts`. It needs a C
// compiler (`cc`, or $CC) and better-sqlite3, whose package ships the SQLite headers;
// no Node headers, no node-gyp, no download. When something is missing it says what
// and exits 0: SQLite cancellation then falls back to discarding the connection
// (docs/db.md). `--strict` makes a failure exit 1 instead.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const strict = process.argv.includes('--strict');

function skip(why) {
  const msg = `sqlite-interrupt: not built (${why}); SQLite cancellation will discard the connection instead of interrupting the statement`;
  if (strict) {
    console.error(msg);
    process.exit(1);
  }
  console.warn(msg);
  process.exit(0);
}

// The same name src/db/sqlite/interrupt.ts looks for.
const suffix = { linux: 'so', darwin: 'dylib' }[process.platform];
if (suffix === undefined) skip(`no build recipe for ${process.platform}`);
const out = join(
  root,
  'dist',
  'native',
  `sqlite-interrupt-${process.platform}-${process.arch}.${suffix}`,
);

let headers;
try {
  const pkg = createRequire(join(root, 'package.json')).resolve('better-sqlite3/package.json');
  headers = join(dirname(pkg), 'deps', 'sqlite3');
} catch {
  skip('better-sqlite3 is not installed');
}
if (!existsSync(join(headers, 'sqlite3ext.h'))) skip(`no sqlite3ext.h in ${headers}`);

const cc = process.env.CC || 'cc';
const args = [
  '-std=c99',
  '-O2',
  '-Wall',
  '-Wextra',
  '-fPIC',
  '-fvisibility=hidden',
  '-pthread',
  process.platform === 'darwin' ? '-dynamiclib' : '-shared',
  '-I',
  headers,
  join(root, 'native', 'sqlite-interrupt.c'),
  '-o',
];
const tmp = `${out}.${process.pid}.tmp`;
mkdirSync(dirname(out), { recursive: true });
try {
  execFileSync(cc, [...args, tmp], { stdio: ['ignore', 'inherit', 'inherit'] });
  renameSync(tmp, out); // atomic: a concurrent build or a running test never sees half a file
} catch (e) {
  rmSync(tmp, { force: true });
  skip(`${cc} failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
}
console.log(`sqlite-interrupt: built ${out}`);
