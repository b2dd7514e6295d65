"""What crawl, backfill and ingest print for a person (pipeline.report.crawl_summary); --json keeps the
flow's dictionary for scripts (tests/cli/test_crawl_progress.py runs the CLI with it)."""

from __future__ import annotations

from pipeline.report.crawl_summary import render_crawl, render_gather, site_crawl_outcome

CRAWL = {
    "site": "rferl",
    "hosts": ["www.rferl.org", "www.ozodi.org"],
    "since": "2025-05-01 00:00:00+00:00",
    "until": None,
    "stored": 12,
    "failed": 3,
    "failed_by_reason": {"http_404": 2, "timeout": 1},
    "discovery_failed": {},
    "reason": "finished",
    "counts": {
        "sitemaps_read": 3,
        "feeds_read": 1,
        "skipped_already_stored": 40,
        "skipped_outside_window": 7,
        "requested": 15,
    },
}


def test_a_crawl_says_per_site_what_was_stored_skipped_and_failed_by_reason() -> None:
    text = render_crawl(CRAWL)
    assert text.splitlines()[0] == (
        "rferl: stored 12 pages, skipped 47, failed 3"
        " (window 2025-05-01 .. now; www.rferl.org, www.ozodi.org)"
    )
    assert "  skipped: 40 already in raw/, 7 outside the window" in text
    assert "  failed: 2 http_404, 1 timeout" in text
    assert "  read: 3 sitemaps, 1 feeds" in text


def test_a_crawl_stopped_early_says_why_and_a_failed_site_says_its_error() -> None:
    assert "  stopped: closespider_timeout" in render_crawl({**CRAWL, "reason": "closespider_timeout"})
    assert render_crawl({"site": "jamestown", "error": "scrapy exited with 1"}) == (
        "jamestown: crawl failed: scrapy exited with 1"
    )


def test_ingest_prints_every_sites_crawl_then_the_curate_summary() -> None:
    curate = {
        "articles": {"rferl": 12},
        "duplicates": {},
        "rejects": {},
        "documents": 12,
        "inputs_seen": 1,
        "inputs_read": 1,
        "inputs_unchanged": 0,
        "seconds": 0.5,
        "run_id": "r1",
        "report_path": "curated/_reports/r1.html",
        "curated": "curated",
        "raw": "raw",
        "started_at": "2025-05-20T10:00:00+00:00",
        "finished_at": "2025-05-20T10:00:01+00:00",
    }
    text = render_gather({"crawls": {"rferl": CRAWL}, "curate": curate, "errors": []})
    assert text.startswith("rferl: stored 12 pages")
    assert "curated/_reports/r1.html" in text


def test_the_run_report_gets_each_sites_stored_skipped_and_failed_by_reason() -> None:

    assert site_crawl_outcome(CRAWL) == {
        "stored": 12,
        "skipped": 47,
        "skipped_by_reason": {"already in raw/": 40, "outside the window": 7},
        "failed": 3,
        "failed_by_reason": {"http_404": 2, "timeout": 1},
    }
    assert site_crawl_outcome({**CRAWL, "reason": "closespider_timeout"})["stopped"] == (
        "stopped: closespider_timeout"
    )
    assert site_crawl_outcome({"error": "scrapy exited with 1"}) == {
        "stored": 0, "skipped": 0, "failed": 0, "failed_by_reason": {}, "error": "scrapy exited with 1"
    }  # fmt: skip
