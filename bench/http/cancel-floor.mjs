// The floors of CANCEL, with the same server and the same measurements as cancel.mjs:
//   node cancel-floor.mjs net <server-url> <n>     n raw sockets, each with a request
//                                                 in flight, destroyed at once
//   node cancel-floor.mjs undici <server-url> <n>  n undici.request calls on an Agent,
//                                                 aborted through their AbortSignals
// Prints {"cancelLoopMs","tasksDoneMs","socketsClosedMs","serverClosedMs","lateConnects"}.
import net from 'node:net';
import { Agent, buildConnector, request } from 'undici';

const [mode, base, nArg] = process.argv.slice(2);
const N = Number(nArg);
const u = new URL(base);
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

async function serverClosed(t0) {
  for (;;) {
    const st = await (await fetch(`${base}/stats`, { headers: { connection: 'close' } })).json();
    if (st.openConnections <= 1) return performance.now() - t0;
    await wait(5);
  }
}

if (mode === 'net') {
  const socks = [];
  let open = 0;
  await new Promise((resolve) => {
    for (let i = 0; i < N; i++) {
      const s = net.connect(Number(u.port), u.hostname, () => {
        s.write(`GET /delay/30 HTTP/1.1\r\nhost: ${u.host}\r\n\r\n`);
        if (++open === N) resolve();
      });
      s.on('error', () => {});
      socks.push(s);
    }
  });
  await wait(200);
  let closed = 0;
  let closedAt = 0;
  const t0 = performance.now();
  const allClosed = new Promise((resolve) => {
    for (const s of socks) {
      s.on('close', () => {
        if (++closed === N) {
          closedAt = performance.now() - t0;
          resolve();
        }
      });
    }
  });
  for (const s of socks) s.destroy();
  const cancelLoopMs = performance.now() - t0;
  await allClosed;
  const out = {
    cancelLoopMs,
    tasksDoneMs: cancelLoopMs,
    socketsClosedMs: closedAt,
    lateConnects: 0,
  };
  out.serverClosedMs = await serverClosed(t0);
  process.stdout.write(JSON.stringify(out) + '\n');
} else if (mode === 'undici') {
  let open = 0;
  let closedAt = 0;
  let lateConnects = 0;
  let t0 = 0;
  const inner = buildConnector({ timeout: 10_000 });
  const connect = (opts, callback) =>
    inner(opts, (err, socket) => {
      if (socket !== null) {
        open++;
        if (t0 > 0) lateConnects++;
        socket.on('close', () => {
          if (--open === 0 && t0 > 0) closedAt = performance.now() - t0;
        });
      }
      callback(err, socket);
    });
  const agent = new Agent({ connect, headersTimeout: 0, bodyTimeout: 0 });
  let agentConnects = 0;
  agent.on('connect', () => {
    if (t0 > 0) agentConnects++;
  });
  const acs = [];
  const ps = [];
  for (let i = 0; i < N; i++) {
    const ac = new AbortController();
    acs.push(ac);
    ps.push(request(`${base}/delay/30`, { dispatcher: agent, signal: ac.signal }).catch(() => {}));
  }
  while (open < N) await wait(20);
  await wait(200);
  t0 = performance.now();
  for (const ac of acs) ac.abort();
  const cancelLoopMs = performance.now() - t0;
  await Promise.all(ps);
  const tasksDoneMs = performance.now() - t0;
  while (open > 0) await wait(1);
  const out = { cancelLoopMs, tasksDoneMs, socketsClosedMs: closedAt };
  out.serverClosedMs = await serverClosed(t0);
  await wait(500); // reconnections come late: count them after all else
  out.lateConnects = Math.max(lateConnects, agentConnects);
  await agent.close();
  process.stdout.write(JSON.stringify(out) + '\n');
} else {
  console.error('usage: node cancel-floor.mjs net|undici <server-url> <n>');
  process.exit(2);
}
