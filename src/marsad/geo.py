"""Geocode place mentions: find them, resolve each to a gazetteer entry.

Mentions come from two sources, merged: gazetteer matching over the article's words
(clitics ``و ف ب ل ك`` and the contracted ``لل`` stay outside the span, so «بالجزائر» gives
«الجزائر» and «لدرنة» gives «درنة») and the NER stage's LOC/GPE/FAC entities. A name that is
also a common word (``data/places/ambiguous.txt``) needs context: a trigger word before it
(مدينة، محافظة، ولاية، إقليم، العاصمة، بلدة، قرية ...), a list of places («حلب والرقة
والباب»), an NER tag, or an earlier such reading in the article followed by a place cue
(«سكان دوما»). Names inside organisation names («ريال مدريد», «نيويورك تايمز») and nisba
adjectives («القنصلية السعودية») are not places. A village the gazetteer lacks is still
reported when the text names and places it («منطقة الحوبان بمدينة تعز»): it takes the
enclosing place's coordinates, with ``precision`` set to that place's level.

Disambiguation scores every candidate entry with the whole article in view:

- a prior by kind and population (a country beats a homonymous village);
- the article's country context (country names, unambiguous places and nisba adjectives
  such as «الليبية» anywhere in the article): «طرابلس» is Libya's unless the article
  points to Lebanon;
- trigger words (``مدينة`` prefers a city, ``محافظة`` an administrative unit) and an
  adjacent nisba («طرابلس اللبنانية»);
- a country whose capital shares its name (الجزائر، تونس، الكويت ...) is the country,
  except after ``العاصمة``, or when the mention carries a locative ``ب``/``في`` in a sentence
  about a meeting (``بالجزائر ... الاجتماع``): then it is where the meeting took place, the
  capital city;
- a homonym the text places near another place («دوما قرب نابلس») takes the candidate
  near it, and a bare repeat of a name takes the reading the article made explicit once.

``confidence`` is the share of the candidates' weight that agrees with the choice.
:func:`geocode` runs the same on a bare string (for the web UI and notebooks).
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, compress, pairwise
from operator import itemgetter
from typing import TypeVar

import regex

from marsad.doc import Document, Entity, PlaceMention
from marsad.geo_gazetteer import (
    Gazetteer,
    Place,
    key_chars,
    load_ambiguous,
    load_demonyms,
    load_gazetteer,
    load_not_places,
    load_short_names,
    load_strict,
    word_key,
)
from marsad.normalize import ARABIC_WORD_CHARS
from marsad.pipeline import Stage, StageConfig, register_stage

#: A word: a run of the characters of Arabic words, or any other visible character alone.
_WORD = regex.compile(ARABIC_WORD_CHARS + r"+|[^\s]", regex.V1)


def _same_as_re(pattern: str, candidates: Iterable[tuple[int, int]]) -> str:
    """A ``re`` character class matching exactly the characters of the ``regex`` class
    ``pattern`` (its characters all lie in the code-point ``candidates`` ranges)."""
    chars = "".join(chr(c) for lo, hi in candidates for c in range(lo, hi + 1))
    points = sorted(map(ord, regex.findall(pattern, chars, regex.V1)))
    runs: list[list[int]] = []
    for c in points:
        if runs and runs[-1][1] == c - 1:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    return "".join(f"\\U{a:08x}" + (f"-\\U{b:08x}" if b > a else "") for a, b in runs)


#: :data:`_WORD` for the standard library's ``re``, whose split is faster (the Arabic
#: script blocks, U+102E0, and the white-space characters, all below U+3001, are the candidates;
#: a test checks the two agree on every code point)
_WORD_SPLIT = re.compile("([{}]+|[^{}])".format(
    _same_as_re(ARABIC_WORD_CHARS, (
        (0x0600, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF), (0x102E0, 0x102E0),
        (0x10E60, 0x10EFF), (0x1EC70, 0x1EEFF))),
    _same_as_re(r"\s", ((0, 0x3000),))))
_MARKS = regex.compile(r"[\p{M}\u0640]")

#: Trigger words (keys) and the kinds they prefer.
_CITY_TRIGGERS = frozenset(word_key(w) for w in (
    "مدينة", "مدينه", "بلدة", "قرية", "العاصمة", "عاصمة", "مخيم", "ميناء", "بلدتي", "مدينتي", "مطار",
    "قريتي", "مدن", "بلدات", "قرى", "ضاحية",
))
_ADMIN_TRIGGERS = frozenset(word_key(w) for w in (
    "محافظة", "ولاية", "شعبية", "إقليم", "مقاطعة", "قضاء", "ناحية", "مديرية", "محافظتي",
    "ولايتي", "إمارة", "بلدية", "منطقة", "مناطق", "محافظات", "ولايات", "جزيرة", "دولة",
))
_MEETING = frozenset(word_key(w) for w in (
    "اجتماع", "الاجتماع", "اجتماعا", "مؤتمر", "المؤتمر", "مؤتمرا", "قمة", "القمة", "لقاء",
    "اللقاء", "ندوة", "الندوة", "المنعقد", "المنعقدة", "انعقد", "انعقدت", "عقد", "عقدت",
    "يعقد", "تعقد", "محادثات", "مباحثات", "المحادثات", "المباحثات", "اجتماعات", "الاجتماعات",
    "منتدى", "المنتدى", "ملتقى", "الملتقى", "حفل", "احتفال", "مهرجان", "معرض",
))
#: A word before a place name that makes it part of an organisation's name
#: («ريال مدريد», «نادي جدة», «صحيفة الرياض») and words after it that do
#: («مانشستر سيتي», «نيويورك تايمز», «واشنطن بوست», «باريس سان جرمان»).
_ORG_BEFORE = frozenset(word_key(w) for w in (
    "نادي", "ناديي", "فريق", "فريقي", "ريال", "أتلتيكو", "اتلتيكو", "أتليتكو", "إنتر", "انتر",
    "اينتراخت", "إينتراخت", "سسكا", "دينامو", "سبارتاك", "لوكوموتيف", "بوروسيا", "أولمبيك",
    "اولمبيك", "صحيفة", "صحيفتي", "جريدة", "مجلة", "حزب", "مولودية", "شبيبة", "أهلي", "اهلي",
    "منتخبي", "هيرتا", "باير", "أتالانتا", "سبورتنغ", "سبورتينغ", "ستاد", "بايرن",
))
_ORG_AFTER = frozenset(word_key(w) for w in (
    "سيتي", "يونايتد", "تايمز", "بوست", "هيرالد", "جورنال", "تريبيون", "سان", "إف", "اف",
    "إس", "جالاكسي", "ريد", "يونايتيد", "هوتسبير", "وندررز", "ألبيون", "البيون", "برنابيو",
))
_CAPITAL_WORDS = frozenset(word_key(w) for w in ("العاصمة", "عاصمة"))
_LOCATIVE_WORDS = frozenset(word_key(w) for w in ("في", "داخل", "من"))
_SENTENCE_END = frozenset(".!?؟\n؛")
_QUOTES = frozenset('«»"“”()[]')
_LIST_GAP = frozenset({"،", ",", "-", "و"})
_PLACE_TYPES = frozenset({"LOC", "GPE", "FAC"})
_NISBA_SUFFIXES = ("يين", "يون", "ين", "ون", "ه", "ات")
#: Towns under this population need their country in the article (see ``_needs_country``).
SMALL_PLACE = 20_000


#: (the word's key, readings of the key that begin some alias, length of the longest such
#: alias, country of the nisba the key is, kind of place the key introduces as a trigger,
#: its :func:`_base` as a context word, whether it is a meeting word)
_KeyInfo = tuple[str, tuple[tuple[str, str], ...], int, str | None, str | None, str, bool]


@dataclass(frozen=True, slots=True)
class _Words:
    """The words of a text (Arabic words, and every other visible character alone) as
    parallel lists: no object per word."""

    texts: list[str]
    keys: list[str]  # word_key of each word (a one-character word is its own key)
    starts: list[int]
    ends: list[int]
    infos: list[_KeyInfo]  # what the resolver knows of each word

    def __len__(self) -> int:
        return len(self.texts)


@dataclass(slots=True)
class _Match:
    start: int
    end: int
    first: int  # word index of the first word
    last: int  # word index of the last word
    alias: tuple[str, ...]
    candidates: list[int]
    prefix: str  # the clitics stripped from the first word (keys)
    trigger: str | None = None  # "city" | "admin"
    ner: bool = False
    nisba_country: str | None = None
    meeting: bool = False
    after_capital: bool = False
    country_list: bool = False
    org: bool = False  # part of an organisation's name
    adjective: bool = False  # a nisba after a definite noun («القنصلية السعودية»)


def _adjacent(a: _Match, b: _Match, words: _Words) -> bool:
    """``b`` follows ``a`` in a list: «أ وب» or «أ، ب» / «أ - ب»."""
    gap = b.first - a.last - 1
    if gap == 0:
        return "و" in b.prefix
    return gap == 1 and words.texts[b.first - 1] in _LIST_GAP


_T = TypeVar("_T")


class _Memo(dict[str, _T]):
    """key -> ``fn(key)``, computed on first use, so that the words of a whole article
    are looked up with one C-level ``map``; cleared when it holds ``limit`` entries."""

    def __init__(self, fn: Callable[[str], _T], limit: int = 500_000) -> None:
        super().__init__()
        self.fn = fn
        self.limit = limit

    def __missing__(self, key: str) -> _T:
        value = self.fn(key)
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value


def text_gap(word: str) -> bool:
    """True when the word ``word`` does not directly follow the previous one (it is a
    punctuation mark or another single non-letter)."""
    return len(word) == 1 and not word.isalpha()


def _key(word: str) -> str:
    """The key of a word (a one-character word is its own key)."""
    return word_key(word) if len(word) > 1 else word




def _split(text: str) -> tuple[list[str], list[int], list[int]]:
    """The words of ``text``, their starts and ends: a split, then C-level passes
    (``accumulate`` for the offsets)."""
    # [separator, word, separator, word, ..., separator]
    parts = _WORD_SPLIT.split(text)
    bounds = list(accumulate(map(len, parts)))
    return parts[1::2], bounds[0:-1:2], bounds[1::2]


@lru_cache(maxsize=200_000)
def _variants(key: str) -> list[tuple[str, str]]:
    """``(stem key, stripped prefix)`` readings of a word, the unstripped one first."""
    out = [(key, "")]
    bases = [(key, "")]
    if len(key) > 3 and key[0] in "وف":
        bases.append((key[1:], key[0]))
        out.append((key[1:], key[0]))
    for base, pre in bases:
        if len(base) > 3 and base.startswith("لل"):
            out.append(("ال" + base[2:], pre + "ل"))
        elif (len(base) > 3 and base[0] in "بل") or (len(base) > 5 and base[0] == "ك"):
            out.append((base[1:], pre + base[0]))
    return out


def _skip_letters(text: str, start: int, n: int) -> int:
    """Offset after the first ``n`` letters of ``text[start:]`` (marks count with their letter)."""
    i = start
    for _ in range(n):
        i += 1
        while i < len(text) and _MARKS.match(text[i]):
            i += 1
    return i


def _nisba_forms(demonyms: Mapping[str, str]) -> dict[str, str]:
    """Every form of the nisba stems: the stem (``ليبي``), then the stem with each suffix
    of :data:`_NISBA_SUFFIXES` (``ليبيين``, ``ليبيه`` ...); a form two readings share
    keeps the bare stem's country, else that of the earliest suffix."""
    forms = dict(demonyms)
    for suffix in _NISBA_SUFFIXES:
        for stem, country in demonyms.items():
            forms.setdefault(stem + suffix, country)
    return forms


def _nisba(key: str, forms: Mapping[str, str]) -> str | None:
    """The country of a nisba adjective key (``الليبيه`` -> ``LBY``), if it is one;
    ``forms`` comes from :func:`_nisba_forms`."""
    for stem, _pre in _variants(key):
        if stem.startswith("ال") and len(stem) > 4:
            stem = stem[2:]
        if stem in forms:
            return forms[stem]
    return None


def _stem(key: str) -> str:
    """A word key without a leading conjunction / preposition."""
    if len(key) > 3 and key[0] in "وف":
        key = key[1:]
    if len(key) > 3 and key[0] in "بلك" and not key.startswith("ال"):
        key = key[1:]
    return key


#: Trigger words introducing a place the gazetteer may lack, and the kind they name.
_CONTAINED_TRIGGERS = {word_key(w): k for w, k in (
    ("مدينة", "city"), ("بلدة", "city"), ("قرية", "city"), ("بلدتي", "city"), ("قريتي", "city"),
    ("مخيم", "city"), ("حي", "city"), ("ضاحية", "city"), ("ناحية", "admin2"), ("مديرية", "admin2"),
    ("معتمدية", "admin2"), ("قضاء", "admin2"), ("منطقة", "region"),
)}
_TRIGGER_ENDS = frozenset(k[-2:] for k in _CONTAINED_TRIGGERS)
#: Words between such a name and the place it lies in («قرب نابلس», «شمال حلب»).
_NEAR_WORDS = frozenset(word_key(w) for w in (
    "في", "قرب", "بالقرب", "من", "شمال", "جنوب", "شرق", "غرب", "شمالي", "جنوبي", "شرقي", "غربي",
    "شمالا", "جنوبا", "شرقا", "غربا", "ريف", "بريف", "ضواحي", "وسط", "جنوب", "أطراف", "محيط",
    "التابعة", "الواقعة", "التابع", "الواقع", "داخل",
))
#: First words of two-word place names («دير حافر», «عين العرب», «كفر نبل», «أبو ظبي»).
_NAME_HEADS = frozenset(word_key(w) for w in (
    "دير", "عين", "كفر", "تل", "بيت", "بني", "أبو", "ابو", "أم", "ام", "خان", "جبل", "وادي",
    "رأس", "راس", "سيدي", "بئر", "بير", "قصر", "حي", "مرج", "جسر", "باب", "برج", "سوق", "نهر",
))
#: Words after «منطقة/مدينة …» that are not names.
_GENERIC_NAMES = frozenset(word_key(w) for w in (
    "الشرق", "الغرب", "الشمال", "الجنوب", "الحدود", "الجزاء", "اليورو", "الخليج", "الأمن",
    "الخضراء", "العمليات", "النزاع", "الصراع", "المعارك", "القتال", "المواجهات", "الاشتباكات",
    "عسكرية", "صناعية", "حرة", "آمنة", "عازلة", "منزوعة", "سكنية", "صغيرة", "كبيرة", "جديدة",
    "واحدة", "أخرى", "الحوار", "التجارة", "تجارة", "النفوذ", "الأحداث", "الحرب", "المنطقة",
    "المدينة", "القديمة", "الصناعية", "الحرة", "الآمنة", "العازلة", "السكنية", "الشمالية",
    "الجنوبية", "الشرقية", "الغربية", "الوسطى", "مجاورة", "المجاورة", "حدودية", "الحدودية",
    "ساحلية", "الساحلية", "جبلية", "الجبلية", "نائية", "النائية", "ريفية", "الريفية",
    "رئيسية", "الرئيسية", "الشرطة", "أمن", "قريبة", "القريبة", "بعيدة", "الكورنيش", "مهمة",
    "استراتيجية", "المحيطة", "مختلفة", "عدة", "كل", "محددة", "معينة", "كاملة", "البلدية",
    "تابعة", "واقعة", "تقع", "يقع", "سياحية", "السياحية", "أثرية", "الأثرية", "زراعية",
    "الزراعية", "خاضعة", "الخاضعة", "محاصرة", "المحاصرة", "مأهولة", "حيوية", "كبرى", "الكبرى",
))
#: Words that make a repeat of a common-word name a place («سكان دوما», «في الباب»).
_PLACE_CUES = frozenset(word_key(w) for w in (
    "في", "إلى", "الى", "قرب", "حول", "داخل", "سكان", "أهالي", "اهالي", "أهل", "شمال", "جنوب",
    "شرق", "غرب", "شمالي", "جنوبي", "شرقي", "غربي", "ريف", "أطراف", "محيط", "مدخل", "وسط",
    "ضواحي", "نحو", "باتجاه",
))
_KNOWN_WORDS = (
    _CITY_TRIGGERS | _ADMIN_TRIGGERS | _MEETING | _CAPITAL_WORDS | _LOCATIVE_WORDS | _ORG_BEFORE
    | _PLACE_CUES
)


class _SpanCover:
    """Answers "does one of these spans contain [start, end)?" in O(log n)."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self.starts = [s for s, _e in ordered]
        #: the largest end among the spans that start at or before each position
        self.max_end: list[int] = []
        top = -1
        for _s, e in ordered:
            top = max(top, e)
            self.max_end.append(top)

    def covers(self, start: int, end: int) -> bool:
        """True when some span ``(s, e)`` has ``s <= start`` and ``end <= e``."""
        k = bisect.bisect_right(self.starts, start) - 1
        return k >= 0 and end <= self.max_end[k]

    def overlaps(self, start: int, end: int) -> bool:
        """True when some span ``(s, e)`` has ``s < end`` and ``start < e``."""
        k = bisect.bisect_left(self.starts, end) - 1
        return k >= 0 and start < self.max_end[k]


def _base(key: str) -> str:
    """A context word's key: itself when it is a known word (``ولايه``), else without its
    leading conjunction/preposition (``وبمدينه`` -> ``بمدينه`` ... -> ``مدينه``)."""
    if key in _KNOWN_WORDS:
        return key
    stem = _stem(key)
    return stem


_cached_base = lru_cache(maxsize=200_000)(_base)


def _trigger_kind(key: str) -> str | None:
    """The kind of place a trigger word introduces («مدينة» -> city, «وبمنطقة» -> region),
    or None."""
    if key[-2:] not in _TRIGGER_ENDS:
        return None  # the trigger is what remains after the clitics: a suffix of the key
    return _CONTAINED_TRIGGERS.get(_cached_base(key))



class PlaceResolver:
    """Finds and resolves place mentions in a text, with the article as context."""

    def __init__(
        self,
        gazetteer: Gazetteer | None = None,
        ambiguous: frozenset[str] | None = None,
        demonyms: dict[str, str] | None = None,
        *,
        context_weight: float = 3.0,
    ) -> None:
        self.gaz = gazetteer or load_gazetteer()
        self.ambiguous = ambiguous if ambiguous is not None else load_ambiguous()
        self.demonyms = demonyms if demonyms is not None else load_demonyms()
        self.short_names = load_short_names()
        self.strict = load_strict()
        self._nisba_forms = _nisba_forms(self.demonyms)
        self._key_chars = key_chars()
        self._first_words = self.gaz.first_words
        #: word (or word key: a key is its own key) -> what the resolver needs to know of
        #: it (see :meth:`_info_of`)
        self._info: _Memo[_KeyInfo] = _Memo(self._info_of)
        self.context_weight = context_weight

    # -- finding ------------------------------------------------------------------------
    def find(self, text: str, entities: Sequence[Entity] = ()) -> tuple[list[_Match], _Words]:
        """Gazetteer matches over the words of ``text`` (before disambiguation). Only the
        words with a reading that begins some alias are looked at."""
        words = self.words(text)
        keys = words.keys
        in_ner = _SpanCover((e.start, e.end) for e in entities if e.type in _PLACE_TYPES)
        matches: list[_Match] = []
        deferred: list[_Match] = []
        infos = words.infos
        starting_all = list(map(itemgetter(1), infos))
        after = 0  # the first word after the last accepted match
        for i in compress(range(len(keys)), starting_all):
            if i < after:
                continue
            best: tuple[int, list[int], str, str] | None = None
            starting = starting_all[i]
            limit = infos[i][2]
            run = [keys[i]] if limit == 1 else self._run(words, i, limit)
            for stem, pre in starting:
                hit = self.gaz.match_at(run, 0, stem)
                if hit and (best is None or hit[0] > best[0]):
                    best = (hit[0], hit[1], stem, pre)
            if best is None:
                continue
            n, cands, stem, pre = best
            last = i + n - 1
            start = _skip_letters(text, words.starts[i], len(pre))
            match = _Match(start, words.ends[last], i, last, (stem, *keys[i + 1 : i + n]), cands,
                           pre)
            match.ner = in_ner.covers(match.start, match.end)
            self._annotate(match, words)
            if self._accept(match) or self._coordinated(match, matches, words):
                matches.append(match)
                after = last + 1
            elif not (match.org or match.adjective) and " ".join(match.alias) not in self.strict:
                deferred.append(match)
        # one sense per article: a common-word name accepted once with context (a trigger
        # word, a list, an NER tag) is a place at its other mentions too («مدينة الباب» ...
        # «الباب»)
        licensed = {m.alias for m in matches}
        taken = [(m.first, m.last) for m in matches]
        for m in deferred:
            prev = infos[m.first - 1][5] if m.first > 0 else ""  # _base
            cue = "ب" in m.prefix or prev in _PLACE_CUES
            if cue and m.alias in licensed and not any(a <= m.last and m.first <= b for a, b in taken):
                matches.append(m)
                taken.append((m.first, m.last))
        matches.sort(key=lambda m: m.first)
        return matches, words

    def _coordinated(self, m: _Match, matches: list[_Match], words: _Words) -> bool:
        """An ambiguous name in a list of places («حلب والرقة ودير الزور والباب»): the
        previous match ends right before it (or one comma/و before) and ``و`` joins them."""
        if not matches or len(m.alias[0]) <= 3 or not _adjacent(matches[-1], m, words):
            return False
        if " ".join(m.alias) in self.strict or m.org or m.adjective:
            return False
        prev = matches[-1]
        prev_countries = {self.gaz.places[i].country for i in prev.candidates}
        return " ".join(prev.alias) not in self.ambiguous and any(
            self.gaz.places[i].country in prev_countries for i in m.candidates
        )

    def _mark_country_lists(self, matches: list[_Match], words: _Words) -> None:
        """Flag mentions coordinated with a country name («قطر وعمان والكويت»)."""
        def is_country(m: _Match) -> bool:
            return any(self.gaz.places[i].kind == "country" for i in m.candidates)

        for a, b in pairwise(matches):
            if _adjacent(a, b, words):
                if is_country(a):
                    b.country_list = True
                if is_country(b):
                    a.country_list = True

    def words(self, text: str) -> _Words:
        """The words of ``text``, with their keys and :meth:`_info_of` each word."""
        texts, starts, ends = _split(text)
        infos = list(map(self._info.__getitem__, texts))
        return _Words(texts, list(map(itemgetter(0), infos)), starts, ends, infos)

    def _info_of(self, word: str) -> _KeyInfo:
        """A word's key, the key's readings that begin some alias (usually none), the
        length of the longest such alias (at most 6 words), the country of the nisba it
        is, the kind of place it introduces as a trigger word, its :func:`_base` and
        whether it is a meeting word. (Run once per distinct word: helpers inlined.)"""
        key = word.translate(self._key_chars).replace("-", "").replace("'", "") \
            if len(word) > 1 else word  # _key(word)
        variants = _variants(key)
        longest = self._first_words
        readings = tuple([v for v in variants if v[0] in longest])
        limit = min(6, max([longest[stem] for stem, _pre in readings])) if readings else 0
        nisba: str | None = None
        if len(key) > 3:  # :func:`_nisba`, inlined
            forms = self._nisba_forms
            for stem, _pre in variants:
                if stem.startswith("ال") and len(stem) > 4:
                    stem = stem[2:]
                if stem in forms:
                    nisba = forms[stem]
                    break
        stem = _stem(key)
        base = key if key in _KNOWN_WORDS else stem  # _base(key)
        trigger = _CONTAINED_TRIGGERS.get(base) if key[-2:] in _TRIGGER_ENDS else None
        meeting = key in _MEETING or stem in _MEETING
        return key, readings, limit, nisba, trigger, base, meeting

    def _nisba_of(self, key: str) -> str | None:
        """:func:`_nisba` with a cache (None for keys of three letters or fewer)."""
        return self._info[key][3]

    @staticmethod
    def _run(words: _Words, i: int, limit: int) -> list[str]:
        """Keys of the words from ``i`` on (at most ``limit``) that follow each other with
        only spaces between (what separates two words is only ever white space: every
        other character is a word of its own)."""
        keys, texts = words.keys, words.texts
        out = [keys[i]]
        j = i + 1
        n = len(keys)
        while j < n and len(out) < limit:
            if text_gap(texts[j]):
                break
            out.append(keys[j])
            j += 1
        return out

    def _annotate(self, m: _Match, words: _Words) -> None:
        keys, texts = words.keys, words.texts
        back = [j for j in range(m.first - 1, max(-1, m.first - 5), -1) if texts[j] not in _QUOTES]
        infos = words.infos  # [5]: _base of the key
        prev = infos[back[0]][5] if back else ""
        prev2 = infos[back[1]][5] if len(back) > 1 else ""
        if prev in _CITY_TRIGGERS or (prev2 in _CITY_TRIGGERS and _nisba(prev, self._nisba_forms)):
            m.trigger = "city"
        elif prev in _ADMIN_TRIGGERS:
            m.trigger = "admin"
        m.after_capital = prev in _CAPITAL_WORDS or prev2 in _CAPITAL_WORDS
        next_key = keys[m.last + 1] if m.last + 1 < len(keys) else ""
        m.org = (bool(back) and back[0] == m.first - 1 and prev in _ORG_BEFORE) or (
            next_key in _ORG_AFTER and m.last + 1 < len(words)
            and not text_gap(texts[m.last + 1])
        )
        if (
            len(m.alias) == 1 and not m.prefix and m.first > 0 and back and back[0] == m.first - 1
            and keys[m.first - 1].startswith("ال") and len(keys[m.first - 1]) > 4
            and self._nisba_of(m.alias[0]) is not None
        ):
            m.adjective = True
        if prev2 in _CAPITAL_WORDS and (c := _nisba(prev, self._nisba_forms)):
            m.nisba_country = c
        if m.last + 1 < len(keys):
            nxt = keys[m.last + 1]
            if nxt in _CAPITAL_WORDS:
                m.after_capital = True
            m.nisba_country = self._nisba_of(nxt) or m.nisba_country
        prev_raw = keys[back[0]] if back else ""
        locative = "ب" in m.prefix or prev in _LOCATIVE_WORDS or (
            _stem(prev_raw) != prev_raw and "ب" in prev_raw[:2] and m.trigger is not None
        )
        if locative:
            m.meeting = self._near_meeting(words, m)

    @staticmethod
    def _near_meeting(words: _Words, m: _Match, window: int = 12) -> bool:
        texts, infos = words.texts, words.infos
        for step, limit in ((-1, max(0, m.first - window)), (1, min(len(words) - 1, m.last + window))):
            j = m.first - 1 if step < 0 else m.last + 1
            while (j >= limit) if step < 0 else (j <= limit):
                if texts[j] in _SENTENCE_END:
                    break
                if infos[j][6]:  # a meeting word
                    return True
                j += step
        return False

    def _accept(self, m: _Match) -> bool:
        alias = " ".join(m.alias)
        if len(alias) <= 2 or ((m.org or m.adjective) and not m.ner):
            return False
        if alias in self.strict:
            return m.ner
        context = bool(m.trigger or m.ner or m.nisba_country)
        if alias in self.ambiguous and not (m.ner or (m.trigger and not m.after_capital)):
            return False
        if len(alias) <= 3 and alias not in self.short_names and not context:
            return False
        return True

    def _needs_country(self, m: _Match) -> bool:
        """A single-word name of small places only: kept when the article is about their
        country (or with a trigger word / NER tag)."""
        if m.trigger or m.ner or m.nisba_country or len(m.alias) > 1:
            return False
        return all(
            p.kind == "city" and p.population < SMALL_PLACE
            for p in (self.gaz.places[i] for i in m.candidates)
        )

    # -- resolving -------------------------------------------------------------------------
    def context(self, words: _Words, matches: list[_Match]) -> Mapping[str, float]:
        """Country weights for the article from strong signals: nisba adjectives, country
        names, and names that only places of one country bear (towns of some size,
        administrative units, regions)."""
        weights: defaultdict[str, float] = defaultdict(float)
        for c, count in Counter(filter(None, map(itemgetter(3), words.infos))).items():
            weights[c] += float(count)
        for m in matches:
            places = [self.gaz.places[i] for i in m.candidates]
            countries = {p.country for p in places}
            if len(countries) != 1 or " ".join(m.alias) in self.ambiguous:
                continue
            if any(p.kind == "country" for p in places):
                weights[countries.pop()] += 2.0
            elif any(p.kind != "city" or p.population >= SMALL_PLACE for p in places):
                weights[countries.pop()] += 1.0
        return weights

    def score(self, place: Place, m: _Match, context: Mapping[str, float], total: float) -> float:
        """How well ``place`` fits the mention ``m`` in an article with ``context``."""
        if place.kind == "country":
            s = 4.0
        elif place.kind == "region":
            s = 2.5
        elif place.kind == "admin1":
            s = 2.3
        elif place.kind == "admin2":
            s = 1.0
        else:
            s = 0.5 + 0.5 * min(math.log10(place.population + 1), 7.5)
        if total > 0:
            # a damped share: one mention of a country is a hint, many are a theme
            s += self.context_weight * context.get(place.country, 0.0) / (total + 3.0)
        if m.trigger == "city":
            s += 3.0 if place.kind == "city" else -2.0
        elif m.trigger == "admin":
            s += 3.0 if place.kind in ("admin1", "admin2", "region") else (-1.0 if place.kind == "city" else -3.0)
        if m.nisba_country and place.country == m.nisba_country:
            s += 4.0
        if m.country_list and place.kind == "country":
            s += 2.5
        return s

    def resolve(
        self, m: _Match, context: Mapping[str, float], near: PlaceMention | None = None
    ) -> tuple[Place, float]:
        """The best entry for a mention and a confidence in [0, 1]; ``near`` is a place the
        text says this one lies in or near («دوما قرب نابلس»)."""
        places = [self.gaz.places[i] for i in m.candidates]
        total = float(sum(context.values()))
        countries = {p.country for p in places if p.kind == "country"}
        capital_city = [p for p in places if p.kind == "city" and p.country in countries]
        if countries and capital_city:
            want_city = m.trigger == "city" or m.after_capital or m.meeting
            pool = capital_city if want_city else [p for p in places if p.kind == "country"]
            best = max(pool, key=lambda p: p.population)
            return best, 0.85
        def total_score(p: Place) -> float:
            s = self.score(p, m, context, total)
            if near is not None and near.lat is not None and near.lon is not None:
                if p.country == near.country:
                    s += 2.0
                if _km(p.lat, p.lon, near.lat, near.lon) < 100.0:
                    s += 2.0
            return s

        scored = sorted(((total_score(p), p) for p in places), key=lambda t: (-t[0], -t[1].population))
        best_score, best = scored[0]
        if len(scored) == 1:
            conf = 0.95
        else:
            # the share of the candidates' weight that agrees with the choice (the same
            # place at another level — Derna the city and Derna the district — agrees)
            weights = [math.exp(sc - best_score) for sc, _p in scored]
            agree = sum(
                w for w, (_sc, p) in zip(weights, scored, strict=True)
                if p.country == best.country and (
                    (p.admin1 and p.admin1 == best.admin1 and p.kind != "country")
                    or _km(p.lat, p.lon, best.lat, best.lon) <= 25.0
                )
            )
            conf = min(0.99, agree / sum(weights))
        if not (m.ner or m.trigger) and " ".join(m.alias) in self.ambiguous:
            conf *= 0.8
        return best, round(conf, 3)

    def _contained(
        self, text: str, words: _Words, resolved: list[tuple[_Match, PlaceMention]]
    ) -> list[PlaceMention]:
        """Places the gazetteer lacks, named after a trigger word and placed by the text
        itself: «قرية دوما قرب نابلس», «منطقة الحوبان بمدينة تعز». The mention takes the
        coordinates of the enclosing or nearby place; ``precision`` says at which level."""
        by_first = {m.first: (m, mention) for m, mention in resolved}
        taken = {i for m, _ in resolved for i in range(m.first, m.last + 1)}
        out: list[PlaceMention] = []
        keys, starts, ends = words.keys, words.starts, words.ends
        kinds = list(map(itemgetter(4), words.infos[:-1]))
        for i in compress(range(len(kinds)), kinds):
            kind = kinds[i]
            if i + 1 in taken or i + 1 in by_first:
                continue
            first = i + 1
            name_key = keys[first]
            if len(name_key) < 3 or not name_key[0].isalpha() or name_key in _GENERIC_NAMES:
                continue
            last = first
            if name_key in _NAME_HEADS and first + 1 < len(keys) and keys[first + 1][:1].isalpha():
                last = first + 1
            if text[ends[first] : starts[last]].strip() if last > first else False:
                last = first
            anchor = _contained_anchor(words, last, by_first)
            if anchor is None or (anchor.kind == "country" and kind != "city"):
                continue
            start, end = starts[first], ends[last]
            out.append(PlaceMention(
                start=start, end=end, text=text[start:end], name=text[start:end], name_en=None,
                lat=anchor.lat, lon=anchor.lon, kind=kind, admin1=anchor.admin1,
                country=anchor.country, geonames_id=None, precision=anchor.kind,
                confidence=round(0.5 * anchor.confidence, 3),
            ))
        return out

    def __call__(self, text: str, entities: Sequence[Entity] = ()) -> list[PlaceMention]:
        """Every place mention in ``text``, resolved, in text order."""
        matches, words = self.find(text, entities)
        self._mark_country_lists(matches, words)
        ctx = self.context(words, matches)
        out: list[PlaceMention] = []
        resolved: list[tuple[_Match, PlaceMention]] = []
        chosen: dict[int, Place] = {}
        for m in matches:
            if self._needs_country(m) and not any(
                ctx.get(self.gaz.places[i].country) for i in m.candidates
            ):
                continue
            place, conf = self.resolve(m, ctx)
            mention = _mention(text, m.start, m.end, place, conf)
            out.append(mention)
            resolved.append((m, mention))
            chosen[id(mention)] = place

        def replace(k: int, place: Place, conf: float) -> None:
            m, old = resolved[k]
            if chosen[id(old)] is place:
                return
            new = _mention(text, m.start, m.end, place, conf)
            resolved[k] = (m, new)
            out[out.index(old)] = new
            chosen[id(new)] = place

        # a homonym the text places near another place is resolved again with that place
        by_first = {m.first: (m, mention) for m, mention in resolved}
        sure: dict[tuple[str, ...], Place] = {}
        for k, (m, _mention_k) in enumerate(resolved):
            if len(m.candidates) > 1 and (near := _contained_anchor(words, m.last, by_first)):
                place, conf = self.resolve(m, ctx, near)
                replace(k, place, conf)
                sure.setdefault(m.alias, place)
            elif len(m.candidates) > 1 and (m.nisba_country or m.trigger == "city"):
                sure.setdefault(m.alias, chosen[id(resolved[k][1])])
        # one sense per article: a bare repeat of a name takes the reading the article
        # made explicit once («طرابلس اللبنانية» ... «طرابلس»), countries/capitals aside
        for k, (m, mention) in enumerate(resolved):
            explicit = sure.get(m.alias)
            if (
                explicit is not None and not (m.nisba_country or m.trigger)
                and explicit.index in m.candidates
                and not any(self.gaz.places[i].kind == "country" for i in m.candidates)
            ):
                replace(k, explicit, max(mention.confidence, 0.8))
        out.extend(self._contained(text, words, resolved))
        covered = _SpanCover((p.start, p.end) for p in out)
        for e in entities:
            if (e.type in _PLACE_TYPES and not covered.overlaps(e.start, e.end)
                    and not _not_a_place(e.text)):
                out.append(PlaceMention(e.start, e.end, e.text, None, None, None, None, None,
                                        None, None, None, None, confidence=0.2))
        out.sort(key=lambda p: (p.start, p.end))
        return out


def _not_a_place(text: str) -> bool:
    """True for a named-entity span made only of words that are never a place by
    themselves (``data/places/not_places.txt``: the tagger's «ريف» in «ريف إدلب»,
    «ميليشيات»)."""
    never = load_not_places()
    keys = [word_key(w) for w in text.split()]
    return bool(keys) and all(k in never or _stem(k) in never for k in keys)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(
        math.radians(lon2 - lon1) / 2
    ) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, a)))


def _contained_anchor(
    words: _Words, j: int, by_first: dict[int, tuple[_Match, PlaceMention]]
) -> PlaceMention | None:
    """The resolved place that a name ending at word ``j`` is said to lie in or near:
    «… بمدينة تعز», «… في الضفة الغربية», «… قرب نابلس», «… ، شمال حلب»."""
    k = j + 1
    steps = 0
    while k < len(words) and steps < 3:
        text = words.texts[k]
        if k in by_first:
            m, mention = by_first[k]
            if "ب" in m.prefix or steps > 0:
                return mention
            return None
        if text in _SENTENCE_END:
            return None
        base = words.infos[k][5]  # _base of the key
        if text not in _LIST_GAP and base not in _NEAR_WORDS and not (
            base in _CITY_TRIGGERS or base in _ADMIN_TRIGGERS
        ):
            return None
        k += 1
        steps += 1
    return None


def _mention(text: str, start: int, end: int, place: Place, conf: float) -> PlaceMention:
    return PlaceMention(
        start=start,
        end=end,
        text=text[start:end],
        name=place.name,
        name_en=place.name_en,
        lat=place.lat,
        lon=place.lon,
        kind=place.kind,
        admin1=place.admin1 or None,
        country=place.country or None,
        geonames_id=place.geonames_id,
        precision=place.kind,
        confidence=conf,
    )


_RESOLVER: PlaceResolver | None = None


def get_resolver() -> PlaceResolver:
    """The shared resolver over the packaged gazetteer (built once)."""
    global _RESOLVER
    if _RESOLVER is None:
        _RESOLVER = PlaceResolver()
    return _RESOLVER


def geocode(text: str, entities: Iterable[Entity] = ()) -> list[PlaceMention]:
    """Find and resolve the place mentions in an Arabic text (for the UI and notebooks)."""
    return get_resolver()(text, tuple(entities))


def lookup_place(name: str) -> list[dict[str, object]]:
    """Gazetteer entries an exact place name may refer to, most populous first, as dicts."""
    return [dataclasses.asdict(p) for p in get_resolver().gaz.lookup(name)]


@register_stage("places", requires=("tokens", "entities"), assigns=("places",))
def make_places(config: StageConfig) -> Stage:
    """Geocode place mentions."""
    resolver = PlaceResolver(context_weight=float(config.get("context_weight", 3.0)))

    def places(doc: Document) -> Document:
        return dataclasses.replace(doc, places=tuple(resolver(doc.text, doc.entities)))

    return places
