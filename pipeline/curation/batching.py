"""Input files into batches for the workers, in input order, read ahead only a little."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from pipeline.reading.listing import InputFile


def batches(items: Iterator[InputFile], size: int, workers: int = 1) -> Iterator[list[InputFile]]:
    """Consecutive batches of `size` items, in order; with several workers the last round is cut finer.

    A worker that gets the last full batch while the others have finished keeps the run waiting
    for up to a batch's time with cores idle. The last (workers + 1) * size items or fewer are
    split into batches of about size / 2 instead, so the workers finish close together. Items are
    read ahead by at most that many (a few hundred small records): memory stays flat.
    """
    if workers <= 1:
        yield from _fixed_batches(items, size)
        return
    hold = (workers + 1) * size
    ahead: deque[InputFile] = deque()
    for item in items:
        ahead.append(item)
        if len(ahead) > hold:
            yield [ahead.popleft() for _ in range(size)]
    rest = list(ahead)
    parts = -(-len(rest) // max(1, size // 2))  # ceil: pieces of at most half a batch
    for k in range(parts):  # parts <= len(rest): no piece is empty
        yield rest[k * len(rest) // parts : (k + 1) * len(rest) // parts]


def _fixed_batches(items: Iterator[InputFile], size: int) -> Iterator[list[InputFile]]:
    batch: list[InputFile] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
