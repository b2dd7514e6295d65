"""Dask worker preload: import what extraction needs when the worker starts, not in its first task.

Importing Prefect's task engine, lxml and trafilatura takes a worker one to two seconds. Done at
start-up (distributed's `preload`), the cost lands in cluster start-up, where it belongs, and the
first batches do not straggle. Only imports: nothing runs, nothing is configured.
"""

import prefect.task_engine  # noqa: F401
import trafilatura  # noqa: F401

import pipeline.curation.batch  # noqa: F401
import pipeline.extraction.html_article  # noqa: F401
import pipeline.flows.curate  # noqa: F401
