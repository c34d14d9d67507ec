"""The places stage's word index, nisba forms and trigger kinds (what its speed rests on)."""

from __future__ import annotations

import pytest

from marsad.geo import (
    _NISBA_SUFFIXES,
    _WORD,
    _nisba,
    _nisba_forms,
    _split,
    _trigger_kind,
    get_resolver,
)
from marsad.geo_gazetteer import word_key

TEXT = "وصل الوفدُ إلى مدينة تعز (اليمن) يوم 12/3، ثم غادر إلى «بنغازي» - ABC."


def test_geo_split_gives_words_keys_and_offsets() -> None:
    texts, starts, ends = _split(TEXT)
    found = list(_WORD.finditer(TEXT))
    assert texts == [m.group() for m in found]
    assert list(zip(starts, ends, strict=True)) == [m.span() for m in found]
    assert "ABC" not in texts and texts[-4:] == ["A", "B", "C", "."]
    assert _split("   ") == ([], [], [])
    resolver = get_resolver()
    words = resolver.words(TEXT)
    assert words.keys == [word_key(t) if len(t) > 1 else t for t in texts]
    # a key is its own key: looking a key up gives the same record as the word
    for text, key in zip(texts, words.keys, strict=True):
        assert resolver._info[key] == resolver._info[text]


def _nisba_by_suffixes(key: str, demonyms: dict[str, str]) -> str | None:
    """The nisba look-up as it was written first: the stem, then each suffix in turn."""
    from marsad.geo import _variants

    for stem, _pre in _variants(key):
        if stem.startswith("ال") and len(stem) > 4:
            stem = stem[2:]
        if stem in demonyms:
            return demonyms[stem]
        for suffix in _NISBA_SUFFIXES:
            if stem.endswith(suffix) and stem[: -len(suffix)] in demonyms:
                return demonyms[stem[: -len(suffix)]]
    return None


@pytest.mark.parametrize("word", [
    "الليبية", "الليبيين", "ليبيون", "والمصريين", "بالسوريين", "العراقيات", "ليبي", "الكتاب",
    "ليب", "يين", "المغاربة", "التونسيه",
])
def test_geo_nisba_forms_agree_with_the_suffix_rules(word: str) -> None:
    demonyms = {"ليبي": "LBY", "مصري": "EGY", "سوري": "SYR", "عراقي": "IRQ", "ليب": "XXX",
                "تونسي": "TUN"}
    key = word_key(word)
    assert _nisba(key, _nisba_forms(demonyms)) == _nisba_by_suffixes(key, demonyms)


def test_geo_nisba_forms_prefer_the_bare_stem_then_the_first_suffix() -> None:
    forms = _nisba_forms({"ليبي": "LBY", "ليبيي": "ZZZ", "ليب": "XXX"})
    assert forms["ليبيي"] == "ZZZ"  # a stem itself
    assert forms["ليبيين"] == "XXX"  # ليب + يين comes before ليبي + ين and ليبيي + ن


@pytest.mark.parametrize(("word", "kind"), [
    ("مدينة", "city"), ("وبمدينة", "city"), ("منطقة", "region"), ("مديرية", "admin2"),
    ("مدير", None), ("بيت", None), ("،", None),
])
def test_geo_trigger_kind(word: str, kind: str | None) -> None:
    assert _trigger_kind(word_key(word) if len(word) > 1 else word) == kind


def test_geo_word_key_folds_like_match_key() -> None:
    from marsad.normalize import match_key

    every = "".join(chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000) + "😀"
    assert word_key(every) == match_key(every).replace("-", "").replace("'", "")


def test_geo_span_cover_overlaps_like_a_scan() -> None:
    from marsad.geo import _SpanCover

    spans = [(10, 20), (15, 18), (30, 40), (40, 41), (5, 6)]
    cover = _SpanCover(spans)
    for start in range(0, 45):
        for end in range(start + 1, 46):
            expected = any(s < end and start < e for s, e in spans)
            assert cover.overlaps(start, end) == expected, (start, end)
    assert not _SpanCover([]).overlaps(0, 5)


def test_geo_only_white_space_separates_words() -> None:
    # every character the word pattern does not take is white space (str.strip() drops it)
    import sys

    from marsad.geo import _WORD_SPLIT

    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
    separators = "".join(_WORD_SPLIT.split(every)[0::2])
    assert separators and not separators.strip()


def test_fast_word_split_agrees_with_the_unicode_definition_on_every_code_point() -> None:
    """The ``re`` split is built from the ``regex`` class over chosen code-point ranges:
    it must split a string of every code point exactly as the definition does."""
    import regex

    from marsad.geo import _WORD_SPLIT

    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    sample = "ابجد " + every + " هـوز\u0651\u0640"
    assert _WORD_SPLIT.split(sample) == regex.split(f"({_WORD.pattern})", sample,
                                                    flags=regex.V1)
