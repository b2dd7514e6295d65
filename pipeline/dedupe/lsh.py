"""A compact MinHash LSH index on numpy: the decisions of datasketch's MinHashLSH, a fraction of its memory.

datasketch keeps, for every article and band, a bytes key in a Python dict of sets (several KB an
article for two indexes). Here an index is:

- the signatures, one growing uint32 matrix (rows added by amortised doubling);
- for the bands of rows indexed a while ago, one sorted int64 array of band hashes (the band
  number is part of the hash, so all bands share one array) and a parallel int32 array of rows:
  12 bytes a band, looked up with one np.searchsorted for all bands;
- for the rows indexed since the last merge, a dict from band hash to row (or list of rows),
  merged into the sorted arrays when it holds MERGE_EVERY entries (a linear merge).

The candidates of a query are the rows that share at least one whole band with it, as in
datasketch: a band-hash match is confirmed against the stored signature, so a hash collision
never adds a candidate. Bands and rows per band are datasketch's choice for the threshold and the
weights (false positives against false negatives), computed here without scipy.
"""

from __future__ import annotations

import functools

import numpy as np

# Entries (article x band) held in the dict of recent additions before it is merged.
MERGE_EVERY = 1 << 15


def _gauss(fun, lo: float, hi: float) -> float:
    # 64-point Gauss-Legendre: exact for polynomials of degree <= 127; (1 - s^r)^b has degree
    # r * b <= num_perm.
    nodes, weights = _legendre()
    half = (hi - lo) / 2
    return float(half * np.sum(weights * fun(half * nodes + (hi + lo) / 2)))


@functools.cache
def _legendre() -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(64)


@functools.cache
def optimal_bands(threshold: float, num_perm: int, weights: tuple[float, float]) -> tuple[int, int]:
    """(bands, rows per band) minimising the weighted false positive and negative areas.

    datasketch's _optimal_param, with its integrals (of polynomials) by Gauss-Legendre instead of
    scipy's quad; the same choice for every threshold tested (tests/dedupe/test_lsh.py).
    """
    fp_weight, fn_weight = weights
    best, opt = float("inf"), (0, 0)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = _gauss(lambda s, b=b, r=r: 1 - (1 - s ** float(r)) ** float(b), 0.0, threshold)
            fn = _gauss(lambda s, b=b, r=r: (1 - s ** float(r)) ** float(b), threshold, 1.0)
            error = fp * fp_weight + fn * fn_weight
            if error < best:
                best, opt = error, (b, r)
    return opt


class LSH:
    """Signatures by row, and the rows sharing a band with a query signature."""

    def __init__(self, threshold: float, num_perm: int, weights: tuple[float, float]) -> None:
        self.num_perm = num_perm
        self.bands, self.rows_per_band = optimal_bands(threshold, num_perm, weights)
        self.width = self.bands * self.rows_per_band
        self._sigs = np.empty((16, num_perm), dtype=np.uint32)
        self._n = 0
        self._keys = np.empty(0, dtype=np.int64)  # sorted band hashes of merged rows
        self._key_rows = np.empty(0, dtype=np.int32)
        self._recent: dict[int, int | list[int]] = {}
        # The last signature's band hashes: a decision queries a signature, then adds it.
        self._last: tuple[bytes, tuple[int, ...]] = (b"", ())

    def __len__(self) -> int:
        return self._n

    def signature(self, row: int) -> np.ndarray:
        return self._sigs[row]

    def band_hashes(self, sig: np.ndarray) -> tuple[int, ...]:
        """A hash of each band of sig (with its band number): Python's hash of the band's bytes.

        Salted per process, which is harmless: the index is rebuilt from the signatures in every
        run, and a match is confirmed against the signatures, so decisions never depend on it.
        The hashes of the last signature are kept: add() after query() of the same signature
        does not hash it again.
        """
        data = sig[: self.width].tobytes()
        last_data, last_hashes = self._last
        if data == last_data:
            return last_hashes
        step = 4 * self.rows_per_band
        hashes = tuple([hash((band, data[band * step : (band + 1) * step])) for band in range(self.bands)])
        self._last = (data, hashes)
        return hashes

    def add(self, sig: np.ndarray) -> int:
        """Index a signature; returns its row."""
        row = self._n
        if row == len(self._sigs):
            grown = np.empty((2 * len(self._sigs), self.num_perm), dtype=np.uint32)
            grown[:row] = self._sigs
            self._sigs = grown
        self._sigs[row] = sig
        self._n = row + 1
        recent = self._recent
        for key in self.band_hashes(sig):
            had = recent.get(key)
            if had is None:
                recent[key] = row
            elif isinstance(had, list):
                had.append(row)
            else:
                recent[key] = [had, row]
        if len(recent) >= MERGE_EVERY:
            self._merge()
        return row

    def _merge(self) -> None:
        keys: list[int] = []
        rows: list[int] = []
        for key, had in self._recent.items():
            if isinstance(had, list):
                keys.extend([key] * len(had))
                rows.extend(had)
            else:
                keys.append(key)
                rows.append(had)
        self._recent = {}
        new_keys = np.array(keys, dtype=np.int64)
        new_rows = np.array(rows, dtype=np.int32)
        order = np.lexsort((new_rows, new_keys))
        new_keys, new_rows = new_keys[order], new_rows[order]
        # New rows are larger than every merged row: after the equal keys keeps rows ascending.
        at = np.searchsorted(self._keys, new_keys, side="right")
        self._keys = np.insert(self._keys, at, new_keys)
        self._key_rows = np.insert(self._key_rows, at, new_rows)

    def query(self, sig: np.ndarray) -> list[int]:
        """Rows sharing at least one whole band with sig, ascending."""
        hashes = self.band_hashes(sig)
        found: set[int] = set()
        if len(self._keys):
            wanted = np.array(hashes, dtype=np.int64)
            lo = np.searchsorted(self._keys, wanted, side="left")
            hi = np.searchsorted(self._keys, wanted, side="right")
            for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
                if a < b:
                    found.update(self._key_rows[a:b].tolist())
        recent = self._recent
        if recent:
            for key in hashes:
                had = recent.get(key)
                if had is None:
                    continue
                if isinstance(had, list):
                    found.update(had)
                else:
                    found.add(had)
        if not found:
            return []
        rows = np.fromiter(sorted(found), dtype=np.int64, count=len(found))
        # Confirm a whole band is equal: a band-hash collision is not a candidate.
        shape = (len(rows), self.bands, self.rows_per_band)
        mine = sig[: self.width].reshape(1, self.bands, self.rows_per_band)
        theirs = self._sigs[rows, : self.width].reshape(shape)
        same = (theirs == mine).all(axis=2).any(axis=1)
        return rows[same].tolist()

    def similarities(self, rows: list[int], sig: np.ndarray) -> np.ndarray:
        """Estimated Jaccard similarity (share of equal values) of sig with each row's signature."""
        return np.count_nonzero(self._sigs[rows] == sig, axis=1) / self.num_perm
