/**
 * Reading titles without a parser, and loading the parser (`html-parser.ts`,
 * htmlparser2 and entities) only when a page needs it: `aio fetch` reads the title
 * of a plain page here, and a run whose pages are all plain never loads it.
 *
 * @module
 */
import type * as HtmlParser from './html-parser.js';

let parser: typeof HtmlParser | null = null;
let loading: Promise<typeof HtmlParser> | null = null;

/** The HTML parser module, loaded on first use. */
export function loadHtmlParser(): Promise<typeof HtmlParser> {
  loading ??= import('./html-parser.js').then((m) => (parser = m));
  return loading;
}

/** The HTML parser module if it is loaded already, else null. */
export function htmlParserNow(): typeof HtmlParser | null {
  return parser;
}

/** The tags that may come before the title in a head read by {@link quickTitle}. */
const HEAD_TAGS = new Set(['!doctype', 'html', '/html', 'head', '/head', 'meta', 'link', 'base']);

/**
 * The title of a page without a parser, when its start is plain enough to be sure
 * (what `aio fetch` reads on every page): only a doctype, `html`, `head`, `meta`,
 * `link` and `base` tags before the first `<title>`, whose content (raw text in
 * HTML) runs to the first `</title` and holds no character reference but the
 * common ones (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&nbsp;`, and numeric
 * ones of plain characters). Anything else (a comment, a script, a template or body
 * content before the title, another reference) could hide or fake a title or need
 * the full table of references: then `undefined`, and the caller uses the parser's
 * `parseHtml`. Equal to `parseHtml(html).title` whenever it answers (the tests
 * compare them).
 */
export function quickTitle(html: string): string | null | undefined {
  const limit = Math.min(html.length, 4096);
  for (let i = html.indexOf('<'); i >= 0 && i < limit; i = html.indexOf('<', i + 1)) {
    TAG_START.lastIndex = i;
    const m = TAG_START.exec(html);
    if (m === null) return undefined;
    const name = m[1]!.toLowerCase();
    if (name === 'title') return titleAt(html, i);
    if (!HEAD_TAGS.has(name)) return undefined;
  }
  return undefined;
}

/** The start of a tag at `lastIndex`: `<name` or `</name` followed by a space, `/` or `>`. */
const TAG_START = /<(!doctype|\/?[a-z]+)[\s/>]/iy;

/** The title whose `<title` starts at `open`, or undefined when unsure. */
function titleAt(html: string, open: number): string | undefined {
  const gt = html.indexOf('>', open);
  // Quotes in the tag could hide a `>`.
  if (gt < 0 || /["']/.test(html.slice(open, gt))) return undefined;
  const close = indexOfCaseless(html, '</title', gt);
  if (close < 0) return undefined;
  const raw = html.slice(gt + 1, close);
  const decoded = raw.includes('&') ? decodeCommon(raw) : raw;
  return decoded === undefined ? undefined : collapse(decoded);
}

/** The first `needle` (lowercase ASCII, starting `</`) in `s` from `from`, in any case. */
function indexOfCaseless(s: string, needle: string, from: number): number {
  for (let i = s.indexOf('</', from); i >= 0; i = s.indexOf('</', i + 2)) {
    if (s.slice(i, i + needle.length).toLowerCase() === needle) return i;
  }
  return -1;
}

/** The named references {@link decodeCommon} knows. */
const NAMED = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
  ['nbsp', '\u00a0'],
]);

/** A reference at `lastIndex`: `&name;`, `&#digits;` or `&#xhex;`. */
const REFERENCE = /&(?:([a-z]+)|#(\d{1,7})|#[xX]([\da-fA-F]{1,6}));/y;

/** A code point every decoder turns into itself (no control, surrogate, or noncharacter). */
function plainCodePoint(cp: number): boolean {
  return (
    cp === 0x09 ||
    cp === 0x0a ||
    (cp >= 0x20 && cp < 0x7f) ||
    (cp >= 0xa0 && cp < 0xd800) ||
    (cp >= 0xe000 && cp < 0xfdd0) ||
    (cp > 0xfdef && cp < 0xfffe)
  );
}

/**
 * `text` with its common character references decoded, or undefined when it holds
 * any other `&` (a rarer name, a reference without `;`, an odd number): the full
 * table (entities) then decides, as browsers do.
 */
function decodeCommon(text: string): string | undefined {
  let out = '';
  let last = 0;
  for (let i = text.indexOf('&'); i >= 0; i = text.indexOf('&', last)) {
    REFERENCE.lastIndex = i;
    const m = REFERENCE.exec(text);
    if (m === null) return undefined;
    let ch: string | undefined;
    if (m[1] !== undefined) ch = NAMED.get(m[1]);
    else {
      const cp = m[2] !== undefined ? Number(m[2]) : parseInt(m[3]!, 16);
      if (plainCodePoint(cp)) ch = String.fromCharCode(cp);
    }
    if (ch === undefined) return undefined;
    out += text.slice(last, i) + ch;
    last = i + m[0].length;
  }
  return out + text.slice(last);
}

/** Whitespace that collapsing would change (a single space stays). */
const SPACES = /[^\S ]| \s/;

/** `text` with its whitespace collapsed to single spaces and trimmed. */
export function collapse(text: string): string {
  // Trimmed first: most titles only have whitespace around them.
  const t = text.trim();
  return SPACES.test(t) ? t.replace(/\s+/g, ' ') : t;
}
