// One measurement of the HTTP benchmarks, in a fresh process:
//   node client.mjs <contender> <url> <requests> <concurrency>
// GETs <url> <requests> times with <concurrency> workers, reads each body and extracts
// the <title>; prints {"ms","cpuMs","reqPerSec","check","peakRssMB"} where check is the
// number of titles found (it must equal <requests>).
import { request, Pool } from 'undici';

const [contender, url, nArg, cArg] = process.argv.slice(2);
const N = Number(nArg);
const C = Number(cArg);
const TITLE = /<title>([^<]*)<\/title>/;

function title(html) {
  const m = TITLE.exec(html);
  return m === null ? 0 : 1;
}

/** Runs `one()` N times over C workers (plain promises). */
async function workers(one) {
  let next = 0;
  let found = 0;
  const worker = async () => {
    while (next < N) {
      next++;
      const t = await one();
      found += t;
    }
  };
  await Promise.all(Array.from({ length: C }, worker));
  return found;
}

const contenders = {
  /** The floor: undici.request on a Pool, body read with body.text(). */
  async 'undici.request+Pool'(measure) {
    const pool = new Pool(new URL(url).origin);
    const r = await measure(() =>
      workers(async () => {
        const { body } = await request(url, { dispatcher: pool });
        return title(await body.text());
      }),
    );
    await pool.close();
    return r;
  },
  /** Node's fetch (its own bundled undici). */
  async fetch(measure) {
    return measure(() =>
      workers(async () => {
        const res = await fetch(url);
        return title(await res.text());
      }),
    );
  },
  /** asyncio-ts/http with its defaults (timeouts, retry policy, limits, events), workers as tasks. */
  async 'asyncio-ts session'(measure) {
    const { run, createTask, gather } = await import('asyncio-ts');
    const { ClientSession } = await import('asyncio-ts/http');
    return run(async () => {
      const session = new ClientSession();
      let next = 0;
      let found = 0;
      const worker = async () => {
        while (next < N) {
          next++;
          const r = await session.get(url);
          const t = title(await r.text());
          found += t;
        }
      };
      const r = await measure(async () => {
        await gather(Array.from({ length: C }, () => createTask(worker)));
        return found;
      });
      await session.close();
      return r;
    });
  },
  /** The same with a listener on every event (what `aio` does for its statistics). */
  async 'asyncio-ts session+events'(measure) {
    const { run, createTask, gather } = await import('asyncio-ts');
    const { ClientSession } = await import('asyncio-ts/http');
    return run(async () => {
      const session = new ClientSession();
      let bytes = 0;
      let events = 0;
      session.events.on('request', () => events++);
      session.events.on('response', (e) => {
        bytes += e.bytes;
        events++;
      });
      let next = 0;
      let found = 0;
      const worker = async () => {
        while (next < N) {
          next++;
          const r = await session.get(url);
          const t = title(await r.text());
          found += t;
        }
      };
      const r = await measure(async () => {
        await gather(Array.from({ length: C }, () => createTask(worker)));
        return found;
      });
      await session.close();
      if (events !== 2 * N || bytes === 0) throw new Error(`events: ${events}`);
      return r;
    });
  },
};

const fn = contenders[contender];
if (fn === undefined) {
  console.error(`unknown contender ${contender}; one of: ${Object.keys(contenders).join(', ')}`);
  process.exit(2);
}
let ms = 0;
let cpuMs = 0;
const check = await fn(async (work) => {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await work();
  ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  cpuMs = (cpu.user + cpu.system) / 1000;
  return r;
});
process.stdout.write(
  JSON.stringify({
    ms,
    cpuMs,
    reqPerSec: (N / ms) * 1000,
    check,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
);
