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
_LINE_BREAKS = "\n\r\u2028\u2029\x85\x0b\x0c"
#: Invisible format marks (bidi controls, zero-width characters) trimmed from sentence edges.
_INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2066\u2067\u2068\u2069\ufeff\u00ad"
)
#: Era letters written after a year (2018 م، 1439 هـ): a stop after them ends a sentence.
_ERA_LETTERS = frozenset("مه")
_NUMBER_BEFORE = regex.compile(r"\p{Nd}\s*\p{Arabic}\W*$")
#: A «quote» longer than this does not stop sentence boundaries inside it.
_MAX_QUOTE = 300
#: Latin letters spelt in Arabic, as in dotted acronyms (بي. بي. سي.).
_LETTER_NAMES = frozenset(
    "إيه ايه بي سي دي إي اي إف اف جي إتش اتش آي كيه إل ال إم ام إن ان أو او بي كيو آر ار "
    "إس اس تي يو في دبليو إكس اكس واي زد".split()) - {"ال"}
_LETTER_BEFORE = regex.compile(r"(\w+)\.\s*$")
_WORD_AFTER = regex.compile(r"\s*(\w+)(\.?)")
_BREAK = regex.compile("[" + _LINE_BREAKS + "]")
_INTERESTING = regex.compile("[" + regex.escape(_LINE_BREAKS + _TERMINATORS) + "«»]")
_INTERESTING_SEMI = regex.compile(
    "[" + regex.escape(_LINE_BREAKS + _TERMINATORS + _SEMICOLONS) + "«»]")


def split_sentences(text: str, *, split_on_semicolon: bool = True) -> list[Sentence]:
    """Split ``text`` into sentences whose offsets slice it exactly."""
    return list(_iter_sentences(text, split_on_semicolon=split_on_semicolon))


def _iter_sentences(text: str, *, split_on_semicolon: bool) -> Iterator[Sentence]:
    terminators = _TERMINATORS + (_SEMICOLONS if split_on_semicolon else "")
    interesting = _INTERESTING_SEMI if split_on_semicolon else _INTERESTING
    n = len(text)
    start = 0
    quote_end = -1  # where the open «guillemet» quote closes (-1: not in a quote)
    line_end = -1  # end of the current line, found lazily
    i = 0
    while i < n:
        m = interesting.search(text, i)
        if m is None:
            break
        i = m.start()
        ch = text[i]
        end = -1
        if ch in _LINE_BREAKS:
            yield from _emit(text, start, i)
            start = i + 1
            line_end = quote_end = -1
        elif ch == _OPEN_QUOTE and i < quote_end:
            quote_end = -1  # « inside a quote: the quotes are unbalanced, trust none
        elif ch == _OPEN_QUOTE:
            # a quote suppresses boundaries only when it closes soon, on the same line
            if line_end < i:
                found = _BREAK.search(text, i)
                line_end = found.start() if found else n
            quote_end = text.find(_CLOSE_QUOTE, i, min(line_end, i + _MAX_QUOTE))
        elif ch == _CLOSE_QUOTE and i == quote_end:
            if i > 0 and text[i - 1] in terminators:
                end = i + 1
        elif ch in terminators and i > quote_end and _is_boundary(text, i, start):
            end = i + 1
        if end < 0:
            i += 1
            continue
        while True:
            while end < n and (text[end] in terminators or text[end] in _CLOSERS):
                end += 1
            k = end
            while k < n and text[k] in " \t\u00a0":
                k += 1
            if k < n and k > end and text[k] in terminators and not text[k + 1:k + 2].isalnum():
                end = k + 1  # "حدث ؟ ." — stray stops after the end belong to it
                continue
            break
        if _has_content(text, start, end):  # never a sentence of bare punctuation
            yield from _emit(text, start, end)
            start = end
        i = end
    yield from _emit(text, start, n)


def _has_content(text: str, start: int, end: int) -> bool:
    return any(ch.isalnum() for ch in text[start:end])


def _is_boundary(text: str, i: int, sentence_start: int = 0) -> bool:
    ch = text[i]
    j = i + 1
    while j < len(text) and text[j] in _INVISIBLE:
        j += 1
    nxt = text[j] if j < len(text) else ""
    prev = text[i - 1] if i > 0 else ""
    if ch == "." or ch == "٫":
        if prev.isdigit() and nxt.isdigit():
            return False  # 1.5
        if prev.isdigit() and i - sentence_start <= 12 and \
                text[sentence_start:i].strip().isdigit():
            return False  # a list number opening a sentence: "1. البند"
        if nxt and not (nxt.isspace() or nxt in _CLOSERS or nxt in _TERMINATORS):
            # "U.S." or "www.x.com" — a stop glued to the next character is not a boundary,
            # unless an Arabic sentence follows directly
            if not ("\u0600" <= nxt <= "\u06ff" and prev and "\u0600" <= prev <= "\u06ff"):
                return False
        m = _WORD_BEFORE.search(text, max(0, i - 40), i)
        if m and len(m.group(1)) == 1 and not m.group(1).isdigit():
            if m.group(1) in _ERA_LETTERS and _NUMBER_BEFORE.search(text, max(0, i - 40), i):
                return True  # عام 2018 م.
            return False  # د. / U.
        if m and m.group(1) in _LETTER_NAMES and _in_acronym(text, m.start(1), j):
            return False  # بي. بي. سي.
    return True


def _in_acronym(text: str, word_start: int, after: int) -> bool:
    """True when the letter name before a stop has another dotted letter name beside it."""
    before = _LETTER_BEFORE.search(text, max(0, word_start - 12), word_start)
    if before and before.group(1) in _LETTER_NAMES:
        return True
    following = _WORD_AFTER.match(text, after)
    return bool(following and following.group(1) in _LETTER_NAMES and following.group(2))


def _emit(text: str, start: int, end: int) -> Iterator[Sentence]:
    while start < end and (text[start].isspace() or text[start] in _INVISIBLE):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _INVISIBLE):
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
