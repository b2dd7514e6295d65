"""The driver side of one run: which inputs are new, and what becomes of each extracted record.

It holds the run's state (the manifest of inputs seen, the dedupe index, the writer and the
counts), decides record by record in input order whether an article is kept, a duplicate, a
revision or a teaser, and at the end demotes what this run replaced and records the run's health
and summary row. Results are consumed in input order, so the outcome does not depend on which
worker finished first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline import PIPELINE_VERSION
from pipeline.curation.batch import Extracted, FileResult, file_sha256
from pipeline.dedupe.decisions import Deduper, Replacement, normalize_url
from pipeline.dedupe.minhash import fingerprints
from pipeline.models import Article, Duplicate, Reject
from pipeline.reading.listing import InputFile, input_kind, iter_inputs
from pipeline.reading.location import RawRoot
from pipeline.report import health
from pipeline.report.summary import RunSummary
from pipeline.settings import Settings
from pipeline.store.layout import (
    ARTICLES,
    CHROME,
    DUPLICATES,
    HEALTH,
    MANIFEST,
    REJECTS,
    RUNS,
    SIGNATURES,
    new_run_id,
    partition_source,
)
from pipeline.store.readers import iter_rows, read_learned_chrome, read_table
from pipeline.store.schemas import (
    CHROME_SCHEMA,
    DUPLICATE_SCHEMA,
    HEALTH_SCHEMA,
    MANIFEST_SCHEMA,
    REJECT_SCHEMA,
    RUN_SCHEMA,
    SIGNATURE_SCHEMA,
)
from pipeline.store.writer import RunWriter
from pipeline.text.normalise import word_count


@dataclass(frozen=True, slots=True)
class CurrentVersion:
    """The version of a revised article that this run keeps: where it came from, and what the
    versions it replaces are compared with."""

    raw_path: str
    raw_record: str
    raw_item: int
    title: str | None
    words: int


class Curation:
    """The driver side of a run: manifest, dedupe state, writer and counts."""

    def __init__(self, raw: RawRoot, curated: Path, settings: Settings, full: bool = False) -> None:
        self.raw, self.curated, self.settings, self.full = raw, curated, settings, full
        self.run_id = new_run_id()
        self.now = dt.datetime.now(dt.UTC)
        self.summary = RunSummary(self.run_id, str(raw), str(curated), self.now)
        # --full rebuilds: nothing of the dataset is read, and the commit replaces all of it, so a
        # rebuild gives the tables a first run over the same raw/ gives (not every input as a
        # duplicate of itself).
        self.writer = RunWriter(curated, self.run_id, replace_all=full)
        self.deduper: Deduper | None = None
        self.manifest: dict[str, tuple[int, int, str | None]] = {}
        self.chrome_known: dict[str, frozenset[str]] = {}  # learned chrome, per site
        self.teasers: list[Extracted] = []
        # Articles this run has a newer version of: article_id -> the version kept.
        self.revisions: dict[str, CurrentVersion] = {}
        self.health = health.HealthTally()  # which rules matched, per site (pipeline.report.health)

    # --- before ---------------------------------------------------------------------------------

    def load_manifest(self) -> None:
        if self.full:
            return  # a rebuild reads nothing of the dataset it replaces
        self.chrome_known = read_learned_chrome(self.curated)
        columns = ["raw_path", "size", "mtime_ns", "sha256", "ident"]
        table = read_table(self.curated, MANIFEST, columns, schema=MANIFEST_SCHEMA)
        if table is not None:
            values = (table.column(c).to_pylist() for c in table.column_names)
            for path, size, mtime, digest, ident in zip(*values, strict=True):
                self.manifest[path] = (size, mtime, digest, ident)

    def _ensure_deduper(self) -> Deduper:
        """Loaded lazily: a run with nothing new never pays for reading the signatures."""
        if self.deduper is None:
            self.deduper = Deduper(self.settings.dedupe)
            if self.full:
                return self.deduper
            kept = read_table(
                self.curated, ARTICLES, ["article_id", "url", "content_hash", "is_teaser", "fetched_at"]
            )
            sigs = read_table(self.curated, SIGNATURES)
            missing = self.deduper.load(
                zip(*(kept.column(c).to_pylist() for c in kept.column_names), strict=True)
                if kept is not None
                else [],
                zip(*(sigs.column(c).to_pylist() for c in sigs.column_names), strict=True)
                if sigs is not None
                else [],
            )
            if missing:
                self._migrate_signatures(self.deduper, missing)
        return self.deduper

    def _migrate_signatures(self, deduper: Deduper, missing: list[str]) -> None:
        """Signatures of an older scheme (or none): recompute them from the stored bodies.

        Read in record batches, so a large dataset is migrated in bounded memory; the new
        signatures are committed with this run, so the next run reads them instead.
        """
        for aid, body in iter_rows(self.curated, ARTICLES, ["article_id", "body"], ids=missing):
            sig, _ = fingerprints(body or "", self.settings.dedupe)
            deduper.index(aid, sig)
            self._write_signatures(deduper, aid)
            self.summary.signatures_migrated += 1

    def pending_inputs(self) -> Iterator[InputFile]:
        """Inputs not processed before with the same size and mtime; link rejects recorded once.

        Pages with markup (HTML, WARC) come before text dumps, so that when the same article is in
        both, the record with a URL, date and authors is the one kept. raw/ is listed once (it may
        be a remote filesystem); the text dumps' entries wait in memory, a few bytes each.
        """
        dumps: list[InputFile] = []
        for entry in iter_inputs(self.raw):
            if isinstance(entry, InputFile) and input_kind(entry.rel_path) == "text":
                dumps.append(entry)
            elif self._is_pending(entry) and isinstance(entry, InputFile):
                yield entry
        yield from (entry for entry in dumps if self._is_pending(entry))

    def _is_pending(self, entry: InputFile | Reject) -> bool:
        """Counts the entry; records a link reject (once); True when the file is to be read."""
        self.summary.inputs_seen += 1
        if isinstance(entry, Reject):
            if self.manifest.get(entry.raw_path, (0,))[0] == -1 and not self.full:
                self.summary.inputs_unchanged += 1
                return False
            self._reject(entry)
            self._manifest_row(entry.raw_path, -1, -1, None, 0, 0, 1)
            return False
        if not self.full and self._unchanged(entry):
            self.summary.inputs_unchanged += 1
            return False
        return True

    def _unchanged(self, item: InputFile) -> bool:
        """The same file as when processed (size, mtime and file identity); or the same bytes.

        Size and mtime alone are what copies preserve (cp -p, tar, rsync -t): another raw/ with
        a file of the same path, size and mtime is a different file, and its bytes decide.
        """
        seen = self.manifest.get(item.rel_path)
        if seen is None or seen[0] != item.size:
            return False
        same_file = not item.ident or not seen[3] or seen[3] == item.ident
        if seen[1] == item.mtime_ns and same_file:
            return True
        path = self.raw.input_path(item.rel_path)
        return seen[2] is not None and path is not None and seen[2] == file_sha256(self.raw, path)

    # --- during ---------------------------------------------------------------------------------

    def consume(self, result: FileResult) -> None:
        self.summary.inputs_read += 1
        self.summary.documents += result.documents
        written = dups = 0
        for reject in result.rejects:
            self._reject(reject)
            self.health.add_reject(reject)
        for site, keys in (result.learned_chrome or {}).items():
            known = self.chrome_known.get(site, frozenset())
            self.health.add_chrome(site.split(":")[0], sum(1 for key in keys if key not in known))
            for key in keys:
                if key not in known:
                    self.writer.add(
                        CHROME,
                        {"site": site, "line_key": key, "run_id": self.run_id},
                        CHROME_SCHEMA,
                    )
            self.chrome_known[site] = self.chrome_known.get(site, frozenset()) | set(keys)
        for extracted in sorted(result.articles, key=lambda e: e.article.is_teaser):
            words = extracted.words if extracted.words is not None else word_count(extracted.article.body)
            self.health.add_article(extracted.article, words)
            if extracted.article.is_teaser:
                self.teasers.append(extracted)  # decided at the end, after every full article
                continue
            if self._decide(extracted):
                written += 1
            else:
                dups += 1
        item = result.item
        size, mtime = result.read_stat or (item.size, item.mtime_ns)
        self._manifest_row(
            item.rel_path, size, mtime, result.sha256, written, dups, len(result.rejects), item.ident
        )

    def _decide(self, extracted: Extracted) -> bool:
        deduper = self._ensure_deduper()
        article = extracted.article
        sig, chash = extracted.fingerprinted(self.settings.dedupe)
        decision = deduper.decide(article, sig, chash)
        if decision.duplicate is not None:
            dup = decision.duplicate
            if dup.kind == "revision":  # an older version, read after the kept one
                dup.words_before = extracted.words
                current = self.revisions.get(dup.duplicate_of)
                if current is not None:
                    dup.title_changed = current.title != article.title
                    dup.words_after = current.words
            self._duplicate(dup, article.source)
            return False
        row = self._article_row(article, decision.article_id, chash, extracted.words)
        self.writer.add_article(row)
        self._write_signatures(deduper, decision.article_id)
        self.summary.articles[article.source] += 1
        if decision.revises:
            self.revisions[decision.article_id] = CurrentVersion(
                article.raw_path, article.raw_record, article.raw_item, article.title, row["word_count"]
            )
        return True

    def _write_signatures(self, deduper: Deduper, aid: str) -> None:
        for row_id, kind, values in deduper.signature_rows(aid):
            self.writer.add(
                SIGNATURES,
                {"article_id": row_id, "kind": kind, "hashvalues": values},
                SIGNATURE_SCHEMA,
            )

    def _article_row(self, a: Article, aid: str, chash: str, words: int | None = None) -> dict:
        return {
            "article_id": aid,
            "source": a.source,
            "url": normalize_url(a.url),
            "title": a.title,
            "authors": a.authors,
            "published_at": a.published_at,
            "published_date": a.published_date,
            "date_precision": a.date_precision,
            "date_source": a.date_source,
            "modified_at": a.modified_at,
            "dateline": a.dateline,
            "body": a.body,
            "word_count": word_count(a.body) if words is None else words,
            "language": a.language,
            "tags": a.tags,
            "publication": a.publication,
            "volume": a.volume,
            "issue": a.issue,
            "is_teaser": a.is_teaser,
            "content_hash": chash,
            "raw_path": a.raw_path,
            "raw_record": a.raw_record,
            "raw_item": a.raw_item,
            "fetched_at": a.fetched_at,
            "ingested_at": self.now,
            "pipeline_version": PIPELINE_VERSION,
            "run_id": self.run_id,
        }

    def _duplicate(self, dup: Duplicate, source: str) -> None:
        self._add_stamped(DUPLICATES, {**_fields_of(dup), "source": source}, DUPLICATE_SCHEMA)
        self.summary.duplicates[dup.kind] += 1
        self.summary.duplicates_by_source[source] += 1

    def _reject(self, reject: Reject) -> None:
        # evidence counts in the run's health (consume), it is not a column of rejects
        self._add_stamped(REJECTS, _fields_of(reject, skip=("evidence",)), REJECT_SCHEMA)
        self.summary.rejects[reject.reason] += 1

    def _add_stamped(self, table: str, row: dict[str, Any], schema: pa.Schema) -> None:
        """A row of a table that records when and by which run it was written."""
        self.writer.add(table, {**row, "ingested_at": self.now, "run_id": self.run_id}, schema)

    def _manifest_row(
        self,
        path: str,
        size: int,
        mtime: int,
        digest: str | None,
        articles: int,
        dups: int,
        rejects: int,
        ident: str = "",
    ) -> None:
        row = {
            "raw_path": path,
            "size": size,
            "mtime_ns": mtime,
            "sha256": digest,
            "ident": ident or None,
            "articles": articles,
            "duplicates": dups,
            "rejects": rejects,
            "run_id": self.run_id,
        }
        self.writer.add(MANIFEST, row, MANIFEST_SCHEMA)

    # --- after ----------------------------------------------------------------------------------

    def finish(self) -> RunSummary:
        for extracted in self.teasers:
            self._decide(extracted)
        self.teasers.clear()
        if self.revisions:
            self._drop_replaced_versions()
        if self.deduper is not None and (self.deduper.superseded or self.revisions):
            self._demote(self.deduper.superseded)
        self._record_health()
        self.summary.finished_at = dt.datetime.now(dt.UTC)
        self.summary.seconds = (self.summary.finished_at - self.summary.started_at).total_seconds()
        if self.writer.counts or self.full:
            self.writer.add(RUNS, self._run_row(), RUN_SCHEMA)
        self.writer.commit()
        return self.summary

    def _drop_replaced_versions(self) -> None:
        """Versions this run wrote of an article it then read a newer version of: out of
        this run's article files, into duplicates as revisions."""
        revisions = self.revisions

        def replaced(table: pa.Table) -> pa.Array:
            ids, paths, records, items = (
                table.column(c).to_pylist() for c in ("article_id", "raw_path", "raw_record", "raw_item")
            )
            flags = []
            for aid, path, record, item in zip(ids, paths, records, items, strict=True):
                current = revisions.get(aid)
                flags.append(
                    current is not None
                    and (path, record, item) != (current.raw_path, current.raw_record, current.raw_item)
                )
            return pa.array(flags, pa.bool_())

        for rel, rows in self.writer.drop_staged_rows(f"{ARTICLES}/", replaced):
            source = partition_source(rel)
            for row in rows.to_pylist():
                self._revision(row, source)

    def _revision(self, row: dict[str, Any], source: str) -> None:
        """A superseded version of a revised article as a duplicates row: what the kept version
        changed (title, length, how alike the texts are)."""
        assert self.deduper is not None
        current = self.revisions[row["article_id"]]
        sig, _ = fingerprints(row["body"] or "", self.settings.dedupe)
        similarity = self.deduper.body_similarity(row["article_id"], sig.body)
        dup = Duplicate(
            row["raw_path"],
            row["raw_record"],
            row["raw_item"],
            row["article_id"],
            "revision",
            round(similarity, 4) if similarity is not None else 0.0,
            row["url"],
            row["title"],
            title_changed=row["title"] != current.title,
            words_before=row["word_count"],
            words_after=current.words,
            fetched_at=row["fetched_at"],
        )
        self._duplicate(dup, source)
        self.summary.articles[source] -= 1  # counted when written; the article is counted once

    def _record_health(self) -> None:
        """This run's health row per site, compared with the site's recent runs (not on a rebuild:
        it reads nothing of the dataset it replaces, and its pages span every template anyway)."""
        current = self.health.site_health()
        if not current:
            return
        history = [] if self.full else health.read_history(self.curated)
        drifts = health.compare(current, history, self.settings.health)
        for drift in drifts:
            drift.pages = self.health.examples(drift.site, drift.metric)
        for row in current:
            mine = [d for d in drifts if d.site == row.site]
            row.drift = [d.describe() for d in mine]
            row.drift_pages = list(dict.fromkeys(page for d in mine for page in d.pages))
            row.run_id = self.run_id
            self.writer.add(HEALTH, {**row.as_dict(), "ingested_at": self.now}, HEALTH_SCHEMA)
        self.summary.health = [row.as_dict() for row in current]
        self.summary.drift = [d.as_dict() for d in drifts]

    def _run_row(self) -> dict:
        """This run's summary as a row of the runs table, committed with its data: it outlives
        the run's HTML report."""
        s = self.summary
        return {
            "run_id": self.run_id,
            "started_at": s.started_at,
            "finished_at": s.finished_at,
            "seconds": round(s.seconds, 3),
            "full_rebuild": self.full,
            "inputs_seen": s.inputs_seen,
            "inputs_read": s.inputs_read,
            "inputs_unchanged": s.inputs_unchanged,
            "documents": s.documents,
            "articles": s.articles_total,
            "duplicates": sum(s.duplicates.values()),
            "rejects": sum(s.rejects.values()),
            "superseded": s.superseded,
            "articles_by_source": json.dumps(dict(sorted(s.articles.items()))),
            "duplicates_by_kind": json.dumps(dict(sorted(s.duplicates.items()))),
            "rejects_by_reason": json.dumps(dict(sorted(s.rejects.items()))),
            "pipeline_version": PIPELINE_VERSION,
        }

    def _demote(self, superseded: dict[str, Replacement]) -> None:
        """Articles an earlier run kept that a better record of this run replaces: a full
        article its teaser, a record with a URL a URL-less dump, a newer version an older one.

        They move to duplicates (pointing at their replacement), and the files holding them are
        rewritten without them, committed with the rest of the run. A rebuild has none to
        demote: its commit replaces every committed file, and ids are the same across runs.
        """
        if self.full:
            return
        root = self.curated / ARTICLES
        ids = pa.array([*superseded, *self.revisions], pa.string())
        for path in sorted(root.rglob("*.parquet")):
            # The ids alone first: revisions come in most hourly runs, and most files hold none
            # of them; their bodies are not read.
            file_ids = pq.read_table(path, columns=["article_id"]).column(0)
            if not pc.any(pc.is_in(file_ids, value_set=ids)).as_py():
                continue
            table = pq.read_table(path)
            mask = pc.is_in(table.column("article_id"), value_set=ids)
            hit = table.filter(mask)
            if hit.num_rows == 0:
                continue
            source = partition_source(path)
            for row in hit.to_pylist():
                if row["article_id"] in self.revisions:  # every committed version is older
                    self._revision(row, source)
                    continue
                why = superseded[row["article_id"]]
                self._duplicate(
                    Duplicate(
                        row["raw_path"],
                        row["raw_record"],
                        row["raw_item"],
                        why.article_id,
                        why.kind,
                        round(why.similarity, 4),
                        row["url"],
                        row["title"],
                    ),
                    source,
                )
                self.summary.superseded += 1
                self.summary.articles[source] -= 1
            self.writer.replace_file(path.relative_to(self.curated).as_posix(), table.filter(pc.invert(mask)))


def _fields_of(record: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """A dataclass record's fields as a row (a shallow copy: dataclasses.asdict copies deeply)."""
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record) if f.name not in skip}
