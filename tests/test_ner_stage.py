"""The ``ner`` stage on sentences written for these tests: spans, clitics, titles, GPE."""

from __future__ import annotations

import pytest

from marsad.doc import Document
from marsad.ner_data import score, spans
from marsad.pipeline import Pipeline, get_stage


@pytest.fixture(scope="module")
def nlp() -> Pipeline:
    return Pipeline.from_config(stages=["sentences", "tokens", "ner"])


def _ents(nlp: Pipeline, text: str) -> Document:
    doc = nlp(text)
    for e in doc.entities:
        assert doc.text[e.start : e.end] == e.text
        assert 0.0 <= e.confidence <= 1.0
        if e.title is not None:
            assert e.title_start is not None and e.title_end is not None
            assert doc.text[e.title_start : e.title_end] == e.title
            assert e.title_end <= e.start
    return doc


def test_registration() -> None:
    spec = get_stage("ner")
    assert spec.requires == ("tokens",)
    assert spec.assigns == ("entities",)


def test_clitics_stay_outside(nlp: Pipeline) -> None:
    doc = _ents(nlp, "وقعت اشتباكات عنيفة بالجزائر وتونس، فيما عاد الوفد لدرنة صباح اليوم.")
    found = {(e.text, e.type) for e in doc.entities}
    assert ("الجزائر", "GPE") in found
    assert ("تونس", "GPE") in found
    assert ("درنة", "GPE") in found


def test_title_kept_apart(nlp: Pipeline) -> None:
    doc = _ents(nlp, "قال العميد احمد المسماري إن الجيش سيطر على مواقع جديدة.")
    per = [e for e in doc.entities if e.type == "PER"]
    assert [e.text for e in per] == ["احمد المسماري"]
    assert per[0].title == "العميد"


def test_multiword_title_and_places(nlp: Pipeline) -> None:
    text = "وصل وزير الخارجية الجزائري عبد القادر مساهل إلى القاهرة أمس للقاء نظيره سامح شكري."
    doc = _ents(nlp, text)
    by_text = {e.text: e for e in doc.entities}
    assert by_text["عبد القادر مساهل"].type == "PER"
    assert by_text["عبد القادر مساهل"].title == "وزير الخارجية الجزائري"
    assert by_text["القاهرة"].type in ("GPE", "LOC")
    assert by_text["سامح شكري"].type == "PER"


def test_organisation(nlp: Pipeline) -> None:
    doc = _ents(nlp, "أعلنت الأمم المتحدة اليوم عن خطة جديدة.")
    assert ("الأمم المتحدة", "ORG") in {(e.text, e.type) for e in doc.entities}


def test_empty_and_input_untouched(nlp: Pipeline) -> None:
    assert nlp("").entities == ()
    doc = Document(text="التقى الشيخ راشد الغنوشي وفدا في تونس.")
    out = nlp(doc)
    assert doc.entities == ()
    assert out.entities


def test_bio_spans_and_score() -> None:
    gold = [["B-PER", "I-PER", "O", "B-LOC"]]
    assert spans(gold[0]) == {(0, 2, "PER"), (3, 4, "LOC")}
    assert spans(["I-ORG", "I-ORG", "B-ORG"]) == {(0, 2, "ORG"), (2, 3, "ORG")}
    s = score(gold, [["B-PER", "O", "O", "B-LOC"]])
    assert s["LOC"]["f1"] == 100.0
    assert s["PER"]["f1"] == 0.0
    assert s["micro"]["precision"] == 50.0


def test_viterbi_bio_never_starts_inside() -> None:
    import numpy as np

    from marsad.ner_neural import LABELS, viterbi_bio

    probs = np.full((3, len(LABELS)), 0.01)
    probs[0, LABELS.index("I-PER")] = 0.9  # an I- first: must not be chosen
    probs[0, LABELS.index("B-PER")] = 0.5
    probs[1, LABELS.index("I-LOC")] = 0.9  # I-LOC after B-PER: invalid
    probs[1, LABELS.index("I-PER")] = 0.6
    probs[2, LABELS.index("O")] = 0.9
    assert [LABELS[j] for j in viterbi_bio(probs)] == ["B-PER", "I-PER", "O"]


def test_unknown_head_is_a_model_error() -> None:
    from marsad.errors import ModelError
    from marsad.ner import NerModel

    with pytest.raises(ModelError, match="no head"):
        NerModel(head="no-such-head")
