/**
 * The routes of the test server that need no state of their own: pages, echoes,
 * slow and compressed bodies, cookies. (The routes with counters live on the
 * server itself, in `test-server.ts`.)
 *
 * @module
 */
import type * as http from 'node:http';
import type * as http2 from 'node:http2';
import * as zlib from 'node:zlib';

/** @internal */
export type Req = http.IncomingMessage | http2.Http2ServerRequest;
// The HTTP/2 compatibility response has the same methods as the HTTP/1 one.
/** @internal */
export type Res = http.ServerResponse;

/** @internal What the server serves, for its index page. */
export const ROUTES = [
  '/html[/:name]?size=&delay=',
  '/json',
  '/get',
  '/anything[/...]',
  '/headers',
  '/delay/:seconds',
  '/status/:code',
  '/redirect/:n?status=',
  '/absolute-redirect/:n',
  '/redirect-to?url=&status=',
  '/bytes/:n',
  '/stream/:n',
  '/drip?numbytes=&duration=&delay=&code=',
  '/gzip',
  '/deflate',
  '/brotli',
  '/retry-after/:seconds?status=&times=&key=&date=',
  '/flaky/:n?status=&key=',
  '/cookies',
  '/cookies/set?name=value',
  '/cookies/delete?name',
  '/hang',
  '/stats (the counters, for a client in another process)',
];

const LOREM =
  'Asynchronous programs spend their time waiting: for sockets, for timers, for other tasks. ' +
  'A task group keeps children from outliving their parent; a timeout scope cancels what runs inside. ';

/** The HTML page of `/html`: about `size` bytes, with a `<title>`. */
export function htmlPage(title: string, size: number): Buffer {
  let body = `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${title}</title>\n</head>\n<body>\n<h1>${title}</h1>\n`;
  let i = 0;
  while (body.length < size - 40) {
    body += `<p id="p${i}">${LOREM}<a href="/html/${(i * 7) % 100}">link ${i}</a></p>\n`;
    i++;
  }
  body += '</body>\n</html>\n';
  return Buffer.from(body);
}

/** @internal */
export function send(res: Res, status: number, type: string, body: string): void {
  sendBuffer(res, status, type, Buffer.from(body));
}

/** @internal */
export function sendBuffer(res: Res, status: number, type: string, body: Buffer): void {
  if (res.destroyed || res.writableEnded) return;
  res.setHeader('content-type', type);
  res.setHeader('content-length', body.length);
  res.writeHead(status);
  res.end(body);
}

/** @internal */
export function sendJson(res: Res, status: number, value: unknown): void {
  send(res, status, 'application/json', JSON.stringify(value));
}

/** Runs `fn` after `ms` of real time unless the client goes away first. */
/** @internal */
export function later(res: Res, ms: number, fn: () => void): void {
  const t = setTimeout(fn, ms);
  res.on('close', () => clearTimeout(t));
}

/** @internal */
export function patternBytes(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = 0x12345678;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

function readBody(req: Req, cb: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => cb(Buffer.concat(chunks)));
}

/** @internal */
export function echo(req: Req, res: Res, url: URL, route: string): void {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (k.startsWith(':') || v === undefined) continue;
    headers[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  if (route === 'headers') return sendJson(res, 200, { headers });
  const args = Object.fromEntries(url.searchParams);
  readBody(req, (body) => {
    const text = body.toString('utf8');
    const type = headers['content-type'] ?? '';
    let json: unknown = null;
    if (type.includes('json')) {
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
    }
    const form = type.includes('x-www-form-urlencoded')
      ? Object.fromEntries(new URLSearchParams(text))
      : null;
    sendJson(res, 200, {
      method: req.method,
      url: `${url.pathname}${url.search}`,
      path: url.pathname,
      args,
      headers,
      data: text,
      bytes: body.length,
      json,
      form,
      httpVersion: req.httpVersion,
    });
  });
}

/** @internal */
export function streamLines(res: Res, n: number, path: string): void {
  res.setHeader('content-type', 'application/x-ndjson');
  res.writeHead(200);
  let i = 0;
  const next = (): void => {
    if (res.destroyed) return;
    if (i >= n) {
      res.end();
      return;
    }
    res.write(`${JSON.stringify({ id: i, url: path })}\n`);
    i++;
    setImmediate(next);
  };
  next();
}

/** @internal */
export function drip(res: Res, q: URLSearchParams): void {
  const numbytes = Math.min(Math.max(Number(q.get('numbytes') ?? 10), 0), 10 * 1024 * 1024);
  const duration = Math.max(Number(q.get('duration') ?? 2), 0) * 1000;
  const delay = Math.max(Number(q.get('delay') ?? 0), 0) * 1000;
  const code = Number(q.get('code') ?? 200);
  later(res, delay, () => {
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('content-length', numbytes);
    res.writeHead(code);
    if (numbytes === 0) {
      res.end();
      return;
    }
    const pause = duration / numbytes;
    let sent = 0;
    const tick = (): void => {
      if (res.destroyed) return;
      res.write('*');
      if (++sent >= numbytes) res.end();
      else later(res, pause, tick);
    };
    tick();
  });
}

/** @internal */
export function compressed(req: Req, res: Res, kind: string): void {
  const payload = Buffer.from(
    JSON.stringify({
      [kind === 'brotli' ? 'brotli' : kind === 'gzip' ? 'gzipped' : 'deflated']: true,
      method: req.method,
      text: LOREM.repeat(20),
    }),
  );
  const body =
    kind === 'gzip'
      ? zlib.gzipSync(payload)
      : kind === 'deflate'
        ? zlib.deflateSync(payload)
        : zlib.brotliCompressSync(payload);
  res.setHeader('content-encoding', kind === 'brotli' ? 'br' : kind);
  sendBuffer(res, 200, 'application/json', body);
}

/** @internal */
export function cookies(req: Req, res: Res, action: string, q: URLSearchParams): void {
  if (action === 'set' || action === 'delete') {
    const list: string[] = [];
    for (const [k, v] of q) {
      list.push(action === 'set' ? `${k}=${v}; Path=/` : `${k}=; Path=/; Max-Age=0`);
    }
    res.setHeader('set-cookie', list);
    res.setHeader('location', '/cookies');
    return send(res, 302, 'text/plain', 'redirecting to /cookies\n');
  }
  const out: Record<string, string> = {};
  const header = req.headers.cookie;
  if (typeof header === 'string') {
    for (const part of header.split(';')) {
      const i = part.indexOf('=');
      if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
    }
  }
  return sendJson(res, 200, { cookies: out });
}
