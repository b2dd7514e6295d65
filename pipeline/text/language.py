"""Language of an article as ISO 639-1, from the text itself with the page's declaration as a hint.

No model is shipped: the three outlets publish in English, Russian and Tajik, and these are told
apart reliably by script, Tajik-only letters and stop words; RFE/RL's other Central Asian and
Persian services by the letters their alphabets add (Kazakh, Kyrgyz, Uzbek, Turkmen, Persian,
Pashto). Other languages give the hint or None.
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
    """ISO 639-1 code of text: 'tg', 'ru', 'en', a Central Asian or Iranian language of RFE/RL's
    services, or the normalised hint when the text cannot tell."""
    sample = text[:4000]
    if sample.isascii():
        return _ascii_language(sample, hint)
    return _any_language(sample, hint)


def _any_language(sample: str, hint: str | None) -> str | None:
    # Counted without a list of one-character matches (a third of the cost per page, before).
    cyr = sum(map(len, _CYRILLIC_RUNS.findall(sample)))
    lat = len(sample.encode("ascii", "ignore").translate(None, _NOT_LATIN))
    if cyr == 0 and lat == 0:
        return _arabic_script_language(sample) or _normalize_hint(hint)
    if cyr > lat:
        return _cyrillic_language(sample, cyr)
    if not cyr and sum(map(len, _ARABIC_SCRIPT.findall(sample))) > lat:
        # Persian text with a few Latin letters in it ("XS SM MD LG", an agency's name).
        return _arabic_script_language(sample) or _normalize_hint(hint)
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
    return _latin_language(sample) or _normalize_hint(hint)


def _count_of(sample: str, letters: str) -> int:
    """How many of the sample's characters are among letters (the ones that tell a language)."""
    return sum(map(sample.count, letters))


def _cyrillic_language(sample: str, cyr: int) -> str:
    """Russian, or the Central Asian language whose own letters the text uses.

    Kazakh (ә, ұ), Uzbek (ў beside қ, ғ, ҳ; Belarusian has ў alone), Tajik (ӣ, ӯ, ҷ, ҳ, қ, ғ) and
    Kyrgyz (ң, ө, ү with none of the others) each add letters to Russian's alphabet; a few of them
    in a Russian text are a quoted name, so each needs two and one in 200 Cyrillic letters.
    """
    need = max(2, cyr // 200)
    central_asian = _count_of(sample, "қғҳҚҒҲ")
    if _count_of(sample, "әұӘҰ") >= need:
        return "kk"
    if _count_of(sample, "ўЎ") >= need and central_asian:
        return "uz"
    if len(_TAJIK_LETTERS.findall(sample)) >= need:
        return "tg"
    if _count_of(sample, "ңөүҢӨҮ") >= need and not central_asian:
        return "ky"
    return "ru"


_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]+")


def _arabic_script_language(sample: str) -> str | None:
    """Persian (and Dari) by the letters Arabic lacks (پ چ ژ گ), Pashto by its own (ټ ډ ړ ښ ځ ګ
    ...), or None: Arabic, Urdu and the rest are left to the hint."""
    total = sum(map(len, _ARABIC_SCRIPT.findall(sample)))
    need = max(2, total // 200)
    if not total or _count_of(sample, "ٹڈڑںے") >= need:  # Urdu
        return None
    if _count_of(sample, "ټډړږښځڅګۍې") >= need:
        return "ps"
    return "fa" if _count_of(sample, "پچژگ") >= need else None


def _latin_language(sample: str) -> str | None:
    """Uzbek (o‘ and g‘ with a turned comma or a quote) and Turkmen (ň beside ş or ä) in Latin
    script, or None."""
    letters = sum(ch.isalpha() for ch in sample)
    need = max(2, letters // 200)
    if len(_UZBEK_LATIN.findall(sample)) >= need:
        return "uz"
    if _count_of(sample, "ňŇ") >= need and _count_of(sample, "şäŞÄ") >= need:
        return "tk"
    return None


_UZBEK_LATIN = re.compile(r"[oOgG][ʻ‘']")


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
