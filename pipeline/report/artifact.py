"""Publishing the report's markdown as a Prefect artifact, which the Prefect UI shows beside the run.

Outside a flow run this does nothing, and inside one a refusal of the API is logged, never
raised: by the time a report is published the run's data is committed, and must stay so.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

log = logging.getLogger(__name__)


def artifact_key(text: str) -> str:
    """Prefect accepts only lowercase letters, digits and dashes in an artifact key."""
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", text.lower())).strip("-") or "report"


def in_prefect_run() -> bool:
    """Whether this code runs inside a Prefect flow or task run (where artifacts and its logger exist)."""
    if "prefect.context" not in sys.modules:  # a run without Prefect: not worth its 1.5 s import
        return False
    from prefect.context import FlowRunContext, TaskRunContext

    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


def publish_artifact(markdown: str, key: str, description: str | None = None) -> Any:
    """Show the numbers in the Prefect UI when running as a flow; outside Prefect, do nothing.

    Returns the artifact id, or None when not in a run or when the API refused: the data is
    already committed by then, and a report that cannot be shown must not fail the run.
    """
    if not in_prefect_run():
        return None
    from prefect.artifacts import create_markdown_artifact

    try:
        # _sync: the flow may be async, and a coroutine nobody awaits would publish nothing.
        return create_markdown_artifact(
            markdown=markdown, key=artifact_key(key), description=description, _sync=True
        )
    except Exception as exc:  # noqa: BLE001 - reporting must not undo a committed run
        log.warning("could not publish the run report artifact %r: %s", key, exc)
        return None
