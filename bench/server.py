"""A Prefect API server for the benchmark: `prefect server start` on 127.0.0.1, its own PREFECT_HOME.

With PREFECT_API_URL pointing at it, every `python -m pipeline run` the bench times is a flow run
recorded by that server, as a user with a server meets it. The server is a service started once,
not part of a run: its processes are not descendants of the timed command and are not in its RSS.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path


def quiet_env(prefect_home: Path) -> dict[str, str]:
    """This environment with Prefect's home set, analytics off and no API configured."""
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_PROFILE")}
    env.update(PREFECT_HOME=str(prefect_home), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    return env


# Runs a command in its own process group and ends the group when the process that started it is
# gone: the server runs in a session of its own (Ctrl-C in the bench's terminal must not reach it
# half-way), so a bench or test run killed with SIGKILL would otherwise leave it running.
_WATCHDOG = """
import os, signal, subprocess, sys, time
parent = int(sys.argv[1])
child = subprocess.Popen(sys.argv[2:])
signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the group's SIGTERM is for the command; we follow it
while child.poll() is None:
    if os.getppid() != parent:
        os.killpg(0, signal.SIGTERM)
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(0, signal.SIGKILL)
        break
    time.sleep(0.5)
sys.exit(child.wait())
"""


def watched(command: list[str]) -> list[str]:
    """command, run under a watchdog that ends its process group once this process is gone."""
    return [sys.executable, "-c", _WATCHDOG, str(os.getpid()), *command]


@contextlib.contextmanager
def prefect_server(home: Path, timeout: float = 180) -> Iterator[str]:
    """The API URL of a server started under home, once /health answers; stopped on the way out."""
    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        watched(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]
        ),
        env=quiet_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"prefect server exited during start-up (exit {server.returncode})")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"prefect server did not answer within {timeout:.0f} s")
            time.sleep(0.5)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait(5)
