"""The one spider: discovers article URLs from a site's sitemaps, feeds and listings (as its
CrawlFacts say), keeps to a date window, skips what raw/ already holds, and fetches the rest.
A stored article is fetched again (a revisit) while it is young and its sitemap lastmod has
moved past the time it was last fetched: RFE/RL updates breaking news for hours.

Site spiders are subclasses that only name the site; nothing here knows any site.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from pipeline.sites import SITES
from spiders.discovery import (
    Entry,
    ListingXPaths,
    Window,
    maybe_gunzip,
    parse_bound,
    parse_feed,
    parse_listing,
    parse_sitemap,
)
from spiders.items import FetchedPage
from spiders.middlewares import OffsiteRequest, RobotsUnreachable, TooLongRetryAfter
from spiders.state import CrawlState, StoredTimes
from spiders.user_settings import apply_user_settings
from spiders.warcstore import recover_open_files, site_dir

logger = logging.getLogger(__name__)

ARTICLE_PRIORITY = 10  # fetch found articles before reading more discovery pages


def failure_reason(failure: Failure) -> str:
    """A short machine-readable name for why a request failed."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    if isinstance(exc, OffsiteRequest):
        return "offsite"
    if isinstance(exc, RobotsUnreachable):
        return "robots_unreachable"  # not a refusal: tried again on the next crawl
    if isinstance(exc, TooLongRetryAfter):
        return "retry_after_too_long"
    if isinstance(exc, IgnoreRequest):
        text = str(exc).lower()
        if "robots" in text:
            return "robots"
        if "redirect" in text:
            return "redirect_loop"
        return "ignored"
    name = type(exc).__name__
    if "Timeout" in name:
        return "timeout"
    if "Cancelled" in name:
        return "too_large"  # DOWNLOAD_MAXSIZE cancels the download
    return name


REFUSALS = {"robots", "offsite"}  # not failures: the crawl declined them, retrying will not help


class SiteSpider(scrapy.Spider):
    """Arguments (-a): since, until (YYYY-MM-DD or ISO), hosts (comma separated), refresh (1)."""

    site_key: ClassVar[str] = ""

    def __init__(
        self,
        *args: Any,
        since: str | None = None,
        until: str | None = None,
        hosts: str | None = None,
        refresh: str | bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.site = SITES[self.site_key]
        self.facts = self.site.crawl
        chosen = [h.strip().lower() for h in (hosts or "").split(",") if h.strip()]
        self.hosts: tuple[str, ...] = tuple(chosen) or self.facts.hosts
        self.allowed_hosts = frozenset(self.hosts)
        self.since_arg, self.until_arg = since, until
        self.refresh = str(refresh).lower() in ("1", "true", "yes") if refresh else False
        self.counts: Counter[str] = Counter()
        self.failed: dict[str, str] = {}
        self.discovery_failed: dict[str, str] = {}
        self.requested: set[str] = set()
        # Sitemaps, feeds and listing pages asked for and not yet answered (by their request
        # fingerprints): while any is left, more article URLs may come, so the crawl's total is
        # not known yet (spiders/progress.py reports it).
        self.discovery_pending: set[bytes | str] = set()
        self._discovery_asked: set[bytes | str] = set()
        self.started = dt.datetime.now(dt.UTC)

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """The user's settings are read here, once, as the crawl starts (not when Scrapy imports
        the project's settings module: `scrapy list` must work whatever the environment holds)."""
        super().update_settings(settings)
        apply_user_settings(settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SiteSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.prepare(crawler)
        return spider

    def prepare(self, crawler: Crawler) -> None:
        """Take the site's lock, close what a dead crawl left open, read the index, set the window."""
        settings = crawler.settings
        self.raw = Path(settings.get("RAW_DIR", "raw"))
        self.state = CrawlState(self.raw, self.name)
        self.state.dir.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.state.dir / "crawl.lock", "w")  # noqa: SIM115 - held for the whole crawl
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise RuntimeError(f"another crawl of {self.name} is running on {self.raw}") from exc
        recovered = recover_open_files(site_dir(self.raw, self.name))
        if recovered:
            logger.warning("recovered %d stored pages from an interrupted crawl", len(recovered))
            for url, fetched_at in recovered:
                self.state.add_stored([url], fetched_at)
        self.counts["recovered"] = len(recovered)
        self.stored_times: dict[str, StoredTimes] = self.state.stored_times()
        self.stored = set(self.stored_times)
        self.revisit_age = dt.timedelta(days=settings.getfloat("REVISIT_DAYS", 3))
        self.explicit_window = bool(self.since_arg or self.until_arg)
        until = parse_bound(self.until_arg, end_of_day=True)
        self.windows = {host: Window(self._since(host, settings), until) for host in self.hosts}
        # The crawl's whole span (for the summary and the log): each host keeps to its own.
        starts = [w.since for w in self.windows.values()]
        self.window = Window(min((s for s in starts if s is not None), default=None), until)
        self.max_pages = settings.getint("LISTING_MAX_PAGES", 50)
        self.max_sitemap_depth = settings.getint("SITEMAP_MAX_DEPTH", 3)
        self.max_sitemaps = settings.getint("SITEMAP_MAX_COUNT", 2000)
        self.sitemaps_requested = 0
        self.summary_file = settings.get("CRAWL_SUMMARY_FILE")
        self.max_size = settings.getint("DOWNLOAD_MAXSIZE", 0) or 200 * 1024 * 1024
        self.listing_rules = ListingXPaths(
            self.facts.listing_item,
            self.facts.listing_link,
            self.facts.listing_date,
            self.facts.listing_date_formats,
        )
        logger.info(
            "crawl %s hosts=%s window=%s..%s (%s), %d URLs already stored",
            self.name,
            ",".join(self.hosts),
            self.window.since,
            self.window.until,
            "explicit" if self.explicit_window else "from high-water mark",
            len(self.stored),
        )

    def _since(self, host: str, settings: Any) -> dt.datetime | None:
        """Where host's window starts: --since, else host's high-water mark minus the overlap,
        else (host never crawled) CRAWL_DEFAULT_DAYS ago. Per host, so that a crawl of one host
        neither skips nor repeats another's."""
        if self.since_arg:
            return parse_bound(self.since_arg)
        mark = self.state.high_water(host)
        if mark is not None:
            return mark - dt.timedelta(hours=settings.getfloat("HIGH_WATER_OVERLAP_HOURS", 24))
        return self.started - dt.timedelta(days=settings.getfloat("CRAWL_DEFAULT_DAYS", 7))

    def window_for(self, url: str) -> Window:
        return self.windows.get((urlsplit(url).hostname or "").lower(), self.window)

    def revisit_due(self, url: str, entry: Entry) -> bool:
        """A stored article to fetch again: first stored less than REVISIT_DAYS ago, and its
        sitemap lastmod later than its last fetch (the site changed it since)."""
        times = self.stored_times.get(url)
        if entry.lastmod is None or times is None or times.first is None or times.last is None:
            return False  # no lastmod, or stored by an older version that kept no fetch time
        return self.started - times.first <= self.revisit_age and entry.lastmod > times.last

    # --- start ---------------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        for host in self.hosts:
            for path in self.facts.sitemap_paths:
                yield self.discovery_request(f"https://{host}{path}", self.parse_sitemap)
        for url in self.facts.feeds:
            if self.on_site(url):
                yield self.discovery_request(url, self.parse_feed)
        for url in self.facts.start_urls:
            if self.on_site(url):
                yield self.discovery_request(url, self.parse_listing, cb_kwargs={"first": url, "page": None})
        if not self.explicit_window:
            for url in self.state.failed_urls():
                for request in self.consider(Entry(url), reason="retry_failed"):
                    yield request

    # --- discovery -----------------------------------------------------------------------------
    def discovery_request(self, url: str, callback: Any, **kwargs: Any) -> scrapy.Request:
        """A sitemap, feed or listing request, pending until its callback or errback runs."""
        request = scrapy.Request(url, callback=callback, errback=self.discovery_errback, **kwargs)
        crawler = getattr(self, "crawler", None)
        key = crawler.request_fingerprinter.fingerprint(request) if crawler else url
        if key not in self._discovery_asked:  # a second request for it is dropped by the scheduler
            self._discovery_asked.add(key)
            self.discovery_pending.add(key)
        request.meta["discovery_key"] = key
        return request

    def discovery_done(self, request: Any) -> None:
        meta = getattr(request, "meta", None) or {}
        self.discovery_pending.discard(meta.get("discovery_key"))

    def on_site(self, url: str) -> bool:
        return (urlsplit(url).hostname or "").lower() in self.allowed_hosts

    def consider(self, entry: Entry, *, upper: bool = True, reason: str = "") -> Iterator[scrapy.Request]:
        """A request for entry if it is an article of the crawled hosts, in the window, not yet
        stored (unless refresh) and not yet asked for in this crawl."""
        url = entry.url
        if not self.on_site(url):
            self.counts["skipped_offsite_link"] += 1
            return
        if self.facts.article_url is not None and not self.facts.article_url.match(url):
            self.counts["skipped_not_article"] += 1
            return
        if url in self.requested:
            return
        revisit = url in self.stored and not self.refresh and self.revisit_due(url, entry)
        if not reason and not revisit and not self.window_for(url).admits(entry.date, upper=upper):
            self.counts["skipped_outside_window"] += 1
            return
        if url in self.stored and not self.refresh and not revisit:
            self.counts["skipped_already_stored"] += 1
            return
        self.requested.add(url)
        self.counts["requested"] += 1
        if revisit:
            self.counts["revisited"] += 1
        yield scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.article_errback,
            priority=ARTICLE_PRIORITY,
            # Duplicates are already kept out by self.requested; without the dupefilter a redirect
            # loop runs into REDIRECT_MAX_TIMES and reaches the errback instead of vanishing.
            dont_filter=True,
            meta={"discovered": entry.date},
        )

    def parse_sitemap(
        self, response: Response, archive: bool = False, depth: int = 0
    ) -> Iterator[scrapy.Request]:
        """A sitemap index (follow its children, within the depth and count limits) or a urlset
        (consider its URLs)."""
        self.discovery_done(response.request)
        self.counts["sitemaps_read"] += 1
        try:
            kind, entries = parse_sitemap(maybe_gunzip(response.body, self.max_size))
        except ValueError as exc:
            self.discovery_failed[response.url] = f"unreadable: {exc}"
            return
        if kind == "sitemapindex":
            for child in entries:
                if not self.on_site(child.url):
                    self.counts["skipped_offsite_link"] += 1
                elif self.facts.skip_sitemap is not None and self.facts.skip_sitemap.search(child.url):
                    self.counts["sitemaps_skipped"] += 1
                elif self.window_for(child.url).before(child.date):
                    self.counts["sitemaps_unchanged"] += 1  # nothing in it changed since the window began
                elif depth + 1 > self.max_sitemap_depth:
                    self.counts["sitemaps_over_depth"] += 1
                    self.discovery_failed[child.url] = f"sitemap nested deeper than {self.max_sitemap_depth}"
                elif self.sitemaps_requested >= self.max_sitemaps:
                    self.counts["sitemaps_over_limit"] += 1
                    self.discovery_failed[child.url] = f"more than {self.max_sitemaps} sitemaps"
                else:
                    archive = self.facts.archive_sitemap
                    is_archive = bool(archive and archive.search(child.url))
                    self.sitemaps_requested += 1
                    yield self.discovery_request(
                        child.url, self.parse_sitemap, cb_kwargs={"archive": is_archive, "depth": depth + 1}
                    )
            return
        for entry in entries:
            # Archive lastmods are batch dates: they only say the page is no newer than that.
            yield from self.consider(entry, upper=not archive)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        self.discovery_done(response.request)
        self.counts["feeds_read"] += 1
        for entry in parse_feed(response.body, response.url):
            yield from self.consider(entry)

    def parse_listing(self, response: Response, first: str, page: int | None) -> Iterator[scrapy.Request]:
        """Consider the teasers of a listing page; ask for the next page unless this one is
        already older than the window, empty, or the page limit is reached."""
        self.discovery_done(response.request)
        self.counts["listing_pages_read"] += 1
        entries = parse_listing(response.body, response.url, self.listing_rules)
        articles = [
            e
            for e in entries
            if self.on_site(e.url) and (self.facts.article_url is None or self.facts.article_url.match(e.url))
        ]
        for entry in articles:
            yield from self.consider(entry)
        dates = [e.date for e in articles if e.date is not None]
        number = self.facts.listing_second_page if page is None else page + 1
        pages_read = 1 if page is None else page - self.facts.listing_second_page + 2
        if not articles or self.facts.listing_page_url is None:
            return
        if dates and self.window_for(response.url).before(max(dates)):
            self.counts["listings_stopped_at_window"] += 1
            return
        if pages_read >= self.max_pages:
            self.counts["listings_stopped_at_limit"] += 1
            return
        url = self.facts.listing_page_url.format(url=first.rstrip("/"), n=number)
        yield self.discovery_request(url, self.parse_listing, cb_kwargs={"first": first, "page": number})

    # --- fetching ------------------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[FetchedPage]:
        request = response.request
        aliases = list(response.meta.get("redirect_urls", []))
        if request is not None and request.url != response.url:
            aliases.append(request.url)
        req_headers = [("Host", urlsplit(response.url).netloc)]
        if request is not None:
            req_headers += [
                (k.decode("latin-1"), v.decode("latin-1"))
                for k, values in request.headers.items()
                for v in values
            ]
        self.counts["fetched"] += 1
        yield FetchedPage(
            url=response.url,
            status=response.status,
            headers=[
                (k.decode("latin-1"), v.decode("latin-1"))
                for k, values in response.headers.items()
                for v in values
            ],
            body=response.body,
            fetched_at=dt.datetime.now(dt.UTC),
            method=request.method if request is not None else "GET",
            request_headers=req_headers,
            request_body=request.body if request is not None else b"",
            ip=str(response.ip_address) if response.ip_address else None,
            aliases=aliases,
        )

    def article_errback(self, failure: Failure) -> None:
        reason = failure_reason(failure)
        request = failure.request  # type: ignore[attr-defined]
        url = (request.meta.get("redirect_urls") or [request.url])[0]  # the URL asked for, not a hop
        if reason in REFUSALS:
            self.counts[f"refused_{reason}"] += 1
            return
        self.failed[url] = reason
        logger.warning("failed %s: %s", url, reason)

    def discovery_errback(self, failure: Failure) -> None:
        reason = failure_reason(failure)
        self.discovery_done(failure.request)  # type: ignore[attr-defined]
        self.discovery_failed[failure.request.url] = reason  # type: ignore[attr-defined]

    # --- end -----------------------------------------------------------------------------------
    def closed(self, reason: str) -> None:
        """Write the run summary; on a finished crawl, advance the high-water mark and keep the
        failures for the next incremental crawl to retry."""
        now = dt.datetime.now(dt.UTC)
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        keep = (
            "retry/",
            "downloader/response_status_count/",
            "offsite/",
            "robotstxt/",
            "downloader/exception_type_count/",
            "warc/",
        )
        old_failed = set(self.state.failed_urls()) if self.explicit_window else set()
        stored_now = self.state.stored_urls()
        self.state.set_failed(u for u in old_failed | set(self.failed) if u not in stored_now)
        mark = None
        # A host whose robots.txt could not be read was not crawled at all: its mark stays
        # where it is, so the next crawl covers what this one could not. Other hosts move on.
        unreachable = {
            (urlsplit(url).hostname or "").lower()
            for url, why in self.discovery_failed.items()
            if why == "robots_unreachable"
        }
        if unreachable:
            self.counts["high_water_kept_robots_unreachable"] += len(unreachable & set(self.hosts))
        reached = [host for host in self.hosts if host not in unreachable]
        if reason == "finished" and reached:
            end = min(self.window.until or self.started, self.started)
            mark = self.state.advance_high_water(end, reached)
        fails = Counter(self.failed.values())
        summary = {
            "site": self.name,
            "hosts": list(self.hosts),
            "reason": reason,
            "since": self.window.since,
            "until": self.window.until,
            "explicit_window": self.explicit_window,
            "refresh": self.refresh,
            "started": self.started,
            "finished": now,
            "high_water": mark,
            "high_water_by_host": {host: self.state.high_water(host) for host in self.hosts},
            "since_by_host": {host: w.since for host, w in self.windows.items()},
            "counts": dict(self.counts),
            "stored": self.counts.get("fetched", 0),
            "failed": len(self.failed),
            "failed_by_reason": dict(fails),
            "failed_urls": self.failed,
            "discovery_failed": self.discovery_failed,
            "stats": {k: v for k, v in stats.items() if k.startswith(keep)},
        }
        path = self.state.write_summary(summary)
        if self.summary_file:  # the crawl flow asks for its own copy, to read exactly this run's
            Path(self.summary_file).write_text(json.dumps(summary, indent=2, sort_keys=True, default=str))
        logger.info(
            "summary %s: stored=%d failed=%d %s", path, summary["stored"], summary["failed"], dict(fails)
        )
        self._lock.close()
