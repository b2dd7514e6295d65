"""The second fresh held-out set: dumps written on the layouts of real pages that nobody tuned the
rules on (tests/fixtures/pages-fresh2/<site-service>/, page list in docs/research/fresh-holdout2.md).
The research pages (test_research_pages.py) were all read by the engineers who wrote the rules, and
the first fresh set (test_fresh_holdout.py) was then used to fix general causes; this second set,
built afterwards from other real pages, says whether those fixes generalise. Each folder is curated
as a user would (run_curation) and checked with the project's copy of the shared checks
(tests/seedcheck.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from seedcheck import failures

from pipeline.curate import run_curation
from pipeline.settings import load_settings

FRESH = Path(__file__).resolve().parent / "fixtures" / "pages-fresh2"
FOLDERS = sorted(p.parent for p in FRESH.glob("*/expected.json"))

# The checks each folder fails today, kept exact: a new failure fails the test, and so does a fixed
# one (then remove it from the file, so the score only moves forward). What they are, by cause, is
# in docs/research/fresh-holdout2.md.
KNOWN: dict[str, list[str]] = json.loads((FRESH / "known_failures.json").read_text(encoding="utf-8"))


def _curate(folder: Path, tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    for page in folder.glob("*.txt"):
        shutil.copy2(page, raw / page.name)
    run_curation(raw, tmp_path / "curated", load_settings(config_path="/nonexistent", env={}))
    return tmp_path / "curated" / "articles"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_each_fresh2_folder_fails_only_its_known_checks(folder, tmp_path):
    assert sorted(failures(_curate(folder, tmp_path), folder / "expected.json")) == KNOWN.get(folder.name, [])


def test_every_fresh2_dump_is_checked_or_described():
    """A dump is either the seed of a checked record or a non-article the folder's 'about' names by
    its number (it must then yield nothing, which total_records checks)."""
    for folder in FOLDERS:
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        dumps = {p.name for p in folder.glob("*.txt")}
        seeds = {r["seed"] for r in expected["records"]}
        assert seeds <= dumps, f"{folder.name}: records name missing dumps {seeds - dumps}"
        undescribed = {name for name in dumps - seeds if name.split("_")[0] not in expected["about"]}
        assert not undescribed, f"{folder.name}: dumps neither checked nor described: {undescribed}"


def test_fresh2_known_failures_name_only_existing_folders():
    assert set(KNOWN) <= {p.name for p in FOLDERS}
