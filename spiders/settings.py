"""Scrapy settings: politeness and storage in one place.

Every value can be overridden per run (`scrapy crawl rferl -s DOWNLOAD_TIMEOUT=10`, or the
`settings` argument of the crawl flow). Settings that are ours, not Scrapy's, are marked (ours).
"""

import os

BOT_NAME = "tajrus-spiders"
SPIDER_MODULES = ["spiders.spiders"]
NEWSPIDER_MODULE = "spiders.spiders"

# --- identity -------------------------------------------------------------------------------
# A descriptive User-Agent with a contact URL, so a site's operators can reach us. Override with
# TAJRUS_USER_AGENT or -s USER_AGENT=... (the crawl CLI has --user-agent).
USER_AGENT = os.environ.get(
    "TAJRUS_USER_AGENT",
    "tajrus-corpus/0.1 (research corpus on Tajik-Russian relations; "
    "+https://github.com/tajrus-corpus/tajrus-corpus#crawling)",
)

# --- politeness -----------------------------------------------------------------------------
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8  # across hosts; each host is still served one at a time
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19 otherwise opens a control port per crawl

# --- faults ---------------------------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024  # no article page is this big; a bigger body is a fault
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
RETRY_AFTER_MAX = 600.0  # (ours) cap on a Retry-After wait, seconds
RETRY_BACKOFF_BASE = 2.0  # (ours) first backoff when no Retry-After, doubled on each retry
RETRY_BACKOFF_MAX = 120.0  # (ours)
REDIRECT_MAX_TIMES = 5

DOWNLOADER_MIDDLEWARES = {
    "spiders.middlewares.OffsiteGuardMiddleware": 50,  # before robots.txt, so it is never fetched off-site
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
RAW_DIR = "raw"
WARC_MAX_BYTES = 100 * 1024 * 1024
WARC_FSYNC = False  # fsync after every record (power-loss safety) at the cost of speed
CRAWL_DEFAULT_DAYS = 7  # window of a site's first crawl when no --since is given
HIGH_WATER_OVERLAP_HOURS = 24  # re-read this much before the mark: lastmods arrive late
LISTING_MAX_PAGES = 50  # pagination stops here even if the window is not yet passed
CRAWL_SUMMARY_FILE = ""  # (ours) also write the run summary here (the crawl flow reads it)

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
