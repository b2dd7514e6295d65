"""Start-up (issue 16): `run` with no Prefect server configured is a plain run that never imports
Prefect nor starts a temporary API server; with a server configured, the same run is a flow run
that the server records, and writes the same tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from conftest import ROOT
from support.runkit import curate_runs_of, env_for, snapshot

from pipeline.flows.prefect_config import configured_api_url


def _run(raw: Path, curated: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-X", "importtime", "-m", "pipeline", "run", "--raw", str(raw)]
    cmd += ["--curated", str(curated), *extra]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def _imported(stderr: str) -> set[str]:
    """Module names from `python -X importtime` lines ("import time: self | cumulative | name")."""
    return {ln.rsplit("|", 1)[1].strip() for ln in stderr.splitlines() if ln.startswith("import time:")}


def test_run_without_a_server_never_imports_prefect_and_writes_what_a_recorded_flow_run_writes(
    seeds_raw, tmp_path, prefect_api
):
    plain = _run(seeds_raw, tmp_path / "plain", env_for(tmp_path / "home-plain"))
    assert plain.returncode == 0, plain.stderr[-3000:]
    assert "starting Prefect" not in plain.stderr
    assert not {m for m in _imported(plain.stderr) if m == "prefect" or m.startswith("prefect.")}
    assert "articles written: 9" in plain.stdout

    recorded = _run(seeds_raw, tmp_path / "flow", env_for(tmp_path / "home-flow", api=prefect_api))
    assert recorded.returncode == 0, recorded.stderr[-3000:]
    assert "prefect.flow_engine" in _imported(recorded.stderr)
    assert snapshot(tmp_path / "plain") == snapshot(tmp_path / "flow")

    ours = curate_runs_of(prefect_api, tmp_path / "flow")
    assert [r["state_type"] for r in ours] == ["COMPLETED"]
    assert not curate_runs_of(prefect_api, tmp_path / "plain")
    # Its INFO logs reach the API (the UI's Logs tab) and its task runs show; the console got none.
    logs = httpx.post(
        f"{prefect_api}/logs/filter",
        json={"logs": {"flow_run_id": {"any_": [ours[0]["id"]]}}, "limit": 200},
        timeout=10,
    ).json()
    assert any(log["level"] == 20 and "articles written: 9" in log["message"] for log in logs)
    tasks = httpx.post(
        f"{prefect_api}/task_runs/filter",
        json={"flow_runs": {"id": {"any_": [ours[0]["id"]]}}},
        timeout=10,
    ).json()
    assert any(t["name"].startswith("extract-batch") for t in tasks)
    assert "| INFO" not in recorded.stderr

    # A rerun with nothing new has no batch task, and its log says why.
    again = _run(seeds_raw, tmp_path / "flow", env_for(tmp_path / "home-flow", api=prefect_api))
    assert again.returncode == 0, again.stderr[-3000:]
    [latest, _] = curate_runs_of(prefect_api, tmp_path / "flow")
    logs = httpx.post(
        f"{prefect_api}/logs/filter", json={"logs": {"flow_run_id": {"any_": [latest["id"]]}}}, timeout=10
    ).json()
    assert any("no extract-batch task: nothing new" in log["message"] for log in logs)


@pytest.fixture
def no_prefect_config(tmp_path, monkeypatch):
    """A directory with no Prefect configuration anywhere: the current one, and PREFECT_HOME."""
    for name in ("PREFECT_API_URL", "PREFECT_PROFILE", "PREFECT_PROFILES_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_no_configuration_means_no_server(no_prefect_config):
    (no_prefect_config / "home").mkdir()
    (no_prefect_config / "home" / "profiles.toml").write_text(
        'active = "ephemeral"\n[profiles.ephemeral]\nPREFECT_SERVER_ALLOW_EPHEMERAL_MODE = "true"\n'
    )
    assert configured_api_url() is None


def test_the_environment_configures_the_server(no_prefect_config, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    assert configured_api_url() == "http://127.0.0.1:4200/api"


def test_the_active_profile_configures_the_server(no_prefect_config, monkeypatch):
    home = no_prefect_config / "home"
    home.mkdir()
    (home / "profiles.toml").write_text(
        'active = "local"\n'
        "[profiles.ephemeral]\n"
        '[profiles.local]\nPREFECT_API_URL = "http://127.0.0.1:4201/api"\n'
        '[profiles.other]\nPREFECT_API_URL = "http://127.0.0.1:4202/api"\n'
    )
    assert configured_api_url() == "http://127.0.0.1:4201/api"
    monkeypatch.setenv("PREFECT_PROFILE", "other")  # `prefect --profile other` / the variable wins
    assert configured_api_url() == "http://127.0.0.1:4202/api"
    monkeypatch.setenv("PREFECT_PROFILE", "ephemeral")
    assert configured_api_url() is None


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("prefect.toml", '[api]\nurl = "http://127.0.0.1:4203/api"\n'),
        ("pyproject.toml", '[tool.prefect.api]\nurl = "http://127.0.0.1:4203/api"\n'),
        (".env", "# the team's server\nexport PREFECT_API_URL='http://127.0.0.1:4203/api'\n"),
    ],
)
def test_files_of_the_current_directory_configure_the_server(no_prefect_config, name, text):
    (no_prefect_config / name).write_text(text)
    assert configured_api_url() == "http://127.0.0.1:4203/api"


def test_a_broken_profiles_file_is_no_server(no_prefect_config):
    (no_prefect_config / "home").mkdir()
    (no_prefect_config / "home" / "profiles.toml").write_text("active = [unclosed\n")
    assert configured_api_url() is None
