"""What one curate run did, counted as it goes: printed at the end, kept as a Prefect artifact."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from pipeline.report.health import summary_lines


@dataclass
class RunSummary:
    run_id: str
    raw: str
    curated: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    inputs_seen: int = 0  # files found under raw/
    inputs_unchanged: int = 0  # skipped: already processed with the same size and mtime
    inputs_read: int = 0  # files read this run
    documents: int = 0  # pages read (a WARC file holds many)
    articles: Counter = field(default_factory=Counter)  # by source
    duplicates: Counter = field(default_factory=Counter)  # by kind
    duplicates_by_source: Counter = field(default_factory=Counter)
    rejects: Counter = field(default_factory=Counter)  # by reason
    superseded: int = 0  # articles of earlier runs replaced by a better record of this one
    signatures_migrated: int = 0  # kept articles whose MinHash signatures were recomputed
    recovered_runs: list[str] = field(default_factory=list)
    seconds: float = 0.0
    report_path: str | None = None
    # Extraction health per site (pipeline.report.health.SiteHealth as dicts), and the drift warnings.
    health: list[dict[str, Any]] = field(default_factory=list)
    drift: list[dict[str, Any]] = field(default_factory=list)
    # Compaction at the end of the run (pipeline.store.compact): table -> [files before, files after],
    # for the tables it rewrote; or why it failed (the run's own commit stands).
    compacted: dict[str, list[int]] = field(default_factory=dict)
    compaction_error: str | None = None
    reports_pruned: int = 0

    @property
    def articles_total(self) -> int:
        return sum(self.articles.values())

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("articles", "duplicates", "duplicates_by_source", "rejects"):
            data[key] = dict(getattr(self, key))
        data["started_at"] = self.started_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunSummary:
        """Back from as_dict(): a flow's return value crosses Prefect as plain data."""
        data = dict(data)
        for key in ("articles", "duplicates", "duplicates_by_source", "rejects"):
            data[key] = Counter(data.get(key) or {})
        data["started_at"] = dt.datetime.fromisoformat(data["started_at"])
        if data.get("finished_at"):
            data["finished_at"] = dt.datetime.fromisoformat(data["finished_at"])
        return cls(**data)

    def render_text(self) -> str:
        """The one-screen summary printed at the end of `python -m pipeline run`."""
        lines = [
            f"curate run {self.run_id}: {self.raw} -> {self.curated} in {self.seconds:.1f}s",
            f"  inputs: {self.inputs_seen} found, {self.inputs_read} read, "
            f"{self.inputs_unchanged} unchanged since an earlier run; {self.documents} pages",
            f"  articles written: {self.articles_total}"
            + (
                " (" + ", ".join(f"{k} {v}" for k, v in sorted(self.articles.items())) + ")"
                if self.articles
                else ""
            ),
            f"  duplicates: {sum(self.duplicates.values())}"
            + (
                " (" + ", ".join(f"{k} {v}" for k, v in sorted(self.duplicates.items())) + ")"
                if self.duplicates
                else ""
            ),
            f"  rejects: {sum(self.rejects.values())}"
            + (
                " (" + ", ".join(f"{k} {v}" for k, v in sorted(self.rejects.items())) + ")"
                if self.rejects
                else ""
            ),
        ]
        if self.duplicates_by_source:
            lines.append(
                "  duplicates by source: "
                + ", ".join(f"{k} {v}" for k, v in sorted(self.duplicates_by_source.items()))
            )
        if self.superseded:
            lines.append(
                f"  kept articles replaced by a better record (full text, or with its URL): {self.superseded}"
            )
        lines += summary_lines(self.health, self.drift)
        if self.compacted:
            lines.append(
                "  compacted: "
                + ", ".join(
                    f"{table} {old} -> {new} files" for table, (old, new) in sorted(self.compacted.items())
                )
            )
        if self.compaction_error:
            lines.append(
                f"  warning: compaction failed, the run's data is committed: {self.compaction_error}"
            )
        if self.report_path:
            lines.append(f"  run report: {self.report_path}")
        if self.reports_pruned:
            lines.append(
                f"  older run reports pruned: {self.reports_pruned} (their summaries are in the runs table)"
            )
        if self.recovered_runs:
            lines.append(f"  finished the interrupted commit of run(s): {', '.join(self.recovered_runs)}")
        return "\n".join(lines)
