from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from marsad.normalize import match_key, normalize, normalize_key


def test_normalize_folds_hamza_diacritics_tatweel_digits_and_marks() -> None:
    text = "\u200fأَحْمَدُ إلى آخِر المـــدينة ٢٠١٨ ۱۲ على؟"
    out = normalize(text)
    assert out.text == "احمد الي اخر المدينة 2018 12 علي?"


def test_normalize_offsets_map_back_to_original() -> None:
    text = "\u200eبِالجَزائِر"
    out = normalize(text)
    i = out.text.index("الجزائر")
    start, end = out.to_original(i, i + len("الجزائر"))
    assert text[start:end] == "الجَزائِر"


def test_normalize_ta_marbuta_is_optional() -> None:
    assert normalize_key("درنة") == "درنة"
    assert normalize_key("درنة", ta_marbuta=True) == "درنه"
    assert match_key("مُؤتمر") == "موتمر"


@given(st.text())
def test_normalize_offsets_are_monotonic_and_in_range(text: str) -> None:
    out = normalize(text)
    assert len(out.offsets) == len(out.text) + 1
    assert all(0 <= o <= len(text) for o in out.offsets)
    assert list(out.offsets) == sorted(out.offsets)
