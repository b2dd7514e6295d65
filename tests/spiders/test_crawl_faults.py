"""Faults of real servers that must not hang a crawl: sitemap indexes without end, a Retry-After
of a day, robots.txt answering 5xx (RFC 9309). Each crawls a local mirror in a real process."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
from support._mirror import Mirror, pangea_article, run_crawl, sitemapindex, urlset

pytestmark = pytest.mark.slow
WHEN = dt.datetime(2025, 5, 20, tzinfo=dt.UTC)


def summary(raw: Path) -> dict:
    return json.loads((raw / "_state" / "rferl" / "last_run.json").read_text())


def _fault(status: int, headers: dict[str, str] | None = None, body: bytes = b"busy"):
    def fault(handler, nth: int) -> bool:
        handler.send(status, body, headers=headers)
        return True

    return fault


def _endless_index(handler, nth: int) -> bool:
    """/www.rferl.org/idx?n=K is an index that links idx?n=K+1, forever."""
    n = int(handler.path.rsplit("=", 1)[1])
    handler.send(200, sitemapindex([f"https://www.rferl.org/idx?n={n + 1}"]).encode(), "application/xml")
    return True


def test_a_sitemap_index_that_never_ends_is_cut_at_the_depth_limit(tmp_path):
    mirror, raw = Mirror(tmp_path / "tree"), tmp_path / "raw"
    mirror.put("https://www.rferl.org/sitemap.xml", sitemapindex(["https://www.rferl.org/idx?n=0"]))
    for n in range(200):
        mirror.faults[f"/www.rferl.org/idx?n={n}"] = _endless_index
    with mirror:
        started = time.monotonic()
        result = run_crawl(
            "rferl", raw, mirror.url, since="2025-05-01", until="2025-05-31", hosts="www.rferl.org"
        )
        took = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:]
    s = summary(raw)
    assert s["counts"]["sitemaps_over_depth"] == 1
    asked = [p for _, p in mirror.log if p.startswith("/www.rferl.org/idx")]
    assert len(asked) == 3  # depths 1..3 (the index is depth 0), then reported, not followed
    assert any("deeper than 3" in why for why in s["discovery_failed"].values())
    assert took < 60


def test_a_retry_after_of_a_day_gives_the_url_up_for_this_crawl(tmp_path):
    mirror, raw = Mirror(tmp_path / "tree"), tmp_path / "raw"
    good = "https://www.rferl.org/a/good/1001.html"
    away = "https://www.rferl.org/a/come-back-tomorrow/1002.html"
    mirror.put("https://www.rferl.org/sitemap.xml", urlset([(good, WHEN), (away, WHEN)]))
    mirror.put(good, pangea_article("Good", WHEN, 1))
    mirror.put(away, pangea_article("Away", WHEN, 2))
    mirror.faults["/www.rferl.org/a/come-back-tomorrow/1002.html"] = _fault(503, {"Retry-After": "86400"})
    with mirror:
        started = time.monotonic()
        result = run_crawl(
            "rferl", raw, mirror.url, since="2025-05-01", until="2025-05-31", hosts="www.rferl.org"
        )
        took = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:]
    s = summary(raw)
    assert s["failed_by_reason"] == {"retry_after_too_long": 1}
    assert away in s["failed_urls"]  # recorded: the next crawl tries it again
    assert len([p for _, p in mirror.log if "come-back-tomorrow" in p]) == 1  # asked once, not waited on
    assert took < 60


@pytest.mark.parametrize(("status", "fetched"), [(500, False), (503, False), (404, True), (403, True)])
def test_robots_txt_as_rfc_9309_reads_it(tmp_path, status, fetched):
    """5xx: disallow everything on the host (and try again next crawl); 4xx: allow everything."""
    mirror, raw = Mirror(tmp_path / "tree"), tmp_path / "raw"
    url = "https://www.rferl.org/a/story/1003.html"
    mirror.put("https://www.rferl.org/sitemap.xml", urlset([(url, WHEN)]))
    mirror.put(url, pangea_article("Story", WHEN, 3))
    mirror.faults["/www.rferl.org/robots.txt"] = _fault(status, body=b"User-agent: *\nDisallow:\n")
    with mirror:
        result = run_crawl(
            "rferl",
            raw,
            mirror.url,
            since="2025-05-01",
            until="2025-05-31",
            hosts="www.rferl.org",
            settings={"ROBOTSTXT_OBEY": "True", "RETRY_TIMES": "0"},
        )
    assert result.returncode == 0, result.stderr[-3000:]
    asked = [p for _, p in mirror.log if p.endswith("/1003.html")]
    s = summary(raw)
    if fetched:
        assert asked and url not in s["failed_urls"]
    else:
        assert not asked
        assert set(s["discovery_failed"].values()) == {"robots_unreachable"}
        assert s["high_water"] is None  # not advanced: the next crawl covers this window again
