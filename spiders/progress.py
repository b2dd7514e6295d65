"""A Scrapy extension that reports a crawl's progress as one machine-readable line on stderr.

The crawl flow runs each spider in a subprocess (see pipeline/flows/crawl.py) and can only see
what the child prints, so every CRAWL_PROGRESS_INTERVAL seconds (and once at the end) this writes

    TAJRUS-PROGRESS {"site": "rferl", "queued": 40, "fetched": 12, "failed": 1, "stored": 11, ...}

which the flow parses and shows as a progress bar or a plain log line. The counters are running
totals, so a lost or unparsed line costs nothing but a late update:

- queued: requests the scheduler accepted (discovery pages, articles and retries);
- fetched: responses received (any status) to those requests; robots.txt and other downloads a
  component makes for itself (callback NO_CALLBACK) bypass the scheduler and are not counted;
- failed: article pages given up on, the summary's `failed` (the spider's `failed` dict; refusals
  by robots.txt or the off-site guard are not failures);
- stored: article pages written to raw/ (items that passed the WARC pipeline).

From a SiteSpider it also reads what the crawl summary counts, so the last line equals the summary:

- stored: the summary's `stored` (article pages fetched and handed to the WARC pipeline);
- skipped: the summary's `skipped` (already in raw/, outside the window, not articles, off-site);
- requested: article pages asked for so far (the total a time left is estimated against);
- refused: article pages robots.txt or the off-site guard refused (done, neither stored nor failed);
- discovering: sitemaps, feeds and listing pages not yet answered; while it is not 0 more articles
  may come, so the total is not known yet.

Each signal only adds one to an int; the JSON is built at most once per interval, and not at all
while nothing changed, so a person running `scrapy crawl` by hand is not flooded either.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sized
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.asyncio import create_looping_call

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

PROGRESS_PREFIX = "TAJRUS-PROGRESS "
DEFAULT_INTERVAL = 2.0
# The spider counts that the crawl summary adds up as `skipped` (pipeline/report/crawl_summary.py).
SKIPPED_COUNTS = (
    "skipped_already_stored",
    "skipped_outside_window",
    "skipped_not_article",
    "skipped_offsite_link",
)


class ProgressLines:
    """Counts per crawl and writes `TAJRUS-PROGRESS {json}` lines; CRAWL_PROGRESS_INTERVAL=0 turns
    it off (like LOGSTATS_INTERVAL)."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.queued = 0
        self.fetched = 0
        self.stored = 0
        self._site = ""
        self._last: dict[str, Any] | None = None
        self._task: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressLines:
        interval = crawler.settings.getfloat("CRAWL_PROGRESS_INTERVAL", DEFAULT_INTERVAL)
        if interval <= 0:
            raise NotConfigured
        ext = cls(crawler, interval)
        connect = crawler.signals.connect
        connect(ext.spider_opened, signal=signals.spider_opened)
        connect(ext.spider_closed, signal=signals.spider_closed)
        connect(ext.request_scheduled, signal=signals.request_scheduled)
        connect(ext.request_dropped, signal=signals.request_dropped)
        connect(ext.response_received, signal=signals.response_received)
        connect(ext.item_scraped, signal=signals.item_scraped)
        return ext

    # -- signals (each must stay cheap: they fire once per request) ------------------------------

    def request_scheduled(self, request: Request) -> None:
        self.queued += 1

    def request_dropped(self, request: Request) -> None:
        self.queued -= 1  # the scheduler refused it (dupefilter): it will never be fetched

    def response_received(self, response: Response, request: Request) -> None:
        if request.callback is not NO_CALLBACK:
            self.fetched += 1

    def item_scraped(self, item: Any) -> None:
        self.stored += 1

    def spider_opened(self, spider: Spider) -> None:
        self._site = spider.name
        self._task = create_looping_call(self.emit, False)
        self._task.start(self.interval, now=False)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._task is not None and self._task.running:
            self._task.stop()
        self.emit(final=True)

    # -- output ----------------------------------------------------------------------------------

    def counters(self) -> dict[str, Any]:
        """The current totals; `failed` is read from the spider so it is exactly the summary's."""
        spider = self.crawler.spider
        failed = getattr(spider, "failed", None)
        counters: dict[str, Any] = {
            "site": self._site or getattr(spider, "name", ""),
            "queued": self.queued,
            "fetched": self.fetched,
            "failed": len(failed) if isinstance(failed, Sized) else 0,
            "stored": self.stored,
        }
        counts = getattr(spider, "counts", None)
        if isinstance(counts, dict):  # a SiteSpider: the summary's own numbers
            counters["stored"] = counts.get("fetched", 0)
            counters["skipped"] = sum(counts.get(key, 0) for key in SKIPPED_COUNTS)
            counters["requested"] = counts.get("requested", 0)
            counters["refused"] = counts.get("refused_robots", 0) + counts.get("refused_offsite", 0)
        pending = getattr(spider, "discovery_pending", None)
        if isinstance(pending, Sized):
            counters["discovering"] = len(pending)
        return counters

    def emit(self, final: bool = False) -> None:
        """Write one line if anything changed since the last (always at the end)."""
        counters = self.counters()
        if not final and counters == self._last:
            return
        self._last = counters
        line = PROGRESS_PREFIX + json.dumps({**counters, "final": final}, separators=(", ", ": "))
        # One write of a whole line, flushed: the parent reads line by line and must not wait
        # for a buffer to fill (stderr of a child whose stderr is a pipe is not line-buffered).
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
