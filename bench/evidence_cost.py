"""What recording extraction evidence costs per HTML page (not product code).

The site's title, byline and date selectors are asked once more per page to say whether they
match (pipeline.extraction.html_article._rule_evidence). Measured on the real article pages under
tests/fixtures/<site>/ (every site with HTML rules), against the whole extraction of the page.

    .venv/bin/python bench/evidence_cost.py [REPEATS]
"""

from __future__ import annotations

import functools
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.extraction import html_article  # noqa: E402
from pipeline.extraction.dispatch import extract_document, page_url  # noqa: E402
from pipeline.extraction.html_authors import known_site_authors  # noqa: E402
from pipeline.extraction.html_metadata import page_title, publication_date  # noqa: E402
from pipeline.extraction.html_tree import parse_page  # noqa: E402
from pipeline.extraction.json_ld import json_ld_article  # noqa: E402
from pipeline.models import RawDocument  # noqa: E402
from pipeline.sites import detect  # noqa: E402


def per_call_us(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(3):  # the best of three rounds: the machine is shared
        started = time.perf_counter()
        for _ in range(repeats):
            fn()
        best = min(best, (time.perf_counter() - started) / repeats * 1e6)
    return best


def main(repeats: int = 100) -> None:
    evidence, whole = [], []
    for path in sorted((ROOT / "tests" / "fixtures").glob("*/*.html")):
        text = path.read_text(encoding="utf-8")
        url = page_url(text)
        site = detect(url, text, html=True)
        if not site.html.container:
            continue
        doc = RawDocument(path.name, "html", text, url=url)
        root = parse_page(doc)
        ld = json_ld_article(root)
        rules = site.html
        title = page_title(root, rules.title, ld)
        authors = known_site_authors(root, rules.authors, rules.desk_authors, ld)
        date = publication_date(root, rules.date, ld, url, site.timezone_for(url))
        check = functools.partial(
            html_article._rule_evidence, root, site, path.name, True, title, authors, date
        )
        evidence.append(per_call_us(check, repeats))
        whole.append(per_call_us(functools.partial(extract_document, doc), 5))
    share = statistics.median(e / w for e, w in zip(evidence, whole, strict=True))
    print(
        f"{len(evidence)} real pages: evidence {statistics.median(evidence):.0f} us a page (median; "
        f"max {max(evidence):.0f}), whole extraction {statistics.median(whole):.0f} us; "
        f"evidence is {100 * share:.1f}% of a page's extraction"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
