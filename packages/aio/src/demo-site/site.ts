/**
 * A generated web site, served on 127.0.0.1: what `aio demo` crawls, what the
 * end-to-end tests check the crawler against, and what the crawl benchmark serves.
 *
 * The site is a pure function of its options (and seed): every page, link, title,
 * latency and status is known in advance, so {@link Site.expected} tells exactly which
 * URLs a correct crawl finds. The server counts what happens to it: requests per path,
 * the most requests in flight at once, and when each request arrived.
 *
 * What it holds: HTML pages in sections (`/docs/s3/page-141.html`), linked in every
 * form a crawler must handle (relative with dot segments, root-relative, absolute,
 * with fragments, through `<base href>`, `<area>`, `<link rel=next>`), links to pages
 * that do not exist (404), redirects (`/go/N` -> the page), a `robots.txt` that
 * disallows `/private/`, links to other hosts, and a few non-HTML files.
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** How the site is generated. */
export interface SiteOptions {
  /** HTML pages, the home page included. Default 300. */
  pages?: number;
  /** Seed of the generator: the same seed gives the same site. Default 1. */
  seed?: number;
  /** Links per page, besides the link to the next page: [min, max]. Default [5, 20]. */
  links?: readonly [number, number];
  /** About how many bytes each page has (filler text is added). Default 2,000. */
  pageBytes?: number;
  /** Links to pages that do not exist (each answers 404). Default 5. */
  notFound?: number;
  /** Links through a redirect (`/go/N`, 301 to page N). Default 5. */
  redirects?: number;
  /** Links to `/private/...`, which robots.txt disallows. Default 3. */
  disallowed?: number;
  /** Links to files that are not HTML (a PDF). Default 2. */
  files?: number;
  /** Response latency in ms: each path gets a fixed value in [min, max]. Default [0, 0]. */
  latency?: readonly [number, number];
  /** Every Nth page is slow (`slowMs`). Default 0 (none). */
  slowEvery?: number;
  /** The latency of a slow page in ms. Default 1,000. */
  slowMs?: number;
  /** A `Crawl-delay` in robots.txt, in seconds. Default none. */
  crawlDelay?: number;
}

/** One URL of the site a correct crawl stores. */
export interface ExpectedPage {
  /** The path asked for (`/go/3` for a redirect). */
  path: string;
  /** The path after redirects. */
  finalPath: string;
  /** The final status: 200 or 404. */
  status: number;
  /** The page's title; null for non-HTML and 404s. */
  title: string | null;
  /** The fewest links from the home page. */
  depth: number;
}

/** One request the server saw. */
export interface Arrival {
  path: string;
  /** `performance.now()` when it arrived, in ms. */
  at: number;
  method: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** What the server saw. */
export interface SiteStatistics {
  /** Requests per path. */
  readonly requests: ReadonlyMap<string, number>;
  /** Responses sent in full (not the ones the client gave up on). */
  readonly total: number;
  /** The most requests in flight at the same time. */
  readonly maxInFlight: number;
  /** Requests in flight now. */
  readonly inFlight: number;
  /** When each request arrived (`performance.now()` ms), in order, with its path, method and headers. */
  readonly arrivals: readonly Arrival[];
}

interface Link {
  href: string;
  /** The path it leads to once resolved (before redirects). */
  target: string;
}

interface Page {
  path: string;
  title: string;
  links: Link[];
  base: string | null;
  latency: number;
  html?: Buffer;
}

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'async await task loop future queue lock event timer socket stream crawl fetch page ' +
  'link robot title cache retry budget window limit worker thread pool signal frontier ' +
  'batch commit cursor index schema record header body status latency'
).split(' ');

const SECTION = 50;

/** The path of page `i` (page 0 is `/`). */
export function pagePath(i: number): string {
  return i === 0 ? '/' : `/docs/s${Math.floor(i / SECTION)}/page-${i}.html`;
}

/** A relative reference from `fromDir` (ending in `/`) to `toPath`. */
function relative(fromDir: string, toPath: string): string {
  const from = fromDir.split('/').filter(Boolean);
  const to = toPath.split('/').filter(Boolean);
  let common = 0;
  while (common < from.length && common < to.length - 1 && from[common] === to[common]) common++;
  const up = from.length - common;
  const rest = to.slice(common).join('/');
  return up === 0 ? `./${rest}` : `${'../'.repeat(up)}${rest}`;
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/') + 1);
}

function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** A generated site; {@link Site.serve} puts it on 127.0.0.1. */
export class Site {
  /** The options it was made with, defaults filled in. */
  readonly options: Required<SiteOptions>;
  readonly #pages = new Map<string, Page>();
  readonly #redirects = new Map<string, string>();
  readonly #files = new Set<string>();

  constructor(options: SiteOptions = {}) {
    this.options = {
      pages: options.pages ?? 300,
      seed: options.seed ?? 1,
      links: options.links ?? [5, 20],
      pageBytes: options.pageBytes ?? 2_000,
      notFound: options.notFound ?? 5,
      redirects: options.redirects ?? 5,
      disallowed: options.disallowed ?? 3,
      files: options.files ?? 2,
      latency: options.latency ?? [0, 0],
      slowEvery: options.slowEvery ?? 0,
      slowMs: options.slowMs ?? 1_000,
      crawlDelay: options.crawlDelay ?? 0,
    };
    const o = this.options;
    if (!Number.isInteger(o.pages) || o.pages < 1) throw new RangeError('pages must be >= 1');
    const random = rng(o.seed);
    const pick = (n: number): number => Math.floor(random() * n);
    const word = (): string => WORDS[pick(WORDS.length)]!;
    for (let i = 0; i < o.pages; i++) {
      const path = pagePath(i);
      const title = i === 0 ? 'Demo site: home' : `Page ${i}: ${word()} ${word()} & ${word()}`;
      const [lo, hi] = o.latency;
      const slow = o.slowEvery > 0 && i > 0 && i % o.slowEvery === 0;
      const latency = slow ? o.slowMs : lo + Math.round(random() * (hi - lo));
      this.#pages.set(path, { path, title, links: [], latency, base: null });
    }
    const pages = [...this.#pages.values()];
    // Every page links to the next one, so the whole site is reachable from the home
    // page, then to random others, written in varied forms.
    pages.forEach((page, i) => {
      if (i % 7 === 3) page.base = dirOf(page.path);
      const targets: string[] = [];
      if (i + 1 < pages.length) targets.push(pages[i + 1]!.path);
      const [lmin, lmax] = o.links;
      const n = lmin + pick(lmax - lmin + 1);
      for (let k = 0; k < n; k++) targets.push(pages[pick(pages.length)]!.path);
      targets.forEach((target, k) => {
        page.links.push({ href: this.#hrefFor(page, target, k + i), target });
      });
    });
    const addLink = (target: string, href = target): void => {
      const from = pages[pick(pages.length)]!;
      from.links.push({ href, target });
    };
    for (let k = 0; k < o.notFound; k++) addLink(`/missing/gone-${k}.html`);
    for (let k = 0; k < o.redirects; k++) {
      const to = pages[1 + pick(Math.max(1, pages.length - 1))] ?? pages[0]!;
      this.#redirects.set(`/go/${k}`, to.path);
      addLink(`/go/${k}`);
    }
    for (let k = 0; k < o.disallowed; k++) addLink(`/private/secret-${k}.html`);
    for (let k = 0; k < o.files; k++) {
      this.#files.add(`/files/report-${k}.pdf`);
      addLink(`/files/report-${k}.pdf`);
    }
    pages[0]!.links.push({ href: 'https://external.example/elsewhere', target: '' });
    pages[0]!.links.push({ href: 'mailto:someone@example.org', target: '' });
  }

  /** The href written for a link from `page` to `target`: forms vary with `k`. */
  #hrefFor(page: Page, target: string, k: number): string {
    const dir = page.base ?? dirOf(page.path);
    switch (k % 5) {
      case 0:
        return target;
      case 1:
        return `${relative(dir, target)}#section-${k % 3}`;
      case 2:
        return relative(dir, target);
      case 3:
        return `${target}#top`;
      default:
        // A dot segment that resolves back: /docs/s1/../s1/page-3.html
        return target.startsWith('/docs/')
          ? target.replace(/^\/docs\/(s\d+)\//, '/docs/$1/../$1/')
          : target;
    }
  }

  /** The number of HTML pages. */
  get size(): number {
    return this.#pages.size;
  }

  /** The paths of every HTML page, home first. */
  pagePaths(): string[] {
    return [...this.#pages.keys()];
  }

  /** The title of the page at `path`, or undefined. */
  titleOf(path: string): string | undefined {
    return this.#pages.get(path)?.title;
  }

  /** The robots.txt the site serves. */
  robotsTxt(): string {
    const delay = this.options.crawlDelay > 0 ? `Crawl-delay: ${this.options.crawlDelay}\n` : '';
    return `User-agent: *\nDisallow: /private/\n${delay}`;
  }

  /**
   * Every URL path a correct crawl from `/` stores, with its depth: pages, 404s,
   * redirects and files; not `/private/` (robots.txt) and not other hosts. With
   * `maxDepth`, only what is at most that many links away.
   */
  expected(maxDepth = Infinity): ExpectedPage[] {
    const out = new Map<string, ExpectedPage>();
    let level = ['/'];
    for (let depth = 0; level.length > 0 && depth <= maxDepth; depth++) {
      const next: string[] = [];
      for (const path of level) {
        if (out.has(path)) continue;
        const finalPath = this.#redirects.get(path) ?? path;
        const page = this.#pages.get(finalPath);
        const status = page !== undefined || this.#files.has(finalPath) ? 200 : 404;
        out.set(path, { path, finalPath, status, title: page?.title ?? null, depth });
        for (const link of page?.links ?? []) {
          if (link.target === '' || link.target.startsWith('/private/')) continue;
          if (!out.has(link.target)) next.push(link.target);
        }
      }
      level = next;
    }
    return [...out.values()];
  }

  /**
   * The links a correct crawl from `/` stores, as `[from path, to path]` pairs, each
   * once: for every page it stores with a 200 (a redirect's links are those of its
   * target, stored under the URL asked for), the same-site targets of its links.
   */
  expectedLinks(maxDepth = Infinity): [string, string][] {
    const out: [string, string][] = [];
    for (const e of this.expected(maxDepth)) {
      const page = this.#pages.get(e.finalPath);
      if (page === undefined) continue;
      const targets = new Set(page.links.map((l) => l.target).filter((t) => t !== ''));
      for (const t of targets) out.push([e.path, t]);
    }
    return out;
  }

  /** The HTML of a page. */
  #render(page: Page): Buffer {
    if (page.html !== undefined) return page.html;
    const items = page.links.map((l, k) => {
      const href = escapeHtml(l.href);
      if (k % 11 === 5)
        return `<map name="m${k}"><area shape="rect" coords="0,0,1,1" href="${href}"></map>`;
      return `<li><a href="${href}">${escapeHtml(l.target || l.href)}</a></li>`;
    });
    const next = page.links[0];
    const head = [
      '<!doctype html>',
      '<html lang="en"><head><meta charset="utf-8">',
      `<title>\n  ${escapeHtml(page.title)}\n</title>`,
      page.base !== null ? `<base href="${page.base}">` : '',
      next !== undefined ? `<link rel="next" href="${escapeHtml(next.href)}">` : '',
      '<style>body{font-family:sans-serif}</style>',
      '</head><body>',
      `<h1>${escapeHtml(page.title)}</h1>`,
      `<ul>${items.join('\n')}</ul>`,
    ].join('\n');
    let body = head;
    const filler = `<p>${WORDS.join(' ')} &lt;not a <b>tag</b>&gt;</p>\n`;
    while (body.length < this.options.pageBytes - 20) body += filler;
    body += '</body></html>\n';
    page.html = Buffer.from(body);
    return page.html;
  }

  /** Starts serving the site on 127.0.0.1 (a free port unless `port` is given). */
  async serve(port = 0): Promise<SiteServer> {
    const server = new SiteServer(this);
    await server.listen(port);
    return server;
  }

  /** @internal The response for `path`: status, headers, body, latency. */
  _respond(path: string): {
    status: number;
    headers: Record<string, string>;
    body: Buffer | string;
    latency: number;
  } {
    if (path === '/robots.txt') {
      return {
        status: 200,
        headers: { 'content-type': 'text/plain' },
        body: this.robotsTxt(),
        latency: 0,
      };
    }
    const page = this.#pages.get(path);
    if (page !== undefined) {
      return {
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: this.#render(page),
        latency: page.latency,
      };
    }
    const to = this.#redirects.get(path);
    if (to !== undefined) return { status: 301, headers: { location: to }, body: '', latency: 0 };
    if (this.#files.has(path)) {
      return {
        status: 200,
        headers: { 'content-type': 'application/pdf' },
        body: '%PDF-1.4\n%demo\n',
        latency: 0,
      };
    }
    return {
      status: 404,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: '<!doctype html><title>Not found</title><h1>404</h1>',
      latency: 0,
    };
  }
}

/** A {@link Site} being served; counts what it sees. `close()` when done. */
export class SiteServer {
  readonly #site: Site;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #requests = new Map<string, number>();
  #arrivals: Arrival[] = [];
  #inFlight = 0;
  #maxInFlight = 0;
  #total = 0;
  #url = '';

  /** @internal use `site.serve()` */
  constructor(site: Site) {
    this.#site = site;
    this.#server = createServer({ keepAliveTimeout: 10_000 }, (req, res) => this.#handle(req, res));
    this.#server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  /** @internal */
  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        const { port: bound } = this.#server.address() as AddressInfo;
        this.#url = `http://127.0.0.1:${bound}`;
        resolve();
      });
    });
  }

  /** The origin, e.g. `http://127.0.0.1:40123`. */
  get url(): string {
    return this.#url;
  }

  /** The site served. */
  get site(): Site {
    return this.#site;
  }

  /** What the server has seen so far. */
  statistics(): SiteStatistics {
    return {
      requests: new Map(this.#requests),
      total: this.#total,
      maxInFlight: this.#maxInFlight,
      inFlight: this.#inFlight,
      arrivals: [...this.#arrivals],
    };
  }

  /** Forgets the counts (between two crawls of the same server). */
  resetStatistics(): void {
    this.#requests = new Map();
    this.#arrivals = [];
    this.#maxInFlight = this.#inFlight;
    this.#total = 0;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!;
    this.#requests.set(path, (this.#requests.get(path) ?? 0) + 1);
    this.#arrivals.push({
      path,
      at: performance.now(),
      method: req.method ?? 'GET',
      headers: req.headers,
    });
    this.#inFlight++;
    if (this.#inFlight > this.#maxInFlight) this.#maxInFlight = this.#inFlight;
    const { status, headers, body, latency } = this.#site._respond(path);
    // A response sent in full counts as answered; one the client gave up on does not.
    res.on('finish', () => this.#total++);
    res.on('close', () => this.#inFlight--);
    const send = (): void => {
      res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (latency <= 0) {
      send();
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      send();
    }, latency);
    this.#timers.add(timer);
  }

  /** Stops the server: open connections are closed, pending responses dropped. */
  close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      for (const s of this.#sockets) s.destroy();
    });
  }
}
