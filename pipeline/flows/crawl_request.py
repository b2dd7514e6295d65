"""One crawl request, as the layers below the Prefect flows pass it on.

The flows take their parameters flat (they are the deployment parameters a user sees and edits
in the Prefect UI); each builds a CrawlRequest once, and the task, the concurrent crawls and the
spider subprocess take that, instead of the same eight arguments threaded through every layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CrawlRequest:
    """Where a crawl writes, which window and hosts it reads, and the Scrapy settings it overrides.

    raw: the landing zone (WARC files under raw/warc/<site>/).
    since, until: the window (YYYY-MM-DD or ISO); none: from the site's high-water mark, to now.
    mirror: fetch https://HOST/PATH from MIRROR/HOST/PATH instead (a wget --mirror tree, for tests).
    refresh: fetch again pages already stored in raw/.
    scrapy_overrides: Scrapy setting overrides (-s KEY=VALUE, a user agent).
    hosts: the hosts to crawl per site; a site not named crawls its own (pipeline/sites).
    """

    raw: str = "raw"
    since: str | None = None
    until: str | None = None
    mirror: str | None = None
    refresh: bool = False
    scrapy_overrides: Mapping[str, Any] | None = None
    hosts: Mapping[str, list[str]] = field(default_factory=dict)

    def hosts_of(self, site: str) -> list[str]:
        """The hosts to crawl for site; empty: the site's own."""
        return list(self.hosts.get(site) or [])
