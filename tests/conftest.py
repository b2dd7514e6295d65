"""Shared test helpers: paths to the shipped samples and a fresh curated directory per test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "raw" / "samples"
FIXTURES = ROOT / "tests" / "fixtures"

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture
def seeds_raw(tmp_path: Path) -> Path:
    """A raw/ holding a copy of the five sample dumps."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in sorted(SAMPLES.glob("*.txt")):
        shutil.copy2(path, raw / path.name)
    return raw
