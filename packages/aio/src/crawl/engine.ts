/**
 * The engine under `aio fetch` and `aio crawl`: workers take URLs from a frontier,
 * fetch them through one `ClientSession` (which holds the limits: connections in
 * all and per host, rates), and hand each outcome to a group-commit writer.
 *
 * Durability, crawl: a worker takes its next URL only once its page is committed,
 * so a crash (`kill -9`) loses at most the pages in flight, which are still `todo` in
 * the frontier and fetched again on resume. Many workers' pages share one transaction
 * (group commit).
 *
 * Durability, fetch (no frontier): workers go on at once and results gather into
 * transactions of up to {@link GATHER_ROWS} rows or {@link GATHER_MS} ms, a few large
 * commits instead of one small one per handful of pages. A crash then loses the
 * requests in flight and at most the last {@link GATHER_MS} ms of results; `--resume`
 * fetches them again.
 *
 * Stopping: `stop()` (the first Ctrl-C) stops handing out URLs and lets the ones in
 * flight finish within the grace period, then cancels them; `stopNow()` (the second)
 * cancels them at once. Either way every page already fetched is written.
 *
 * @module
 */
import {
  createTask,
  Event,
  Future,
  sleep,
  TaskGroup,
  timeout,
  TimeoutError,
  type Task,
} from 'asyncio-ts';
import type { ClientSession } from 'asyncio-ts/http';
import { errorRow, fetchPage, responseRow, type FetchPageOptions } from './fetch-page.js';
import { loadHtmlParser } from './html.js';
import { normalizeUrl, type Scope } from './url.js';
import { Robots } from './robots.js';
import type { FrontierEntry, Outcome, ResultStore } from '../store/store.js';
import type { PageRow } from '../store/schema.js';
import type { RunStats } from '../ui/stats.js';

/** What the crawl adds to a plain fetch. */
export interface CrawlRules {
  scope: Scope;
  /** The deepest depth stored (start URLs are 0). */
  maxDepth: number;
  /** The most URLs queued in all (the frontier stops growing there). */
  maxPages: number;
  /** Obey robots.txt (and its Crawl-delay). */
  robots: boolean;
  /** The user agent's product token, for robots.txt groups. */
  userAgent: string;
}

/** Options of an {@link Engine}. */
export interface EngineOptions {
  session: ClientSession;
  store: ResultStore;
  stats: RunStats;
  concurrency: number;
  fetch: FetchPageOptions;
  /** Null for `aio fetch`. */
  crawl: CrawlRules | null;
  /** How long in-flight requests may finish after `stop()`, in ms. */
  graceMs: number;
  /** Called for every page fetched (a crawl's after its commit). */
  onPage?: (row: PageRow) => void;
  /** Called with a warning line. */
  warn?: (line: string) => void;
}

/** URLs waiting to be fetched, shallowest first; knows when the crawl is over. */
class Frontier {
  readonly #levels: FrontierEntry[][] = [];
  readonly #heads: number[] = [];
  #size = 0;
  #minLevel = 0;
  #busy = 0;
  #closed = false;
  #waiters: Future<void>[] = [];

  get size(): number {
    return this.#size;
  }

  push(e: FrontierEntry): void {
    if (this.#closed) return;
    while (this.#levels.length <= e.depth) {
      this.#levels.push([]);
      this.#heads.push(0);
    }
    this.#levels[e.depth]!.push(e);
    this.#size++;
    if (e.depth < this.#minLevel) this.#minLevel = e.depth;
    this.#wake(1);
  }

  /**
   * The next URL without waiting: null once there is nothing left (or after
   * `close()`), undefined when URLs may still come (then `take()` waits for one).
   */
  takeNow(): FrontierEntry | null | undefined {
    if (this.#closed) return null;
    if (this.#size > 0) {
      this.#busy++;
      return this.#shift();
    }
    if (this.#busy === 0) {
      this.close();
      return null;
    }
    return undefined;
  }

  /** The next URL, or null once there is nothing left (or after `close()`). */
  async take(): Promise<FrontierEntry | null> {
    for (;;) {
      const e = this.takeNow();
      if (e !== undefined) return e;
      const f = new Future<void>();
      this.#waiters.push(f);
      await f;
    }
  }

  /** A worker finished the URL it took. */
  release(): void {
    this.#busy--;
    if (this.#busy === 0 && this.#size === 0) this.close();
  }

  /** Hands out nothing more; waiting workers get null. */
  close(): void {
    this.#closed = true;
    this.#wake(Infinity);
  }

  #shift(): FrontierEntry {
    for (let d = this.#minLevel; ; d++) {
      const level = this.#levels[d]!;
      const h = this.#heads[d]!;
      if (h < level.length) {
        const e = level[h]!;
        this.#size--;
        if (h + 1 === level.length) {
          this.#levels[d] = [];
          this.#heads[d] = 0;
        } else this.#heads[d] = h + 1;
        this.#minLevel = d;
        return e;
      }
    }
  }

  #wake(n: number): void {
    while (n > 0 && this.#waiters.length > 0) {
      const f = this.#waiters.shift()!;
      // A waiter whose worker was cancelled is done already: it takes no wake-up.
      if (!f.done()) {
        f.setResult();
        n--;
      }
    }
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * A promise and its settling functions (Promise.withResolvers needs Node 22). Its
 * rejection counts as handled: fetch workers do not wait for their commit, and a
 * failed write reaches the run through the writer (`failed`, `drain()`).
 */
function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * A fetch's transactions gather up to this many results... Each commit rewrites the
 * pages of the URL index it touched (most of them: URLs arrive in no order), so a
 * few large commits write several times less than many small ones.
 */
export const GATHER_ROWS = 2500;
/** ...or the results of this many milliseconds, whichever comes first. */
export const GATHER_MS = 250;
/** Results waiting for their commit beyond which fetch workers wait for it too. */
const MAX_BACKLOG = 4 * GATHER_ROWS;

/**
 * Group commit: outcomes submitted while a transaction runs go in the next one.
 * With `gather`, a transaction also waits (up to `gatherMs`) for that many outcomes.
 */
class Writer {
  readonly #store: ResultStore;
  readonly #gather: number;
  readonly #gatherMs: number;
  #batch: Outcome[] = [];
  #batchDone = deferred();
  #firstAt = 0;
  #enough = new Event();
  #draining = false;
  #hurried = false;
  #flushing: Task<void> | null = null;
  #failure: unknown = null;

  constructor(store: ResultStore, gather: number, gatherMs: number) {
    this.#store = store;
    this.#gather = gather;
    this.#gatherMs = gatherMs;
  }

  /** Outcomes submitted and not yet committed. */
  get backlog(): number {
    return this.#batch.length;
  }

  /** True once a write failed (every later submit rejects with that error). */
  get failed(): boolean {
    return this.#failure !== null;
  }

  /**
   * Queues `o` and resolves once it is committed. A plain promise shared by the
   * batch: a worker cancelled while it waits does not take the commit down with it.
   */
  submit(o: Outcome): Promise<void> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    if (this.#batch.length === 0) this.#firstAt = performance.now();
    this.#batch.push(o);
    if (this.#batch.length >= this.#gather) this.#enough.set();
    const done = this.#batchDone.promise;
    if (this.#flushing === null) {
      this.#flushing = createTask(() => this.#flushLoop(), { name: 'aio-writer' });
    }
    return done;
  }

  async #flushLoop(): Promise<void> {
    try {
      while (this.#batch.length > 0) {
        await this.#gathered();
        const batch = this.#batch;
        const done = this.#batchDone;
        this.#batch = [];
        this.#batchDone = deferred();
        this.#enough.clear();
        try {
          await this.#store.write(batch);
          done.resolve();
        } catch (e) {
          this.#failure = e;
          done.reject(e as Error);
          this.#batchDone.reject(e as Error);
          return;
        }
      }
    } finally {
      this.#flushing = null;
    }
  }

  /**
   * Stops gathering: each transaction takes what was submitted while the one before
   * ran (group commit), so that little is left to write when the run ends.
   */
  hurry(): void {
    if (this.#hurried) return;
    this.#hurried = true;
    this.#enough.set();
  }

  /** Waits until the batch is big or old enough (at once without gathering). */
  async #gathered(): Promise<void> {
    if (
      this.#gather <= 1 ||
      this.#draining ||
      this.#hurried ||
      this.#batch.length >= this.#gather
    ) {
      return;
    }
    const left = this.#firstAt + this.#gatherMs - performance.now();
    if (left <= 0) return;
    try {
      await timeout(left, () => this.#enough.wait());
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
    }
  }

  /** Writes everything submitted (without waiting to gather more). */
  async drain(): Promise<void> {
    this.#draining = true;
    this.#enough.set();
    while (this.#flushing !== null) {
      await this.#flushing.then(
        () => undefined,
        () => undefined,
      );
    }
    if (this.#batch.length > 0 && this.#failure === null) {
      this.#flushing = createTask(() => this.#flushLoop(), { name: 'aio-writer' });
      await this.drain();
    }
    if (this.#failure !== null) throw this.#failure as Error;
  }
}

/** A normalised http(s) URL's scheme, userinfo (skipped) and host (with the port). */
const ORIGIN = /^(https?:\/\/)(?:[^@/?#]*@)?([^/?#]+)/;

/** No links, no discovered URLs (shared by the rows of a fetch). */
const NONE: readonly never[] = Object.freeze([]);

/** Runs one fetch or crawl. */
export class Engine {
  readonly #o: EngineOptions;
  readonly #frontier = new Frontier();
  readonly #writer: Writer;
  readonly #seen: Set<string>;
  readonly #robots = new Map<string, Promise<Robots>>();
  readonly #nextAt = new Map<string, number>();
  readonly #attempts = new Map<string, number>();
  #workers: Task<void>[] = [];
  #graceTask: Task<void> | null = null;
  #stopping = false;

  constructor(opts: EngineOptions, seen: Set<string>) {
    this.#o = opts;
    // A crawl commits each page before its worker goes on (see the module comment).
    this.#writer =
      opts.crawl !== null
        ? new Writer(opts.store, 1, 0)
        : new Writer(opts.store, GATHER_ROWS, GATHER_MS);
    this.#seen = seen;
    opts.session.events.on('error', (e) => {
      this.#attempts.set(e.url, e.attempt);
    });
  }

  /** True once `stop()` was called. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** URLs queued and not yet taken. */
  get queued(): number {
    return this.#frontier.size;
  }

  /** Queues `entries` (already known to the seen set and the store). */
  add(entries: Iterable<FrontierEntry>): void {
    for (const e of entries) this.#frontier.push(e);
  }

  /**
   * Fetches until the frontier is empty or the run is stopped; then writes
   * everything fetched. Resolves true when it ran to the end, false when stopped.
   */
  async run(): Promise<boolean> {
    try {
      await using group = new TaskGroup();
      for (let i = 0; i < this.#o.concurrency; i++) {
        this.#workers.push(group.createTask(() => this.#work(i), { name: `aio-worker-${i}` }));
      }
    } finally {
      this.#graceTask?.cancel();
      await this.#writer.drain();
    }
    return !this.#stopping;
  }

  /** Stops taking URLs; in-flight ones get `graceMs` to finish, then are cancelled. */
  stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#frontier.close();
    this.#graceTask = createTask(
      async () => {
        await sleep(this.#o.graceMs);
        this.stopNow();
      },
      { name: 'aio-grace' },
    );
  }

  /** Cancels the requests in flight now (what was fetched is still written). */
  stopNow(): void {
    this.#stopping = true;
    this.#frontier.close();
    for (const w of this.#workers) w.cancel('stopped');
  }

  async #work(worker: number): Promise<void> {
    const o = this.#o;
    for (;;) {
      let entry = this.#frontier.takeNow();
      if (entry === undefined) {
        // A fetch's list is handed out: the last requests are in flight, and what is
        // gathered commits at once rather than after the run (it would hold up the end).
        if (o.crawl === null) this.#writer.hurry();
        entry = await this.#frontier.take();
      }
      if (entry === null) return;
      try {
        if (o.crawl === null) {
          // A fetch: the request is the only wait (no robots.txt, no links).
          o.stats.started(worker, entry.url);
          let row: PageRow;
          const t0 = performance.now();
          try {
            // The request is the one await: the row is made synchronously.
            const r = await o.session.request(o.fetch.method, entry.url);
            row =
              responseRow(entry.url, r, t0) ??
              (await loadHtmlParser(), responseRow(entry.url, r, t0)!);
          } catch (e) {
            row = errorRow(entry.url, e, this.#attemptsOf(entry.url), t0);
          } finally {
            o.stats.finished(worker);
          }
          const committed = this.#writer.submit({
            url: entry.url,
            row,
            links: NONE,
            discovered: NONE,
          });
          this.#count(row);
          // Workers go on; a failed write stops the run at the next submit or the end.
          if (this.#writer.failed || this.#writer.backlog >= MAX_BACKLOG) await committed;
        } else {
          await this.#crawlOne(entry, o.crawl, worker);
        }
      } finally {
        this.#frontier.release();
      }
    }
  }

  /** How many attempts the session made for `url` (its `error` events count them). */
  readonly #attemptsOf = (url: string): number => this.#attempts.get(url) ?? 1;

  async #crawlOne(entry: FrontierEntry, crawl: CrawlRules, worker: number): Promise<void> {
    const o = this.#o;
    // Frontier URLs are normalised (lowercase scheme and host, no default port): the
    // origin is their start, less any userinfo.
    const m = ORIGIN.exec(entry.url);
    if (m === null) return;
    const host = m[2]!;
    const origin = m[1]! + host;
    if (crawl.robots) {
      const robots = await this.#robotsFor(origin);
      if (!robots.allowed(entry.url)) {
        o.stats.robotsSkipped++;
        await this.#writer.submit({ url: entry.url, row: null, links: NONE, discovered: NONE });
        return;
      }
      await this.#politeness(origin, robots.crawlDelay);
    }
    o.stats.started(worker, entry.url);
    let outcome: Outcome;
    try {
      const page = await fetchPage(o.session, entry.url, o.fetch, this.#attemptsOf);
      page.row.depth = entry.depth;
      page.row.referrer = entry.referrer;
      const links: string[] = [];
      const discovered: FrontierEntry[] = [];
      if (page.hrefs.length > 0) {
        const base = page.row.final_url ?? entry.url;
        const docBase = page.base !== null ? (normalizeUrl(page.base, base) ?? base) : base;
        const unique = new Set<string>();
        for (const href of page.hrefs) {
          const url = normalizeUrl(href, docBase);
          if (url === null || unique.has(url) || !crawl.scope.has(url)) continue;
          unique.add(url);
          links.push(url);
          if (
            this.#seen.has(url) ||
            entry.depth + 1 > crawl.maxDepth ||
            this.#seen.size >= crawl.maxPages
          )
            continue;
          this.#seen.add(url);
          discovered.push({ url, depth: entry.depth + 1, referrer: entry.url });
        }
      }
      outcome = { url: entry.url, row: page.row, links, discovered };
    } finally {
      o.stats.finished(worker);
    }
    // A crawl commits each page before its worker goes on (see the module comment),
    // and queues the URLs it discovered once they are in the stored frontier.
    await this.#writer.submit(outcome);
    for (const d of outcome.discovered) this.#frontier.push(d);
    o.stats.total += outcome.discovered.length;
    this.#count(outcome.row!);
  }

  /** Counts a page handed to the writer. */
  #count(row: PageRow): void {
    this.#o.stats.record(row);
    this.#o.onPage?.(row);
  }

  /** The robots.txt rules of `origin`, fetched once. */
  #robotsFor(origin: string): Promise<Robots> {
    let p = this.#robots.get(origin);
    if (p === undefined) {
      const task = createTask(() => this.#loadRobots(origin), { name: `robots ${origin}` });
      p = task.then((r) => r);
      this.#robots.set(origin, p);
    }
    return p;
  }

  async #loadRobots(origin: string): Promise<Robots> {
    const agent = this.#o.crawl!.userAgent;
    try {
      const r = await this.#o.session.get(`${origin}/robots.txt`, { maxBodySize: 512 * 1024 });
      if (r.status >= 200 && r.status < 300) return Robots.parse(await r.text(), agent);
      if (r.status >= 500) {
        this.#o.warn?.(
          `${origin}/robots.txt answered ${r.status}: not crawling ${origin} (RFC 9309)`,
        );
        return Robots.disallowAll();
      }
      return Robots.allowAll();
    } catch {
      // Unreachable host: the pages' own fetches will record the error.
      return Robots.allowAll();
    }
  }

  /** Waits out the host's Crawl-delay. */
  async #politeness(origin: string, delayS: number | null): Promise<void> {
    if (delayS === null || delayS <= 0) return;
    const now = performance.now();
    const at = Math.max(now, this.#nextAt.get(origin) ?? 0);
    this.#nextAt.set(origin, at + delayS * 1000);
    if (at > now) await sleep(at - now);
  }
}
