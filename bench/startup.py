"""The start-up figure of the benchmark (issue 16): `python -m pipeline run` over the repository's
five samples, the whole command in a fresh process each time, timed from outside.

With no Prefect server configured (an empty PREFECT_HOME, no PREFECT_API_URL) the run is a plain
run of this process. With `python -m bench --startup-temporary-server` the same command with
--prefect is timed beside it, as a flow run that has Prefect start a temporary API server, which
is what every run cost before.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "raw" / "samples"
TARGET_SECONDS = 3.0


@dataclass
class StartupFigures:
    seconds: list[float] = field(default_factory=list)  # each run with no server configured
    temporary_server_seconds: float = 0.0  # a run with --prefect (0: not measured)
    temporary_server_error: str = ""  # why that run failed, if it did

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else 0.0

    def rows(self) -> list[tuple[str, str]]:
        if not self.seconds:
            return [("start-up: run over the 5 samples", "not measured")]
        runs = " / ".join(f"{s:.2f}" for s in self.seconds)
        rows = [
            ("start-up: run over the 5 samples, no server configured, median s", f"{self.median:.2f}"),
            ("start-up: each run (fresh process, whole command) s", runs),
        ]
        if self.temporary_server_seconds or self.temporary_server_error:
            temporary = self.temporary_server_error or f"{self.temporary_server_seconds:.2f}"
            rows.append(("start-up: same with --prefect (temporary server) s", temporary))
        return rows

    def misses(self) -> list[str]:
        if self.seconds and self.median > TARGET_SECONDS:
            return [f"start-up {self.median:.2f} s > {TARGET_SECONDS} s"]
        return []


def measure(runs: int, with_temporary_server: bool = True, say: object = print) -> StartupFigures:
    """runs timed runs with no Prefect server configured (and --prefect for comparison)."""
    figures = StartupFigures()
    if runs < 1 or not SAMPLES.is_dir():
        return figures
    with tempfile.TemporaryDirectory(prefix="tajrus-startup-") as tmp:
        env = _no_server_env(Path(tmp) / "prefect-home")
        for n in range(runs):
            say(f"start-up {n + 1}/{runs}: python -m pipeline run over {SAMPLES.name}/")
            figures.seconds.append(_timed_run(Path(tmp) / f"curated-{n}", env))
        if with_temporary_server:
            _measure_temporary_server(figures, Path(tmp), env, say)
    return figures


def _measure_temporary_server(figures: StartupFigures, tmp: Path, env: dict[str, str], say: object) -> None:
    """The second of two --prefect runs: the first creates Prefect's database in the empty
    PREFECT_HOME, a cost paid once per machine. A failure is shown, not raised: this figure is
    the old way, for comparison."""
    env = {**env, "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
    try:
        for n in (1, 2):
            say(f"start-up with --prefect {n}/2 (Prefect starts a temporary API server)")
            figures.temporary_server_seconds = _timed_run(tmp / f"curated-prefect-{n}", env, "--prefect")
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        figures.temporary_server_seconds = 0.0
        figures.temporary_server_error = "failed: " + (str(exc).strip().splitlines() or ["?"])[-1][:200]


def _no_server_env(prefect_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_PROFILE")}
    env.update(PREFECT_HOME=str(prefect_home), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    return env


def _timed_run(curated: Path, env: dict[str, str], *extra: str) -> float:
    cmd = [sys.executable, "-m", "pipeline", "run", "--raw", str(SAMPLES), "--curated", str(curated), *extra]
    started = time.monotonic()
    done = subprocess.run(cmd, cwd=SAMPLES.parents[1], env=env, capture_output=True, text=True, timeout=300)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"start-up run failed (exit {done.returncode}): {done.stderr[-2000:]}")
    return seconds
