"""Which rules gave each part of a page's article: the site's own, a general fallback, or none.

Recorded on every page that reaches field extraction (an article, or a page rejected for want of
text), so that a run can tell per site how often the site's rules still match
(pipeline.report.health). A redesign shows as the share of "site" falling while "fallback" or "none"
rises, long before anyone reads the articles. Pure data: no imports beyond the standard library,
so that it crosses process boundaries with the Article it rides on.
"""

from __future__ import annotations

from dataclasses import dataclass

SITE = "site"  # one of the site's own rules (selectors, text patterns) matched
FALLBACK = "fallback"  # the site's rules did not match; a general mechanism gave the value
NONE = "none"  # nothing gave a value

FIELDS = ("container", "title", "date", "authors")


def origin(site_rule_matched: bool, value_found: bool) -> str:
    """SITE when the site's rule matched, else FALLBACK when something else gave a value, else NONE."""
    if site_rule_matched:
        return SITE
    return FALLBACK if value_found else NONE


@dataclass(slots=True)
class Evidence:
    """Where the body container, title, date and authors of one page came from.

    site: the site key the page was read as (rferl, jamestown, eurasianet, other); page: its URL,
    else its path under raw/, so that a warning can name pages a human can open.
    """

    site: str
    page: str
    container: str
    title: str
    date: str
    authors: str

    def origins(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FIELDS}

    @property
    def fallback_used(self) -> bool:
        return any(value == FALLBACK for value in self.origins().values())
