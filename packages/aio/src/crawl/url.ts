/**
 * URL normalisation and crawl scope.
 *
 * Two references to the same page must become the same string, or the crawl fetches
 * it twice: the WHATWG parser already lowercases the scheme and host, drops default
 * ports and resolves dot segments; on top of that the fragment goes, an empty query
 * (`?`) goes, and percent-escapes are uppercased (`%7e` and `%7E` are one byte).
 *
 * @module
 */

/**
 * The normalised absolute form of `href` resolved against `base`, or null when it is
 * not an http(s) URL (mailto:, javascript:, data:, unparsable).
 */
export function normalizeUrl(href: string, base?: string | URL): string | null {
  let u: URL;
  const h = href.trim();
  if (base === undefined && isNormalUrl(h)) return h;
  // The fragment is cut before parsing: setting `hash` afterwards re-parses the URL.
  const hash = h.indexOf('#');
  try {
    u = new URL(hash >= 0 ? h.slice(0, hash) : h, base);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.hash !== '') u.hash = ''; // from a base with a fragment
  // A trailing dot on the host names the same host.
  if (u.hostname.endsWith('.')) u.hostname = u.hostname.slice(0, -1);
  let s = u.href;
  // An empty query (`?` alone): `search` reads '' but the href keeps the `?`.
  if (u.search === '' && s.endsWith('?')) s = s.slice(0, -1);
  if (s.includes('%')) s = s.replace(/%[0-9a-f]{2}/gi, (m) => m.toUpperCase());
  return s;
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';

/**
 * The shape of an absolute http(s) URL in normal form (see {@link isNormalUrl}); the
 * port is captured. One plain regular expression: it runs once per input URL, mostly
 * before the code around it is optimised, where compiled expressions beat loops.
 */
const NORMAL = new RegExp(`^${normalShape('([1-9]\\d{0,4})')}$`);

/** The source of {@link NORMAL} without anchors, its port digits given as `port`. */
function normalShape(port: string): string {
  return (
    'https?://(?:(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\\.)*[a-z](?:[a-z0-9-]*[a-z0-9])?' +
    `|(?:${OCTET}\\.){3}${OCTET})` +
    `(?::${port})?` +
    "/[\\w\\-.~!$&'()*+,;=:@/%]*" +
    '(?:\\?[\\w\\-.~!$&()*+,;=:@/?%]+)?'
  );
}

/**
 * A whole text of lines each of {@link NORMAL}'s shape (none empty, no carriage
 * return), the last with or without its line feed: one pass of compiled code over a
 * list, instead of a call of {@link isNormalUrl} per line before the code is warm.
 */
const NORMAL_LINES = new RegExp(
  `^(?:${normalShape('[1-9]\\d{0,4}')}\\n)*(?:${normalShape('[1-9]\\d{0,4}')})?$`,
);

/** About how many characters {@link normalLines} tests at once. */
const LINES_BLOCK = 64 * 1024;

/**
 * What {@link isNormalUrl} checks beyond {@link NORMAL}'s shape, looked for anywhere in
 * a text (so also where it would be harmless, like a query: the text is then read
 * line by line): punycode, percent-escapes, dot segments, a port that is some
 * scheme's default or above 65535.
 */
const MAYBE_NOT_NORMAL =
  /xn--|%|\/\.\.?(?:[/?\n]|$)|:(?:80|443|6553[6-9]|655[4-9]\d|65[6-9]\d\d|6[6-9]\d{3}|[7-9]\d{4})\//;

/**
 * The lines of `text` when every one is a URL {@link isNormalUrl} accepts (blank
 * lines, comments, spaces and carriage returns are not), or null: then read it line
 * by line. In a process that reads its list once, before the code is warm, `aio
 * fetch` then reads 20,000 URLs in about 11 ms instead of 20.
 */
export function normalLines(text: string): string[] | null {
  if (MAYBE_NOT_NORMAL.test(text)) return null;
  // In blocks of whole lines: one test over millions of lines would overflow the
  // expression's backtracking stack.
  for (let start = 0; start < text.length;) {
    let end = text.indexOf('\n', start + LINES_BLOCK);
    end = end < 0 ? text.length : end + 1;
    if (!NORMAL_LINES.test(text.slice(start, end))) return null;
    start = end;
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * True when `url` is already in the form {@link normalizeUrl} gives, which the
 * parser would give back unchanged (it then skips the parser: reading a list of
 * 20,000 URLs took 50 ms of parsing). That is: `http://` or `https://`; a lowercase
 * host of letter, digit and hyphen labels whose last starts with a letter (not an
 * IPv4 number in disguise) and none is punycode, or a dotted IPv4 address in
 * canonical form; a port other than the scheme's own; a path of characters the parser
 * leaves alone, with uppercase percent-escapes and no dot segment (also escaped);
 * and maybe a non-empty query likewise. No userinfo, fragment, backslash, space or
 * non-ASCII character. A false answer only means "parse it".
 */
export function isNormalUrl(url: string): boolean {
  const m = NORMAL.exec(url);
  if (m === null || url.includes('xn--')) return false;
  if (m[1] !== undefined) {
    const port = Number(m[1]);
    if (port > 65535 || port === (url.charCodeAt(4) === 0x73 ? 443 : 80)) return false;
  }
  if (url.includes('%') && /%(?![0-9A-F]{2})/.test(url)) return false;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  // Dot segments, also escaped (`%2E`), are resolved by the parser.
  return !(path.includes('/.') && /\/\.\.?(?:\/|$)/.test(path)) && !path.includes('%2E');
}

/** How far a crawl may go from its start URLs. */
export type ScopeKind = 'host' | 'domain' | 'prefix' | 'pattern';

/** Decides which discovered URLs belong to the crawl. */
export class Scope {
  readonly kind: ScopeKind;
  readonly #hosts = new Set<string>();
  readonly #domains: string[] = [];
  readonly #prefixes: string[] = [];
  readonly #pattern: RegExp | null;

  /**
   * @param kind `host`: the start URLs' hosts (and ports); `domain`: their registrable
   * domain and its subdomains (the host minus its first label when it has three or
   * more); `prefix`: URLs under a start URL's directory; `pattern`: URLs matching
   * `pattern` (a regular expression).
   */
  constructor(kind: ScopeKind, starts: readonly string[], pattern?: string) {
    this.kind = kind;
    this.#pattern = null;
    if (kind === 'pattern') {
      if (pattern === undefined) throw new TypeError('a pattern scope needs a pattern');
      this.#pattern = new RegExp(pattern);
    }
    for (const s of starts) {
      const u = new URL(s);
      this.#hosts.add(u.host);
      const labels = u.hostname.split('.');
      const isIp = /^[\d.]+$/.test(u.hostname) || u.hostname.startsWith('[');
      this.#domains.push(isIp || labels.length < 3 ? u.hostname : labels.slice(1).join('.'));
      this.#prefixes.push(u.origin + u.pathname.slice(0, u.pathname.lastIndexOf('/') + 1));
    }
  }

  /** True when the normalised `url` is in scope. */
  has(url: string): boolean {
    switch (this.kind) {
      case 'host': {
        // A normalised URL: the host (and port) runs from after '//' to the path.
        const host = hostOf(url);
        return host !== null && this.#hosts.has(host);
      }
      case 'domain': {
        const h = new URL(url).hostname;
        return this.#domains.some((d) => h === d || h.endsWith(`.${d}`));
      }
      case 'prefix':
        return this.#prefixes.some((p) => url.startsWith(p));
      case 'pattern':
        return this.#pattern!.test(url);
    }
  }
}

/**
 * The host (with the port) of a normalised http(s) URL, without a regular
 * expression's match objects (scope checks run it for every link); null if none.
 */
export function hostOf(url: string): string | null {
  const start = url.indexOf('//') + 2;
  if (start < 2) return null;
  let end = start;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === 0x2f || c === 0x3f || c === 0x23) break; // / ? #
    end++;
  }
  const at = url.lastIndexOf('@', end - 1);
  const from = at >= start ? at + 1 : start;
  return end > from ? url.slice(from, end) : null;
}
