"""The event trigger lexicon and the matcher that finds triggers in a sentence.

The lexicon is data (``marsad/data/events/triggers.tsv``): each line is a pattern of one
or more word slots with the PLOVER type, mode, contexts, argument role and a prior weight.
Matching works over *words* of the original text: each word is normalised
(:func:`marsad.normalize.match_key`) and its proclitics (و ف ب ل ك س ال) are stripped in
every possible way, so one lexicon form matches «والقصف», «بقصف», «قصفت» and «وقصفوا».
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import regex

from marsad.errors import ModelError
from marsad.normalize import ARABIC_WORD_CHARS, match_key

#: Suffixes a ``+`` slot may carry (normalised spelling).
SUFFIXES: tuple[str, ...] = (
    "", "ت", "تا", "تم", "وا", "ون", "ين", "ان", "ا", "ه", "ها", "هم", "هما", "هن", "ات",
    "اته", "اتها", "اتهم", "نا", "ته", "تها", "تهم", "وه", "وها", "وهم", "تين", "تان",
    "كم", "اء",
)

_WORD = regex.compile(
    ARABIC_WORD_CHARS + r"+|\p{Nd}+(?:[.,٫٬]\p{Nd}+)*|[\p{L}\p{M}]+|[^\s\p{Cf}\p{Cc}\p{Z}]",
    regex.V1,
)
_ARABIC = regex.compile(r"\p{Arabic}")


@dataclass(frozen=True, slots=True)
class Word:
    """A word (or punctuation mark) of a sentence, with offsets into the document text.

    ``key`` is the normalised word; ``variants`` pairs each way of stripping its
    proclitics with the proclitics stripped (``("قصف", "و")`` for «وقصف»)."""

    start: int
    end: int
    text: str
    key: str
    variants: tuple[tuple[str, str], ...]
    is_punct: bool


@dataclass(frozen=True, slots=True)
class TriggerEntry:
    """One lexicon line."""

    pattern: str
    type: str
    mode: str | None
    contexts: tuple[str, ...]
    role: str
    weight: float
    slots: tuple[tuple[tuple[str, bool], ...], ...]
    #: per slot, how many words may stand before it (``~`` 3, ``~~`` 5; 0 for the first)
    gaps: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class TriggerMatch:
    """A lexicon entry found over words ``first..last`` (inclusive) of a sentence."""

    entry: TriggerEntry
    first: int
    last: int
    proclitics: str
    suffix: str = ""
    slots_at: tuple[int, ...] = ()


def _variants(key: str) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = [(key, "")]
    bases: list[tuple[str, str]] = [(key, "")]
    if len(key) > 3 and key[0] in "وف":
        bases.append((key[1:], key[0]))
    for base, pre in bases:
        if pre:
            out.append((base, pre))
        if len(base) > 3 and base[0] in "بلكس":
            if base.startswith("لل") and len(base) > 4:
                out.append(("ال" + base[2:], pre + "ل"))
                out.append((base[2:], pre + "لال"))
            else:
                out.append((base[1:], pre + base[0]))
                rest = base[1:]
                if rest.startswith("ال") and len(rest) > 4:
                    out.append((rest[2:], pre + base[0] + "ال"))
        if base.startswith("ال") and len(base) > 4:
            out.append((base[2:], pre + "ال"))
    seen: set[str] = set()
    unique = []
    for form, pre in out:
        if form not in seen:
            seen.add(form)
            unique.append((form, pre))
    return tuple(unique)


@lru_cache(maxsize=100_000)
def _word_info(surface: str) -> tuple[str, tuple[tuple[str, str], ...], bool]:
    key = match_key(surface)
    is_punct = not any(ch.isalnum() for ch in key)
    variants = _variants(key) if _ARABIC.search(key) else ((key, ""),)
    return key, variants, is_punct


def words_of(text: str, start: int = 0, end: int | None = None) -> list[Word]:
    """The words of ``text[start:end]`` with offsets into ``text``."""
    end = len(text) if end is None else end
    words = []
    for m in _WORD.finditer(text, start, end):
        surface = m.group()
        key, variants, is_punct = _word_info(surface)
        words.append(Word(m.start(), m.end(), surface, key, variants, is_punct))
    return words


#: Words that may come between a slot marked with this prefix and the previous slot.
_GAPS = {"~~": 5, "~": 3}


def _slot_gap(slot: str) -> tuple[int, str]:
    """The gap a slot's ``~`` / ``~~`` prefix allows, and the slot without it."""
    for prefix, gap in _GAPS.items():
        if slot.startswith(prefix):
            return gap, slot[len(prefix):]
    return 0, slot


def _parse_slot(slot: str) -> tuple[tuple[str, bool], ...]:
    if slot == "*":
        return (("*", False),)
    alts = []
    for alt in slot.split("|"):
        plus = alt.endswith("+")
        form = match_key(alt.rstrip("+"))
        if form:
            alts.append((form, plus))
    return tuple(alts)


def parse_lexicon(lines: Sequence[str]) -> list[TriggerEntry]:
    """Parse lexicon lines (TSV, ``#`` comments) into entries."""
    entries = []
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.rstrip("\n").split("\t")
        if len(cols) != 6:
            raise ModelError(f"events lexicon line {number}: expected 6 columns, got {len(cols)}")
        pattern, type_, mode, contexts, role, weight = cols
        if not pattern.split():
            raise ModelError(f"events lexicon line {number}: empty pattern")
        gaps, bare = zip(*(_slot_gap(s) for s in pattern.split()), strict=True)
        slots = tuple(_parse_slot(s) for s in bare)
        entries.append(
            TriggerEntry(
                pattern=pattern,
                type=type_,
                mode=None if mode in ("", "-") else mode,
                contexts=() if contexts in ("", "-") else tuple(contexts.split(",")),
                role=role,
                weight=float(weight),
                slots=slots,
                gaps=gaps,
            )
        )
    return entries


class TriggerLexicon:
    """Index of the trigger entries by their first slot's forms."""

    def __init__(self, entries: Sequence[TriggerEntry]) -> None:
        self.entries = tuple(entries)
        self._index: dict[str, list[tuple[TriggerEntry, bool]]] = {}
        #: first-slot readings of each word's variants (words repeat across a corpus)
        self._first_cache: dict[tuple[tuple[str, str], ...],
                                tuple[tuple[TriggerEntry, str, str], ...]] = {}
        for entry in self.entries:
            for form, plus in entry.slots[0]:
                self._index.setdefault(form, []).append((entry, plus))

    def _slot_matches(self, word: Word, slot: tuple[tuple[str, bool], ...]) -> bool:
        if word.is_punct:
            return False
        if slot[0][0] == "*":
            return True
        for form, _pre in word.variants:
            for alt, plus in slot:
                if form == alt or (plus and form.startswith(alt) and form[len(alt):] in _SUFFIX_SET):
                    return True
        return False

    def _first(self, word: Word) -> tuple[tuple[TriggerEntry, str, str], ...]:
        """The entries whose first slot the word can fill: (entry, proclitics, suffix)."""
        cached = self._first_cache.get(word.variants)
        if cached is None:
            cached = tuple(self._first_readings(word.variants))
            if len(self._first_cache) >= 200_000:
                self._first_cache.clear()
            self._first_cache[word.variants] = cached
        return cached

    def _first_readings(self, variants: tuple[tuple[str, str], ...]
                        ) -> list[tuple[TriggerEntry, str, str]]:
        found: list[tuple[TriggerEntry, str, str]] = []
        seen: set[int] = set()
        for form, pre in variants:
            for size in range(min(_MAX_SUFFIX, len(form) - 2) + 1):
                suffix = form[len(form) - size:] if size else ""
                if suffix not in _SUFFIX_SET:
                    continue
                stem = form[: len(form) - size] if size else form
                if len(stem) < 2:
                    continue
                for entry, plus in self._index.get(stem, ()):
                    if entry.role == "v" and len(entry.slots) == 1 and "ال" in pre \
                            and len(stem) <= 4 and stem[:1] not in ("ا", "ت", "م"):
                        continue  # a verb never carries the article («الثمن» is no «ثمّن»)
                    if (suffix == "" or plus) and id(entry) not in seen:
                        seen.add(id(entry))
                        found.append((entry, pre, suffix))
        return found

    def _extent(self, words: Sequence[Word], i: int, entry: TriggerEntry) -> tuple[int, ...]:
        """Word indices of each slot of ``entry`` matched from word ``i`` (empty: no match).
        A slot marked ``~`` may be found up to three words further on («وقع البلدان اتفاقية»),
        ``~~`` up to five («أطلقت السلطات السودانية مساء الأحد سراح»)."""
        pos = i + 1
        at = [i]
        for slot, gap in zip(entry.slots[1:], entry.gaps[1:], strict=True):
            found = -1
            for j in range(pos, min(len(words), pos + gap + 1)):
                if words[j].is_punct:
                    break
                if self._slot_matches(words[j], slot):
                    found = j
                    break
            if found < 0:
                return ()
            at.append(found)
            pos = found + 1
        return tuple(at)

    def match(self, words: Sequence[Word]) -> list[TriggerMatch]:
        """Triggers in ``words``, longest match first at each position, non-overlapping;
        ``NONE`` entries block the words they cover."""
        out: list[TriggerMatch] = []
        i = 0
        n = len(words)
        while i < n:
            word = words[i]
            if word.is_punct:
                i += 1
                continue
            best: list[TriggerMatch] = []
            best_len = 0
            for entry, pre, suffix in self._first(word):
                at = self._extent(words, i, entry)
                if at:
                    length = at[-1] - i + 1
                    found = TriggerMatch(entry, i, at[-1], pre, suffix, at)
                    if length > best_len:
                        best, best_len = [found], length
                    elif length == best_len:
                        best.append(found)
            if not best:
                i += 1
                continue
            if any(m.entry.type == "NONE" for m in best):
                i += best_len
                continue
            # the reading that strips fewer proclitics wins («بحثنا» is no «ب + حثّنا»)
            best.sort(key=lambda m: (len(m.proclitics), -m.entry.weight))
            out.append(best[0])
            i += best_len
        return out


_SUFFIX_SET = frozenset(SUFFIXES)
_MAX_SUFFIX = max(len(x) for x in SUFFIXES)


@lru_cache(maxsize=1)
def load_lexicon() -> TriggerLexicon:
    """The packaged trigger lexicon."""
    try:
        text = resources.files("marsad").joinpath("data/events/triggers.tsv").read_text("utf-8")
    except FileNotFoundError as exc:
        raise ModelError("events trigger lexicon is missing from the package") from exc
    return TriggerLexicon(parse_lexicon(text.splitlines()))
