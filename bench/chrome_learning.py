"""How well chrome learned from the corpus works on a crawl-sized set (not product code).

Pages are built from the research dumps (tests/fixtures/pages/, real layouts of every site and
language): each page keeps its template's chrome (every line outside the template's body) and
gets a body of its own (sentences drawn from the other templates' bodies, shuffled). The same
pages are extracted with learning on (batches of 400, as a run does) and off. Printed: how many
chrome lines reach a body, how many body lines are lost, and the cost per page.

    .venv/bin/python bench/chrome_learning.py [PAGES_PER_SITE] [--no-rules]

--no-rules reads every page as a page of an unknown site (a redesign): the site rules are off and
only the general mechanisms work.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.curation.batch import learn_chrome  # noqa: E402
from pipeline.extraction.dispatch import extract_document  # noqa: E402
from pipeline.models import Article, RawDocument  # noqa: E402
from pipeline.text.normalise import normalize_line  # noqa: E402


def templates() -> list[tuple[str, list[str], list[str], list[str]]]:
    """(site, chrome lines above the body, chrome lines below it, body lines) of every article dump."""
    out = []
    for expected_file in sorted((ROOT / "tests" / "fixtures" / "pages").glob("*/*/expected.json")):
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        for record in expected["records"]:
            if record.get("is_teaser"):
                continue
            page = (expected_file.parent / record["seed"]).read_text(encoding="utf-8")
            lines = [normalize_line(x) for x in page.splitlines()]
            lines = [x for x in lines if x]
            starts = [i for i, x in enumerate(lines) if record["match_body"] in x]
            if not starts:
                continue
            start, end = starts[0], starts[0]
            while start > 0 and len(lines[start - 1].split()) > 12:
                start -= 1
            while end + 1 < len(lines) and len(lines[end + 1].split()) > 12:
                end += 1
            site = expected_file.parent.parent.name.split("-")[0]
            out.append((site, lines[: max(start - 1, 0)], lines[end + 1 :], lines[start : end + 1]))
    return out


def main(per_site: int) -> None:
    rng = random.Random(7)
    tpls = templates()
    text = " ".join(" ".join(t[3]) for t in tpls)  # sentences of the templates' bodies
    sentences = [s.strip() + "." for s in text.split(". ") if len(s.split()) > 12]
    pool = sentences or ["The officials met in Dushanbe on Monday to discuss the migrants and the border."]
    docs, truth = [], []
    for site in sorted({t[0] for t in tpls}):
        mine = [t for t in tpls if t[0] == site]
        for n in range(per_site):
            _, head, tail, _ = rng.choice(mine)
            picks = [rng.sample(pool, min(3, len(pool))) for _ in range(4)]
            body = [" ".join(p) + f" Report number {n} of {site}." for p in picks]
            text = "\n".join([*head, f"{site.title()} report {n} on the talks in Dushanbe", *body, *tail])
            docs.append(RawDocument(f"{site}/{n}.txt", "text", text))
            truth.append((set(head) | set(tail), set(body)))
    # Site-level chrome: a line in the head or tail of two or more templates of one site (menus,
    # labels, notices). A template's own headline or caption stands in one template only: it is
    # not what learning is for (the title and caption rules are), so it is not counted.
    shared: dict[str, set[str]] = {}
    for site in {t[0] for t in tpls}:
        seen: dict[str, int] = {}
        for t in (t for t in tpls if t[0] == site):
            for line in set(t[1] + t[2]):
                seen[line] = seen.get(line, 0) + 1
        shared[site] = {line for line, n in seen.items() if n >= 2}
    truth = [
        (chrome & shared[doc.raw_path.split("/")[0]], body)
        for doc, (chrome, body) in zip(docs, truth, strict=True)
    ]
    for learning in (False, True):
        started = time.process_time()
        leaked = lost = chrome_total = body_total = 0
        for i in range(0, len(docs), 400):
            batch = docs[i : i + 400]
            learned = learn_chrome(batch) if learning else None
            for doc, (chrome, body) in zip(batch, truth[i : i + 400], strict=True):
                out = extract_document(doc, None, learned)
                text = out[0].body if isinstance(out, list) and out and isinstance(out[0], Article) else ""
                paragraphs = set(text.split("\n\n"))
                leaked += len({c for c in chrome if c in paragraphs and len(c.split()) >= 2})
                lost += len(body - paragraphs)
                chrome_total += len(chrome)
                body_total += len(body)
        ms = (time.process_time() - started) / len(docs) * 1000
        label = "learning on " if learning else "learning off"
        print(
            f"{label}: {len(docs)} pages, chrome lines in a body {leaked}/{chrome_total}, "
            f"body lines lost {lost}/{body_total}, {ms:.2f} CPU ms a page"
        )


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if "--no-rules" in sys.argv:
        # As if every site had redesigned: no site's rules match, the safety net alone works.
        import pipeline.extraction.dispatch as extract_module
        from pipeline.sites import GENERIC

        extract_module.detect = lambda url, text, html=False: GENERIC
    main(int(args[0]) if args else 400)
