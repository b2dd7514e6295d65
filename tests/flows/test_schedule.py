"""A real Prefect server on 127.0.0.1 and `python -m pipeline serve` with a short interval: at
least one scheduled ingest run completes and writes curated output."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from support._mirror import FAST, REPO, Mirror, rss, wordpress_article

from pipeline.dedupe.decisions import normalize_url
from pipeline.store.readers import read_table

pytestmark = pytest.mark.slow


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_served_ingest_runs_on_schedule_and_curates(tmp_path: Path, prefect_api: str):
    """Served against the suite's server: only `serve` makes deployments there, so a completed
    ingest run of a deployment is this one's."""
    pytest.importorskip("pipeline.extraction.html_article", reason="HTML extraction is not merged yet")
    # Articles of yesterday: a first crawl with no window reaches back CRAWL_DEFAULT_DAYS.
    when = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1)
    mirror = Mirror(tmp_path / "tree")
    urls = [f"https://jamestown.org/program/scheduled-piece-{i}-on-tajik-migrants/" for i in range(3)]
    mirror.put("https://jamestown.org/feed/", rss([(u, when) for u in urls]))
    for i, url in enumerate(urls):
        mirror.put(url, wordpress_article(f"Scheduled piece {i}", when - dt.timedelta(hours=i), 500 + i))
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    api = prefect_api
    with mirror:
        env = {
            **os.environ,
            "PREFECT_HOME": str(tmp_path / "prefect"),
            "PREFECT_API_URL": api,
            "PYTHONPATH": str(REPO),
            "TAJRUS_EXECUTOR__KIND": "local",  # no process pool for three pages
        }
        cmd = [
            sys.executable,
            "-m",
            "pipeline",
            "serve",
            "--interval",
            "5",
            "--raw",
            str(raw),
            "--curated",
            str(curated),
            "--mirror",
            mirror.url,
        ]
        for key, value in FAST.items():
            cmd += ["-s", f"{key}={value}"]
        served = subprocess.Popen(
            cmd,
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            run = wait_for(lambda: _completed_ingest(api), 150, "a completed scheduled ingest run")
        finally:
            stop(served)
            _delete_deployments(api)
    assert run["auto_scheduled"] is True or run["deployment_id"]
    articles = read_table(curated, "articles", ["url"])
    assert articles is not None, "the scheduled run wrote no curated articles"
    assert {r["url"] for r in articles.to_pylist()} == {normalize_url(u) for u in urls}
    fetched = {f"https://{p[1:]}" for _, p in mirror.log if "/program/scheduled-piece" in p}
    assert fetched == set(urls)


def _delete_deployments(api: str) -> None:
    """The server is the suite's: its deployments go, and with them the runs their schedules made
    for the hours ahead, which other tests' queries of recent flow runs would otherwise meet."""
    for deployment in httpx.post(f"{api}/deployments/filter", json={}, timeout=10).json():
        httpx.delete(f"{api}/deployments/{deployment['id']}", timeout=10).raise_for_status()


def _completed_ingest(api: str) -> dict | None:
    body = {
        "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}, "deployment_id": {"is_null_": False}},
        "flows": {"name": {"any_": ["ingest"]}},
    }
    try:
        runs = httpx.post(f"{api}/flow_runs/filter", json=body, timeout=5).json()
    except httpx.HTTPError:
        return None
    return runs[0] if runs else None
