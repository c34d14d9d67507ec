"""One character class for Arabic words, shared by every word splitter: words with harakat
and shadda stay whole everywhere."""

from __future__ import annotations

import regex

from marsad.events_lexicon import words_of
from marsad.normalize import ARABIC_WORD_CHARS

VOCALISED = "ثمّن الوزيرُ زيارةَ دِمشق"


def test_the_class_keeps_marks_inside_words() -> None:
    words = regex.findall(ARABIC_WORD_CHARS + "+", VOCALISED, regex.V1)
    assert words == ["ثمّن", "الوزيرُ", "زيارةَ", "دِمشق"]


def test_the_trigger_lexicon_splits_with_it() -> None:
    assert [w.text for w in words_of(VOCALISED)] == ["ثمّن", "الوزيرُ", "زيارةَ", "دِمشق"]
