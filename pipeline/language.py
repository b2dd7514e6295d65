"""Language of an article as ISO 639-1, from the text itself with the page's declaration as a hint.

No model is shipped: the three outlets publish in English, Russian and Tajik, and these are told
apart reliably by script, Tajik-only letters and stop words. Other languages give the hint or None.
"""

from __future__ import annotations

import re

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")
# Letters of the Tajik Cyrillic alphabet that Russian does not have.
_TAJIK_LETTERS = re.compile(r"[ӣӯҳқҷғӢӮҲҚҶҒ]")
_EN_STOP = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "a",
        "is",
        "that",
        "for",
        "on",
        "with",
        "as",
        "by",
        "was",
        "it",
        "from",
        "at",
        "are",
        "has",
        "have",
    ]
)
_WORD = re.compile(r"[^\W\d_]+")


def detect_language(text: str, hint: str | None = None) -> str | None:
    """ISO 639-1 code of text: 'tg', 'ru', 'en', or the normalised hint when the text cannot tell."""
    sample = text[:4000]
    cyr = len(_CYRILLIC.findall(sample))
    lat = len(_LATIN.findall(sample))
    if cyr == 0 and lat == 0:
        return _normalize_hint(hint)
    if cyr > lat:
        tajik = len(_TAJIK_LETTERS.findall(sample))
        return "tg" if tajik >= max(2, cyr // 200) else "ru"
    words = [w.lower() for w in _WORD.findall(sample)]
    if words and sum(w in _EN_STOP for w in words) / len(words) > 0.08:
        return "en"
    return _normalize_hint(hint)


def _normalize_hint(hint: str | None) -> str | None:
    if not hint:
        return None
    code = hint.strip().lower().replace("_", "-").split("-")[0]
    return code if re.fullmatch(r"[a-z]{2}", code) else None
