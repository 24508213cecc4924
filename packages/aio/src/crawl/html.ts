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

/**
 * The title of a page without a parser, when its start is plain enough to be sure
 * (what `aio fetch` reads on every page): only whitespace and doctype, `html`,
 * `head`, `meta`, `link` and `base` tags (attributes quoted or not) before the first
 * `<title>`, whose content (raw text in HTML) runs to the first `</title>` and holds
 * no character reference but the common ones (`&amp;`, `&lt;`, `&gt;`, `&quot;`,
 * `&apos;`, `&nbsp;`, and numeric ones of plain characters). Anything else (a
 * comment, a script, a template, text or body content before the title, quotes in
 * the title tag, another reference) could hide or fake a title or need the full
 * table of references: then `undefined`, and the caller uses the parser's
 * `parseHtml`. Equal to `parseHtml(html).title` whenever it answers (the tests
 * compare them).
 */
export function quickTitle(html: string): string | undefined {
  const at = locateTitle(html);
  return at === undefined ? undefined : titleText(html.slice(at.start, at.end));
}

/**
 * {@link quickTitle} of the page in `body` (UTF-8), reading its tags as Latin-1 (one
 * character per byte, so that offsets are byte offsets) and decoding the title alone:
 * no string of the whole head is made.
 */
export function quickTitleOf(body: Buffer): string | undefined {
  // The pages of a site mostly share their start: bytes first, no string at all.
  const same = sameStartTitle(body);
  if (same !== undefined) return same;
  // Most heads end within the first bytes: a short string first.
  let head = body.toString('latin1', 0, Math.min(body.length, SHORT_HEAD_BYTES));
  let at = locateTitle(head);
  if (at === undefined && body.length > SHORT_HEAD_BYTES) {
    head = body.toString('latin1', 0, Math.min(body.length, HEAD_BYTES));
    at = locateTitle(head);
  }
  return at === undefined ? undefined : titleText(body.toString('utf8', at.start, at.end));
}

/** Where {@link quickTitleOf} looks first. */
const SHORT_HEAD_BYTES = 512;

/** How far {@link quickTitleOf} looks for a title and its end. */
const HEAD_BYTES = 8192;

/** How far into a page the `<title>` tag may start for {@link locateTitle}. */
const TITLE_START_LIMIT = 4096;

/** The first `<title` tag (with a delimiter, as HTML's tokenizer wants). */
const TITLE_OPEN = /<title[\t\n\f\r />]/i;

/**
 * A start of a page that holds only whitespace and plain head tags: each alternative
 * starts with its own character, and a tag's attributes are runs of other characters
 * and quoted values, so the match never backtracks. A `<` inside a quoted value
 * (`content="<title>"`) stays inside it.
 */
const PLAIN_HEAD =
  /^(?:[\t\n\f\r ]|<!doctype(?:[\t\n\f\r ][^<>"']*)?>|<\/?(?:html|head|meta|link|base)(?:[\t\n\f\r /][^<>"']*(?:(?:"[^"]*"|'[^']*')[^<>"']*)*)?>)*$/i;

/** The rest of a title tag after `<title`: attributes without quotes (they could hide a `>`). */
const TITLE_TAG_REST = /[^<>"']*>/y;

/** The end tag of a title: `</title` and a delimiter, in any case. */
const TITLE_CLOSE = /<\/title[\t\n\f\r />]/gi;

/** The start of the last page {@link PLAIN_HEAD} accepted. */
let lastPlainHead = '';

/** No bytes. */
const NO_BYTES = Buffer.alloc(0);

/** {@link lastPlainHead} as bytes (empty when it is not all plain Latin-1: see NOT_LATIN1). */
let lastPlainBytes: Buffer = NO_BYTES;

/**
 * A character that is not one Latin-1 byte, or a control character other than
 * HTML's whitespace (one byte, but rare enough in a head to leave to the string
 * path: a safe refusal).
 */
const NOT_LATIN1 = /[^\t\n\f\r\u0020-\u00ff]/;

/** `<title` as bytes. */
const TITLE_OPEN_BYTES = Buffer.from('<title', 'latin1');

/** The bytes of `body` from `at` equal `lower` (lowercase letters), case aside. */
function bytesAre(body: Buffer, at: number, lower: Buffer): boolean {
  if (at + lower.length > body.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const c = body[at + i]!;
    // ASCII letters compare with their 0x20 bit set; '<', '/' must be themselves.
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== lower[i]) return false;
  }
  return true;
}

/** `</title` as bytes. */
const TITLE_CLOSE_BYTES = Buffer.from('</title', 'latin1');

/** A delimiter after a tag name, as HTML's tokenizer wants it (see TITLE_CLOSE). */
function isTagDelimiter(c: number | undefined): boolean {
  return (
    c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0x20 || c === 0x2f || c === 0x3e
  );
}

/**
 * The title of a page that starts with the bytes of the last plain head
 * {@link locateTitle} accepted, then a bare `<title>`, and whose title holds no `<`
 * before its `</title>`: the same answer as the string path, without making a
 * string of the head. Undefined when the page is not like that (the string path
 * decides). Exported for the tests.
 */
export function sameStartTitle(body: Buffer): string | undefined {
  const n = lastPlainBytes.length;
  if (n === 0 || body.length < n + 16) return undefined;
  if (body.compare(lastPlainBytes, 0, n, 0, n) !== 0) return undefined;
  // The plain head holds no `<title` (it ends before the first), so this is the first.
  if (!bytesAre(body, n, TITLE_OPEN_BYTES) || body[n + 6] !== 0x3e) return undefined;
  const start = n + 7;
  const lt = body.indexOf(0x3c, start);
  if (lt < 0 || lt > HEAD_BYTES) return undefined;
  if (!bytesAre(body, lt, TITLE_CLOSE_BYTES) || !isTagDelimiter(body[lt + 7])) return undefined;
  return titleText(body.toString('utf8', start, lt));
}

/** Where the text of the title of `html` starts and ends, or undefined when unsure. */
function locateTitle(html: string): { start: number; end: number } | undefined {
  const open = html.search(TITLE_OPEN);
  if (open < 0 || open > TITLE_START_LIMIT) return undefined;
  // The pages of a site mostly share their start: the last plain one is remembered.
  const prefix = html.slice(0, open);
  if (prefix !== lastPlainHead) {
    if (!PLAIN_HEAD.test(prefix)) return undefined;
    lastPlainHead = prefix;
    // As bytes for sameStartTitle(), when every character is one (a head read as
    // Latin-1 always is; one decoded from UTF-8 may not be, and is left out).
    lastPlainBytes = NOT_LATIN1.test(prefix) ? NO_BYTES : Buffer.from(prefix, 'latin1');
  }
  TITLE_TAG_REST.lastIndex = open + 6;
  if (!TITLE_TAG_REST.test(html)) return undefined;
  const start = TITLE_TAG_REST.lastIndex;
  TITLE_CLOSE.lastIndex = start;
  const close = TITLE_CLOSE.exec(html);
  if (close === null) return undefined;
  return { start, end: close.index };
}

/** The title from its raw text, or undefined when the parser has to decide. */
function titleText(raw: string): string | undefined {
  // NUL becomes U+FFFD in HTML: the parser's business.
  if (raw.includes('\0')) return undefined;
  const decoded = raw.includes('&') ? decodeCommon(raw) : raw;
  return decoded === undefined ? undefined : collapse(decoded);
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
  // The usual case: one `&amp;` and no other reference.
  const first = text.indexOf('&');
  if (text.startsWith('amp;', first + 1) && !text.includes('&', first + 5)) {
    return `${text.slice(0, first)}&${text.slice(first + 5)}`;
  }
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
