/**
 * The version of aio, read once from its package.json.
 *
 * @module
 */
import { readFileSync } from 'node:fs';

let cached: string | null = null;

/** The version in packages/aio/package.json. */
export function aioVersion(): string {
  if (cached === null) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    cached = pkg.version;
  }
  return cached;
}
