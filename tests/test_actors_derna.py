"""The actors of the Derna sample (read in place from ../shared/data) resolve to the right
identities and codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from marsad.actors import resolve_actors
from marsad.doc import ActorMention, Document
from marsad.pipeline import Pipeline


@pytest.fixture(scope="module")
def derna(request: pytest.FixtureRequest) -> tuple[Document, tuple[ActorMention, ...]]:
    path = Path(__file__).resolve().parents[1].parent / "shared/data/samples/derna_2018-05-22.txt"
    assert path.exists(), path
    doc = Pipeline.from_config(stages=["sentences", "tokens"])(
        Document(text=path.read_text("utf-8"), date="2018-05-22")
    )
    return doc, resolve_actors(doc)


def _find(mentions: tuple[ActorMention, ...], text: str) -> list[ActorMention]:
    return [m for m in mentions if text in m.text]


@pytest.mark.parametrize(
    ("surface", "kb_id", "code"),
    [
        ("عمر سرور", "SURUR", "EGYINS"),
        ("القوات الخاصة الصاعقة", "LNA-SAIQA", "LBYMIL"),
        ("سلاح جو الكرامة", "LNA-AIRFORCE", "LBYMIL"),
        ("قوة حماية درنة", "DPF", "LBYREB"),
        ("مجلس شورى مجاهدي درنة", "DMSC", "LBYREB"),
        ("القيادة العامة", "LNA", "LBYMIL"),
        ("قوات حفتر", "LNA", "LBYMIL"),
        ("قوات الجيش", "MISMARI", "LBYMIL"),
        ("كتائب الجيش", "LNA", "LBYMIL"),
        ("قيادة الجيش", "LNA", "LBYMIL"),
        ("القوات المسلحة", "LNA", "LBYMIL"),
        ("احمد المسماري", "MISMARI", "LBYMIL"),
        ("مجلس الامن الدولي", "UNSC", "IGOUNO"),
        ("مجلس الأمن الدّولي", "UNSC", "IGOUNO"),
        ("غسان سلامة", "SALAME", "IGOUNO"),
        ("المجلس الرئاسي", "PC", "LBYGOV"),
        ("مجلس الدولة", "HCS", "LBYLEG"),
        ("عبد القادر مساهل", "MESSAHEL", "DZAGOV"),
        ("خميس الجهيناوي", "JHINAOUI", "TUNGOV"),
        ("سامح شكري", "SHOUKRY", "EGYGOV"),
        ("الأمم المتحدة", "UN", "IGOUNO"),
        ("غرفة عمليات عمر المختار", "LNA-OMAROOM", "LBYMIL"),
    ],
)
def test_actors_derna_named(derna, surface: str, kb_id: str, code: str) -> None:
    doc, mentions = derna
    found = _find(mentions, surface)
    assert found, f"{surface} not found"
    for m in found:
        assert (m.kb_id, m.code) == (kb_id, code), m
        assert doc.text[m.start:m.end] == m.text


def test_actors_derna_roles(derna) -> None:
    _doc, mentions = derna
    (mismari,) = _find(mentions, "احمد المسماري")
    assert mismari.role == "spokesman"
    assert mismari.text.startswith("المتحدث الرسمي باسم الجيش")
    (salame,) = [m for m in _find(mentions, "غسان سلامة") if "المبعوث" in m.text]
    assert salame.role == "envoy" and salame.sector == "IGO"
    (messahel,) = _find(mentions, "مساهل")
    assert messahel.role == "foreign minister"
    assert messahel.text.startswith("وزير الخارجية الجزائري")
    (surur,) = _find(mentions, "عمر سرور")
    assert surur.country == "EGY" and surur.text.startswith("الارهابي المصري")


def test_actors_derna_dual_title_gives_two_countries(derna) -> None:
    _doc, mentions = derna
    duo = [m for m in mentions if m.text == "وزيري خارجية مصر وتونس"]
    assert sorted(m.code for m in duo) == ["EGYGOV", "TUNGOV"]
    assert {m.kb_id for m in duo} == {"SHOUKRY", "JHINAOUI"}


def test_actors_derna_coreference_surname(derna) -> None:
    _doc, mentions = derna
    alone = [m for m in mentions if m.text == "شكري"]
    assert alone and alone[0].kb_id == "SHOUKRY" and alone[0].code == "EGYGOV"


def test_actors_derna_generic(derna) -> None:
    _doc, mentions = derna
    groups = [m for m in mentions if m.text in {"الجماعات الارهابية", "الجماعات الإرهابية"}]
    assert len(groups) >= 4
    assert all(m.generic and m.kb_id is None and m.sector == "INS" for m in groups)
    for text in ("اهالي درنة", "أهالي درنة", "المدنيين"):
        (m, *_rest) = [x for x in mentions if x.text == text]
        assert (m.country, m.sector, m.generic) == ("LBY", "CVL", True)


def test_actors_derna_meeting_participants(derna) -> None:
    _doc, mentions = derna
    people = [m for m in mentions if m.text == "المجتمعون"]
    assert sorted(m.country for m in people if m.country) == ["DZA", "EGY", "TUN"]


def test_actors_derna_no_false_actors(derna) -> None:
    _doc, mentions = derna
    # places after a preposition, adjectives and plain nouns are not actors; the headline
    # «الجزائر تحتضن ...» is
    assert not any("بالجزائر" in m.text for m in mentions)
    assert [m.code for m in mentions if m.text == "الجزائر"] == ["DZA"]
    assert not any(m.text in {"الدولي", "رئاسية", "الخارجي", "تجارة", "الدورية"} for m in mentions)
