"""The events trigger lexicon and its matcher, with sentences written for the tests."""

from __future__ import annotations

import pytest

from marsad.events_lexicon import load_lexicon, words_of
from marsad.events_rules import dual_count, load_cues, parse_number


def _types(text: str) -> list[str]:
    return [m.entry.type for m in load_lexicon().match(words_of(text))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("وقصفت المدفعية مواقع المسلحين", "ASSAULT"),
        ("بعد الغارات الجوية على المدينة", "ASSAULT"),
        ("تظاهر المئات أمام البرلمان", "PROTEST"),
        ("أجرى الرئيس اتصالا هاتفيا بنظيره", "CONSULT"),
        ("فرضت واشنطن عقوبات على شركات", "SANCTION"),
        ("اعتقلت الشرطة ثلاثة متهمين", "COERCE"),
        ("طالبت النقابة بزيادة الأجور", "REQUEST"),
        ("ندد الوزير بالهجوم", "ACCUSE"),
    ],
)
def test_events_lexicon_finds_trigger_with_clitics(text: str, expected: str) -> None:
    assert expected in _types(text)


def test_events_lexicon_ceasefire_is_not_shooting() -> None:
    types = _types("أعلن الطرفان وقف إطلاق النار في المدينة")
    assert "CONCEDE" in types
    assert "ASSAULT" not in types


def test_events_lexicon_blocker_press_conference() -> None:
    assert "CONSULT" not in _types("قال في مؤتمر صحفي عقده أمس")


def test_events_lexicon_gap_slot_spans_subject() -> None:
    matches = load_lexicon().match(words_of("وقع البلدان اتفاقية للتعاون"))
    agree = [m for m in matches if m.entry.type == "AGREE"]
    assert agree and agree[0].slots_at == (0, 2)


def test_events_lexicon_offsets_slice_text() -> None:
    text = "«قال» مصدر: وقصفت الطائرات"
    for w in words_of(text):
        assert text[w.start:w.end] == w.text


@pytest.mark.parametrize(
    ("text", "value"),
    [("15 قتيلا", 15), ("ثلاثة أشخاص", 3), ("خمسة وعشرين جنديا", 25), ("مئة شخص", 100)],
)
def test_events_rules_numbers(text: str, value: int) -> None:
    found = parse_number(words_of(text), 0)
    assert found is not None and found[0] == value


def test_events_rules_dual() -> None:
    words = words_of("جنديين مدنيين")
    assert dual_count(words[0], load_cues()) == 2
    assert dual_count(words[1], load_cues()) is None


def test_gap_markers_are_parsed_once_into_gaps() -> None:
    from marsad.events_lexicon import TriggerLexicon, parse_lexicon, words_of

    entries = parse_lexicon(["اطلق+ ~~سراح\tRETREAT\trelease\t-\tv\t0.8",
                             "وقع ~اتفاقيه\tAGREE\t-\t-\tv\t0.8"])
    assert [e.gaps for e in entries] == [(0, 5), (0, 3)]
    assert all(alt != "~" for e in entries for slot in e.slots for alt, _ in slot)
    lexicon = TriggerLexicon(entries)
    five = words_of("أطلقت السلطات السودانية مساء يوم الأحد سراح المعتقلين")
    assert [m.entry.type for m in lexicon.match(five)] == ["RETREAT"]
    four = words_of("وقع وزيرا الخارجية في الرباط أمس اتفاقية")
    assert not lexicon.match(four)  # «اتفاقية» five words on: beyond «~»
