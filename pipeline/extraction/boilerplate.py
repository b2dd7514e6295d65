"""Chrome learned from the corpus itself: lines that recur across many pages of one site.

No list of chrome strings can keep up with every service, language and redesign of a site, but
chrome has one property no list needs: the same line stands on page after page of the same site
(menus, skip links, newsletter pitches, legal notices, "most read" boxes), while the lines of an
article stand on that article alone. Web-scale corpus pipelines drop such repeated lines; here
they are counted per site over the text dumps of a batch, and a line seen on enough distinct
pages is chrome for every page of that site.

Copies of one article (a print view, a re-saved dump) would make its own lines look repeated, so
pages are first grouped by their longest lines: a group of copies counts as one page.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from pipeline.text.normalise import normalize_line

# A line is chrome when it stands on at least this many distinct pages of a site ...
MIN_PAGES = 3
# ... and on at least this share of them: on a large crawl, a line on 3 of 400 pages is a quote
# that three articles share, not chrome.
MIN_SHARE = 0.3
# Lines of this many words that stand on 2 to _MAX_COPIES pages propose pairs of copies.
_LONG_LINE_WORDS = 10
_MAX_COPIES = 12


def line_key(line: str) -> str:
    """The identity of a line: normalised, case-folded, hashed (short, and no text kept)."""
    return hashlib.blake2b(normalize_line(line).casefold().encode("utf-8"), digest_size=8).hexdigest()


@dataclass
class ChromeCounter:
    """Counts, per site, on how many distinct pages each line stands."""

    pages: Counter[str] = field(default_factory=Counter)  # site -> distinct pages
    lines: dict[str, Counter[str]] = field(default_factory=dict)  # site -> line key -> pages

    def add_site_pages(self, site: str, pages: list[list[str]]) -> None:
        """Count the pages of one site (each a list of its non-empty lines)."""
        keyed = [{line_key(ln) for ln in page} for page in pages]
        counts = self.lines.setdefault(site, Counter())
        groups = _copies_merged(keyed, pages)
        for keys in groups:
            counts.update(keys)
        self.pages[site] += len(groups)

    def chrome(self, site: str) -> frozenset[str]:
        """Keys of the lines that are chrome on site's pages."""
        total = self.pages.get(site, 0)
        if total < MIN_PAGES:
            return frozenset()
        need = max(MIN_PAGES, MIN_SHARE * total)
        return frozenset(k for k, n in self.lines.get(site, Counter()).items() if n >= need)


def _copies_merged(keyed: list[set[str]], pages: list[list[str]]) -> list[set[str]]:
    """Line-key sets of the pages, with copies of one article merged into one set.

    Two pages are copies when they share a long line and most of their lines (Jaccard >= 0.5);
    pages of one site share their chrome and little else (0.1-0.3). Only long lines on a few
    pages propose pairs, so a notice on every page does not make the work quadratic.
    """
    parent = list(range(len(keyed)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    holders: dict[str, list[int]] = {}
    for i, page in enumerate(pages):
        for text in {normalize_line(ln) for ln in page}:
            if len(text.split()) >= _LONG_LINE_WORDS:
                holders.setdefault(line_key(text), []).append(i)
    for members in holders.values():
        if not 2 <= len(members) <= _MAX_COPIES:
            continue
        for j, a in enumerate(members):
            for b in members[j + 1 :]:
                if find(a) != find(b) and _jaccard(keyed[a], keyed[b]) >= 0.5:
                    parent[find(a)] = find(b)
    merged: dict[int, set[str]] = {}
    for i, keys in enumerate(keyed):
        merged.setdefault(find(i), set()).update(keys)
    return list(merged.values())


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0
