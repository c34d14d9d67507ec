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


def test_sentences_arabic_comma_never_splits_but_semicolon_can() -> None:
    text = "قصف الجيش المواقع، وأصاب عشرة؛ ثم انسحب"
    assert texts(text) == ["قصف الجيش المواقع، وأصاب عشرة؛", "ثم انسحب"]
    kept = [s.text for s in split_sentences(text, split_on_semicolon=False)]
    assert kept == [text]


def test_sentences_question_exclamation_runs_and_ellipsis() -> None:
    assert texts("هل انتهى؟! لا... بل بدأ!!") == ["هل انتهى؟!", "لا...", "بل بدأ!!"]


def test_sentences_decimal_numbers_and_arabic_digits() -> None:
    assert texts("بلغ النمو ٣٫٥ في المئة و2.75 نقطة. ثم تراجع") == [
        "بلغ النمو ٣٫٥ في المئة و2.75 نقطة.", "ثم تراجع"]
    assert texts("بلغ العدد 12. وقال") == ["بلغ العدد 12.", "وقال"]


def test_sentences_stop_glued_to_next_arabic_word() -> None:
    assert texts("وصل الوفد.وقال الوزير") == ["وصل الوفد.", "وقال الوزير"]
    assert texts("زوروا www.example.com اليوم. شكرا") == ["زوروا www.example.com اليوم.", "شكرا"]


def test_sentences_abbreviations_and_era_letters() -> None:
    assert texts("نقلت (أ.ف.ب) الخبر. ثم نفته") == ["نقلت (أ.ف.ب) الخبر.", "ثم نفته"]
    assert texts("وقعت عام 2018 م. ثم انتهت") == ["وقعت عام 2018 م.", "ثم انتهت"]


def test_sentences_headlines_lines_and_lists() -> None:
    text = "عاجل\r\nاشتباكات في درنة\r\n\r\n1. البند الأول\n2. البند الثاني\u2028نهاية"
    assert texts(text) == ["عاجل", "اشتباكات في درنة", "1. البند الأول", "2. البند الثاني", "نهاية"]


def test_sentences_guillemets_that_never_close_do_not_swallow_the_text() -> None:
    assert texts("قال «انتهى الأمر. ثم غادر\nسطر آخر. وآخر") == [
        "قال «انتهى الأمر.", "ثم غادر", "سطر آخر.", "وآخر"]


def test_sentences_trim_spaces_and_invisible_marks() -> None:
    text = "  \u200fوصل الوفد.\u200e  \u200fوبدأ الاجتماع  "
    got = split_sentences(text)
    assert [s.text for s in got] == ["وصل الوفد.", "وبدأ الاجتماع"]
    assert all(text[s.start:s.end] == s.text for s in got)


def test_sentences_empty_and_blank() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\u200f\n ") == []


_ARABIC_TEXT = st.text(alphabet="ابتدرسلمنوية «»،.؟!؛;\n\r 0123456789٫\u200f", max_size=200)


@given(_ARABIC_TEXT)
def test_sentences_offsets_slice_original_on_arabic_like_text(text: str) -> None:
    previous_end = 0
    for s in split_sentences(text):
        assert text[s.start:s.end] == s.text and s.text.strip()
        assert s.start >= previous_end
        previous_end = s.end
    # nothing but whitespace and invisible marks is lost between sentences
    covered = "".join(s.text for s in split_sentences(text))
    assert len(covered.replace(" ", "")) <= len(text)


def test_sentences_dotted_acronyms_in_arabic_letters() -> None:
    assert texts("قالت بي. بي. سي. إن الوضع هادئ. وأضافت") == [
        "قالت بي. بي. سي. إن الوضع هادئ.", "وأضافت"]
    assert texts("وصل في الموعد. ثم غادر") == ["وصل في الموعد.", "ثم غادر"]


def test_sentences_unbalanced_and_long_quotes_do_not_swallow_sentences() -> None:
    assert texts("قال لـ « المدينة « إن الوضع صعب. وأضاف أن الأمر «جيد» جدا.") == [
        "قال لـ « المدينة « إن الوضع صعب.", "وأضاف أن الأمر «جيد» جدا."]
    long_quote = "«" + "وصل الوفد. " * 40 + "»"
    assert len(texts("قال " + long_quote)) > 10


def test_sentences_stray_stops_and_bare_punctuation_join_a_sentence() -> None:
    assert texts("ماذا حدث ؟ . ثم انتهى") == ["ماذا حدث ؟ .", "ثم انتهى"]
    assert texts("انتهى الخبر.\n\n ...المزيد") == ["انتهى الخبر.", "...المزيد"]
    assert texts("أولا. 2. البند الثاني") == ["أولا.", "2. البند الثاني"]
