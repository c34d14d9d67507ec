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
