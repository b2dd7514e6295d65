"""The Jamestown Foundation: Eurasia Daily Monitor and the Tajikistan region listings, and the feed.

Where to look is in pipeline/sites/jamestown.py (CRAWL); how to look is in base.py.
"""

from spiders.spiders.base import SiteSpider


class JamestownSpider(SiteSpider):
    name = "jamestown"
    site_key = "jamestown"
