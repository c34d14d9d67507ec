"""Resolution of matched time expressions (a helper of :mod:`marsad.times`).

A match of a rule (:class:`Cand`) becomes a :class:`Res`: a period in the calendar, a kind
and a precision, resolved against the article date with the help of its context (the
clause's tense, a preceding «منذ/حتى/قبل», the last explicit year). :func:`compose` then
joins anchored dates («الخميس الموافق ...»), ranges («من ... إلى ...») and wraps
deadlines and «منذ» ranges; :func:`to_expression` makes the final
:class:`~marsad.doc.TimeExpression`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta

import regex

from marsad.doc import TimeExpression
from marsad.normalize import normalize_key
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
    range_period,
    shift,
    unit_period,
    weekday_occurrence,
    year_period,
)
from marsad.times_rules import Lexicon, lexicon, rules

SENT_END = regex.compile(r"[.!?\n]")
_RECURRING = regex.compile(normalize_key(r"\s*(?:من\s+)?(?:كل|جميع)\s+(?:عام|سنة|شهر|أسبوع)"))
_WAS = regex.compile(r"(?<!\w)[وف]?(?:كان|كانت|كانوا)\s+$")
_FWD_FUTURE = regex.compile(r"\s*,?\s*(لن|سوف|س[يتن]\w{2,})(?!\w)")
_LAST_WORD = regex.compile(r"(\S+)\s*$")
_FIRST_WORD = regex.compile(r"\s*(\S+)")


@dataclass(slots=True)
class Cand:
    """A rule match: its span in the normalised text, the rule and its priority."""

    start: int  # normalised offsets
    end: int
    rule: str
    match: regex.Match[str]
    priority: int


@dataclass(slots=True)
class Ctx:
    """What resolution needs beyond the match: the normalised text, the last explicit
    year seen (for «العام نفسه») and the word before the match («منذ», «حتى» ...)."""

    norm: str
    last_year: int | None = None
    wrapper: str = ""


@dataclass(slots=True)
class Res:
    """A resolved expression, before it becomes a :class:`~marsad.doc.TimeExpression`."""

    start: int
    end: int
    period: Period | None
    kind: str
    precision: str
    value: str | None = None
    rule: str = ""
    part: str | None = None
    whole: Period | None = None  # the containing period before a sub-period narrowed it


def prev_word(norm: str, pos: int) -> str:
    """The word before ``pos`` (punctuation stripped)."""
    m = _LAST_WORD.search(norm, max(0, pos - 30), pos)
    return m.group(1).strip(",\"'()") if m else ""


def next_word(norm: str, pos: int) -> str:
    """The word after ``pos`` (punctuation stripped)."""
    m = _FIRST_WORD.match(norm, pos, pos + 30)
    return m.group(1).strip(",\"'()") if m else ""


def strip_clitic(word: str) -> str:
    """``word`` without a leading conjunction و/ف."""
    for p in ("و", "ف"):
        if word.startswith(p) and len(word) > 3:
            return word[1:]
    return word


def tense(norm: str, start: int, end: int) -> str:
    """``future`` when the clause around ``start`` speaks of the future, else ``past``."""
    lo = max(0, start - 160)
    back = norm[lo:start]
    cut = max((m.end() for m in SENT_END.finditer(back)), default=0)
    parts = back[cut:].split(",")
    while len(parts) > 1 and len(parts[-1].split()) < 2:
        parts.pop()
    window = parts[-1]
    fwd = _FWD_FUTURE.match(norm, end)
    if fwd and is_future_word(fwd.group(1)):
        return "future"  # «الثلاثاء لن يكون», «الأحد سيعقد»
    r = rules()
    for fm in r.future.finditer(window):
        if not _WAS.search(window, max(0, fm.start() - 12), fm.start()):
            return "future"  # but «كان من المقرر ...» is a plan in the past
    for fm in r.future_verb.finditer(window):
        if is_future_word(fm.group(1)):
            return "future"
    return "past"


def is_future_word(word: str) -> bool:
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
_PART_START = frozenset(normalize_key(w) for w in ("مطلع", "أوائل", "بداية", "بدايه", "مستهل", "بدايات", "مطالع", "مفتتح", "غرة"))
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


def _set_period(res: Res, p: Period) -> None:
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


def wrapper_word(norm: str, start: int) -> str:
    """The operator right before a match («منذ», «حتى», «قبل», «بحلول», «من» ...), or ``""``."""
    pm = rules().pre_wrapper.search(norm[max(0, start - 40) : start])
    return " ".join(pm.group("w").split()) if pm else ""


def resolve(c: Cand, ctx: Ctx, ref: date | None, lx: Lexicon) -> Res | None:
    """Resolve one match against the reference date (``None`` when it is not a time)."""
    m = c.match
    g = m.groupdict()
    res = Res(c.start, c.end, None, "point", "day", rule=c.rule, part=g.get("part"))
    try:
        out = _HANDLERS[c.rule](res, g, ctx, ref, lx)
    except ValueError:
        return None
    if out is not None and c.rule not in COUNTS and _RECURRING.match(ctx.norm, c.end):
        out.kind, out.period = "recurring", None
    return out


def _r_numeric(res: Res, g: dict[str, str | None], ctx: Ctx, ref: date | None, lx: Lexicon) -> Res | None:
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


def _r_dmy(res: Res, g: dict[str, str | None], ctx: Ctx, ref: date | None, lx: Lexicon) -> Res | None:
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


def _date_direction(ctx: Ctx, res: Res, ref: date) -> str | None:
    if ctx.wrapper in _SINCE:
        return "past"
    return "future" if tense(ctx.norm, res.start, res.end) == "future" else None


def _year_rel(yrel: str, ctx: Ctx, ref: date) -> int:
    """The year meant by «العام الماضي/المقبل/الجاري/نفسه» after a month name."""
    word = yrel.split()[-1]
    if word in _REL_LAST:
        return ref.year - 1
    if word in _REL_NEXT:
        return ref.year + 1
    if word in ("نفسه", "ذاته"):
        return ctx.last_year or ref.year
    return ref.year


def _r_month(res: Res, g: dict[str, str | None], ctx: Ctx, ref: date | None, lx: Lexicon) -> Res | None:
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


def _r_hijri_date(res: Res, g: dict[str, str | None], ctx: Ctx, ref: date | None, lx: Lexicon) -> Res | None:
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


def _r_hijri_month(res: Res, g: dict[str, str | None], ctx: Ctx, ref: date | None, lx: Lexicon) -> Res | None:
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


def _r_hijri_year(res: Res, g: dict[str, str | None], ctx: Ctx, ref: date | None, lx: Lexicon) -> Res | None:
    period = hijri_year_period(int(g.get("hyear") or g.get("hyear2") or 0))
    if period is None:
        return None
    _set_period(res, period)
    return res


def _r_year(res: Res, g: dict[str, str | None], ctx: Ctx, ref: date | None, lx: Lexicon) -> Res | None:
    _set_period(res, year_period(int(g["year"] or 0)))
    return res


def _r_year_range(res: Res, g: dict[str, str | None], ctx: Ctx, ref: date | None, lx: Lexicon) -> Res | None:
    y1, y2 = int(g["y1"] or 0), int(g["y2"] or 0)
    join = g["join"] or ""
    if y2 <= y1 or (y2 - y1 > 60 and not g.get("between")):
        return None
    if join in ("و", "ل") and not g["between"]:
        return None
    res.period = range_period(date(y1, 1, 1), date(y2, 12, 31))
    res.kind = "range"
    return res


def _r_rel_day(res: Res, g: dict[str, str | None], ctx: Ctx, ref: date | None, lx: Lexicon) -> Res | None:
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


def _r_weekday(res: Res, g: dict[str, str | None], ctx: Ctx, ref: date | None, lx: Lexicon) -> Res | None:
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
        direction = "future" if tense(ctx.norm, res.start, res.end) == "future" else "past"
    res.period = day_period(weekday_occurrence(ref, weekday, direction))
    return res


def _r_rel_period(res: Res, g: dict[str, str | None], ctx: Ctx, ref: date | None, lx: Lexicon) -> Res | None:
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


def _r_holiday(res: Res, g: dict[str, str | None], ctx: Ctx, ref: date | None, lx: Lexicon) -> Res | None:
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


def _r_count(res: Res, g: dict[str, str | None], ctx: Ctx, ref: date | None, lx: Lexicon) -> Res | None:
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


def _hours(res: Res, op: str, rel: str | None, n: int, ref: date | None) -> Res:
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


_FRACTIONS = {normalize_key("الربع"): 4, normalize_key("النصف"): 2, normalize_key("الثلث"): 3}
_NTH_PART = {normalize_key(w): i for i, w in enumerate(("الأول", "الثاني", "الثالث", "الرابع"))}


def _r_fraction(res: Res, g: dict[str, str | None], ctx: Ctx, ref: date | None, lx: Lexicon) -> Res | None:
    """«الربع الأول من العام الجاري», «النصف الثاني من 2018»: a range of months."""
    parts = _FRACTIONS[g["frac"] or ""]
    nth = g["nth"] or ""
    index = parts - 1 if nth not in _NTH_PART else _NTH_PART[nth]
    if index >= parts:
        return None
    if g.get("year") or g.get("year2"):
        year = int(g.get("year") or g.get("year2") or 0)
    elif ref is not None:
        year = _year_rel(g.get("yrel") or "", ctx, ref)
    else:
        res.kind, res.precision = "range", "range"
        return res
    months = 12 // parts
    first = month_period(year, index * months + 1).start
    last = month_period(year, (index + 1) * months).end
    res.period, res.kind, res.precision = range_period(first, last), "range", "range"
    return res


def _r_decade(res: Res, g: dict[str, str | None], ctx: Ctx, ref: date | None, lx: Lexicon) -> Res | None:
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
    "fraction": _r_fraction,
    "count": _r_count,
    "count_1": _r_count,
    "count_after": _r_count,
}

_SINCE = frozenset({normalize_key("منذ")})
EXPLICIT_YEAR = frozenset({"numeric", "year", "year_range", "year_range_old"})
_DATES = frozenset({"numeric", "dmy", "hijri_date"})
_ANCHOR_GAP = regex.compile(normalize_key(r"^\s*[,(]?\s*(?:الموافق|الموافقة|الموافق\s+ل|ل)?\s*[(]?\s*$"))
_UNTIL = frozenset(normalize_key(w) for w in (
    "حتى", "لغاية", "إلى غاية", "بحلول", "في موعد أقصاه", "في موعد لا يتجاوز", "في أجل أقصاه",
))
_BEFORE = frozenset(normalize_key(w) for w in ("قبل", "قبيل"))
_FROM = frozenset(normalize_key(w) for w in ("من", "بين", "ما بين"))
COUNTS = frozenset({"count", "count_1", "count_after"})


def merge_anchored(items: list[Res], norm: str) -> list[Res]:
    """«الخميس الموافق 7/10/1436» / «اليوم الاثنين 4/10/1436»: the explicit date wins."""
    out: list[Res] = []
    for cur in items:
        prev = out[-1] if out else None
        if prev is not None and cur.rule in _DATES and cur.period is not None \
                and prev.rule in ("weekday", "rel_day", "numeric", "dmy", "hijri_date") \
                and _ANCHOR_GAP.match(norm[prev.end : cur.start]):
            out[-1] = dataclasses.replace(cur, start=prev.start)
            continue
        out.append(cur)
    return out


def compose(items: list[Res], norm: str, ref: date | None) -> list[Res]:
    """Apply «منذ/حتى/قبل/بحلول X» and join «من X إلى Y» / «بين X و Y»."""
    r = rules()
    out: list[Res] = []
    i = 0
    while i < len(items):
        cur = items[i]
        if cur.rule in COUNTS or cur.kind != "point":
            out.append(cur)
            i += 1
            continue
        pm = r.pre_wrapper.search(norm[max(0, cur.start - 40) : cur.start])
        word = " ".join(pm.group("w").split()) if pm else ""
        w_start = cur.start - (len(norm[max(0, cur.start - 40) : cur.start]) - pm.start("w")) if pm else cur.start
        nxt = items[i + 1] if i + 1 < len(items) else None
        if word in _FROM and nxt is not None and nxt.kind == "point" and nxt.rule not in COUNTS \
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


def _join(a: Res, b: Res, start: int) -> Res:
    period = None
    if a.period is not None and b.period is not None:
        period = range_period(a.period.start, b.period.end)
    return Res(start, b.end, period, "range", "range", rule="join")


def _since(cur: Res, start: int, ref: date | None) -> Res:
    period = None
    if cur.period is not None and ref is not None:
        period = range_period(cur.period.start, max(ref, cur.period.start))
    return Res(start, cur.end, period, "range", "range", rule="since")


def _deadline(cur: Res, start: int, ref: date | None, *, use_end: bool) -> Res:
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
    return Res(start, cur.end, period, "deadline", "deadline", rule="deadline")


def to_expression(r: Res, text: str, start: int, end: int) -> TimeExpression:
    """The :class:`~marsad.doc.TimeExpression` for a resolved span of the original text."""
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


def _precision(r: Res) -> str:
    if r.kind in ("range", "deadline"):
        return r.kind
    return r.precision
