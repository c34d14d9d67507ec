"""Search keys for Arabic full-text search.

The index never sees the stored text: it sees a *key* copy in which every word is folded
with :func:`marsad.normalize.match_key` (diacritics, tatweel, hamza and alef variants,
``ى``/``ي``, ``ة``/``ه``, digits) and stripped of its clitic prefixes and definite article
(``بالجزائر`` → ``جزاير``). Queries go through the same function, so «الجزائر» finds
«بالجزائر», «والجزائر» and «الجزائر».

Words without the article often carry a bare one-letter proclitic (``بليبيا``,
``وليبيا``): :func:`alt_keys` gives, for such words, the form without that letter; it is
indexed in a second column, so a query for «ليبيا» finds them too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import regex

from marsad.normalize import match_key

# A word of the original text: letters, marks, digits (and joiners, tatweel inside it).
_WORD = regex.compile(r"[\p{L}\p{M}\p{N}][\p{L}\p{M}\p{N}\u0640\u200c\u200d]*")
_MARKS = regex.compile(r"[\p{M}\u0640\u200c\u200d]")
_CONJ = "وف"
_PREP = "بكل"
_ONE_LETTER = "وفبلك"


def word_key(word: str) -> str:
    """The search key of one already-folded word: clitic prefixes and ``ال`` removed."""
    w = word
    # conjunction + (preposition +) article: وال فال وبال فبال ولل فلل
    if len(w) > 4 and w[0] in _CONJ and (w[1:3] in ("ال", "لل") or (w[1] in _PREP and w[2:4] == "ال")):
        w = w[1:]
    if w.startswith("لل") and len(w) > 4:
        return w[2:]
    if len(w) > 4 and w[0] in _PREP and w[1:3] == "ال":
        return w[3:]
    if w.startswith("ال") and len(w) > 3:
        return w[2:]
    return w


def _alt(word: str) -> str | None:
    """The word without a bare one-letter proclitic (``بليبيا`` → ``ليبيا``), if plausible."""
    if len(word) >= 5 and word[0] in _ONE_LETTER and not word.startswith("ال"):
        return word[1:]
    return None


def fold(word: str) -> str:
    """One word of the original text folded for matching (see :func:`match_key`)."""
    return _MARKS.sub("", match_key(word).lower())


def words(text: str) -> list[str]:
    """The folded words of ``text`` (letters and digits, punctuation dropped)."""
    return [f for f in (fold(w) for w in _WORD.findall(text)) if f]


@lru_cache(maxsize=200_000)
def _word_keys(word: str) -> tuple[str, str | None]:
    """The key and the alternate key of one word of the original text (cached)."""
    w = fold(word)
    alt = _alt(w)
    return word_key(w), (word_key(alt) if alt is not None else None)


def text_key(text: str) -> str:
    """The key copy of ``text`` indexed for search: one key per word, space separated."""
    return " ".join(k for k in (_word_keys(w)[0] for w in _WORD.findall(text)) if k)


def alt_keys(text: str) -> str:
    """The alternate keys of ``text`` (words without a bare one-letter proclitic)."""
    return " ".join(a for a in (_word_keys(w)[1] for w in _WORD.findall(text)) if a)


@dataclass(frozen=True)
class ParsedQuery:
    """A user query turned into an FTS5 expression plus the keys to highlight."""

    expression: str
    keys: tuple[str, ...]


_TOKEN = re.compile(r'"([^"]*)"|(\S+)')


def parse_query(query: str) -> ParsedQuery | None:
    """Turn a user query into an FTS5 MATCH expression over the key columns.

    Words are ANDed; ``"quoted words"`` are phrases; a word ending in ``*`` is a prefix;
    ``OR`` between words is kept; a leading ``-`` excludes a word. Returns None when the
    query has no searchable word.
    """
    parts: list[str] = []
    keys: list[str] = []
    for m in _TOKEN.finditer(query.replace("«", '"').replace("»", '"')):
        phrase, word = m.group(1), m.group(2)
        if word == "OR":
            parts.append("OR")
            continue
        if phrase is not None:
            ks = [word_key(w) for w in words(phrase)]
            if ks:
                keys.extend(ks)
                parts.append('{title body} : "' + " ".join(ks) + '"')
            continue
        negate = word.startswith("-") and len(word) > 1
        prefix = word.endswith("*")
        for w in words(word):
            k = word_key(w)
            term = f'"{k}"' + ("*" if prefix else "")
            if negate:
                parts.append(f"NOT {{title body}} : {term}")
            else:
                keys.append(k)
                parts.append(f"{{title body alt}} : {term}")
    while parts and parts[-1] in ("OR", "NOT"):
        parts.pop()
    if not parts:
        return None
    # FTS5 needs a positive term before NOT: move negations to the end.
    positive = [p for p in parts if not p.startswith("NOT ")]
    negative = [p for p in parts if p.startswith("NOT ")]
    if not positive or all(p == "OR" for p in positive):
        return None
    expression = _join(positive)
    if negative:
        expression = f"({expression})" + "".join(" " + n for n in negative)
    return ParsedQuery(expression=expression, keys=tuple(dict.fromkeys(keys)))


def _join(parts: list[str]) -> str:
    out: list[str] = []
    for p in parts:
        if p == "OR":
            if out and out[-1] != "OR":  # «a OR OR b», «OR a» are not FTS5 syntax
                out.append("OR")
            continue
        if out and out[-1] != "OR":
            out.append("AND")
        out.append(f"({p})")
    if out and out[-1] == "OR":
        out.pop()
    return " ".join(out)


def find_spans(text: str, keys: tuple[str, ...] | list[str], *, start: int = 0,
               end: int | None = None, first_only: bool = False) -> list[tuple[int, int]]:
    """Offsets in ``text`` of the words whose search key (or alternate key) is in ``keys``
    (between ``start`` and ``end``; only the first one with ``first_only``)."""
    if not keys:
        return []
    wanted = set(keys)
    spans: list[tuple[int, int]] = []
    for m in _WORD.finditer(text, start, len(text) if end is None else end):
        key, alt = _word_keys(m.group())
        if key in wanted or (alt is not None and alt in wanted):
            spans.append(m.span())
            if first_only:
                break
    return spans


def snippet(text: str, keys: tuple[str, ...] | list[str], *, width: int = 220) -> dict[str, object]:
    """A short excerpt of ``text`` around the first match, with match offsets in it."""
    spans = find_spans(text, keys, first_only=True)
    if not spans:
        excerpt = text[:width]
        return {"text": excerpt + ("…" if len(text) > width else ""), "highlights": []}
    first = spans[0][0]
    start = max(0, first - width // 3)
    if start > 0:
        space = text.find(" ", start)
        if 0 <= space < first:
            start = space + 1
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        if space > first:
            end = space
    prefix = "…" if start > 0 else ""
    spans = find_spans(text, keys, start=start, end=end)
    highlights = [
        [s - start + len(prefix), e - start + len(prefix)] for s, e in spans if s >= start and e <= end
    ]
    return {"text": prefix + text[start:end] + ("…" if end < len(text) else ""), "highlights": highlights}
