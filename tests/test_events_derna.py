"""End to end: the full default pipeline on the Derna sample article (read in place from
../shared/data/samples, dated 2018-05-22) must code the events the article reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from marsad.doc import Document, Event
from marsad.pipeline import Pipeline

SAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "samples" / (
    "derna_2018-05-22.txt")


@pytest.fixture(scope="module")
def events() -> list[Event]:
    text = SAMPLE.read_text(encoding="utf-8")
    doc = Pipeline.from_config()(Document(text=text, id="derna", date="2018-05-22"))
    for e in doc.events:
        assert doc.text[e.evidence.start:e.evidence.end] == e.evidence.text
    return list(doc.events)


def _find(events: list[Event], type_: str, trigger: str) -> Event:
    found = [e for e in events if e.type == type_ and e.trigger and trigger in e.trigger]
    assert found, f"no {type_} event with trigger {trigger!r}"
    return found[0]


def _text(actor: object) -> str:
    return getattr(actor, "text", "") or ""


def test_events_derna_special_forces_operation(events: list[Event]) -> None:
    e = _find(events, "ASSAULT", "عملية عسكرية")
    assert e.source is not None and e.source.country == "LBY" and e.source.sector == "MIL"
    assert "درنة" in _text(e.target)
    assert not e.hypothetical and not e.negated


def test_events_derna_air_strikes(events: list[Event]) -> None:
    e = _find(events, "ASSAULT", "غاراته")
    assert e.mode == "aerial"
    assert "سلاح جو الكرامة" in _text(e.source)
    assert "قوة حماية درنة" in _text(e.target)


def test_events_derna_shelling_reported(events: list[Event]) -> None:
    e = _find(events, "ASSAULT", "بقصف")
    assert e.source is not None and e.source.country == "LBY"
    assert e.reported_by is not None and "المسماري" in e.reported_by


def test_events_derna_safe_corridor(events: list[Event]) -> None:
    e = _find(events, "CONCEDE", "ممر")
    assert e.source is not None and e.source.sector == "MIL" and e.source.country == "LBY"
    assert not e.hypothetical


def test_events_derna_salame_briefing(events: list[Event]) -> None:
    e = _find(events, "CONSULT", "إحاطته")
    assert "سلامة" in _text(e.source)
    assert "مجلس" in _text(e.target)


def test_events_derna_algiers_meeting(events: list[Event]) -> None:
    e = _find(events, "CONSULT", "الاجتماع التشاوري")
    assert e.date == "2018-05-21"
    assert e.location is not None and "الجزائر" in (e.location.text or "")
    assert e.source is not None and e.source.country == "DZA"
    assert e.target is not None and e.target.country in ("EGY", "TUN")


def test_events_derna_siege(events: list[Event]) -> None:
    e = _find(events, "COERCE", "تحاصرهم")
    assert "حفتر" in _text(e.source)


def test_events_derna_support_for_elections(events: list[Event]) -> None:
    e = _find(events, "SUPPORT", "ساند")
    assert not e.hypothetical and not e.negated
    assert "انتخابات" in _text(e.target)


def test_events_derna_possible_ceasefire_is_hypothetical(events: list[Event]) -> None:
    ceasefire = [e for e in events if e.trigger and "وقف النار" in e.trigger]
    assert ceasefire and all(e.hypothetical for e in ceasefire)


def test_events_derna_algiers_meeting_lists_every_participant(events: list[Event]) -> None:
    meeting = [e for e in events if e.type == "CONSULT" and e.trigger
               and "الاجتماع التشاوري" in e.trigger and e.source is not None
               and e.source.country == "DZA"]
    assert {e.target.country for e in meeting if e.target is not None} == {"EGY", "TUN"}
