"""Scrapy settings module: politeness and storage in one place, as static defaults.

Nothing here reads the user's settings: importing this module (`scrapy list`, `scrapy shell`) must
not depend on pipeline.toml or TAJRUS_* variables, where a typo would break it. The values a user
sets (User-Agent, delays, timeouts, size caps, retries, where raw/ is, window knobs) are set here
to the product's defaults (pipeline/settings.py, `python -m pipeline config` shows them); the
spider applies the user's own once when a crawl starts (spiders/user_settings.py). Every value can
still be overridden per run (`scrapy crawl rferl -s DOWNLOAD_TIMEOUT=10`, or the scrapy_overrides
of the crawl flow). Settings that are ours, not Scrapy's, are marked (ours).
"""

from pipeline.settings import Settings
from spiders.user_settings import scrapy_values

# The product's defaults, not the user's settings (lower case: Scrapy takes every upper-case name).
_defaults = scrapy_values(Settings())

BOT_NAME = "tajrus-spiders"
SPIDER_MODULES = ["spiders.spiders"]
NEWSPIDER_MODULE = "spiders.spiders"

# --- identity -------------------------------------------------------------------------------
# A descriptive User-Agent with a contact URL, so a site's operators can reach us. Override with
# crawl.user_agent (TAJRUS_CRAWL__USER_AGENT), or --user-agent on the crawl CLI.
USER_AGENT = _defaults["USER_AGENT"]

# --- politeness -----------------------------------------------------------------------------
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8  # across hosts; each host is still served one at a time
CONCURRENT_REQUESTS_PER_DOMAIN = _defaults["CONCURRENT_REQUESTS_PER_DOMAIN"]
DOWNLOAD_DELAY = _defaults["DOWNLOAD_DELAY"]
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19 otherwise opens a control port per crawl

# --- faults ---------------------------------------------------------------------------------
DOWNLOAD_TIMEOUT = _defaults["DOWNLOAD_TIMEOUT"]
DOWNLOAD_MAXSIZE = _defaults["DOWNLOAD_MAXSIZE"]  # no article page is this big; a bigger body is a fault
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = _defaults["RETRY_TIMES"]
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
RETRY_AFTER_MAX = _defaults["RETRY_AFTER_MAX"]  # (ours) cap on a Retry-After wait, seconds
RETRY_BACKOFF_BASE = 2.0  # (ours) first backoff when no Retry-After, doubled on each retry
RETRY_BACKOFF_MAX = 120.0  # (ours)
REDIRECT_MAX_TIMES = 5

DOWNLOADER_MIDDLEWARES = {
    "spiders.middlewares.OffsiteGuardMiddleware": 50,  # before robots.txt, so it is never fetched off-site
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "spiders.middlewares.RfcRobotsTxtMiddleware": 100,  # RFC 9309: 5xx or no answer = disallow all
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.BackoffRetryMiddleware": 550,
}
# The mirror handler is the stock HTTP/1.1 handler unless MIRROR_URL is set.
DOWNLOAD_HANDLERS = {
    "http": "spiders.middlewares.MirrorDownloadHandler",
    "https": "spiders.middlewares.MirrorDownloadHandler",
}
MIRROR_URL = ""  # (ours) e.g. http://127.0.0.1:8000 serving HOST/PATH trees

# --- storage and windows (ours) -------------------------------------------------------------
ITEM_PIPELINES = {"spiders.pipelines.WarcPipeline": 300}
RAW_DIR = _defaults["RAW_DIR"]
WARC_MAX_BYTES = 100 * 1024 * 1024
WARC_FSYNC = False  # fsync after every record (power-loss safety) at the cost of speed
# Window of a site's first crawl when no --since is given.
CRAWL_DEFAULT_DAYS = _defaults["CRAWL_DEFAULT_DAYS"]
# Re-read this much before the mark: lastmods arrive late.
HIGH_WATER_OVERLAP_HOURS = _defaults["HIGH_WATER_OVERLAP_HOURS"]
REVISIT_DAYS = _defaults["REVISIT_DAYS"]  # (ours) refetch stored articles this young whose lastmod moved
SITEMAP_MAX_DEPTH = _defaults["SITEMAP_MAX_DEPTH"]  # (ours)
SITEMAP_MAX_COUNT = _defaults["SITEMAP_MAX_COUNT"]  # (ours)
# Pagination stops here even if the window is not yet passed.
LISTING_MAX_PAGES = _defaults["LISTING_MAX_PAGES"]
CRAWL_SUMMARY_FILE = ""  # (ours) also write the run summary here (the crawl flow reads it)
# A `TAJRUS-PROGRESS {json}` line on stderr this often (and at the end), which the crawl flow shows
# as progress; 0 turns it off.
EXTENSIONS = {"spiders.progress.ProgressLines": 500}
CRAWL_PROGRESS_INTERVAL = 2.0  # (ours) seconds

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
