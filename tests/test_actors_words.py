"""The actors stage's word index and sparse segmentation (internal, but what speed rests on)."""

from __future__ import annotations

import re

import pytest

from marsad.actors import _analyse, _scan, _Segments, _words, resolve_actors
from marsad.actors_kb import load_kb, word_key
from marsad.doc import Document

TEXT = (
    "قال وزير الخارجية الجزائري رمطان لعمامرة، إن الجزائر ستستضيف اجتماعا لدول الجوار "
    "الليبي. وأكد لعمامرة أنّ ‌الجزائر تدعم الحل السياسي #ميليشيات_الحوثي في 2018 و١٩٩٠."
)


def test_actors_words_offsets_keys_and_gaps_follow_the_text() -> None:
    words = _words(TEXT, load_kb())
    found = list(re.finditer(r"[\u0621-\u063A\u0641-\u064A\u0671-\u06D3\u06FA-\u06FC]"
                             r"[\u0621-\u065F\u0670-\u06D3\u06D6-\u06ED\u06FA-\u06FC]*"
                             r"|[0-9\u0660-\u0669\u06F0-\u06F9]+", TEXT))
    assert [(m.start(), m.end()) for m in found] == list(zip(words.starts, words.ends, strict=True))
    assert words.surfaces == [m.group() for m in found]
    assert words.keys == [word_key(m.group()) for m in found]
    # a comma and a full stop separate words; spaces, a zero-width non-joiner and the
    # hashtag signs do not
    gap_after = {TEXT[s:e]: g for s, e, g in zip(words.starts, words.ends, words.gaps, strict=True)}
    assert gap_after["إن"] is True and gap_after["وأكد"] is True
    assert gap_after["الجزائر"] is False and gap_after["الحوثي"] is False
    assert words.gaps[0] is False


def test_actors_words_empty_and_wordless_text() -> None:
    assert _words("", load_kb()).keys == []
    words = _words(" -- ! ", load_kb())
    assert (words.keys, words.starts, words.gaps) == ([], [], [])


@pytest.mark.parametrize(("surface", "prefix", "offset"), [
    ("وبالجزائر", "وب", 2), ("للجيش", "لل", 2), ("فَلِلْجيش", "فلل", 6), ("والجيش", "و", 1),
])
def test_actors_analysis_offsets_skip_diacritics(surface: str, prefix: str, offset: int) -> None:
    _full, variants = _analyse(surface)
    found = {pre: off for _key, off, pre, _al in variants}
    assert found[prefix] == offset


def test_actors_segments_index_like_a_dense_list() -> None:
    words = _words(TEXT, load_kb())
    matches = _scan(words, load_kb(), None).matches
    segs = _Segments(words, matches)
    dense: list[tuple[int, int, bool]] = []
    w = 0
    for m in matches:
        dense.extend((k, k + 1, False) for k in range(w, m.i))
        dense.append((m.i, m.j, True))
        w = m.j
    dense.extend((k, k + 1, False) for k in range(w, len(words.keys)))
    assert len(segs) == len(dense)
    assert [(s.i, s.j, bool(s.items)) for s in segs] == dense
    assert segs[-1] is segs[len(segs) - 1]
    with pytest.raises(IndexError):
        segs[len(segs)]
    for p, (i, j, matched) in enumerate(dense):
        assert segs.index_of_word(i) == (None if matched else p)
        for inner in range(i + 1, j):
            assert segs.index_of_word(inner) is None


def test_actors_surname_later_in_the_article_is_the_person() -> None:
    # a name the KB does not know, after a title; its surname alone later is the same person
    text = ("قال وزير الداخلية التونسي سالم بوعكاز إن الوضع مستقر. وأضاف بوعكاز أن "
            "الوحدات الأمنية منتشرة، ثم غادر بوعكاز القاعة.")
    found = resolve_actors(Document(text=text, date="2021-05-01"))
    first = next(m for m in found if "سالم" in m.text)
    later = [m for m in found if m.text == "بوعكاز"]
    assert [m.start for m in later] == [text.index("بوعكاز", first.end),
                                        text.rindex("بوعكاز")]
    assert all(m.name == first.name and m.country == "TUN" for m in later)


def test_actors_word_key_folds_like_match_key() -> None:
    from marsad.normalize import match_key, strip_al

    every = "".join(chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000) + "😀"
    assert word_key(every) == strip_al(match_key(every))
    for word in ("الأمم", "المتحدة", "ﻷمم", "وَزيرُ", "مؤتمر", "الـجيش"):
        assert word_key(word) == strip_al(match_key(word))
