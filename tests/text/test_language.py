"""Language detection: the three languages, RFE/RL's other services' languages, the hint, and the
ASCII shortcut equal to the general rule."""

from __future__ import annotations

import random

import pytest

from pipeline.text import language
from pipeline.text.language import detect_language


@pytest.mark.parametrize(
    ("text", "hint", "expected"),
    [
        ("The migrants were stopped at the airport and questioned for hours by the police.", None, "en"),
        ("Мигранты из Таджикистана были задержаны в аэропорту Москвы после проверки.", None, "ru"),
        ("Муҳоҷирони тоҷик дар фурудгоҳи Маскав боздошт шуданд ва соатҳо пурсиш шуданд.", None, "tg"),
        ("Zum Beispiel sprechen wir hier nur Deutsch mit allen Leuten.", "de-DE", "de"),
        ("12 345 678 -- 2024", "ru_RU", "ru"),
        ("", None, None),
        ("Qwerty zxcvb asdfg hjkl", "not a code", None),
    ],
)
def test_languages_and_hints(text: str, hint: str | None, expected: str | None) -> None:
    assert detect_language(text, hint=hint) == expected


def test_ascii_shortcut_equals_the_general_rule() -> None:
    """On ASCII text the bytes-split words are exactly the regex's words: same answer, always."""
    rng = random.Random(7)
    # The stop words (some capitalised), words that are not, and what separates or joins words.
    odd = "THE Of It's e-mail x y z 12 3_4 foo_bar2 , . ! __ 9a a9"
    pieces = [*sorted(language._EN_STOP), *odd.split(), "\n", "\t"]
    seen = set()
    for _ in range(5000):
        sample = "".join(
            rng.choice(("", " ", "_", "1", "-", "'")) + rng.choice(pieces) for _ in range(rng.randint(0, 40))
        )
        for hint in (None, "en", "ru-RU"):
            fast = language._ascii_language(sample, hint)
            assert fast == language._any_language(sample, hint), sample
            seen.add(fast)
    assert {"en", "ru", None} <= seen  # English, the hint, and no answer all occurred


def test_ascii_text_takes_the_shortcut(monkeypatch) -> None:
    calls = []
    monkeypatch.setattr(language, "_any_language", lambda sample, hint: calls.append(sample) or "xx")
    assert detect_language("Plain English text of the kind the outlets publish.") == "en"
    assert detect_language("Текст на русском языке") == "xx"
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Москвада кармалган мигранттар үч күндөн бери полиция бөлүмүндө кармалып турганын айтышты.", "ky"),
        ("Ресейдегі қазақтардың ахуалы туралы Азаттық тілшілері әңгімелесті, бұл әлі де маңызды.", "kk"),
        ("Россия ҳукумати ўзбек муҳожирлари учун имтиҳонни қийинлаштирди, бу ўзгариш кўпчиликка.", "uz"),
        ("Rossiyadan qaytgan yigitlar ish topa olmayapti, ketishga majbur bo‘lyapti, dedi o‘qituvchi.", "uz"),
        ("Orsýetde işleýän zähmet migrantlarynyň sözlerine görä, patent tölegleriniň bahasy artdy.", "tk"),
        ("وزیران خارجه تاجیکستان و روسیه درباره وضعیت کارگران مهاجر گفت‌وگو کردند و پیشنهاد دادند.", "fa"),
        ("XS SM MD LG وزیران خارجه تاجیکستان و روسیه درباره وضعیت کارگران مهاجر گفت‌وگو کردند.", "fa"),
        ("په مسکو کې د ازادې اروپا راډيو بيورو خپله قضيه د اروپا محکمې ته وړاندې کړه.", "ps"),
        # A Kazakh or Kyrgyz name quoted once in a Russian text leaves it Russian.
        ("В Москве задержали гражданина Казахстана Нұрлана Сейітова, сообщает полиция города.", "ru"),
        # Belarusian has ў but none of the Central Asian letters; Arabic has none of Persian's.
        ("Беларускія ўлады не пракаментавалі затрыманне журналістаў у Мінску.", "ru"),
        ("وقال المتحدث باسم الوزارة إن المفاوضات ستستمر الأسبوع المقبل في العاصمة.", None),
        ("Vláda schválila návrh zákona o daních, který předložil ministr financí Zbyněk.", None),
    ],
)
def test_languages_of_the_other_services(text: str, expected: str | None) -> None:
    assert detect_language(text) == expected
