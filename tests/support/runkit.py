"""Helpers for the tests that run curate in other processes (kill and concurrency tests).

Inputs for two successive runs, a snapshot of the committed tables to compare runs by, a check
that whatever a reader can see reads, and a process runner that cleans up after killed runs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
from conftest import ROOT, SAMPLES

from pipeline.store.kill_points import KILL_AT_ENV
from pipeline.store.layout import ARTICLES, DUPLICATES, HEALTH, MANIFEST, REJECTS, SIGNATURES
from pipeline.store.readers import read_table
from support.corpus_texts import RUSSIAN, as_text

TABLES = (ARTICLES, DUPLICATES, REJECTS, HEALTH, MANIFEST, SIGNATURES)
# Differ between two clean runs too (ident: a copy of a tree is another inode; chrome_learned:
# chrome is learned per batch, and the kill tests' runs use smaller batches than the reference).
VOLATILE = {"ingested_at", "run_id", "mtime_ns", "ident", "chrome_learned"}


def first_inputs(raw: Path) -> None:
    """What an earlier, committed run saw: the seed samples and two Russian texts."""
    raw.mkdir(parents=True)
    for path in sorted(SAMPLES.glob("*.txt")):
        shutil.copy(path, raw / f"a_{path.name}")
    for key in ("migration", "base"):
        (raw / f"a_{key}.txt").write_text(as_text(*RUSSIAN[key]))


def more_inputs(raw: Path) -> None:
    """What a later run has to add: new articles, copies (duplicates), rejects."""
    for key in ("energy", "border", "remittances", "schools", "trade", "warc_one", "warc_two"):
        (raw / f"b_{key}.txt").write_text(as_text(*RUSSIAN[key]))
        (raw / f"c_copy_{key}.txt").write_text(as_text(*RUSSIAN[key]).replace("\n", "\r\n"))
    for path in sorted(SAMPLES.glob("*.txt")):
        shutil.copy(path, raw / f"c_copy_{path.name}")
    for i in range(4):
        (raw / f"d_empty_{i}.txt").write_bytes(b"")
        (raw / f"d_menu_{i}.txt").write_text("Home\nNews\nAbout\n")


def snapshot(curated: Path) -> dict[str, list[str]]:
    """Every committed table as sorted rows, without the columns that differ from run to run."""
    out = {}
    for table in TABLES:
        t = read_table(curated, table)
        rows = [] if t is None else t.drop_columns([c for c in t.column_names if c in VOLATILE]).to_pylist()
        out[table] = sorted(repr(sorted(r.items())) for r in rows)
    return out


def assert_readable(curated: Path, settled: bool = True) -> None:
    """What a reader sees is whole: every visible Parquet file opens in pyarrow and in DuckDB.

    settled: no run is writing, so both readers must also count the same rows (while a run
    commits, files appear between the two reads).
    """
    for table in (ARTICLES, DUPLICATES, REJECTS):
        if not any((curated / table).rglob("*.parquet")):
            continue
        rows = ds.dataset(curated / table, format="parquet", partitioning="hive").to_table().num_rows
        glob = (curated / table).as_posix() + ("/**/*.parquet" if table == ARTICLES else "/*.parquet")
        with duckdb.connect() as con:
            [(duck_rows,)] = con.execute(f"select count(*) from read_parquet('{glob}')").fetchall()
        assert duck_rows == rows or not settled, table


def env_for(
    tmp_path: Path, kill_at: str | None = None, api: str | None = None, **settings: str
) -> dict[str, str]:
    """The environment of a curate subprocess: its own Prefect home (or the shared API server,
    when api is given), no analytics, no TAJRUS_ settings of the caller's (only those given)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAJRUS_") and k != "PREFECT_API_URL"}
    if api:
        env["PREFECT_API_URL"] = api
    env.update(
        PREFECT_HOME=str(tmp_path),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        **{f"TAJRUS_{key.upper()}": value for key, value in settings.items()},
    )
    if kill_at:
        env[KILL_AT_ENV] = kill_at
    return env


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """A process in its own session, output to a file (an orphan holding a pipe would block a read)."""
    with open(log, "wb") as out:
        return subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True, stdout=out, stderr=out)


def finish(
    proc: subprocess.Popen, log: Path, timeout: float = 180, allowed: tuple[int, ...] = (0, -signal.SIGKILL)
) -> int:
    """Wait for proc, then take down what it left behind in its session (the Prefect server a
    killed CLI run orphans). An exit code not allowed fails with the process's output."""
    try:
        proc.wait(timeout=timeout)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    if proc.returncode not in allowed:
        raise AssertionError(f"exit {proc.returncode}: {log.read_text()[-3000:]}")
    return proc.returncode


def curate_runs_of(api: str, curated: Path) -> list[dict]:
    """The manual curate flow runs a server recorded for this curated/, newest first.

    The suite's server holds every test's runs, and a served deployment's schedule adds runs
    for the hours ahead: asked for manual curate runs only, the test's own are among the newest.
    """
    import httpx

    query = {
        "flows": {"name": {"any_": ["curate"]}},
        "flow_runs": {"deployment_id": {"is_null_": True}},
        "sort": "START_TIME_DESC",
        "limit": 50,
    }
    runs = httpx.post(f"{api}/flow_runs/filter", json=query, timeout=10).json()
    return [r for r in runs if r["parameters"].get("curated") == str(curated)]
