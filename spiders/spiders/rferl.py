"""RFE/RL and its Pangea service sites (www.rferl.org, www.ozodi.org, rus.ozodi.org; --host for others).

Where to look is in pipeline/sites/rferl.py (CRAWL); how to look is in base.py.
"""

from spiders.spiders.base import SiteSpider


class RferlSpider(SiteSpider):
    name = "rferl"
    site_key = "rferl"
