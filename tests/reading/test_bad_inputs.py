"""Hostile and unlucky inputs: the run goes on, and every input file is accounted for where it belongs.

The corpus (tests/support/badcorpus.py) is generated in tmp_path; each input has an expected outcome. The
run must not raise, and each input must give exactly the rows its expectation names.
"""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import ROOT
from support.badcorpus import (
    DEEP_DIRS,
    SECRET,
    VANISHING,
    Expect,
    build,
    deeply_nested_directories,
    remove_deep_tree,
    warc,
)

from pipeline.curation.batch import BatchJob, process_batch
from pipeline.curation.driver import local_submit, run_curation
from pipeline.extraction.dispatch import extract_document, html_depth_over
from pipeline.models import RawDocument, Reject
from pipeline.reading.decoding import decode
from pipeline.reading.listing import InputFile, iter_inputs
from pipeline.reading.loaders import load
from pipeline.reading.location import RawRoot
from pipeline.settings import LimitsSettings, load_settings
from pipeline.store.readers import count_rows, read_table


def _load_all(raw: Path, limits: LimitsSettings | None = None) -> list[RawDocument | Reject]:
    out: list[RawDocument | Reject] = []
    root = RawRoot.resolve(raw)
    for entry in iter_inputs(root):
        out.extend([entry] if isinstance(entry, Reject) else load(root, entry, limits or LimitsSettings()))
    return out


def _settings():
    return load_settings(config_path="/nonexistent", env={})


@pytest.fixture
def corpus(tmp_path):
    pytest.importorskip("pipeline.extraction.html_article", reason="the HTML kinds need HTML extraction")
    raw, expected = build(tmp_path)
    yield raw, expected
    remove_deep_tree(raw)


def _rows(curated: Path, table: str) -> list[dict]:
    t = read_table(curated, table)
    return t.to_pylist() if t is not None else []


def outcomes(curated: Path) -> dict[str, dict[str, list[dict]]]:
    """raw_path -> {"article": rows, "duplicate": rows, "reject": rows}."""
    found: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for name, table in (("article", "articles"), ("duplicate", "duplicates"), ("reject", "rejects")):
        for row in _rows(curated, table):
            found[row["raw_path"]][name].append(row)
    return found


def mismatches(curated: Path, expected: dict[str, Expect]) -> list[str]:
    """Every way the curated output differs from the expectations (empty when all is as expected)."""
    found = outcomes(curated)
    path_of = {r["article_id"]: r["raw_path"] for r in _rows(curated, "articles")}
    problems = [f"{path}: not an input, yet has rows" for path in found if path not in expected]
    for path, exp in expected.items():
        got = found.get(path) or defaultdict(list)
        kinds = {k for k, rows in got.items() if rows}
        want = set() if exp.outcome == "ignored" else set(exp.outcome.split("+"))
        if kinds != want:
            details = {k: [r.get("reason") or r.get("kind") or "" for r in rows] for k, rows in got.items()}
            problems.append(f"{path!r}: expected {exp.outcome}, got {sorted(kinds)} {details}")
            continue
        if exp.reason and {r["reason"] for r in got["reject"]} != {exp.reason}:
            problems.append(f"{path!r}: reasons {[(r['reason'], r['detail']) for r in got['reject']]}")
        if exp.detail and not all(exp.detail in r["detail"] for r in got["reject"]):
            problems.append(f"{path!r}: detail {[r['detail'] for r in got['reject']]} lacks {exp.detail!r}")
        if exp.of and {path_of.get(r["duplicate_of"]) for r in got["duplicate"]} != {exp.of}:
            problems.append(
                f"{path!r}: duplicate of {[path_of.get(r['duplicate_of']) for r in got['duplicate']]}"
            )
        if exp.phrase and not any(exp.phrase in r["body"] for r in got["article"]):
            problems.append(f"{path!r}: no article body holds {exp.phrase!r}")
        if any("\x00" in r["body"] or "\r" in r["body"] for r in got["article"]):
            problems.append(f"{path!r}: NUL or CR left in the body")
    return problems


def leaked(curated: Path, needles: list[str]) -> list[str]:
    """Any needle found in any value of any file under curated/ (Parquet is compressed: read it)."""
    hits = []
    for path in curated.rglob("*"):
        if not path.is_file():
            continue
        text = (
            str(pq.read_table(path).to_pylist()) if path.suffix == ".parquet" else path.read_text("latin-1")
        )
        hits += [f"{needle!r} in {path}" for needle in needles if needle in text]
    return hits


def vanishing_submit(raw: Path):
    """Runs batches in process, deleting one listed file just before its batch is read."""
    inner = local_submit(RawRoot.resolve(raw), _settings())

    def submit(items):
        if any(item.rel_path == VANISHING for item in items):
            (raw / VANISHING).unlink()
        return inner(items)

    return submit


def test_every_bad_input_is_accounted_for_where_it_belongs(corpus, tmp_path):
    raw, expected = corpus
    assert len(expected) >= 40
    curated = tmp_path / "curated"
    summary = run_curation(raw, curated, _settings(), submit=vanishing_submit(raw))

    assert mismatches(curated, expected) == []
    passwd = Path("/etc/passwd").read_text().splitlines()[0]
    assert leaked(curated, [SECRET, passwd]) == []
    tajik = next(r for r in _rows(curated, "articles") if r["raw_path"] == "tj.txt")
    assert set("ӣӯҳқҷғ") <= set(tajik["body"]) and tajik["language"] == "tg"
    # The manifest holds every input exactly once, so the next run reads none of them again.
    manifest = [r["raw_path"] for r in _rows(curated, "_state/manifest")]
    inputs = {p for p, e in expected.items() if e.outcome != "ignored"}
    assert sorted(manifest) == sorted(inputs)
    assert summary.inputs_seen == len(inputs)


def test_a_second_run_over_the_corpus_adds_nothing(corpus, tmp_path):
    raw, _ = corpus
    curated = tmp_path / "curated"
    run_curation(raw, curated, _settings())
    counts = {t: count_rows(curated, t) for t in ("articles", "duplicates", "rejects")}
    again = run_curation(raw, curated, _settings())
    assert again.articles_total == 0 and not again.rejects
    assert {t: count_rows(curated, t) for t in counts} == counts


@pytest.mark.slow
def test_cli_over_the_corpus_exits_0_under_1_gb(tmp_path, prefect_api):
    pytest.importorskip("pipeline.extraction.html_article", reason="the HTML kinds need HTML extraction")
    raw, expected = build(tmp_path, vanishing=False)
    curated = tmp_path / "curated"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": prefect_api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--raw", str(raw), "--curated", str(curated),
         "--executor", "local"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    remove_deep_tree(raw)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert mismatches(curated, expected) == []
    # ru_maxrss of children is the largest child so far: this run, unless an earlier one was larger.
    assert max(peak_kb, before) < 1024 * 1024, f"peak RSS {peak_kb / 1024:.0f} MB"
    print(f"peak RSS of the CLI run: {peak_kb / 1024:.0f} MB")


# --- the loader and extractor guards, one at a time ---------------------------------------------


def _pages(n: int) -> list[tuple[str, bytes]]:
    return [(f"https://news.example.org/{i}.html", f"<p>page {i} {'x' * 300}</p>".encode()) for i in range(n)]


def _record_ends(data: bytes) -> list[int]:
    """Byte offset at which each record of a whole WARC ends."""
    from warcio.archiveiterator import ArchiveIterator

    records, ends = ArchiveIterator(io.BytesIO(data)), []
    for _ in records:
        ends.append(records.get_record_offset() + records.get_record_length())
    return ends


@pytest.mark.parametrize("compressed", [True, False])
def test_warc_cut_anywhere_gives_exactly_its_whole_records(tmp_path, compressed):
    """A crawl killed mid-write: every record wholly before the cut is read, whole; nothing after
    it; and the cut itself is a 'truncated' reject, unless it falls between records.

    Between records: in the blank lines after a plain record, or in the last bytes of a gzip
    member (end of the deflate stream, CRC and size) once its record's content is all there.
    """
    pages = _pages(3)
    data = warc(pages, gzip_records=compressed)
    ends = _record_ends(data)
    tail = 16 if compressed else 0
    for cut in sorted({*range(1, len(data), 37), *(e + d for e in ends for d in range(-20, 6))}):
        if cut > len(data):
            continue
        (tmp_path / "k.warc.gz").write_bytes(data[:cut])
        out = list(load(RawRoot.resolve(tmp_path), InputFile("k.warc.gz", cut, 0), LimitsSettings()))
        docs = [d for d in out if isinstance(d, RawDocument)]
        reasons = [d.reason for d in out if isinstance(d, Reject)]
        before = sum(end <= cut for end in ends)
        assert before <= len(docs) <= sum(end - tail <= cut for end in ends), cut
        assert [(d.url, d.text.encode()) for d in docs] == pages[: len(docs)], cut
        between = len(docs) > before or any(e <= cut and not data[e:cut].strip() for e in ends)
        assert reasons == ([] if between else ["truncated"]), (cut, out)


def test_empty_warc_and_one_without_pages_are_told_apart(tmp_path):
    (tmp_path / "a.warc.gz").write_bytes(b"")
    (tmp_path / "b.warc.gz").write_bytes(warc(_pages(2), requests_only=True))
    out = _load_all(tmp_path)
    assert [(r.raw_path, r.reason) for r in out] == [("a.warc.gz", "empty"), ("b.warc.gz", "not_article")]


def test_oversized_warc_record_is_rejected_and_the_rest_still_read(tmp_path):
    big = ("https://news.example.org/big.html", b"<p>" + b"x" * 5000 + b"</p>")
    (tmp_path / "c.warc.gz").write_bytes(warc([_pages(1)[0], big, _pages(3)[2]]))
    out = _load_all(tmp_path, LimitsSettings(max_decompressed_bytes=1000))
    assert [getattr(d, "url", None) or d.reason for d in out] == [
        "https://news.example.org/0.html",
        "too_large",
        "https://news.example.org/2.html",
    ]


def test_warc_files_are_not_capped_as_a_whole(tmp_path):
    """A crawl's WARC holds many pages: only each record is held to the page limits."""
    (tmp_path / "c.warc.gz").write_bytes(warc(_pages(3)))
    assert len(_load_all(tmp_path, LimitsSettings(max_file_bytes=500))) == 3


def test_directory_tree_deeper_than_the_recursion_limit_is_listed(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    deeply_nested_directories(raw, tmp_path)
    try:
        [item] = list(iter_inputs(RawRoot.resolve(raw)))
        assert item.rel_path == "d/" * DEEP_DIRS + "deep.txt"
    finally:
        remove_deep_tree(raw)


def test_fifo_and_undecodable_names_are_rejected_not_read(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / os.fsdecode(b"caf\xe9.txt")).write_text("x")
    assert [(r.raw_path, r.reason) for r in _load_all(tmp_path)] == [
        ("caf\\xe9.txt", "unsupported"),
        ("pipe.txt", "unsupported"),
    ]


def test_a_link_swapped_in_after_listing_is_not_followed(tmp_path):
    raw, outside = tmp_path / "raw", tmp_path / "outside.txt"
    raw.mkdir()
    outside.write_text(SECRET + " " + "word " * 100)
    (raw / "a.txt").write_text("word " * 100)
    [item] = list(iter_inputs(RawRoot.resolve(raw)))
    (raw / "a.txt").unlink()
    os.symlink(outside, raw / "a.txt")
    [result] = process_batch(BatchJob(RawRoot.resolve(raw), [item], LimitsSettings(), _settings().dedupe))
    assert result.sha256 is None and result.articles == []
    assert [(r.reason, r.raw_path) for r in result.rejects] == [("outside_raw", "a.txt")]


def test_a_file_that_grew_after_listing_is_still_capped(tmp_path):
    (tmp_path / "a.txt").write_text("word " * 10)
    [item] = list(iter_inputs(RawRoot.resolve(tmp_path)))
    (tmp_path / "a.txt").write_text("word " * 1000)
    [reject] = load(RawRoot.resolve(tmp_path), item, LimitsSettings(max_file_bytes=100))
    assert reject.reason == "too_large"


def test_nul_bytes_are_dropped_padding_cut_and_a_nul_heavy_file_is_binary():
    text = "Душанбе\x00 и Москва\n"
    assert decode(text.encode(), None, html=False) == ("Душанбе и Москва\n", "utf-8")
    assert decode(text.encode() + b"\x00" * 5000, None, html=False)[0] == "Душанбе и Москва\n"
    assert decode(b"ab\x00cd\x00" * 100, None, html=False) == "binary"


def test_deep_markup_is_rejected_before_any_parser_sees_it():
    deep = RawDocument("d.html", "html", "<html><body>" + "<div>" * 20000 + "x" + "</div>" * 20000)
    reject = extract_document(deep, max_html_depth=2000)
    assert isinstance(reject, Reject) and reject.reason == "not_article"
    assert "nested deeper than 2000" in reject.detail
    # Old hand-written pages leave <p>, <li> and <td> open, and <br> has no end: not nesting.
    loose = "<table>" + "<tr><td><p>cell<br><img src=x>" * 5000 + "</table>"
    assert html_depth_over(loose, 50) is None
    assert html_depth_over("<div>" * 51, 50) == 51


def test_a_file_that_grows_between_its_stat_and_its_read_is_read_whole_or_capped(tmp_path, monkeypatch):
    # The read is sized by fstat; a file that grows after it is read on, up to the limit.
    from pipeline.reading import capped

    data = b"0123456789" * 10
    (tmp_path / "a.txt").write_bytes(data)
    real_fstat = os.fstat

    class _Stale:
        def __init__(self, fd: int) -> None:
            self.st_size = 10  # what the file held a moment before
            self.st_mode = real_fstat(fd).st_mode

    monkeypatch.setattr(capped.os, "fstat", _Stale)

    def read(limit: int) -> bytes:
        with open(tmp_path / "a.txt", "rb") as fh:
            return capped.read_file_capped(fh, limit)

    assert read(1000) == data
    assert read(100) == data
    with pytest.raises(capped.TooLarge):
        read(99)


def test_a_link_to_raw_itself_is_inside_raw_but_not_a_file(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("word " * 100)
    [item] = list(iter_inputs(RawRoot.resolve(raw)))
    (raw / "a.txt").unlink()
    os.symlink(raw, raw / "a.txt")
    [result] = process_batch(BatchJob(RawRoot.resolve(raw), [item], LimitsSettings(), _settings().dedupe))
    assert [r.reason for r in result.rejects] == ["unreadable"]
