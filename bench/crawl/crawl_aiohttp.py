"""The hand-written asyncio crawler of issue 8: asyncio + aiohttp, a semaphore of 32, lxml.

    /usr/bin/python3 bench/crawl/crawl_aiohttp.py <start-url> <concurrency> <out.jsonl> [--uvloop]

One task per URL, each waiting on the semaphore; links from `a` and `area` resolved
against the page (and its `<base href>`), fragments dropped, same host only. Each page
is written as a JSON line {url, status, title}. Prints one JSON line at the end.
"""
import asyncio
import json
import sys
from urllib.parse import urldefrag, urljoin, urlsplit

import aiohttp

try:
    import lxml.html

    def parse(body, url):
        doc = lxml.html.fromstring(body)
        base = doc.find('.//base[@href]')
        base_url = urljoin(url, base.get('href')) if base is not None else url
        title = (doc.findtext('.//title') or '').strip()
        return title, [urljoin(base_url, h) for h in doc.xpath('//a/@href | //area/@href')]
except ImportError:  # html.parser when lxml is absent
    from html.parser import HTMLParser

    def parse(body, url):
        links, title, base_url = [], [], [url]

        class P(HTMLParser):
            in_title = False

            def handle_starttag(self, tag, attrs):
                href = dict(attrs).get('href')
                if tag == 'base' and href:
                    base_url[0] = urljoin(url, href)
                elif tag in ('a', 'area') and href:
                    links.append(href)
                self.in_title = tag == 'title'

            def handle_data(self, data):
                if self.in_title:
                    title.append(data)

        P().feed(body.decode('utf-8', 'replace'))
        return ''.join(title).strip(), [urljoin(base_url[0], h) for h in links]


async def crawl(start, concurrency, out):
    sem = asyncio.Semaphore(concurrency)
    host = urlsplit(start).netloc
    seen = {start}
    tasks = set()
    pages = 0

    async def visit(session, url):
        nonlocal pages
        async with sem:
            try:
                async with session.get(url) as resp:
                    body = await resp.read()
                    html = resp.content_type == 'text/html'
                    status = resp.status
            except aiohttp.ClientError as e:
                out.write(json.dumps({'url': url, 'status': None, 'error': repr(e)}) + '\n')
                return
        title, links = parse(body, url) if html and body else ('', [])
        out.write(json.dumps({'url': url, 'status': status, 'title': title}) + '\n')
        pages += 1
        for link in links:
            link = urldefrag(link)[0]
            if urlsplit(link).netloc == host and link not in seen:
                seen.add(link)
                spawn(session, link)

    def spawn(session, url):
        task = asyncio.create_task(visit(session, url))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        spawn(session, start)
        while tasks:
            await asyncio.gather(*tasks)
    return pages


def main():
    start, concurrency, out_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if '--uvloop' in sys.argv:
        import uvloop

        uvloop.install()
    with open(out_path, 'w') as out:
        pages = asyncio.run(crawl(start, concurrency, out))
    print(json.dumps({'pages': pages}))


if __name__ == '__main__':
    main()
