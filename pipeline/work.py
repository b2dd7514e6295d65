"""The worker side of a run: load and extract a batch of input files (pure, no Prefect).

Kept apart from pipeline.curate so that a Dask worker imports only what extraction needs: not
pyarrow (the writer) nor the LSH index, about 130 MB less in every worker process.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import location
from pipeline.extract import extract_document
from pipeline.kill_points import kill_point
from pipeline.loaders import InputFile, load_resolved, resolve_input, resolved_root
from pipeline.minhash import Signatures, fingerprints
from pipeline.models import Article, RawDocument, Reject
from pipeline.settings import Dedupe, Limits
from pipeline.textnorm import word_count


class Batch:
    """The input files of one task, as a single opaque value.

    Prefect walks lists, tuples and dataclasses in task parameters looking for futures, which
    cost about 2 ms per file in the driver; it does not walk into a plain object like this one.
    """

    __slots__ = ("items",)

    def __init__(self, items: list[InputFile]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)


@dataclass
class Extracted:
    """An article with what dedupe and the writer need, computed in the worker (in parallel)."""

    article: Article
    sig: Signatures
    chash: str
    words: int | None = None  # word_count(body); None: the driver counts


@dataclass
class FileResult:
    """All that came of one input file."""

    item: InputFile
    sha256: str | None = None
    documents: int = 0
    articles: list[Extracted] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


def process_batch(
    raw_root: str, items: list[InputFile], limits: Limits, dedupe_cfg: Dedupe
) -> list[FileResult]:
    """Load and extract a batch of files (pure: runs in a worker process or on a Dask worker)."""
    results = []
    root = resolved_root(raw_root)  # once a batch; each file is still resolved before it is read
    for item in items:
        kill_point(f"extract:{item.rel_path}")  # test-only: a file that kills its worker
        result = FileResult(item)
        try:
            path = resolve_input(raw_root, item.rel_path, root)
            read: list[bytes] = []
            try:
                for doc in load_resolved(path, item, limits, on_read=read.append):
                    _extract_into(result, doc, limits, dedupe_cfg)
            finally:
                result.sha256 = _digest(path, read)
        except Exception as exc:  # noqa: BLE001 - whatever happens, the file is accounted for
            result.rejects.append(
                Reject(item.rel_path, "extract_error", f"{type(exc).__name__}: {exc}"[:500])
            )
        if not result.articles and not result.rejects:
            result.rejects.append(
                Reject(item.rel_path, "not_article", "no page in the file holds an article")
            )
        results.append(result)
    return results


def _extract_into(result: FileResult, doc: RawDocument | Reject, limits: Limits, dedupe_cfg: Dedupe) -> None:
    if isinstance(doc, Reject):
        result.rejects.append(doc)
        return
    result.documents += 1
    extracted = extract_document(doc, limits.max_html_depth)
    if isinstance(extracted, Reject):
        result.rejects.append(extracted)
        return
    for article in extracted:
        sig, chash = fingerprints(article.body, dedupe_cfg)
        result.articles.append(Extracted(article, sig, chash, word_count(article.body)))


def _digest(path: Path | str | None, read: list[bytes]) -> str | None:
    """The file's digest from the bytes the loader read, or read for it when the loader did not
    read the file whole (a WARC, a file over the size limit, an unsupported kind)."""
    if path is None:
        return None
    if read:
        return hashlib.sha256(read[0]).hexdigest()
    return file_sha256(path)


def file_sha256(path: Path | str) -> str | None:
    """The file's digest, so a file touched but not changed is not processed again."""
    digest = hashlib.sha256()
    try:
        with location.open_file(path) as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()
