// Builds what the package's entry points load at run time: one file per entry point
// in dist/bundle/, sharing chunks, next to the two worker threads' files.
//
//   node packages/asyncio-ts/scripts/bundle.mjs
//
// Why: loading the 60-odd modules tsc emits one by one is most of the cost of
// `import('asyncio-ts/http')` on Node 20 (about 40 ms of a process's start, measured
// in bench/RESULTS.md); a few bundled files load in a fraction of it. tsc still
// checks the types and emits dist/**/*.d.ts, which the entry points' `types` name.
//
// Layout: every output sits directly in dist/bundle/, so that the code that starts a
// worker (`new URL('./sqlite-worker.js', import.meta.url)`) finds it beside itself
// whichever chunk that code lands in. Dependencies (undici, the database drivers)
// stay outside: they load from node_modules as before.
import { build } from 'esbuild';
import { nodeBundle } from '../../../scripts/bundle-options.mjs';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;
rmSync(outdir, { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    executor: 'src/executor/index.ts',
    files: 'src/files/index.ts',
    http: 'src/http/index.ts',
    db: 'src/db/index.ts',
    'executor-worker': 'src/executor/executor-worker.ts',
    'sqlite-worker': 'src/db/sqlite/sqlite-worker.ts',
  },
  outdir,
  ...nodeBundle,
  chunkNames: 'chunk-[hash]',
});
