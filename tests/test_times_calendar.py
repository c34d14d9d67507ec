"""Calendar arithmetic used by the times stage."""

from __future__ import annotations

from datetime import date

from marsad.times_calendar import (
    _tabular_from_gregorian,
    _tabular_to_gregorian,
    day_month_occurrence,
    gregorian_to_hijri,
    hijri_month_period,
    hijri_to_gregorian,
    month_occurrence,
    parse_article_date,
    weekday_occurrence,
)

REF = date(2018, 5, 22)  # Tuesday


def test_weekday_directions() -> None:
    assert weekday_occurrence(REF, 0, "past") == date(2018, 5, 21)
    assert weekday_occurrence(REF, 1, "past") == REF
    assert weekday_occurrence(REF, 1, "last") == date(2018, 5, 15)
    assert weekday_occurrence(REF, 0, "next") == date(2018, 5, 28)
    assert weekday_occurrence(REF, 1, "future") == REF


def test_month_and_day_occurrences() -> None:
    assert month_occurrence(REF, 5, "last") == 2017
    assert month_occurrence(REF, 4, "last") == 2018
    assert month_occurrence(REF, 6, None) == 2018
    assert month_occurrence(REF, 12, None) == 2017
    assert day_month_occurrence(REF, 12, 27, "last") == date(2017, 12, 27)
    assert day_month_occurrence(REF, 6, 15, None) == date(2018, 6, 15)


def test_hijri_umm_al_qura_and_tabular_agree_roughly() -> None:
    assert hijri_to_gregorian(1439, 9, 15) == date(2018, 5, 30)
    assert gregorian_to_hijri(date(2018, 5, 22)) == (1439, 9, 7)
    period = hijri_month_period(1439, 9)
    assert period is not None and period.start == date(2018, 5, 16)
    tab = _tabular_to_gregorian(1439, 9, 15)
    assert tab is not None and abs((tab - date(2018, 5, 30)).days) <= 2
    assert _tabular_from_gregorian(tab) == (1439, 9, 15)
    assert hijri_to_gregorian(1200, 1, 1) is not None  # outside Umm al-Qura: tabular


def test_parse_article_date() -> None:
    assert parse_article_date("Fri, 06 Apr 2018 07:23:02 +0400") == date(2018, 4, 6)
    assert parse_article_date("17/05/2015") == date(2015, 5, 17)
    assert parse_article_date("2015-07-21 02:51:32") == date(2015, 7, 21)
    assert parse_article_date("not a date") is None
    assert parse_article_date(None) is None
