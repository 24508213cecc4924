/**
 * `CookieJar`: the cookies a session keeps between requests (RFC 6265, the parts a
 * client needs: Domain, Path, Expires, Max-Age, Secure; host-only cookies).
 *
 * @module
 */
import { inspect } from 'node:util';
import { getRunningLoop } from '../running.js';

/** One stored cookie. */
export interface Cookie {
  readonly name: string;
  readonly value: string;
  /** The domain it is sent to (without a leading dot). */
  readonly domain: string;
  /** True when it is sent to `domain` only, not to its subdomains. */
  readonly hostOnly: boolean;
  readonly path: string;
  /** Sent over https only. */
  readonly secure: boolean;
  readonly httpOnly: boolean;
  /** Loop time (ms) at which it expires, or null for a session cookie. */
  readonly expires: number | null;
}

interface Stored extends Cookie {
  readonly created: number;
}

/**
 * A store of cookies: `setCookie` records a `Set-Cookie` header received from a
 * URL, `cookieHeader` gives the `Cookie` header to send to a URL. A session with
 * `cookies: true` (or a jar of its own) does both on every request and redirect.
 *
 * @example
 * ```ts
 * const jar = new CookieJar();
 * const session = new ClientSession({ cookies: jar });
 * await session.get(`${base}/cookies/set?theme=dark`);
 * jar.cookieHeader(`${base}/`); // 'theme=dark'
 * ```
 *
 * Cancellation: not applicable (synchronous). Expiry runs on the loop's clock;
 * `Expires` dates are converted once, when the cookie is received.
 */
export class CookieJar {
  readonly #cookies = new Map<string, Stored>();

  /**
   * Records one `Set-Cookie` header value received in a response from `url`.
   * Returns false when the cookie was rejected (a domain that does not match the
   * URL, a malformed header) or was a deletion.
   */
  setCookie(header: string, url: string | URL): boolean {
    const u = typeof url === 'string' ? new URL(url) : url;
    const parts = header.split(';');
    const first = parts[0]!;
    const eq = first.indexOf('=');
    if (eq <= 0) return false;
    const name = first.slice(0, eq).trim();
    const value = stripQuotes(first.slice(eq + 1).trim());
    if (name === '') return false;
    const host = u.hostname.toLowerCase();
    let domain = host;
    let hostOnly = true;
    let path = defaultPath(u.pathname);
    let secure = false;
    let httpOnly = false;
    let maxAge: number | null = null;
    let expiresAt: number | null = null;
    for (let i = 1; i < parts.length; i++) {
      const p = parts[i]!;
      const k = p.indexOf('=');
      const key = (k < 0 ? p : p.slice(0, k)).trim().toLowerCase();
      const val = k < 0 ? '' : p.slice(k + 1).trim();
      if (key === 'domain' && val !== '') {
        const d = val.replace(/^\./, '').toLowerCase();
        if (!domainMatch(host, d) || !d.includes('.')) return false;
        domain = d;
        hostOnly = false;
      } else if (key === 'path' && val.startsWith('/')) {
        path = val;
      } else if (key === 'secure') {
        secure = true;
      } else if (key === 'httponly') {
        httpOnly = true;
      } else if (key === 'max-age' && /^-?\d+$/.test(val)) {
        maxAge = Number(val) * 1000;
      } else if (key === 'expires') {
        const t = Date.parse(val);
        // Expires is a wall-clock date: convert it once to a delay.
        if (!Number.isNaN(t)) expiresAt = t - Date.now();
      }
    }
    const now = getRunningLoop().time();
    const ttl = maxAge ?? expiresAt;
    const key = `${domain};${path};${name}`;
    if (ttl !== null && ttl <= 0) {
      this.#cookies.delete(key);
      return false;
    }
    const old = this.#cookies.get(key);
    this.#cookies.set(key, {
      name,
      value,
      domain,
      hostOnly,
      path,
      secure,
      httpOnly,
      expires: ttl === null ? null : now + ttl,
      created: old?.created ?? now,
    });
    return true;
  }

  /** Records every `Set-Cookie` value of a response's headers (a string or a list). */
  setCookies(headers: string | readonly string[] | undefined, url: string | URL): void {
    if (headers === undefined) return;
    if (typeof headers === 'string') this.setCookie(headers, url);
    else for (const h of headers) this.setCookie(h, url);
  }

  /** The `Cookie` header to send to `url` (longest paths first), or `''` for none. */
  cookieHeader(url: string | URL): string {
    if (this.#cookies.size === 0) return '';
    const u = typeof url === 'string' ? new URL(url) : url;
    const list = this.#matching(u);
    let out = '';
    for (const c of list) out += (out === '' ? '' : '; ') + `${c.name}=${c.value}`;
    return out;
  }

  /** The cookies that would be sent to `url`, or every live cookie without a URL. */
  cookies(url?: string | URL): Cookie[] {
    if (url === undefined) {
      const now = getRunningLoop().time();
      return [...this.#cookies.values()]
        .filter((c) => c.expires === null || c.expires > now)
        .map(publicView);
    }
    return this.#matching(typeof url === 'string' ? new URL(url) : url).map(publicView);
  }

  /** Forgets every cookie (or those of `domain`). */
  clear(domain?: string): void {
    if (domain === undefined) {
      this.#cookies.clear();
      return;
    }
    const d = domain.toLowerCase();
    for (const [k, c] of this.#cookies) if (c.domain === d) this.#cookies.delete(k);
  }

  /** How many cookies are stored (expired ones included until next used). */
  get size(): number {
    return this.#cookies.size;
  }

  /** `<CookieJar 3 cookies>` */
  toString(): string {
    return `<CookieJar ${this.#cookies.size} cookie${this.#cookies.size === 1 ? '' : 's'}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  #matching(u: URL): Stored[] {
    const host = u.hostname.toLowerCase();
    const path = u.pathname || '/';
    const https = u.protocol === 'https:';
    const now = getRunningLoop().time();
    const out: Stored[] = [];
    for (const [k, c] of this.#cookies) {
      if (c.expires !== null && c.expires <= now) {
        this.#cookies.delete(k);
        continue;
      }
      if (c.secure && !https) continue;
      if (c.hostOnly ? host !== c.domain : !domainMatch(host, c.domain)) continue;
      if (!pathMatch(path, c.path)) continue;
      out.push(c);
    }
    out.sort((a, b) => b.path.length - a.path.length || a.created - b.created);
    return out;
  }
}

function publicView(c: Stored): Cookie {
  const { created: _created, ...rest } = c;
  return rest;
}

function stripQuotes(v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

function domainMatch(host: string, domain: string): boolean {
  return host === domain || (host.endsWith(`.${domain}`) && !/^[\d.]+$/.test(host));
}

function pathMatch(reqPath: string, cookiePath: string): boolean {
  if (reqPath === cookiePath) return true;
  if (!reqPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || reqPath[cookiePath.length] === '/';
}

function defaultPath(p: string): string {
  if (!p.startsWith('/')) return '/';
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}
