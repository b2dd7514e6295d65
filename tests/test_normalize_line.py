"""normalize_line's shortcut (one search instead of three substitutions) changes no line."""

from __future__ import annotations

import random
import re
import unicodedata

from pipeline.textnorm import normalize_line


def _reference(text: str) -> str:
    """normalize_line as it was first written: every substitution, always."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]", "", text)
    text = re.sub(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\f\v]", " ", text)
    return re.sub(r" {2,}", " ", text).strip()


def test_normalize_line_matches_the_reference():
    rng = random.Random(3)
    alphabet = [*"ab  .\n\t\f\v", "\u00a0", "\u2009", "\u3000", "\u200b", "\u00ad", "\ufeff"]
    alphabet += ["e\u0301", "д", "\u2028"]
    for _ in range(5000):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 14)))
        assert normalize_line(text) == _reference(text), repr(text)
