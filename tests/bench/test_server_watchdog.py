"""The bench's Prefect server runs in a session of its own, under a watchdog: a bench (or test run)
killed with SIGKILL does not leave the server behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from bench.server import watched

STARTER = (
    "import subprocess, sys, time\n"
    "from bench.server import watched\n"
    "child = subprocess.Popen(watched(['sleep', '300']), start_new_session=True)\n"
    "print(child.pid, flush=True)\n"
    "time.sleep(300)\n"
)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_gone(group: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _group_alive(group):
            return True
        time.sleep(0.1)
    return False


def test_a_killed_starter_takes_the_watched_command_with_it():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    starter = subprocess.Popen([sys.executable, "-c", STARTER], cwd=root, stdout=subprocess.PIPE, text=True)
    group = int(starter.stdout.readline())  # the watchdog leads the command's session
    try:
        time.sleep(1.0)  # the watchdog has started its command
        assert _group_alive(group)
        starter.kill()  # SIGKILL: no finally, no atexit
        starter.wait()
        assert _wait_gone(group, 10), "the watched command outlived the process that started it"
    finally:
        if _group_alive(group):
            os.killpg(group, signal.SIGKILL)


def test_the_watched_command_stops_with_its_group_and_gives_its_status():
    """The normal stop (SIGTERM to the group) ends the command, and the watchdog with it."""
    proc = subprocess.Popen(
        watched([sys.executable, "-c", "import time; time.sleep(300)"]), start_new_session=True
    )
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGTERM)
    assert proc.wait(10) != 0
    assert _wait_gone(proc.pid, 5)
    done = subprocess.run(watched([sys.executable, "-c", "raise SystemExit(3)"]), timeout=30)
    assert done.returncode == 3
