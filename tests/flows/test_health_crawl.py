"""End to end: Eurasianet changes its template halfway through a series of crawls of a local
mirror; the curate run that meets the new pages warns of extraction drift for Eurasianet only.

Real processes as a scheduled ingest runs them: `scrapy crawl` against the mirror on 127.0.0.1,
two curate runs on the old template (in process, for speed), then `python -m pipeline run` under
a Prefect server: its summary, the health table, the HTML report and a Prefect warning artifact
on a run that stays Completed.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from conftest import ROOT
from support._mirror import Mirror, pangea_article, run_crawl, urlset
from support.health_pages import eurasianet_new, eurasianet_old
from support.runkit import env_for

from pipeline.curation.driver import run_curation
from pipeline.settings import load_settings
from pipeline.store.readers import read_table

pytestmark = pytest.mark.slow

DAY0 = dt.datetime(2025, 5, 1, 9, tzinfo=dt.UTC)
OLD_RUNS = [range(0, 4), range(4, 8)]  # days of the pages each crawl finds, on the old template
NEW_RUN = range(10, 14)  # after the redesign


def ea_url(i: int) -> str:
    return f"https://eurasianet.org/tajikistan-story-number-{i}-about-russia"


def rf_url(i: int) -> str:
    return f"https://www.rferl.org/a/story-{i}/{7000 + i}.html"


def when(i: int) -> dt.datetime:
    return DAY0 + dt.timedelta(days=i)


def publish(mirror: Mirror, days: range, redesigned: bool, listed: list[int]) -> None:
    """Put the days' articles of both sites on the mirror; the sitemaps list every article so far."""
    template = eurasianet_new if redesigned else eurasianet_old
    for i in days:
        mirror.put(ea_url(i), template(f"Tajikistan story {i}", when(i), 800 + i))
        mirror.put(rf_url(i), pangea_article(f"Story {i}", when(i), 900 + i))
        listed.append(i)
    mirror.put("https://eurasianet.org/sitemap.xml", urlset([(ea_url(i), when(i)) for i in listed]))
    mirror.put("https://www.rferl.org/sitemap.xml", urlset([(rf_url(i), when(i)) for i in listed]))


def crawl(mirror: Mirror, raw: Path, days: range) -> None:
    since, until = when(days[0]).date().isoformat(), when(days[-1]).date().isoformat()
    for site, hosts in (("eurasianet", None), ("rferl", "www.rferl.org")):
        done = run_crawl(site, raw, mirror.url, since=since, until=until, hosts=hosts)
        assert done.returncode == 0, done.stderr[-3000:]


def prefect(api: str, method: str, path: str, body: dict | None = None) -> object:
    response = httpx.request(method, f"{api}{path}", json=body, timeout=30)
    response.raise_for_status()
    return response.json()


def test_template_change_halfway_warns_for_that_site_only(tmp_path, prefect_api):
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    settings = load_settings(config_path="/nonexistent", env={})
    listed: list[int] = []
    with Mirror(tmp_path / "tree") as mirror:
        for days in OLD_RUNS:
            publish(mirror, days, redesigned=False, listed=listed)
            crawl(mirror, raw, days)
            summary = run_curation(raw, curated, settings)
            assert summary.drift == [] and summary.articles == {"eurasianet": 4, "rferl": 4}
        publish(mirror, NEW_RUN, redesigned=True, listed=listed)
        crawl(mirror, raw, NEW_RUN)
    assert len(list((raw / "warc").rglob("*.warc.gz"))) == 6  # three crawls of two sites

    cmd = [sys.executable, "-m", "pipeline", "run", "--raw", str(raw), "--curated", str(curated)]
    env = env_for(tmp_path, api=prefect_api)
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    warning = "warning: extraction drift on eurasianet (against its last 2 runs): "
    assert warning + "container rule 100% -> 0%, date rule 100% -> 0%, authors rule 100% -> 0%" in out
    assert "drift on rferl" not in out

    rows = read_table(curated, "health").to_pylist()
    runs = sorted({r["run_id"] for r in rows})
    assert len(runs) == 3 and len(rows) == 6
    by = {(r["site"], r["run_id"]): r for r in rows}
    # The other site: the same health in every run, and no warning.
    rferl = [by[("rferl", run)] for run in runs]
    metrics = ("pages", "container_rule", "title_rule", "date_rule", "authors_rule", "fallback", "undated")
    assert [tuple(r[m] for m in metrics) for r in rferl] == [(4, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0)] * 3
    assert all(r["drift"] == [] for r in rferl)
    # Eurasianet: healthy twice, then its rules miss container, date and byline on every new page.
    before = [by[("eurasianet", run)] for run in runs[:2]]
    assert all(r["container_rule"] == r["date_rule"] == 1.0 and r["drift"] == [] for r in before)
    after = by[("eurasianet", runs[2])]
    assert (after["pages"], after["container_rule"], after["date_rule"], after["title_rule"]) == (
        4,
        0.0,
        0.0,
        1.0,
    )
    assert len(after["drift"]) == 4  # container, date, authors rules and the fallback share
    assert set(after["drift_pages"]) == {ea_url(i) for i in NEW_RUN}  # the real URLs, from the WARC records

    report = (curated / "_reports" / f"{runs[2]}.html").read_text()
    assert 'id="drift"' in report and ea_url(NEW_RUN[0]) in report

    found = prefect(
        prefect_api, "POST", "/artifacts/filter", {"artifacts": {"key": {"any_": ["extraction-drift"]}}}
    )
    [artifact] = [a for a in found if runs[2] in a["data"]]  # the server is shared by the session's tests
    assert "eurasianet" in artifact["description"] and ea_url(NEW_RUN[0]) in artifact["data"]
    assert "| rferl | pages whose" not in artifact["data"]
    flow_run = prefect(prefect_api, "GET", f"/flow_runs/{artifact['flow_run_id']}")
    assert flow_run["state"]["type"] == "COMPLETED"
