// The esbuild options both packages bundle with (packages/*/scripts/bundle.mjs):
// ES modules for Node 20, split into shared chunks, dependencies left to node_modules,
// source maps that point to the TypeScript sources shipped beside them.
export const nodeBundle = {
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
};
