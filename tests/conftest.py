"""Shared test helpers: paths to the shipped samples and a fresh curated directory per test."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
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
    with prefect_server(tmp_path_factory.mktemp("prefect-server")) as url:
        yield url


@contextlib.contextmanager
def prefect_server(home: Path, timeout: float = 120) -> Iterator[str]:
    """`prefect server start` on a free port of 127.0.0.1 with its database under home: its API URL,
    once it answers; the server's whole process group is stopped on the way out."""
    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + timeout
        while True:
            assert server.poll() is None, "prefect server exited during start-up"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, f"prefect server did not answer within {timeout:.0f} s"
            time.sleep(0.5)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
