// Serves aio's generated demo site in its own process, so the crawler measured and the
// server never share a thread.
//
//   node bench/crawl/serve-site.mjs [--pages 5000] [--page-bytes 10000] [--seed 1]
//
// Prints one JSON line `{"url": "http://127.0.0.1:PORT", "pages": N}` once it listens, then
// reads commands on stdin, one a line, each answered by one JSON line on stdout:
//   stats   what the server saw since the last `stats`, then forgets it:
//           {total, unique, maxInFlight, spanMs, cpuMs}, spanMs = first to last arrival,
//           cpuMs = the server's own CPU time (user + system) over the same period
//   quit    close the server and exit (closing stdin does the same)
import { createInterface } from 'node:readline';
import { siteModule, siteOptions, parseFlags } from './common.mjs';

const flags = parseFlags(process.argv.slice(2), { pages: 5000, 'page-bytes': 10_000, seed: 1 });
const { Site } = await import(siteModule());
const site = new Site(siteOptions(flags));
// Render every page once now, so that no contender pays for the first renders.
for (const path of site.pagePaths()) site._respond(path);
const server = await site.serve();
let cpu0 = process.cpuUsage();
console.log(JSON.stringify({ url: server.url, pages: site.size }));

const rl = createInterface({ input: process.stdin });
const quit = async () => {
  rl.close();
  await server.close();
  process.exit(0);
};
rl.on('line', (line) => {
  const cmd = line.trim();
  if (cmd === 'stats') {
    const s = server.statistics();
    const cpu = process.cpuUsage(cpu0);
    cpu0 = process.cpuUsage();
    const arrivals = s.arrivals;
    const spanMs = arrivals.length > 1 ? arrivals.at(-1).at - arrivals[0].at : 0;
    server.resetStatistics();
    console.log(
      JSON.stringify({
        total: s.total,
        unique: s.requests.size,
        maxInFlight: s.maxInFlight,
        spanMs,
        cpuMs: (cpu.user + cpu.system) / 1000,
      }),
    );
  } else if (cmd === 'quit') void quit();
});
rl.on('close', () => void quit());
