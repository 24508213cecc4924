// The parts of the crawler that need no network: URL normalisation and scope,
// robots.txt, the HTML reader, option values, CSV reading, the demo site's model.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeHTML, decodeHTMLAttribute } from 'entities';
import { Parser } from 'htmlparser2';
import { readInputs } from '../src/commands/fetch.js';
import { quickTitle, quickTitleOf, sameStartTitle } from '../src/crawl/html.js';
import { parseHtml } from '../src/crawl/html-parser.js';
import { Robots } from '../src/crawl/robots.js';
import { isNormalUrl, normalizeUrl, normalLines, Scope } from '../src/crawl/url.js';
import { Site } from '../src/demo-site/site.js';
import { parseDuration, parseRate, parseSize } from '../src/options.js';
import { csvField, csvFirstFields } from '../src/store/file-store.js';
import { PAGE_COLUMNS, type PageRow } from '../src/store/schema.js';
import { pageInsert } from '../src/store/sql-store.js';
import { postgresTarget } from '../src/store/targets.js';
import { percentile, RunStats } from '../src/ui/stats.js';

describe('normalizeUrl', () => {
  const same: [string, string][] = [
    ['HTTP://Example.COM:80/a/./b/../c?#frag', 'http://example.com/a/c'],
    ['https://example.com:443/', 'https://example.com/'],
    ['http://example.com./x', 'http://example.com/x'],
    ['http://example.com/%7ea', 'http://example.com/%7Ea'],
    ['http://example.com/a?b=1#x', 'http://example.com/a?b=1'],
    ['  http://example.com/  ', 'http://example.com/'],
  ];
  for (const [input, want] of same) {
    it(`${input} -> ${want}`, () => assert.equal(normalizeUrl(input), want));
  }
  it('resolves relative references against a base', () => {
    assert.equal(normalizeUrl('../x.html#t', 'http://h/a/b/c.html'), 'http://h/a/x.html');
    assert.equal(normalizeUrl('#top', 'http://h/a?q=1'), 'http://h/a?q=1');
    assert.equal(normalizeUrl(' x?y=1#a#b ', 'http://h/d/'), 'http://h/d/x?y=1');
    assert.equal(normalizeUrl('', 'http://h/a#frag'), 'http://h/a');
    assert.equal(normalizeUrl('//other/p', 'https://h/'), 'https://other/p');
  });
  it('returns null for what is not http(s)', () => {
    for (const href of [
      'mailto:a@b',
      'javascript:void(0)',
      'data:text/plain,x',
      'ftp://h/',
      'http://',
      '',
    ]) {
      assert.equal(normalizeUrl(href, 'http://h/'), href === '' ? 'http://h/' : null, href);
    }
  });
  it('takes a URL already in normal form as it is, and only such a URL', () => {
    // Random URLs made of pieces the parser changes and pieces it keeps. With a base,
    // normalizeUrl always parses (an absolute URL ignores the base): both must agree.
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
    const schemes = ['http', 'https', 'HTTP', 'Https', 'ftp'];
    const hosts = [
      'example.com',
      'Example.com',
      'a-b.c0d',
      'a-.com',
      'a.b-c.org',
      '127.0.0.1',
      '127.1',
      '0x7f.0.0.1',
      '1.2.3.256',
      '10.0.0.01',
      '255.255.255.255',
      'xn--nxasmq6b.com',
      'xn--a.com',
      'a..b',
      'localhost',
      'a_b.com',
      '[::1]',
      'ex.com.',
      'u:p@h.com',
      'h.1',
    ];
    const ports = ['', '', ':80', ':443', ':8080', ':0', ':65535', ':65536', ':080', ':'];
    const bits = [
      'a',
      'Z',
      '0',
      '.',
      '..',
      '%2e',
      '%2E',
      '%7e',
      '%7E',
      '%zz',
      '%',
      ' ',
      '\\',
      '|',
      '^',
      '`',
      '{',
      '"',
      "'",
      'é',
      '~',
      '_',
      ';',
      '=',
      '@',
      ':',
      '!',
      '$',
      '&',
      '(',
      '*',
      '+',
      ',',
      '[',
      '<',
      '\t',
      '?',
      '#',
      '/',
    ];
    // Half of the URLs are made of characters the parser keeps, mostly.
    const plain = ['a', 'Z', '0', '-', '_', '~', '.', '%7E', '%2F', '=', '&', ':', '@', "'"];
    let from = bits;
    const word = (): string => Array.from({ length: rnd(4) }, () => pick(from)).join('');
    let fast = 0;
    for (let i = 0; i < 20_000; i++) {
      from = i % 2 === 0 ? bits : rnd(8) === 0 ? [...plain, pick(bits)] : plain;
      const path = Array.from({ length: rnd(4) }, () => `/${word()}`).join('');
      const query = pick(['', '', '?', `?${word()}`, `?${word()}=${word()}`]);
      const clean = from !== bits && rnd(2) === 0;
      const url = clean
        ? `${pick(['http', 'https'])}://${pick(['example.com', 'a.b-c.org', '127.0.0.1', 'localhost'])}${pick(['', ':8080'])}${path || '/'}${query}`
        : `${pick(schemes)}://${pick(hosts)}${pick(ports)}${path}${query}`;
      const want = normalizeUrl(url, 'http://base.invalid/');
      assert.equal(normalizeUrl(url), want, url);
      if (isNormalUrl(url)) {
        fast++;
        assert.equal(want, url, url);
      }
    }
    assert.ok(fast > 2000, `only ${fast} URLs took the fast path`);
  });
});

describe('normalLines', () => {
  // Lines isNormalUrl takes, and lines it refuses or the list reader must look at.
  const normal = [
    'http://a.com/',
    'https://b-c.org:8080/x/y.html?q=1&r=2',
    'http://127.0.0.1:41055/docs/s0/page-1.html?n=3',
    "http://a.com/a:80x/~b_c!$&'()*+,;=@",
    'http://a.b.c.d/x?y?z/w',
  ];
  const other = [
    '',
    '# a comment',
    ' http://a.com/',
    'http://a.com/\r',
    'http://a.com/ x',
    'http://a.com:80/',
    'https://a.com:443/',
    'http://a.com:65536/',
    'http://a.com:99999/',
    'http://a.com/%7e',
    'http://a.com/%7E',
    'http://a.com/./x',
    'http://a.com/a/..',
    'http://a.com/a/.?q',
    'http://xn--nxasmq6b.com/',
    'http://A.com/',
    'http://a.com',
    'ftp://a.com/',
    'http://a.com/#f',
    'http://a.com/?',
    'http://1.2.3.256/',
    'http://u@a.com/',
    'http://[::1]/',
    'http://a.com/é',
  ];
  it('knows its lines: isNormalUrl takes the normal ones, and refuses the others but two', () => {
    for (const line of normal) assert.ok(isNormalUrl(line), line);
    // Normal, but the whole-list test leaves any '%' and ':443/' to the line reader.
    const refused = other.filter((line) => !isNormalUrl(line));
    assert.deepEqual(
      other.filter((line) => !refused.includes(line)),
      ['http://a.com/%7E'],
    );
  });
  it('gives the lines of a list of normal URLs, with or without the last line feed', () => {
    const text = normal.join('\n');
    assert.deepEqual(normalLines(text), normal);
    assert.deepEqual(normalLines(`${text}\n`), normal);
    assert.deepEqual(normalLines(''), []);
  });
  it('gives null when any line is not a normal URL, wherever it is', () => {
    let seed = 11;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (const bad of other) {
      for (let k = 0; k < 5; k++) {
        const lines = Array.from({ length: 1 + rnd(6) }, () => normal[rnd(normal.length)]!);
        // An empty last line is the list's last line feed: elsewhere it is a blank line.
        lines.splice(rnd(bad === '' ? lines.length : lines.length + 1), 0, bad);
        assert.equal(normalLines(lines.join('\n')), null, JSON.stringify(lines));
      }
    }
  });
  it('reads a list longer than one block, and finds a bad line in a later block', () => {
    const lines = Array.from(
      { length: 30_000 },
      (_, i) => `http://h${i % 7}.example/p/${i}?n=${i}`,
    );
    const text = `${lines.join('\n')}\n`;
    assert.ok(text.length > 4 * 64 * 1024);
    assert.deepEqual(normalLines(text), lines);
    lines[25_000] = 'http://h.example/a b';
    assert.equal(normalLines(lines.join('\n')), null);
  });
});

describe('readInputs', () => {
  it('reads a plain list as the line-by-line reader does, repeats and order alike', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aio-inputs-'));
    try {
      const urls = Array.from(
        { length: 3000 },
        (_, i) => `http://127.0.0.1:8080/p/${i % 2500}.html`,
      );
      const plain = join(dir, 'plain.txt');
      writeFileSync(plain, `${urls.join('\n')}\n`);
      assert.notEqual(normalLines(readFileSync(plain, 'utf8')), null); // the whole-list path
      // A comment makes the reader look at every line.
      const commented = join(dir, 'commented.txt');
      writeFileSync(commented, `# a list\n${urls.join('\n')}\n`);
      const fast = readInputs([plain], () => '');
      const slow = readInputs([commented], () => '');
      assert.deepEqual(fast, slow);
      assert.equal(fast.urls.length, 2500);
      assert.equal(fast.duplicates, 500);
      assert.deepEqual(fast.urls.slice(0, 3), urls.slice(0, 3));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Scope', () => {
  it('host: the start hosts and ports only', () => {
    const s = new Scope('host', ['http://a.example.com:8080/x']);
    assert.ok(s.has('http://a.example.com:8080/y'));
    assert.ok(!s.has('http://a.example.com/y'));
    assert.ok(!s.has('http://b.example.com:8080/y'));
  });
  it('domain: the domain and its subdomains', () => {
    const s = new Scope('domain', ['https://www.example.com/']);
    assert.ok(s.has('https://example.com/'));
    assert.ok(s.has('http://docs.example.com/a'));
    assert.ok(!s.has('https://example.org/'));
    assert.ok(!s.has('https://notexample.com/'));
  });
  it('prefix: under the start directory', () => {
    const s = new Scope('prefix', ['http://h/docs/v2/index.html']);
    assert.ok(s.has('http://h/docs/v2/api/x'));
    assert.ok(!s.has('http://h/docs/v1/'));
  });
  it('pattern: a regular expression', () => {
    const s = new Scope('pattern', ['http://h/'], '^http://h/(a|b)/');
    assert.ok(s.has('http://h/a/1'));
    assert.ok(!s.has('http://h/c/1'));
  });
});

describe('robots.txt', () => {
  const text = [
    '# comment',
    'User-agent: aio',
    'User-agent: otherbot',
    'Disallow: /private/',
    'Allow: /private/open',
    'Disallow: /*.pdf$',
    'Crawl-delay: 2',
    '',
    'User-agent: *',
    'Disallow: /',
  ].join('\n');
  it('picks the group naming the agent, else *', () => {
    const mine = Robots.parse(text, 'aio/0.1 (asyncio-ts)');
    assert.ok(mine.allowed('http://h/public'));
    assert.ok(!mine.allowed('http://h/private/x'));
    assert.equal(mine.crawlDelay, 2);
    const other = Robots.parse(text, 'somebot');
    assert.ok(!other.allowed('http://h/public'));
    assert.equal(other.crawlDelay, null);
  });
  it('longest match wins, Allow on a tie; * and $ patterns', () => {
    const r = Robots.parse(text, 'aio');
    assert.ok(r.allowed('/private/open/door'));
    assert.ok(!r.allowed('/files/report.pdf'));
    assert.ok(r.allowed('/files/report.pdf?download=1'));
    assert.ok(r.allowed('/robots.txt'));
  });
  it('an empty Disallow allows everything; missing and unreachable files', () => {
    assert.ok(Robots.parse('User-agent: *\nDisallow:\n', 'aio').allowed('/anything'));
    assert.ok(Robots.allowAll().allowed('/x'));
    assert.ok(!Robots.disallowAll().allowed('/x'));
  });
});

describe('parseHtml', () => {
  it('reads the title, links of a/area/link rel=next and the base, not comments or scripts', () => {
    const page = parseHtml(`<!doctype html><html><head><TITLE>
        A &amp; B  </TITLE><base href="/docs/"><link rel="next prefetch" href="p2.html">
        <link rel="stylesheet" href="s.css"></head><body>
        <!-- <a href="/commented">x</a> -->
        <script>document.write('<a href="/scripted">')</script>
        <a href="one.html">1</a><A HREF="/two">2</A><a>no href</a><a href="">empty</a>
        <map><area href="three.html"></map><svg><title>not the title</title></svg></body></html>`);
    assert.equal(page.title, 'A & B');
    assert.equal(page.base, '/docs/');
    assert.deepEqual(page.hrefs, ['p2.html', 'one.html', '/two', 'three.html']);
  });
  it('a page without a title, and unclosed tags', () => {
    const page = parseHtml('<p><a href="x">x<p><a href=y>y');
    assert.equal(page.title, null);
    assert.deepEqual(page.hrefs, ['x', 'y']);
  });
});

/** The reference: htmlparser2's full parser, as aio used before the tokenizer. */
function parseWithParser(html: string): {
  title: string | null;
  hrefs: string[];
  base: string | null;
} {
  let title: string | null = null;
  let inTitle = false;
  let titleText = '';
  let base: string | null = null;
  const hrefs: string[] = [];
  const decode = (v: string): string => (v.includes('&') ? decodeHTMLAttribute(v) : v);
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        const href = attrs['href'];
        if ((name === 'a' || name === 'area') && href !== undefined && href !== '')
          hrefs.push(decode(href));
        if (
          name === 'link' &&
          href !== undefined &&
          href !== '' &&
          (attrs['rel'] ?? '').toLowerCase().split(/\s+/).includes('next')
        )
          hrefs.push(decode(href));
        if (name === 'base' && base === null && href !== undefined) base = decode(href);
        if (name === 'title' && title === null) {
          inTitle = true;
          titleText = '';
        }
      },
      ontext(chunk) {
        if (inTitle) titleText += chunk;
      },
      onclosetag(name) {
        if (name === 'title' && inTitle) {
          inTitle = false;
          title = (titleText.includes('&') ? decodeHTML(titleText) : titleText)
            .replace(/\s+/g, ' ')
            .trim();
        }
      },
    },
    { decodeEntities: false, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  if (inTitle)
    title = (titleText.includes('&') ? decodeHTML(titleText) : titleText)
      .replace(/\s+/g, ' ')
      .trim();
  return { title, hrefs, base };
}

describe("parseHtml against htmlparser2's full parser", () => {
  it('reads every page of a generated site exactly as the parser does', () => {
    const site = new Site({ pages: 400, seed: 7 });
    let links = 0;
    for (const path of site.pagePaths()) {
      const body = site._respond(path).body;
      const html = typeof body === 'string' ? body : body.toString('utf8');
      const ours = parseHtml(html);
      assert.deepEqual(ours, parseWithParser(html), path);
      links += ours.hrefs.length;
    }
    assert.ok(links > 400, `only ${links} links read`);
  });
  it('and tricky markup', () => {
    const docs = [
      '<a href=one HREF=two>dup</a><A hReF="x&amp;y">x</A><area href=\'q\'>',
      '<a href="/a"/><a href>empty value</a><a href = "spaced">s</a><a\nhref="nl">n</a>',
      '<link rel="Next" href="n1"><link rel="prev next" href="n2"><link rel=nextish href="n3">',
      '<base href="/b1/"><base href="/b2/"><a href="../up">u</a>',
      '<title>First</title><title>Second</title>',
      '<textarea><a href="no">x</a></textarea><a href="yes">y</a>',
      '<style>a[href="no"]{}</style><script>var s = "<a href=no>";</script><a href=yes>y</a>',
      '<!-- <a href="no"> --><![CDATA[<a href="no2">]]><?pi <a href="no3"?><a href="yes">',
      '<title>unterminated <a href="no">',
      '<a href="a\u00e9\u00fc">unicode</a><a href="&#x2F;x&sol;y">refs</a>',
      '<svg><a href="in-svg">s</a><title>svg title</title></svg><a href=after>',
    ];
    for (const html of docs) assert.deepEqual(parseHtml(html), parseWithParser(html), html);
  });
});

describe('quickTitle', () => {
  const answered = [
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Plain</title>',
    '<html><head>\n  <meta name="x" content="a > b">\n  <TITLE>\n  A &amp; B &lt;i&gt;  </TITLE>',
    '<head><link rel="icon" href="/f.ico"><base href="/d/"><title lang=en>x<b>y</b></title>',
    '<title>  </title>',
    '<title>caf\u00e9 &#x263A; &#38;&#x26;&#X3c; &quot;&apos;&nbsp;&#10;&#0065;</title><body>',
    '<meta content="\u0130 lowercases longer"><Title>Mixed\tcase  \n</TITLE>',
    '<TITLE>Upper</tItLe>',
    '<title>first</Title> after </TITLE> </title>',
    '<title>a </b> b</title>',
  ];
  const declined = [
    '<!-- <title>commented</title> --><title>Real</title>',
    '<script>"<title>fake</title>"</script><title>Real</title>',
    '<svg><title>icon</title></svg><title>Real</title>',
    '<template><title>t</title></template><title>Real</title>',
    '<title data-x="a>b">Quoted</title>',
    '<titlex>no</titlex><title>Real</title>',
    '<title>never closed',
    '<body><p>no title here',
  ];
  it('answers for plain heads, exactly as the parser does', () => {
    for (const html of answered) {
      const quick = quickTitle(html);
      assert.notEqual(quick, undefined, html);
      assert.equal(quick, parseHtml(html).title, html);
      assert.equal(quickTitleOf(Buffer.from(html)), quick, html);
    }
    assert.equal(quickTitle(answered[1]!), 'A & B <i>');
  });
  it('declines whatever could hide or fake a title (the parser decides)', () => {
    for (const html of declined) {
      assert.equal(quickTitle(html), undefined, html);
      assert.equal(quickTitleOf(Buffer.from(html)), undefined, html);
    }
    assert.equal(parseHtml(declined[0]!).title, 'Real');
  });
  it('never answers differently from the parser', () => {
    // Each of these fooled an earlier version: a title tag inside a quoted
    // attribute, an end tag without its delimiter, text or a NUL in the way.
    const tricky = [
      '<meta content="<title>x</title>"><title>Real</title>',
      "<meta content='a<title>b'><title>Real</title>",
      '<title>a</titlex>b</title>',
      '<title>a\u0000b</title>',
      'text<title>after text</title>',
      '<head>\u000b<title>vertical tab</title>',
      '<html lang=en/><title>slash</title>',
      '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"><title>old</title>',
      `<meta name="${'x'.repeat(600)}"><title>past the short head</title>`,
      `${' '.repeat(5000)}<title>too far</title>`,
      '<title>unclosed <TITLE> </title',
      '<title>one &amp; only</title>',
      '<title>a &amp;amp; b</title>',
      '<title>&amp; then &copy;</title>',
    ];
    for (const html of tricky) {
      const want = parseHtml(html).title;
      for (const got of [quickTitle(html), quickTitleOf(Buffer.from(html))]) {
        if (got !== undefined) assert.equal(got, want, html);
      }
    }
    assert.equal(quickTitleOf(Buffer.from(tricky[8]!)), 'past the short head');
    assert.equal(quickTitle(tricky[12]!), 'a &amp; b');
  });
  it('reads a page that starts like the one before from its bytes, as the parser does', () => {
    const start = '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n';
    const pad = `<body>${'<p>text</p>'.repeat(10)}`;
    // The first pages with this start teach it; the byte path answers the rest.
    const answered = [
      '<title>Next</title>',
      '<TITLE>Upper case</TiTlE >',
      '<title>caf\u00e9 &amp; more</title/>',
      '<title> spaced \n out </title\t>',
    ];
    const declined = [
      '<title>a <b>bold</b></title>',
      '<title>a</titlex>b</title>',
      '<title x=1>attribute</title>',
      '<title>a\u0000b</title>',
      '<title>never closed',
      '<meta name=x><title>another start</title>',
    ];
    for (const rest of [...answered, ...declined]) {
      assert.equal(quickTitleOf(Buffer.from(`${start}<title>teach</title>${pad}`)), 'teach');
      const body = Buffer.from(start + rest + pad);
      const want = parseHtml(body.toString('utf8')).title;
      const quick = sameStartTitle(body);
      if (answered.includes(rest)) assert.equal(quick, want, rest);
      else assert.equal(quick, undefined, rest);
      const any = quickTitleOf(body);
      if (any !== undefined) assert.equal(any, want, rest);
    }
    // A start read from a decoded string with a character above U+00FF is not
    // taught as bytes: U+0122 would read as a quote (0x22) and hide the title.
    assert.equal(quickTitle('<meta content=\u0122><title>P</title>'), 'P');
    const tricky = Buffer.from('<meta content="><title>No</title>"><title>Yes</title>', 'latin1');
    assert.equal(sameStartTitle(tricky), undefined);
    assert.equal(quickTitleOf(tricky) ?? 'Yes', parseHtml(tricky.toString('latin1')).title);
  });
  it('reads every page of a generated site, as the parser does', () => {
    const site = new Site({ pages: 400, seed: 11 });
    let answered = 0;
    for (const path of site.pagePaths()) {
      const r = site._respond(path);
      if (!r.headers['content-type']?.startsWith('text/html')) continue;
      const body = Buffer.from(r.body);
      const quick = quickTitleOf(body);
      if (quick !== undefined) answered++;
      assert.equal(quick ?? parseHtml(body.toString('utf8')).title, site.titleOf(path), path);
    }
    assert.ok(answered > 300, `only ${answered} pages answered without the parser`);
  });
  it('leaves rarer character references to the parser', () => {
    for (const ref of [
      '&copy;',
      '&amp',
      '&AMP;',
      '&ampx;',
      '&#128;',
      '&#0;',
      '&#13;',
      '&#x1F600;',
      '&#xD800;',
      '&#99999999;',
      '& ',
      '&nosuchentity;',
    ]) {
      const html = `<title>a ${ref} b</title>`;
      assert.equal(quickTitle(html), undefined, html);
      assert.equal(parseHtml(html).title, `a ${decodeHTML(ref)} b`.replace(/\s+/g, ' '), html);
    }
    assert.equal(quickTitle(answered[4]!), 'caf\u00e9 \u263a &&< "\' A');
  });
});

describe('option values', () => {
  it('durations', () => {
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('1.5'), 1_500);
    assert.equal(parseDuration('soon'), null);
  });
  it('rates', () => {
    assert.deepEqual(parseRate('10/s'), { rate: 10, periodMs: 1_000 });
    assert.deepEqual(parseRate('600/min'), { rate: 600, periodMs: 60_000 });
    assert.deepEqual(parseRate('5/2s'), { rate: 5, periodMs: 2_000 });
    assert.deepEqual(parseRate('0.5/s'), { rate: 1, periodMs: 2_000 });
    assert.equal(parseRate('10'), null);
    assert.equal(parseRate('0/s'), null);
  });
  it('sizes', () => {
    assert.equal(parseSize('10MB'), 10 * 1024 * 1024);
    assert.equal(parseSize('512k'), 512 * 1024);
    assert.equal(parseSize('100'), 100);
    assert.equal(parseSize('lots'), null);
  });
  it('a postgres URL with ?schema= becomes a search_path', () => {
    const t = postgresTarget('postgres://u@h/db?schema=crawl_1');
    assert.equal(t.schema, 'crawl_1');
    assert.equal(new URL(t.url).searchParams.get('options'), '-c search_path=crawl_1');
    assert.throws(() => postgresTarget('postgres://u@h/db?schema=x;drop'), /invalid schema name/);
  });
});

describe('CSV', () => {
  it('quotes what needs quoting and reads the first fields back, newlines in quotes included', () => {
    const lines = [
      ['url', 'title'],
      ['http://h/a,b', 'say "hi"'],
      ['http://h/c', 'two\nlines'],
      ['http://h/"q"', ''],
    ].map((r) => r.map(csvField).join(','));
    const text = `${lines.join('\n')}\n`;
    assert.deepEqual(csvFirstFields(text), ['url', 'http://h/a,b', 'http://h/c', 'http://h/"q"']);
  });
});

describe('the demo site model', () => {
  it('is the same for the same seed, and every page is reachable from the home page', () => {
    const a = new Site({ pages: 120, seed: 4 });
    const b = new Site({ pages: 120, seed: 4 });
    assert.deepEqual(a.expected(), b.expected());
    const expected = a.expected();
    const pages = new Set(
      expected.filter((e) => e.path === e.finalPath && e.status === 200).map((e) => e.path),
    );
    for (const p of a.pagePaths()) assert.ok(pages.has(p), p);
    assert.ok(expected.every((e) => !e.path.startsWith('/private/')));
    assert.equal(expected.filter((e) => e.status === 404).length, 5);
  });
  it('depth limits', () => {
    const site = new Site({ pages: 200, seed: 9 });
    const one = site.expected(1);
    assert.ok(one.every((e) => e.depth <= 1));
    assert.ok(one.length < site.expected().length);
    assert.equal(site.expected(0).length, 1);
  });
});

describe("SQLite's page upsert", () => {
  it('binds every column of the pages table, in table order', () => {
    const row: PageRow = {
      url: 'http://h/a',
      final_url: 'http://h/b',
      status: 200,
      title: 't',
      depth: 2,
      referrer: 'http://h/',
      content_type: 'text/html',
      bytes: 10,
      time_ms: 1.5,
      attempts: 1,
      fetched_at: 1700000000000,
      error_code: null,
      error_message: null,
    };
    const { text, values } = pageInsert(row).compile('sqlite');
    assert.deepEqual(
      values,
      PAGE_COLUMNS.map((c) => row[c]),
    );
    const listed = /INSERT INTO pages \(([^)]*)\)/
      .exec(text)![1]!
      .split(',')
      .map((c) => c.trim());
    assert.deepEqual(listed, [...PAGE_COLUMNS]);
    for (const c of PAGE_COLUMNS.slice(1)) assert.ok(text.includes(`${c} = excluded.${c}`), c);
  });
});

describe('percentile', () => {
  it('nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(xs, 50), 50);
    assert.equal(percentile(xs, 99), 99);
    assert.equal(percentile([], 50), 0);
  });
});

describe('RunStats', () => {
  it('counts requests in flight and their hosts by worker', () => {
    const s = new RunStats();
    s.started(0, 'http://a.test/x');
    s.started(1, 'http://u:p@a.test/y?q');
    s.started(2, 'https://b.test:8443/');
    assert.equal(s.inFlight, 3);
    assert.deepEqual([...s.hosts].sort(), [
      ['a.test', 2],
      ['b.test:8443', 1],
    ]);
    s.finished(1);
    s.finished(1); // a worker that ended twice (a cancelled request) counts once
    assert.equal(s.inFlight, 2);
    s.started(1, 'http://c.test/');
    s.finished(0);
    s.finished(2);
    assert.deepEqual([...s.hosts], [['c.test', 1]]);
    s.finished(1);
    assert.equal(s.inFlight, 0);
    assert.equal(s.hosts.size, 0);
  });
});
