"""The compact LSH index: datasketch's banding, and the candidates a brute-force scan finds."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.dedupe import lsh as lsh_module
from pipeline.dedupe.decisions import LSH_WEIGHTS
from pipeline.dedupe.lsh import LSH, optimal_bands


@pytest.mark.parametrize("threshold", [0.5, 0.6, 0.7, 0.75, 0.8, 0.9])
@pytest.mark.parametrize("num_perm", [64, 128])
def test_bands_are_datasketchs_choice(threshold, num_perm):
    datasketch = pytest.importorskip("datasketch")
    expected = datasketch.MinHashLSH(threshold, num_perm, weights=LSH_WEIGHTS)
    assert optimal_bands(threshold, num_perm, LSH_WEIGHTS) == (expected.b, expected.r)


def test_default_banding_is_ten_bands_of_six_rows():
    assert optimal_bands(0.7, 64, LSH_WEIGHTS) == (10, 6)


def _signatures(rng: np.random.Generator, n: int, num_perm: int = 64) -> np.ndarray:
    """Clusters of related signatures: each a base with a share of its values replaced."""
    sigs = []
    while len(sigs) < n:
        base = rng.integers(0, 2**32 - 1, num_perm, dtype=np.uint32)
        for _ in range(int(rng.integers(1, 6))):
            copy = base.copy()
            # few values (tiny alphabet) so that unrelated signatures share bands too
            edits = rng.random(num_perm) < rng.uniform(0.0, 0.6)
            copy[edits] = rng.integers(0, 3, int(edits.sum()), dtype=np.uint32)
            sigs.append(copy)
    return np.array(sigs[:n], dtype=np.uint32)


@pytest.mark.parametrize("merge_every", [7, 100_000])
def test_candidates_are_those_of_a_brute_force_scan(monkeypatch, merge_every):
    monkeypatch.setattr(lsh_module, "MERGE_EVERY", merge_every)
    rng = np.random.default_rng(11)
    sigs = _signatures(rng, 400)
    index = LSH(0.7, 64, LSH_WEIGHTS)
    b, r = index.bands, index.rows_per_band
    bands = sigs[:, : b * r].reshape(len(sigs), b, r)
    pairs_found = pairs_above = 0
    for i, sig in enumerate(sigs):
        # Brute force over the rows indexed so far: shares a whole band; estimated Jaccard.
        shares = (bands[:i] == bands[i]).all(axis=2).any(axis=1)
        expected = np.flatnonzero(shares).tolist()
        got = index.query(sig)
        assert got == expected
        jaccard = (sigs[:i] == sig).mean(axis=1)
        above = set(np.flatnonzero(jaccard >= 0.7).tolist())
        pairs_above += len(above)
        pairs_found += len(above & set(got))
        if got:
            assert np.allclose(index.similarities(got, sig), jaccard[got])
        assert index.add(sig) == i
        assert (index.signature(i) == sig).all()
    assert pairs_above > 50 and pairs_found / pairs_above > 0.9


class _Values:
    """What datasketch's MinHashLSH reads of a MinHash."""

    def __init__(self, values: np.ndarray) -> None:
        self.hashvalues = values

    def __len__(self) -> int:
        return len(self.hashvalues)


def test_same_candidates_as_datasketch():
    datasketch = pytest.importorskip("datasketch")
    rng = np.random.default_rng(5)
    sigs = _signatures(rng, 300)
    theirs = datasketch.MinHashLSH(0.7, 64, weights=LSH_WEIGHTS)
    ours = LSH(0.7, 64, LSH_WEIGHTS)
    for i, sig in enumerate(sigs):
        mh = _Values(sig)
        assert ours.query(sig) == sorted(theirs.query(mh))
        theirs.insert(i, mh)
        ours.add(sig)
