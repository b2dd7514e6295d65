"""Which records are the same article: canonical URL, normalised body, MinHash LSH, teasers.

Order of checks for a record: the same canonical URL (kind url), the same folded body (exact),
a body whose word-shingle Jaccard similarity passes the threshold (near), and for teasers, a
full article whose opening words match the teaser's (teaser). The kept record is the first seen,
except that a full article always wins over its teaser, and that a later fetch of the same URL
with another text is a new version of the article: it is kept under the same article_id and the
version it replaces becomes a duplicate of kind revision (pages are updated after publication).
State is compact (ids, hashes, fetch times and MinHash signatures, never bodies) so that it
scales to years of three sites.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

from pipeline.dedupe.lsh import LSH

# Signatures are computed in workers (pipeline.dedupe.minhash), which do not import this module.
from pipeline.dedupe.minhash import BODY_KIND, LEAD_KIND, Signatures
from pipeline.models import Article, Duplicate
from pipeline.settings import DedupeSettings
from pipeline.sites import site_for_url
from pipeline.sites.base import Site
from pipeline.text.normalise import fingerprint_text

_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|yclid|_ga|_gl|igshid|ref|ref_src|cmpid|"
    r"at_\w+|xtor|ocid|spm|s_cid|mkt_tok|share|amp|outputType)$",
    re.I,
)


def normalize_url(url: str | None) -> str | None:
    """The URL without tracking parameters, fragment, default port or trailing slash; https."""
    if not url or not url.strip():
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = parts.query and urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k))
    )
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    if len(path) > 1:
        path = path.rstrip("/")
    return urlunsplit(("https", host, path, query, ""))


def url_key(url: str | None) -> str | None:
    """The identity of the article a URL points to: www and mirrors folded, the site's rules applied."""
    normal = normalize_url(url)
    if normal is None:
        return None
    site = site_for_url(normal)
    pattern = site.crawl.article_url if site is not None else None
    if pattern is not None and not pattern.match(normal.split("?", 1)[0]):
        return None  # a home page or section that pages name as canonical: it names no article
    if site is not None:
        for pattern, replacement in site.url_identity:
            normal = pattern.sub(replacement, normal)
    parts = urlsplit(normal)
    host = (parts.hostname or "").removeprefix("www.")
    if site is not None:
        host = site.host_aliases.get(host, host)
    return urlunsplit(("https", host, parts.path, parts.query, ""))


def content_hash(body: str) -> str:
    """sha256 of the folded body: case, punctuation, spacing and line ends do not count."""
    return hashlib.sha256(fingerprint_text(body).encode("utf-8")).hexdigest()


def _names_article(url: str | None) -> bool:
    """Whether url is an article URL of a site whose article URLs are known (RFE/RL's /a/<id>)."""
    normal = normalize_url(url)
    site: Site | None = site_for_url(normal) if normal else None
    pattern = site.crawl.article_url if site is not None else None
    return bool(pattern is not None and normal and pattern.match(normal.split("?", 1)[0]))


def article_id(key: str | None, chash: str) -> str:
    """Stable across runs: from the URL identity when there is one, else from the content hash."""
    basis = f"url:{key}" if key else f"body:{chash}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:20]


# LSH banding tuned against missed pairs (false negatives), not extra candidates: every candidate
# is checked against the threshold with its signature anyway, so a false positive costs a
# comparison (~2 us) while a false negative loses a duplicate. datasketch's even weights give
# 8 bands of 8 rows at threshold 0.7, which finds a pair at similarity 0.8 only 77% of the time;
# these give 10 bands of 6 rows: 95% at 0.8, 99% at 0.85.
LSH_WEIGHTS = (0.2, 0.8)


@dataclass(slots=True)
class Decision:
    """What dedupe decided for one record: kept under article_id, or a duplicate of it."""

    article_id: str
    url_key: str | None
    content_hash: str
    duplicate: Duplicate | None = None
    revises: bool = False  # a newer version of an article already kept under article_id


@dataclass(frozen=True, slots=True)
class Replacement:
    """Why a kept article gives way: the article that replaces it, the kind and the similarity."""

    article_id: str
    kind: str
    similarity: float


@dataclass
class Deduper:
    """The dedupe state of a curated dataset: what earlier runs kept, plus this run so far."""

    cfg: DedupeSettings
    urls: dict[str, str] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    teaser_ids: set[str] = field(default_factory=set)
    # Indexed articles: id -> row of both indexes, and row -> id.
    _rows: dict[str, int] = field(default_factory=dict)
    _ids: list[str] = field(default_factory=list)
    _lsh_body: LSH | None = None
    _lsh_lead: LSH | None = None
    # Articles kept by an earlier run that a better record of this run replaces: a teaser by its
    # full article, a URL-less text dump by the same article with its URL. old id -> replacement.
    superseded: dict[str, Replacement] = field(default_factory=dict)
    # Kept articles that have no URL (text dumps), and those kept by this run.
    no_url: set[str] = field(default_factory=set)
    this_run: set[str] = field(default_factory=set)
    # When the kept version of each article with a URL was fetched: a later fetch with another
    # text is a revision of it.
    fetched: dict[str, dt.datetime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lsh_body = LSH(self.cfg.threshold, self.cfg.num_perm, LSH_WEIGHTS)
        self._lsh_lead = LSH(self.cfg.teaser_threshold, self.cfg.num_perm, LSH_WEIGHTS)

    def __len__(self) -> int:
        return len(self._ids)

    # --- state from earlier runs -------------------------------------------------------------

    def load(
        self,
        kept: Iterable[tuple[Any, ...]],
        sigs: Iterable[tuple[str, str, bytes]],
    ) -> list[str]:
        """kept: (article_id, url, content_hash, is_teaser[, fetched_at]) of committed articles;
        sigs: stored signatures (of an article revised since, the last one read wins).

        Returns the ids of kept articles without signatures of the current scheme (stored by an
        older version): the caller recomputes them from the bodies and passes them to index().
        """
        alive = set()
        for aid, url, chash, is_teaser, *fetched_at in kept:
            alive.add(aid)
            key = url_key(url)
            if key:
                self.urls.setdefault(key, aid)
                if fetched_at and fetched_at[0] is not None:
                    self.fetched[aid] = fetched_at[0]
            self.hashes.setdefault(chash, aid)
            if is_teaser:
                self.teaser_ids.add(aid)
            if not key:
                self.no_url.add(aid)
        pending: dict[str, dict[str, np.ndarray]] = {}
        for aid, kind, raw in sigs:
            if aid in alive and kind in (BODY_KIND, LEAD_KIND):
                pending.setdefault(aid, {})[kind] = np.frombuffer(raw, dtype=np.uint32)
        for aid, parts in pending.items():
            if BODY_KIND in parts and LEAD_KIND in parts:
                self.index(aid, Signatures(parts[BODY_KIND], parts[LEAD_KIND]))
        return sorted(alive - self._rows.keys())

    def index(self, aid: str, sig: Signatures) -> None:
        """Make a kept article findable by near-duplicate and teaser lookups."""
        if aid in self._rows:
            return
        row = self._lsh_body.add(np.asarray(sig.body, dtype=np.uint32))
        self._lsh_lead.add(np.asarray(sig.lead, dtype=np.uint32))
        self._rows[aid] = row
        self._ids.append(aid)

    # --- decisions ---------------------------------------------------------------------------

    def decide(self, article: Article, sig: Signatures, chash: str) -> Decision:
        """Keep the article (and index it) or name the article it duplicates."""
        key = url_key(article.url)
        if key and key in self.urls:
            kept = self.urls[key]
            similarity = self._text_similarity(kept, sig)
            newer = self._version_order(kept, article, chash, similarity)
            if newer is True:
                return self._revise(kept, article, key, chash, sig)
            if newer is False:  # an older version, read after the one kept
                return self._dup(article, key, chash, kept, "revision", similarity or 0.0)
            if similarity is None or similarity >= self.cfg.revision_body:
                return self._dup(article, key, chash, kept, "url", 1.0)
            # Two texts that are not the same article under one URL (pages naming their site's
            # front page as canonical): the URL does not identify them; their texts do.
            key = None
        aid = article_id(key, chash)
        match: tuple[str, str, float] | None = None
        if chash in self.hashes and self.hashes[chash] not in self.superseded:
            match = (self.hashes[chash], "exact", 1.0)
        else:
            # A full article is never the near duplicate of a teaser (the teaser gives way, below);
            # teasers are compared with each other and with full articles.
            exclude = set() if article.is_teaser else self.teaser_ids
            near = self._best(self._lsh_body, sig.body, self.cfg.threshold, exclude=exclude)
            if near is None and not article.is_teaser:
                near = self._revised(sig, exclude)
            if near is not None:
                match = (near[0], "near", near[1])
        if match is not None:
            kept, kind, sim = match
            if not (key and kept in self.no_url and kept not in self.this_run and not article.is_teaser):
                return self._dup(article, key, chash, kept, kind, sim)
            # The kept copy is a URL-less dump from an earlier run: this record, with its URL,
            # date and authors, replaces it.
            self.superseded[kept] = Replacement(aid, kind, sim)
        if article.is_teaser:
            lead = self._best(self._lsh_lead, sig.lead, self.cfg.teaser_threshold, exclude=self.teaser_ids)
            if lead is not None:
                return self._dup(article, key, chash, lead[0], "teaser", lead[1])
        else:
            # A full article replaces any kept teaser of it: the teaser becomes its duplicate.
            rows = self._lsh_lead.query(sig.lead)
            if rows:
                ids = self._ids
                sims = self._lsh_lead.similarities(rows, sig.lead).tolist()
                # In id order: the order datasketch's set gave was arbitrary.
                for teaser, similarity in sorted(zip((ids[r] for r in rows), sims, strict=True)):
                    if teaser in self.teaser_ids and similarity >= self.cfg.teaser_threshold:
                        self.superseded[teaser] = Replacement(aid, "teaser", similarity)
        if key:
            self.urls[key] = aid
        else:
            self.no_url.add(aid)
        self.hashes[chash] = aid
        if article.is_teaser:
            self.teaser_ids.add(aid)
        self.this_run.add(aid)
        if key and article.fetched_at is not None:
            self.fetched[aid] = article.fetched_at
        self.index(aid, sig)
        return Decision(aid, key, chash)

    def _version_order(
        self, kept: str, article: Article, chash: str, similarity: float | None
    ) -> bool | None:
        """Whether article is a newer (True) or older (False) version of the kept article of its
        URL; None when it is not another version: the same text, a teaser, or no fetch times to
        order them by (saved pages, text dumps), which leaves the URL rules as they were."""
        kept_at = self.fetched.get(kept)
        if article.is_teaser or kept in self.teaser_ids or kept in self.superseded:
            return None
        if kept_at is None or article.fetched_at is None or article.fetched_at == kept_at:
            return None
        if self.hashes.get(chash) == kept:
            return None  # the text of a version already seen: a refetch that changed nothing
        # An update can rewrite a short breaking item wholesale; the URL of a site whose article
        # URLs are known still names that article. Elsewhere the texts must agree.
        alike = similarity is None or similarity >= self.cfg.revision_body
        if not (alike or _names_article(article.url)):
            return None
        return article.fetched_at > kept_at

    def _revise(self, aid: str, article: Article, key: str, chash: str, sig: Signatures) -> Decision:
        """Keep article as the current version of aid: its text and signature replace the old
        ones in the indexes (the old rows stay in the LSH, still naming aid)."""
        self.hashes[chash] = aid
        assert article.fetched_at is not None
        self.fetched[aid] = article.fetched_at
        self.this_run.add(aid)
        row = self._lsh_body.add(np.asarray(sig.body, dtype=np.uint32))
        self._lsh_lead.add(np.asarray(sig.lead, dtype=np.uint32))
        self._rows[aid] = row
        self._ids.append(aid)
        return Decision(aid, key, chash, revises=True)

    def body_similarity(self, aid: str, body: np.ndarray) -> float | None:
        """Estimated Jaccard similarity of a body signature to aid's current version."""
        row = self._rows.get(aid)
        return None if row is None else float(self._lsh_body.similarities([row], body)[0])

    def _text_similarity(self, kept: str, sig: Signatures) -> float | None:
        """How alike a kept article's text is to sig's: the larger of the body similarity and
        the opening's (an updated article keeps its opening). None when it is not indexed."""
        row = self._rows.get(kept)
        if row is None:
            return None
        body = float(self._lsh_body.similarities([row], sig.body)[0])
        lead = float(self._lsh_lead.similarities([row], sig.lead)[0])
        return max(body, lead)

    def _revised(self, sig: Signatures, exclude: set[str]) -> tuple[str, float] | None:
        """A kept article this one revises: the same opening and most of the same text.

        A corrected copy or a print view of a short article differs in a sentence or two, which
        on 100 words takes its whole-body similarity under the threshold. Its opening is the
        article's, though; two articles that only share an opening share little else (their
        body similarity stays near 0.2-0.3), so an equal opening with half the text shared is
        the same article.
        """
        rows = self._lsh_lead.query(sig.lead)
        if not rows:
            return None
        leads = self._lsh_lead.similarities(rows, sig.lead).tolist()
        bodies = self._lsh_body.similarities(rows, sig.body).tolist()
        best: tuple[str, float] | None = None
        for row, lead, body in zip(rows, leads, bodies, strict=True):
            cand = self._ids[row]
            if cand in exclude or cand in self.superseded or cand in self.teaser_ids:
                continue
            alike = lead >= self.cfg.revision_lead and body >= self.cfg.revision_body
            if alike and (best is None or body > best[1] or (body == best[1] and cand < best[0])):
                best = (cand, body)
        return best

    def _best(
        self,
        lsh: LSH,
        values: np.ndarray,
        threshold: float,
        exclude: set[str],
    ) -> tuple[str, float] | None:
        best: tuple[str, float] | None = None
        rows = lsh.query(values)
        if not rows:
            return None
        ids = self._ids
        for row, sim in zip(rows, lsh.similarities(rows, values).tolist(), strict=True):
            cand = ids[row]
            if cand in exclude or cand in self.superseded:
                continue
            if sim >= threshold and (best is None or sim > best[1] or (sim == best[1] and cand < best[0])):
                best = (cand, sim)
        return best

    def _dup(self, article: Article, key: str | None, chash: str, of: str, kind: str, sim: float) -> Decision:
        dup = Duplicate(
            fetched_at=article.fetched_at if kind == "revision" else None,
            raw_path=article.raw_path,
            raw_record=article.raw_record,
            raw_item=article.raw_item,
            duplicate_of=of,
            kind=kind,
            similarity=round(sim, 4),
            url=article.url,
            title=article.title,
        )
        return Decision(article_id(key, chash), key, chash, dup)

    def signature_rows(self, aid: str) -> list[tuple[str, str, bytes]]:
        row = self._rows[aid]
        return [
            (aid, BODY_KIND, self._lsh_body.signature(row).tobytes()),
            (aid, LEAD_KIND, self._lsh_lead.signature(row).tobytes()),
        ]
