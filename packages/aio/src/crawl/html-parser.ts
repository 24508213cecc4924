/**
 * What the crawler reads in an HTML page: the title and the links (`a`, `area`,
 * `link rel=next`), resolved against `<base href>` when there is one. htmlparser2's
 * tokenizer reads the page: malformed HTML is read the way browsers read it,
 * comments and scripts are not mistaken for links. Character references are decoded
 * only in what is kept (hrefs, the title), not in the whole page.
 *
 * Loaded on demand through {@link loadHtmlParser} (html.ts): `aio fetch` reads most
 * titles without it.
 *
 * @module
 */
import { decodeHTML, decodeHTMLAttribute } from 'entities';
import { Tokenizer, type TokenizerCallbacks } from 'htmlparser2';
import { collapse } from './html.js';

/** What {@link parseHtml} found. */
export interface ParsedPage {
  /** The title, whitespace collapsed; null when the page has none. */
  title: string | null;
  /** The raw hrefs, in document order (not resolved). */
  hrefs: string[];
  /** The `<base href>`, if any (the first one counts). */
  base: string | null;
}

/** What a tag is to {@link parseHtml}. */
const enum Tag {
  Other,
  Anchor, // a, area
  Link,
  Base,
  Title,
}

function tagKind(name: string): Tag {
  switch (name) {
    case 'a':
    case 'area':
      return Tag.Anchor;
    case 'link':
      return Tag.Link;
    case 'base':
      return Tag.Base;
    case 'title':
      return Tag.Title;
    default:
      return Tag.Other;
  }
}

/**
 * The callbacks of htmlparser2's tokenizer that keep what a crawl reads. The
 * tokenizer is the parser's own (comments, raw text of scripts and styles, RCDATA
 * of titles, every quoting of attributes); skipping the parser above it, which
 * builds an attribute object and tracks the open elements for every tag, halves
 * the time per page. Attributes are kept only on the tags that matter.
 */
class Scanner implements TokenizerCallbacks {
  html = '';
  title: string | null = null;
  base: string | null = null;
  readonly hrefs: string[] = [];
  #tag = Tag.Other;
  #inTitle = false;
  #titleText = '';
  #attrName = '';
  #attrValue = '';
  #href: string | undefined = undefined;
  #rel: string | undefined = undefined;

  onopentagname(start: number, end: number): void {
    this.#tag = tagKind(this.html.slice(start, end).toLowerCase());
    this.#href = undefined;
    this.#rel = undefined;
  }
  onattribname(start: number, end: number): void {
    if (this.#tag === Tag.Other) return;
    this.#attrName = this.html.slice(start, end).toLowerCase();
    this.#attrValue = '';
  }
  onattribdata(start: number, end: number): void {
    if (this.#tag !== Tag.Other) this.#attrValue += this.html.slice(start, end);
  }
  onattribend(): void {
    if (this.#tag === Tag.Other) return;
    // The first of repeated attributes counts, as in browsers.
    if (this.#attrName === 'href') this.#href ??= this.#attrValue;
    else if (this.#attrName === 'rel') this.#rel ??= this.#attrValue;
  }
  onopentagend(): void {
    const href = this.#href;
    switch (this.#tag) {
      case Tag.Other:
        return;
      case Tag.Anchor:
        if (href !== undefined && href !== '') this.hrefs.push(attr(href));
        break;
      case Tag.Link:
        if (
          href !== undefined &&
          href !== '' &&
          (this.#rel ?? '').toLowerCase().split(/\s+/).includes('next')
        )
          this.hrefs.push(attr(href));
        break;
      case Tag.Base:
        if (this.base === null && href !== undefined) this.base = attr(href);
        break;
      case Tag.Title:
        if (this.title === null) {
          this.#inTitle = true;
          this.#titleText = '';
        }
        break;
    }
    this.#tag = Tag.Other;
  }
  onselfclosingtag(): void {
    this.onopentagend();
  }
  ontext(start: number, end: number): void {
    if (this.#inTitle) this.#titleText += this.html.slice(start, end);
  }
  onclosetag(start: number, end: number): void {
    if (this.#inTitle && this.html.slice(start, end).toLowerCase() === 'title') this.#endTitle();
  }
  onend(): void {
    if (this.#inTitle) this.#endTitle();
  }
  #endTitle(): void {
    this.#inTitle = false;
    this.title = text(this.#titleText);
  }
  onattribentity(): void {}
  ontextentity(): void {}
  oncdata(): void {}
  oncomment(): void {}
  ondeclaration(): void {}
  onprocessinginstruction(): void {}
}

/** Parses `html` for its title, base and link targets. */
export function parseHtml(html: string): ParsedPage {
  const scanner = new Scanner();
  scanner.html = html;
  const tokenizer = new Tokenizer({ decodeEntities: false }, scanner);
  tokenizer.write(html);
  tokenizer.end();
  return { title: scanner.title, hrefs: scanner.hrefs, base: scanner.base };
}

/** An attribute value with its character references decoded. */
function attr(v: string): string {
  return v.includes('&') ? decodeHTMLAttribute(v) : v;
}

/** Text with its character references decoded and whitespace collapsed. */
function text(v: string): string {
  return collapse(v.includes('&') ? decodeHTML(v) : v);
}
