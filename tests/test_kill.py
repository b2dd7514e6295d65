"""kill -9 at every step of a curate run: the dataset stays readable and the next run repairs it.

A test-only hook (pipeline.store.kill_point, PIPELINE_TEST_KILL_AT) makes the run SIGKILL itself
at a named point, so each kill lands exactly where it is meant to. Most kills run a small script
that calls run_curation (where the atomicity lives; a Prefect start costs ~12 s a process); one
goes through the real CLI. After each kill: every Parquet file a reader can see reads with
pyarrow and DuckDB, nothing of the killed run is visible unless its journal was written, and a
normal run then ends with tables equal to those of clean runs over the same raw/.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pytest
from conftest import ROOT, SAMPLES
from corpus_texts import RUSSIAN, as_text

from pipeline import store
from pipeline.curate import run_curation
from pipeline.settings import load_settings

TABLES = ("articles", "duplicates", "rejects", "_state/manifest", "_state/signatures")
VOLATILE = {"ingested_at", "run_id", "mtime_ns"}  # differ between two clean runs too
DRIVER = """
import sys
from pathlib import Path
from pipeline.curate import run_curation
from pipeline.settings import load_settings
run_curation(Path(sys.argv[1]), Path(sys.argv[2]), load_settings(config_path="/nonexistent"))
"""
BATCH = "4"  # inputs per batch: the second run has several batches, so a kill can fall between them


def first_inputs(raw: Path) -> None:
    """What the earlier, committed run saw: the seed samples and two Russian texts."""
    raw.mkdir(parents=True)
    for path in sorted(SAMPLES.glob("*.txt")):
        shutil.copy(path, raw / f"a_{path.name}")
    for key in ("migration", "base"):
        (raw / f"a_{key}.txt").write_text(as_text(*RUSSIAN[key]))


def more_inputs(raw: Path) -> None:
    """What the killed run has to add: new articles, copies (duplicates), rejects."""
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
        t = store.read_table(curated, table)
        rows = [] if t is None else t.drop_columns([c for c in t.column_names if c in VOLATILE]).to_pylist()
        out[table] = sorted(repr(sorted(r.items())) for r in rows)
    return out


def assert_readable(curated: Path) -> None:
    """What a reader sees is whole: every visible Parquet file opens in pyarrow and in DuckDB."""
    for table in ("articles", "duplicates", "rejects"):
        files = sorted((curated / table).rglob("*.parquet"))
        if not files:
            continue
        pyarrow_rows = ds.dataset(curated / table, format="parquet", partitioning="hive").count_rows()
        glob = (curated / table).as_posix() + ("/**/*.parquet" if table == "articles" else "/*.parquet")
        con = duckdb.connect()
        [(duck_rows,)] = con.execute(f"select count(*) from read_parquet('{glob}')").fetchall()
        assert duck_rows == pyarrow_rows


def env_for(tmp_path: Path, kill_at: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAJRUS_")}
    env.update(
        TAJRUS_EXECUTOR__BATCH_SIZE=BATCH,
        PREFECT_HOME=str(tmp_path / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
    )
    if kill_at:
        env[store.KILL_AT_ENV] = kill_at
    return env


def run_process(args: list[str], env: dict[str, str], log: Path) -> int:
    """Run in its own session, then take down whatever it left behind (the Prefect server that a
    killed CLI run orphans). Output goes to a file: an orphan holding a pipe would block reading."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True, stdout=out, stderr=out)
        try:
            proc.wait(timeout=180)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
    if proc.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(log.read_text()[-3000:])
    return proc.returncode


def curate_script(raw: Path, curated: Path, env: dict[str, str]) -> int:
    return run_process([sys.executable, "-c", DRIVER, str(raw), str(curated)], env, curated.parent / "log")


def curate_cli(raw: Path, curated: Path, env: dict[str, str]) -> int:
    args = ["--raw", str(raw), "--curated", str(curated), "--executor", "local"]
    return run_process([sys.executable, "-m", "pipeline", "run", *args], env, curated.parent / "log")


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The tables after clean runs (no kill): over the first inputs, then over all of them."""
    tmp = tmp_path_factory.mktemp("reference")
    raw, curated = tmp / "raw", tmp / "curated"
    first_inputs(raw)
    settings = load_settings(config_path="/nonexistent", env={"TAJRUS_EXECUTOR__BATCH_SIZE": BATCH})
    run_curation(raw, curated, settings)
    before = snapshot(curated)
    more_inputs(raw)
    run_curation(raw, curated, settings)
    return before, snapshot(curated)


def killed_setup(tmp_path: Path) -> tuple[Path, Path]:
    """curated/ holding the committed first run, and raw/ with the new inputs added."""
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    first_inputs(raw)
    run_curation(raw, curated, load_settings(config_path="/nonexistent", env={}))
    more_inputs(raw)
    assert snapshot(curated)["articles"], "the earlier run committed articles"
    return raw, curated


# point -> whether the killed run's rows must be visible (journal written) once the next run starts
KILL_POINTS = {
    "after-first-batch": False,
    "after-staging-files-closed": False,
    "after-journal-written": True,
    "after-first-rename": True,
    "after-commit-before-cleanup": True,
}


@pytest.mark.slow
@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_kill_at_each_point_leaves_a_readable_dataset_that_the_next_run_repairs(point, reference, tmp_path):
    before, after = reference
    raw, curated = killed_setup(tmp_path)

    assert curate_script(raw, curated, env_for(tmp_path, point)) == -signal.SIGKILL
    assert_readable(curated)
    journal = list((curated / "_journal").glob("*.json"))
    assert bool(journal) == KILL_POINTS[point], "the kill did not land where it was aimed"
    if not journal:
        assert snapshot(curated) == before  # nothing of the killed run is visible

    assert curate_script(raw, curated, env_for(tmp_path, None)) == 0
    assert_readable(curated)
    assert snapshot(curated) == after
    assert not list((curated / "_journal").glob("*.json"))
    assert not any((curated / "_staging").iterdir())


@pytest.mark.slow
def test_kill_mid_commit_through_the_cli(reference, tmp_path):
    _, after = reference
    raw, curated = killed_setup(tmp_path)
    assert curate_cli(raw, curated, env_for(tmp_path, "after-first-rename")) == -signal.SIGKILL
    assert_readable(curated)
    assert list((curated / "_journal").glob("*.json"))
    assert curate_cli(raw, curated, env_for(tmp_path, None)) == 0
    assert snapshot(curated) == after
