"""Test-only kill points: the process SIGKILLs itself where PIPELINE_TEST_KILL_AT names the point.

tests/store/test_kill.py stops a run at exactly a named point of the driver ("after-first-batch"...);
tests/curation/test_pool.py kills the worker reading one file ("extract:<path>") to stand for a crash in a
C extension. Kept in a module of its own so that worker processes can call it without importing
the writer. Not a TAJRUS_ setting on purpose: it is not configuration, and load_settings rejects
unknown TAJRUS_ names.
"""

from __future__ import annotations

import contextlib
import os
import signal

KILL_AT_ENV = "PIPELINE_TEST_KILL_AT"
# "<point>:<process group>": at that point, SIGKILL another process group (tests/flows/test_api_loss.py
# kills the Prefect API server at an exact moment of a run).
KILL_GROUP_AT_ENV = "PIPELINE_TEST_KILL_GROUP_AT"


def kill_point(name: str) -> None:
    """Die here, as kill -9 would, when PIPELINE_TEST_KILL_AT names this point; or kill the
    process group PIPELINE_TEST_KILL_GROUP_AT names for it."""
    if os.environ.get(KILL_AT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
    point, _, group = os.environ.get(KILL_GROUP_AT_ENV, "").rpartition(":")
    if point == name and group.isdigit():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(int(group), signal.SIGKILL)
