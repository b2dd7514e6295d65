"""Language of an article as ISO 639-1, from the text itself with the page's declaration as a hint.

No model is shipped: the three outlets publish in English, Russian and Tajik, and these are told
apart reliably by script, Tajik-only letters and stop words. Other languages give the hint or None.
"""

from __future__ import annotations

import re

_CYRILLIC_RUNS = re.compile(r"[\u0400-\u04ff]+")
# Every byte but the ASCII letters, deleted to count them.
_NOT_LATIN = bytes(b for b in range(256) if not (65 <= b <= 90 or 97 <= b <= 122))
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
    if sample.isascii():
        return _ascii_language(sample, hint)
    return _any_language(sample, hint)


def _any_language(sample: str, hint: str | None) -> str | None:
    # Counted without a list of one-character matches (a third of the cost per page, before).
    cyr = sum(map(len, _CYRILLIC_RUNS.findall(sample)))
    lat = len(sample.encode("ascii", "ignore").translate(None, _NOT_LATIN))
    if cyr == 0 and lat == 0:
        return _normalize_hint(hint)
    if cyr > lat:
        tajik = len(_TAJIK_LETTERS.findall(sample))
        return "tg" if tajik >= max(2, cyr // 200) else "ru"
    lowered = sample.lower()
    if len(lowered) == len(sample):
        # Lowercasing keeps every character a letter or not, so the words are the same ones.
        words = _WORD.findall(lowered)
        stop = sum(map(_EN_STOP.__contains__, words))
    else:  # a letter that lowercases to two (Turkish dotted I): word by word, as the words split
        words = _WORD.findall(sample)
        stop = sum(w.lower() in _EN_STOP for w in words)
    if words and stop / len(words) > 0.08:
        return "en"
    return _normalize_hint(hint)


# ASCII letters lowercased, every other byte a space: the words of an ASCII text by bytes.split().
_ASCII_WORDS = bytes(b + 32 if 65 <= b <= 90 else b if 97 <= b <= 122 else 32 for b in range(256))
_EN_STOP_BYTES = frozenset(word.encode("ascii") for word in _EN_STOP)


def _ascii_language(sample: str, hint: str | None) -> str | None:
    """_any_language for ASCII text, where _WORD's words are the runs of ASCII letters.

    No Cyrillic, so English or the hint; the words split out of bytes cost a third of the regex.
    """
    words = sample.encode("ascii").translate(_ASCII_WORDS).split()
    if not words:
        return _normalize_hint(hint)
    stop = sum(map(_EN_STOP_BYTES.__contains__, words))
    if stop / len(words) > 0.08:
        return "en"
    return _normalize_hint(hint)


def _normalize_hint(hint: str | None) -> str | None:
    if not hint:
        return None
    code = hint.strip().lower().replace("_", "-").split("-")[0]
    return code if re.fullmatch(r"[a-z]{2}", code) else None
