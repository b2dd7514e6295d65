"""The scheduled-runs simulation of issue 15: months of small runs, then the dataset against a fresh one.

Each simulated run lands a few new pages in raw/ (the benchmark's page generator, bench.pages)
and does the work of the curate flow's body in this process, without Prefect: run_curation (list,
extract, dedupe, commit, then compaction past store.compact_above_files), the HTML report, and
report retention (store.keep_reports). Prefect's part (API calls, the artifact) does not depend
on the dataset's files, so it is left out to keep 1,000 runs within minutes.

Then the same raw/ is curated once into a fresh directory, and the two datasets are compared: the
same rows (article ids, content hashes, manifest paths), the files each holds, the start-up of a
run (what it reads before its first batch: the manifest, the learned chrome, the dedupe state),
a no-op run, and DuckDB queries over articles.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.pages import Template, load_templates
from pipeline.store.compact import table_files
from pipeline.store.layout import ARTICLES, DUPLICATES, LOCK_FILE, MANIFEST, REJECTS, SIGNATURES

QUERIES = {
    "group by source, year": "SELECT source, year, count(*), sum(word_count) FROM read_parquet({files}, "
    "hive_partitioning = true) GROUP BY ALL ORDER BY ALL",
    "body ILIKE scan": "SELECT count(*) FROM read_parquet({files}, hive_partitioning = true) "
    "WHERE body ILIKE '%tajik%'",
}


@dataclass
class ScheduleFigures:
    runs: int = 0
    pages_per_run: int = 0
    compact_above: int = 0
    keep_reports: int = 0
    run_seconds: list[float] = field(default_factory=list)
    files: dict[str, int] = field(default_factory=dict)  # top-level directory -> files, at the end
    fresh_files: dict[str, int] = field(default_factory=dict)
    most_files_seen: int = 0  # the largest count of curated/ files after any run
    most_in_a_directory: int = 0  # the most Parquet files in one table directory, at the end
    rows_identical: bool = False
    rows: dict[str, int] = field(default_factory=dict)
    startup_ms: tuple[float, float] = (0.0, 0.0)  # (after the runs, fresh): medians
    noop_ms: tuple[float, float] = (0.0, 0.0)
    query_ms: dict[str, tuple[float, float]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        first, last = self.run_seconds[:10], self.run_seconds[-10:]
        total = sum(self.files.values())
        out = [
            f"scheduled runs: {self.runs} runs of {self.pages_per_run} new pages each; each run is "
            "run_curation (with compaction) + the HTML report + report retention, called in this "
            "process (the curate flow's work without Prefect)",
            f"settings: store.compact_above_files = {self.compact_above}, "
            f"store.keep_reports = {self.keep_reports}",
            f"curated/ files at the end: {total} ("
            + ", ".join(f"{k} {v}" for k, v in sorted(self.files.items()))
            + f"); most after any run: {self.most_files_seen}; "
            f"at most {self.most_in_a_directory} Parquet files in a table directory",
            f"fresh dataset of the same raw/ (one run): {sum(self.fresh_files.values())} files ("
            + ", ".join(f"{k} {v}" for k, v in sorted(self.fresh_files.items()))
            + ")",
            "rows: "
            + ", ".join(f"{k} {v}" for k, v in sorted(self.rows.items()))
            + f"; identical to the fresh dataset's: {'yes' if self.rows_identical else 'NO'}",
            f"run time: median of the first {len(first)} runs {statistics.median(first):.3f} s, "
            f"of the last {len(last)} {statistics.median(last):.3f} s",
            _ratio_line("start-up (manifest, chrome, dedupe state read)", *self.startup_ms),
            _ratio_line("no-op run (nothing new)", *self.noop_ms),
        ]
        out += [_ratio_line(f"DuckDB query, {name}", *pair) for name, pair in self.query_ms.items()]
        return out


def _ratio_line(what: str, after: float, fresh: float) -> str:
    ratio = after / fresh if fresh else float("inf")
    return f"{what}: after the runs {after:.1f} ms, fresh {fresh:.1f} ms, ratio {ratio:.2f} (target <= 1.5)"


def write_run_pages(raw: Path, run: int, count: int, templates: list[Template], rng: random.Random) -> None:
    """count new, distinct pages for run number `run`, round robin over the templates."""
    for k in range(count):
        number = run * count + k
        template = templates[number % len(templates)]
        folder = raw / template.site / f"{run // 100:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{template.name[:24]}-{number:07d}.html").write_text(template.render(rng, number), "utf-8")


def one_run(raw: Path, curated: Path, settings) -> float:  # noqa: ANN001 - pipeline.settings.Settings
    """The curate flow's work for one run, without Prefect; returns its seconds."""
    from pipeline.curation.driver import run_curation
    from pipeline.report.html import write_report
    from pipeline.store.retention import prune_reports

    started = time.perf_counter()
    summary = run_curation(raw, curated, settings)
    write_report(curated, summary.run_id, summary)
    prune_reports(curated, settings.store.keep_reports)
    return time.perf_counter() - started


def file_counts(curated: Path) -> dict[str, int]:
    """Files under curated/ by top-level directory (articles, _state, _reports...)."""
    counts: dict[str, int] = {}
    for path in curated.rglob("*"):
        if path.is_file() and path.name != LOCK_FILE:
            top = path.relative_to(curated).parts[0]
            counts[top] = counts.get(top, 0) + 1
    return counts


def _settings(compact_above: int, keep_reports: int):  # noqa: ANN202
    from pipeline.settings import load_settings

    return load_settings(
        config_path="/nonexistent",
        env={},
        overrides={
            "executor.kind": "local",
            "store.compact_above_files": compact_above,
            "store.keep_reports": keep_reports,
        },
    )


def content(curated: Path) -> dict[str, list[tuple]]:
    """What must not depend on how the dataset was written: article ids with their content and
    partition, duplicates, rejects, and the manifest's paths and sizes."""
    from pipeline.store.readers import read_table

    def rows(table: str, columns: list[str]) -> list[tuple]:
        got = read_table(curated, table, columns)
        if got is None:
            return []
        return sorted(zip(*(got.column(c).to_pylist() for c in columns), strict=True))

    return {
        "articles": rows(ARTICLES, ["article_id", "content_hash", "title", "source", "year"]),
        "duplicates": rows(DUPLICATES, ["raw_path", "duplicate_of", "kind"]),
        "rejects": rows(REJECTS, ["raw_path", "reason"]),
        "manifest": rows(MANIFEST, ["raw_path", "size", "articles"]),
        "signatures": rows(SIGNATURES, ["article_id", "kind", "hashvalues"]),
    }


def startup_seconds(raw: Path, curated: Path, settings) -> float:  # noqa: ANN001
    """What a run reads before its first batch, timed: recover, the manifest and learned chrome,
    and the dedupe state (kept articles' ids, URLs and hashes, the signatures)."""
    from pipeline.curation.run_state import Curation
    from pipeline.reading.location import RawRoot
    from pipeline.store.journal import recover
    from pipeline.store.lock import run_lock

    started = time.perf_counter()
    with run_lock(curated):
        recover(curated)
        run = Curation(RawRoot.resolve(raw), curated, settings)
        run.load_manifest()
        run._ensure_deduper()
    return time.perf_counter() - started


def noop_seconds(raw: Path, curated: Path, settings) -> float:  # noqa: ANN001
    from pipeline.curation.driver import run_curation

    started = time.perf_counter()
    run_curation(raw, curated, settings)
    return time.perf_counter() - started


def query_seconds(curated: Path, sql: str) -> float:
    """A reader's query from a fresh connection: it lists and opens the files each time."""
    import duckdb

    files = "'" + (curated / ARTICLES).as_posix().replace("'", "''") + "/*/*/*.parquet'"
    started = time.perf_counter()
    with duckdb.connect() as con:
        con.execute(sql.format(files=files)).fetchall()
    return time.perf_counter() - started


def _paired_ms(on: Callable[[Path], float], ours: Path, fresh: Path, repeat: int) -> tuple[float, float]:
    """Median milliseconds of on(ours) and on(fresh), measured in alternation: a VM whose speed
    drifts from minute to minute slows both alike."""
    pairs = [(on(ours), on(fresh)) for _ in range(repeat)]
    return (
        statistics.median(a for a, _ in pairs) * 1000,
        statistics.median(b for _, b in pairs) * 1000,
    )


def simulate(
    root: Path,
    runs: int = 1000,
    pages_per_run: int = 3,
    compact_above: int = 24,
    keep_reports: int = 168,
    repeat: int = 11,
    say: Callable[[str], None] = print,
) -> ScheduleFigures:
    """Run the simulation under root (raw/, curated/, fresh/) and measure; see the module doc."""
    if runs < 1 or pages_per_run < 1:
        raise ValueError("runs and pages per run must be 1 or more")
    templates = load_templates(("rferl", "jamestown", "eurasianet"), markup="all")
    raw, curated, fresh = root / "raw", root / "curated", root / "fresh"
    settings = _settings(compact_above, keep_reports)
    figures = ScheduleFigures(
        runs=runs, pages_per_run=pages_per_run, compact_above=compact_above, keep_reports=keep_reports
    )
    rng = random.Random(15)
    for run in range(runs):
        write_run_pages(raw, run, pages_per_run, templates, rng)
        figures.run_seconds.append(one_run(raw, curated, settings))
        figures.most_files_seen = max(figures.most_files_seen, sum(file_counts(curated).values()))
        if (run + 1) % 50 == 0 or run + 1 == runs:
            files = sum(file_counts(curated).values())
            say(f"run {run + 1}/{runs}: {figures.run_seconds[-1]:.2f} s, {files} files")
    figures.files = file_counts(curated)
    figures.most_in_a_directory = max(len(files) for files in table_files(curated).values())
    say("curating the same raw/ once into a fresh dataset")
    from pipeline.curation.driver import run_curation

    run_curation(raw, fresh, _settings(0, 0))
    figures.fresh_files = file_counts(fresh)
    ours, theirs = content(curated), content(fresh)
    figures.rows_identical = ours == theirs
    figures.rows = {table: len(rows) for table, rows in ours.items()}
    say("timing start-up, no-op runs and queries on both")
    figures.startup_ms = _paired_ms(lambda c: startup_seconds(raw, c, settings), curated, fresh, repeat)
    figures.noop_ms = _paired_ms(lambda c: noop_seconds(raw, c, settings), curated, fresh, repeat)
    for name, sql in QUERIES.items():
        query_seconds(curated, sql)  # page cache warm for both
        query_seconds(fresh, sql)
        figures.query_ms[name] = _paired_ms(lambda c, sql=sql: query_seconds(c, sql), curated, fresh, repeat)
    return figures
