"""Find time expressions and resolve them against the article date.

The ``times`` stage (requires ``tokens``, assigns ``times``) runs precompiled rules (see
:mod:`marsad.times_rules`) over the normalised text and maps every match back to the
original offsets. Each :class:`~marsad.doc.TimeExpression` carries:

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
through the deletions of the normaliser. On news the stage costs about 0.6 ms of CPU per
article, about a third of the sentence + token layer (``marsad eval dates --speed N``).

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
from dataclasses import dataclass
from datetime import date, timedelta

import regex

from marsad.doc import Document, TimeExpression
from marsad.normalize import BIDI_MARKS, DIACRITICS, TATWEEL, normalize, normalize_key
from marsad.pipeline import Stage, StageConfig, register_stage
from marsad.times_calendar import (
    Period,
    day_month_occurrence,
    day_period,
    hijri_month_occurrence,
    hijri_month_period,
    hijri_to_gregorian,
    hijri_year_period,
    month_occurrence,
    month_period,
    parse_article_date,
    range_period,
    shift,
    unit_period,
    weekday_occurrence,
    year_period,
)
from marsad.times_rules import RULE_ANCHORS, Lexicon, lexicon, rules

__all__ = ["event_date", "find_times", "make_times", "time_fields", "time_for_span"]

_DELETED = regex.compile("[" + regex.escape(DIACRITICS + TATWEEL + BIDI_MARKS) + "]+")
_MARKS = frozenset(DIACRITICS + TATWEEL)
_SENT_END = regex.compile(r"[.!?\n]")
_STRONG_BREAK = regex.compile(r"[;:\n.!?]")
_RECURRING = regex.compile(normalize_key(r"\s*(?:من\s+)?(?:كل|جميع)\s+(?:عام|سنة|شهر|أسبوع)"))
_PERSON_TYPES = frozenset({"PERS", "PER", "PERSON"})


@dataclass(slots=True)
class _Cand:
    start: int  # normalised offsets
    end: int
    rule: str
    match: regex.Match[str]
    priority: int


@dataclass(slots=True)
class _Ctx:
    norm: str
    last_year: int | None = None
    wrapper: str = ""


@dataclass(slots=True)
class _Res:
    start: int
    end: int
    period: Period | None
    kind: str
    precision: str
    value: str | None = None
    rule: str = ""
    part: str | None = None
    whole: Period | None = None  # the containing period before a sub-period narrowed it


# --- normalisation ---------------------------------------------------------------------


def _normalise(text: str) -> tuple[str, list[int] | None]:
    """Normalised text and its offset map (``None`` when offsets are the identity)."""
    norm = normalize_key(text)
    if len(norm) == len(text):
        return norm, None
    offsets: list[int] = []
    kept = 0
    for m in _DELETED.finditer(text):
        offsets.extend(range(kept, m.start()))
        kept = m.end()
    offsets.extend(range(kept, len(text)))
    offsets.append(len(text))
    if len(offsets) != len(norm) + 1:  # a fold that is not one-to-one: the slow, exact path
        slow = normalize(text)
        return slow.text, list(slow.offsets)
    return norm, offsets


def _to_original(offsets: list[int] | None, start: int, end: int) -> tuple[int, int]:
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
    cands: list[_Cand] = []
    windows = _windows(norm)
    for priority, (name, pattern) in enumerate(rules().patterns):
        seen: set[tuple[int, int]] = set()
        for lo, hi in windows.get(RULE_ANCHORS[name], ()):
            for m in pattern.finditer(norm, lo, hi):
                s, e = m.span("t")
                if e > s and (s, e) not in seen and _accept(name, m, norm, lx, offsets, persons or []):
                    seen.add((s, e))
                    cands.append(_Cand(s, e, name, m, priority))
    chosen = _select(cands)
    ctx = _Ctx(norm)
    resolved = []
    for c in chosen:
        ctx.wrapper = _wrapper(norm, c.start)
        r = _resolve(c, ctx, ref, lx)
        if r is None:
            continue
        resolved.append(r)
        if r.period is not None and (c.match.groupdict().get("year") or c.rule in _EXPLICIT_YEAR):
            ctx.last_year = r.period.end.year
    resolved = _compose(_merge_anchored(resolved, norm), norm, ref)
    out = []
    for r in resolved:
        o_start, o_end = _to_original(offsets, r.start, r.end)
        o_end = _extend_marks(text, o_end)
        out.append(_expression(r, text, o_start, o_end))
    return out


_WINDOW_BEFORE = 50
_WINDOW_AFTER = 50
_WAS = regex.compile(r"(?<!\w)[وف]?(?:كان|كانت|كانوا)\s+$")
_FWD_FUTURE = regex.compile(r"\s*,?\s*(لن|سوف|س[يتن]\w{2,})(?!\w)")
_LAST_WORD = regex.compile(r"(\S+)\s*$")
_FIRST_WORD = regex.compile(r"\s*(\S+)")
_SINGULAR_UNITS = frozenset(normalize_key(w) for w in ("يوم", "أسبوع", "شهر", "عام", "سنة", "سنه", "ساعة"))
_UNIT_AFTER = regex.compile(r"\s+(?:(?:قبل|بعد)\s+)?(?:" + normalize_key(
    "الماضي|الماضية|المقبل|المقبلة|القادم|القادمة|الجاري|الجارية|الحالي|الحالية|المنصرم|"
    "المنصرمة|الفائت|الفائتة|المنقضي|السابق|السابقة|المنقضية|الأخير|الأخيرة|الماضيين|"
    "الأخيرين|المقبلين|القادمين"
) + r")(?!\w)")
_UNIT_BEFORE = regex.compile(r"(?:\d|(?<!\w)[وف]?[بلك]?(?:" + "|".join(map(regex.escape, lexicon().numbers)) + "|" + normalize_key(
    r"منذ|قبل|بعد|خلال|طوال|طيلة|لمدة|مدة|مدى|مدار|غضون|زهاء|نحو|حوالي|حوالى|قرابة|من|عن|"
    r"مطلع|أوائل|بداية|بدايه|مستهل|بدايات|مطالع|منتصف|أواسط|وسط|أواخر|نهاية|نهايه|ختام|"
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
        if hi < n:
            word_end = _WORD_END.match(norm, hi)
            hi = word_end.end() if word_end else hi
        spans = out.setdefault(kind, [])
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(hi, spans[-1][1]))
        else:
            spans.append((lo, hi))

    for m in anchors.words.finditer(norm):
        if not _word_start(norm, m.start()):
            continue
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


def _select(cands: list[_Cand]) -> list[_Cand]:
    """Longest match first, then rule priority; no overlaps."""
    cands.sort(key=lambda c: (-(c.end - c.start), c.priority, c.start))
    taken: list[tuple[int, int]] = []
    chosen = []
    for c in cands:
        if any(c.start < e and s < c.end for s, e in taken):
            continue
        taken.append((c.start, c.end))
        chosen.append(c)
    chosen.sort(key=lambda c: c.start)
    return chosen


# --- context checks --------------------------------------------------------------------


def _prev_word(norm: str, pos: int) -> str:
    m = _LAST_WORD.search(norm, max(0, pos - 30), pos)
    return m.group(1).strip(",\"'()") if m else ""


def _next_word(norm: str, pos: int) -> str:
    m = _FIRST_WORD.match(norm, pos, pos + 30)
    return m.group(1).strip(",\"'()") if m else ""


def _strip_clitic(word: str) -> str:
    for p in ("و", "ف"):
        if word.startswith(p) and len(word) > 3:
            return word[1:]
    return word


def _accept(
    name: str,
    m: regex.Match[str],
    norm: str,
    lx: Lexicon,
    offsets: list[int] | None,
    persons: list[tuple[int, int]],
) -> bool:
    prev = _strip_clitic(_prev_word(norm, m.start()))
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
        before = _strip_clitic(_prev_word(norm, m.start() - len(prev) - 1))
        if before in lx.cues["named_date_before"]:
            return False
    if name == "dmy" and _levant_coalition(m, prev, lx):
        return False
    if name in _COUNTS and _relative_to_event(m, norm):
        return False
    if name == "rel_day":
        rd = m.group("rd")
        if rd.endswith("امس") and _next_word(norm, m.end("rd")) in lx.cues["yesterday_not_after"]:
            return False
        if norm[m.start("rd") - 1 : m.start("rd")] == '"' and norm[m.end("rd") : m.end("rd") + 1] == '"':
            return False  # «"اليوم"»: the newspaper
        if rd.endswith(("اليوم", "الليلة", "الليله")):
            nxt = _next_word(norm, m.end("rd"))
            if m.group("wd") is None and (nxt in lx.cues["today_not_after"] or nxt.isdigit()):
                return False  # «اليوم العالمي», «اليوم 54 من الإضراب»
            if prev in lx.cues["day_not_before"]:
                return False
            if prev == "في" and rd == "اليوم" and m.group("wd") is None:
                before = _strip_clitic(_prev_word(norm, m.start() - 3))
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
    before = _prev_word(norm, m.start("op"))
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
    nxt = _next_word(norm, m.end("wd"))
    if stem == "اثنين" and (prev in lx.cues["both_before"] or nxt in lx.cues["both_after"]):
        return False
    return True


def _tense(norm: str, start: int, end: int) -> str:
    """``future`` when the clause around ``start`` speaks of the future, else ``past``."""
    lo = max(0, start - 160)
    back = norm[lo:start]
    cut = max((m.end() for m in _SENT_END.finditer(back)), default=0)
    parts = back[cut:].split(",")
    while len(parts) > 1 and len(parts[-1].split()) < 2:
        parts.pop()
    window = parts[-1]
    fwd = _FWD_FUTURE.match(norm, end)
    if fwd and _is_future_word(fwd.group(1)):
        return "future"  # «الثلاثاء لن يكون», «الأحد سيعقد»
    r = rules()
    for fm in r.future.finditer(window):
        if not _WAS.search(window, max(0, fm.start() - 12), fm.start()):
            return "future"  # but «كان من المقرر ...» is a plan in the past
    for fm in r.future_verb.finditer(window):
        if _is_future_word(fm.group(1)):
            return "future"
    return "past"


def _is_future_word(word: str) -> bool:
    """«لن», «سوف» or a verb with the future prefix سـ («سيعقد», «ستلغي»), not a noun that
    happens to start with سي/ست/سن («سيارة», «ستة», «سنوات»)."""
    if word in ("لن", "سوف"):
        return True
    cues = lexicon().cues
    if word in cues["future_stop_words"]:
        return False
    return not any(word.startswith(p) for p in cues["future_stop_prefixes"])


# --- resolution ------------------------------------------------------------------------

_REL_LAST = frozenset(normalize_key(w) for w in (
    "الماضي", "الماضية", "المنصرم", "المنصرمة", "الفائت", "الفائتة", "المنقضي", "المنقضية",
    "السابق", "السابقة", "الأخير", "الأخيرة", "الماضيين", "الأخيرين",
))
_REL_NEXT = frozenset(normalize_key(w) for w in (
    "المقبل", "المقبلة", "القادم", "القادمة", "المقبلين", "القادمين",
))
_PART_START = frozenset(normalize_key(w) for w in ("مطلع", "أوائل", "بداية", "بدايه", "مستهل", "بدايات", "مطالع"))
_PART_MID = frozenset(normalize_key(w) for w in ("منتصف", "أواسط", "وسط"))
_UNIT_CODE = {"day": "D", "week": "W", "month": "M", "year": "Y"}


def _rel_direction(rel: str | None) -> str | None:
    if not rel:
        return None
    if rel in _REL_LAST:
        return "last"
    if rel in _REL_NEXT:
        return "next"
    return "current"


def _part_kind(part: str | None) -> str | None:
    if not part:
        return None
    if part in _PART_START:
        return "start"
    if part in _PART_MID:
        return "mid"
    return "end"


def _set_period(res: _Res, p: Period) -> None:
    res.whole = p
    res.period = _narrow(p, res.part)


def _narrow(p: Period, part: str | None) -> Period:
    """A sub-period (start/mid/end third) of ``p``, keeping its value and precision."""
    kind = _part_kind(part)
    if kind is None:
        return p
    if p.precision == "year":
        y = p.start.year
        bounds = {"start": (date(y, 1, 1), date(y, 3, 31)), "mid": (date(y, 5, 1), date(y, 8, 31)),
                  "end": (date(y, 10, 1), date(y, 12, 31))}[kind]
        if p.value.isdigit():
            return Period(bounds[0], bounds[1], p.precision, p.value)
    days = (p.end - p.start).days + 1
    third = max(1, days // 3)
    if kind == "start":
        return Period(p.start, p.start + timedelta(days=third - 1), p.precision, p.value)
    if kind == "mid":
        return Period(p.start + timedelta(days=third), p.start + timedelta(days=2 * third - 1),
                      p.precision, p.value)
    return Period(p.end - timedelta(days=days - 2 * third - 1), p.end, p.precision, p.value)


def _count(g: dict[str, str | None], lx: Lexicon) -> tuple[str, int] | None:
    unit_form = g.get("unit") or ""
    unit_form = unit_form[2:] if unit_form.startswith("ال") else unit_form
    unit, base = lx.units.get(unit_form, ("", -1))
    if not unit:
        return None
    if g.get("n"):
        return unit, int(g["n"] or 0)
    if g.get("nw"):
        word = " ".join((g["nw"] or "").split())
        word = word[2:] if word.startswith("ال") and word[2:] in lx.numbers else word
        value = lx.numbers.get(word)
        return (unit, value) if value else None
    return unit, max(base, 1)


def _wrapper(norm: str, start: int) -> str:
    pm = rules().pre_wrapper.search(norm[max(0, start - 40) : start])
    return " ".join(pm.group("w").split()) if pm else ""


def _resolve(c: _Cand, ctx: _Ctx, ref: date | None, lx: Lexicon) -> _Res | None:
    m = c.match
    g = m.groupdict()
    res = _Res(c.start, c.end, None, "point", "day", rule=c.rule, part=g.get("part"))
    try:
        out = _HANDLERS[c.rule](res, g, ctx, ref, lx)
    except ValueError:
        return None
    if out is not None and c.rule not in _COUNTS and _RECURRING.match(ctx.norm, c.end):
        out.kind, out.period = "recurring", None
    return out


def _r_numeric(res: _Res, g: dict[str, str | None], ctx: _Ctx, ref: date | None, lx: Lexicon) -> _Res | None:
    a, b, c = int(g["a"] or 0), int(g["b"] or 0), int(g["c"] or 0)
    if len(g["a"] or "") == 4:
        y, mo, d = a, b, c
    elif len(g["c"] or "") == 4:
        y, mo, d = c, b, a
    else:
        return None
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    if g["hsuf"] or 1300 <= y <= 1500:
        day = hijri_to_gregorian(y, mo, d)
        if day is None:
            return None
        res.period = day_period(day)
        return res
    if not 1800 <= y <= 2100:
        return None
    res.period = day_period(date(y, mo, d))
    return res


def _r_dmy(res: _Res, g: dict[str, str | None], ctx: _Ctx, ref: date | None, lx: Lexicon) -> _Res | None:
    month = lx.lookup_month(g["month"] or "")
    if month is None:
        return None
    day = int(g["day"] or 0) if g["day"] else lx.ordinals.get(" ".join((g["ord"] or "").split()), 0)
    if not 1 <= day <= 31:
        return None
    day2 = int(g["day2"] or 0) if g.get("day2") else None
    if g["year"]:
        first = date(int(g["year"] or 0), month, day)
    elif g.get("yrel") and ref is not None:
        first = date(_year_rel(g["yrel"] or "", ctx, ref), month, day)
    elif ref is not None:
        direction = _rel_direction(g["rel"]) or _date_direction(ctx, res, ref)
        found = day_month_occurrence(ref, month, day, direction)
        if found is None:
            return None
        first = found
    else:
        return res
    if day2 and day2 > day:
        res.period = range_period(first, date(first.year, month, day2))
        res.kind = "range"
    else:
        res.period = day_period(first)
    return res


def _date_direction(ctx: _Ctx, res: _Res, ref: date) -> str | None:
    if ctx.wrapper in _SINCE:
        return "past"
    return "future" if _tense(ctx.norm, res.start, res.end) == "future" else None


def _year_rel(yrel: str, ctx: _Ctx, ref: date) -> int:
    """The year meant by «العام الماضي/المقبل/الجاري/نفسه» after a month name."""
    word = yrel.split()[-1]
    if word in _REL_LAST:
        return ref.year - 1
    if word in _REL_NEXT:
        return ref.year + 1
    if word in ("نفسه", "ذاته"):
        return ctx.last_year or ref.year
    return ref.year


def _r_month(res: _Res, g: dict[str, str | None], ctx: _Ctx, ref: date | None, lx: Lexicon) -> _Res | None:
    form = (g.get("month") or g.get("m1") or g.get("m2") or g.get("m3") or g.get("m4")
            or g.get("m5") or "")
    month = lx.lookup_month(form)
    if month is None:
        return None
    res.precision = "month"
    if g.get("year"):
        year = int(g["year"] or 0)
    elif g.get("yrel") and ref is not None:
        year = _year_rel(g["yrel"] or "", ctx, ref)
    elif ref is not None:
        direction = _rel_direction(g.get("rel")) or _date_direction(ctx, res, ref)
        year = month_occurrence(ref, month, direction)
    else:
        return res
    _set_period(res, month_period(year, month))
    return res


def _r_hijri_date(res: _Res, g: dict[str, str | None], ctx: _Ctx, ref: date | None, lx: Lexicon) -> _Res | None:
    month = lx.lookup_hijri(g["hmonth"] or "")
    day = int(g["day"] or 0) if g["day"] else lx.ordinals.get(" ".join((g["ord"] or "").split()), 0)
    if month is None or not 1 <= day <= 30:
        return None
    if g["hyear"]:
        year = int(g["hyear"])
    elif ref is not None:
        year = hijri_month_occurrence(ref, month)
    else:
        return res
    found = hijri_to_gregorian(year, month, day)
    if found is None:
        return None
    res.period = day_period(found)
    day2 = int(g.get("day2") or 0)
    if day2 > day and (last := hijri_to_gregorian(year, month, day2)) is not None:
        res.period, res.kind = range_period(found, last), "range"
    return res


def _r_hijri_month(res: _Res, g: dict[str, str | None], ctx: _Ctx, ref: date | None, lx: Lexicon) -> _Res | None:
    form = (g.get("hmonth") or g.get("hmonth_c") or g.get("hmonth_p") or g.get("hmonth_y")
            or g.get("hmonth_g") or "")
    month = lx.lookup_hijri(form)
    if month is None:
        return None
    res.precision = "month"
    if g.get("hyear"):
        year = int(g["hyear"] or 0)
    elif g.get("gyear"):
        year = _hijri_year_in(int(g["gyear"] or 0), month)
    elif g.get("gyrel") and ref is not None:
        year = _hijri_year_in(_year_rel(g["gyrel"] or "", ctx, ref), month)
    elif ref is not None:
        year = hijri_month_occurrence(ref, month)
    else:
        return res
    period = hijri_month_period(year, month)
    if period is None:
        return None
    _set_period(res, period)
    return res


def _hijri_year_in(gyear: int, month: int) -> int:
    """The Hijri year whose ``month`` begins in Gregorian year ``gyear``."""
    guess = round((gyear - 622) * 33 / 32)
    for year in (guess - 1, guess, guess + 1, guess - 2, guess + 2):
        period = hijri_month_period(year, month)
        if period is not None and period.start.year == gyear:
            return year
    return guess


def _r_hijri_year(res: _Res, g: dict[str, str | None], ctx: _Ctx, ref: date | None, lx: Lexicon) -> _Res | None:
    period = hijri_year_period(int(g.get("hyear") or g.get("hyear2") or 0))
    if period is None:
        return None
    _set_period(res, period)
    return res


def _r_year(res: _Res, g: dict[str, str | None], ctx: _Ctx, ref: date | None, lx: Lexicon) -> _Res | None:
    _set_period(res, year_period(int(g["year"] or 0)))
    return res


def _r_year_range(res: _Res, g: dict[str, str | None], ctx: _Ctx, ref: date | None, lx: Lexicon) -> _Res | None:
    y1, y2 = int(g["y1"] or 0), int(g["y2"] or 0)
    join = g["join"] or ""
    if y2 <= y1 or (y2 - y1 > 60 and not g.get("between")):
        return None
    if join in ("و", "ل") and not g["between"]:
        return None
    res.period = range_period(date(y1, 1, 1), date(y2, 12, 31))
    res.kind = "range"
    return res


def _r_rel_day(res: _Res, g: dict[str, str | None], ctx: _Ctx, ref: date | None, lx: Lexicon) -> _Res | None:
    rd = " ".join((g["rd"] or "").split())
    if "امس" in rd or "البارحة" in rd or "البارحه" in rd:
        offset = -2 if ("اول" in rd or rd.endswith("الاول")) else -1
    elif "غد" in rd:
        offset = 2 if rd.startswith("بعد") else 1
    elif "الليلة" in rd or "الليله" in rd:
        offset = -1 if "الماضي" in rd else 0
    else:
        offset = 0
    if ref is None:
        return res
    day = ref + timedelta(days=offset)
    wd = g.get("wd")
    weekday = lx.weekdays.get(wd[2:] if wd and wd.startswith("ال") else wd or "")
    if weekday is not None and weekday != day.weekday():
        # the explicit weekday wins over a publication date a day or two off
        if offset < 0:
            day = weekday_occurrence(ref, weekday, "last")
        elif offset > 0:
            day = weekday_occurrence(ref, weekday, "next")
        else:
            back = weekday_occurrence(ref, weekday, "past")
            ahead = weekday_occurrence(ref, weekday, "future")
            day = back if (ref - back) <= (ahead - ref) else ahead
    res.period = day_period(day)
    return res


def _r_weekday(res: _Res, g: dict[str, str | None], ctx: _Ctx, ref: date | None, lx: Lexicon) -> _Res | None:
    wd = g["wd"] or ""
    stem = wd[2:] if wd.startswith("ال") else wd[1:] if wd.startswith("ل") and wd[1:] in lx.weekdays else wd
    weekday = lx.weekdays.get(stem)
    if weekday is None:
        return None
    if g.get("yawm") == "ايام":
        res.kind = "recurring"
        return res
    if ref is None:
        return res
    direction = _rel_direction(g.get("rel"))
    if direction in (None, "current"):
        direction = "future" if _tense(ctx.norm, res.start, res.end) == "future" else "past"
    res.period = day_period(weekday_occurrence(ref, weekday, direction))
    return res


def _r_rel_period(res: _Res, g: dict[str, str | None], ctx: _Ctx, ref: date | None, lx: Lexicon) -> _Res | None:
    unit_form = g["unit"] or ""
    unit_form = unit_form[2:] if unit_form.startswith("ال") else unit_form[1:]
    unit = {"اسبوع": "week", "شهر": "month", "عام": "year", "سنة": "year", "سنه": "year"}.get(unit_form)
    if unit is None:
        return None
    res.precision = unit
    if ref is None:
        return res
    direction = _rel_direction(g.get("rel"))
    step = -1 if direction == "last" else 1 if direction == "next" else 0
    if g.get("before_last"):
        step = -2  # «العام قبل الماضي»
    elif g.get("after_next"):
        step = 2  # «الأسبوع بعد المقبل»
    _set_period(res, unit_period(shift(ref, unit, step), unit))
    return res


_NTH = {normalize_key(w): i for i, w in enumerate(("أول", "ثاني", "ثالث", "رابع"))}


def _r_holiday(res: _Res, g: dict[str, str | None], ctx: _Ctx, ref: date | None, lx: Lexicon) -> _Res | None:
    found = lx.holidays.get(" ".join((g["hol"] or "").split()))
    if found is None:
        return None
    calendar_name, month, day, _anchor = found
    shift_days = _NTH.get(g.get("nth") or "", 0)
    direction = _rel_direction(g.get("rel"))
    if calendar_name == "gregorian":
        if ref is None:
            return res
        when = day_month_occurrence(ref, month, day, direction)
    else:
        if g.get("hyear"):
            year = int(g["hyear"] or 0)
        elif ref is not None:
            year = hijri_month_occurrence(ref, month)
            first = hijri_to_gregorian(year, month, day)
            if direction == "last" and first is not None and first >= ref:
                year -= 1
            elif direction == "next" and first is not None and first <= ref:
                year += 1
        else:
            return res
        when = hijri_to_gregorian(year, month, day)
    if when is None:
        return None
    res.period = day_period(when + timedelta(days=shift_days))
    return res


def _r_count(res: _Res, g: dict[str, str | None], ctx: _Ctx, ref: date | None, lx: Lexicon) -> _Res | None:
    found = _count(g, lx)
    if found is None:
        return None
    unit, n = found
    op = " ".join((g["op"] or "").split())
    rel = _rel_direction(g.get("rel"))
    if unit == "decade":
        unit, n = "year", 10 * n
    if unit == "hour":
        return _hours(res, op, rel, n, ref)
    if op == "منذ" or (rel == "last" and op != "قبل"):
        res.kind, res.precision = "range", "range"
        if ref is not None:
            res.period = range_period(shift(ref, unit, -n), ref)
        return res
    if rel == "next":
        res.kind, res.precision = "range", "range"
        if ref is not None:
            res.period = range_period(ref, shift(ref, unit, n))
        return res
    if op in ("قبل", "بعد"):
        res.precision = unit
        if ref is not None:
            res.period = unit_period(shift(ref, unit, -n if op == "قبل" else n), unit)
        return res
    res.kind, res.precision, res.value = "duration", unit, f"P{n}{_UNIT_CODE[unit]}"
    return res


def _hours(res: _Res, op: str, rel: str | None, n: int, ref: date | None) -> _Res:
    """«خلال الـ24 ساعة الماضية», «قبل ساعتين», «خلال 48 ساعة»: day-level resolution."""
    days = -(-n // 24)  # whole days touched
    if op == "منذ" or rel in ("last", "next"):
        res.kind, res.precision = "range", "range"
        if ref is not None:
            res.period = (range_period(ref, ref + timedelta(days=days)) if rel == "next"
                          else range_period(ref - timedelta(days=days), ref))
        return res
    if op in ("قبل", "بعد"):
        res.precision = "day"
        if ref is not None:
            res.period = day_period(ref + timedelta(days=(n // 24) * (-1 if op == "قبل" else 1)))
        return res
    res.kind, res.precision, res.value = "duration", "day", f"PT{n}H"
    return res


def _r_decade(res: _Res, g: dict[str, str | None], ctx: _Ctx, ref: date | None, lx: Lexicon) -> _Res | None:
    digit = lx.decades.get(g["dec"] or "")
    if digit is None:
        return None
    century = g.get("century") or ""
    base = 2000 if any(w in century for w in ("الحالي", "الحادي", "الجاري")) else 1900
    res.period = range_period(date(base + 10 * digit, 1, 1), date(base + 10 * digit + 9, 12, 31))
    res.kind, res.precision = "range", "range"
    return res


_HANDLERS = {
    "numeric": _r_numeric,
    "dmy": _r_dmy,
    "hijri_date": _r_hijri_date,
    "hijri_month": _r_hijri_month,
    "hijri_year": _r_hijri_year,
    "month_year": _r_month,
    "month_rel": _r_month,
    "month": _r_month,
    "year_range": _r_year_range,
    "year_range_old": _r_year_range,
    "year": _r_year,
    "rel_day": _r_rel_day,
    "weekday": _r_weekday,
    "rel_period": _r_rel_period,
    "holiday": _r_holiday,
    "decade": _r_decade,
    "count": _r_count,
    "count_1": _r_count,
    "count_after": _r_count,
}

_SINCE = frozenset({normalize_key("منذ")})
_EXPLICIT_YEAR = frozenset({"numeric", "year", "year_range", "year_range_old"})
_DATES = frozenset({"numeric", "dmy", "hijri_date"})
_ANCHOR_GAP = regex.compile(normalize_key(r"^\s*[,(]?\s*(?:الموافق|الموافقة|الموافق\s+ل|ل)?\s*[(]?\s*$"))
_UNTIL = frozenset(normalize_key(w) for w in (
    "حتى", "لغاية", "إلى غاية", "بحلول", "في موعد أقصاه", "في موعد لا يتجاوز", "في أجل أقصاه",
))
_BEFORE = frozenset(normalize_key(w) for w in ("قبل", "قبيل"))
_FROM = frozenset(normalize_key(w) for w in ("من", "بين", "ما بين"))
_COUNTS = frozenset({"count", "count_1", "count_after"})


def _merge_anchored(items: list[_Res], norm: str) -> list[_Res]:
    """«الخميس الموافق 7/10/1436» / «اليوم الاثنين 4/10/1436»: the explicit date wins."""
    out: list[_Res] = []
    for cur in items:
        prev = out[-1] if out else None
        if prev is not None and cur.rule in _DATES and cur.period is not None \
                and prev.rule in ("weekday", "rel_day", "numeric", "dmy", "hijri_date") \
                and _ANCHOR_GAP.match(norm[prev.end : cur.start]):
            out[-1] = dataclasses.replace(cur, start=prev.start)
            continue
        out.append(cur)
    return out


def _compose(items: list[_Res], norm: str, ref: date | None) -> list[_Res]:
    """Apply «منذ/حتى/قبل/بحلول X» and join «من X إلى Y» / «بين X و Y»."""
    r = rules()
    out: list[_Res] = []
    i = 0
    while i < len(items):
        cur = items[i]
        if cur.rule in _COUNTS or cur.kind != "point":
            out.append(cur)
            i += 1
            continue
        pm = r.pre_wrapper.search(norm[max(0, cur.start - 40) : cur.start])
        word = " ".join(pm.group("w").split()) if pm else ""
        w_start = cur.start - (len(norm[max(0, cur.start - 40) : cur.start]) - pm.start("w")) if pm else cur.start
        nxt = items[i + 1] if i + 1 < len(items) else None
        if word in _FROM and nxt is not None and nxt.kind == "point" and nxt.rule not in _COUNTS \
                and r.range_join.match(norm[cur.end : nxt.start]):
            out.append(_join(cur, nxt, w_start))
            i += 2
            continue
        if word in _SINCE:
            cur = _since(cur, w_start, ref)
        elif word in _UNTIL:
            cur = _deadline(cur, w_start, ref, use_end=True)
        elif word in _BEFORE:
            if cur.rule == "rel_day" and cur.period is not None and ref is not None \
                    and cur.period.start == ref - timedelta(days=1):
                cur = dataclasses.replace(cur, start=w_start, period=day_period(ref - timedelta(days=2)))
            else:
                cur = _deadline(cur, w_start, ref, use_end=_part_kind(cur.part) == "end")
        out.append(cur)
        i += 1
    return out


def _join(a: _Res, b: _Res, start: int) -> _Res:
    period = None
    if a.period is not None and b.period is not None:
        period = range_period(a.period.start, b.period.end)
    return _Res(start, b.end, period, "range", "range", rule="join")


def _since(cur: _Res, start: int, ref: date | None) -> _Res:
    period = None
    if cur.period is not None and ref is not None:
        period = range_period(cur.period.start, max(ref, cur.period.start))
    return _Res(start, cur.end, period, "range", "range", rule="since")


def _deadline(cur: _Res, start: int, ref: date | None, *, use_end: bool) -> _Res:
    end = None
    if cur.period is not None and cur.whole is not None and _part_kind(cur.part) == "mid":
        # «بحلول منتصف مايو»: the middle of the month, not the end of its middle third
        whole = cur.whole
        end = whole.start + timedelta(days=(whole.end - whole.start).days // 2)
        if whole.precision == "month":
            end = whole.start.replace(day=15)
        elif whole.precision == "year" and whole.value.isdigit():
            end = date(whole.start.year, 6, 30)
    elif cur.period is not None:
        end = cur.period.end if use_end else cur.period.start - timedelta(days=1)
    period = None
    if end is not None:
        begin = ref if ref is not None and ref <= end else end
        period = Period(begin, end, "deadline", end.isoformat())
    return _Res(start, cur.end, period, "deadline", "deadline", rule="deadline")


def _expression(r: _Res, text: str, start: int, end: int) -> TimeExpression:
    p = r.period
    if r.kind == "duration":
        return TimeExpression(start, end, text[start:end], r.value, None, None, r.precision, "duration")
    if p is None:
        return TimeExpression(start, end, text[start:end], None, None, None, _precision(r), r.kind)
    if r.kind == "deadline":
        begin = p.start.isoformat() if p.start < p.end else None
        return TimeExpression(start, end, text[start:end], p.end.isoformat(), begin,
                              p.end.isoformat(), "deadline", "deadline")
    if r.kind == "range":
        return TimeExpression(start, end, text[start:end], p.interval(), p.start.isoformat(),
                              p.end.isoformat(), "range", "range")
    return TimeExpression(start, end, text[start:end], p.value, p.start.isoformat(),
                          p.end.isoformat(), p.precision, r.kind)


def _precision(r: _Res) -> str:
    if r.kind in ("range", "deadline"):
        return r.kind
    return r.precision


# --- for the events stage --------------------------------------------------------------

_ANCHORED_KINDS = frozenset({"point", "range", "deadline"})
_MAX_DISTANCE = 150
_CLAUSE_PENALTY = 120
_NEW_CLAUSE = regex.compile(r"[,،]\s*[وف]")


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
    lo = max((m.end() for m in _SENT_END.finditer(text, 0, pos)), default=0)
    m = _SENT_END.search(text, pos)
    return lo, (m.start() if m else len(text))
