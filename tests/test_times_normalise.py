"""The times stage's whole-text normalisation and its offset map back to the original."""

from __future__ import annotations

import pytest

from marsad.normalize import normalize, normalize_key
from marsad.times import _normalise, _to_original


def test_times_normalise_folds_like_normalize_key_for_every_character() -> None:
    text = "".join(chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000) + "😀𝔸"
    assert _normalise(text)[0] == normalize_key(text)


@pytest.mark.parametrize("text", [
    "في يوم الأحد ١٥ مايو ٢٠١٨",  # no deletion: offsets are the identity
    "وَقَعَ الهُجُومُ يَوْمَ الأَحَدِ 15 مـايـو 2018",  # diacritics and tatweel
    "\u200fَبدأ\u200e الاجتماع أمسِ",  # a deletion first, bidi marks
    "ﻻ ﷲ أمس",  # ligatures: the exact, slow path
    "الخميسُ",  # a deletion last
])
def test_times_normalise_offsets_map_back_like_normalize(text: str) -> None:
    norm, offsets = _normalise(text)
    exact = normalize(text)
    assert norm == exact.text
    for start in range(len(norm)):
        for end in range(start + 1, len(norm) + 1):
            assert _to_original(offsets, start, end) == exact.to_original(start, end)


@pytest.mark.parametrize(("text", "found"), [
    ("وقع الهجوم قبل ثلاثة أيام في المدينة", True),  # count: the operator is there
    ("قال إن ثلاثة أيام تكفي", False),  # no operator: the count rules are not run
    ("في 15 مايو 2018 وصل الوفد، وفي الخامس من يونيو غادر", True),  # a number, an ordinal
    ("بين عامي 2011 و2014، وفي 1439 هـ", True),  # year range, Hijri year
    ("في مايو الماضي وفي يونيو من العام الجاري", True),  # a relative word, a year tail
])
def test_times_required_parts_do_not_change_what_is_found(text: str, found: bool) -> None:
    from datetime import date

    from marsad.times import find_times
    from marsad.times_rules import rules

    ref = date(2018, 6, 20)
    required = dict(rules().required)
    assert required  # the stage skips windows without them
    with_filter = find_times(text, ref)
    rules().required.clear()
    try:
        without = find_times(text, ref)
    finally:
        rules().required.update(required)
    assert with_filter == without
    assert bool(with_filter) == found


def test_times_stage_compiles_its_rules_when_built() -> None:
    from marsad.times import make_times
    from marsad.times_rules import rules

    rules.cache_clear()
    make_times({})
    assert rules.cache_info().currsize == 1  # setup, not the first document
