from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.sentences import split_sentences
from marsad.tokenize import tokenize


def forms(text: str) -> list[str]:
    return [t.form for t in tokenize(text)]


def test_tokenize_offsets_slice_original(article: str) -> None:
    for tok in tokenize(article, split_sentences(article)):
        assert article[tok.start:tok.end] == tok.text


def test_tokenize_splits_clitics_and_keeps_names() -> None:
    assert forms("بالجزائر") == ["ب", "ال", "جزائر"] or forms("بالجزائر")[:1] == ["ب"]
    assert "سبها" in forms("في سبها")


def test_tokenize_numbers_latin_and_punctuation() -> None:
    toks = tokenize("نما 1.5% في Q3، ٣٫٥")
    kinds = [(t.text, t.kind) for t in toks]
    assert ("1.5", "number") in kinds
    assert ("Q3", "latin") in kinds or ("Q", "latin") in kinds
    assert ("،", "punct") in kinds
    assert ("٣٫٥", "number") in kinds


def test_tokenize_skips_invisible_marks() -> None:
    toks = tokenize("\u200fدرنة\u200e")
    assert [t.text for t in toks] == ["درنة"]


@settings(max_examples=200)
@given(st.text())
def test_tokenize_offsets_on_random_unicode(text: str) -> None:
    last = 0
    for tok in tokenize(text, split_sentences(text)):
        assert text[tok.start:tok.end] == tok.text
        assert tok.start >= last and tok.end > tok.start
        last = tok.end


def test_tokenize_segments_clitics_with_exact_offsets() -> None:
    text = "وقال للجيش: لن نغادر مدينتنا وبنغازي."
    toks = tokenize(text)
    assert [(t.text, t.form, t.kind) for t in toks[:2]] == [
        ("و", "و", "proclitic"), ("قال", "قال", "stem")]
    lil = [t for t in toks if t.word == toks[2].word]
    assert [(t.text, t.form) for t in lil] == [("ل", "ل"), ("لجيش", "الجيش")]
    assert [t.text for t in toks if t.word == 6] == ["و", "بنغازي"]
    assert ("مدينت", "مدينة", "stem") in [(t.text, t.form, t.kind) for t in toks]
    for t in toks:
        assert text[t.start:t.end] == t.text


def test_tokenize_numbers_words_and_sentences(article: str) -> None:
    sents = split_sentences(article)
    toks = tokenize(article, sents)
    words = [t.word for t in toks]
    assert words == sorted(words)
    for t in toks:
        s = sents[t.sentence]
        assert s.start <= t.start and t.end <= s.end
    assert {t.sentence for t in toks} == set(range(len(sents)))
    assert "درنة" in [t.text for t in toks]  # لدرنة → ل + درنة
    assert any(t.text == "1.5" and t.kind == "number" for t in toks)


def test_tokenize_keeps_names_whole_in_context() -> None:
    toks = tokenize("وصل وزيري خارجية مصر وتونس إلى سبها ثم سرت وبنغازي ودرنة.")
    texts = [t.text for t in toks]
    for name in ("وزيري", "مصر", "تونس", "سبها", "سرت", "بنغازي", "درنة"):
        assert name in texts


def test_tokenize_punctuation_runs_and_symbols() -> None:
    toks = tokenize("ماذا؟!... «نعم» – $5 @x")
    kinds = [(t.text, t.kind) for t in toks]
    assert ("؟", "punct") in kinds and ("...", "punct") in kinds
    assert ("«", "punct") in kinds and ("$", "symbol") in kinds


def test_tokenize_with_rule_segmenter_and_diacritics() -> None:
    from marsad.segmenter import load_segmenter

    text = "وَبِالجَيْشِ"
    toks = tokenize(text, segmenter=load_segmenter("rules"))
    assert [t.text for t in toks] == ["وَ", "بِ", "الجَيْشِ"]
    assert [t.form for t in toks] == ["و", "ب", "الجيش"]


def test_tokenize_empty_and_no_arabic() -> None:
    assert tokenize("") == []
    toks = tokenize("Hello, world 2024!")
    assert [t.kind for t in toks] == ["latin", "punct", "latin", "number", "punct"]


_ARABIC_TEXT = st.text(
    alphabet="وفبكلسالجيشهمنادرةتيىأإآَُِّـ «»،.؟!؛\n 0123456789٫\u200f\u200eabc%ﻻ", max_size=200)


@settings(max_examples=200)
@given(_ARABIC_TEXT)
def test_tokenize_offsets_on_arabic_like_text(text: str) -> None:
    sents = split_sentences(text)
    last = 0
    for tok in tokenize(text, sents):
        assert text[tok.start:tok.end] == tok.text
        assert tok.start >= last and tok.end > tok.start
        assert not tok.text.isspace()
        last = tok.end


@settings(max_examples=200)
@given(st.text(alphabet=st.one_of(
    st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),
    st.characters(min_codepoint=0xFB50, max_codepoint=0xFEFF),
    st.sampled_from(" \n.،؟")), max_size=120))
def test_tokenize_offsets_on_random_arabic_block_text(text: str) -> None:
    sents = split_sentences(text)
    for tok in tokenize(text, sents):
        assert text[tok.start:tok.end] == tok.text and tok.end > tok.start
        assert 0 <= tok.sentence < max(1, len(sents))
