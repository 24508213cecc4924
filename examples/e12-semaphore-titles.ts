/**
 * E12: a hundred pages behind a semaphore of 20, their titles read with a real HTML
 * parser (htmlparser2).
 *
 * Every request is its own task, but a `Semaphore(20)` lets only twenty fetch at a
 * time; the test server's counters confirm that it never saw more than twenty at
 * once. Each page is parsed as it streams in: htmlparser2 gets the chunks of the
 * response body and the title is taken from the parser's events, not a regex.
 *
 * Run: `npm run build && node examples/dist/e12-semaphore-titles.js`
 */
import assert from 'node:assert/strict';
import { Parser } from 'htmlparser2';
import { Semaphore, gather, run } from 'asyncio-ts';
import { ClientSession } from 'asyncio-ts/http';
import { startTestServer } from 'asyncio-ts/testing';

const PAGES = 100;
const LIMIT = 20;

/** Reads a streamed HTML body through htmlparser2 and returns its <title>. */
async function titleOf(body: AsyncIterable<Uint8Array>): Promise<string> {
  let inTitle = false;
  let title = '';
  const parser = new Parser({
    onopentag(name) {
      if (name === 'title') inTitle = true;
    },
    ontext(text) {
      if (inTitle) title += text;
    },
    onclosetag(name) {
      if (name === 'title') inTitle = false;
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of body) parser.write(decoder.decode(chunk, { stream: true }));
  parser.end();
  return title.trim();
}

async function main(): Promise<void> {
  await using server = await startTestServer();
  await using session = new ClientSession({ baseUrl: server.url });
  const sem = new Semaphore(LIMIT);

  const titles = await gather(
    Array.from(
      { length: PAGES },
      (_, i) => () =>
        sem.run(async () => {
          const r = await session.get(`/html/${i}`, { query: { delay: 0.02 }, stream: true });
          return titleOf(r.body);
        }),
    ),
  );

  const stats = server.statistics();
  console.log(`${titles.length} titles, e.g. "${titles[0]}" ... "${titles[PAGES - 1]}"`);
  console.log(`the server saw ${stats.requests} requests, at most ${stats.maxConcurrent} at once`);
  titles.forEach((t, i) => assert.equal(t, `Page ${i} of the test server`));
  assert.equal(stats.requests, PAGES);
  assert.ok(stats.maxConcurrent <= LIMIT, 'never more than the semaphore allows');
  assert.ok(stats.maxConcurrent >= LIMIT / 2, 'and the semaphore was the limit');
}

await run(main);
