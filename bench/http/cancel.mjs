// CANCEL: <n> requests in flight through one ClientSession (no limits), against the
// server of run.mjs on its /delay/30 route, then every task cancelled at once.
// Measures, in loop time from the first cancel: every task done, every client socket
// closed (their 'close' events), and the server's open-connection count at 0.
//   node cancel.mjs <server-url> <n>
import { createTask, getRunningLoop, run, sleep } from 'asyncio-ts';
import { ClientSession } from 'asyncio-ts/http';
import { buildConnector } from 'undici';

const [base, nArg] = process.argv.slice(2);
const N = Number(nArg);

/** Profiles the cancellation only (CANCEL_PROFILE=file.cpuprofile). */
async function startProfile() {
  const { Session } = await import('node:inspector');
  const { writeFileSync } = await import('node:fs');
  const s = new Session();
  s.connect();
  const post = (m, p) => new Promise((res, rej) => s.post(m, p, (e, r) => (e ? rej(e) : res(r))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return async () => {
    const { profile } = await post('Profiler.stop');
    writeFileSync(process.env.CANCEL_PROFILE, JSON.stringify(profile));
  };
}

/** The server's counters, asked on a connection of their own. */
async function serverStats() {
  const r = await fetch(`${base}/stats`, { headers: { connection: 'close' } });
  return r.json();
}

const result = await run(async () => {
  const loop = getRunningLoop();
  let open = 0;
  let closedAt = 0;
  let t0 = 0;
  let lateConnects = 0;
  // Count the session's sockets through a connector of our own.
  const inner = buildConnector({ timeout: 10_000 });
  const connect = (opts, callback) =>
    inner(opts, (err, socket) => {
      if (socket !== null) {
        open++;
        if (t0 > 0) lateConnects++;
        socket.on('close', () => {
          if (--open === 0 && t0 > 0) closedAt = loop.time();
        });
      }
      callback(err, socket);
    });
  const session = new ClientSession({ connect, limits: { connections: null } });
  const tasks = [];
  for (let i = 0; i < N; i++) tasks.push(createTask(() => session.get(`${base}/delay/30`)));
  while (open < N) await sleep(20);
  await sleep(200); // every request written
  const prof = process.env.CANCEL_PROFILE ? await startProfile() : null;
  t0 = loop.time();
  for (const t of tasks) t.cancel();
  const cancelLoopMs = loop.time() - t0;
  for (const t of tasks)
    await t.then(
      () => undefined,
      () => undefined,
    );
  const tasksDoneMs = loop.time() - t0;
  while (open > 0) await sleep(1);
  const socketsClosedMs = closedAt - t0;
  if (prof !== null) await prof();
  // The server's view: its open connections, but for the one asking.
  let serverClosedMs = NaN;
  for (;;) {
    const st = await serverStats();
    if (st.openConnections <= 1) {
      serverClosedMs = loop.time() - t0;
      break;
    }
    await sleep(5);
  }
  await sleep(500); // reconnections come late: count them after all else
  await session.close();
  return { lateConnects, cancelLoopMs, tasksDoneMs, socketsClosedMs, serverClosedMs, n: N };
});
process.stdout.write(JSON.stringify(result) + '\n');
