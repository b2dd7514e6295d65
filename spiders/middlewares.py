"""Mirror rewriting, the off-site guard and polite retries.

The mirror is a download handler rather than a downloader middleware on purpose: above the handler
every component (dupefilter, robots.txt, off-site guard, redirects, download slots, the WARC
writer) sees the site's real URL; only the bytes come from the mirror. A middleware that rewrote
request URLs would have to undo the rewrite in each of those places.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import posixpath
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.response import response_status_message

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class OffsiteRequest(IgnoreRequest):
    """A request (or a redirect) to a host the crawl does not cover."""


class RobotsUnreachable(IgnoreRequest):
    """The host's robots.txt answered 5xx or could not be fetched: RFC 9309 says crawl nothing
    there now. Not a refusal: the URL is recorded as failed and tried on the next crawl."""


class TooLongRetryAfter(IgnoreRequest):
    """The server asked to come back later than the crawl is willing to wait."""


# --- mirror -----------------------------------------------------------------------------------


def mirror_url(base: str, url: str) -> str:
    """https://HOST/PATH?Q -> BASE/HOST/PATH?Q, the layout of `wget --mirror` served over HTTP.

    Dot segments are resolved first, so that /a/../../other-host/x cannot step out of HOST's tree.
    """
    parts = urlsplit(url)
    path = posixpath.normpath("/" + parts.path.lstrip("/")) if parts.path not in ("", "/") else "/"
    if parts.path.endswith("/") and path != "/":
        path += "/"
    path = path.replace("//", "/")
    root = base.rstrip("/")
    return f"{root}/{parts.hostname}{path}" + (f"?{parts.query}" if parts.query else "")


def unmirror_url(base: str, url: str, scheme: str = "https") -> str | None:
    """The inverse of mirror_url for a URL under BASE; None for a URL elsewhere."""
    root = base.rstrip("/") + "/"
    if not url.startswith(root):
        return None
    rest = urlsplit("//" + url[len(root) :])
    return urlunsplit((scheme, rest.netloc, rest.path or "/", rest.query, ""))


class MirrorDownloadHandler(HTTP11DownloadHandler):
    """Fetches https://HOST/PATH from MIRROR_URL/HOST/PATH when MIRROR_URL is set.

    The response keeps the real URL, and a Location header pointing into the mirror is mapped
    back to the real host, so redirects are followed (and guarded) as on the real site.
    """

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.mirror: str = crawler.settings.get("MIRROR_URL") or ""

    async def download_request(self, request: Request) -> Response:
        if not self.mirror:
            return await super().download_request(request)
        fetched = mirror_url(self.mirror, request.url)
        response = await super().download_request(request.replace(url=fetched))
        location = response.headers.get("Location")
        if location:
            target = urljoin(fetched, location.decode("latin-1"))
            real = unmirror_url(self.mirror, target, urlsplit(request.url).scheme)
            if real is not None:
                response.headers["Location"] = real
            else:
                response.headers["Location"] = target
        return response.replace(url=request.url)


# --- off-site guard ---------------------------------------------------------------------------


class OffsiteGuardMiddleware:
    """Drops every request whose host is not one of the spider's allowed_hosts, exactly (no
    subdomains), including requests made by following redirects and robots.txt for other hosts.

    Scrapy's OffsiteMiddleware admits subdomains of allowed_domains; this crawl must not reach
    e.g. staging.jamestown.org when only jamestown.org was asked for.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OffsiteGuardMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        allowed = getattr(spider, "allowed_hosts", None)
        host = (urlsplit(request.url).hostname or "").lower()
        if allowed is not None and host not in allowed:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("offsite/filtered")
            raise OffsiteRequest(f"off-site request to {host!r}: {request.url}")


# --- retries ----------------------------------------------------------------------------------


def retry_after_seconds(value: bytes | str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks to wait: delta-seconds or an HTTP-date."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware that waits before retrying: Retry-After when the server gives one (capped
    by RETRY_AFTER_MAX), else exponential backoff (RETRY_BACKOFF_BASE * 2**n, capped by
    RETRY_BACKOFF_MAX). The host's download slot is held for that long too, so that other
    requests to the same host respect the wait; requests to other hosts go on."""

    def __init__(self, settings: Any):
        super().__init__(settings)
        self.after_max = settings.getfloat("RETRY_AFTER_MAX", 600.0)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 120.0)

    def _wait_for(self, request: Request, response: Response | None) -> float:
        asked = retry_after_seconds(response.headers.get("Retry-After")) if response is not None else None
        if asked is not None:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("retry/retry_after_honoured")
            return asked
        tries = request.meta.get("retry_times", 0)
        return min(self.backoff_base * (2**tries), self.backoff_max)

    def _hold_slot(self, request: Request, seconds: float) -> None:
        engine = getattr(self.crawler, "engine", None)
        downloader = getattr(engine, "downloader", None)
        if downloader is None or seconds <= 0:
            return
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None:
            slot.lastseen = max(slot.lastseen, time.monotonic() + seconds)

    async def _wait(self, request: Request, response: Response | None) -> None:
        seconds = self._wait_for(request, response)
        self._hold_slot(request, seconds)
        if seconds > 0:
            await asyncio.sleep(seconds)

    async def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        asked = retry_after_seconds(response.headers.get("Retry-After"))
        if asked is not None and asked > self.after_max:
            # "Come back tomorrow": waiting would stall the host's whole slot. The URL fails for
            # this crawl (the spider records it) and is tried again on the next one.
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("retry/retry_after_too_long")
            raise TooLongRetryAfter(
                f"Retry-After {asked:.0f} s is beyond crawl.max_retry_after ({self.after_max:.0f} s)"
            )
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await self._wait(request, response)
        return retry

    async def process_exception(
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | Response | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await self._wait(request, None)
        return retry


class RfcRobotsTxtMiddleware(RobotsTxtMiddleware):
    """robots.txt as RFC 9309 reads it: a 4xx answer allows everything, a 5xx answer (or no answer
    at all) disallows everything on that host for this crawl. Scrapy reads a 500 page's body as
    rules (usually none: allow all) and a network error as allow all."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self._unreachable: dict[str, str] = {}

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._unreachable[netloc] = f"robots.txt unreachable (HTTP {response.status})"
            self._stats.inc_value("robotstxt/unreachable")
        elif response.status >= 400:
            response = response.replace(body=b"")  # no rules: everything allowed
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if not isinstance(exc, IgnoreRequest):
            self._unreachable[netloc] = f"robots.txt unreachable ({type(exc).__name__})"
            self._stats.inc_value("robotstxt/unreachable")
        super()._robots_error(exc, netloc)

    def process_request_2(self, rp: Any, request: Request) -> None:
        from scrapy.utils.httpobj import urlparse_cached

        why = self._unreachable.get(urlparse_cached(request).netloc)
        if why is not None:
            raise RobotsUnreachable(why)
        super().process_request_2(rp, request)
