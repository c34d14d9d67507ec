"""Very long documents are processed in pieces and put back together.

A 20 MB "article" (a dump, a book) would make the model stages hold millions of tokens'
features at once. :func:`split_points` cuts the text at line breaks (or, failing that, at
sentence stops or spaces) into pieces of at most ``max_chars`` characters; the pipeline
runs on each piece as a document of its own, and :func:`merge` shifts every offset, sentence
and word index back into the whole text. Line breaks always end a sentence, so cutting there
changes no sentence.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

from marsad.doc import Document

_OFFSET_FIELDS = frozenset({"start", "end", "title_start", "title_end"})
_STOPS = (". ", "؟ ", "! ", "? ", "۔ ")


def split_points(text: str, max_chars: int) -> list[tuple[int, int]]:
    """``(start, end)`` pieces covering ``text``, each at most ``max_chars`` long."""
    pieces: list[tuple[int, int]] = []
    start, n = 0, len(text)
    while n - start > max_chars:
        limit = start + max_chars
        floor = start + max_chars // 2
        cut = text.rfind("\n", floor, limit)
        if cut < 0:
            cut = max(text.rfind(stop, floor, limit - 1) for stop in _STOPS)
            cut = cut + 1 if cut >= 0 else text.rfind(" ", floor, limit)
        if cut <= start:
            cut = limit
        pieces.append((start, cut + 1 if text[cut:cut + 1] in ("\n", " ") else cut))
        start = pieces[-1][1]
    pieces.append((start, n))
    return pieces


def pieces(doc: Document, max_chars: int) -> Iterator[tuple[int, Document]]:
    """``(start, piece)`` for each piece of ``doc`` cut at :func:`split_points`: a document
    holding only that slice of the text, with nothing annotated yet."""
    for start, end in split_points(doc.text, max_chars):
        yield start, dataclasses.replace(doc, text=doc.text[start:end], sentences=(),
                                         tokens=(), entities=(), actors=(), places=(),
                                         times=(), events=())


def _shift(value: Any, offset: int, sentences: int, words: int) -> Any:
    if not (dataclasses.is_dataclass(value) and not isinstance(value, type)):
        return value
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(value):
        current = getattr(value, f.name)
        if current is None:
            continue
        if f.name in _OFFSET_FIELDS and isinstance(current, int):
            changes[f.name] = current + offset
        elif f.name == "sentence" and isinstance(current, int):
            changes[f.name] = current + sentences
        elif f.name == "word" and isinstance(current, int):
            changes[f.name] = current + words
        elif dataclasses.is_dataclass(current):
            changes[f.name] = _shift(current, offset, sentences, words)
    return dataclasses.replace(value, **changes) if changes else value


_LIST_FIELDS = ("sentences", "tokens", "entities", "actors", "places", "times", "events")


def merge(whole: Document, parts: Sequence[tuple[int, Document]]) -> Document:
    """One document from pieces processed apart; ``parts`` pairs each piece's start offset
    in ``whole.text`` with its processed document."""
    merged: dict[str, list[Any]] = {name: [] for name in _LIST_FIELDS}
    sentences = words = 0
    for offset, part in parts:
        for name in _LIST_FIELDS:
            merged[name].extend(_shift(item, offset, sentences, words)
                                for item in getattr(part, name))
        sentences += len(part.sentences)
        if part.tokens:
            words += part.tokens[-1].word + 1
    fields: dict[str, Any] = {name: tuple(items) for name, items in merged.items()}
    return dataclasses.replace(whole, **fields)
