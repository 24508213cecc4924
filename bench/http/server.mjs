// The server side of the HTTP benchmarks, in its own process so that the client's
// CPU time is the client's alone. Prints one JSON line with its URL, then serves
// until its stdin closes.
//
//   node server.mjs            the asyncio-ts test server (httpbin-like routes)
//   node server.mjs --raw      a minimal keep-alive server on raw sockets that answers
//                              every request with the test server's ~10 KB /html page,
//                              at once (`/html`) or after 50 ms (`/html?delay=0.05`):
//                              the stand-in for nginx serving a static file
import net from 'node:net';
import { startTestServer } from 'asyncio-ts/testing';

async function startRaw() {
  // The same page the test server serves on /html.
  const ts = await startTestServer();
  const page = Buffer.from(await (await fetch(`${ts.url}/html`)).arrayBuffer());
  await ts.close();
  const head = Buffer.from(
    `HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: ${page.length}\r\nconnection: keep-alive\r\n\r\n`,
  );
  const response = Buffer.concat([head, page]);
  const server = net.createServer({ noDelay: true }, (socket) => {
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      let end;
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        const delayed = pending.startsWith('GET /html?delay=');
        pending = pending.slice(end + 4);
        if (delayed) setTimeout(() => socket.writable && socket.write(response), 50);
        else socket.write(response);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const server = process.argv.includes('--raw') ? await startRaw() : await startTestServer();
process.stdout.write(JSON.stringify({ url: server.url }) + '\n');
const stop = () => void server.close().then(() => process.exit(0));
process.stdin.resume();
process.stdin.on('end', stop);
process.on('SIGTERM', stop);
