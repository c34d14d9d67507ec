"""Arabic normalisation for matching — never applied to the stored text.

:func:`normalize` returns the normalised string together with an offset map back to the
original, so a match found in the normalised text can be reported as original offsets.
:func:`normalize_key` is the fast variant for dictionary keys (no offset map).

What is folded (each can be switched off):
- diacritics (tashkeel, shadda, sukun, dagger alef, Quranic marks) and tatweel — removed;
- alef/hamza variants أ إ آ ٱ → ا; ى → ي; optionally ة → ه, ؤ → و, ئ → ي;
- Arabic-Indic (٠-٩) and Persian (۰-۹) digits → 0-9; ٫ → . and ٬ → ,;
- Arabic punctuation ، ؛ ؟ → , ; ? and « » “ ” → ";
- invisible bidi and format marks (U+200B-U+200F, U+061C, U+202A-U+202E, U+2060,
  U+2066-U+2069, U+FEFF, soft hyphen U+00AD) — removed;
- Arabic presentation forms (U+FB50-U+FDFF, U+FE70-U+FEFC: ﻻ, ﷲ, isolated/final glyphs)
  → their ordinary letters (one original character can give several normalised ones; the
  offset map repeats its index).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

DIACRITICS = "".join(chr(c) for c in range(0x064B, 0x0660)) + "\u0670" + "".join(
    chr(c) for c in range(0x06D6, 0x06EE)
)
TATWEEL = "\u0640"
#: A ``regex`` (V1) character class of the characters an Arabic word is made of: letters
#: and marks of the Arabic script *extensions* (the harakat and the shadda are of the
#: Inherited script: ``\p{Arabic}`` alone would cut «ثمّن» or «دِمشق» in two) and tatweel.
#: Every word splitter (tokens, trigger lexicon, places) builds on this one class.
ARABIC_WORD_CHARS = r"[[\p{scx=Arabic}&&[\p{L}\p{M}]]\u0640]"
BIDI_MARKS = (
    "\u200b\u200c\u200d\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2066\u2067\u2068\u2069\ufeff\u00ad"
)
ALEF_VARIANTS = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا"}
DIGITS = {chr(0x0660 + i): str(i) for i in range(10)} | {chr(0x06F0 + i): str(i) for i in range(10)}
PUNCT = {"،": ",", "؛": ";", "؟": "?", "٫": ".", "٬": ",", "«": '"', "»": '"', "“": '"', "”": '"', "٪": "%"}
PERSIAN_LETTERS = {"ک": "ك", "ی": "ي", "ۀ": "ه", "ھ": "ه"}


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalised string and, for each of its characters, the index of the original
    character it came from (``offsets[i]``), plus one trailing entry for the end."""

    text: str
    offsets: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of the normalised text to the original text."""
        if start >= len(self.text):
            return self.offsets[-1], self.offsets[-1]
        o_start = self.offsets[start]
        o_end = self.offsets[end - 1] + 1 if end > start else o_start
        return o_start, o_end


def _presentation_forms() -> dict[int, str]:
    """Arabic presentation forms → ordinary letters (NFKC), where that gives Arabic text."""
    table: dict[int, str] = {}
    for code in [*range(0xFB50, 0xFE00), *range(0xFE70, 0xFEFD)]:
        ch = chr(code)
        if unicodedata.category(ch) == "Cn":
            continue
        folded = unicodedata.normalize("NFKC", ch).strip()
        if folded and folded != ch and all(is_arabic_char(c) for c in folded):
            table[code] = folded
    return table


@lru_cache(maxsize=16)
def _table(alef: bool, ya: bool, ta_marbuta: bool, hamza: bool, digits: bool, punct: bool) -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    table.update(_presentation_forms())
    table.update({ord(c): None for c in DIACRITICS + TATWEEL + BIDI_MARKS})
    table.update({ord(k): v for k, v in PERSIAN_LETTERS.items()})
    if alef:
        table.update({ord(k): v for k, v in ALEF_VARIANTS.items()})
    if ya:
        table[ord("ى")] = "ي"
    if ta_marbuta:
        table[ord("ة")] = "ه"
    if hamza:
        table[ord("ؤ")] = "و"
        table[ord("ئ")] = "ي"
    if digits:
        table.update({ord(k): v for k, v in DIGITS.items()})
    if punct:
        table.update({ord(k): v for k, v in PUNCT.items()})
    # fold the expansions of ligatures too (ﻷ → لأ → لا), so one translate() does it all
    for code, value in list(table.items()):
        if value is not None and (len(value) > 1 or 0xFB50 <= code <= 0xFEFF):
            table[code] = value.translate(table)
    return table


def normalize(
    text: str,
    *,
    alef: bool = True,
    ya: bool = True,
    ta_marbuta: bool = False,
    hamza: bool = False,
    digits: bool = True,
    punct: bool = True,
) -> Normalized:
    """Normalise ``text`` for matching and keep an offset map back to the original."""
    table = _table(alef, ya, ta_marbuta, hamza, digits, punct)
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        rep = table.get(ord(ch), ch)
        if rep is None:
            continue
        if len(rep) > 1:  # a presentation-form ligature expands (ﻷ → لا)
            offsets.extend([i] * len(rep))
        else:
            offsets.append(i)
        out.append(rep)
    offsets.append(len(text))
    return Normalized("".join(out), tuple(offsets))


def normalize_key(
    text: str,
    *,
    alef: bool = True,
    ya: bool = True,
    ta_marbuta: bool = False,
    hamza: bool = False,
    digits: bool = True,
    punct: bool = True,
) -> str:
    """Normalise a string for use as a lookup key (fast; no offset map)."""
    return text.translate(_table(alef, ya, ta_marbuta, hamza, digits, punct))


def match_key(text: str) -> str:
    """The loosest key used for dictionary matching: every fold on, ``ال`` kept."""
    return normalize_key(text, ta_marbuta=True, hamza=True)


@lru_cache(maxsize=4)
def key_table(*, ta_marbuta: bool = False, hamza: bool = False) -> list[str]:
    """:func:`normalize_key` (with these folds) of every character of the Basic
    Multilingual Plane, indexed by code point: ``text.translate(key_table())`` equals
    ``normalize_key(text)`` (every fold is per character, none beyond the BMP) and, with a
    list, ``str.translate`` has no look-up miss for the unfolded characters — about twice
    as fast as a dictionary on a whole article."""
    return [normalize_key(chr(c), ta_marbuta=ta_marbuta, hamza=hamza) for c in range(0x10000)]


def match_key_table() -> list[str]:
    """:func:`key_table` of :func:`match_key`: ``word.translate(match_key_table())`` is
    ``match_key(word)``."""
    return key_table(ta_marbuta=True, hamza=True)


def strip_al(word: str) -> str:
    """Drop a leading definite article ``ال`` (only when at least two letters remain)."""
    if word.startswith("ال") and len(word) > 3:
        return word[2:]
    return word


def is_arabic_char(ch: str) -> bool:
    """True for a letter of the Arabic script blocks."""
    code = ord(ch)
    return (
        0x0600 <= code <= 0x06FF
        or 0x0750 <= code <= 0x077F
        or 0x08A0 <= code <= 0x08FF
        or 0xFB50 <= code <= 0xFDFF
        or 0xFE70 <= code <= 0xFEFF
    )


def has_arabic(text: str) -> bool:
    """True when ``text`` contains at least one Arabic-script character."""
    return any(is_arabic_char(ch) for ch in text)
