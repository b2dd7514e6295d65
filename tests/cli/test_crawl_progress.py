"""Crawl progress: the spider's TAJRUS-PROGRESS lines, their reading by run_spider, their display."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from scrapy import Request, Spider, signals
from scrapy.http import HtmlResponse
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.test import get_crawler
from support._mirror import FAST, REPO, Mirror, pangea_article, slow, urlset

from pipeline.cli.progress import CRAWL_COUNTERS, CrawlProgress
from pipeline.flows import crawl as crawl_flows
from pipeline.flows import spider_process
from pipeline.flows.crawl_request import CrawlRequest
from pipeline.flows.spider_process import CrawlError, parse_progress_line, run_spider, run_with_progress
from spiders.progress import PROGRESS_PREFIX, ProgressLines

WHEN = dt.datetime(2025, 5, 20, tzinfo=dt.UTC)
ARTICLES = [f"https://www.rferl.org/a/progress-{i}/{7000 + i}.html" for i in range(6)]
MISSING = "https://www.rferl.org/a/progress-missing/7999.html"  # in the sitemap, 404 on the server


class FailingSpider(Spider):
    """Stands for SiteSpider: the extension reads the summary's failures from spider.failed."""

    name = "rferl"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.failed: dict[str, str] = {}


# --- the extension --------------------------------------------------------------------------------


def test_extension_counts_signals_and_writes_one_json_line(capsys):
    crawler = get_crawler(FailingSpider, {"CRAWL_PROGRESS_INTERVAL": "2"})
    crawler.spider = spider = FailingSpider()
    ext = ProgressLines.from_crawler(crawler)
    send = crawler.signals.send_catch_log
    requests = [Request(f"https://www.rferl.org/a/{i}.html") for i in range(4)]
    for request in requests:
        send(signals.request_scheduled, request=request, spider=spider)
    send(signals.request_dropped, request=requests[3], spider=spider)  # refused by the scheduler
    for request in requests[:2]:
        response = HtmlResponse(request.url, body=b"<html></html>", request=request)
        send(signals.response_received, response=response, request=request, spider=spider)
        send(signals.item_scraped, item={"url": request.url}, response=response, spider=spider)
    robots = Request("https://www.rferl.org/robots.txt", callback=NO_CALLBACK)  # never scheduled
    response = HtmlResponse(robots.url, body=b"", request=robots)
    send(signals.response_received, response=response, request=robots, spider=spider)
    spider.failed[requests[2].url] = "timeout"

    ext.emit()
    ext.emit()  # nothing changed: no second line
    send(signals.spider_closed, spider=spider, reason="finished")  # the last line always comes

    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and all(line.startswith(PROGRESS_PREFIX) for line in lines)
    first, last = (json.loads(line[len(PROGRESS_PREFIX) :]) for line in lines)
    assert first == {"site": "rferl", "queued": 3, "fetched": 2, "failed": 1, "stored": 2, "final": False}
    assert last == {**first, "final": True}
    assert parse_progress_line(lines[0]) == first


def test_extension_is_off_with_interval_zero():
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        ProgressLines.from_crawler(get_crawler(FailingSpider, {"CRAWL_PROGRESS_INTERVAL": "0"}))


def test_extension_is_enabled_in_the_project_settings():
    from spiders import scrapy_settings as settings

    assert "spiders.progress.ProgressLines" in settings.EXTENSIONS
    assert settings.CRAWL_PROGRESS_INTERVAL == 2.0


# --- reading a child's output ---------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import json, sys
    for i in range(1, 4):
        sys.stderr.write("TAJRUS-PROGRESS " + json.dumps({"site": "x", "queued": 10, "fetched": i}) + "\\n")
        sys.stderr.flush()
    print("to stdout", flush=True)  # merged with stderr: both drained by one reader
    for i in range(3000):  # well over a pipe's 64 KiB: a reader that stops would hang the child
        sys.stderr.write(f"log line {i} " + "." * 40 + "\\n")
    sys.stderr.write("TAJRUS-PROGRESS {not json\\n")
    sys.stderr.write("Traceback: the last words\\n")
    sys.exit(3)
    """
)


def test_run_with_progress_feeds_counters_and_keeps_the_tail_of_other_output():
    seen: list[dict] = []
    code, output = run_with_progress([sys.executable, "-c", CHILD], timeout=30, on_counters=seen.append)
    assert code == 3
    assert [c["fetched"] for c in seen] == [1, 2, 3]
    lines = output.splitlines()
    assert len(lines) == spider_process.TAIL_LINES
    assert lines[-1] == "Traceback: the last words"
    assert lines[-2] == "TAJRUS-PROGRESS {not json"  # a damaged progress line is kept, not lost
    assert not any(line.startswith('TAJRUS-PROGRESS {"') for line in lines)


def test_a_failing_callback_does_not_stop_the_reading():
    def broken(counters: dict) -> None:
        raise RuntimeError("display gone")

    code, output = run_with_progress([sys.executable, "-c", CHILD], timeout=30, on_counters=broken)
    assert code == 3 and output.endswith("Traceback: the last words")


def test_run_with_progress_kills_the_child_on_timeout():
    child = "import sys, time\nprint('started', flush=True)\ntime.sleep(60)"
    with pytest.raises(subprocess.TimeoutExpired) as info:
        run_with_progress([sys.executable, "-c", child], timeout=1)
    assert info.value.output == "started"


def test_run_spider_turns_a_timeout_into_a_crawl_error_with_the_tail(monkeypatch, tmp_path):
    def too_slow(cmd, **kwargs):
        raise subprocess.TimeoutExpired(cmd, 5, output="INFO: still reading sitemaps")

    monkeypatch.setattr(spider_process, "run_with_progress", too_slow)
    with pytest.raises(CrawlError, match=r"(?s)within 5(\.0)?s.*still reading sitemaps"):
        run_spider("rferl", CrawlRequest(raw=str(tmp_path / "raw")), timeout=5)


@pytest.mark.slow
def test_run_spider_error_still_has_the_tail_of_stderr(tmp_path):
    with pytest.raises(CrawlError) as info:
        run_spider(
            "rferl", CrawlRequest(raw=str(tmp_path / "raw"), scrapy_overrides={"CONCURRENT_REQUESTS": "many"})
        )
    message = str(info.value)
    assert "without a summary" in message and "Traceback" in message and "many" in message


# --- a real crawl against a local mirror ----------------------------------------------------------


@pytest.fixture
def rferl_mirror(tmp_path: Path):
    """www.rferl.org: a sitemap of six articles and one that is missing (a 404: one failure); one
    article answers slowly, so the crawl lasts long enough for a few progress lines."""
    mirror = Mirror(tmp_path / "tree")
    mirror.put("https://www.rferl.org/sitemap.xml", urlset([(u, WHEN) for u in [*ARTICLES, MISSING]]))
    for i, url in enumerate(ARTICLES):
        mirror.put(url, pangea_article(f"Story {i}", WHEN, 500 + i))
    mirror.faults["/" + ARTICLES[0].split("://", 1)[1]] = slow(1.0)
    with mirror:
        yield mirror


@pytest.mark.slow
def test_run_spider_reports_running_totals_that_end_at_the_summary(rferl_mirror, tmp_path):
    seen: list[tuple[str, dict]] = []
    request = CrawlRequest(
        hosts={"rferl": ["www.rferl.org"]},
        since="2025-05-01",
        until="2025-05-31",
        mirror=rferl_mirror.url,
        raw=str(tmp_path / "raw"),
        scrapy_overrides={**FAST, "CRAWL_PROGRESS_INTERVAL": "0.2"},
    )
    summary = run_spider(
        "rferl",
        request,
        on_progress=lambda site, counters: seen.append((site, counters)),
        timeout=60,
    )
    assert summary["stored"] == len(ARTICLES) and summary["failed"] == 1
    assert len(seen) >= 2 and {site for site, _ in seen} == {"rferl"}
    totals = [c for _, c in seen]
    assert [c["final"] for c in totals] == [False] * (len(totals) - 1) + [True]
    for key in ("queued", "fetched", "stored"):
        assert [c[key] for c in totals] == sorted(c[key] for c in totals)  # running totals
    last = totals[-1]
    assert (last["stored"], last["failed"]) == (summary["stored"], summary["failed"])
    assert last["fetched"] >= len(ARTICLES) + 2 and last["queued"] >= len(ARTICLES) + 2


@pytest.mark.slow
def test_crawl_flow_prints_plain_progress_off_a_terminal(rferl_mirror, tmp_path, prefect_api):
    cmd = [sys.executable, "-m", "pipeline", "crawl", "rferl", "--host", "www.rferl.org"]
    cmd += ["--since", "2025-05-01", "--until", "2025-05-31", "--mirror", rferl_mirror.url]
    cmd += ["--raw", str(tmp_path / "raw"), "--json"]
    for key, value in FAST.items():
        cmd += ["-s", f"{key}={value}"]
    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_api,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PYTHONPATH": str(REPO),
    }
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)  # with --json the CLI's output is the flow's summary alone
    assert summary["stored"] == len(ARTICLES) and summary["failed"] == 1
    [final] = [line for line in done.stderr.splitlines() if line.startswith("crawl: done in ")]
    match = re.search(
        r"rferl (\d+)/(\d+) pages, [\d.]+ pages/s \(stored (\d+), skipped (\d+), failed (\d+)\)", final
    )
    assert match, final
    done_pages, requested, stored, skipped, failed = map(int, match.groups())
    assert done_pages == requested == len(ARTICLES) + 1
    assert (stored, skipped, failed) == (summary["stored"], 0, summary["failed"]) == (len(ARTICLES), 0, 1)
    assert "\x1b[" not in final and PROGRESS_PREFIX not in done.stderr + done.stdout


def test_progress_feed_turns_running_totals_into_increments():
    progress = CrawlProgress(mode="off")
    feed = crawl_flows._ProgressFeed(progress)
    feed("rferl", {"queued": 5, "fetched": 2, "failed": 0, "stored": 2, "discovering": 3})
    feed("jamestown", {"queued": 1, "fetched": 0, "failed": 0})
    feed("rferl", {"queued": 9, "fetched": 7, "failed": 1, "stored": 6, "discovering": 0, "final": True})
    zero = dict.fromkeys(CRAWL_COUNTERS, 0)
    assert progress.counts == {
        "rferl": {**zero, "fetched": 7, "queued": 9, "failed": 1, "stored": 6},
        "jamestown": {**zero, "queued": 1},
    }


@pytest.mark.slow
def test_backfill_report_shows_each_sites_crawl_and_the_new_articles(rferl_mirror, tmp_path, prefect_api):
    """As a user runs it: `python -m pipeline backfill`, then the run report it points to."""
    from lxml import html as lxml_html
    from support.runkit import env_for

    raw, curated = tmp_path / "raw", tmp_path / "curated"
    cmd = [sys.executable, "-m", "pipeline", "backfill", "--since", "2025-05-01", "--until", "2025-05-31"]
    cmd += ["--site", "rferl", "--mirror", rferl_mirror.url, "--raw", str(raw), "--curated", str(curated)]
    for key, value in FAST.items():
        cmd += ["-s", f"{key}={value}"]
    env = {
        **env_for(tmp_path / "prefect", api=prefect_api, hosts__rferl="www.rferl.org"),
        "PYTHONPATH": str(REPO),
    }
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    [report] = (curated / "_reports").glob("*.html")
    assert f"run report: {report}" in done.stdout
    doc = lxml_html.fromstring(report.read_bytes())
    [crawl] = [[td.text for td in row.xpath("td")] for row in doc.xpath("//table[@id='crawl']/tbody/tr")]
    assert crawl[:4] == ["rferl", str(len(ARTICLES)), "0", "1"] and crawl[5] == "finished"
    assert crawl[4] == "http_404 1"  # the sitemap URL the mirror does not have
    new = doc.xpath("//table[@id='new-articles']/tbody/tr")
    assert sorted(row.xpath("td[1]/a/@href")[0] for row in new) == sorted(ARTICLES)
    assert {row.xpath("td[1]/a/text()")[0] for row in new} == {f"Story {i}" for i in range(len(ARTICLES))}


# --- progress against the summary, on a crawl of a local mirror -----------------------------------

OLD = "https://www.rferl.org/a/progress-old/6999.html"  # lastmod before the window: skipped
NOT_ARTICLE = "https://www.rferl.org/p/6112.html"  # not an article URL: skipped


@pytest.fixture
def mixed_mirror(tmp_path: Path):
    """www.rferl.org: six articles (one slow), one missing (a 404: failed), one outside the window
    and one page that is not an article (both skipped)."""
    mirror = Mirror(tmp_path / "mixed")
    items = [(u, WHEN) for u in [*ARTICLES, MISSING, NOT_ARTICLE]] + [
        (OLD, dt.datetime(2024, 1, 5, tzinfo=dt.UTC))
    ]
    mirror.put("https://www.rferl.org/sitemap.xml", urlset(items))
    for i, url in enumerate(ARTICLES):
        mirror.put(url, pangea_article(f"Story {i}", WHEN, 600 + i))
    mirror.faults["/" + ARTICLES[0].split("://", 1)[1]] = slow(1.0)
    with mirror:
        yield mirror


@pytest.mark.slow
def test_progress_ends_at_the_crawl_summarys_counts_and_shows_rate_and_time_left(mixed_mirror, tmp_path):
    """The progress a crawl shows (as `crawl`, `backfill` and `ingest` show it) ends at the counts of
    the summary they print: stored, skipped and failed per site; on the way it says its rate and
    either the time left or that the total is not known yet."""
    from pipeline.report.crawl_summary import site_crawl_outcome

    lines: list[str] = []
    with CrawlProgress(["rferl"], sink=lines.append, interval=0.1) as progress:
        request = CrawlRequest(
            raw=str(tmp_path / "raw"),
            since="2025-05-01",
            until="2025-05-31",
            mirror=mixed_mirror.url,
            scrapy_overrides={**FAST, "CRAWL_PROGRESS_INTERVAL": "0.2"},
            hosts={"rferl": ["www.rferl.org"]},
        )
        summary = run_spider(
            "rferl",
            request,
            on_progress=crawl_flows._ProgressFeed(progress),
            timeout=60,
        )
    outcome = site_crawl_outcome({"site": "rferl", **summary})
    assert (outcome["stored"], outcome["skipped"], outcome["failed"]) == (len(ARTICLES), 2, 1)
    counts = progress.counts["rferl"]
    assert {key: counts[key] for key in ("stored", "skipped", "failed")} == {
        key: outcome[key] for key in ("stored", "skipped", "failed")
    }
    assert counts["requested"] == summary["counts"]["requested"] == len(ARTICLES) + 1
    assert counts["discovering"] == 0

    *running, final = lines
    assert final.startswith("crawl: done in ")
    assert re.search(r"rferl 7/7 pages, [\d.]+ pages/s \(stored 6, skipped 2, failed 1\)$", final), final
    assert running, "no progress line while the slow article was fetched"
    for line in running:
        assert re.search(
            r"rferl \d+/\d+\+? pages( so far)?, [\d.]+ pages/s, (~\w+ left|time left unknown)", line
        ), line
    # The slow article keeps the crawl going after the sitemap is read: the total is known then.
    assert any(re.search(r"\d+/7 pages, [\d.]+ pages/s, ~\w+ left", line) for line in running), running


def test_progress_skipped_is_the_summarys_skipped():
    from pipeline.report.crawl_summary import _SKIPPED
    from spiders.progress import SKIPPED_COUNTS

    assert set(SKIPPED_COUNTS) == set(_SKIPPED)
