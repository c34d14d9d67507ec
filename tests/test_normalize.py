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


def test_normalize_persian_letters_digits_and_arabic_punctuation() -> None:
    assert normalize_key("کیف ۱۲٫۵ ٪، «نعم»؛") == 'كيف 12.5 %, "نعم";'
    assert normalize_key("٣٬٠٠٠") == "3,000"
    assert normalize_key("تحدّث", digits=False) == "تحدث"


def test_normalize_removes_every_invisible_mark() -> None:
    marks = "\u200b\u200c\u200d\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u00ad\u2060"
    assert normalize_key(f"د{marks}رنة") == "درنة"


def test_normalize_folds_can_be_switched_off() -> None:
    assert normalize_key("أحمد على", alef=False, ya=False) == "أحمد على"
    assert normalize_key("؟", punct=False) == "؟"
    assert normalize_key("مسؤول بيئة", hamza=True) == "مسوول بيية"


def test_normalize_presentation_forms_expand_with_offsets() -> None:
    text = "قال ﻻ ﷲ"
    out = normalize(text)
    assert out.text == "قال لا الله"
    assert len(out.offsets) == len(out.text) + 1
    i = out.text.index("لا")
    assert out.to_original(i, i + 2) == (4, 5)
    j = out.text.index("الله")
    assert text[slice(*out.to_original(j, j + 4))] == "ﷲ"
    assert normalize_key("ﺑﻨﻐﺎﺯﻱ") == "بنغازي"


def test_normalize_to_original_skips_removed_characters() -> None:
    text = "الـمـديـنـة المُنَوَّرَة"
    out = normalize(text)
    assert out.text == "المدينة المنورة"
    i = out.text.index("المنورة")
    start, end = out.to_original(i, i + len("المنورة"))
    assert text[start:end] == "المُنَوَّرَة"
    assert out.to_original(len(out.text), len(out.text)) == (len(text), len(text))


def test_match_key_and_strip_al() -> None:
    from marsad.normalize import has_arabic, strip_al

    assert match_key("إدارة مُؤقتة") == match_key("ادارة موقتة")
    assert strip_al("الجزائر") == "جزائر"
    assert strip_al("الى") == "الى"
    assert has_arabic("abc د") and not has_arabic("abc 123")


@given(st.text())
def test_normalize_agrees_with_normalize_key(text: str) -> None:
    assert normalize(text).text == normalize_key(text)


@given(st.text(alphabet="أإآٱبتثةىيئؤـًٌٍَُِّْ\u200f\u200eﻻﷲ٠١٢۳٫،؛؟«» abc", max_size=40))
def test_normalize_each_character_comes_from_its_original(text: str) -> None:
    out = normalize(text)
    for i, ch in enumerate(out.text):
        source = text[out.offsets[i]]
        assert ch in normalize_key(source)


def test_key_tables_fold_like_the_key_functions() -> None:
    from marsad.normalize import key_table, match_key, match_key_table, normalize_key

    text = "أعلنت وزارة الخارجيّة ـ الإماراتية يوم الأربعاء إنشاء «مؤسسة» جديدة 🙂"
    assert text.translate(key_table()) == normalize_key(text)
    assert text.translate(match_key_table()) == match_key(text)
    assert match_key_table() is match_key_table()  # built once
