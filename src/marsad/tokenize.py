"""Tokenisation: words, numbers and punctuation, with Arabic clitics segmented.

Every token's ``start``/``end`` slices the original text; invisible marks (bidi controls,
zero-width characters) are skipped, never part of a token.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Sequence

import regex

from marsad.doc import Document, Sentence, Token
from marsad.pipeline import Stage, StageConfig, register_stage
from marsad.segmenter import Segmenter, load_segmenter

# Arabic letters and marks (and tatweel); numbers with decimal/thousand separators;
# words in other scripts; any other single visible character.
_WORDS = regex.compile(
    r"(?P<ar>[[\p{Arabic}&&[\p{L}\p{M}]]\u0640]+)"
    r"|(?P<number>\p{Nd}+(?:[.,٫٬]\p{Nd}+)*)"
    r"|(?P<latin>[\p{L}\p{M}]+(?:['’][\p{L}]+)*)"
    r"|(?P<punct>([\p{P}])\g<5>*)"
    r"|(?P<symbol>[^\s\p{Cf}\p{Cc}\p{Z}])",
    regex.V1,
)


def tokenize(
    text: str,
    sentences: Sequence[Sentence] = (),
    *,
    segmenter: Segmenter | None = None,
) -> list[Token]:
    """Tokenise ``text``; Arabic words are split into clitics by ``segmenter``."""
    seg = segmenter or load_segmenter()
    starts = [s.start for s in sentences]
    tokens: list[Token] = []
    append = tokens.append
    for word_index, m in enumerate(_WORDS.finditer(text)):
        kind = m.lastgroup or "symbol"
        start, end = m.span()
        sent = bisect.bisect_right(starts, start) - 1 if starts else 0
        if sent < 0:
            sent = 0
        if kind == "ar":
            for p_start, p_end, form, p_kind in seg.segment(m.group()):
                append(
                    Token(start + p_start, start + p_end, text[start + p_start : start + p_end],
                          form, p_kind, word_index, sent)
                )
        else:
            surface = m.group()
            append(Token(start, end, surface, surface, kind, word_index, sent))
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
