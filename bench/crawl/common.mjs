// What the crawl benchmark's scripts share: where things are, the site's options, flags.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const crawlDir = path.dirname(fileURLToPath(import.meta.url));
export const benchDir = path.dirname(crawlDir);
export const repoDir = path.dirname(benchDir);
export const aioCli = path.join(repoDir, 'packages/aio/dist/cli.js');
const siteFile = path.join(repoDir, 'packages/aio/dist/demo-site/site.js');

/** The URL of the built demo site module; throws with the build command if it is not built. */
export function siteModule() {
  if (!existsSync(siteFile)) {
    throw new Error(`${path.relative(process.cwd(), siteFile)} not found: run npm run build`);
  }
  return pathToFileURL(siteFile).href;
}

/**
 * The site of issue 8's crawl benchmark: `pages` pages of about `page-bytes` bytes, 5-20
 * links each, no latency, and none of the 404s, redirects, robots.txt exclusions or files
 * the demo has (so every contender must find exactly the HTML pages).
 */
export function siteOptions(flags) {
  return {
    pages: flags.pages,
    pageBytes: flags['page-bytes'],
    seed: flags.seed,
    links: [5, 20],
    latency: [0, 0],
    notFound: 0,
    redirects: 0,
    disallowed: 0,
    files: 0,
  };
}

/** `--name value` flags with numeric defaults; anything else is an error. */
export function parseFlags(argv, defaults) {
  const flags = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    if (!(name in defaults) || !argv[i].startsWith('--'))
      throw new Error(`unknown option ${argv[i]}`);
    const value = Number(argv[++i]);
    if (!Number.isFinite(value)) throw new Error(`--${name} takes a number`);
    flags[name] = value;
  }
  return flags;
}
