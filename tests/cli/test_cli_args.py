"""Arguments a user gets wrong are refused before Prefect or Scrapy start: one error line, exit 2,
within a second or two, no traceback (the CLI in a subprocess, as a user runs it)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["crawl", "rferl", "--since", "2025-13-01"], "not a date: '2025-13-01'"),
        (["crawl", "rferl", "--since", "2025-05-10", "--until", "2025-05-01"], "the window is empty"),
        (["backfill", "--since", "2025-05-10", "--until", "2025-05-01"], "the window is empty"),
        (["crawl", "rferl", "-s", "NOT_A_PAIR"], "expected KEY=VALUE"),
        (["crawl", "nosuchsite"], "invalid choice: 'nosuchsite'"),
    ],
)
def test_bad_arguments_are_one_error_before_anything_starts(args, says, tmp_path):
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    errors = [ln for ln in result.stderr.splitlines() if "error:" in ln]
    assert len(errors) == 1 and says in errors[0]
    assert "Traceback" not in result.stderr and "Prefect" not in result.stderr
    assert time.monotonic() - started < 15  # no temporary Prefect server was started


def test_flow_commands_say_they_are_starting_prefect_when_no_server_is_set(monkeypatch):
    from pipeline.cli.main import announce_prefect

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    for command in ("run", "crawl", "backfill", "ingest"):
        assert "starting Prefect" in announce_prefect(command)
    assert announce_prefect("stats") is None and announce_prefect("query") is None
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    assert announce_prefect("run") is None


def test_prefect_defaults_give_a_busy_machine_time_and_leave_the_users_values(monkeypatch):
    """The temporary Prefect server gets 120 s to start (20 s by default: too short on a loaded
    machine, where `make demo` then failed before it began); a value the user set is kept."""
    from pipeline.cli.main import quiet_prefect

    monkeypatch.delenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", raising=False)
    monkeypatch.delenv("PREFECT_CLIENT_MAX_RETRIES", raising=False)
    quiet_prefect()
    assert os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] == "120"
    assert os.environ["PREFECT_CLIENT_MAX_RETRIES"] == "1"
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "30")
    quiet_prefect()
    assert os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] == "30"
