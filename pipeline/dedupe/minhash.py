"""MinHash signatures of word shingles, vectorised: several times cheaper than datasketch's.

Computed in the workers, so this module imports neither datasketch nor pyarrow.

datasketch hashes every shingle with sha1 in a Python loop (~0.9 ms for a 700-word article), too
slow for 100,000 articles a minute next to the LSH. Here each distinct word is hashed once (a
stable blake2b, cached per process), the k-word windows are combined with numpy in one pass, and
the universal-hash permutations are datasketch's own (same seed, same a and b, same arithmetic),
so the values are MinHash values in datasketch's sense and its MinHashLSH indexes them unchanged.

The shingle hash differs from datasketch's sha1, so signatures made here are not comparable with
signatures made by datasketch: they are stored under their own kind names (SCHEME), and older ones
are recomputed from the article bodies (see pipeline.dedupe.decisions.Deduper.load).

Deterministic across processes and machines: never Python's salted hash().
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

import numpy as np

from pipeline.settings import DedupeSettings
from pipeline.text.normalise import fingerprint_words

# The name of this way of hashing shingles; part of the stored signature kind.
SCHEME = "w64"

_MAX_HASH = np.uint64((1 << 32) - 1)
# Odd 64-bit multiplier for the polynomial combination of a window's word hashes.
_WINDOW_BASE = np.uint64(0x9E3779B97F4A7C15)
# Above this many distinct cached words the cache is emptied (bounded memory in a worker).
_CACHE_LIMIT = 1_000_000
_word_cache: dict[str, int] = {}


@functools.cache
def _permutations(num_perm: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Random 64-bit (a, b) per permutation, as num_perm x 1 columns for broadcasting."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 63, num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = gen.randint(0, 1 << 63, num_perm, dtype=np.uint64) * np.uint64(2) + gen.randint(
        0, 2, num_perm, dtype=np.uint64
    )
    return a.reshape(-1, 1), b.reshape(-1, 1)


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def word_hashes(words: list[str]) -> np.ndarray:
    """A stable 64-bit hash per word; each distinct word is hashed once per process."""
    cache = _word_cache
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    try:
        # The common case, every word seen before: one C loop, no list of Python ints.
        return np.fromiter(map(cache.__getitem__, words), dtype=np.uint64, count=len(words))
    except KeyError:
        for word in words:
            if word not in cache:
                cache[word] = _word_hash(word)
        return np.fromiter(map(cache.__getitem__, words), dtype=np.uint64, count=len(words))


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit reaches the 32 bits kept."""
    with np.errstate(over="ignore"):
        values = (values ^ (values >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        values = (values ^ (values >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return values ^ (values >> np.uint64(31))


def shingle_hashes(hashes: np.ndarray, size: int) -> np.ndarray:
    """32-bit hashes of every window of `size` consecutive words (one window if fewer words)."""
    n = len(hashes)
    if n == 0:
        return np.empty(0, dtype=np.uint64)
    width = min(size, n)
    count = n - width + 1
    combined = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(width):  # h = sum w[i+j] * B^(width-1-j) mod 2^64, order-sensitive
            combined = combined * _WINDOW_BASE + hashes[j : j + count]
    return _mix(combined) >> np.uint64(32)


def _permuted(shingles: np.ndarray, num_perm: int) -> np.ndarray:
    """num_perm x shingles: a_i * x + b_i mod 2^64 for every permutation i and shingle hash x.

    Computed in place in one buffer: numpy's inner loop runs along the long, contiguous axis.
    """
    a, b = _permutations(num_perm)
    with np.errstate(over="ignore"):
        permuted = np.multiply(a, shingles.reshape(1, -1))
        permuted += b
    return permuted


def _values(permuted: np.ndarray) -> np.ndarray:
    """The MinHash values of the permuted shingles in the columns of `permuted`."""
    return (permuted.min(axis=1) >> np.uint64(32)).astype(np.uint32)


def _minhash_of_hashes(hashes: np.ndarray, size: int, num_perm: int) -> np.ndarray:
    shingles = shingle_hashes(hashes, size)
    if len(shingles) == 0:
        return np.full(num_perm, _MAX_HASH, dtype=np.uint32)
    return _values(_permuted(shingles, num_perm))


def minhash(words: list[str], size: int, num_perm: int) -> np.ndarray:
    """uint32[num_perm]: the MinHash of the word shingles of `words`; all 2^32-1 if no words.

    Permutation i maps a 32-bit shingle hash x to (a_i * x + b_i mod 2^64) >> 32, Dietzfelbinger's
    multiply-add-shift: strongly universal for 32-bit keys, and no division. The shift is monotone,
    so it is applied once, after the minimum.
    """
    return _minhash_of_hashes(word_hashes(words), size, num_perm)


def body_and_lead(
    words: list[str], size: int, num_perm: int, lead_words: int
) -> tuple[np.ndarray, np.ndarray]:
    """(minhash(words), minhash(words[:lead_words])), the values bit for bit, for about the cost of one.

    When the body has `size` words or more, the shingles of its first lead_words words are the
    body's first lead_words - size + 1 shingles: the lead's values are the minima over those
    columns of the body's permuted shingles, so nothing is hashed or permuted twice.
    """
    hashes = word_hashes(words)
    shingles = shingle_hashes(hashes, size)
    if len(shingles) == 0:
        empty = np.full(num_perm, _MAX_HASH, dtype=np.uint32)
        return empty, empty.copy()
    permuted = _permuted(shingles, num_perm)
    body = _values(permuted)
    lead_count = min(len(words), lead_words)
    if lead_count == len(words):
        return body, body.copy()
    if lead_count >= size:
        return body, _values(permuted[:, : lead_count - size + 1])
    return body, _minhash_of_hashes(hashes[:lead_count], size, num_perm)


@dataclass(frozen=True, slots=True)
class Signatures:
    """MinHash hash values of a body and of its opening words (uint32 arrays of num_perm)."""

    body: np.ndarray
    lead: np.ndarray


# Stored signature kinds carry the shingle-hash scheme: values of another scheme do not compare.
BODY_KIND = f"body:{SCHEME}"
LEAD_KIND = f"lead:{SCHEME}"


def signatures(body: str, cfg: DedupeSettings) -> Signatures:
    """Computed where the article is extracted (in a worker), so dedupe itself stays cheap."""
    return fingerprints(body, cfg)[0]


def fingerprints(body: str, cfg: DedupeSettings) -> tuple[Signatures, str]:
    """(signatures, content hash) from one folding of the body: folding costs as much as hashing."""
    words = fingerprint_words(body)
    sig = Signatures(*body_and_lead(words, cfg.shingle_words, cfg.num_perm, cfg.lead_words))
    return sig, hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()
