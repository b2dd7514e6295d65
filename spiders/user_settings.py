"""The user's settings (pipeline.toml, TAJRUS_* variables) as the Scrapy settings they set.

spiders/scrapy_settings.py holds these at their defaults and reads nothing at import, so that a
misspelt variable cannot break `scrapy list`; the spider applies the user's values once, when a
crawl starts (SiteSpider.update_settings), below the per-run `-s` overrides.
"""

from __future__ import annotations

from typing import Any

from scrapy.settings import BaseSettings

from pipeline.settings import Settings, load_settings

# The Scrapy setting each product setting decides (pipeline/settings.py describes them).
SCRAPY_NAME = {
    "crawl.user_agent": "USER_AGENT",
    "crawl.concurrent_per_host": "CONCURRENT_REQUESTS_PER_DOMAIN",
    "crawl.download_delay": "DOWNLOAD_DELAY",
    "crawl.download_timeout": "DOWNLOAD_TIMEOUT",
    "crawl.max_response_bytes": "DOWNLOAD_MAXSIZE",
    "crawl.retry_times": "RETRY_TIMES",
    "crawl.max_retry_after": "RETRY_AFTER_MAX",
    "paths.raw": "RAW_DIR",
    "crawl.first_crawl_days": "CRAWL_DEFAULT_DAYS",
    "crawl.high_water_overlap_hours": "HIGH_WATER_OVERLAP_HOURS",
    "crawl.revisit_days": "REVISIT_DAYS",
    "crawl.max_sitemap_depth": "SITEMAP_MAX_DEPTH",
    "crawl.max_sitemaps": "SITEMAP_MAX_COUNT",
    "crawl.listing_max_pages": "LISTING_MAX_PAGES",
}


def scrapy_values(settings: Settings, *, set_by_user: bool = False) -> dict[str, Any]:
    """Scrapy setting name -> value, for the Scrapy settings product settings decide (with
    set_by_user, only those the user set: pipeline.toml, TAJRUS_* variables)."""
    return {
        SCRAPY_NAME[key]: value
        for key, value, origin in settings.items()
        if key in SCRAPY_NAME and not (set_by_user and origin == "default")
    }


def apply_user_settings(scrapy_settings: BaseSettings) -> None:
    """Read the user's settings (once: the crawl is starting) over the project's static defaults.

    Only the values the user set, at the project's priority: `scrapy crawl SITE -s KEY=VALUE` (and
    the crawl flow's scrapy_overrides, passed the same way) still win, and so do settings a
    caller gave the crawler (tests), when the user set nothing.
    """
    scrapy_settings.setdict(scrapy_values(load_settings(), set_by_user=True), priority="project")
