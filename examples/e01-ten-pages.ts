/**
 * E1: ten pages fetched at once; the length of each page's title.
 *
 * One `ClientSession` (a pool of keep-alive connections) fetches ten HTML pages of
 * the local test server concurrently with `gather`; each page's `<title>` is cut
 * out and its length printed. The server's counters show that the ten requests
 * really were in flight together.
 *
 * Run: `npm run build && node examples/dist/e01-ten-pages.js`
 */
import assert from 'node:assert/strict';
import { gather, getRunningLoop, run } from 'asyncio-ts';
import { ClientSession } from 'asyncio-ts/http';
import { startTestServer } from 'asyncio-ts/testing';

const PAGES = [
  'alpha',
  'beta',
  'gamma',
  'delta',
  'epsilon',
  'zeta',
  'eta',
  'theta',
  'iota',
  'kappa',
];

function titleOf(html: string): string {
  return /<title>([^<]*)<\/title>/i.exec(html)?.[1] ?? '';
}

async function main(): Promise<void> {
  await using server = await startTestServer();
  await using session = new ClientSession({ baseUrl: server.url });
  const loop = getRunningLoop();
  const t0 = loop.time();
  // Each page answers after 100 ms: one after the other that would take 1 s.
  const titles = await gather(
    PAGES.map((name) => async () => {
      const response = await session.get(`/html/${name}`, { query: { delay: 0.1 } });
      return titleOf(await response.text());
    }),
  );
  const elapsed = loop.time() - t0;
  PAGES.forEach((name, i) => {
    console.log(
      `${name.padEnd(8)} title length ${String(titles[i]!.length).padStart(3)}  "${titles[i]}"`,
    );
  });
  const stats = server.statistics();
  console.log(
    `10 pages in ${Math.round(elapsed)} ms; the server saw ${stats.requests} requests, at most ${stats.maxConcurrent} at once`,
  );
  assert.equal(titles.length, 10);
  titles.forEach((t, i) => assert.equal(t, `Page ${PAGES[i]} of the test server`));
  assert.equal(stats.requests, 10);
  assert.ok(stats.maxConcurrent > 1, 'the requests overlapped');
  assert.ok(elapsed < 900, 'concurrently, not one after the other');
}

await run(main);
