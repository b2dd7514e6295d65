"""DedupeSettings: canonical URLs, exact and near duplicates, teasers, and articles that only look alike."""

from __future__ import annotations

import pytest
from conftest import SAMPLES

from pipeline.dedupe.decisions import Deduper, article_id, content_hash, normalize_url, url_key
from pipeline.dedupe.minhash import signatures
from pipeline.extraction.text_dump import extract_text
from pipeline.models import Article, RawDocument
from pipeline.settings import DedupeSettings
from pipeline.sites import detect

CFG = DedupeSettings()


def _art(body: str, url: str | None = None, teaser: bool = False, path: str = "x.txt") -> Article:
    return Article(source="rferl", body=body, raw_path=path, url=url, is_teaser=teaser)


def _decide(d: Deduper, a: Article):
    return d.decide(a, signatures(a.body, CFG), content_hash(a.body))


def _seed(name: str) -> list[Article]:
    text = next(SAMPLES.glob(f"{name}_*.txt")).read_text(encoding="utf-8")
    doc = RawDocument(f"{name}.txt", "text", text)
    return extract_text(doc, detect(None, text))


@pytest.mark.parametrize(
    ("url", "key"),
    [
        (
            "http://www.rferl.org/a/tajik-russia-base/33423647.html?utm_source=tw#top",
            "https://rferl.org/a/33423647.html",
        ),
        ("https://rferl.org/a/33423647.html", "https://rferl.org/a/33423647.html"),
        ("https://rus.ozodi.org/a/slug/33423616.html", "https://rus.ozodi.org/a/33423616.html"),
        (
            "https://staging.jamestown.org/program/moscow-and-dushanbe/",
            "https://jamestown.org/program/moscow-and-dushanbe",
        ),
        (
            "https://eurasianet.org/tajikistan-x?fbclid=abc&page=2",
            "https://eurasianet.org/tajikistan-x?page=2",
        ),
        ("ftp://example.org/x", None),
        ("not a url", None),
    ],
)
def test_url_key(url, key):
    assert url_key(url) == key


def test_normalize_url_keeps_the_slug_but_drops_tracking():
    assert (
        normalize_url("http://www.rferl.org/a/slug/1.html?utm_medium=x")
        == "https://www.rferl.org/a/slug/1.html"
    )


def test_same_url_is_a_url_duplicate():
    d = Deduper(CFG)
    [seed] = _seed("001")
    first = _decide(d, _art(seed.body, url="https://www.rferl.org/a/slug/1.html"))
    edited = seed.body.replace("Prague, 15 March 2004", "PRAGUE, March 15, 2004")
    second = _decide(d, _art(edited + " An editor's note.", url="https://rferl.org/a/1.html?utm_source=x"))
    assert first.duplicate is None
    assert second.duplicate.kind == "url" and second.duplicate.duplicate_of == first.article_id


def test_distinct_texts_under_one_url_are_not_merged():
    """Pages that name their site's front page (or any shared URL) as canonical keep their bodies."""
    d = Deduper(CFG)
    [a], [b] = _seed("000"), _seed("001")
    home = "https://www.example.org/"
    first = _decide(d, _art(a.body, url=home, path="a.html"))
    second = _decide(d, _art(b.body, url=home, path="b.html"))
    assert first.duplicate is None and second.duplicate is None
    assert first.article_id != second.article_id


def test_a_known_sites_non_article_url_names_no_article():
    assert url_key("https://www.rferl.org/") is None
    assert url_key("https://www.rferl.org/Tajikistan") is None
    assert url_key("https://www.rferl.org/a/slug/1.html") == "https://rferl.org/a/1.html"


def test_exact_body_ignores_case_spacing_and_line_ends():
    [a] = _seed("001")
    d = Deduper(CFG)
    kept = _decide(d, a)
    copy = _art(a.body.replace("\n\n", "\r\n\r\n").upper(), path="copy.txt")
    dup = _decide(d, copy).duplicate
    assert dup.kind == "exact" and dup.duplicate_of == kept.article_id and dup.raw_path == "copy.txt"


def test_lightly_edited_article_is_a_near_duplicate():
    [a] = _seed("000")
    edited = a.body.replace("Bobokhanov said", "Bobokhanov stated").replace("Moscow", "the Kremlin", 3)
    edited += "\n\nThis story was updated with a correction."
    d = Deduper(CFG)
    kept = _decide(d, a)
    dup = _decide(d, _art(edited, path="edited.txt")).duplicate
    assert dup is not None and dup.kind == "near" and dup.duplicate_of == kept.article_id
    assert CFG.threshold <= dup.similarity < 1.0


def test_teaser_contained_in_full_article_is_its_duplicate():
    [full] = _seed("002")
    paragraphs = full.body.split("\n\n")
    teaser = _art("\n\n".join(paragraphs[:2]), teaser=True, path="listing.txt")
    d = Deduper(CFG)
    kept = _decide(d, full)
    dup = _decide(d, teaser).duplicate
    assert dup is not None and dup.kind == "teaser" and dup.duplicate_of == kept.article_id


def test_full_article_after_its_teaser_supersedes_it():
    [full] = _seed("002")
    teaser = _art("\n\n".join(full.body.split("\n\n")[:2]), teaser=True, path="listing.txt")
    d = Deduper(CFG)
    kept_teaser = _decide(d, teaser)
    kept_full = _decide(d, full)
    assert kept_full.duplicate is None
    [(old, why)] = d.superseded.items()
    assert (old, why.article_id, why.kind) == (kept_teaser.article_id, kept_full.article_id, "teaser")


def test_articles_sharing_an_opening_sentence_stay_apart():
    teasers = _seed("004")
    pilots = [t for t in teasers if "pilots" in t.title.lower() or "Pilots" in t.title]
    assert len(pilots) == 2
    assert pilots[0].body.split(",")[0] == pilots[1].body.split(",")[0]  # same opening words
    d = Deduper(CFG)
    decisions = [_decide(d, t) for t in teasers]
    assert all(dec.duplicate is None for dec in decisions)
    assert len({dec.article_id for dec in decisions}) == 5


def test_distinct_seed_articles_are_all_kept():
    d = Deduper(CFG)
    arts = [a for n in ("000", "001", "002", "003") for a in _seed(n)]
    assert all(_decide(d, a).duplicate is None for a in arts)


def test_article_id_is_stable_and_prefers_the_url():
    h = content_hash("some body")
    assert article_id("https://rferl.org/a/1.html", h) == article_id("https://rferl.org/a/1.html", "other")
    assert article_id(None, h) == article_id(None, content_hash("Some   BODY"))
    assert len(article_id(None, h)) == 20


def test_state_reloaded_from_rows_finds_the_same_duplicates():
    [a] = _seed("003")
    first = Deduper(CFG)
    kept = _decide(first, a)
    again = Deduper(CFG)
    again.load([(kept.article_id, None, kept.content_hash, False)], first.signature_rows(kept.article_id))
    near = a.body.replace("formidable", "serious") + "\n\nAn added closing line."
    dup = _decide(again, _art(near)).duplicate
    assert dup.kind == "near" and dup.duplicate_of == kept.article_id


def test_lsh_finds_pairs_just_above_the_threshold():
    """Pairs at similarity ~0.8 (one word in fifty edited) are found, not lost to LSH banding."""
    import random

    rng = random.Random(5)
    words = [f"w{i}" for i in range(3000)]
    d = Deduper(CFG)
    found = 0
    for i in range(60):
        body = [rng.choice(words) for _ in range(500)]
        _decide(d, _art(" ".join(body), url=f"https://www.rferl.org/a/{2 * i}.html"))
        copy = [w if rng.random() > 0.02 else "edited" for w in body]
        dup = _decide(d, _art(" ".join(copy), url=f"https://www.rferl.org/a/{2 * i + 1}.html")).duplicate
        found += dup is not None and dup.kind == "near"
    assert found >= 55
