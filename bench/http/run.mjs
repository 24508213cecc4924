// The HTTP benchmarks of asyncio-ts/http, side by side on this machine:
//
//   node bench/http/run.mjs [H1] [H2] [CANCEL] [--runs N] [--quick]
//
// H1: 20,000 GETs of a ~10 KB HTML page at concurrency 64 against a fast local server,
//     body read and <title> extracted. H2: the same against a server answering after
//     50 ms (the limit is 64 / 0.05 s = 1,280 req/s). CANCEL: 10,000 requests in flight,
//     cancelled at once (see cancel.mjs).
// The server runs in its own process; each measurement is a fresh client process
// (client.mjs), contenders alternating (A, B, C, A, B, C...) after one warm-up each.
// Build first: `npm run build`.
import { median, runChild, startServer } from './common.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : quick ? 1 : 5;
const names = args
  .filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--runs')
  .map((a) => a.toUpperCase());
const selected = names.length > 0 ? names : ['H1', 'H2', 'CANCEL'];

const CONTENDERS = [
  'undici.request+Pool',
  'asyncio-ts session',
  'asyncio-ts session+events',
  'fetch',
];
const WORKLOADS = {
  H1: {
    path: '/html',
    n: quick ? 2000 : 20_000,
    title: 'H1: 20,000 GETs of a 10 KB page, concurrency 64',
  },
  H2: {
    path: '/html?delay=0.05',
    n: quick ? 1280 : 20_000,
    title: 'H2: the same, each answer after 50 ms (limit 1,280 req/s)',
  },
};

// H1 and H2 run against the raw server (the stand-in for nginx), CANCEL against the
// test server (its /delay route and its /stats counters).
const raw = await startServer(['--raw']);
const server = await startServer();
const lines = [];
const print = (s) => {
  console.log(s);
  lines.push(s);
};
try {
  for (const w of selected) {
    if (w === 'CANCEL') {
      const n = quick ? 2000 : 10_000;
      print(
        `\nCANCEL: ${n.toLocaleString('en')} requests in flight cancelled at once (median of ${runs}, ms from the first cancel)`,
      );
      const who = [
        ['raw sockets (floor)', 'cancel-floor.mjs', ['net']],
        ['undici.request + AbortController', 'cancel-floor.mjs', ['undici']],
        ['asyncio-ts session, task.cancel()', 'cancel.mjs', []],
      ];
      const rs = who.map(() => []);
      for (let i = 0; i < runs; i++) {
        for (let k = 0; k < who.length; k++) {
          const [, file, extra] = who[k];
          rs[k].push(await runChild(file, [...extra, server.url, String(n)]));
        }
      }
      print(
        '| client | cancel loop | every request settled | every client socket closed | server saw all closed | new connections after cancel |',
      );
      print('| --- | ---: | ---: | ---: | ---: | ---: |');
      who.forEach(([name], k) => {
        const m = (key) => median(rs[k].map((r) => r[key])).toFixed(0);
        print(
          `| ${name} | ${m('cancelLoopMs')} | ${m('tasksDoneMs')} | ${m('socketsClosedMs')} | ${m('serverClosedMs')} | ${m('lateConnects')} |`,
        );
      });
      continue;
    }
    const spec = WORKLOADS[w];
    if (spec === undefined) throw new Error(`unknown workload ${w} (H1, H2, CANCEL)`);
    const url = `${raw.url}${spec.path}`;
    const results = Object.fromEntries(CONTENDERS.map((c) => [c, []]));
    for (const c of CONTENDERS)
      await runChild('client.mjs', [c, url, String(Math.min(spec.n, 4000)), '64']);
    for (let i = 0; i < runs; i++) {
      for (const c of CONTENDERS) {
        const r = await runChild('client.mjs', [c, url, String(spec.n), '64']);
        if (r.check !== spec.n) throw new Error(`${c}: ${r.check} titles for ${spec.n} requests`);
        results[c].push(r);
      }
    }
    const floor = median(results[CONTENDERS[0]].map((r) => r.reqPerSec));
    const floorCpu = median(results[CONTENDERS[0]].map((r) => r.cpuMs));
    print(`\n${spec.title} (median of ${runs}, n=${spec.n})`);
    print('| client | req/s | min-max | vs undici | CPU ms | CPU vs undici | peak RSS MB |');
    print('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const c of CONTENDERS) {
      const rps = results[c].map((r) => r.reqPerSec);
      const cpu = median(results[c].map((r) => r.cpuMs));
      print(
        `| ${c} | ${median(rps).toFixed(0)} | ${Math.min(...rps).toFixed(0)}-${Math.max(...rps).toFixed(0)} | ` +
          `${(median(rps) / floor).toFixed(2)}x | ${cpu.toFixed(0)} | ${(cpu / floorCpu).toFixed(2)}x | ` +
          `${median(results[c].map((r) => r.peakRssMB)).toFixed(0)} |`,
      );
    }
  }
} finally {
  await server.stop();
  await raw.stop();
}
