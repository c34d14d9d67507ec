"""Resolve actor mentions to identities with CAMEO/PLOVER-style country and sector codes.

The ``actors`` stage (requires ``tokens`` and ``entities``, assigns ``actors``) finds every
actor mention of an article and resolves it against the knowledge base shipped in
``marsad/data/actors/`` (see :mod:`marsad.actors_kb` and ``data/actors/README.md``). It
works without NER entities (they only add names the KB and the rules miss). Mentions do
not overlap, except that one phrase may name several actors («وزيري خارجية مصر وتونس»,
«المجتمعون»): then there is one mention per actor, with the same span.

How a mention is resolved:

1. **Aliases** — the longest KB alias matching the words, with hamza, alef, ya,
   ta-marbuta and diacritics folded and ``ال`` optional (a one-word *name* must agree on
   ``ال``: «مالي» is not «المالي»); proclitics stay outside the span («لقوات حفتر» ->
   «قوات حفتر»). Organisations with a period match only inside it when the article has a
   date; a person's code and role come from the period holding on the article's date.
2. **Contextual aliases** — «الجيش», «القيادة العامة», «قوات الجيش», «القوات المسلحة» are
   the LNA only when the article names the LNA or one of its units or leaders (حفتر،
   الكرامة، الصاعقة ...) and the sentence names no other country («الجيش المصري»);
   «مجلس الدولة» is Libya's High Council of State in an article about Libya. Otherwise a
   shorter match or a generic reading takes over.
3. **Titles and roles** — «وزير الخارجية الجزائري» (DZA GOV; and the person holding a
   country's unique office on the article's date when the KB knows it), «وزير التعليم
   العالي العراقي», «وزيري خارجية مصر وتونس» (EGY GOV and TUN GOV), «المبعوث الاممي لدى
   ليبيا غسان سلامة» (UN envoy), «المتحدث الرسمي باسم الجيش العميد احمد المسماري» (the
   LNA's spokesman), «متحدث باسم خليفة حفتر» (the spokesman of Haftar, not Haftar), an
   appositive title after a KB person («سامح شكري وزير خارجية مصر»), a counterpart
   («نظيره التونسي» -> the same office in Tunisia). The name after a title comes from the
   KB, the NER entities, or a given-name list (عبد/أبو/بن joined). A one-word title written
   with ``ال`` in ``roles.tsv`` needs it («الأمير», not the given name «أمير»).
4. **Nationality adjectives** — «الارهابي المصري الجنسية عمر سرور» (EGY, INS); adjectives
   are derived for every country (كينيا -> الكيني/الكينية/الكينيين).
5. **Generic actors** — «الجماعات الارهابية» (INS), «مسلحون» (UAF), «المتظاهرين» (CVL,
   protesters), «المدنيين», «اهالي درنة» (CVL with the country of the place, else of the
   article), «الجيش المصري» (EGY MIL, kb_id ``EGY-MIL``): ``generic=True`` unless a
   country's institution is named. Armed groups and international bodies do not take the
   article's country. «المجتمعون» becomes the participants of the last reported meeting
   that names two countries or more (one mention per country).
6. **Coreference** — a later surname alone («شكري») is the person named earlier («سامح
   شكري»); a bare definite office («الوزير») is the last minister mentioned; «وزير
   الخارجية» with no country is the office of the article's country.
7. **NER entities** — a PER entity that matches nothing becomes an actor without
   ``kb_id`` (a person is a potential event actor); an ORG entity only when its first
   word gives a sector (``org_heads.tsv``: حزب -> PTY, شركة -> BUS ...).

Country names alone («الجزائر تحتضن ...») are actors with the country code only (no
sector), except after a locative preposition («في ليبيا», «بالجزائر»), in a dateline
(«القاهرة - ...») or as an adjective («الجمعية السعودية»).

API for other stages (e.g. events)::

    load_kb() -> KnowledgeBase                       # cached; marsad.actors_kb
    resolve_actors(doc) -> tuple[ActorMention, ...]  # what the stage assigns
    resolve_span(doc, start, end) -> ActorMention | None
    resolve_span_all(doc, start, end) -> list[ActorMention]
    generic_actor(text, *, country=None, date=None) -> ActorMention | None

``resolve_span`` returns the head actor of a phrase: from ``doc.actors`` when the stage
has run (the mention covering the span start, else the first one inside), else by
resolving the span's text in the article's context; when only a nationality or a country
is found («صاروخ اسرائيلي») it returns that country with no sector (confidence 0.4).
``resolve_span_all`` returns every actor of the span (both ministers of a dual title).
``generic_actor`` resolves a free noun phrase («مسلحون مجهولون» -> UAF); offsets are
relative to the phrase. ``marsad.actors_eval`` scores country and sector codes on gold
actor spans (``assault_spans.json``).
"""

from __future__ import annotations

import bisect
import dataclasses
import email.utils
import heapq
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, compress
from operator import itemgetter

import regex

from marsad.actors_kb import (
    Actor,
    Generic,
    Item,
    KnowledgeBase,
    Role,
    has_al,
    key_chars,
    load_kb,
    word_key,
)
from marsad.doc import ActorMention, Document, Entity
from marsad.normalize import match_key, normalize, strip_al
from marsad.pipeline import Stage, StageConfig, register_stage

__all__ = [
    "generic_actor",
    "load_kb",
    "make_actors",
    "resolve_actors",
    "resolve_span",
    "resolve_span_all",
]

log = logging.getLogger(__name__)

_PREFIXES = ("و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل", "فك")
#: the proclitic sequences a word can start with, by its first letter (in that order)
_PREFIXES_BY_FIRST = {ch: tuple(p for p in _PREFIXES if p[0] == ch) for ch in "وفبلك"}
_MEETING = regex.compile(r"اجتماع|لقاء|قمه|موتمر|اجتمع|مباحثات|محادثات|مشاورات")


def _keys(*words: str) -> frozenset[str]:
    return frozenset(word_key(w) for w in words)


#: Words skipped inside a title phrase (المتحدث الرسمي، المبعوث الخاص، المصري الجنسية).
_FILLERS = _keys("الرسمي", "الخاص", "الدائم", "الأول", "السابق", "الحالي", "الجديد", "المكلف",
                 "المؤقت", "الجنسية", "الأصل", "بالإنابة", "العام", "الأعلى", "المفوض")
#: Words that link a title to a target («لدى ليبيا», «إلى ليبيا», «في ليبيا»).
_LINKERS = _keys("لدى", "إلى", "الى", "في", "عن", "حول")
#: Words after which a country name is a place, not an actor.
_LOCATIVE = _keys("في", "إلى", "الى", "من", "داخل", "نحو", "عبر", "حول", "شرق", "غرب", "شمال",
                  "جنوب", "قرب", "بين", "خارج", "لدى", "مع", "تجاه", "أراضي", "عاصمة", "مدينة",
                  "أزمة", "ازمة", "ملف", "شأن", "بشأن", "حدود", "سواحل", "صلاة", "صلاه")
#: Words that never start or continue a person's name.
_NOT_NAME = _keys("في", "من", "على", "إلى", "الى", "عن", "أن", "ان", "إن", "قد", "لا", "لم", "لن",
                  "ما", "ثم", "الذي", "التي", "هذا", "هذه", "ذلك", "كان", "قال", "أكد", "اكد",
                  "أن", "بأن", "بان", "إنه", "انه", "خلال", "بعد", "قبل", "عند", "أمس", "امس",
                  "اليوم", "غدا", "حيث", "كما", "أيضا", "ايضا", "وقال", "وأكد", "الذين",
                  "قرب", "بالقرب", "نحو", "ضد", "مع", "عبر", "منذ", "إثر", "اثر", "وسط", "أمام",
                  "خلف", "دون", "رغم", "بين", "عقب", "يوم", "مساء", "صباح", "فجر", "ليلة")
#: Titles that take a target («السفير الأمريكي لدى ليبيا», «المبعوث الأممي إلى ليبيا»).
_TARGETED = regex.compile(r"envoy|ambassador|representative|mission|consul")
#: Offices a country has one holder of at a time (resolved to the person on the date).
_UNIQUE_OFFICES = frozenset({
    "president", "prime minister", "foreign minister", "defence minister", "interior minister",
    "king", "crown prince", "emir", "head of state", "speaker of parliament", "justice minister",
    "finance minister", "oil minister", "vice president", "supreme leader", "sultan",
})
#: Generic actors that do not take the article's country when none is given: international
#: bodies, and armed groups whose nationality the text does not say (مسلحون، الجماعات الإرهابية).
_NO_INFERRED_COUNTRY = frozenset({"IGO", "NGO", "UAF", "INS", "REB", "CRM"})
#: Titles followed by a portfolio or body before the country («وزير التعليم العالي العراقي»).
_PORTFOLIO_ROLES = frozenset({"minister", "head", "director", "official", "deputy head",
                              "commander", "minister of state", "governor"})
_NOT_AFTER_PREPOSITION = frozenset({"presidency"})
#: «نظيره» (his counterpart) and its forms: the same office in another country.
_COUNTERPART = _keys("نظيره", "نظيرها", "نظيريه", "نظيريها", "نظرائه", "نظرائها", "نظيرته",
                     "نظيرتها", "نظيرهم")
_PARTICIPANT_SECTORS = frozenset({"GOV", "LEG", "IGO"})
_NOT_NAME_SURFACE = frozenset({"على", "علي", "الى", "لدى", "حتى", "متى", "سوى", "عليه"}) - {"علي"}
_NAME_JOINERS = _keys("عبد", "أبو", "ابو", "بن", "ابن", "بنت", "ولد", "آل", "ال")


@dataclass(slots=True)
class _Seg:
    """Words ``i`` to ``j - 1``: an alias match when ``items`` is not empty."""

    i: int
    j: int
    start: int
    end: int
    items: Sequence[Item]
    prefix: str


#: (key, offset of the variant in the word, prefix, has ال)
_Variant = tuple[str, int, str, bool]
#: (full key, variants): the analysis of one surface word
_Analysis = tuple[str, list[_Variant]]


#: a reading of a word that begins some alias: (offset in the word, prefix, key, the
#: one-word items that agree on ال, the contextual-alias items under the key)
_Start = tuple[int, str, str, list[Item], tuple[Item, ...]]


@dataclass(frozen=True, slots=True)
class _Words:
    """The words of a text as parallel lists: one entry per word, but no object per word
    (an article has about a thousand words and most of them match nothing)."""

    surfaces: list[str]
    starts: list[int]
    ends: list[int]
    keys: list[str]  # the full key of each word (word_key)
    gaps: list[bool]  # something other than spaces separates it from the previous word
    firsts: list[tuple[_Start, ...]]  # the readings of each word that begin an alias
    kb: KnowledgeBase  # the knowledge base of ``firsts``


_NO_ITEMS: tuple[Item, ...] = ()


@dataclass
class _Context:
    """What the whole article says, used to resolve contextual aliases and generics."""

    date: str | None
    families: set[str] = field(default_factory=set)
    country: str | None = None


_RAW_WORD = re.compile(
    r"[\u0621-\u063A\u0641-\u064A\u0671-\u06D3\u06FA-\u06FC]"
    r"[\u0621-\u065F\u0670-\u06D3\u06D6-\u06ED\u06FA-\u06FC]*"
    r"|[0-9\u0660-\u0669\u06F0-\u06F9]+"
)
_RAW_WORD_SPLIT = re.compile(f"({_RAW_WORD.pattern})")
#: characters that do not separate two words of a name: invisible marks, tatweel, and the
#: hashtag signs of social-media style text («#ميليشيات_الحوثي»)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u061c\u202a\u202b\u202c"
                                    "\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u0640#_"))


class _GapCache(dict[str, bool]):
    """text between two words -> True when it separates them (not only spaces, invisible
    marks, tatweel or hashtag signs)."""

    def __missing__(self, between: str) -> bool:
        gap = between != " " and bool(between.translate(_INVISIBLE).strip())
        if len(self) > 50_000:
            self.clear()
        self[between] = gap
        return gap


_GAPS = _GapCache()


@lru_cache(maxsize=4096)
def _kept_char(ch: str) -> bool:
    """True when the character survives :func:`match_key` (not a diacritic or mark)."""
    return bool(match_key(ch))


def _analyse(surface: str) -> _Analysis:
    """Keys of one word and of its proclitic-stripped variants."""
    w = surface.translate(key_chars())  # match_key(surface)
    full = strip_al(w)
    variants: list[_Variant] = [(full, 0, "", w != full)]
    seen = {full}
    if len(w) > 3 and w[0] in _PREFIXES_BY_FIRST:
        # original index of each kept (normalised) character; the folds of a word's
        # letters are one-to-one or deletions, so the same length means no deletion
        index = range(len(w)) if len(w) == len(surface) else \
            [i for i, ch in enumerate(surface) if _kept_char(ch)]
        if len(index) == len(w):
            for p in _PREFIXES_BY_FIRST[w[0]]:
                if not w.startswith(p) or len(w) - len(p) < 2:
                    continue
                # ``rest`` is normalised already (match_key is idempotent): its word_key
                # is strip_al(rest)
                rest = w[len(p):]
                key = strip_al(rest)
                keys = [(key, index[len(p)], p, key != rest)]
                if p.endswith("ل") and rest.startswith("ل") and len(rest) > 3:
                    # لل = ل + ال: the article's ل stays out of the span too
                    keys.append((strip_al("ا" + rest), index[len(p) + 1], p + "ل", True))
                for k, off, pre, al in keys:
                    if k and k not in seen:
                        seen.add(k)
                        variants.append((k, off, pre, al))
    return full, variants


def _words(text: str, kb: KnowledgeBase) -> _Words:
    """Split ``text`` into words and look them up; every step is one C-level pass over
    the article (split, ``map`` over the word records, ``accumulate`` for the offsets)."""
    # [separator, word, separator, word, ..., separator]
    parts = _RAW_WORD_SPLIT.split(text)
    surfaces = parts[1::2]
    bounds = list(accumulate(map(len, parts)))
    records = list(map(_word_cache(kb).__getitem__, surfaces))
    gaps = list(map(_GAPS.__getitem__, parts[2:-1:2]))
    if surfaces:
        gaps.insert(0, False)
    return _Words(surfaces, bounds[0:-1:2], bounds[1::2], list(map(itemgetter(0), records)),
                  gaps, list(map(itemgetter(1), records)), kb)


@lru_cache(maxsize=64)
def _default_words(text: str) -> _Words:
    return _words(text, load_kb())


def _cached_words(text: str, kb: KnowledgeBase) -> _Words:
    """:func:`_words` of a whole article (cached: the context pre-pass and the resolver
    read the same words)."""
    global _LAST_WORDS
    if kb is load_kb():
        return _default_words(text)
    if _LAST_WORDS is not None and _LAST_WORDS[0] is kb and _LAST_WORDS[1] == text:
        return _LAST_WORDS[2]
    words = _words(text, kb)
    _LAST_WORDS = (kb, text, words)
    return words


#: the last article split with another KB than the shipped one (kb, text, words)
_LAST_WORDS: tuple[KnowledgeBase, str, _Words] | None = None


class _WordCache(dict[str, tuple[str, tuple[_Start, ...]]]):
    """surface word -> its full key and its readings that begin some alias of one KB
    (usually none)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        super().__init__()
        self.kb = kb
        #: the first words of the aliases
        self.first_words = frozenset(k[0] for k in kb.prefixes if len(k) == 1)
        #: (key, has ال) -> the one-word items that agree on ال, the contextual ones
        self.by_key: dict[tuple[str, bool], tuple[list[Item], tuple[Item, ...]]] = {}

    def __missing__(self, surface: str) -> tuple[str, tuple[_Start, ...]]:
        found: list[_Start] = []
        full, variants = _analyse(surface)
        first_words = self.first_words
        for key, off, prefix, al in variants:
            if key in first_words:
                items = self.by_key.get((key, al))
                if items is None:
                    listed = self.kb.keys.get((key,)) or []
                    # a one-word name must agree on ال (مالي ≠ المالي, الكاميرون ≠ كاميرون)
                    items = ([it for it in listed if it.al < 0 or it.al == al],
                             tuple(it for it in listed if it.kind == "ctx_actor"))
                    self.by_key[key, al] = items
                found.append((off, prefix, key, items[0], items[1]))
        if len(self) > 200_000:
            self.clear()
        self[surface] = result = (full, tuple(found))
        return result


#: id(kb) -> (kb, its word cache); the kb is kept so that its id is not reused
_WORD_CACHES: dict[int, tuple[KnowledgeBase, _WordCache]] = {}


def _word_cache(kb: KnowledgeBase) -> _WordCache:
    found = _WORD_CACHES.get(id(kb))
    if found is None or found[0] is not kb:
        if len(_WORD_CACHES) > 8:
            _WORD_CACHES.clear()
        found = (kb, _WordCache(kb))
        _WORD_CACHES[id(kb)] = found
    return found[1]


class _Segments(dict[int, _Seg]):
    """A segmentation of the words, indexed by segment number: the alias matches, and one
    one-word segment (without items) for every other word, made when it is first read
    (``segs[p]`` is a C-level dictionary look-up; ``__missing__`` makes the others).
    ``len()`` and iteration give the segments, in order."""

    def __init__(self, words: _Words, matches: list[_Seg]) -> None:
        super().__init__()
        self.words = words
        self.matches = matches
        self._index: list[int] = []  # segment index of each match
        self._shift: list[int] = []  # word index - segment index after each match
        self._firsts = [m.i for m in matches]  # word index of each match's first word
        shift = 0
        for m in matches:
            self._index.append(m.i - shift)
            self[m.i - shift] = m
            shift += m.j - m.i - 1
            self._shift.append(shift)
        #: the number of segments
        self.size = len(words.keys) - shift

    def __missing__(self, p: int) -> _Seg:
        if not 0 <= p < self.size:
            if -self.size <= p < 0:
                return self[p + self.size]  # as a list does
            raise IndexError(p)
        k = bisect.bisect_right(self._index, p) - 1
        w = p + (self._shift[k] if k >= 0 else 0)
        seg = _Seg(w, w + 1, self.words.starts[w], self.words.ends[w], _NO_ITEMS, "")
        self[p] = seg
        return seg

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[_Seg]:  # type: ignore[override]
        return (self[p] for p in range(self.size))

    def index_of_word(self, w: int) -> int | None:
        """The segment index of word ``w`` when it is a segment of its own (not inside a
        match), else None."""
        k = bisect.bisect_right(self._firsts, w) - 1
        if k >= 0 and w < self.matches[k].j:
            return None
        return w - (self._shift[k] if k >= 0 else 0)

    def match_indexes(self) -> list[int]:
        """The segment indexes of the matches."""
        return self._index


def _segments(words: _Words, kb: KnowledgeBase,
              keep: Callable[[Item], bool] | None = None) -> _Segments:
    """Longest alias matches, left to right; ``keep`` filters items (contextual aliases
    whose context does not hold), so that a shorter match can take their place."""
    return _Segments(words, _scan(words, kb, keep).matches)


@dataclass(slots=True)
class _Scan:
    """The alias matches of a text and what the scan met on the way."""

    matches: list[_Seg]
    #: the contextual-alias items looked at (when ``keep`` accepts them all, the
    #: segmentation is the same with ``keep``)
    ctx_seen: list[Item]
    #: word -> the match found there (None: none), for the words whose look-up met no
    #: contextual alias: the same with any ``keep`` that only filters those
    plain: dict[int, _Seg | None]


def _scan(words: _Words, kb: KnowledgeBase, keep: Callable[[Item], bool] | None,
          reuse: dict[int, _Seg | None] | None = None) -> _Scan:
    """The alias matches of :func:`_segments` (only the segments with items). Only the
    words that begin some alias are looked at, and ``reuse`` (the ``plain`` of a scan
    without ``keep``) gives the result at the words where no contextual alias was met."""
    segs: list[_Seg] = []
    append = segs.append
    keys_, gaps, ends = words.keys, words.gaps, words.ends
    n = len(keys_)
    prefixes, keys = kb.prefixes, kb.keys
    ctx_seen: list[Item] = []
    plain: dict[int, _Seg | None] = {}
    if words.kb is not kb:
        raise ValueError("words looked up in another knowledge base")
    firsts = words.firsts
    after = 0  # the first word not inside the last match
    for i in compress(range(n), firsts):
        if i < after:
            continue
        if reuse is not None and i in reuse:
            seg = reuse[i]
            if seg is not None:
                append(seg)
                after = seg.j
            continue
        met = len(ctx_seen)
        best: tuple[int, _Seg] | None = None
        for start, prefix, key, single_plain, ctx_items in firsts[i]:
            k: tuple[str, ...] = (key,)
            if ctx_items:
                ctx_seen.extend(ctx_items)
            single = single_plain if keep is None else [it for it in single_plain if keep(it)]
            last: tuple[int, list[Item]] | None = (i + 1, single) if single else None
            j = i + 1
            while j < n and not gaps[j]:
                k2 = (*k, keys_[j])
                if k2 not in prefixes:
                    break
                k = k2
                j += 1
                items = keys.get(k)
                if items is not None:
                    if any(it.kind == "ctx_actor" for it in items):
                        ctx_seen.extend(it for it in items if it.kind == "ctx_actor")
                    found = items if keep is None else [it for it in items if keep(it)]
                    if found:
                        last = (j, found)
            if last and (best is None or last[0] > best[0]):
                best = (last[0], _Seg(i, last[0], words.starts[i] + start, ends[last[0] - 1],
                                      last[1], prefix))
        if len(ctx_seen) == met:
            plain[i] = best[1] if best is not None else None
        if best is not None:
            append(best[1])
            after = best[0]
    return _Scan(segs, ctx_seen, plain)


def _nat_iso(item: Item) -> str:
    ref = item.ref
    assert isinstance(ref, tuple)
    return str(ref[0])


def _nat_plural(item: Item) -> bool:
    ref = item.ref
    assert isinstance(ref, tuple)
    return bool(ref[1])


def _date(doc_date: str | None) -> str | None:
    """The article's date as ``YYYY-MM-DD`` (ISO or RFC 2822 input), or None."""
    if not doc_date:
        return None
    if len(doc_date) >= 10 and doc_date[4] == "-" and doc_date[:4].isdigit():
        return doc_date[:10]
    try:
        return email.utils.parsedate_to_datetime(doc_date).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


class _Resolver:
    """One pass over an article (or a span of it)."""

    def __init__(self, text: str, kb: KnowledgeBase, ctx: _Context, *, offset: int = 0,
                 entities: tuple[Entity, ...] = (), sentences: tuple[tuple[int, int], ...] = ()):
        self.text = text
        self.kb = kb
        self.ctx = ctx
        self.offset = offset
        if offset == 0:
            self.words = _cached_words(text, kb)
            base = _base_segments(text, kb)
            # the context-free segmentation holds unless a contextual alias it looked at
            # does not apply in this article; then only the words where one was met are
            # looked up again
            matches = base.matches if all(self._keep(it) for it in base.ctx_seen) \
                else _scan(self.words, kb, self._keep, base.plain).matches
            self.segs = _Segments(self.words, matches)
        else:
            self.words = _words(text, kb)
            self.segs = _segments(self.words, kb, self._keep)
        self.per = {e.start - offset: e for e in entities if e.type == "PER"}
        self.org = {e.start - offset: e for e in entities if e.type == "ORG"}
        self.sentences = sentences
        self._sent_starts: list[int] | None = None
        self._sent_countries: dict[int, set[str]] = {}
        self.out: list[ActorMention] = []
        self.surnames: dict[str, ActorMention] = {}

    def _keep(self, item: Item) -> bool:
        if item.kind != "ctx_actor":
            return True
        actor = self.kb.actors.get(str(item.ref))
        return actor is not None and self.context_holds(actor)

    # -- helpers -------------------------------------------------------------------------
    def adjacent(self, q: int) -> bool:
        return q < self.segs.size and not self.words.gaps[self.segs[q].i]

    def seg_key(self, q: int) -> str:
        seg = self.segs[q]
        return self.words.keys[seg.i] if seg.j - seg.i == 1 else ""

    def items(self, q: int, kind: str) -> list[Item]:
        return [it for it in self.segs[q].items if it.kind == kind]

    def actor(self, q: int, *, types: tuple[str, ...] | None = None) -> Actor | None:
        """The KB actor a segment names (contextual aliases only when the context holds;
        organisations only inside their period)."""
        for it in self.segs[q].items:
            if it.kind not in {"actor", "ctx_actor"}:
                continue
            actor = self.kb.actors.get(str(it.ref))
            if actor is None or (types and actor.type not in types):
                continue
            if it.kind == "ctx_actor" and not (self.context_holds(actor)
                                               and self.local_ok(q, actor)):
                continue
            if actor.type not in {"person", "country", "actor"} and self.ctx.date and actor.dated:
                _period, inside = actor.period_for(self.ctx.date)
                if not inside:
                    continue
            return actor
        return None

    def local_ok(self, q: int, actor: Actor) -> bool:
        """A contextual alias («الجيش» -> LNA) does not apply in a sentence that names other
        countries and not the actor's own («فصل من الجيش المصري»)."""
        period, _ = actor.period_for(self.ctx.date)
        own = period.country if period else None
        if own is None:
            return True
        countries = self.sentence_countries(q)
        return not countries or own in countries

    def sentence_countries(self, q: int) -> set[str]:
        """Countries named (by name or adjective) in the sentence of segment ``q``."""
        if self._sent_starts is None:
            self._sent_starts = [s - self.offset for s, _e in self.sentences] or [0]
            self._sent_countries = {}
            for seg in self.segs.matches:  # only matches have items
                sentence = self.sentence_of(seg.start)
                for it in seg.items:
                    iso = None
                    if it.kind == "nationality":
                        iso = _nat_iso(it)
                    elif it.kind == "actor":
                        a = self.kb.actors.get(str(it.ref))
                        iso = a.kb_id if a is not None and a.type == "country" else None
                    if iso:
                        self._sent_countries.setdefault(sentence, set()).add(iso)
        return self._sent_countries.get(self.sentence_of(self.segs[q].start), set())

    def sentence_of(self, start: int) -> int:
        """The index of the sentence holding the local offset ``start``."""
        assert self._sent_starts is not None
        return max(0, bisect.bisect_right(self._sent_starts, start) - 1)

    def context_holds(self, actor: Actor) -> bool:
        if actor.kb_id in self.ctx.families:
            return True
        cond = actor.context
        if cond.startswith("country:"):
            return self.ctx.country == cond.split(":", 1)[1]
        return False

    def mention(self, start: int, end: int, **kw: object) -> ActorMention:
        s, e = start + self.offset, end + self.offset
        return ActorMention(start=s, end=e, text=self.text[start:end], **kw)  # type: ignore[arg-type]

    def from_actor(self, actor: Actor, start: int, end: int, *, role: str | None = None,
                   confidence: float = 0.95) -> ActorMention:
        period, inside = actor.period_for(self.ctx.date)
        if period is None:
            return self.mention(start, end, name=actor.name_ar, name_en=actor.name_en,
                                country=None, sector=None, code=None, kb_id=actor.kb_id,
                                confidence=confidence, role=role)
        return self.mention(
            start, end, name=actor.name_ar, name_en=actor.name_en, country=period.country,
            sector=period.sector, code=period.code, kb_id=actor.kb_id, generic=False,
            confidence=confidence if inside or not actor.dated else confidence - 0.15,
            role=role or period.role,
        )

    def take_name(self, q: int) -> tuple[int, int, int, Actor | None] | None:
        """A person's name starting at segment ``q``: (start, end, next q, KB person)."""
        if q >= self.segs.size:
            return None
        seg = self.segs[q]
        person = self.actor(q, types=("person", "actor"))
        if person is not None and person.type in {"person", "actor"}:
            return seg.start, seg.end, q + 1, person
        if seg.items and not self.items(q, "role"):
            return None
        ent = self.per.get(seg.start)
        if ent is not None:
            end_local = ent.end - self.offset
            r = q
            while r < self.segs.size and self.segs[r].start < end_local:
                r += 1
            return seg.start, self.segs[r - 1].end, r, None
        key = self.seg_key(q)
        if seg.items or (key not in self.kb.given_names and key not in _NAME_JOINERS) \
                or self._not_name(q):
            return None
        r = q + 1
        if key in _NAME_JOINERS and self.adjacent(r):
            r += 1
        # a surname (and «بن X» chains)
        for _ in range(3):
            if not self.adjacent(r) or self.segs[r].items:
                break
            k = self.seg_key(r)
            if not k or k in _NOT_NAME or self._not_name(r) or (
                    k.startswith("و") and k not in self.kb.given_names):
                break
            r += 1
            if k not in _NAME_JOINERS:
                if self.adjacent(r) and self.seg_key(r) in _keys("بن", "ابن", "بنت", "ولد"):
                    r += 1
                    continue
                if k in self.kb.given_names:  # a father's name: the family name follows
                    continue
                break
        while r > q + 1 and self.seg_key(r - 1) in _NAME_JOINERS:
            r -= 1
        if r == q + 1 and key in _NAME_JOINERS:
            return None
        return seg.start, self.segs[r - 1].end, r, None

    def _not_name(self, q: int) -> bool:
        """Prepositions that fold onto names (على ≈ علي)."""
        seg = self.segs[q]
        return normalize(self.text[seg.start:seg.end]).text in _NOT_NAME_SURFACE

    # -- rules ---------------------------------------------------------------------------
    def role_phrase(self, p: int, role: Role) -> tuple[list[ActorMention], int]:
        """A title or office and what follows it: countries, organisation, name."""
        q = p + 1
        countries: list[str] = []
        org: Actor | None = None
        org_generic: Generic | None = None
        international = ""
        name: tuple[int, int, int, Actor | None] | None = None
        rank = role.kind in {"rank", "title"}
        while self.adjacent(q):
            seg = self.segs[q]
            key = self.seg_key(q)
            nat = self.items(q, "nationality")
            if key in _FILLERS:
                q += 1
                continue
            if nat and not seg.prefix:
                iso = _nat_iso(nat[0])
                if iso in {"UN", "EU"}:
                    international = iso
                elif iso not in countries:
                    countries.append(iso)
                q += 1
                continue
            if key in _LINKERS and self.adjacent(q + 1) and _TARGETED.search(role.label):
                target = self.actor(q + 1)
                if target is not None or self.items(q + 1, "place"):
                    q += 2
                    continue
                break
            actor = self.actor(q)
            if actor is not None and actor.type == "person" and role.kind == "spokesman" \
                    and org is None and name is None:
                org = actor  # «متحدث باسم خليفة حفتر»: the principal, not the speaker
                q += 1
                continue
            if actor is not None and actor.type == "country":
                if seg.prefix and not (seg.prefix == "و" and role.number != "sg" and countries):
                    if seg.prefix not in {"ل"}:
                        break
                countries.append(actor.kb_id)
                q += 1
                continue
            if actor is not None and actor.type not in {"person", "country"} and org is None \
                    and name is None and (not seg.prefix or seg.prefix in {"ل", "ب"}):
                org = actor
                q += 1
                continue
            gen = self.items(q, "generic")
            if gen and org is None and org_generic is None and not seg.prefix:
                g = gen[0].ref
                assert isinstance(g, Generic)
                if g.kind.startswith("institution"):
                    org_generic = g
                    q += 1
                    continue
            roles = self.items(q, "role")
            if roles and isinstance(roles[0].ref, Role) and roles[0].ref.kind in {"rank", "title"}:
                q += 1
                continue
            skip = self.portfolio(q, role) if not countries and org is None else q
            if skip > q:
                q = skip
                continue
            name = self.take_name(q)
            if name is not None:
                q = name[2]
            break
        if q == p + 1 and rank:
            return [], p + 1
        if name is None and rank:
            return [], p + 1
        start = self.segs[p].start
        end = self.segs[q - 1].end
        label = None if rank and name is not None and name[3] is not None else role.label
        if name is not None and name[3] is not None:  # a person the KB knows
            m = self.from_actor(name[3], start, end, role=label)
            if countries and m.country is None and not international:
                m = dataclasses.replace(m, country=countries[0],
                                        code=countries[0] + (m.sector or ""))
            return [m], q
        if not countries and org is None and org_generic is None and not international \
                and name is None:
            return self.bare_role(p, role), q
        sector = role.sector
        country: str | None = None
        code: str | None = None
        kb_id: str | None = None
        if org is not None:
            period, _ = org.period_for(self.ctx.date)
            if period is not None:
                country = period.country
                sector = sector if sector and role.kind == "office" and sector != "GOV" \
                    else period.sector
                if period.sector == "IGO":
                    sector, code = "IGO", period.code
        if org_generic is not None and not sector:
            sector = org_generic.sector
        if international == "UN" or (sector == "IGO" and code is None):
            sector, code, country = "IGO", "IGOUNO", None
        elif international == "EU":
            sector, code, country = "IGO", "IGOEUR", None
        out: list[ActorMention] = []
        targets = countries if countries and not international else [country]
        if org_generic is not None and not countries and country is None:
            targets = [self.ctx.country]
        for c in targets:
            holder = None
            if name is None and self.ctx.date:
                # who held the office that day: the organisation's (المتحدث باسم الجيش) or
                # a country's unique office named explicitly (وزير الخارجية الجزائري)
                owner = org.kb_id if org is not None and org.type != "person" else None
                if owner is None and c in countries and org_generic is None \
                        and role.label in _UNIQUE_OFFICES:
                    owner = c
                holder = self.role_holder(owner, role.label) if owner else None
            if holder is not None:
                out.append(self.from_actor(holder, start, end, role=role.label, confidence=0.8))
                continue
            cc = c if code is None or code != "IGOUNO" else None
            confidence = 0.75 if name else 0.7
            if cc is None and code is None and org is None and name is not None \
                    and role.kind == "office" and sector in {"GOV", "MIL", "LEG", "COP", "JUD"}:
                cc, confidence = self.ctx.country, 0.55  # «الرئيس محمد بخاري»: the article's
            out.append(self.mention(
                start, end,
                name=self.text[name[0]:name[1]] if name else None,
                name_en=None, country=cc, sector=sector,
                code=code or ((cc or "") + (sector or "")) or None,
                kb_id=kb_id, generic=False, confidence=confidence,
                role=role.label,
            ))
        return out, q

    def portfolio(self, q: int, role: Role) -> int:
        """Words of a portfolio before a nationality («وزير التعليم العالي العراقي»): the
        index after them when a nationality or country follows, else ``q``."""
        if role.label not in _PORTFOLIO_ROLES:
            return q
        r = q
        while r < q + 3 and self.adjacent(r) and not self.segs[r].items \
                and self.seg_key(r) not in _NOT_NAME and self.seg_key(r) not in self.kb.given_names:
            r += 1
        if r == q or not self.adjacent(r):
            return q
        actor = self.actor(r)
        if self.items(r, "nationality") or (actor is not None and actor.type == "country"):
            return r
        return q

    def role_holder(self, owner: str, label: str) -> Actor | None:
        date = self.ctx.date
        if not date:
            return None
        for kb_id in self.kb.role_holders.get((owner, label), []):
            actor = self.kb.actors[kb_id]
            for p in actor.periods:
                if p.role == label and p.contains(date):
                    return actor
        return None

    def bare_role(self, p: int, role: Role) -> list[ActorMention]:
        """A title alone. «الوزير»: the last mention holding such an office (coreference);
        «وزير الخارجية» with no country: the office of the article's country (its holder
        on the article's date when the KB knows it)."""
        seg = self.segs[p]
        if role.kind != "office" or role.number != "sg":
            return []
        surface = match_key(self.text[seg.start:seg.end])
        if seg.j - seg.i == 1 and has_al(surface):
            base = role.label.split()[-1]
            for m in reversed(self.out):
                if m.role and m.role.split()[-1] == base and not m.generic:
                    return [dataclasses.replace(
                        m, start=seg.start + self.offset, end=seg.end + self.offset,
                        text=self.text[seg.start:seg.end], confidence=0.6)]
        if role.label not in _UNIQUE_OFFICES or (seg.j - seg.i < 2 and role.label == "president"):
            return []
        if self.adjacent(p + 1) and not self.segs[p + 1].items and has_al(
                match_key(self.text[self.segs[p + 1].start:self.segs[p + 1].end])):
            return []  # «نائب رئيس اللجنة»: the office of another body
        country = self.ctx.country
        holder = self.role_holder(country, role.label) if country else None
        if holder is not None:
            return [self.from_actor(holder, seg.start, seg.end, role=role.label, confidence=0.55)]
        return [self.mention(seg.start, seg.end, name=None, name_en=None, country=country,
                             sector=role.sector,
                             code=((country or "") + (role.sector or "")) or None, kb_id=None,
                             generic=False, confidence=0.5, role=role.label)]

    def generic_phrase(self, p: int, g: Generic) -> tuple[list[ActorMention], int]:
        """A generic noun and its country (adjective, country, place) or name."""
        if g.kind == "participants":
            return self.participants(p), p + 1
        if g.label in _NOT_AFTER_PREPOSITION and self.segs[p].prefix in {"ب", "ل", "وب", "ول"}:
            return [], p + 1  # «برئاسة فائز السراج» (chaired by), «للرئاسة» (for president)
        seg = self.segs[p]
        if seg.j - seg.i == 1 and self.words.keys[seg.i].endswith(("ي", "يه")) \
                and self.after_definite_noun(p):
            return [], p + 1  # a nisba adjective: «الالتزام العسكري», «الهجوم الانتحاري»
        q = p + 1
        country: str | None = None
        explicit = False
        while self.adjacent(q):
            seg = self.segs[q]
            key = self.seg_key(q)
            nat = self.items(q, "nationality")
            if key in _FILLERS:
                q += 1
                continue
            if nat and not seg.prefix and not explicit:
                iso = _nat_iso(nat[0])
                if iso not in {"UN", "EU"}:
                    country, explicit = iso, True
                q += 1
                continue
            actor = self.actor(q)
            if actor is not None and actor.type == "country" and not explicit and not seg.prefix:
                country, explicit = actor.kb_id, True
                q += 1
                continue
            place = self.items(q, "place")
            if place and not explicit and not seg.prefix:
                country, explicit = str(place[0].ref), True
                q += 1
                continue
            if actor is not None and actor.type not in {"person", "country", "actor"} \
                    and not seg.prefix and not explicit and g.kind != "participants":
                # «مقاتلات التحالف العربي», «عناصر داعش»: the organisation's people
                start = self.segs[p].start
                m = self.from_actor(actor, start, seg.end, role=g.label, confidence=0.85)
                return [m], q + 1
            if self.text[seg.start:seg.end] == "على":
                break  # the preposition, not the name «علي»: «هجمات الميليشيات على مواقع الجيش»
            if g.kind == "group" or g.sector in {"MIL", "COP"}:
                name = self.take_name(q)
                if name is not None:
                    start = self.segs[p].start
                    if name[3] is not None:
                        return [self.from_actor(name[3], start, name[1], role=g.label)], name[2]
                    return [self.mention(
                        start, name[1], name=self.text[name[0]:name[1]], name_en=None,
                        country=country, sector=g.sector,
                        code=(country or "") + (g.sector or "") or None, kb_id=None,
                        generic=False, confidence=0.7, role=g.label)], name[2]
            break
        start, end = self.segs[p].start, self.segs[q - 1].end
        if g.kind.endswith("_c") and not explicit:
            return [], p + 1  # «الأمن» alone is security, not an actor
        if not explicit and g.sector not in _NO_INFERRED_COUNTRY:
            country = self.ctx.country  # the article's country
        institution = g.kind.startswith("institution") and explicit
        cname = self.kb.countries_en.get(country or "", country)
        return [self.mention(
            start, end, name=None,
            name_en=f"{cname} {g.label}" if country else g.label,
            country=country, sector=g.sector,
            code=((country or "") + (g.sector or "")) or None,
            kb_id=f"{country}-{g.sector}" if institution else None,
            generic=not institution, confidence=0.75 if explicit else 0.6,
            role=g.label if g.kind == "group" else None,
        )], q

    def participants(self, p: int) -> list[ActorMention]:
        """«المجتمعون»: the actors of the last meeting sentence naming two countries or more."""
        seg = self.segs[p]
        here = seg.start + self.offset
        for s_start, s_end in reversed(self.sentences):
            if s_start >= here:
                continue
            sentence = normalize(self.text[s_start - self.offset:s_end - self.offset],
                                 ta_marbuta=True, hamza=True).text
            if not _MEETING.search(sentence):
                continue
            found: dict[str, ActorMention] = {}
            for m in self.out:
                if s_start <= m.start < s_end and m.country and not m.generic \
                        and m.sector in _PARTICIPANT_SECTORS:
                    found.setdefault(m.country, m)
            if len(found) >= 2:
                return [dataclasses.replace(
                    m, start=here, end=seg.end + self.offset, text=self.text[seg.start:seg.end],
                    confidence=0.6, role="meeting participant") for m in found.values()]
        return [self.mention(seg.start, seg.end, name=None, name_en="meeting participants",
                             country=None, sector=None, code=None, kb_id=None, generic=True,
                             confidence=0.5, role="meeting participant")]

    def org_entity(self, p: int, ent: Entity) -> tuple[list[ActorMention], int] | None:
        """An ORG entity the KB does not know: an actor when its head word gives a sector."""
        sector = self.kb.org_heads.get(self.words.keys[self.segs[p].i])
        if sector is None:
            return None
        end_local = ent.end - self.offset
        q = p
        country: str | None = None
        while q < self.segs.size and self.segs[q].start < end_local:
            nat = self.items(q, "nationality")
            actor = self.actor(q)
            if country is None and nat:
                country = _nat_iso(nat[0]) if _nat_iso(nat[0]) not in {"UN", "EU"} else None
            elif country is None and actor is not None and actor.type == "country":
                country = actor.kb_id
            q += 1
        start, end = self.segs[p].start, self.segs[q - 1].end
        text = self.text[start:end]
        return [self.mention(start, end, name=text, name_en=None, country=country,
                             sector=sector, code=((country or "") + sector) or None,
                             kb_id=None, generic=False, confidence=0.5)], q

    def counterparts(self, p: int) -> tuple[list[ActorMention], int]:
        """«نظيره الليبي», «نظيريه الأميركي كيري والسعودي الجبير»: the office of the last
        titled mention, held in another country (by the person named, or the office holder
        on the article's date)."""
        seg = self.segs[p]
        here = seg.start + self.offset
        model = next((m for m in reversed(self.out) if m.role and m.end <= here
                      and here - m.end < 400 and m.sector), None)
        if model is None:
            return [], p + 1
        out: list[ActorMention] = []
        q = p + 1
        start = seg.start
        while self.adjacent(q):
            nat = self.items(q, "nationality")
            actor = self.actor(q)
            if nat:
                country = _nat_iso(nat[0])
            elif actor is not None and actor.type == "country":
                country = actor.kb_id
            else:
                break
            if out and not self.segs[q].prefix.startswith("و"):
                break
            if not out and self.segs[q].prefix:
                break
            end = self.segs[q].end
            span_start = start if not out else self.segs[q].start
            q += 1
            name = self.take_name(q) if self.adjacent(q) else None
            if name is not None:
                end, q = self.segs[name[2] - 1].end, name[2]
            if name is not None and name[3] is not None:
                out.append(self.from_actor(name[3], span_start, end, role=model.role,
                                           confidence=0.8))
                continue
            holder = self.role_holder(country, model.role or "") \
                if name is None and model.role in _UNIQUE_OFFICES else None
            if holder is not None:
                out.append(self.from_actor(holder, span_start, end, role=model.role,
                                           confidence=0.7))
                continue
            out.append(self.mention(
                span_start, end, name=self.text[name[0]:name[1]] if name else None,
                name_en=None, country=country, sector=model.sector,
                code=country + (model.sector or ""), kb_id=None, generic=False,
                confidence=0.65, role=model.role))
        return out, q

    def country_mention(self, p: int, actor: Actor) -> list[ActorMention]:
        seg = self.segs[p]
        if seg.prefix and seg.prefix not in {"و", "ف"}:
            return []
        if p > 0 and not self.words.gaps[seg.i] and self.items(p, "nationality"):
            # «الجمعية السعودية», «مصادر عراقية وسورية»: an adjective, not the country
            prev = self.segs[p - 1]
            if self.items(p - 1, "nationality") or (
                    not prev.items and has_al(match_key(self.text[prev.start:prev.end]))):
                return []
        if p > 0 and not self.words.gaps[seg.i]:
            prev = self.segs[p - 1]
            if prev.j - prev.i == 1 and self.words.keys[prev.i] in _LOCATIVE:
                return []
            if self.items(p - 1, "generic") or self.items(p - 1, "role"):
                return []
        after = self.text[seg.end:seg.end + 3].lstrip(" \t")
        if after[:1] in {"-", "–", ":", "(", "/"}:
            return []  # a dateline («لندن - ...», «القاهرة: ...»)
        return [self.from_actor(actor, seg.start, seg.end, confidence=0.7)]

    # -- main loop -----------------------------------------------------------------------
    def run(self) -> list[ActorMention]:
        """Resolve the segments left to right. Only the segments that can start a mention
        are visited: the alias matches, and the words the KB does not know that are a
        counterpart («نظيره»), a surname seen before, or the start of an NER entity."""
        segs, words = self.segs, self.words
        todo = list(segs.match_indexes())
        others = list(compress(range(len(words.keys)), map(_COUNTERPART.__contains__, words.keys)))
        others += self._words_at(self.org)
        others += self._words_at(self.per)
        todo += [q for q in map(segs.index_of_word, others) if q is not None]
        heapq.heapify(todo)
        seen_surnames: set[str] = set()
        p = 0
        while todo:
            q = heapq.heappop(todo)
            if q < p:
                continue  # inside what an earlier step took, or visited already
            mentions, p = self.step(q)
            for m in mentions:
                self.out.append(m)
                actor = self.kb.actors.get(m.kb_id) if m.kb_id else None
                is_person = (actor is not None and actor.type == "person") or (
                    m.kb_id is None and m.name is not None and not m.generic)
                parts = (m.name or "").split()
                if is_person and len(parts) >= 2 and word_key(parts[-1]) not in _NAME_JOINERS \
                        and word_key(parts[-2]) not in _NAME_JOINERS:
                    surname = word_key(parts[-1])
                    self.surnames[surname] = m
                    if surname not in seen_surnames:
                        seen_surnames.add(surname)
                        for r in self._later_words(surname, segs[q].i):
                            heapq.heappush(todo, r)
        return self.out

    def _words_at(self, entities: dict[int, Entity]) -> list[int]:
        """The words starting exactly where the entities start."""
        starts = self.words.starts
        out: list[int] = []
        for start in entities:
            w = bisect.bisect_left(starts, start)
            if w < len(starts) and starts[w] == start:
                out.append(w)
        return out

    def _later_words(self, key: str, after: int) -> list[int]:
        """Segment indexes of the one-word segments after word ``after`` whose key is
        ``key``."""
        keys = self.words.keys
        out: list[int] = []
        w = after
        while True:
            try:
                w = keys.index(key, w + 1)
            except ValueError:
                return out
            q = self.segs.index_of_word(w)
            if q is not None:
                out.append(q)

    def after_definite_noun(self, p: int) -> bool:
        """True when segment ``p`` follows, with nothing between, a definite word that
        matched nothing (so ``p`` is likely its adjective)."""
        if p == 0 or self.words.gaps[self.segs[p].i]:
            return False
        prev = self.segs[p - 1]
        return not prev.items and prev.j - prev.i == 1 and has_al(
            match_key(self.text[prev.start:prev.end]))

    def other_person(self, p: int, actor: Actor) -> bool:
        """A one-word surname alias inside another person's name: «فايز المالكي» (after a
        different given name), «الأسد بن هاني» (before بن)."""
        seg = self.segs[p]
        if actor.type not in {"person", "actor"} or seg.j - seg.i != 1:
            return False
        before = p > 0 and not self.words.gaps[seg.i] and not self.segs[p - 1].items \
            and self.seg_key(p - 1) in self.kb.given_names
        after = self.adjacent(p + 1) and self.seg_key(p + 1) in _keys("بن", "ابن", "بنت")
        return bool(before or after)

    def step(self, p: int) -> tuple[list[ActorMention], int]:
        seg = self.segs[p]
        actor = self.actor(p)
        if actor is not None and self.other_person(p, actor):
            return [], p + 1
        roles = self.items(p, "role")
        if actor is not None and actor.type == "country":
            return self.country_mention(p, actor), p + 1
        if actor is not None and not (roles and actor.source.startswith("up")):
            m = self.from_actor(actor, seg.start, seg.end,
                                confidence=0.95 if self.items(p, "actor") else 0.85)
            q = p + 1
            # an appositive title: «سامح شكري وزير خارجية مصر»
            if actor.type == "person" and self.adjacent(q):
                app = self.items(q, "role")
                if app and isinstance(app[0].ref, Role) and app[0].ref.kind == "office" \
                        and app[0].ref.number == "sg":
                    more, q2 = self.role_phrase(q, app[0].ref)
                    if more and more[0].country and more[0].country == m.country:
                        m = dataclasses.replace(m, end=more[0].end + 0,
                                                text=self.text[seg.start:more[0].end - self.offset],
                                                role=app[0].ref.label)
                        return [m], q2
            return [m], q
        if roles:
            role = roles[0].ref
            assert isinstance(role, Role)
            mentions, q = self.role_phrase(p, role)
            if mentions or q > p + 1:
                return mentions, max(q, p + 1)
        generic = self.items(p, "generic")
        if generic:
            g = generic[0].ref
            assert isinstance(g, Generic)
            return self.generic_phrase(p, g)
        nat = self.items(p, "nationality")
        if nat and _nat_plural(nat[0]):
            iso = _nat_iso(nat[0])
            if iso not in {"UN", "EU"}:
                return [self.mention(seg.start, seg.end, name=None,
                                     name_en=self.kb.countries_en.get(iso, iso), country=iso,
                                     sector=None, code=iso, kb_id=None, generic=True,
                                     confidence=0.6)], p + 1
        if not seg.items and self.words.keys[seg.i] in _COUNTERPART:
            found, q = self.counterparts(p)
            if found:
                return found, q
        if not seg.items:
            key = self.words.keys[seg.i]
            prior = self.surnames.get(key)
            if prior is not None and p > 0 and (self.seg_key(p - 1) in _NAME_JOINERS
                                                or self.after_definite_noun(p)):
                # «عبد العزيز» is not a later «سلمان بن عبد العزيز»; «الأمن القومي العربي»
                # is not «نبيل العربي»
                prior = None
            if prior is not None:
                return [dataclasses.replace(prior, start=seg.start + self.offset,
                                            end=seg.end + self.offset,
                                            text=self.text[seg.start:seg.end],
                                            confidence=0.8)], p + 1
            if seg.start in self.org:
                org_found = self.org_entity(p, self.org[seg.start])
                if org_found is not None:
                    return org_found
            if seg.start in self.per:
                name = self.take_name(p)
                if name is not None:
                    return [self.mention(name[0], name[1], name=self.text[name[0]:name[1]],
                                         name_en=None, country=None, sector=None, code=None,
                                         kb_id=None, generic=False, confidence=0.5)], name[2]
        return [], p + 1


def _context(doc: Document, kb: KnowledgeBase) -> _Context:
    """Pre-pass: which KB families the article names, and its main country."""
    if kb is load_kb():
        return _default_context(doc.text, doc.date)
    return _compute_context(doc.text, doc.date, kb)


@lru_cache(maxsize=64)
def _default_context(text: str, date: str | None) -> _Context:
    return _compute_context(text, date, load_kb())


def _base_segments(text: str, kb: KnowledgeBase) -> _Scan:
    """The alias matches of the context-free segmentation of a whole article (cached for
    the shipped KB), and the contextual-alias items it looked at."""
    global _LAST_BASE
    if kb is load_kb():
        return _default_base_segments(text)
    if _LAST_BASE is not None and _LAST_BASE[0] is kb and _LAST_BASE[1] == text:
        return _LAST_BASE[2]
    found = _scan(_cached_words(text, kb), kb, None)
    _LAST_BASE = (kb, text, found)
    return found


#: the last article segmented with another KB than the shipped one (kb, text, result)
_LAST_BASE: tuple[KnowledgeBase, str, _Scan] | None = None


@lru_cache(maxsize=64)
def _default_base_segments(text: str) -> _Scan:
    return _scan(_cached_words(text, load_kb()), load_kb(), None)


def _compute_context(text: str, date: str | None, kb: KnowledgeBase) -> _Context:
    ctx = _Context(date=_date(date))
    matches = _base_segments(text, kb).matches
    counts: Counter[str] = Counter()
    for seg in matches:
        for it in seg.items:
            if it.kind == "actor":
                actor = kb.actors.get(str(it.ref))
                if actor is None:
                    continue
                if actor.type == "country":
                    counts[actor.kb_id] += 1
                else:
                    if actor.type not in {"person", "actor"} and ctx.date and actor.dated \
                            and not actor.period_for(ctx.date)[1]:
                        continue
                    ctx.families.update(kb.family(actor.kb_id))
                break
            if it.kind == "nationality":
                iso = _nat_iso(it)
                if iso not in {"UN", "EU"}:
                    counts[iso] += 1
                break
            if it.kind == "place":
                counts[str(it.ref)] += 1
                break
    if counts:
        top, n = counts.most_common(1)[0]
        if n >= 2 or len(counts) == 1:
            ctx.country = top
    return ctx


def resolve_actors(doc: Document, *, kb: KnowledgeBase | None = None) -> tuple[ActorMention, ...]:
    """Every actor mention of ``doc``, resolved (see the module docstring for the rules)."""
    kb = kb or load_kb()
    ctx = _context(doc, kb)
    sentences = tuple((s.start, s.end) for s in doc.sentences)
    resolver = _Resolver(doc.text, kb, ctx, entities=doc.entities, sentences=sentences)
    return tuple(resolver.run())


def resolve_span_all(doc: Document, start: int, end: int) -> list[ActorMention]:
    """The actor mentions inside ``doc.text[start:end]``: from ``doc.actors`` when they
    overlap the span, else resolved from the span's text in the article's context."""
    inside = [m for m in doc.actors if m.start < end and start < m.end]
    if inside:
        return inside
    kb = load_kb()
    ctx = _context(doc, kb)
    resolver = _Resolver(doc.text[start:end], kb, ctx, offset=start,
                         entities=tuple(e for e in doc.entities if start <= e.start < end))
    found = resolver.run()
    if found:
        return found
    # a phrase the events stage chose as an actor, with only a nationality or country in
    # it («صاروخ اسرائيلي», «سياح أمريكيون»): the country, without a sector
    for seg in resolver.segs.matches:
        iso: str | None = None
        for it in seg.items:
            if it.kind == "nationality" and _nat_iso(it) not in {"UN", "EU"}:
                iso = _nat_iso(it)
            elif it.kind == "actor" and (a := kb.actors.get(str(it.ref))) and a.type == "country":
                iso = a.kb_id
            if iso:
                break
        if iso:
            text = doc.text[start:end]
            return [ActorMention(start=start, end=end, text=text, name=None,
                                 name_en=kb.countries_en.get(iso, iso), country=iso, sector=None,
                                 code=iso, kb_id=None, generic=True, confidence=0.4)]
    return []


def resolve_span(doc: Document, start: int, end: int) -> ActorMention | None:
    """The actor the span names (the mention with the largest overlap), or None."""
    found = resolve_span_all(doc, start, end)
    if not found:
        return None
    # Arabic noun phrases are head-first: the first mention in the span is its head
    # («مسلحون يرتدون زي الشرطة» -> مسلحون); a mention covering the span start wins
    covering = [m for m in found if m.start <= start < m.end]
    if covering:
        return max(covering, key=lambda m: (m.end - m.start, m.confidence))
    return min(found, key=lambda m: (m.start, -(m.end - m.start)))


def generic_actor(text: str, *, country: str | None = None,
                  date: str | None = None) -> ActorMention | None:
    """Resolve a free noun phrase to an actor (named or generic); offsets are relative to
    ``text``. ``country`` is the article's country for generics without one."""
    kb = load_kb()
    ctx = _Context(date=_date(date), country=country)
    found = _Resolver(text, kb, ctx).run()
    return found[0] if found else None


@register_stage("actors", requires=("tokens", "entities"), assigns=("actors",))
def make_actors(config: StageConfig) -> Stage:
    """Resolve mentions to actors with country and sector codes."""
    min_confidence = float(config.get("min_confidence", 0.0))
    kb_dir = config.get("kb_dir")
    # ``load_kb()``, not ``load_kb(None)``: the same cached KB as the other stages' API
    # calls (resolve_span, generic_actor), so the per-article caches are shared
    kb = load_kb(str(kb_dir)) if kb_dir else load_kb()

    def actors(doc: Document) -> Document:
        found = resolve_actors(doc, kb=kb)
        if min_confidence:
            found = tuple(m for m in found if m.confidence >= min_confidence)
        return dataclasses.replace(doc, actors=found)

    return actors
