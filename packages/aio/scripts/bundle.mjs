// Bundles the aio command (src/cli.ts and what it loads on demand) over the
// dist/cli.js that tsc emits: the same path for the bin, `npm start`, the tests and
// the benchmarks, about 15 ms less start-up than loading aio's modules one by one.
//
//   node packages/aio/scripts/bundle.mjs      (after tsc -b packages/aio)
//
// Each command, the HTML parser and the SQL store stay chunks of their own, loaded
// when a run needs them. Packages (asyncio-ts, undici, the drivers, htmlparser2) are
// not bundled: they load from node_modules as before, so asyncio-ts stays one copy.
// The other files tsc emits stay where they are (the tests and benchmarks import
// dist/demo-site/site.js).
import { build } from 'esbuild';
import { nodeBundle } from '../../../scripts/bundle-options.mjs';
import { readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist`;
// Chunks of an earlier bundle (their names change with their contents).
for (const f of readdirSync(outdir)) {
  if (/^(chunk|[a-z-]+)-[A-Z0-9]{8}\.js(\.map)?$/.test(f)) rmSync(`${outdir}/${f}`);
}

await build({
  absWorkingDir: root,
  entryPoints: { cli: 'src/cli.ts' },
  outdir,
  ...nodeBundle,
  chunkNames: '[name]-[hash]',
});
