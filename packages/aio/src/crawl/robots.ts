/**
 * robots.txt (RFC 9309): groups by user agent, `Allow`/`Disallow` with the longest
 * match winning (Allow on a tie), `*` and `$` in paths, and `Crawl-delay`.
 *
 * What a fetch of robots.txt means (RFC 9309 section 2.3.1): 2xx, the rules it holds;
 * 4xx, no rules (everything allowed); 5xx or no answer, everything disallowed.
 *
 * @module
 */

interface Rule {
  allow: boolean;
  /** The path pattern as written. */
  path: string;
  /** The compiled pattern, when it holds `*` or `$`. */
  re: RegExp | null;
}

/** The rules of one robots.txt that apply to one user agent. */
export class Robots {
  readonly #rules: Rule[];
  /** The `Crawl-delay` of the group, in seconds; null when it has none. */
  readonly crawlDelay: number | null;

  private constructor(rules: Rule[], crawlDelay: number | null) {
    this.#rules = rules;
    this.crawlDelay = crawlDelay;
  }

  /** Rules that allow everything (robots.txt missing: 4xx). */
  static allowAll(): Robots {
    return new Robots([], null);
  }

  /** Rules that disallow everything (robots.txt unreachable: 5xx, network error). */
  static disallowAll(): Robots {
    return new Robots([{ allow: false, path: '/', re: null }], null);
  }

  /** Parses `text` for the group that applies to `userAgent` (its product token). */
  static parse(text: string, userAgent: string): Robots {
    const agent = userAgent.toLowerCase().split('/')[0]!.trim();
    interface Group {
      agents: string[];
      rules: Rule[];
      delay: number | null;
    }
    const groups: Group[] = [];
    let current: Group | null = null;
    let lastWasAgent = false;
    for (const raw of text.split(/\r\n|\r|\n/)) {
      const line = raw.replace(/#.*$/, '').trim();
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const key = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (key === 'user-agent') {
        if (current === null || !lastWasAgent) {
          current = { agents: [], rules: [], delay: null };
          groups.push(current);
        }
        current.agents.push(value.toLowerCase());
        lastWasAgent = true;
        continue;
      }
      lastWasAgent = false;
      if (current === null) continue;
      if (key === 'allow' || key === 'disallow') {
        if (value === '') continue; // "Disallow:" with nothing allows everything
        current.rules.push({ allow: key === 'allow', path: value, re: compile(value) });
      } else if (key === 'crawl-delay') {
        const d = Number(value);
        if (Number.isFinite(d) && d >= 0) current.delay = d;
      }
    }
    // The groups naming this agent, merged; else the `*` groups.
    let chosen = groups.filter((g) => g.agents.some((a) => a !== '*' && agent.startsWith(a)));
    if (chosen.length === 0) chosen = groups.filter((g) => g.agents.includes('*'));
    const rules = chosen.flatMap((g) => g.rules);
    const delays = chosen.map((g) => g.delay).filter((d): d is number => d !== null);
    return new Robots(rules, delays.length > 0 ? Math.max(...delays) : null);
  }

  /** True when the rules let the crawler fetch `url` (absolute or a path). */
  allowed(url: string): boolean {
    if (this.#rules.length === 0) return true;
    let path: string;
    if (url.startsWith('/')) path = url;
    else {
      const u = new URL(url);
      path = u.pathname + u.search;
    }
    if (path === '/robots.txt') return true;
    let best: Rule | null = null;
    for (const r of this.#rules) {
      const matches =
        r.re !== null
          ? r.re.test(path)
          : path.startsWith(r.path) || decodeSafe(path).startsWith(r.path);
      if (!matches) continue;
      if (
        best === null ||
        r.path.length > best.path.length ||
        (r.path.length === best.path.length && r.allow && !best.allow)
      ) {
        best = r;
      }
    }
    return best === null || best.allow;
  }
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A pattern with `*` or a final `$` as an anchored regular expression; null otherwise. */
function compile(path: string): RegExp | null {
  if (!path.includes('*') && !path.endsWith('$')) return null;
  const anchored = path.endsWith('$');
  const body = (anchored ? path.slice(0, -1) : path)
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}${anchored ? '$' : ''}`);
}
