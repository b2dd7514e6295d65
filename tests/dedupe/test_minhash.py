"""Vectorised MinHash: stable across processes, estimates Jaccard, and old signatures migrate."""

from __future__ import annotations

import hashlib
import random
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from conftest import ROOT

from pipeline.curation.driver import run_curation
from pipeline.dedupe.decisions import content_hash
from pipeline.dedupe.minhash import BODY_KIND, LEAD_KIND, fingerprints, minhash, signatures
from pipeline.settings import DedupeSettings, load_settings
from pipeline.store.readers import read_table
from pipeline.store.schemas import SIGNATURE_SCHEMA
from pipeline.text.normalise import fingerprint_text, fingerprint_words

WORDS = [f"w{i}" for i in range(5000)]


def _text(rng: random.Random, n: int) -> list[str]:
    return [rng.choice(WORDS) for _ in range(n)]


def _shingles(words: list[str], k: int = 5) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}


def test_values_do_not_depend_on_the_process_or_its_hash_seed():
    code = "from pipeline.dedupe.minhash import minhash; print(list(minhash('a b c d e f g'.split(), 5, 8)))"
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
    sig, chash = fingerprints(body, DedupeSettings())
    assert chash == content_hash(body)
    assert (sig.body == signatures(body, DedupeSettings()).body).all()


def _write_legacy_signatures(curated: Path) -> None:
    """Replace the stored signatures with datasketch-era ones (kinds 'body' and 'lead')."""
    sigs = read_table(curated, "_state/signatures")
    for path in (curated / "_state" / "signatures").glob("*.parquet"):
        path.unlink()
    legacy = pa.table(
        {
            "article_id": sigs.column("article_id"),
            "kind": [k.split(":")[0] for k in sigs.column("kind").to_pylist()],
            "hashvalues": sigs.column("hashvalues"),
        },
        schema=SIGNATURE_SCHEMA,
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
    kinds = read_table(curated, "_state/signatures").column("kind").to_pylist()
    assert kinds.count(BODY_KIND) == first.articles_total and kinds.count(LEAD_KIND) == first.articles_total
    third = run_curation(seeds_raw, curated, settings)
    assert third.signatures_migrated == 0


# --- the faster fingerprints give the values of the straightforward implementation ------------

# Signatures (body, lead) and content hashes of FIXED_TEXTS under two settings, as computed by the
# scheme-w64 implementation before fingerprints() shared the lead's work with the body's: stored
# signatures of earlier runs are compared with new ones, so these must never change under SCHEME.
FIXED_TEXTS = [
    "",
    "One.",
    "Dushanbe, 3 May — the talks ended; nobody said more.",
    "Душанбе: ҳукумати Тоҷикистон\u00a0эълон кард, ки музди меҳнат 20% зиёд мешавад."
    "\n\nﬁnal Ⅻ x² café CAFÉ Straße",
    " ".join(f"w{i % 97}" for i in range(59)),
    " ".join(f"w{i % 97}" for i in range(61)),
    " ".join(f"word{(i * 7919) % 1013}" for i in range(800)),
]
FIXED_DIGEST = "2010942b8d49a73160639b90af3c3cd78bcee104c4bcceae84542835e7cc3454"


def test_fingerprints_of_fixed_texts_are_those_of_earlier_versions():
    digest = hashlib.sha256()
    for cfg in (DedupeSettings(), DedupeSettings(num_perm=128, shingle_words=3, lead_words=2)):
        for text in FIXED_TEXTS:
            sig, chash = fingerprints(text, cfg)
            assert sig.body.dtype == sig.lead.dtype == np.uint32
            digest.update(sig.body.tobytes() + sig.lead.tobytes() + chash.encode())
    assert digest.hexdigest() == FIXED_DIGEST


def _reference_fingerprints(body: str, cfg: DedupeSettings) -> tuple[np.ndarray, np.ndarray, str]:
    """The straightforward form: fold, split, and MinHash the body and its lead separately."""
    folded = " ".join(re.findall(r"\w+", unicodedata.normalize("NFKC", body).casefold()))
    words = folded.split()
    body_sig = minhash(words, cfg.shingle_words, cfg.num_perm)
    lead_sig = minhash(words[: cfg.lead_words], cfg.shingle_words, cfg.num_perm)
    return body_sig, lead_sig, hashlib.sha256(folded.encode("utf-8")).hexdigest()


def test_fingerprints_equal_the_reference_on_random_texts_and_settings():
    rng = random.Random(11)
    # Odd spaces, zero-width and combining characters, ligatures, superscripts, Cyrillic, Tajik.
    alphabet = list("abxyz ЖжӣӢ .,-'\t\n_5²½ﬁÅ\u00a0\u2009\u200b\u1680\u2028\u3000\u0301ǅİß")
    vocab = ["word", "Слово", "ҳукумат", "DUSHANBE", "it's", "e-mail", "ﬁnance", "x²"]
    for _ in range(600):
        n = rng.choice([0, 1, 2, 4, 5, 6, 7, 10, 59, 60, 61, 65, 300])
        if rng.random() < 0.5:
            body = "".join(rng.choice(alphabet) for _ in range(3 * n))
        else:
            body = " ".join(rng.choice(vocab) for _ in range(n))
        cfg = DedupeSettings(
            num_perm=rng.choice([16, 64]),
            shingle_words=rng.choice([1, 3, 5, 8]),
            lead_words=rng.choice([0, 2, 5, 7, 60]),
        )
        sig, chash = fingerprints(body, cfg)
        ref_body, ref_lead, ref_hash = _reference_fingerprints(body, cfg)
        assert chash == ref_hash, body
        assert (sig.body == ref_body).all() and (sig.lead == ref_lead).all(), (body, cfg)
        assert sig.body is not sig.lead


def test_fingerprint_words_are_the_split_fingerprint_text():
    text = "a\u00a0b\u2028c\x1cd\x85e — ﬁ² Ǆ x_y 3.5 Straße"
    assert fingerprint_words(text) == fingerprint_text(text).split()
