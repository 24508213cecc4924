// The fetch floor: a plain undici loop, no store.
//
//   node bench/crawl/fetch-undici.mjs <urls.txt> <concurrency>
//
// `concurrency` workers share one list of URLs; each does `request(url)` (undici's global
// dispatcher) and reads the body as text. Prints one JSON line: {pages (status 200), errors}.
import { readFileSync } from 'node:fs';
import { request } from 'undici';

const [file, concurrency = '32'] = process.argv.slice(2);
const urls = readFileSync(file, 'utf8').split('\n').filter(Boolean);
let next = 0;
let ok = 0;
let errors = 0;

async function worker() {
  while (next < urls.length) {
    const url = urls[next++];
    try {
      const { statusCode, body } = await request(url);
      await body.text();
      if (statusCode === 200) ok++;
    } catch {
      errors++;
    }
  }
}

await Promise.all(Array.from({ length: Number(concurrency) }, worker));
console.log(JSON.stringify({ pages: ok, errors }));
