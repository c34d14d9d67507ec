"""Sentence segmentation for Arabic news.

Boundaries fall at ``.`` ``!`` ``?`` ``؟`` (and ``؛`` ``;`` when configured) followed by
a space, a closing quote or the end of text, and at line breaks (so a headline without
final punctuation is a sentence of its own). No boundary falls inside a number (``1.5``,
``٣٫٥``), after a one-letter abbreviation (``د.`` ``U.``), or inside «guillemets» that close on
the same line. The comma ``،`` never ends a sentence.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import regex

from marsad.doc import Document, Sentence
from marsad.pipeline import Stage, StageConfig, register_stage

_TERMINATORS = ".!?؟…"
_SEMICOLONS = "؛;"
_CLOSERS = "»\"')]}”’"
_OPEN_QUOTE = "«"
_CLOSE_QUOTE = "»"
_WORD_BEFORE = regex.compile(r"(\w+)\W*$")


def split_sentences(text: str, *, split_on_semicolon: bool = True) -> list[Sentence]:
    """Split ``text`` into sentences whose offsets slice it exactly."""
    return list(_iter_sentences(text, split_on_semicolon=split_on_semicolon))


def _iter_sentences(text: str, *, split_on_semicolon: bool) -> Iterator[Sentence]:
    terminators = _TERMINATORS + (_SEMICOLONS if split_on_semicolon else "")
    n = len(text)
    start = 0
    depth = 0  # open «guillemets» on the current line
    i = 0
    while i < n:
        ch = text[i]
        if ch == "\n" or ch == "\r" or ch == "\u2029":
            yield from _emit(text, start, i)
            start = i + 1
            depth = 0
        elif ch == _OPEN_QUOTE:
            # only count it when it closes later on the same line
            line_end = text.find("\n", i)
            line_end = n if line_end < 0 else line_end
            if text.find(_CLOSE_QUOTE, i, line_end) >= 0:
                depth += 1
        elif ch == _CLOSE_QUOTE and depth:
            depth -= 1
            if depth == 0 and i > 0 and text[i - 1] in terminators:
                end = i + 1
                while end < n and text[end] in _CLOSERS:
                    end += 1
                yield from _emit(text, start, end)
                start = end
                i = end
                continue
        elif ch in terminators and depth == 0 and _is_boundary(text, i):
            end = i + 1
            while end < n and (text[end] in terminators or text[end] in _CLOSERS):
                end += 1
            yield from _emit(text, start, end)
            start = end
            i = end
            continue
        i += 1
    yield from _emit(text, start, n)


def _is_boundary(text: str, i: int) -> bool:
    ch = text[i]
    nxt = text[i + 1] if i + 1 < len(text) else ""
    prev = text[i - 1] if i > 0 else ""
    if ch == "." or ch == "٫":
        if prev.isdigit() and nxt.isdigit():
            return False  # 1.5
        if nxt and not (nxt.isspace() or nxt in _CLOSERS or nxt in _TERMINATORS):
            # "U.S." or "www.x.com" — a stop glued to the next character is not a boundary,
            # unless an Arabic sentence follows directly
            if not ("\u0600" <= nxt <= "\u06ff" and prev and "\u0600" <= prev <= "\u06ff"):
                return False
        m = _WORD_BEFORE.search(text, max(0, i - 40), i)
        if m and len(m.group(1)) == 1 and not m.group(1).isdigit():
            return False  # د. / U.
    return True


def _emit(text: str, start: int, end: int) -> Iterator[Sentence]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield Sentence(start=start, end=end, text=text[start:end])


@register_stage("sentences", assigns=("sentences",))
def make_sentence_splitter(config: StageConfig) -> Stage:
    """Split the text into sentences."""
    split_on_semicolon = bool(config.get("split_on_semicolon", True))

    def sentences(doc: Document) -> Document:
        return dataclasses.replace(
            doc, sentences=tuple(split_sentences(doc.text, split_on_semicolon=split_on_semicolon))
        )

    return sentences
