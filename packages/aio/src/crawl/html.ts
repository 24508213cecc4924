/**
 * What the crawler reads in an HTML page: the title and the links (`a`, `area`,
 * `link rel=next`), resolved against `<base href>` when there is one. A streaming
 * parser (htmlparser2): malformed HTML is read the way browsers read it, comments and
 * scripts are not mistaken for links. Character references are decoded only in what
 * is kept (hrefs, the title), not in the whole page: a third less parsing time.
 *
 * @module
 */
import { decodeHTML, decodeHTMLAttribute } from 'entities';
import { Parser } from 'htmlparser2';

/** What {@link parseHtml} found. */
export interface ParsedPage {
  /** The title, whitespace collapsed; null when the page has none. */
  title: string | null;
  /** The raw hrefs, in document order (not resolved). */
  hrefs: string[];
  /** The `<base href>`, if any (the first one counts). */
  base: string | null;
}

/** Parses `html` for its title, base and link targets. */
export function parseHtml(html: string): ParsedPage {
  let title: string | null = null;
  let inTitle = false;
  let titleText = '';
  let base: string | null = null;
  const hrefs: string[] = [];
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        switch (name) {
          case 'a':
          case 'area': {
            const href = attrs['href'];
            if (href !== undefined && href !== '') hrefs.push(attr(href));
            break;
          }
          case 'link': {
            const href = attrs['href'];
            const rel = (attrs['rel'] ?? '').toLowerCase().split(/\s+/);
            if (href !== undefined && href !== '' && rel.includes('next')) hrefs.push(attr(href));
            break;
          }
          case 'base':
            if (base === null && attrs['href'] !== undefined) base = attr(attrs['href']);
            break;
          case 'title':
            if (title === null) {
              inTitle = true;
              titleText = '';
            }
            break;
        }
      },
      ontext(chunk) {
        if (inTitle) titleText += chunk;
      },
      onclosetag(name) {
        if (name === 'title' && inTitle) {
          inTitle = false;
          title = text(titleText);
        }
      },
    },
    { decodeEntities: false, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  if (inTitle) title = text(titleText);
  return { title, hrefs, base };
}

/** The tags that may come before the title in a head read by {@link quickTitle}. */
const HEAD_TAGS = new Set(['!doctype', 'html', '/html', 'head', '/head', 'meta', 'link', 'base']);

/**
 * The title of a page without a parser, when its start is plain enough to be sure
 * (what `aio fetch` reads on every page): only a doctype, `html`, `head`, `meta`,
 * `link` and `base` tags before the first `<title>`, whose content (raw text in
 * HTML) runs to the first `</title`. Anything else before it (a comment, a script,
 * a template, body content) could hide or fake a title: then `undefined`, and the
 * caller uses {@link parseHtml}. Equal to `parseHtml(html).title` whenever it
 * answers (the tests compare them).
 */
export function quickTitle(html: string): string | null | undefined {
  const start = html.length > 4096 ? html.slice(0, 4096) : html;
  const lower = start.toLowerCase();
  // Lowercasing can change the length (U+0130): indexes would no longer match.
  if (lower.length !== start.length) return undefined;
  const open = lower.indexOf('<title');
  if (open < 0) return undefined;
  for (let i = lower.indexOf('<'); i >= 0 && i < open; i = lower.indexOf('<', i + 1)) {
    const m = /^<(!doctype|\/?[a-z]+)[\s/>]/.exec(lower.slice(i, i + 12));
    if (m === null || !HEAD_TAGS.has(m[1]!)) return undefined;
  }
  const after = lower.charCodeAt(open + 6);
  // `<titlex>` is another element; quotes in the tag could hide a `>`.
  if (after !== 62 /* > */ && after !== 32 && after !== 9 && after !== 10 && after !== 13)
    return undefined;
  const gt = lower.indexOf('>', open);
  if (gt < 0 || /["']/.test(lower.slice(open, gt))) return undefined;
  const close = lower.indexOf('</title', gt);
  if (close < 0) return undefined;
  return text(html.slice(gt + 1, close));
}

/** An attribute value with its character references decoded. */
function attr(v: string): string {
  return v.includes('&') ? decodeHTMLAttribute(v) : v;
}

/** Text with its character references decoded and whitespace collapsed. */
function text(v: string): string {
  return (v.includes('&') ? decodeHTML(v) : v).replace(/\s+/g, ' ').trim();
}
