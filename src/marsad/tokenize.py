"""Tokenisation: words, numbers and punctuation, with Arabic clitics segmented.

Every token's ``start``/``end`` slices the original text; invisible marks (bidi controls,
zero-width characters) are skipped, never part of a token.
"""

from __future__ import annotations

import dataclasses
import gc
import sys
from collections.abc import Callable, Sequence

import regex

from marsad.doc import Document, Sentence, Token
from marsad.normalize import ARABIC_WORD_CHARS
from marsad.pipeline import Stage, StageConfig, register_stage
from marsad.segmenter import Piece, Segmenter, load_segmenter

# Arabic letters and marks (and tatweel); numbers with decimal/thousand separators;
# words in other scripts; any other single visible character.
_WORDS = regex.compile(
    rf"(?P<ar>{ARABIC_WORD_CHARS}+)"
    r"|(?P<number>\p{Nd}+(?:[.,٫٬]\p{Nd}+)*)"
    r"|(?P<latin>[\p{L}\p{M}]+(?:['’][\p{L}]+)*)"
    r"|(?P<punct>([\p{P}])\g<5>*)"
    r"|(?P<symbol>[^\s\p{Cf}\p{Cc}\p{Z}])",
    regex.V1,
)


_NEVER = sys.maxsize
_BULK = 200_000  # characters: above this, tokenise with the cyclic GC paused


def tokenize(
    text: str,
    sentences: Sequence[Sentence] = (),
    *,
    segmenter: Segmenter | None = None,
) -> list[Token]:
    """Tokenise ``text``; Arabic words are split into clitics by ``segmenter``.

    ``sentences`` (in text order) number each token's sentence; a token before the first
    sentence belongs to sentence 0.
    """
    segment = (segmenter or load_segmenter()).segment
    if len(text) > _BULK and gc.isenabled():
        # millions of small immutable objects: the cyclic collector only costs time here
        gc.disable()
        try:
            return _tokenize(text, sentences, segment)
        finally:
            gc.enable()
    return _tokenize(text, sentences, segment)


def _tokenize(text: str, sentences: Sequence[Sentence],
              segment: Callable[[str], tuple[Piece, ...]]) -> list[Token]:
    starts = [s.start for s in sentences]
    n_sent = len(starts)
    sent = 0
    next_start = starts[1] if n_sent > 1 else _NEVER
    tokens: list[Token] = []
    append = tokens.append
    for word_index, m in enumerate(_WORDS.finditer(text)):
        start, end = m.span()
        while start >= next_start:
            sent += 1
            next_start = starts[sent + 1] if sent + 1 < n_sent else _NEVER
        surface = m.group()
        kind = m.lastgroup or "symbol"
        if kind != "ar":
            append(Token(start, end, surface, surface, kind, word_index, sent))
            continue
        pieces = segment(surface)
        if len(pieces) == 1:
            append(Token(start, end, surface, pieces[0][2], pieces[0][3], word_index, sent))
            continue
        for p_start, p_end, form, p_kind in pieces:
            append(Token(start + p_start, start + p_end, surface[p_start:p_end], form, p_kind,
                         word_index, sent))
    return tokens


@register_stage("tokens", requires=("sentences",), assigns=("tokens",))
def make_tokenizer(config: StageConfig) -> Stage:
    """Tokenise and segment clitics."""
    segmenter = load_segmenter(str(config.get("segmenter", "default")))

    def tokens(doc: Document) -> Document:
        return dataclasses.replace(
            doc, tokens=tuple(tokenize(doc.text, doc.sentences, segmenter=segmenter))
        )

    return tokens
