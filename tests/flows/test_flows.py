"""The Prefect flow end to end: the README's main command, and the same output on every executor."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from conftest import ROOT, seeds_expected
from support.seedcheck import failures

SHARED_CHECK = ROOT.parent / "shared" / "eval" / "check_seeds.py"


def _env(tmp_path: Path, api: str | None = None) -> dict[str, str]:
    """A CLI subprocess's environment: the shared API server, or (api None) a temporary one of its own."""
    env = dict(os.environ)
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1"
    )
    env.pop("PREFECT_API_URL", None)
    if api:
        env["PREFECT_API_URL"] = api
    return env


def _rows(curated: Path) -> list[dict]:
    table = ds.dataset(curated / "articles", format="parquet", partitioning="hive").to_table()
    drop = {"ingested_at", "run_id"}
    return sorted(
        ({k: v for k, v in r.items() if k not in drop} for r in table.to_pylist()),
        key=lambda r: r["article_id"],
    )


@pytest.mark.slow
def test_cli_run_curates_the_seeds_and_prints_a_summary(seeds_raw, tmp_path, prefect_api):
    curated = tmp_path / "curated"
    cmd = [sys.executable, "-m", "pipeline", "run", "--raw", str(seeds_raw), "--curated", str(curated)]
    done = subprocess.run(cmd, cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "articles written: 9 (eurasianet 1, jamestown 1, other 5, rferl 2)" in done.stdout
    assert "rejects: 0" in done.stdout
    assert failures(curated / "articles", seeds_expected()) == []
    if SHARED_CHECK.exists():  # the shared evaluation, where the repository sits beside it
        check = subprocess.run(
            [sys.executable, str(SHARED_CHECK), str(curated / "articles")],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert check.returncode == 0, check.stdout
        assert ", 0 failed" in check.stdout

    # The first run above ran without Prefect (no server configured), as on a fresh machine; this
    # one is a flow run of the shared server, as under `prefect server start`, and finds the
    # first run's state as its own.
    again = subprocess.run(
        cmd, cwd=ROOT, env=_env(tmp_path, prefect_api), capture_output=True, text=True, timeout=240
    )
    assert again.returncode == 0
    assert "articles written: 0" in again.stdout and "5 unchanged" in again.stdout


@pytest.mark.slow
def test_missing_raw_directory_is_a_clear_error(tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "pipeline",
        "run",
        "--raw",
        str(tmp_path / "nope"),
        "--curated",
        str(tmp_path / "c"),
    ]
    done = subprocess.run(cmd, cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "does not exist" in done.stderr


@pytest.mark.slow
def test_same_articles_from_every_executor(seeds_raw, tmp_path, monkeypatch, prefect_api):
    """One process, the local pool of worker processes, a local Dask cluster: the same articles."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from pipeline.flows.curate import run_curate_flow
    from pipeline.settings import load_settings

    for i in range(3):  # enough files for several batches
        for path in sorted(seeds_raw.glob("0*.txt")):
            text = path.read_text().replace("Tajik", f"Tajik{i}")
            (seeds_raw / f"v{i}_{path.name}").write_text(text)
    results = {}
    with temporary_settings(updates={PREFECT_API_URL: prefect_api}):
        for kind in ("local", "processes", "dask"):
            settings = load_settings(
                config_path="/nonexistent",
                env={},
                overrides={
                    "paths.raw": str(seeds_raw),
                    "paths.curated": str(tmp_path / kind),
                    "executor.kind": kind,
                    "executor.workers": 2,
                    "executor.batch_size": 3,
                },
            )
            summary = run_curate_flow(settings)
            assert summary["inputs_read"] == 20
            results[kind] = _rows(tmp_path / kind)
    assert results["local"] == results["processes"] == results["dask"]
    assert len(results["local"]) >= 9


def test_crawl_task_runs_are_named_after_their_site() -> None:
    """In the Prefect UI a crawl's task run reads crawl-site-rferl, not crawl-site-567."""
    from pipeline.flows.crawl import crawl_site

    assert crawl_site.task_run_name.format(site="rferl") == "crawl-site-rferl"


def test_a_crawl_request_becomes_the_spider_command_line(tmp_path: Path) -> None:
    """What the flows ask of a crawl reaches scrapy as -a and -s options; a site without hosts of
    its own in the request crawls its default hosts (no -a hosts)."""
    from pipeline.flows.crawl_request import CrawlRequest
    from pipeline.flows.spider_process import REPO_ROOT, spider_command

    request = CrawlRequest(
        raw=str(tmp_path / "raw"),
        since="2025-01-01",
        mirror="http://127.0.0.1:1",
        refresh=True,
        scrapy_overrides={"DOWNLOAD_DELAY": "0"},
        hosts={"rferl": ["www.rferl.org", "rus.azattyq.org"]},
    )
    summary = tmp_path / "summary.json"
    assert spider_command("rferl", request, summary)[1:] == [
        "-m", "scrapy", "crawl", "rferl",
        "-a", "since=2025-01-01", "-a", "hosts=www.rferl.org,rus.azattyq.org", "-a", "refresh=1",
        "-s", f"RAW_DIR={tmp_path / 'raw'}", "-s", f"CRAWL_SUMMARY_FILE={summary}",
        "-s", "MIRROR_URL=http://127.0.0.1:1", "-s", "DOWNLOAD_DELAY=0",
    ]  # fmt: skip
    assert not any(arg.startswith("hosts=") for arg in spider_command("jamestown", request, summary))
    assert (REPO_ROOT / "scrapy.cfg").is_file()  # the subprocess runs where Scrapy finds its project
