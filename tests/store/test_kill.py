"""kill -9 at every step of a curate run: the dataset stays readable and the next run repairs it.

A test-only hook (pipeline.store.kill_points.kill_point, PIPELINE_TEST_KILL_AT) makes the run SIGKILL itself
at a named point, so each kill lands exactly where it is meant to. Most kills run a small script
that calls run_curation (where the atomicity lives; a Prefect start costs ~12 s a process); one
goes through the real CLI. After each kill: every Parquet file a reader can see reads with
pyarrow and DuckDB, nothing of the killed run is visible unless its journal was written, and a
normal run then ends with tables equal to those of clean runs over the same raw/.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest
from support.runkit import assert_readable, env_for, finish, first_inputs, more_inputs, snapshot, start

from pipeline.curation.driver import run_curation
from pipeline.settings import load_settings

DRIVER = """
import sys
from pathlib import Path
from pipeline.curation.driver import run_curation
from pipeline.settings import load_settings
run_curation(Path(sys.argv[1]), Path(sys.argv[2]), load_settings(config_path="/nonexistent"))
"""
BATCH = {"executor__batch_size": "4"}  # the later run has several batches: a kill can fall between

# point -> whether the killed run's rows must be visible (journal written) once the next run starts
KILL_POINTS = {
    "after-first-batch": False,
    "after-staging-files-closed": False,
    "after-journal-written": True,
    "after-first-rename": True,
    "after-commit-before-cleanup": True,
}


def curate_script(raw: Path, curated: Path, env: dict[str, str]) -> int:
    log = curated.parent / "log"
    return finish(start([sys.executable, "-c", DRIVER, str(raw), str(curated)], env, log), log)


def curate_cli(raw: Path, curated: Path, env: dict[str, str]) -> int:
    args = ["--raw", str(raw), "--curated", str(curated), "--executor", "local"]
    log = curated.parent / "log"
    return finish(start([sys.executable, "-m", "pipeline", "run", *args], env, log), log)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The tables after clean runs (no kill): over the first inputs, then over all of them."""
    tmp = tmp_path_factory.mktemp("reference")
    raw, curated = tmp / "raw", tmp / "curated"
    first_inputs(raw)
    settings = load_settings(config_path="/nonexistent", env={})
    run_curation(raw, curated, settings)
    before = snapshot(curated)
    more_inputs(raw)
    run_curation(raw, curated, settings)
    return before, snapshot(curated)


def killed_setup(tmp_path: Path) -> tuple[Path, Path]:
    """curated/ holding a committed first run, and raw/ with new inputs for the run to be killed."""
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    first_inputs(raw)
    run_curation(raw, curated, load_settings(config_path="/nonexistent", env={}))
    more_inputs(raw)
    assert snapshot(curated)["articles"], "the earlier run committed articles"
    return raw, curated


@pytest.mark.slow
@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_kill_at_each_point_leaves_a_readable_dataset_that_the_next_run_repairs(point, reference, tmp_path):
    before, after = reference
    raw, curated = killed_setup(tmp_path)

    assert curate_script(raw, curated, env_for(tmp_path, point, **BATCH)) == -signal.SIGKILL
    assert_readable(curated)
    journal = list((curated / "_journal").glob("*.json"))
    assert bool(journal) == KILL_POINTS[point], "the kill did not land where it was aimed"
    if not journal:
        assert snapshot(curated) == before  # nothing of the killed run is visible

    assert curate_script(raw, curated, env_for(tmp_path, None, **BATCH)) == 0
    assert_readable(curated)
    assert snapshot(curated) == after
    assert not list((curated / "_journal").glob("*.json"))
    assert not any((curated / "_staging").iterdir())


@pytest.mark.slow
def test_kill_mid_commit_through_the_cli(reference, tmp_path, prefect_api):
    _, after = reference
    raw, curated = killed_setup(tmp_path)
    killed = env_for(tmp_path, "after-first-rename", api=prefect_api, **BATCH)
    assert curate_cli(raw, curated, killed) == -signal.SIGKILL
    assert_readable(curated)
    assert list((curated / "_journal").glob("*.json"))
    assert curate_cli(raw, curated, env_for(tmp_path, None, api=prefect_api, **BATCH)) == 0
    assert snapshot(curated) == after
