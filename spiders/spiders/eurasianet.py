"""Eurasianet: the Tajikistan region listing and feeds, and the paged sitemap.

Where to look is in pipeline/sites/eurasianet.py (CRAWL); how to look is in base.py.
"""

from spiders.spiders.base import SiteSpider


class EurasianetSpider(SiteSpider):
    name = "eurasianet"
    site_key = "eurasianet"
