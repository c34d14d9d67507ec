"""Rules over the words of a sentence for the events stage: clauses, argument phrases,
negation / hypothetical / reported-speech cues, and casualty counts.

Every list of cue words is data (``marsad/data/events/cues.tsv``, ``agents.tsv``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from marsad.events_lexicon import SUFFIXES, Word
from marsad.normalize import match_key

# Arabic number words (normalised spelling) → value; tens and hundreds combine.
_UNITS = {
    "واحد": 1, "واحده": 1, "احد": 1, "اثنان": 2, "اثنين": 2, "اثنتين": 2, "اثنتان": 2,
    "ثلاث": 3, "ثلاثه": 3, "اربع": 4, "اربعه": 4, "خمس": 5, "خمسه": 5, "ست": 6, "سته": 6,
    "سبع": 7, "سبعه": 7, "ثماني": 8, "ثمانيه": 8, "ثمان": 8, "تسع": 9, "تسعه": 9,
    "عشر": 10, "عشره": 10,
}
_TENS = {
    "عشرون": 20, "عشرين": 20, "ثلاثون": 30, "ثلاثين": 30, "اربعون": 40, "اربعين": 40,
    "خمسون": 50, "خمسين": 50, "ستون": 60, "ستين": 60, "سبعون": 70, "سبعين": 70,
    "ثمانون": 80, "ثمانين": 80, "تسعون": 90, "تسعين": 90,
}
_HUNDREDS = {"مئه": 100, "مائه": 100, "مئتين": 200, "مئتان": 200, "مائتين": 200, "الف": 1000,
             "الفين": 2000, "الفا": 1000}
_UNITS = {match_key(k): v for k, v in _UNITS.items()}
_TENS = {match_key(k): v for k, v in _TENS.items()}
_HUNDREDS = {match_key(k): v for k, v in _HUNDREDS.items()}


@dataclass(frozen=True)
class Cues:
    """Cue word sets, normalised."""

    sets: dict[str, frozenset[str]]
    agents: dict[str, str]
    agent_stems: dict[str, str]

    def has(self, name: str, key: str) -> bool:
        """True when the normalised ``key`` is in cue set ``name``."""
        return key in self.sets.get(name, frozenset())


@lru_cache(maxsize=1)
def load_cues() -> Cues:
    """The packaged cue lists and generic agents."""
    base = resources.files("marsad").joinpath("data/events")
    sets: dict[str, frozenset[str]] = {}
    for line in base.joinpath("cues.tsv").read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, forms = line.split("\t", 1)
        sets[name] = frozenset(match_key(f) for f in forms.split())
    agents: dict[str, str] = {}
    stems: dict[str, str] = {}
    for line in base.joinpath("agents.tsv").read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        form, sector = line.split("\t")
        if form.endswith("+"):
            stems[match_key(form[:-1])] = sector
        else:
            agents[match_key(form)] = sector
    return Cues(sets, agents, stems)


def agent_sector(word: Word, cues: Cues) -> str | None:
    """The sector of a generic agent word («مسلحون» → UAF), or None."""
    for form, _pre in word.variants:
        if form in cues.agents:
            return cues.agents[form]
        for suffix in SUFFIXES:
            if suffix and form.endswith(suffix):
                stem = form[: -len(suffix)]
                if stem in cues.agent_stems:
                    return cues.agent_stems[stem]
        if form in cues.agent_stems:
            return cues.agent_stems[form]
    return None


def stem_of(word: Word) -> str:
    """The most stripped variant of a word (its likely stem)."""
    return word.variants[-1][0]


def is_prep_phrase(word: Word, cues: Cues) -> bool:
    """True when the word is a preposition or carries one (بال، لل، ل...)."""
    if cues.has("preposition", word.key):
        return True
    if word.key[:1] in ("و", "ف") and cues.has("preposition", word.key[1:]):
        return True  # «وفي», «ومن»
    key = word.key
    return len(key) > 4 and (key.startswith(("بال", "لل", "كال", "وبال", "ولل", "فبال")))


def clause_bounds(words: Sequence[Word], index: int, cues: Cues) -> tuple[int, int]:
    """Word range ``[lo, hi)`` of the clause around word ``index``: split at punctuation
    (except the hyphen inside words) and at clause connectors."""
    lo = index
    while lo > 0:
        prev = words[lo - 1]
        if prev.is_punct or cues.has("boundary", prev.key):
            break
        lo -= 1
    hi = index + 1
    while hi < len(words):
        w = words[hi]
        if w.is_punct or (cues.has("boundary", w.key) and hi > index + 1):
            break
        hi += 1
    return lo, hi


def noun_phrase(words: Sequence[Word], start: int, stop: int, cues: Cues,
                *, max_words: int = 4, allow_prep_first: bool = False) -> tuple[int, int] | None:
    """The noun phrase starting at word ``start`` (before ``stop``): content words until a
    preposition, relative pronoun, complementizer, punctuation or ``max_words``."""
    if start >= stop:
        return None
    first = words[start]
    if first.is_punct or first.key.isdigit():
        return None
    if not allow_prep_first and is_prep_phrase(first, cues):
        return None
    if cues.has("relative", first.key) or cues.has("complementizer", first.key):
        return None
    end = start + 1
    definite = _definite(first)
    while end < stop and end - start < max_words:
        w = words[end]
        if w.is_punct or is_prep_phrase(w, cues) or cues.has("relative", w.key) \
                or w.key[:1].isdigit():
            break
        if cues.has("complementizer", w.key) or cues.has("boundary", w.key):
            break
        if cues.has("speech", w.key) or cues.has("negator", w.key) or cues.has("agent_fire", w.key):
            break
        # agreement and construct state: «القوات المسلحة», «قوات الأمن», «مصدر عسكري»;
        # an indefinite noun after a complete phrase starts the object («مسلحون مهبطا»)
        if not _definite(w) and not _nisba(w):
            prev = words[end - 1].key
            # a plural adjective agreeing with its noun («مسلحون مجهولون»)
            agrees = not definite and len(w.key) > 4 and any(
                prev.endswith(x) and w.key.endswith(x) for x in ("ون", "ين"))
            # a noun ending in ون/ين/ان or accusative ا cannot head a construct
            if not agrees and (definite or prev.endswith(("ون", "ين", "ان", "ا"))):
                break
        definite = definite or _definite(w)
        end += 1
    return start, end


def _definite(word: Word) -> bool:
    key = word.key
    return key.startswith(("ال", "وال", "فال")) or "ال" in word.variants[-1][1]


def is_definite(word: Word) -> bool:
    """True when the word carries the article («القوات», «والجيش», «بالمدينة»)."""
    return _definite(word)


def is_nisba(word: Word) -> bool:
    """True when the word looks like a nisba adjective («العراقية», «انتحاري»)."""
    return _nisba(word)


def _nisba(word: Word) -> bool:
    stem = word.variants[-1][0]
    return stem.endswith(("ي", "يه", "يون", "يين", "يان", "يتين", "يا")) and len(stem) > 3


def parse_number(words: Sequence[Word], index: int) -> tuple[int, int] | None:
    """A number written with digits or Arabic words at ``index``: ``(value, words used)``."""
    if index >= len(words):
        return None
    key = words[index].key.replace(",", "")
    if key.isdigit():
        return int(key), 1
    total = 0
    used = 0
    pos = index
    while pos < len(words) and used < 4:
        w = words[pos]
        cand = [v[0] for v in w.variants]
        val = None
        for c in cand:
            if c in _UNITS:
                val = _UNITS[c]
            elif c in _TENS:
                val = _TENS[c]
            elif c in _HUNDREDS:
                val = _HUNDREDS[c] if total == 0 else total * _HUNDREDS[c] - total
            if val is not None:
                break
        if val is None:
            break
        total += val
        used += 1
        pos += 1
    if used:
        return total, used
    return None


def dual_count(word: Word, cues: Cues) -> int | None:
    """2 when the word is a dual noun of a listed singular («جنديين» → 2)."""
    for form, _pre in word.variants:
        for suffix in ("ين", "ان", "تين", "تان"):
            if form.endswith(suffix):
                base = form[: -len(suffix)]
                if cues.has("dual_singulars", base) or cues.has("dual_singulars", base + "ه"):
                    return 2
    return None
