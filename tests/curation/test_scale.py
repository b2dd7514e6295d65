"""Scale: the same dataset on every executor (in process, an existing Dask cluster), fsspec
locations, a rerun with nothing new, and the benchmark command's output."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from conftest import ROOT, SAMPLES

from bench.pages import load_templates, write_pages
from pipeline.curation.driver import count_pending, run_curation
from pipeline.reading.location import RawRoot
from pipeline.settings import load_settings
from pipeline.store.readers import count_rows

DROP = {"ingested_at", "run_id"}


def _settings(**overrides):
    return load_settings(config_path="/nonexistent", env={}, overrides=overrides)


def _rows(curated: Path, table: str) -> list[dict]:
    partitioning = "hive" if table == "articles" else None
    data = ds.dataset(curated / table, format="parquet", partitioning=partitioning).to_table()
    rows = [{k: v for k, v in r.items() if k not in DROP} for r in data.to_pylist()]
    return sorted(rows, key=lambda r: (r.get("article_id") or "", r["raw_path"]))


@pytest.fixture
def mixed_raw(tmp_path: Path) -> Path:
    """HTML pages of the three sites, the text samples, and near and exact copies across batches."""
    raw = tmp_path / "raw"
    write_pages(raw / "html", 24, load_templates(("rferl", "jamestown", "eurasianet")))
    for path in sorted(SAMPLES.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        (raw / "dumps").mkdir(parents=True, exist_ok=True)
        (raw / "dumps" / path.name).write_text(text, encoding="utf-8")
        (raw / "dumps" / f"z_exact_{path.name}").write_text(text, encoding="utf-8")
        (raw / "dumps" / f"z_near_{path.name}").write_text(
            text.replace("the", "teh", 2) + "\nOne more closing sentence.\n", encoding="utf-8"
        )
    return raw


def test_file_urls_give_the_same_dataset_as_paths(mixed_raw, tmp_path):
    plain = run_curation(mixed_raw, tmp_path / "plain", _settings())
    by_url = run_curation(f"file://{mixed_raw}", f"file://{tmp_path / 'url'}", _settings())
    assert by_url.articles == plain.articles and plain.articles_total >= 24
    for table in ("articles", "duplicates"):
        assert _rows(tmp_path / "url", table) == _rows(tmp_path / "plain", table)


def test_raw_on_another_fsspec_filesystem(mixed_raw, tmp_path):
    """memory:// stands in for s3://: listing, sizes, mtimes and reads all go through fsspec."""
    import fsspec

    fs = fsspec.filesystem("memory")
    for path in sorted(mixed_raw.rglob("*")):
        if path.is_file():
            fs.pipe(f"/scale-raw/{path.relative_to(mixed_raw).as_posix()}", path.read_bytes())
    try:
        remote = run_curation("memory://scale-raw", tmp_path / "remote", _settings())
        local = run_curation(mixed_raw, tmp_path / "local", _settings())
        assert remote.articles == local.articles
        assert _rows(tmp_path / "remote", "articles") == _rows(tmp_path / "local", "articles")
        again = run_curation("memory://scale-raw", tmp_path / "remote", _settings())
        assert again.inputs_read == 0 and again.inputs_unchanged == remote.inputs_seen
    finally:
        fs.rm("/scale-raw", recursive=True)


def test_raw_is_resolved_once_a_run_not_once_a_file(mixed_raw, tmp_path, monkeypatch):
    """The fsspec filesystem of raw/ is looked up where the run starts; listing, reads and digests
    use it as handed down."""
    import fsspec

    from pipeline.reading import location

    fs = fsspec.filesystem("memory")
    for path in sorted(mixed_raw.rglob("*")):
        if path.is_file():
            fs.pipe(f"/once-raw/{path.relative_to(mixed_raw).as_posix()}", path.read_bytes())
    lookups: list[str] = []
    real_filesystem = location.filesystem

    def counted(url: str):
        lookups.append(url)
        return real_filesystem(url)

    monkeypatch.setattr(location, "filesystem", counted)
    try:
        summary = run_curation("memory://once-raw", tmp_path / "c", _settings())
        assert summary.inputs_read > 10
        assert lookups == ["memory://once-raw"]
    finally:
        fs.rm("/once-raw", recursive=True)


def test_curated_on_an_object_store_is_refused_clearly(mixed_raw):
    with pytest.raises(ValueError, match="only a local path or file:// URL"):
        run_curation(mixed_raw, "s3://bucket/curated", _settings())


def test_rerun_with_nothing_new_reads_nothing_and_auto_stays_local(mixed_raw, tmp_path):
    curated = tmp_path / "c"
    first = run_curation(mixed_raw, curated, _settings())
    raw = RawRoot.resolve(mixed_raw)
    assert count_pending(raw, curated) == 0 and count_pending(raw, curated, full=True) > 0
    again = run_curation(mixed_raw, curated, _settings())
    assert again.inputs_read == 0 and again.articles_total == 0
    assert again.inputs_unchanged == first.inputs_seen
    assert count_rows(curated, "articles") == first.articles_total

    from pipeline.curation.runner import resolve_kind

    assert resolve_kind(_settings().executor, count_pending(raw, curated)) == "local"


@pytest.mark.slow
def test_existing_dask_cluster_gives_the_same_dataset_as_one_process(
    mixed_raw, tmp_path, monkeypatch, prefect_api
):
    """--dask ADDRESS: extraction on a distributed.LocalCluster of 2 workers, through prefect-dask."""
    from distributed import LocalCluster
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from pipeline.flows.curate import run_curate_flow

    local = run_curation(mixed_raw, tmp_path / "local", _settings(**{"executor.batch_size": 4}))
    with temporary_settings(updates={PREFECT_API_URL: prefect_api}):
        # A remote cluster's workers need the API's address, as any Prefect worker does.
        monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())
        cluster_kwargs = {"n_workers": 2, "threads_per_worker": 1, "dashboard_address": ":0"}
        with LocalCluster(processes=True, **cluster_kwargs) as cluster:
            summary = run_curate_flow(
                _settings(
                    **{
                        "paths.raw": str(mixed_raw),
                        "paths.curated": str(tmp_path / "dask"),
                        "executor.kind": "dask",
                        "executor.dask_address": cluster.scheduler_address,
                        "executor.batch_size": 4,
                    }
                )
            )
    assert summary["articles"] == dict(local.articles)
    assert sum(summary["duplicates"].values()) == sum(local.duplicates.values()) > 0
    # No input is rejected: the rejects table exists (every table of the contract does), empty.
    assert count_rows(tmp_path / "dask", "rejects") == count_rows(tmp_path / "local", "rejects") == 0
    for table in ("articles", "duplicates"):
        assert _rows(tmp_path / "dask", table) == _rows(tmp_path / "local", table)


@pytest.mark.slow
def test_bench_prints_every_figure(tmp_path, prefect_api):
    """`python -m bench` small: every figure of issue 16 is printed, with the machine and the load.

    Timed against the suite's Prefect server (--api) rather than one of its own: the same runs,
    without another server's start-up (bench.server.prefect_server starts the suite's).
    """
    env = dict(os.environ, PREFECT_HOME=str(tmp_path / "prefect"), DO_NOT_TRACK="1")
    env.pop("PREFECT_API_URL", None)
    cmd = [sys.executable, "-m", "bench", "--pages", "30", "--rss-pages", "45", "--startup-runs", "1"]
    cmd += ["--api", prefect_api]
    # The near-dup figure, the medians of repeats and the no-op rerun have tests of their own
    # (fakes, below): each figure costs whole commands here.
    cmd += ["--repeat", "1"]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert re.search(r"^machine: \d+ cores, \d+ GiB, .+, Python 3", out, re.M)
    assert re.search(r"^load \(1 min\): [\d.]+ at the start, [\d.]+ at the end$", out, re.M)
    assert re.search(r"^commit: \w+.*; date: \d{4}-\d\d-\d\d", out, re.M)
    assert re.search(r"^templates: voanews-2024-04-28-article$", out, re.M)  # real Pangea markup
    for kind in ("plain", "inline"):
        for figure in (
            "pages",
            "run over an empty raw/ (fixed cost), whole command s",
            "run over the pages, whole command s",
            "run pages/s (pages / (run - empty run))",
            "bare trafilatura loop s (pages/s; CPU ms/page)",
            "ratio (run pages/s / bare pages/s)",
            "peak RSS MB of the run's process tree",
            "run --full over the same raw/, whole command s",
            "run --full pages/s (x the first run's)",
        ):
            assert f"[{kind}] {figure}" in out, (kind, figure)
        # Every page is an article, in the first run and in the re-curation.
        assert re.search(
            rf"^\[{kind}\] run over the pages, whole command s\s+[\d.]+ .*; 30 articles", out, re.M
        )
        assert re.search(
            rf"^\[{kind}\] run --full over the same raw/, whole command s\s+[\d.]+ \(30 articles", out, re.M
        )
    for figure in (
        "start-up: run over the 5 samples, no server configured, median s",
        "[plain, one core busy] ratio (run pages/s / bare pages/s)",
        "[plain, one core busy] bare trafilatura loop s",
        "[one core busy] ratio, run pages/s, bare pages/s (x the quiet ones)",
        "[plain, 45 pages] peak RSS MB of the run's process tree",
    ):
        assert figure in out, figure
    rss = re.search(r"^peak RSS MB of the run's tree by pages\s+(.+)$", out, re.M)
    assert rss and re.fullmatch(r"\d+ at 30 \(plain\), \d+ at 30 \(inline\), \d+ at 45 \(plain\)", rss[1])
    assert "start-up: same with --prefect" not in out  # the old way, only with its option
    assert re.search(r"^targets: (all met|missed: .+)$", out, re.M)
    # Each timed run was a flow run against the server given: the bench said so on its way.
    assert f"timing against the Prefect server at {prefect_api}" in done.stderr


def test_repeated_rounds_pair_each_run_with_a_part_of_the_bare_loop(tmp_path, monkeypatch):
    """--repeat R: R rounds of (empty run, run, bare loop over every R-th page), so that a drift of
    the machine's speed lands on the runs and the bare loop alike; the runs' figures are the medians,
    the bare loop's the sum of its parts (every page once), the peak RSS the highest of the runs."""
    from bench import whole
    from bench.whole import Command, measure_kind

    raw = tmp_path / "raw"
    raw.mkdir()
    for n in range(7):
        (raw / f"{n}.html").write_text("<p>x</p>", encoding="utf-8")
    walls = {"empty": iter([5.0, 4.0, 9.0]), "pages": iter([20.0, 14.0, 16.0]), "full": iter([17.0])}
    rss = iter([300.0, 390.0, 310.0])
    order: list[str] = []
    bare_parts: list[list[str]] = []

    def fake_run(raw_dir, curated, env, options, **kw):
        what = "full" if "--full" in options else ("empty" if raw_dir.name == "raw-empty" else "pages")
        order.append(what)
        return Command(wall=next(walls[what]), articles=7, peak_rss_mb=next(rss) if what == "pages" else 0.0)

    def fake_bare(files, listing):
        order.append("bare")
        bare_parts.append([f.name for f in files])
        return 10.0 * len(files), 9.0 * len(files)

    monkeypatch.setattr(whole, "timed_run", fake_run)
    monkeypatch.setattr(whole, "bare_loop", fake_bare)
    figures = measure_kind("plain", tmp_path, 7, [], {}, [], lambda line: None, raw=raw, repeat=3)
    assert order == ["empty", "pages", "bare"] * 3 + ["full"]
    assert sorted(name for part in bare_parts for name in part) == sorted(f"{n}.html" for n in range(7))
    assert [len(part) for part in bare_parts] == [3, 2, 2]  # every third page, spread over the set
    assert figures.bare_seconds == 70.0 and figures.bare_cpu_seconds == 63.0  # the sum of the parts
    assert figures.empty.wall == 5.0 and figures.run.wall == 16.0  # the medians
    assert figures.run.peak_rss_mb == 390.0  # never the kindest run's memory
    rows = dict(figures.rows())
    pages_row = rows["[plain] run over the pages, whole command s"]
    assert pages_row.startswith("16.00 (median of 3: 14.00-20.00 s;")
    empty_row = rows["[plain] run over an empty raw/ (fixed cost), whole command s"]
    assert empty_row == "5.00 (median of 3: 4.00-9.00 s)"
    assert "3 processes, one a round" in rows["[plain] bare trafilatura loop s (pages/s; CPU ms/page)"]
    assert "[plain] no-op rerun (nothing new), whole command s" not in rows  # only when asked


def test_the_noop_rerun_is_the_same_command_again_over_the_curated_dataset(tmp_path, monkeypatch):
    """--noop-rerun: after the --full run, `run` once more with the same options and curated/, and
    its whole-command time is a row of its own."""
    from bench import whole
    from bench.whole import Command, measure_kind

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "0.html").write_text("<p>x</p>", encoding="utf-8")
    calls: list[tuple[str, list[str], Path]] = []

    def fake_run(raw_dir, curated, env, options, **kw):
        calls.append((raw_dir.name, list(options), curated))
        return Command(wall=[6.0, 8.0, 9.0, 2.5][len(calls) - 1], articles=1)

    monkeypatch.setattr(whole, "timed_run", fake_run)
    monkeypatch.setattr(whole, "bare_loop", lambda files, listing: (1.0, 1.0))
    figures = measure_kind(
        "plain", tmp_path, 1, [], {}, ["--workers", "2"], lambda line: None, raw=raw, noop=True, repeat=1
    )
    full, noop = calls[2], calls[3]
    assert full[1] == ["--workers", "2", "--full"]
    assert noop[0] == "raw" and noop[1] == ["--workers", "2"] and noop[2] == full[2]
    assert dict(figures.rows())["[plain] no-op rerun (nothing new), whole command s"] == "2.50"


def test_the_ratio_takes_the_empty_run_off_the_whole_command():
    from bench.whole import Command, KindFigures

    figures = KindFigures(
        kind="plain",
        pages=3000,
        empty=Command(wall=5.0),
        run=Command(wall=15.0),
        full=Command(wall=17.0),
        bare_seconds=60.0,
    )
    assert figures.run_pages_per_second == 300.0 and figures.bare_pages_per_second == 50.0
    assert figures.ratio == 6.0
    assert figures.full_pages_per_second == 250.0
    fast = KindFigures(
        kind="plain", pages=10, empty=Command(wall=5.0), run=Command(wall=4.0), bare_seconds=1.0
    )
    assert fast.ratio == 0.0 and "n/a" in dict(fast.rows())["[plain] run pages/s (pages / (run - empty run))"]


def test_inline_pages_carry_links_or_bold_words_in_about_40_percent_of_paragraphs():
    import random

    from bench.pages import INLINE_SHARE

    for template in load_templates(("rferl",), markup="all"):
        plain = template.render(random.Random(0), 0)
        base = plain.count("<a href=") + plain.count("<strong>")  # the template's own chrome
        rng = random.Random(3)
        marked = 0
        for n in range(30):
            page = template.render(rng, n, INLINE_SHARE)
            assert "@@" not in page
            marked += page.count("<a href=") + page.count("<strong>") - base  # one per marked paragraph
        share = marked / (30 * len(template.paragraph_words))
        assert 0.3 < share < 0.5, (template.name, share)


def test_the_start_up_figure_is_the_median_run_and_judged_against_3_s():
    from bench.startup import StartupFigures

    figures = StartupFigures(seconds=[2.1, 4.0, 2.4])
    assert figures.median == 2.4 and figures.misses() == []
    assert StartupFigures(seconds=[3.5, 2.0, 3.2]).misses() == ["start-up 3.20 s > 3.0 s"]
    assert StartupFigures().misses() == [] and StartupFigures().rows()[0][1] == "not measured"


def test_depth_check_skips_pages_with_fewer_tags_than_the_limit():
    from pipeline.extraction.dispatch import html_depth_over

    deep = "<div>" * 50 + "text" + "</div>" * 50
    assert html_depth_over(deep, 49) == 50  # scanned: more "<" than the limit
    assert html_depth_over(deep, 100) is None  # 100 "<": cannot be deeper than 100
    assert html_depth_over("<p>" * 10 + "<div>" * 3, 2) == 3  # unclosed <p> does not nest


def test_bench_with_no_pages_gives_the_near_dup_figure_alone():
    cmd = [sys.executable, "-m", "bench", "--pages", "0", "--near-dup-articles", "1000"]
    cmd += ["--check", "--startup-runs", "0"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "pipeline run" not in done.stderr and "Prefect server" not in done.stderr  # nothing timed
    assert done.stdout.startswith("machine: ")
    found, planted = done.stdout.split("near-dup copies found / planted")[1].split("\n")[0].split("/")
    assert int(planted) == 100 and int(found) >= 90
    assert "targets: all met" in done.stdout  # no throughput figures to miss


def test_counting_pending_inputs_stops_once_auto_can_decide(tmp_path):
    """auto needs to know only whether there are more than two batches' worth of new inputs."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for i in range(10):
        (raw / f"{i}.html").write_text("<p>x</p>", encoding="utf-8")
    curated = tmp_path / "curated"
    root = RawRoot.resolve(raw)
    assert count_pending(root, curated) == 10
    assert count_pending(root, curated, stop_after=3) == 4  # one past the limit: "more than 3"
    assert count_pending(root, curated, stop_after=20) == 10


def test_a_template_whose_address_is_a_query_keeps_its_markup():
    """TYPO3's /single/?tx_ttnews[tt_news]=<id>: the id is the query's number, not the path's
    'single', which would also rewrite the page's news-single-item classes."""
    import random

    [typo3] = [t for t in load_templates(("jamestown",)) if "typo3" in t.name]
    assert typo3.id_token == "39676"
    page = typo3.render(random.Random(0), 5)
    assert "news-single-item" in page and "tt_news%5D=40000005" in page


def test_extraction_ends_before_the_commit_and_the_workers_go_first(mixed_raw, tmp_path, monkeypatch):
    """on_extracted comes once every input is consumed and nothing is committed yet; the run's
    pool is closed there, so the commit and the report do not hold the workers' memory."""
    from pipeline.curation import pool
    from pipeline.curation import runner as curate_run

    seen: list[tuple[int, bool]] = []
    curated = tmp_path / "cur"
    settings = _settings(
        **{"paths.raw": str(mixed_raw), "paths.curated": str(curated), "executor.batch_size": 5}
    )

    def extracted() -> None:
        committed = (curated / "articles").exists() and any((curated / "articles").rglob("*.parquet"))
        seen.append((len(list(mixed_raw.rglob("*.*"))), committed))

    summary = run_curation(str(mixed_raw), curated, settings, on_extracted=extracted)
    assert seen == [(summary.inputs_read, False)]
    assert count_rows(curated, "articles") > 0

    closed: list[bool] = []
    real = pool.close_current_pool
    monkeypatch.setattr(curate_run, "close_current_pool", lambda: closed.append(True) or real())
    curate_run.run_without_prefect(
        _settings(**{"paths.raw": str(mixed_raw), "paths.curated": str(tmp_path / "two")}), "local"
    )
    assert closed == [True]
