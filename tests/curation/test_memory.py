"""The driver hands freed memory back after each batch (glibc's malloc_trim)."""

from __future__ import annotations

import platform

import pytest

from pipeline.curation import driver, memory


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_malloc_trim_is_found_on_glibc() -> None:
    assert memory._malloc_trim() is not None
    memory.release_freed_memory()  # callable, returns nothing


def test_each_consumed_batch_releases_freed_memory(tmp_path, monkeypatch) -> None:
    from pipeline.settings import load_settings

    raw = tmp_path / "raw"
    raw.mkdir()
    words = " ".join(f"word{i} text" for i in range(60))
    for n in range(6):
        body = "\n\n".join(f"{words} {n} {k}." for k in range(4))
        (raw / f"{n}.txt").write_text(f"Article number {n}\n\n{body}", encoding="utf-8")
    calls: list[int] = []
    monkeypatch.setattr(driver, "release_freed_memory", lambda: calls.append(1))
    settings = load_settings(config_path="/nonexistent", env={}, overrides={"executor.batch_size": 2})
    summary = driver.run_curation(raw, tmp_path / "cur", settings)
    assert summary.inputs_read == 6
    assert len(calls) >= 3  # once a batch (the last round may be cut in halves)
