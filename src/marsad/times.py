"""Find time expressions and resolve them against the article date.

The ``times`` stage (requires ``tokens``, assigns ``times``) runs precompiled rules (see
:mod:`marsad.times_rules`) over the normalised text, resolves the matches (see
:mod:`marsad.times_resolve`, calendar arithmetic and Hijri conversion in
:mod:`marsad.times_calendar`) and maps every span back to the original offsets. Each :class:`~marsad.doc.TimeExpression` carries:

- ``value``: ``2018-05-21`` (day), ``2018-W20`` (ISO week), ``2018-05`` (month), ``2018``
  (year); the ISO interval ``2015-05-22/2018-05-22`` for ranges and for Hijri months and
  years; the last day for a deadline; an ISO duration (``P3D``) for a duration;
- ``start_date`` / ``end_date``: the interval the expression covers (a sub-period such as
  «أواخر مايو» keeps ``value`` = the month and narrows the interval to days 21–31);
- ``precision``: ``day``, ``week``, ``month``, ``year``, ``range`` or ``deadline``;
- ``kind``: ``point``, ``range`` (``منذ 3 سنوات``, ``بين عامي 2011 و2014``), ``deadline``
  (``قبل نهاية 2018`` → end 2018-12-31; start = the article date when the deadline is
  later), ``duration`` (``لمدة ثلاثة أيام``, no dates) or ``recurring``.

Relative expressions need ``doc.date`` (ISO, ``dd/mm/yyyy`` or RFC 2822 are read); without
it they are still marked, with ``value`` and dates ``None``. A bare weekday or a date with
no year is the most recent one on or before the article date, unless the clause is about
the future (``سوف``, ``من المقرر``, a ``سـ`` verb …) or says ``المقبل``/``القادم``; a month
or day-month with no year and no cue is its occurrence nearest the article date.
Names are not read as weekdays: «خميس الجهيناوي» (no article), «عبد الأحد», a span inside
a PERS entity (when the ner stage ran first), «صلاة الجمعة», «كلا الاثنين».

Speed: the rules run only in windows of ±50 characters around anchor words (month and
weekday names, «أمس/اليوم/غدا», units in a time context, holidays, four-digit years,
numeric dates), found by one pass of a trie-shaped :mod:`re` pattern; offsets map back
through the deletions of the normaliser. On news the stage costs about 0.4 ms of CPU per
article, a fifth of the sentence + token layer (``marsad eval dates --speed 500``; in the
whole pipeline, with caches cooled by the NER stage, ``benchmarks/run.py`` measures more).

For the events stage: :func:`time_for_span` ``(doc, start, end)`` returns the time
expression governing an event trigger — the nearest point/range/deadline expression in the
same sentence with no ``؛ ; :`` between them, at most ~150 characters away (a comma
alone does not separate: «قال الجيش، الاثنين، إن ...» is one clause; «، و» starts a new
clause, whose expressions lose to any in the trigger's own clause), ties to the one before
the trigger — or ``None``, meaning "use the article date". Durations are never returned.
:func:`event_date` ``(doc, start, end)`` goes one step further and returns the event
record's ``(date, date_precision)``: an ISO string (day/month/year), or
``{"start", "end"}`` for ranges, weeks, Hijri periods and deadlines, falling back to the
article date.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import regex

from marsad.doc import Document, TimeExpression
from marsad.normalize import BIDI_MARKS, DIACRITICS, TATWEEL, key_table, normalize, normalize_key
from marsad.pipeline import Stage, StageConfig, register_stage
from marsad.times_calendar import parse_article_date
from marsad.times_resolve import (
    COUNTS,
    EXPLICIT_YEAR,
    SENT_END,
    Cand,
    Ctx,
    compose,
    merge_anchored,
    next_word,
    prev_word,
    resolve,
    strip_clitic,
    to_expression,
    wrapper_word,
)
from marsad.times_rules import RULE_ANCHORS, Lexicon, lexicon, rules

__all__ = ["event_date", "find_times", "make_times", "time_fields", "time_for_span"]

#: what the normaliser deletes (a plain class: :mod:`re` scans it faster than regex)
_DELETED = re.compile("[" + re.escape(DIACRITICS + TATWEEL + BIDI_MARKS) + "]+")
_MARKS = frozenset(DIACRITICS + TATWEEL)
_STRONG_BREAK = regex.compile(r"[;:\n.!?]")
_PERSON_TYPES = frozenset({"PERS", "PER", "PERSON"})


# --- normalisation ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Deletions:
    """The offset map of a normalisation that only deleted characters (runs of marks):
    ``self[k]`` is the original offset of normalised offset ``k``."""

    at: list[int]  # normalised offset where each deleted run was
    shift: list[int]  # characters deleted up to and including each run

    def __getitem__(self, k: int) -> int:
        r = bisect.bisect_right(self.at, k) - 1
        return k + self.shift[r] if r >= 0 else k


def _normalise(text: str) -> tuple[str, Sequence[int] | _Deletions | None]:
    """Normalised text and its offset map (``None`` when offsets are the identity)."""
    norm = text.translate(key_table())
    if len(norm) == len(text):
        return norm, None
    at: list[int] = []
    shift: list[int] = []
    deleted = 0
    for m in _DELETED.finditer(text):
        at.append(m.start() - deleted)
        deleted += m.end() - m.start()
        shift.append(deleted)
    if len(text) - deleted != len(norm):  # a fold that is not one-to-one: the slow, exact path
        slow = normalize(text)
        return slow.text, slow.offsets
    return norm, _Deletions(at, shift)


_Offsets = Sequence[int] | _Deletions | None


def _to_original(offsets: _Offsets, start: int, end: int) -> tuple[int, int]:
    if offsets is None:
        return start, end
    return offsets[start], offsets[end - 1] + 1


def _extend_marks(text: str, end: int) -> int:
    """Include the diacritics and tatweel that follow the last letter of a span."""
    while end < len(text) and text[end] in _MARKS:
        end += 1
    return end


# --- the stage -------------------------------------------------------------------------


@register_stage("times", requires=("tokens",), assigns=("times",))
def make_times(config: StageConfig) -> Stage:
    """Find time expressions and resolve them against the article date."""
    rules()  # compile the rules and the fold table now (setup), not on the first document
    key_table()

    def times(doc: Document) -> Document:
        return dataclasses.replace(doc, times=tuple(find_times_in_doc(doc)))

    return times


def find_times_in_doc(doc: Document) -> list[TimeExpression]:
    """Time expressions of a document, resolved against ``doc.date``."""
    persons = [(e.start, e.end) for e in doc.entities if e.type in _PERSON_TYPES]
    return find_times(doc.text, parse_article_date(doc.date), persons=persons)


def find_times(
    text: str, ref: date | None, *, persons: list[tuple[int, int]] | None = None
) -> list[TimeExpression]:
    """Every time expression in ``text``, resolved against the reference date ``ref``.

    ``persons`` are (start, end) spans of person names: weekdays inside them are names.
    """
    norm, offsets = _normalise(text)
    lx = lexicon()
    cands: list[Cand] = []
    windows = _windows(norm)
    required = rules().required
    for priority, (name, pattern) in enumerate(rules().patterns):
        seen: set[tuple[int, int]] = set()
        need = required.get(name)
        for lo, hi in windows.get(RULE_ANCHORS[name], ()):
            if need is not None and need.search(norm, lo, hi) is None:
                continue  # a part every match contains is not there
            for m in pattern.finditer(norm, lo, hi):
                s, e = m.span("t")
                if e > s and (s, e) not in seen and _accept(name, m, norm, lx, offsets, persons or []):
                    seen.add((s, e))
                    cands.append(Cand(s, e, name, m, priority))
    chosen = _select(cands)
    ctx = Ctx(norm)
    resolved = []
    for c in chosen:
        ctx.wrapper = wrapper_word(norm, c.start)
        try:
            r = resolve(c, ctx, ref, lx)
        except (OverflowError, ValueError):
            continue  # arithmetic beyond the calendar (an article dated 0001 or 9999)
        if r is None:
            continue
        resolved.append(r)
        if r.period is not None and (c.match.groupdict().get("year") or c.rule in EXPLICIT_YEAR):
            ctx.last_year = r.period.end.year
    try:
        resolved = compose(merge_anchored(resolved, norm), norm, ref)
    except (OverflowError, ValueError):
        pass  # composition beyond the calendar: keep the expressions uncomposed
    out = []
    for r in resolved:
        o_start, o_end = _to_original(offsets, r.start, r.end)
        o_end = _extend_marks(text, o_end)
        out.append(to_expression(r, text, o_start, o_end))
    return out


_WINDOW_BEFORE = 50
_WINDOW_AFTER = 50
_SINGULAR_UNITS = frozenset(normalize_key(w) for w in ("يوم", "أسبوع", "شهر", "عام", "سنة", "سنه", "ساعة"))
_UNIT_AFTER = regex.compile(r"\s+(?:(?:قبل|بعد)\s+)?(?:" + normalize_key(
    "الماضي|الماضية|المقبل|المقبلة|القادم|القادمة|الجاري|الجارية|الحالي|الحالية|المنصرم|"
    "المنصرمة|الفائت|الفائتة|المنقضي|السابق|السابقة|المنقضية|الأخير|الأخيرة|الماضيين|"
    "الأخيرين|المقبلين|القادمين"
) + r")(?!\w)")
_UNIT_BEFORE = regex.compile(r"(?:\d|(?<!\w)[وف]?[بلك]?(?:" + "|".join(map(regex.escape, lexicon().numbers)) + "|" + normalize_key(
    r"منذ|قبل|بعد|خلال|طوال|طيلة|لمدة|مدة|مدى|مدار|غضون|زهاء|نحو|حوالي|حوالى|قرابة|من|عن|"
    r"مطلع|أوائل|بداية|بدايه|مستهل|بدايات|مطالع|منتصف|أواسط|وسط|أواخر|نهاية|نهايه|ختام|موفى|مفتتح|"
    r"نهايات|أخر|آخر|هذا|هذه|في"
) + r"))\s*(?:ال|ل)?$")
_WORD_END = regex.compile(r"\w*")


_PROCLITICS = frozenset("وفبلك")


def _word_start(norm: str, pos: int) -> bool:
    """True when ``pos`` starts a word, possibly after proclitics and the article."""
    word_start = pos
    while word_start > 0 and norm[word_start - 1].isalnum():
        word_start -= 1
    head = norm[word_start:pos]
    if head.endswith("ال"):
        head = head[:-2]
    elif head.endswith("لل"):
        head = head[:-1]
    return len(head) <= 2 and all(ch in _PROCLITICS for ch in head)


def _unit_in_context(norm: str, m: re.Match[str]) -> bool:
    """A singular unit word («العام», «شهر») anchors only next to a relative word or after
    a preposition, a count operator or «هذا» (not «الأمين العام»)."""
    if _UNIT_AFTER.match(norm, m.end()):
        return True
    return _UNIT_BEFORE.search(norm, max(0, m.start() - 25), m.start()) is not None


def _windows(norm: str) -> dict[str, list[tuple[int, int]]]:
    """For each anchor kind, merged text windows around its anchors."""
    out: dict[str, list[tuple[int, int]]] = {}
    n = len(norm)
    anchors = rules().anchors

    def add(kind: str, a: int, b: int) -> None:
        lo = max(0, a - _WINDOW_BEFORE)
        hi = min(n, b + _WINDOW_AFTER)
        if hi < n and not norm[hi].isspace():  # (no word goes on past a space)
            word_end = _WORD_END.match(norm, hi)
            hi = word_end.end() if word_end else hi
        spans = out.setdefault(kind, [])
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(hi, spans[-1][1]))
        else:
            spans.append((lo, hi))

    for m in anchors.words.finditer(norm):
        start = m.start()
        if start and norm[start - 1].isalnum() and not _word_start(norm, start):
            continue  # (after a space or a mark, it starts a word)
        for kind in anchors.kinds.get(m.group(), ()):
            if kind == "unit" and m.group() in _SINGULAR_UNITS and not _unit_in_context(norm, m):
                continue
            add(kind, m.start(), m.end())
    for m in anchors.digits.finditer(norm):
        kind = m.lastgroup or ""
        if kind == "year4" and m.start() and norm[m.start() - 1].isdigit():
            continue
        add(kind, m.start(), m.end())
    for spans in out.values():
        spans.sort()
        merged: list[tuple[int, int]] = []
        for lo, hi in spans:
            if merged and lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
            else:
                merged.append((lo, hi))
        spans[:] = merged
    return out


def _select(cands: list[Cand]) -> list[Cand]:
    """Longest match first, then rule priority; no overlaps."""
    cands.sort(key=lambda c: (-(c.end - c.start), c.priority, c.start))
    taken = bytearray(max((c.end for c in cands), default=0))
    chosen = []
    for c in cands:
        if taken.find(1, c.start, c.end) >= 0:
            continue
        taken[c.start : c.end] = b"\x01" * (c.end - c.start)
        chosen.append(c)
    chosen.sort(key=lambda c: c.start)
    return chosen


# --- context checks --------------------------------------------------------------------


def _accept(
    name: str,
    m: regex.Match[str],
    norm: str,
    lx: Lexicon,
    offsets: _Offsets,
    persons: list[tuple[int, int]],
) -> bool:
    prev = strip_clitic(prev_word(norm, m.start()))
    if name in ("dmy", "month_year", "month_rel", "numeric") and prev in lx.cues["named_date_before"]:
        return False
    if name == "weekday" or (name == "rel_day" and m.group("wd")):
        if not _weekday_ok(m, norm, lx, prev if name == "weekday" else ""):
            return False
        if persons:
            ws, we = _to_original(offsets, *m.span("wd"))
            if any(ps <= ws and we <= pe for ps, pe in persons):
                return False
    if name in ("month_year", "month_rel", "month") and prev.isdigit() and len(prev) <= 2:
        before = strip_clitic(prev_word(norm, m.start() - len(prev) - 1))
        if before in lx.cues["named_date_before"]:
            return False
    if name == "dmy" and _levant_coalition(m, prev, lx):
        return False
    if name in COUNTS and _relative_to_event(m, norm):
        return False
    if name == "rel_day":
        rd = m.group("rd")
        if rd.endswith("امس") and next_word(norm, m.end("rd")) in lx.cues["yesterday_not_after"]:
            return False
        if norm[m.start("rd") - 1 : m.start("rd")] == '"' and norm[m.end("rd") : m.end("rd") + 1] == '"':
            return False  # «"اليوم"»: the newspaper
        if rd.endswith(("اليوم", "الليلة", "الليله")):
            nxt = next_word(norm, m.end("rd"))
            if m.group("wd") is None and (nxt in lx.cues["today_not_after"] or nxt.isdigit()):
                return False  # «اليوم العالمي», «اليوم 54 من الإضراب»
            if prev in lx.cues["day_not_before"]:
                return False
            if prev == "في" and rd == "اليوم" and m.group("wd") is None:
                before = strip_clitic(prev_word(norm, m.start() - 3))
                if before.isdigit() or before in lx.cues["rate_nouns"]:
                    return False  # «مليون برميل في اليوم»: per day
    return True


_EVENT_AFTER = regex.compile(normalize_key(
    r"\s+(?:من|مما|عما|عن)(?!\w)|\s+على\s+(?!ال)|\s+على\s+ال(?:"
    r"انتخابات|استفتاء|هجوم|اتفاق|اتفاقية|حادث|حادثة|انقلاب|غزو|ثورة|حرب|إعلان|قرار|بدء|انطلاق)"
))


def _relative_to_event(m: regex.Match[str], norm: str) -> bool:
    """«قبل يومين من الانتخابات», «بعد عام على توقيع ...», «قبل عشر سنوات مما ...»:
    anchored to an event or a comparison, not to the article date; «عاما بعد عام» is an
    idiom."""
    op = m.group("op")
    if op not in ("قبل", "بعد"):
        return False
    if _EVENT_AFTER.match(norm, m.end()) is not None:
        return True
    unit = m.group("unit")
    before = prev_word(norm, m.start("op"))
    return op == "بعد" and bool(unit) and before.rstrip("ا").endswith(unit.rstrip("ا")[:3])


def _levant_coalition(m: regex.Match[str], prev: str, lx: Lexicon) -> bool:
    """«8 آذار» / «14 آذار» with no year and no preposition: Lebanon's coalitions."""
    if m.group("year") or m.group("day") not in ("8", "14"):
        return False
    return m.group("month") == "اذار" and prev not in ("في", "منذ", "يوم", "حتى", "قبل", "بعد")


def _weekday_ok(m: regex.Match[str], norm: str, lx: Lexicon, prev: str) -> bool:
    wd = m.group("wd")
    stem = wd[2:] if wd.startswith("ال") else wd[1:] if wd.startswith("ل") else wd
    if m.group("yawm") if "yawm" in m.re.groupindex else False:
        return True
    if m.group("tod") if "tod" in m.re.groupindex else False:
        return True
    if prev in lx.cues["name_before"]:
        return False
    if norm[m.start("wd") - 1 : m.start("wd")] == '"':
        return False  # «"الأربعاء الأبيض"»: a campaign or an event named after a day
    if stem == "جمعة" and prev in lx.cues["religious_before"]:
        return False
    nxt = next_word(norm, m.end("wd"))
    if stem == "اثنين" and (prev in lx.cues["both_before"] or nxt in lx.cues["both_after"]):
        return False
    return True


# --- for the events stage --------------------------------------------------------------

_ANCHORED_KINDS = frozenset({"point", "range", "deadline"})
_MAX_DISTANCE = 150
_CLAUSE_PENALTY = 120
_NEW_CLAUSE = regex.compile(r"[,،]\s*[وف]")
#: a contrastive clause («فيما», «بينما», «في حين») starts another event with its own time
_OTHER_CLAUSE = regex.compile(r"(?:^|\s)(?:فيما|بينما|في حين)\s")


def time_for_span(doc: Document, start: int, end: int) -> TimeExpression | None:
    """The time expression governing the text span ``[start, end)`` (an event trigger).

    The nearest point, range or deadline expression in the same sentence with no strong
    clause break (``؛ ; :``) between it and the span and at most ~150 characters away;
    ``None`` when there is none (then the article date applies). Ties go to the
    expression before the trigger.
    """
    if not doc.times:
        return None
    lo, hi = _sentence_bounds(doc, start)
    best: tuple[int, int, TimeExpression] | None = None
    for t in doc.times:
        if t.kind not in _ANCHORED_KINDS or t.start < lo or t.end > hi:
            continue
        if t.end <= start:
            gap = doc.text[t.end : start]
            distance = start - t.end
        elif t.start >= end:
            gap = doc.text[end : t.start]
            distance = t.start - end
        else:
            gap, distance = "", 0
        if distance > _MAX_DISTANCE or _STRONG_BREAK.search(normalize_key(gap)):
            continue
        if t.start >= end and _OTHER_CLAUSE.search(gap):
            continue  # «دعا ...، فيما سيعقد ... الأسبوع المقبل»: it dates the later clause
        if _NEW_CLAUSE.search(gap):
            distance += _CLAUSE_PENALTY  # «..., و...»: another clause; use it only if nothing closer
        key = (distance, 0 if t.end <= start else 1, t)
        if best is None or key[:2] < best[:2]:
            best = key
    return best[2] if best else None


EventDate = tuple[str | dict[str, str] | None, str | None]


def time_fields(t: TimeExpression) -> EventDate:
    """The ``date`` and ``date_precision`` of an event record for a time expression: an
    ISO string for a day, month or year; ``{"start", "end"}`` for a range, a week, a Hijri
    month or year, and a deadline (``{"end"}`` alone when it has no start)."""
    if t.value is None or (t.start_date is None and t.end_date is None):
        return None, None
    if t.kind == "deadline":
        span = {"end": t.end_date or ""}
        if t.start_date:
            span = {"start": t.start_date, **span}
        return span, "deadline"
    if t.kind == "point" and t.precision in ("day", "month", "year") and "/" not in t.value:
        return t.value, t.precision
    return {"start": t.start_date or "", "end": t.end_date or ""}, t.precision


def event_date(doc: Document, start: int, end: int) -> EventDate:
    """``date`` and ``date_precision`` for an event whose trigger is ``[start, end)``: from
    :func:`time_for_span`, else the article date (day precision), else ``(None, None)``."""
    t = time_for_span(doc, start, end)
    if t is not None:
        found = time_fields(t)
        if found[0] is not None:
            return found
    ref = parse_article_date(doc.date)
    return (ref.isoformat(), "day") if ref else (None, None)


def _sentence_bounds(doc: Document, pos: int) -> tuple[int, int]:
    if not doc.sentences:
        return _text_sentence(doc.text, pos)
    starts = [s.start for s in doc.sentences]
    i = max(0, bisect.bisect_right(starts, pos) - 1)
    s = doc.sentences[i]
    return s.start, s.end


def _text_sentence(text: str, pos: int) -> tuple[int, int]:
    lo = max((m.end() for m in SENT_END.finditer(text, 0, pos)), default=0)
    m = SENT_END.search(text, pos)
    return lo, (m.start() if m else len(text))
