"""Lose nothing, hang never: faults of real raw/ trees met as a user meets them (real files, FIFOs,
copies with preserved metadata, WARC records whose Content-Length lies, files emptied mid-run)."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from conftest import SAMPLES
from support.badcorpus import lying_warc

from pipeline.curation.batch import BatchJob, process_batch
from pipeline.curation.driver import local_submit, run_curation
from pipeline.models import RawDocument, Reject
from pipeline.reading.listing import InputFile
from pipeline.reading.loaders import load
from pipeline.reading.location import RawRoot
from pipeline.settings import LimitsSettings, Settings
from pipeline.store.readers import read_table


def _sample(name: str) -> str:
    return next(SAMPLES.glob(f"{name}_*.txt")).read_text(encoding="utf-8")


@pytest.mark.parametrize("gzipped", [False, True])
@pytest.mark.parametrize("delta", [-40, +60])
def test_a_warc_record_whose_content_length_lies_is_a_reject_and_the_rest_are_read(tmp_path, delta, gzipped):
    name = "lies.warc.gz" if gzipped else "lies.warc"
    (tmp_path / name).write_bytes(lying_warc(delta, gzipped))
    item = InputFile(name, (tmp_path / name).stat().st_size, 0)
    out = list(load(RawRoot.resolve(tmp_path), item, LimitsSettings()))
    docs = [d for d in out if isinstance(d, RawDocument)]
    rejects = [d for d in out if isinstance(d, Reject)]
    assert [d.url for d in docs] == ["https://news.example.org/0.html", "https://news.example.org/2.html"]
    assert all(d.text.rstrip().endswith("</html>") for d in docs)  # never a page cut mid-word
    assert (
        len(rejects) == 1 and rejects[0].reason == "truncated" and rejects[0].raw_record
    )  # names the record


def test_a_file_swapped_for_a_fifo_after_listing_is_a_reject_not_a_hang(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(_sample("000"))
    item = InputFile("a.txt", (raw / "a.txt").stat().st_size, (raw / "a.txt").stat().st_mtime_ns)
    (raw / "a.txt").unlink()
    os.mkfifo(raw / "a.txt")
    results: list = []
    worker = threading.Thread(
        target=lambda: results.append(
            process_batch(BatchJob(RawRoot.resolve(raw), [item], LimitsSettings(), Settings().dedupe))
        )
    )
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "reading a FIFO blocked"
    [result] = results[0]
    assert [r.reason for r in result.rejects] == ["unreadable"]
    assert "not a regular file" in result.rejects[0].detail


def test_a_file_emptied_mid_run_is_rejected_once_and_reruns_add_nothing(tmp_path):
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    raw.mkdir()
    (raw / "a.txt").write_text(_sample("000"))
    (raw / "b.txt").write_text(_sample("001"))
    settings = Settings()
    read = local_submit(RawRoot.resolve(raw), settings)

    def emptying_submit(items):
        (raw / "a.txt").write_text("")  # between listing and reading
        return read(items)

    run_curation(raw, curated, settings, submit=emptying_submit)
    counts = []
    for _ in range(3):
        summary = run_curation(raw, curated, settings)
        counts.append((summary.inputs_unchanged, read_table(curated, "rejects").num_rows))
    assert counts == [(2, 1), (2, 1), (2, 1)]


def test_a_second_raw_tree_with_a_same_named_same_sized_same_mtime_file_is_read(tmp_path):
    """cp -p, tar and rsync -t keep size and mtime: the second tree's file is another input."""
    first, second, curated = tmp_path / "a", tmp_path / "b", tmp_path / "curated"
    first.mkdir()
    second.mkdir()
    text_a, text_b = _sample("000"), _sample("001")
    size = max(len(text_a.encode()), len(text_b.encode()))
    (first / "x.txt").write_bytes(text_a.encode().ljust(size))
    (second / "x.txt").write_bytes(text_b.encode().ljust(size))
    stat = (first / "x.txt").stat()
    os.utime(second / "x.txt", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    run_curation(first, curated, Settings())
    summary = run_curation(second, curated, Settings())
    assert summary.inputs_unchanged == 0
    bodies = read_table(curated, "articles", ["body"]).column("body").to_pylist()
    assert any("Iskandarov" in b for b in bodies) and any("transformation" in b for b in bodies)
    # A copy of the same bytes (new inode and ctime) is recognised by its content: nothing re-read.
    third = tmp_path / "c"
    shutil.copytree(second, third, copy_function=shutil.copy2)
    assert run_curation(third, curated, Settings()).inputs_unchanged == 1


def test_a_read_only_curated_directory_is_one_clear_error(tmp_path, seeds_raw):
    """curated/ on a read-only filesystem (a read-only tmpfs, mounted for the test): one error
    line, exit 4, no traceback, before Prefect starts."""
    import subprocess
    import sys

    target = tmp_path / "ro"
    target.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro", "tmpfs", str(target)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a read-only tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pipeline",
                "run",
                "--raw",
                str(seeds_raw),
                "--curated",
                str(target / "c"),
            ],
            cwd=Path(__file__).resolve().parents[2],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        subprocess.run(["umount", str(target)], check=False)
    assert result.returncode == 4
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "Read-only file system" in lines[0]
