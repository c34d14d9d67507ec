"""Calendar arithmetic for the times stage: periods, shifts, nearest occurrences, Hijri.

A :class:`Period` is a closed interval of days with a precision and the ISO ``value`` that
names it: ``2018-05-21`` (day), ``2018-W20`` (ISO week), ``2018-05`` (month), ``2018``
(year). Periods that no Gregorian unit names (a Hijri month, a range) carry the ISO 8601
interval ``start/end`` as their value.

Hijri dates are converted with :mod:`hijridate` (Umm al-Qura, years 1343–1500 AH); outside
that range the tabular (arithmetical) calendar is used.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from hijridate import Gregorian, Hijri

_MONTHS_EN = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}


@dataclass(frozen=True, slots=True)
class Period:
    """A resolved stretch of time."""

    start: date
    end: date
    precision: str
    value: str

    def interval(self) -> str:
        """The ISO 8601 interval ``start/end``."""
        return f"{self.start.isoformat()}/{self.end.isoformat()}"


def parse_article_date(value: str | None) -> date | None:
    """Read an article date in the formats the corpora use (ISO, ``dd/mm/yyyy``, RFC 2822)."""
    if not value:
        return None
    text = value.strip()
    m = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if m:
        return _safe_date(int(m[1]), int(m[2]), int(m[3]))
    m = re.match(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if m:
        return _safe_date(int(m[3]), int(m[2]), int(m[1]))
    m = re.search(r"(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{4})", text)
    if m and m[2].lower() in _MONTHS_EN:
        return _safe_date(int(m[3]), _MONTHS_EN[m[2].lower()], int(m[1]))
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def month_end(year: int, month: int) -> date:
    """The last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def day_period(d: date) -> Period:
    """One day."""
    return Period(d, d, "day", d.isoformat())


def week_period(d: date) -> Period:
    """The ISO week (Monday to Sunday) containing ``d``."""
    start = d - timedelta(days=d.weekday())
    year, week, _ = d.isocalendar()
    return Period(start, start + timedelta(days=6), "week", f"{year}-W{week:02d}")


def month_period(year: int, month: int) -> Period:
    """A Gregorian month."""
    return Period(date(year, month, 1), month_end(year, month), "month", f"{year:04d}-{month:02d}")


def year_period(year: int) -> Period:
    """A Gregorian year."""
    return Period(date(year, 1, 1), date(year, 12, 31), "year", f"{year:04d}")


def range_period(start: date, end: date) -> Period:
    """An arbitrary interval (precision ``range``)."""
    if end < start:
        start, end = end, start
    return Period(start, end, "range", f"{start.isoformat()}/{end.isoformat()}")


def add_months(d: date, months: int) -> date:
    """Shift by whole months, clamping the day to the target month's length."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def shift(d: date, unit: str, n: int) -> date:
    """``d`` moved by ``n`` units (day, week, month, year, decade)."""
    if unit == "day":
        return d + timedelta(days=n)
    if unit == "week":
        return d + timedelta(weeks=n)
    if unit == "month":
        return add_months(d, n)
    if unit == "year":
        return add_months(d, 12 * n)
    if unit == "decade":
        return add_months(d, 120 * n)
    raise ValueError(f"unknown unit {unit!r}")


def unit_period(d: date, unit: str) -> Period:
    """The period of the given unit that contains ``d``."""
    if unit == "day":
        return day_period(d)
    if unit == "week":
        return week_period(d)
    if unit == "month":
        return month_period(d.year, d.month)
    if unit == "year":
        return year_period(d.year)
    return range_period(d, d)


def weekday_occurrence(ref: date, weekday: int, direction: str) -> date:
    """The ``weekday`` nearest ``ref`` in a direction.

    ``past``: on or before ``ref``; ``last``: strictly before; ``future``: on or after;
    ``next``: strictly after.
    """
    back = (ref.weekday() - weekday) % 7
    ahead = (weekday - ref.weekday()) % 7
    if direction == "past":
        return ref - timedelta(days=back)
    if direction == "last":
        return ref - timedelta(days=back or 7)
    if direction == "future":
        return ref + timedelta(days=ahead)
    return ref + timedelta(days=ahead or 7)


def month_occurrence(ref: date, month: int, direction: str | None) -> int:
    """The year of the occurrence of ``month`` meant relative to ``ref``.

    ``last``: strictly before ref's month; ``next``: strictly after; ``current``: ref's
    year; ``past``/``future``: on or before / on or after; ``None``: the nearest.
    """
    here = ref.year * 12 + ref.month - 1
    options = [(y * 12 + month - 1, y) for y in (ref.year - 1, ref.year, ref.year + 1)]
    if direction == "current":
        return ref.year
    if direction == "last":
        return max(y for i, y in options if i < here)
    if direction == "next":
        return min(y for i, y in options if i > here)
    if direction == "past":
        return max(y for i, y in options if i <= here)
    if direction == "future":
        return min(y for i, y in options if i >= here)
    return min(options, key=lambda o: (abs(o[0] - here), -o[0] if o[0] > here else o[0]))[1]


def day_month_occurrence(ref: date, month: int, day: int, direction: str | None) -> date | None:
    """The date of ``day``/``month`` meant relative to ``ref`` (see :func:`month_occurrence`)."""
    options = [d for y in (ref.year - 1, ref.year, ref.year + 1) if (d := _safe_date(y, month, day))]
    if not options:
        return None
    if direction == "last":
        before = [d for d in options if d < ref]
        return max(before) if before else None
    if direction == "next":
        after = [d for d in options if d > ref]
        return min(after) if after else None
    if direction == "past":
        before = [d for d in options if d <= ref]
        return max(before) if before else None
    if direction == "future":
        after = [d for d in options if d >= ref]
        return min(after) if after else None
    if direction == "current":
        return _safe_date(ref.year, month, day)
    return min(options, key=lambda d: (abs((d - ref).days), d > ref))


# --- Hijri -----------------------------------------------------------------------------


def hijri_to_gregorian(year: int, month: int, day: int) -> date | None:
    """A Hijri date in the Gregorian calendar (Umm al-Qura; tabular outside 1343–1500)."""
    try:
        return Hijri(year, month, day).to_gregorian()
    except OverflowError:
        return _tabular_to_gregorian(year, month, day)
    except ValueError:
        return None


def hijri_month_length(year: int, month: int) -> int:
    """Days in a Hijri month."""
    try:
        return int(Hijri(year, month, 1).month_length())
    except (OverflowError, ValueError):
        return 30 if month % 2 == 1 or (month == 12 and _tabular_leap(year)) else 29


def hijri_month_period(year: int, month: int) -> Period | None:
    """A Hijri month as a Gregorian interval."""
    start = hijri_to_gregorian(year, month, 1)
    if start is None:
        return None
    end = start + timedelta(days=hijri_month_length(year, month) - 1)
    return Period(start, end, "month", f"{start.isoformat()}/{end.isoformat()}")


def hijri_year_period(year: int) -> Period | None:
    """A Hijri year as a Gregorian interval."""
    start = hijri_to_gregorian(year, 1, 1)
    last = hijri_month_period(year, 12)
    if start is None or last is None:
        return None
    return Period(start, last.end, "year", f"{start.isoformat()}/{last.end.isoformat()}")


def gregorian_to_hijri(d: date) -> tuple[int, int, int]:
    """``(year, month, day)`` in the Hijri calendar."""
    try:
        h = Gregorian(d.year, d.month, d.day).to_hijri()
        return h.year, h.month, h.day
    except OverflowError:
        return _tabular_from_gregorian(d)


def hijri_month_occurrence(ref: date, month: int) -> int:
    """The Hijri year of the occurrence of Hijri ``month`` nearest ``ref``."""
    hy, hm, _ = gregorian_to_hijri(ref)
    here = hy * 12 + hm - 1
    options = [(y * 12 + month - 1, y) for y in (hy - 1, hy, hy + 1)]
    return min(options, key=lambda o: (abs(o[0] - here), o[0] > here))[1]


_EPOCH = 1948439  # Julian day number of 1 Muharram 1 AH (civil epoch)


def _tabular_leap(year: int) -> bool:
    return (14 + 11 * year) % 30 < 11


def _tabular_to_gregorian(year: int, month: int, day: int) -> date | None:
    jdn = day + ((295 * (month - 1) + 9) // 10) + 354 * (year - 1) + (3 + 11 * year) // 30 + _EPOCH - 1
    try:
        return date.fromordinal(jdn - 1721425)
    except (ValueError, OverflowError):
        return None


def _tabular_from_gregorian(d: date) -> tuple[int, int, int]:
    jdn = d.toordinal() + 1721425
    year = (30 * (jdn - _EPOCH) + 10646) // 10631
    start_year = _tabular_to_gregorian(year, 1, 1)
    if start_year is None:
        raise ValueError(f"no Hijri date for {d.isoformat()} in the Gregorian range")
    month = 12
    for m in range(1, 13):
        first = _tabular_to_gregorian(year, m + 1, 1) if m < 12 else _tabular_to_gregorian(year + 1, 1, 1)
        if first is not None and d < first:
            month = m
            break
    first_of_month = _tabular_to_gregorian(year, month, 1)
    if first_of_month is None:
        raise ValueError(f"no Hijri date for {d.isoformat()} in the Gregorian range")
    return year, month, (d - first_of_month).days + 1
