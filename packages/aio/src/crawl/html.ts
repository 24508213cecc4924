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

/** An attribute value with its character references decoded. */
function attr(v: string): string {
  return v.includes('&') ? decodeHTMLAttribute(v) : v;
}

/** Text with its character references decoded and whitespace collapsed. */
function text(v: string): string {
  return (v.includes('&') ? decodeHTML(v) : v).replace(/\s+/g, ' ').trim();
}
