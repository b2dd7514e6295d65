"""The Prefect API server dies in the middle of a run that uses it: the command ends promptly and
says the truth (committed: exit 0 and a warning; not committed: one error line, dataset unchanged)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SAMPLES

from bench.server import prefect_server
from pipeline.store.readers import read_table

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def _run_cli(raw: Path, curated: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess, float]:
    """`python -m pipeline run` in a fresh process, as a user runs it; and how long it took."""
    started = time.monotonic()
    args = [sys.executable, "-m", "pipeline", "run", "--raw", str(raw), "--curated", str(curated)]
    result = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    return result, time.monotonic() - started


def _run_and_kill_api(
    tmp_path: Path, seeds_raw: Path, point: str
) -> tuple[subprocess.CompletedProcess, float]:
    with prefect_server(tmp_path / "prefect-home") as url:
        pid = _server_group(url)
        env = {**os.environ, "PREFECT_API_URL": url, "PIPELINE_TEST_KILL_GROUP_AT": f"{point}:{pid}"}
        return _run_cli(seeds_raw, tmp_path / "cur", env)


KILL_POINTS = ("after-commit-before-cleanup", "after-first-batch")


@pytest.fixture(scope="module")
def api_lost(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[subprocess.CompletedProcess, float, Path]]:
    """Each kill point's run over a copy of the samples, with a server of its own, both at once:
    most of each is a server starting and a client waiting on a dead address, which overlap
    well on two cores."""
    from concurrent.futures import ThreadPoolExecutor

    dirs = {point: tmp_path_factory.mktemp(point) for point in KILL_POINTS}
    for directory in dirs.values():
        shutil.copytree(SAMPLES, directory / "raw")
    with ThreadPoolExecutor(len(KILL_POINTS)) as threads:
        futures = {p: threads.submit(_run_and_kill_api, d, d / "raw", p) for p, d in dirs.items()}
        return {p: (*futures[p].result(), dirs[p] / "cur") for p in KILL_POINTS}


def _server_group(url: str) -> int:
    """The process group of the server listening on url's port (its `prefect server start`)."""
    import psutil

    port = int(url.rsplit(":", 1)[1].split("/")[0])
    for conn in psutil.net_connections("tcp"):
        if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
            return os.getpgid(conn.pid)
    raise AssertionError("no server listening")


def test_api_lost_after_the_commit_exits_0_with_a_warning(api_lost):
    result, took, curated = api_lost["after-commit-before-cleanup"]
    assert result.returncode == 0, result.stderr[-2000:]
    assert "warning:" in result.stderr and "committed" in result.stderr
    assert "Traceback" not in result.stderr
    assert read_table(curated, "articles").num_rows == 9
    assert took < 60


def test_api_lost_mid_run_is_reported_as_what_happened(api_lost):
    """Killed after the first batch: the run either committed (exit 0, a warning, the data) or did
    not (one error line, no data); never a traceback, never minutes of retries."""
    result, took, curated = api_lost["after-first-batch"]
    articles = read_table(curated, "articles")
    if result.returncode == 0:
        assert "warning:" in result.stderr and articles is not None and articles.num_rows == 9
    else:
        assert result.returncode == 5 and articles is None
    assert "Traceback" not in result.stderr
    assert took < 60


def test_an_api_that_does_not_answer_is_one_clear_error_and_nothing_changes(tmp_path, seeds_raw):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again when the run starts: connection refused
    env = {**os.environ, "PREFECT_API_URL": f"http://127.0.0.1:{port}/api"}
    result, took = _run_cli(seeds_raw, tmp_path / "cur", env)
    assert result.returncode == 5, result.stderr[-2000:]
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "Prefect API" in errors[0] and "nothing was committed" in errors[0]
    assert "Traceback" not in result.stderr
    assert read_table(tmp_path / "cur", "articles") is None
    assert took < 60
