/**
 * E8: a session with a 10 s timeout and 3 attempts per request, and one invalid
 * URL among the ones it fetches.
 *
 * `gather(..., { returnExceptions: true })` keeps each request's outcome in its
 * place: a page that works, one whose connection drops twice before it answers
 * (retried: 3 attempts), one that stays 503 (3 attempts, then the 503 is returned),
 * an invalid URL (an `InvalidUrlError`, at once, never sent), and a slow one cut
 * off by a per-request headers timeout (a `TimeoutError` naming its phase). The
 * session's `retry` event shows each retry as it happens.
 *
 * Run: `npm run build && node examples/dist/e08-timeouts-retries.js`
 */
import assert from 'node:assert/strict';
import { gather, run } from 'asyncio-ts';
import { ClientSession, HttpTimeoutError, InvalidUrlError, type Response } from 'asyncio-ts/http';
import { startTestServer } from 'asyncio-ts/testing';

async function main(): Promise<void> {
  await using server = await startTestServer();
  await using session = new ClientSession({
    timeout: '10s',
    retry: { attempts: 3, delay: '50ms' },
  });
  session.events.on('retry', (e) => {
    const why = e.status !== null ? `status ${e.status}` : (e.error as Error).name;
    console.log(
      `  retry: ${e.url} attempt ${e.attempt} failed (${why}); again in ${Math.round(e.delay)} ms`,
    );
  });

  const targets: { url: string; timeout?: { headers: number } }[] = [
    { url: `${server.url}/json` },
    { url: `${server.url}/flaky/2?key=e8` },
    { url: `${server.url}/status/503` },
    { url: 'htp:/this is not a URL' },
    { url: `${server.url}/delay/5`, timeout: { headers: 300 } },
  ];
  const results = await gather(
    targets.map((t) => () => session.get(t.url, t.timeout ? { timeout: t.timeout } : {})),
    { returnExceptions: true },
  );

  console.log('\nresults:');
  results.forEach((r, i) => {
    const what =
      r instanceof Error
        ? `${r.name} (${(r as { code?: string }).code})${r instanceof HttpTimeoutError ? ` phase=${r.phase}` : ''}`
        : `${r.status} after ${r.timing.attempts} attempt(s)`;
    console.log(`  ${targets[i]!.url.padEnd(42)} ${what}`);
  });

  const [ok, flaky, unavailable, invalid, slow] = results;
  assert.equal((ok as Response).status, 200);
  assert.equal((flaky as Response).status, 200);
  assert.equal((flaky as Response).timing.attempts, 3);
  assert.equal((unavailable as Response).status, 503);
  assert.equal((unavailable as Response).timing.attempts, 3);
  assert.ok(invalid instanceof InvalidUrlError);
  assert.equal(invalid.code, 'ERR_INVALID_URL');
  assert.ok(slow instanceof HttpTimeoutError);
  assert.equal(slow.phase, 'headers');
}

await run(main);
