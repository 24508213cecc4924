// The library alone: the undici loop's job done with asyncio-ts's ClientSession, no store.
//
//   node bench/crawl/fetch-session.mjs <urls.txt> <concurrency>
//
// `concurrency` tasks (gather, under run()) share one list of URLs; each does
// `session.get(url)` and reads the body. Beside the undici floor and aio fetch, it tells
// what the library costs and what aio's own layer (input, titles, records, stats) does.
// Prints one JSON line: {pages (status 200), errors}.
import { readFileSync } from 'node:fs';
import { gather, run } from 'asyncio-ts';
import { ClientSession } from 'asyncio-ts/http';

const [file, concurrency = '32'] = process.argv.slice(2);
const urls = readFileSync(file, 'utf8').split('\n').filter(Boolean);
let next = 0;
let ok = 0;
let errors = 0;

await run(async () => {
  const session = new ClientSession({ limits: { connections: Number(concurrency) } });
  try {
    await gather(
      Array.from({ length: Number(concurrency) }, () => async () => {
        while (next < urls.length) {
          const url = urls[next++];
          try {
            const r = await session.get(url);
            await r.bytes();
            if (r.status === 200) ok++;
          } catch {
            errors++;
          }
        }
      }),
    );
  } finally {
    await session.close();
  }
});
console.log(JSON.stringify({ pages: ok, errors }));
