"""Vectorised MinHash: stable across processes, estimates Jaccard, and old signatures migrate."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from conftest import ROOT

from pipeline import store
from pipeline.curate import run_curation
from pipeline.dedupe import BODY_KIND, LEAD_KIND, content_hash, fingerprints, signatures
from pipeline.minhash import minhash
from pipeline.settings import Dedupe, load_settings

WORDS = [f"w{i}" for i in range(5000)]


def _text(rng: random.Random, n: int) -> list[str]:
    return [rng.choice(WORDS) for _ in range(n)]


def _shingles(words: list[str], k: int = 5) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}


def test_values_do_not_depend_on_the_process_or_its_hash_seed():
    code = "from pipeline.minhash import minhash; print(list(minhash('a b c d e f g'.split(), 5, 8)))"
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    here = str(list(minhash(["a", "b", "c", "d", "e", "f", "g"], 5, 8))) + "\n"
    assert outs == {here}


def test_estimates_jaccard_similarity_without_bias():
    rng = random.Random(7)
    errors = []
    for _ in range(120):
        a = _text(rng, rng.randint(100, 600))
        b = [w if rng.random() > 0.04 else "edit" for w in a]
        true = len(_shingles(a) & _shingles(b)) / len(_shingles(a) | _shingles(b))
        errors.append(float(np.mean(minhash(a, 5, 128) == minhash(b, 5, 128))) - true)
    assert abs(np.mean(errors)) < 0.02
    assert np.std(errors) < 0.06  # binomial: sqrt(J(1-J)/128) <= 0.045


def test_unrelated_texts_share_almost_no_values_and_order_matters():
    rng = random.Random(3)
    a, b = _text(rng, 400), _text(rng, 400)
    assert np.mean(minhash(a, 5, 64) == minhash(b, 5, 64)) < 0.05
    assert np.mean(minhash(a, 5, 64) == minhash(a[::-1], 5, 64)) < 0.05


def test_short_and_empty_texts():
    assert (minhash([], 5, 16) == np.uint32(2**32 - 1)).all()
    short = minhash(["one", "two"], 5, 16)
    assert (short == minhash(["one", "two"], 5, 16)).all() and not (short == np.uint32(2**32 - 1)).all()
    assert minhash(["one", "two"], 5, 16).dtype == np.uint32


def test_fingerprints_agree_with_the_separate_functions():
    body = "The Dushanbe talks, on migrants' rights, ended.\n\nMoscow said nothing more."
    sig, chash = fingerprints(body, Dedupe())
    assert chash == content_hash(body)
    assert (sig.body == signatures(body, Dedupe()).body).all()


def _write_legacy_signatures(curated: Path) -> None:
    """Replace the stored signatures with datasketch-era ones (kinds 'body' and 'lead')."""
    sigs = store.read_table(curated, "_state/signatures")
    for path in (curated / "_state" / "signatures").glob("*.parquet"):
        path.unlink()
    legacy = pa.table(
        {
            "article_id": sigs.column("article_id"),
            "kind": [k.split(":")[0] for k in sigs.column("kind").to_pylist()],
            "hashvalues": sigs.column("hashvalues"),
        },
        schema=store.SIGNATURE_SCHEMA,
    )
    pq.write_table(legacy, curated / "_state" / "signatures" / "part-legacy.parquet")


def test_signatures_of_an_older_scheme_are_recomputed_from_the_bodies(seeds_raw, tmp_path):
    settings = load_settings(config_path="/nonexistent", env={})
    curated = tmp_path / "curated"
    first = run_curation(seeds_raw, curated, settings)
    _write_legacy_signatures(curated)

    # A lightly edited copy of a kept article, under a new name: only the migrated signatures
    # can find it (its URL and exact hash differ).
    source = sorted(seeds_raw.glob("*.txt"))[2]
    text = source.read_text(encoding="utf-8")
    edited = text.replace("the", "teh", 1) + "\nOne added closing sentence for the copy.\n"
    (seeds_raw / "zz_copy.txt").write_text(edited, encoding="utf-8")
    second = run_curation(seeds_raw, curated, settings)

    assert second.signatures_migrated == first.articles_total
    assert second.duplicates == {"near": 1}
    kinds = store.read_table(curated, "_state/signatures").column("kind").to_pylist()
    assert kinds.count(BODY_KIND) == first.articles_total and kinds.count(LEAD_KIND) == first.articles_total
    third = run_curation(seeds_raw, curated, settings)
    assert third.signatures_migrated == 0
