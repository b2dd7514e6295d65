"""Every site the pipeline knows, and how to tell which one a page belongs to."""

from __future__ import annotations

import dataclasses
import functools
from urllib.parse import urlsplit

from pipeline.sites import eurasianet, generic, jamestown, rferl
from pipeline.sites.base import Site

SITES: dict[str, Site] = {s.key: s for s in (rferl.SITE, jamestown.SITE, eurasianet.SITE)}
GENERIC: Site = generic.SITE


def site_for_url(url: str | None) -> Site | None:
    """The site whose hosts include the URL's host, if any."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    return _site_for_host(host) if host else None


@functools.lru_cache(maxsize=4096)
def _site_for_host(host: str) -> Site | None:
    """Cached: asked for every article of a run (dedupe, rows), and a corpus has few hosts."""
    for site in SITES.values():
        if site.owns_host(host):
            return site
    return None


@functools.cache
def _cms_reader(key: str) -> Site:
    """The rules of site `key` for pages of other hosts on its CMS: same rules, source 'other'."""
    site = SITES[key]
    return dataclasses.replace(site, key=GENERIC.key, name=f"{site.name} CMS", hosts=())


def detect(url: str | None, text: str, *, html: bool = False) -> Site:
    """The site of a page: from its URL, else its CMS's markup (HTML), else markers in its text.

    Unknown pages get the generic site, so that they are still curated (source 'other').
    """
    by_url = site_for_url(url)
    if by_url is not None:
        return by_url
    if html:
        for site in SITES.values():
            if site.cms_markers and all(p.search(text) for p in site.cms_markers):
                if url is None and any(marker in text for marker in site.content_markers):
                    return site  # a saved page with no address of its own, but the outlet's text
                return _cms_reader(site.key)
    best, best_hits = GENERIC, 0
    for site in SITES.values():
        hits = sum(1 for marker in site.content_markers if marker in text)
        if hits > best_hits:
            best, best_hits = site, hits
    return best
