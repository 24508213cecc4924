"""Scrapy (Debian's python3-scrapy) on the benchmark site, with the limits of the others.

    /usr/bin/python3 bench/crawl/crawl_scrapy.py <start-url> <concurrency> <out.jsonl>

A CrawlSpider whose one rule follows every same-domain link (LinkExtractor: `a` and
`area`, its defaults) and stores each page as {url, status, title} through a JSON-lines
feed. CONCURRENT_REQUESTS and CONCURRENT_REQUESTS_PER_DOMAIN both at <concurrency>,
robots.txt off, no AutoThrottle, no download delay, LOG_LEVEL=WARNING.
"""
import json
import sys
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule


class SiteSpider(CrawlSpider):
    name = 'site'
    rules = (Rule(LinkExtractor(), callback='parse_page', follow=True),)

    def parse_start_url(self, response):
        return self.parse_page(response)

    def parse_page(self, response):
        title = response.css('title::text').get(default='').strip()
        self.crawler.stats.inc_value('bench/pages')
        yield {'url': response.url, 'status': response.status, 'title': title}


def main():
    start, concurrency, out_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    process = CrawlerProcess(
        settings={
            'CONCURRENT_REQUESTS': concurrency,
            'CONCURRENT_REQUESTS_PER_DOMAIN': concurrency,
            'CONCURRENT_REQUESTS_PER_IP': 0,
            'ROBOTSTXT_OBEY': False,
            'AUTOTHROTTLE_ENABLED': False,
            'DOWNLOAD_DELAY': 0,
            'LOG_LEVEL': 'WARNING',
            'TELNETCONSOLE_ENABLED': False,
            'REQUEST_FINGERPRINTER_IMPLEMENTATION': '2.7',
            'FEEDS': {out_path: {'format': 'jsonlines', 'overwrite': True}},
        }
    )
    host = urlsplit(start).hostname
    crawler = process.create_crawler(SiteSpider)
    process.crawl(crawler, start_urls=[start], allowed_domains=[host])
    process.start()
    print(json.dumps({'pages': crawler.stats.get_value('bench/pages', 0)}))


if __name__ == '__main__':
    main()
