"""The shortcuts in textnorm give what the plain versions gave: normalize_line (one search instead of
three substitutions) and word_count (bytes instead of a regex match per word)."""

from __future__ import annotations

import random
import re
import unicodedata

from pipeline.text.normalise import _count_words, _fold, normalize_line


def _reference(text: str) -> str:
    """normalize_line as it was first written: every substitution, always."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]", "", text)  # no Arabic script here
    text = re.sub(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\f\v]", " ", text)
    return re.sub(r" {2,}", " ", text).strip()


def test_normalize_line_matches_the_reference():
    rng = random.Random(3)
    alphabet = [*"ab  .\n\t\f\v", "\u00a0", "\u2009", "\u3000", "\u200b", "\u00ad", "\ufeff"]
    alphabet += ["e\u0301", "д", "\u2028"]
    for _ in range(5000):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 14)))
        assert normalize_line(text) == _reference(text), repr(text)


def test_the_non_joiner_of_a_persian_word_is_kept_and_dropped_elsewhere():
    """'می\u200cدهد' is one word in two joined parts: without the ZWNJ it is misspelt."""
    assert normalize_line("می\u200cدهد گفت\u200cوگو") == "می\u200cدهد گفت\u200cوگو"
    assert normalize_line("zero\u200cwidth") == "zerowidth"
    assert normalize_line("\u200cمی \u200c دهد\u200c") == "می دهد"
    assert normalize_line("д\u200cم") == "дم"  # a non-joiner needs an Arabic-script letter each side


def test_normalize_line_on_ascii_matches_the_reference():
    """The ASCII fast path (printable ASCII skips NFC and the odd-space search) changes nothing."""
    rng = random.Random(4)
    alphabet = [*"ab .,", "  ", "   ", *"\t\n\r\f\v\x00\x1f\x7f"]
    for _ in range(20000):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 16)))
        assert normalize_line(text) == _reference(text), repr(text)


def test_the_ascii_printable_test_is_str_isprintable():
    from pipeline.text.normalise import _ascii_printable

    for code in range(128):
        assert _ascii_printable(chr(code)) == chr(code).isprintable(), code
    rng = random.Random(6)
    for _ in range(5000):
        codes = [rng.choice((rng.randrange(32, 127), rng.randrange(128))) for _ in range(rng.randint(0, 20))]
        text = "".join(map(chr, codes))
        assert _ascii_printable(text) == text.isprintable(), repr(text)


def test_word_characters_are_the_alphanumerics_and_underscore():
    """_count_words classifies non-ASCII characters with str.isalnum: that is exactly \\w."""
    word = re.compile(r"\w")
    for code in range(0x110000):
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        assert bool(word.match(char)) == (char.isalnum() or char == "_"), hex(code)


def test_word_count_matches_a_regex_count():
    rng = random.Random(5)
    odd = ["é", "д", "’", "«", "»", "—", "\u0301", "\u00a0", "\U0001f600", "٣", "ǅ", "\u200b", "\ud800"]
    for _ in range(20000):
        text = "".join(rng.choices([*"ab_ 1.\n-'", *odd], k=rng.randint(0, 20)))
        text += "".join(rng.choices("abc .", k=rng.randint(0, 40)))  # mostly ASCII: the byte path
        assert _count_words(text) == len(re.findall(r"\w+", text)), repr(text)


def test_ascii_fold_matches_the_unicode_fold():
    """_fold's ASCII path (lower, translate, split) gives NFKC + casefold + \\w+ runs."""
    every_ascii = "".join(chr(c) for c in range(128))
    assert _fold(every_ascii) == re.findall(r"\w+", unicodedata.normalize("NFKC", every_ascii).casefold())
    rng = random.Random(7)
    alphabet = [*"aZ9_ .,-'\t\n\r\x00\x7f\x1f!?/\\", "Ab", "x_Y", "12"]
    for _ in range(20000):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 30)))
        assert text.isascii()
        assert _fold(text) == re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold()), repr(text)


def _paragraph_lists():
    """Random paragraph lists with repeats, pull quotes, odd spaces and zero-width characters."""
    rng = random.Random(11)
    words = ["Dushanbe", "migrants", "Россия", "ва", "the", "base", "201st", "ﬁre", "Straße", "e\u0301"]
    words += ["soft\u00adhyphen", "zero\u200bwidth"]  # one word once normalised, two before
    ends = [".", "", "!", "\u200b", "\u00a0"]
    for _ in range(3000):
        sentences = [
            " ".join(rng.choices(words, k=rng.randint(1, 12))) + rng.choice(ends)
            for _ in range(rng.randint(0, 8))
        ]
        paragraphs = [rng.choice(sentences) if sentences and rng.random() < 0.3 else s for s in sentences]
        if paragraphs and rng.random() < 0.3:  # a pull quote: part of another paragraph
            longest = max(paragraphs, key=len)
            paragraphs.insert(0, longest[: len(longest) // 2])
        yield [normalize_line(p) if rng.random() < 0.8 else p for p in paragraphs]


def test_body_and_words_is_drop_then_join_and_its_words_are_the_bodys():
    """One folding of the paragraphs serves the pull-quote test and the signatures, unchanged."""
    from pipeline.text import normalise as textnorm

    for paragraphs in _paragraph_lists():
        body = textnorm.body_and_words(paragraphs)
        assert body == textnorm.join_paragraphs(textnorm.drop_repeated_paragraphs(paragraphs))
        fresh = "".join(list(body))  # an equal string, but another object: folded from scratch
        assert textnorm.fingerprint_words(body) == textnorm._fold(fresh), paragraphs
        assert textnorm.fingerprint_text(body) == " ".join(textnorm._fold(fresh))


def test_remembered_words_are_a_copy():
    from pipeline.text import normalise as textnorm

    body = textnorm.body_and_words(["First paragraph of words here.", "Second one, also words."])
    textnorm.fingerprint_words(body).append("mutated")
    assert textnorm.fingerprint_words(body) == ["first", "paragraph", "of", "words", "here"] + [
        "second",
        "one",
        "also",
        "words",
    ]


def test_bracketed_cross_links_are_cut_from_paragraphs_and_other_brackets_stay() -> None:
    from pipeline.text.normalise import without_cross_links

    paragraphs = [
        "Moscow wrote off the debt. [For additional information see the Insight archive] Talks go on.",
        "[See also: Tajikistan renews the base lease]",
        "Власти промолчали. [Читайте также: Переговоры о базе]",
        "The ministry said [the figures] were provisional [citation pending].",
    ]
    assert without_cross_links(paragraphs) == [
        "Moscow wrote off the debt. Talks go on.",
        "Власти промолчали.",
        "The ministry said [the figures] were provisional [citation pending].",
    ]
