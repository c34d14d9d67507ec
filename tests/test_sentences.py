from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from marsad.sentences import split_sentences


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def test_sentences_split_on_stops_question_and_exclamation() -> None:
    assert texts("وصل الوفد. هل بدأ الاجتماع؟ نعم! انتهى") == [
        "وصل الوفد.", "هل بدأ الاجتماع؟", "نعم!", "انتهى"]


def test_sentences_keep_numbers_and_commas_whole() -> None:
    assert texts("ارتفع المؤشر 1.5 بالمئة، ثم تراجع.") == ["ارتفع المؤشر 1.5 بالمئة، ثم تراجع."]


def test_sentences_headline_without_punctuation_is_its_own_sentence() -> None:
    assert texts("الجزائر تحتضن الاجتماع\nترأس الوزير الاجتماع.") == [
        "الجزائر تحتضن الاجتماع", "ترأس الوزير الاجتماع."]


def test_sentences_quotes_stay_whole_and_closing_quote_is_kept() -> None:
    assert texts("قال الوزير «الحل سياسي. لا غير» ثم غادر. وانتهى") == [
        "قال الوزير «الحل سياسي. لا غير» ثم غادر.", "وانتهى"]
    assert texts("قال «انتهى الأمر.» ثم غادر") == ["قال «انتهى الأمر.»", "ثم غادر"]


def test_sentences_semicolon_and_abbreviation() -> None:
    assert texts("قال د. أحمد إن الوضع صعب؛ ودعا إلى الحوار") == [
        "قال د. أحمد إن الوضع صعب؛", "ودعا إلى الحوار"]


@given(st.text())
def test_sentences_offsets_slice_original_on_random_unicode(text: str) -> None:
    previous_end = 0
    for s in split_sentences(text):
        assert text[s.start:s.end] == s.text
        assert s.text.strip() == s.text and s.text
        assert s.start >= previous_end
        previous_end = s.end
