"""The worker side of a run: load and extract a batch of input files (pure, no Prefect).

Kept apart from the driver side (pipeline.curation.run_state) so that a worker imports only what
extraction needs: not pyarrow (the writer) nor the LSH index, about 130 MB less in every worker
process. Not numpy either, unless the job asks the worker for the MinHash signatures
(BatchJob.fingerprint): the local pool's workers leave them to the driver.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.extraction.boilerplate import ChromeCounter
from pipeline.extraction.dispatch import extract_document
from pipeline.models import Article, RawDocument, Reject
from pipeline.reading.listing import InputFile
from pipeline.reading.loaders import load_resolved
from pipeline.reading.location import RawRoot
from pipeline.settings import DedupeSettings, LimitsSettings
from pipeline.sites import detect
from pipeline.store.kill_points import kill_point
from pipeline.text.normalise import word_count

if TYPE_CHECKING:
    from pipeline.dedupe.minhash import Signatures


class BatchJob:
    """All one batch task needs, as a single opaque value: raw/ (resolved where the run started),
    the batch's input files, the chrome earlier runs learned, the limits and the dedupe settings,
    and whether the worker computes the articles' MinHash signatures (fingerprint).

    fingerprint: on a Dask cluster the workers compute them (the driver is one process for the
    whole cluster); the local pool's workers leave them to the driver, which has numpy loaded
    anyway: the same CPU on the same cores, and each worker process 13 MB smaller without numpy.

    One value instead of an argument list threaded through the submit, the pool and the worker.
    Prefect walks lists, tuples and dataclasses in task parameters looking for futures, which
    cost about 2 ms per file in the driver; it does not walk into a plain object like this one.
    """

    __slots__ = ("raw", "items", "chrome", "limits", "dedupe", "fingerprint")

    def __init__(
        self,
        raw: RawRoot,
        items: list[InputFile],
        limits: LimitsSettings,
        dedupe: DedupeSettings,
        chrome: dict[str, frozenset[str]] | None = None,
        fingerprint: bool = True,
    ) -> None:
        self.raw = raw
        self.items = items
        self.limits = limits
        self.dedupe = dedupe
        self.chrome = chrome or {}  # chrome line keys earlier runs learned, per site
        self.fingerprint = fingerprint

    def __len__(self) -> int:
        return len(self.items)

    def of(self, items: list[InputFile], keep_chrome: bool = True) -> BatchJob:
        """The same job for other input files (one file of a batch retried alone)."""
        chrome = self.chrome if keep_chrome else None
        return BatchJob(self.raw, items, self.limits, self.dedupe, chrome, self.fingerprint)


@dataclass
class Extracted:
    """An article with what dedupe and the writer need, computed in the worker (in parallel)
    or, for the signatures and content hash when the job says so, by the driver (fingerprinted)."""

    article: Article
    sig: Signatures | None
    chash: str | None
    words: int | None = None  # word_count(body); None: the driver counts

    def fingerprinted(self, cfg: DedupeSettings) -> tuple[Signatures, str]:
        """The signatures and content hash, computed here if the worker left them out."""
        if self.sig is None or self.chash is None:
            from pipeline.dedupe.minhash import fingerprints

            self.sig, self.chash = fingerprints(self.article.body, cfg)
        return self.sig, self.chash


@dataclass
class FileResult:
    """All that came of one input file."""

    item: InputFile
    sha256: str | None = None
    # (size, mtime_ns) of the file as it was read, when it changed since it was listed: the
    # manifest records what was read, so a rerun over the same bytes does not read it again.
    read_stat: tuple[int, int] | None = None
    # On a batch's first result: the chrome line keys the batch learned, per site (for the state).
    learned_chrome: dict[str, list[str]] | None = None
    documents: int = 0
    articles: list[Extracted] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


def process_batch(job: BatchJob) -> list[FileResult]:
    """Load and extract a batch of files (pure: runs in a worker process or on a Dask worker).

    Pages with markup are extracted as they are read. Text dumps wait for the end of the batch:
    the lines that recur across the batch's pages of one site are its chrome (extraction.boilerplate),
    learned before any dump is cut, together with the chrome earlier runs learned (job.chrome).
    """
    raw, limits = job.raw, job.limits
    dedupe_cfg = job.dedupe if job.fingerprint else None
    results = []
    dumps: list[tuple[FileResult, RawDocument]] = []
    for item in job.items:
        kill_point(f"extract:{item.rel_path}")  # test-only: a file that kills its worker
        result = FileResult(item)
        try:
            path = raw.input_path(item.rel_path)  # still inside raw/? checked just before reading
            read: list[bytes] = []
            try:
                for doc in load_resolved(raw, path, item, limits, on_read=read.append):
                    if isinstance(doc, RawDocument) and doc.kind == "text":
                        result.documents += 1
                        dumps.append((result, doc))
                    else:
                        _extract_into(result, doc, limits, dedupe_cfg)
            finally:
                result.sha256 = _digest(raw, path, read)
                result.read_stat = _stat_if_changed(path, item)
        except Exception as exc:  # noqa: BLE001 - whatever happens, the file is accounted for
            result.rejects.append(
                Reject(item.rel_path, "extract_error", f"{type(exc).__name__}: {exc}"[:500])
            )
        results.append(result)
    learned = learn_chrome([doc for _, doc in dumps])
    if results and learned:
        results[0].learned_chrome = {site: sorted(keys) for site, keys in learned.items() if keys}
    for site, keys in job.chrome.items():
        learned[site] = learned.get(site, frozenset()) | keys
    for result, doc in dumps:
        site, group = chrome_group(doc)
        try:
            _extract_into(
                result, doc, limits, dedupe_cfg, {site: learned.get(group, frozenset())}, counted=True
            )
        except Exception as exc:  # noqa: BLE001 - one dump must not take its batch down
            result.rejects.append(
                Reject(doc.raw_path, "extract_error", f"{type(exc).__name__}: {exc}"[:500], doc.raw_record)
            )
    for result in results:
        if not result.articles and not result.rejects:
            result.rejects.append(
                Reject(result.item.rel_path, "not_article", "no page in the file holds an article")
            )
    return results


def chrome_group(doc: RawDocument) -> tuple[str, str]:
    """(site key, group) of a dump: pages of one site in one script learn their chrome together.

    A crawl of RFE/RL brings English, Russian and Tajik pages whose chrome differs only by
    language: counted together, each service's labels would stand on a third of the pages at most.
    The script is a cheap stand-in for the language: Tajik letters, else Cyrillic, else Latin.
    """
    site = detect(doc.url, doc.text).key
    sample = doc.text[:4000]
    if any(ch in _TAJIK_LETTERS for ch in sample):
        group = "tg"
    else:
        cyrillic = sum(1 for ch in sample if "\u0400" <= ch <= "\u04ff")
        group = "ru" if cyrillic * 3 > sum(ch.isalpha() for ch in sample) else "en"
    return site, f"{site}:{group}"


_TAJIK_LETTERS = frozenset("ӣӯҳқҷғӢӮҲҚҶҒ")


def learn_chrome(dumps: list[RawDocument]) -> dict[str, frozenset[str]]:
    """Per chrome group ("rferl:tg"), the keys of the lines that recur across its pages."""
    groups: dict[str, list[list[str]]] = {}
    for doc in dumps:
        groups.setdefault(chrome_group(doc)[1], []).append([ln for ln in doc.text.split("\n") if ln.strip()])
    counter = ChromeCounter()
    for key, pages in groups.items():
        counter.add_site_pages(key, pages)
    return {key: counter.chrome(key) for key in groups}


def _extract_into(
    result: FileResult,
    doc: RawDocument | Reject,
    limits: LimitsSettings,
    dedupe_cfg: DedupeSettings | None,
    learned: dict[str, frozenset[str]] | None = None,
    counted: bool = False,
) -> None:
    if isinstance(doc, Reject):
        result.rejects.append(doc)
        return
    if not counted:
        result.documents += 1
    extracted = extract_document(doc, limits.max_html_depth, learned)
    if isinstance(extracted, Reject):
        result.rejects.append(extracted)
        return
    for article in extracted:
        entry = Extracted(article, None, None, word_count(article.body))
        if dedupe_cfg is not None:  # the job asks the worker for the signatures
            entry.fingerprinted(dedupe_cfg)
        result.articles.append(entry)


def _stat_if_changed(path: Path | str | None, item: InputFile) -> tuple[int, int] | None:
    if not isinstance(path, Path):
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    now = (st.st_size, st.st_mtime_ns)
    return None if now == (item.size, item.mtime_ns) else now


def _digest(raw: RawRoot, path: Path | str | None, read: list[bytes]) -> str | None:
    """The file's digest from the bytes the loader read, or read for it when the loader did not
    read the file whole (a WARC, a file over the size limit, an unsupported kind)."""
    if path is None:
        return None
    if read:
        return hashlib.sha256(read[0]).hexdigest()
    return file_sha256(raw, path)


def file_sha256(raw: RawRoot, path: Path | str) -> str | None:
    """The file's digest, so a file touched but not changed is not processed again."""
    digest = hashlib.sha256()
    try:
        with raw.open(path) as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()
