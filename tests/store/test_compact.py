"""Compaction, report retention and the runs table (issue 15, "Small files pile up").

A dataset of many small files is made by real curate runs with compaction off (a few new pages
each, then copies and rejects); compaction must keep every table's rows, in reader order, and its
schema, leave one file per directory, and survive a kill -9 at each of its steps (the dataset as
before or as after, never a row twice or missing, and the next command finishes it).
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import sys
import threading
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from support.runkit import assert_readable, env_for, finish, first_inputs, more_inputs, start

from bench.__main__ import main as bench_main
from bench.pages import load_templates
from bench.schedule import content, simulate, write_run_pages
from pipeline.cli.main import main
from pipeline.curation.driver import run_curation
from pipeline.report.summary import RunSummary
from pipeline.settings import load_settings
from pipeline.store import journal
from pipeline.store.compact import compact, table_files
from pipeline.store.journal import recover
from pipeline.store.layout import new_run_id, table_name
from pipeline.store.lock import run_lock
from pipeline.store.readers import read_table
from pipeline.store.retention import prune_reports

SMALL_RUNS = 6  # runs of a few new pages each, before the copies and rejects


def settings_with(**store_settings: int):
    overrides = {f"store.{key}": value for key, value in store_settings.items()}
    return load_settings(
        config_path="/nonexistent", env={}, overrides={"executor.kind": "local", **overrides}
    )


def reader_view(curated: Path) -> dict[str, tuple[pa.Schema, list[dict]]]:
    """Every table as a reader gets it: its schema and its rows in the order they are read."""
    out = {}
    for unit in table_files(curated):
        table = table_name(unit)
        if table in out:
            continue
        got = read_table(curated, table)
        out[table] = (got.schema, got.to_pylist())
    return out


@pytest.fixture(scope="module")
def many_files(tmp_path_factory) -> Path:
    """A raw/ and a curated/ of several runs, compaction off: several files per table directory."""
    root = tmp_path_factory.mktemp("many")
    raw, curated = root / "raw", root / "curated"
    first_inputs(raw)
    settings = settings_with(compact_above_files=0)
    run_curation(raw, curated, settings)
    templates = load_templates(("rferl", "jamestown", "eurasianet"), markup="all")
    rng = random.Random(1)
    for run in range(SMALL_RUNS):
        write_run_pages(raw, run, 4, templates, rng)
        run_curation(raw, curated, settings)
    more_inputs(raw)
    run_curation(raw, curated, settings)
    return root


@pytest.fixture
def dataset(many_files, tmp_path) -> Path:
    """A private copy of the many-files dataset (raw/ and curated/)."""
    shutil.copytree(many_files, tmp_path / "d", symlinks=True)
    return tmp_path / "d"


def test_compaction_keeps_rows_order_and_schema_and_leaves_one_file_per_directory(dataset):
    curated = dataset / "curated"
    before_files = table_files(curated)
    assert max(len(files) for files in before_files.values()) >= SMALL_RUNS, "the fixture has small files"
    assert {"articles", "duplicates", "rejects", "runs", "_state/manifest", "_state/signatures"} <= {
        table_name(unit) for unit in before_files
    }
    before = reader_view(curated)

    done = compact(curated)

    after_files = table_files(curated)
    assert set(after_files) == set(before_files)
    assert all(len(files) == 1 for files in after_files.values())
    assert reader_view(curated) == before  # same schema, same rows in the same order
    assert done.before == {
        t: sum(len(f) for u, f in before_files.items() if table_name(u) == t) for t in done.before
    }
    assert done.after["articles"] == len([u for u in after_files if u.startswith("articles/")])
    assert_readable(curated)
    assert not any((curated / "_staging").iterdir()) and not list((curated / "_journal").iterdir())


def test_a_run_after_compaction_finds_its_inputs_done_and_dedupes_against_compacted_state(dataset):
    """The manifest and dedupe state read from compacted files work as before: nothing is read
    again, and copies of compacted articles are duplicates, not new articles."""
    raw, curated = dataset / "raw", dataset / "curated"
    compact(curated)
    again = run_curation(raw, curated, settings_with(compact_above_files=0))
    assert again.inputs_read == 0 and again.inputs_unchanged == again.inputs_seen
    for page in sorted(raw.rglob("*.html"))[:3]:
        shutil.copy(page, page.with_name("copy-" + page.name))
    copies = run_curation(raw, curated, settings_with(compact_above_files=0))
    assert copies.inputs_read == 3 and copies.articles_total == 0 and sum(copies.duplicates.values()) == 3


def test_only_directories_over_the_threshold_are_rewritten(dataset):
    curated = dataset / "curated"
    before = {unit: len(files) for unit, files in table_files(curated).items()}
    threshold = sorted(set(before.values()))[-2]  # the largest counts only
    compact(curated, above=threshold)
    after = {unit: len(files) for unit, files in table_files(curated).items()}
    for unit, count in before.items():
        assert after[unit] == (1 if count > threshold else count), unit


def test_a_run_compacts_past_its_setting_and_says_so(dataset):
    raw, curated = dataset / "raw", dataset / "curated"
    before = reader_view(curated)
    write_run_pages(raw, 99, 3, load_templates(("rferl",), markup="all"), random.Random(2))
    summary = run_curation(raw, curated, settings_with(compact_above_files=3))
    assert summary.compacted["_state/manifest"][1] == 1 and summary.compacted["runs"][1] == 1
    assert "  compacted: " in summary.render_text()
    assert all(len(files) <= 3 for files in table_files(curated).values())
    after = reader_view(curated)
    manifest_before = before["_state/manifest"][1]
    assert after["_state/manifest"][1][: len(manifest_before)] == manifest_before  # older rows first
    assert len(after["articles"][1]) == len(before["articles"][1]) + summary.articles_total


def test_files_of_an_older_schema_are_merged_and_a_type_conflict_is_left_alone(tmp_path):
    curated = tmp_path / "curated"
    older = curated / "_state" / "manifest"
    older.mkdir(parents=True)
    pq.write_table(pa.table({"raw_path": ["a"], "size": pa.array([1], pa.int64())}), older / "part-1.parquet")
    pq.write_table(
        pa.table({"raw_path": ["b"], "size": pa.array([2], pa.int64()), "sha256": ["x"]}),
        older / "part-2.parquet",
    )
    clash = curated / "rejects"
    clash.mkdir()
    pq.write_table(pa.table({"reason": ["empty"]}), clash / "part-1.parquet")
    pq.write_table(pa.table({"reason": pa.array([3], pa.int64())}), clash / "part-2.parquet")

    done = compact(curated)

    [merged] = table_files(curated)["_state/manifest"]
    table = pq.read_table(merged)
    assert table.column_names == ["raw_path", "size", "sha256"]
    assert table.to_pylist() == [
        {"raw_path": "a", "size": 1, "sha256": None},
        {"raw_path": "b", "size": 2, "sha256": "x"},
    ]
    assert len(table_files(curated)["rejects"]) == 2  # left as it was, and said why
    assert "rejects" in done.skipped and "rejects (" in done.line()


# -- kill -9 at every step ------------------------------------------------------------------------

COMPACT_KILL_POINTS = {  # point -> whether the journal is written (the next command finishes it)
    "compact-after-staging": False,
    "compact-after-journal": True,
    "compact-after-first-swap": True,
    "compact-before-cleanup": True,
}


def compact_cli(curated: Path, env: dict[str, str]) -> int:
    log = curated.parent / "compact.log"
    args = [sys.executable, "-m", "pipeline", "compact", "--curated", str(curated)]
    return finish(start(args, env, log), log)


@pytest.mark.slow
@pytest.mark.parametrize("point", list(COMPACT_KILL_POINTS))
def test_kill_at_each_compaction_step_leaves_before_or_after_and_the_next_command_finishes(
    point, dataset, tmp_path
):
    curated = dataset / "curated"
    rows = reader_view(curated)
    layout = {unit: [p.name for p in files] for unit, files in table_files(curated).items()}

    assert compact_cli(curated, env_for(tmp_path, point)) == -signal.SIGKILL
    assert_readable(curated)
    assert reader_view(curated) == rows  # never a row twice or missing, whatever was swapped
    journal = list((curated / "_journal").glob("*.json"))
    assert bool(journal) == COMPACT_KILL_POINTS[point], "the kill did not land where it was aimed"
    now = {unit: [p.name for p in files] for unit, files in table_files(curated).items()}
    if not journal:
        assert now == layout  # before
    else:
        assert set(now) == set(layout)  # each directory either as before or as after
        assert all(now[u] == layout[u] or len(now[u]) == 1 for u in layout)

    recover(curated)  # what the next run or command does first
    assert reader_view(curated) == rows
    recovered = {unit: [p.name for p in files] for unit, files in table_files(curated).items()}
    assert recovered == layout if not journal else all(len(names) == 1 for names in recovered.values())
    assert not list((curated / "_journal").glob("*.json")) and not any((curated / "_staging").iterdir())
    assert not (curated / "_trash").exists()
    assert compact_cli(curated, env_for(tmp_path)) == 0
    assert reader_view(curated) == rows
    assert all(len(files) == 1 for files in table_files(curated).values())


@pytest.mark.slow
def test_kill_during_a_runs_compaction_is_finished_by_the_next_run(dataset, tmp_path):
    """The run's own commit stands; its compaction is finished before the next run starts."""
    raw, curated = dataset / "raw", dataset / "curated"
    articles_before = len(content(curated)["articles"])
    write_run_pages(raw, 77, 3, load_templates(("jamestown",), markup="all"), random.Random(3))
    driver = (
        "import sys; from pathlib import Path; from pipeline.curation.driver import run_curation; "
        "from pipeline.settings import load_settings; "
        "run_curation(Path(sys.argv[1]), Path(sys.argv[2]), load_settings(config_path='/nonexistent'))"
    )
    env = env_for(tmp_path, "compact-after-first-swap", store__compact_above_files="2")
    log = tmp_path / "run.log"
    assert (
        finish(start([sys.executable, "-c", driver, str(raw), str(curated)], env, log), log)
        == -signal.SIGKILL
    )
    committed = content(curated)
    assert len(committed["articles"]) == articles_before + 3
    again = run_curation(raw, curated, settings_with(compact_above_files=2))
    assert again.inputs_read == 0 and again.recovered_runs
    assert content(curated) == committed
    assert all(len(files) <= 2 for files in table_files(curated).values())


@pytest.mark.parametrize("point", ["compact-after-first-swap", "compact-between-renames"])
def test_without_an_atomic_exchange_a_dead_compaction_is_finished_too(point, dataset, monkeypatch):
    """Where renameat2 cannot exchange (another filesystem), the swap is two renames; a commit
    that dies at any step after its journal is finished by recover()."""
    curated = dataset / "curated"
    rows = reader_view(curated)

    class Died(BaseException):
        pass

    def die_at(name: str) -> None:
        if name == point:
            raise Died

    monkeypatch.setattr(journal, "exchange_paths", lambda a, b: False)
    monkeypatch.setattr(journal, "kill_point", die_at)
    with pytest.raises(Died):
        compact(curated)
    monkeypatch.undo()
    recover(curated)
    assert reader_view(curated) == rows
    assert all(len(files) == 1 for files in table_files(curated).values())


def test_readers_during_runs_that_compact_never_see_a_row_twice_or_missing(dataset):
    """A reader loops over the articles while runs add pages and compact every time: each read
    that succeeds has unique article ids and at least as many as the read before it."""
    raw, curated = dataset / "raw", dataset / "curated"
    templates = load_templates(("rferl", "eurasianet"), markup="all")
    stop = threading.Event()
    seen: list[int] = []
    failures: list[str] = []

    def read_once() -> None:
        try:
            with duckdb.connect() as con:
                [(rows, ids)] = con.execute(
                    "select count(*), count(distinct article_id) from read_parquet("
                    f"'{(curated / 'articles').as_posix()}/*/*/*.parquet')"
                ).fetchall()
        except (duckdb.IOException, duckdb.InvalidInputException) as exc:  # a file swapped away
            failures.append(str(exc))
            return
        assert rows == ids, "a row seen twice"
        seen.append(rows)

    def read_forever() -> None:
        while not stop.is_set():
            read_once()

    reader = threading.Thread(target=read_forever)
    reader.start()
    try:
        for run in range(10):
            write_run_pages(raw, 200 + run, 2, templates, random.Random(run))
            run_curation(raw, curated, settings_with(compact_above_files=1))
    finally:
        stop.set()
        reader.join()
    read_once()
    assert len(seen) > 10, f"the reader read {len(seen)} times ({len(failures)} reads failed)"
    assert seen == sorted(seen), "rows went missing between two reads"
    assert seen[-1] == len(content(curated)["articles"])


# -- the `compact` command --------------------------------------------------------------------------


def test_compact_command_prints_one_line_per_table_and_exits_0(dataset, capsys):
    curated = dataset / "curated"
    before = {t: 0 for t in ("articles", "_state/manifest")}
    for unit, files in table_files(curated).items():
        if table_name(unit) in before:
            before[table_name(unit)] += len(files)
    assert main(["compact", "--curated", str(curated)]) == 0
    [line] = capsys.readouterr().out.strip().splitlines()
    assert line.startswith("compact: files per table: ")
    assert f"_state/manifest {before['_state/manifest']} -> 1" in line
    articles_dirs = len([u for u in table_files(curated) if u.startswith("articles/")])
    assert f"articles {before['articles']} -> {articles_dirs}" in line


def test_compact_command_threshold_and_errors(dataset, tmp_path, capsys):
    curated = dataset / "curated"
    counts = {unit: len(files) for unit, files in table_files(curated).items()}
    assert main(["compact", "--curated", str(curated), "--threshold", "1000"]) == 0
    assert {unit: len(files) for unit, files in table_files(curated).items()} == counts
    capsys.readouterr()

    assert main(["compact", "--curated", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err.startswith("error: no curated dataset at ")
    assert main(["compact", "--curated", str(curated), "--threshold", "0"]) == 2
    capsys.readouterr()

    with run_lock(curated):
        assert main(["compact", "--curated", str(curated)]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "being written by another curate run" in err[0]
    assert {unit: len(files) for unit, files in table_files(curated).items()} == counts


# -- report retention and the runs table --------------------------------------------------------------


def test_reports_past_the_retention_are_pruned_newest_kept(tmp_path):
    reports = tmp_path / "_reports"
    reports.mkdir()
    names = [new_run_id() for _ in range(7)]
    for name in reversed(names):  # written in another order than their names sort
        (reports / f"{name}.html").write_text(name)
    (reports / ".unfinished.html.tmp").write_text("")
    assert prune_reports(tmp_path, 3) == 4
    assert sorted(p.stem for p in reports.glob("*.html")) == names[-3:]
    assert (reports / ".unfinished.html.tmp").exists()
    assert prune_reports(tmp_path, 0) == 0 and len(list(reports.glob("*.html"))) == 3


def test_every_run_that_changes_the_dataset_leaves_its_summary_in_the_runs_table(tmp_path, capsys):
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    first_inputs(raw)
    settings = settings_with(compact_above_files=0)
    first = run_curation(raw, curated, settings)
    assert run_curation(raw, curated, settings).inputs_read == 0  # nothing new: no row
    more_inputs(raw)
    second = run_curation(raw, curated, settings)
    rebuild = run_curation(raw, curated, settings, full=True)

    out = tmp_path / "runs.parquet"
    sql = "SELECT * FROM runs ORDER BY run_id"
    assert main(["query", "--curated", str(curated), "--out", str(out), sql]) == 0
    rows = pq.read_table(out).to_pylist()
    assert [r["run_id"] for r in rows] == [first.run_id, second.run_id, rebuild.run_id]
    assert [r["full_rebuild"] for r in rows] == [False, False, True]
    for row, summary in zip(rows, (first, second, rebuild), strict=True):
        assert row["articles"] == summary.articles_total > 0
        assert row["duplicates"] == sum(summary.duplicates.values())
        assert row["rejects"] == sum(summary.rejects.values())
        assert json.loads(row["rejects_by_reason"]) == dict(summary.rejects)
        assert json.loads(row["articles_by_source"]) == dict(summary.articles)
        assert row["inputs_read"] == summary.inputs_read
    assert rows[1]["duplicates"] > 0 and rows[1]["rejects"] > 0


# -- the simulation ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_thirty_scheduled_runs_end_with_a_bounded_file_count_and_the_rows_of_a_fresh_dataset(tmp_path):
    """The 1,000-run simulation of the bench, small: every table directory stays at or under the
    threshold, reports at the retention, and the rows equal those of one run over the same raw/.
    Thirty runs over a threshold of 4 compact every table several times over."""
    threshold, keep = 4, 3
    figures = simulate(
        tmp_path, runs=30, pages_per_run=2, compact_above=threshold, keep_reports=keep, repeat=1
    )
    assert figures.rows_identical and figures.rows["articles"] == 60
    curated = tmp_path / "curated"
    assert all(len(files) <= threshold for files in table_files(curated).values())
    assert figures.files["_reports"] == keep
    units = len(table_files(curated))
    assert sum(figures.files.values()) <= units * threshold + keep
    assert figures.most_files_seen <= units * (threshold + 1) + keep
    assert len(ds.dataset(curated / "runs", format="parquet").to_table()) == 30


@pytest.mark.slow
def test_the_curate_flow_prunes_reports_past_the_retention(tmp_path, prefect_api):
    """Through the Prefect flow, as a scheduled run does it: three runs, two reports kept, three
    summaries in the runs table."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from pipeline.flows.curate import run_curate_flow

    raw, curated = tmp_path / "raw", tmp_path / "curated"
    templates = load_templates(("rferl",), markup="all")
    settings = load_settings(
        config_path="/nonexistent",
        env={},
        overrides={"paths.raw": str(raw), "paths.curated": str(curated), "store.keep_reports": 2},
    )
    summaries = []
    with temporary_settings(updates={PREFECT_API_URL: prefect_api}):
        for run in range(3):
            write_run_pages(raw, run, 2, templates, random.Random(run))
            summaries.append(run_curate_flow(settings))
    reports = sorted(p.stem for p in (curated / "_reports").glob("*.html"))
    assert reports == [s["run_id"] for s in summaries[1:]]
    assert [s["reports_pruned"] for s in summaries] == [0, 0, 1]
    assert "older run reports pruned: 1" in RunSummary.from_dict(summaries[2]).render_text()
    runs = ds.dataset(curated / "runs", format="parquet").to_table(columns=["run_id"]).column(0).to_pylist()
    assert sorted(runs) == [s["run_id"] for s in summaries]


def test_bench_scheduled_runs_prints_its_figures(tmp_path, capsys):
    args = ["--scheduled-runs", "4", "--pages-per-run", "1", "--compact-above", "2"]
    assert bench_main([*args, "--keep", str(tmp_path / "work")]) == 0
    out = capsys.readouterr().out
    assert "scheduled runs: 4 runs of 1 new pages each" in out
    assert "store.compact_above_files = 2" in out
    assert "identical to the fresh dataset's: yes" in out
    figures = ("start-up", "no-op run", "DuckDB query, group by source, year", "DuckDB query, body ILIKE")
    for figure in figures:
        assert figure in out and "ratio" in out.split(figure, 1)[1].splitlines()[0]
    assert all(len(f) <= 2 for f in table_files(tmp_path / "work" / "curated").values())


def test_compact_on_a_read_only_filesystem_is_one_error_and_exit_4(many_files, tmp_path, capsys):
    """curated/ on a read-only mount (a tmpfs holding a dataset, remounted read-only)."""
    import subprocess

    target = tmp_path / "ro"
    target.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(target)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        shutil.copytree(many_files / "curated", target / "curated")
        counts = {unit: len(files) for unit, files in table_files(target / "curated").items()}
        subprocess.run(["mount", "-o", "remount,ro", str(target)], check=True)
        assert main(["compact", "--curated", str(target / "curated")]) == 4
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error:") and "Read-only file system" in err[0]
        assert {unit: len(files) for unit, files in table_files(target / "curated").items()} == counts
    finally:
        subprocess.run(["umount", str(target)], check=False)


def test_a_compacted_file_has_the_row_groups_a_run_writes_not_one_per_file_nor_one_huge(tmp_path):
    """DuckDB scans a row group on one core: a file of one huge group would be read on one core,
    a file of one group per run would be thousands of tiny ones."""
    unit = tmp_path / "curated" / "_state" / "manifest"
    unit.mkdir(parents=True)
    for i in range(4):
        rows = pa.table({"raw_path": [f"f{k}" for k in range(i * 325, (i + 1) * 325)]})
        pq.write_table(rows, unit / f"part-{i}.parquet", row_group_size=25)
    compact(tmp_path / "curated")
    [merged] = table_files(tmp_path / "curated")["_state/manifest"]
    meta = pq.ParquetFile(merged).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [500, 500, 300]
    big = tmp_path / "big" / "articles" / "source=x" / "year=1"
    big.mkdir(parents=True)
    body = "word " * 40_000  # 200 KB a row: 8 MB groups are 41 rows
    for i in range(2):
        pq.write_table(pa.table({"body": [body] * 60}), big / f"part-{i}.parquet")
    compact(tmp_path / "big")
    [merged] = table_files(tmp_path / "big")["articles/source=x/year=1"]
    meta = pq.ParquetFile(merged).metadata
    assert meta.num_rows == 120 and max(meta.row_group(i).num_rows for i in range(meta.num_row_groups)) <= 41


def test_a_compaction_that_fails_leaves_the_run_committed_and_says_so(dataset, monkeypatch):
    """A full disk while compacting: the run's own commit stands, the summary has a warning."""
    import errno

    import pipeline.store.compact

    raw, curated = dataset / "raw", dataset / "curated"
    before = len(content(curated)["articles"])
    write_run_pages(raw, 55, 3, load_templates(("rferl",), markup="all"), random.Random(5))

    def full_disk(curated: Path, above: int = 1) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pipeline.store.compact, "compact", full_disk)
    summary = run_curation(raw, curated, settings_with(compact_above_files=2))
    assert summary.articles_total == 3 and len(content(curated)["articles"]) == before + 3
    assert "No space left on device" in summary.compaction_error
    assert "  warning: compaction failed, the run's data is committed: " in summary.render_text()
    assert not summary.compacted
