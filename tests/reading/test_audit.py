"""The audit: every test input of the suite (the samples, every fixture page and dump, the hostile
corpus, WARC files with good, lying and torn records) curated together, twice. Each input file
and each WARC record is in exactly one of articles, duplicates or rejects (an item of a listing
page counts as a unit of its own), after the first run and after a rerun that adds nothing."""

from __future__ import annotations

import gzip
import shutil
from collections import defaultdict
from pathlib import Path

from conftest import SAMPLES
from support.badcorpus import build, lying_warc, remove_deep_tree, warc

from pipeline.curation.driver import run_curation
from pipeline.models import Reject
from pipeline.reading.listing import iter_inputs
from pipeline.reading.location import RawRoot
from pipeline.settings import load_settings
from pipeline.store.readers import read_table

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _settings():
    return load_settings(config_path="/nonexistent", env={})


def _everything(root: Path) -> Path:
    raw, _ = build(root, vanishing=False)
    for sample in SAMPLES.glob("*.txt"):
        shutil.copy2(sample, raw / f"samples-{sample.name}")
    for path in FIXTURES.rglob("*"):
        if path.is_file() and path.suffix in (".txt", ".html", ".gz") and "sitemaps" not in path.parts:
            target = raw / "fixtures" / path.relative_to(FIXTURES)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    pages = [
        (f"https://news.example.org/w{i}.html", f"<p>page {i} {'word ' * 80}</p>".encode()) for i in range(3)
    ]
    (raw / "warc").mkdir(exist_ok=True)
    (raw / "warc" / "good.warc.gz").write_bytes(warc(pages))
    (raw / "warc" / "torn.warc.gz").write_bytes(warc(pages)[:-100])
    (raw / "warc" / "lying.warc").write_bytes(lying_warc(-40, gzipped=False))
    (raw / "warc" / "lying-long.warc.gz").write_bytes(lying_warc(+60, gzipped=True))
    (raw / "warc" / "plain.html.gz").write_bytes(gzip.compress(b"<p>" + b"a page of words " * 40 + b"</p>"))
    return raw


def _units(curated: Path) -> dict[tuple[str, str, int], list[str]]:
    """(raw_path, raw_record, raw_item) -> the tables that hold it."""
    where: dict[tuple[str, str, int], list[str]] = defaultdict(list)
    for table in ("articles", "duplicates", "rejects"):
        t = read_table(curated, table)
        for row in t.to_pylist() if t is not None else []:
            where[(row["raw_path"], row.get("raw_record") or "", row.get("raw_item") or 0)].append(table)
    return where


def test_every_input_and_record_is_accounted_for_exactly_once(tmp_path):
    raw = _everything(tmp_path)
    curated = tmp_path / "curated"
    try:
        listed = iter_inputs(RawRoot.resolve(raw))
        inputs = {e.raw_path if isinstance(e, Reject) else e.rel_path for e in listed}
        run_curation(raw, curated, _settings())
        first = _units(curated)
        twice = {unit: tables for unit, tables in first.items() if len(tables) != 1}
        assert twice == {}
        assert inputs <= {path for path, _, _ in first}, sorted(inputs - {p for p, _, _ in first})[:10]
        # Each WARC record that is whole is a page (an article or a duplicate); each that is not, a reject.
        lying = {unit: tables for unit, tables in first.items() if unit[0].startswith("warc/lying")}
        assert sorted(t for tables in lying.values() for t in tables).count("rejects") == 2
        assert len(lying) == 6
        again = run_curation(raw, curated, _settings())
        assert again.articles_total == 0 and not again.rejects
        assert _units(curated) == first
    finally:
        remove_deep_tree(raw)
