from __future__ import annotations

import json

import pytest

from marsad.doc import SCHEMA_VERSION, Document, Entity, Event, EventActor, Evidence, Sentence
from marsad.errors import SchemaError


def test_doc_json_round_trip_keeps_everything() -> None:
    doc = Document(
        text="قصف الجيش مواقع المسلحين",
        id="a1",
        date="2020-01-02",
        sentences=(Sentence(0, 24, "قصف الجيش مواقع المسلحين"),),
        entities=(Entity(4, 9, "الجيش", "ORG", 0.9),),
        events=(
            Event(
                type="ASSAULT",
                evidence=Evidence(0, 3, "قصف"),
                sentence=0,
                mode="heavy-weapons",
                contexts=("military",),
                source=EventActor(text="الجيش", country="LBY", sector="MIL"),
                date={"start": "2020-01-01", "end": "2020-01-02"},
            ),
        ),
    )
    data = json.loads(json.dumps(doc.to_dict(), ensure_ascii=False))
    assert data["schema_version"] == SCHEMA_VERSION
    assert Document.from_dict(data) == doc


def test_doc_from_dict_rejects_other_major_version() -> None:
    with pytest.raises(SchemaError):
        Document.from_dict({"schema_version": "9.0", "text": "x"})


def test_doc_is_immutable() -> None:
    doc = Document(text="نص")
    with pytest.raises(AttributeError):
        doc.text = "آخر"  # type: ignore[misc]
