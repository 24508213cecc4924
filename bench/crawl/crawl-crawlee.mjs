// Crawlee's CheerioCrawler on the benchmark site, with the limits of the other contenders.
//
//   CRAWLEE_STORAGE_DIR=<tmp> node bench/crawl/crawl-crawlee.mjs <start-url> <concurrency>
//
// Concurrency is pinned (minConcurrency = maxConcurrency), so the autoscaled pool runs at the
// same 32 as everyone else instead of ramping up from 1; no request-rate limit (Crawlee's
// default); links of the same hostname (enqueueLinks' default strategy) from `a` and
// `area`. Each page is stored as `{url, title}` with `pushData` in the default dataset
// (one JSON file per item under CRAWLEE_STORAGE_DIR, Crawlee's default storage), which
// run.mjs reads back to check the pages found. Prints one JSON line at the end.
import { CheerioCrawler, log } from '@crawlee/cheerio';

const [start, concurrency = '32'] = process.argv.slice(2);
const c = Number(concurrency);
log.setLevel(log.LEVELS.WARNING);

const crawler = new CheerioCrawler({
  minConcurrency: c,
  maxConcurrency: c,
  async requestHandler({ request, $, enqueueLinks, pushData }) {
    await pushData({ url: request.url, title: $('title').text().trim() });
    await enqueueLinks({ selector: 'a[href], area[href]', strategy: 'same-hostname' });
  },
});
const stats = await crawler.run([start]);
console.log(JSON.stringify({ pages: stats.requestsFinished, failed: stats.requestsFailed }));
