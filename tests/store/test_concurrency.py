"""Two curate runs on one curated/ at once: the second refuses clearly or waits; nothing is corrupted.

The first run is a script (test code) that holds the run lock, pausing after its first batch until
the test lets it go, and then commits slowly (each rename followed by a pause) so that readers can
be caught in the middle of the commit. The second and third runs are the real CLI.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest
from support.runkit import assert_readable, env_for, finish, first_inputs, more_inputs, snapshot, start

from pipeline.curation.driver import run_curation
from pipeline.settings import load_settings

HOLDER = """
import os, sys, time
from pathlib import Path
from pipeline.curation.driver import run_curation
from pipeline.settings import load_settings

raw, curated, gate = map(Path, sys.argv[1:4])
real_replace = os.replace

def slow_replace(src, dst):
    real_replace(src, dst)
    time.sleep(0.1)  # stretch the commit, so that a reader can be caught in the middle of it

def hold(summary):
    (gate / "holding").touch()
    while not (gate / "go").exists():
        time.sleep(0.05)

os.replace = slow_replace
run_curation(raw, curated, load_settings(config_path="/nonexistent"), on_progress=hold)
"""


def wait_for(path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.05)


def start_holder(raw: Path, curated: Path, gate: Path):
    """The first run, paused while holding the lock."""
    gate.mkdir()
    log = gate / "log"
    proc = start([sys.executable, "-c", HOLDER, str(raw), str(curated), str(gate)], env_for(gate), log)
    wait_for(gate / "holding")
    return proc, log


def start_cli(raw: Path, curated: Path, home: Path, api: str, *extra: str):
    home.mkdir()
    args = [sys.executable, "-m", "pipeline", "run", "--raw", str(raw), "--curated", str(curated)]
    return start([*args, "--executor", "local", *extra], env_for(home, api=api), home / "log"), home / "log"


def read_until_done(proc, curated: Path) -> tuple[int, int]:
    """Read the dataset over and over while proc runs: (reads, reads made while a journal existed)."""
    reads = during_commit = 0
    while proc.poll() is None:
        committing = any((curated / "_journal").glob("*.json"))
        assert_readable(curated, settled=False)
        reads += 1
        during_commit += committing and any((curated / "_journal").glob("*.json"))
    return reads, during_commit


@pytest.fixture
def inputs(tmp_path) -> tuple[Path, Path, dict[str, list[str]]]:
    """raw/ and an empty curated/, and the tables one clean run over raw/ gives."""
    raw = tmp_path / "raw"
    first_inputs(raw)
    more_inputs(raw)
    run_curation(raw, tmp_path / "reference", load_settings(config_path="/nonexistent", env={}))
    return raw, tmp_path / "curated", snapshot(tmp_path / "reference")


@pytest.mark.slow
def test_second_run_refuses_third_waits_and_readers_never_see_damage(inputs, tmp_path, prefect_api):
    raw, curated, clean = inputs
    holder, holder_log = start_holder(raw, curated, tmp_path / "gate")
    refused, refused_log = start_cli(raw, curated, tmp_path / "refused", prefect_api)
    waiting, waiting_log = start_cli(raw, curated, tmp_path / "waiting", prefect_api, "--wait", "300")

    assert finish(refused, refused_log, allowed=(3,)) == 3
    message = refused_log.read_text()
    assert "is being written by another curate run" in message and f"pid {holder.pid}" in message
    assert "--wait" in message
    assert waiting.poll() is None, "the run with --wait should still be waiting"

    (tmp_path / "gate" / "go").touch()
    reads, during_commit = read_until_done(holder, curated)
    assert finish(holder, holder_log) == 0
    assert during_commit > 0, f"no read landed inside the commit ({reads} reads)"
    assert finish(waiting, waiting_log) == 0
    assert snapshot(curated) == clean  # the waiting run added no row: the same as one clean run


@pytest.mark.slow
def test_a_killed_run_does_not_leave_the_directory_locked(inputs, tmp_path):
    raw, curated, clean = inputs
    holder, holder_log = start_holder(raw, curated, tmp_path / "gate")
    os.kill(holder.pid, signal.SIGKILL)  # dies holding the lock, mid-run
    assert finish(holder, holder_log) == -signal.SIGKILL
    # No waiting allowed: the kernel released the flock with the process.
    run_curation(raw, curated, load_settings(config_path="/nonexistent", env={}))
    assert snapshot(curated) == clean
