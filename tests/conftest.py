"""Shared test helpers: paths to the shipped samples and a fresh curated directory per test."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The repository's own packages first: tests/spiders/ and tests/bench/ mirror the spiders/ and
# bench/ packages, and must never be taken for them.
if str(ROOT) not in sys.path[:1]:
    sys.path.insert(0, str(ROOT))
SAMPLES = ROOT / "raw" / "samples"
FIXTURES = ROOT / "tests" / "fixtures"
# Third-party files (real pages and sitemaps of the sites) are never copied into the repository:
# they are read from the shared folder beside the clone, which CI always has.
SHARED = ROOT.parent / "shared"
SHARED_FIXTURES = SHARED / "fixtures"


def shared_fixture(rel: str) -> Path:
    """A third-party fixture under ../shared/fixtures. Skips (saying why) when ../shared is not
    beside the clone; fails when it is there but lacks the file, so CI never skips silently."""
    path = SHARED_FIXTURES / rel
    if path.exists():
        return path
    if SHARED.is_dir():
        pytest.fail(f"../shared is beside the clone but lacks fixtures/{rel}")
    pytest.skip(f"third-party fixture fixtures/{rel} is read from ../shared, which is not beside this clone")


def seeds_expected() -> Path:
    """../shared/seeds/expected.json: what a correct curation of the five samples contains. It is
    the project's brief, not ours, so it is read from ../shared (skip when absent, fail when
    ../shared is there without it)."""
    path = SHARED / "seeds" / "expected.json"
    if path.exists():
        return path
    if SHARED.is_dir():
        pytest.fail("../shared is beside the clone but lacks seeds/expected.json")
    pytest.skip("the samples' expected.json is read from ../shared, which is not beside this clone")


def shared_page(rel: str) -> str:
    """The text of a shared page (gzipped or not)."""
    import gzip

    data = shared_fixture(rel).read_bytes()
    return (gzip.decompress(data) if rel.endswith(".gz") else data).decode("utf-8")


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


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of one Prefect API server shared by the tests that run the CLI in a subprocess.

    Without PREFECT_API_URL every `python -m pipeline run` starts a temporary server of its own
    (10-15 s each); pointing them at one server started here keeps the suite well inside its
    time budget. Tests of the temporary-server path itself simply do not use this fixture.
    """
    from bench.server import prefect_server  # one implementation: the benchmark starts its server so too

    with prefect_server(tmp_path_factory.mktemp("prefect-server")) as url:
        yield url
        _drain_prefect_senders()


def _drain_prefect_senders() -> None:
    """Send what this process's flows still queue for the API while the server is up.

    Prefect's log and event senders otherwise flush at interpreter exit, after the server has
    stopped, and retry a dead address for over a minute before pytest's process may end.
    """
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for sender in (APILogWorker, EventsWorker):
        sender.drain_all(timeout=20)
