"""The fresh held-out sets: dumps written on the layouts of real pages that nobody tuned the rules
on (tests/fixtures/pages-fresh/ and pages-fresh2/ to pages-fresh4/<site-service>/, page lists in
docs/research/fresh-holdout.md and fresh-holdout2.md to fresh-holdout4.md). The research pages
(test_research_pages.py) were all read by the engineers who wrote the rules; each fresh set was
then used to fix general causes, and the next one, built afterwards from other real pages, says
whether those fixes generalise. Each folder is curated as a user would (run_curation) and checked
with the project's copy of the shared checks (tests/support/seedcheck.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.seedcheck import curate_dumps, failures

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SETS = tuple(FIXTURES / f"pages-fresh{n}" for n in ("", "2", "3", "4"))
FOLDERS = sorted(p.parent for fresh in SETS for p in fresh.glob("*/expected.json"))

# The checks each folder fails today, kept exact per set: a new failure fails the test, and so does
# a fixed one (then remove it from the file, so the score only moves forward). What they are, by
# cause, is in the set's docs/research/fresh-holdout*.md.
KNOWN: dict[Path, dict[str, list[str]]] = {
    fresh: json.loads((fresh / "known_failures.json").read_text(encoding="utf-8")) for fresh in SETS
}


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_fresh_folder_fails_only_its_known_checks(folder, tmp_path):
    known = KNOWN[folder.parent].get(folder.name, [])
    assert sorted(failures(curate_dumps(folder, tmp_path), folder / "expected.json")) == known


def test_every_fresh_dump_is_checked_or_described():
    """A dump is either the seed of a checked record or a non-article the folder's 'about' names by
    its number (it must then yield nothing, which total_records checks)."""
    for folder in FOLDERS:
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        dumps = {p.name for p in folder.glob("*.txt")}
        seeds = {r["seed"] for r in expected["records"]}
        assert seeds <= dumps, f"{folder.name}: records name missing dumps {seeds - dumps}"
        undescribed = {name for name in dumps - seeds if name.split("_")[0] not in expected["about"]}
        assert not undescribed, f"{folder.name}: dumps neither checked nor described: {undescribed}"


def test_known_failures_name_only_existing_folders():
    for fresh, known in KNOWN.items():
        assert set(known) <= {p.name for p in FOLDERS if p.parent == fresh}
