"""The item pipeline that writes fetched pages as WARC into raw/warc/<site>/ and notes them in
the index of stored URLs (raw/_state/<site>/stored.txt, with the fetch time: revisits read it)
once the record is on disk."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from spiders.items import FetchedPage
from spiders.state import CrawlState
from spiders.warcstore import WarcFileWriter, site_dir

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler


class WarcPipeline:
    """One WARC writer per crawl; files rotate at WARC_MAX_BYTES and are closed (renamed) when the
    spider closes."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.raw = Path(settings.get("RAW_DIR", "raw"))
        self.max_bytes = settings.getint("WARC_MAX_BYTES", 100 * 1024 * 1024)
        self.fsync = settings.getbool("WARC_FSYNC", False)
        self.software = settings.get("USER_AGENT", "")
        self.writer: WarcFileWriter | None = None
        self.state: CrawlState | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcPipeline:
        return cls(crawler)

    def open_spider(self, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        assert spider is not None
        self.state = CrawlState(self.raw, spider.name)
        self.writer = WarcFileWriter(
            site_dir(self.raw, spider.name),
            spider.name,
            max_bytes=self.max_bytes,
            fsync=self.fsync,
            software=self.software,
        )

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not isinstance(item, FetchedPage):
            return item
        assert self.writer is not None and self.state is not None
        self.writer.write(
            url=item.url,
            method=item.method,
            request_headers=item.request_headers,
            request_body=item.request_body,
            status=item.status,
            response_headers=item.headers,
            body=item.body,
            fetched_at=item.fetched_at,
            ip=item.ip,
        )
        self.state.add_stored(dict.fromkeys([item.url, *item.aliases]), item.fetched_at)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("warc/records_written")
        return item

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.writer is not None:
            self.writer.close()
