"""ASSAULT argument and trigger spans: the head trigger of merged triggers, targets that are
weapons or attackers, the passer-by of a roadside blast, possession with ل, and the object
phrase around an actor mention (sentences written for the tests)."""

from __future__ import annotations

import dataclasses

import pytest

from marsad.doc import Document, Event
from marsad.events import EventCoder
from marsad.pipeline import Pipeline
from marsad.sentences import split_sentences


@pytest.fixture(scope="module")
def coder() -> EventCoder:
    return EventCoder(assault_threshold=0.0)


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    config = {"pipeline": {"stages": ["sentences", "tokens", "ner", "actors", "places", "times",
                                      "events"]},
              "stages": {"events": {"assault_threshold": 0.0}}}
    return Pipeline.from_config(config)


def _assaults(coder: EventCoder, text: str) -> list[Event]:
    doc = Document(text=text, date="2021-06-01")
    doc = dataclasses.replace(doc, sentences=tuple(split_sentences(text)))
    events = [e for e in coder(doc).events if e.type == "ASSAULT"]
    for e in events:
        for actor in (e.source, e.target):
            if actor is not None and actor.start is not None:
                assert text[actor.start:actor.end] == actor.text
    return events


def _full(pipeline: Pipeline, text: str) -> list[Event]:
    doc = pipeline(Document(text=text, date="2021-06-01"))
    events = [e for e in doc.events if e.type == "ASSAULT"]
    for e in events:
        for actor in (e.source, e.target):
            if actor is not None and actor.start is not None:
                assert text[actor.start:actor.end] == actor.text
    return events


def _target(e: Event) -> str:
    return e.target.text if e.target is not None else ""


# ---------------------------------------------------------------- the head trigger
def test_events_spans_casualty_verb_heads_its_circumstances(coder: EventCoder) -> None:
    events = _assaults(coder, "قتل ثلاثة جنود وأصيب خمسة مدنيين في انفجار عبوة ناسفة قرب السوق.")
    assert events and events[0].trigger == "قتل"


def test_events_spans_act_heads_its_consequences(coder: EventCoder) -> None:
    events = _assaults(coder, "فجر مهاجم نفسه داخل مقهى شعبي مما أدى إلى مقتل سبعة أشخاص.")
    assert events and events[0].trigger == "فجر نفسه"


def test_events_spans_caused_casualty_noun_heads_attack_nouns(coder: EventCoder) -> None:
    events = _assaults(coder, "وأدى انفجار سيارة مفخخة في السوق إلى مقتل أربعة مدنيين.")
    assert events and events[0].trigger == "مقتل"


def test_events_spans_agent_noun_is_no_trigger(coder: EventCoder) -> None:
    events = _assaults(coder, "وذكرت الشرطة أن انتحاريا فجر نفسه قرب مركز للتسوق.")
    assert events and events[0].trigger == "فجر نفسه"


# ---------------------------------------------------------------- targets
def test_events_spans_weapon_is_no_target(coder: EventCoder) -> None:
    events = _assaults(coder, "فجر انتحاري سيارة مفخخة أمام فندق صغير في المدينة.")
    assert events and all("مفخخة" not in _target(e) for e in events)


def test_events_spans_passer_by_of_a_blast(coder: EventCoder) -> None:
    events = _assaults(coder, "انفجرت عبوة ناسفة لدى مرور دورية عسكرية على الطريق الساحلي.")
    assert events and "دورية" in _target(events[0])


def test_events_spans_possessed_passer_by_is_not_the_target(coder: EventCoder) -> None:
    events = _assaults(coder, "انفجرت عبوة ناسفة لدى مرور موكبه على الطريق الساحلي.")
    assert events and "موكبه" not in _target(events[0])


def test_events_spans_killed_soldiers_before_wounded(pipeline: Pipeline) -> None:
    events = _full(pipeline, "قتل جنديان أميركيان وأصيب تسعة مدنيين في هجوم على قافلة.")
    assert events and "جنديان" in _target(events[0])


def test_events_spans_possession_with_lam(coder: EventCoder) -> None:
    events = _assaults(coder, "أطلقت دبابة قذيفة على تجمع للمزارعين شرق البلدة.")
    assert events and _target(events[0]).startswith("تجمع للمزارعين")


def test_events_spans_object_around_a_mention(pipeline: Pipeline) -> None:
    events = _full(pipeline, "قتلت القوات الحكومية عشرة متشددين إسلاميين في الجبال.")
    assert events and _target(events[0]) == "متشددين إسلاميين"


def test_events_spans_after_the_weapon_phrase(coder: EventCoder) -> None:
    events = _assaults(coder, "وأوقع هجوم بسيارة مفخخة على حفل للخريجين عشرة قتلى.")
    assert events and _target(events[0]).startswith("حفل")


def test_events_spans_aboard(coder: EventCoder) -> None:
    events = _assaults(coder, "وفجر المهاجمون قنابل على متن قطارين للركاب.")
    assert events and _target(events[0]).startswith("قطارين")


def test_events_spans_victims_of_a_casualty_head(coder: EventCoder) -> None:
    events = _assaults(coder, "أصيب ضابط كبير بجروح إثر إطلاق نار على سيارته.")
    assert events and _target(events[0]).startswith("ضابط")


def test_events_spans_fronted_victims_past_an_apposition(coder: EventCoder) -> None:
    events = _assaults(coder, "وقال مصدر طبي إن أربعة أشخاص، بينهم امرأة، قتلوا في القصف.")
    assert events and "أشخاص" in _target(events[0])


# ---------------------------------------------------------------- sources
def test_events_spans_agent_noun_is_the_source(coder: EventCoder) -> None:
    events = _assaults(coder, "وذكرت الشرطة أن انتحاريا فجر نفسه قرب مركز للتسوق.")
    assert events and events[0].source is not None and events[0].source.text == "انتحاريا"


def test_events_spans_claimant_is_the_source(coder: EventCoder) -> None:
    events = _assaults(coder, "أعلنت جماعة مسلحة مسؤوليتها عن خطف ثلاثة مهندسين أجانب.")
    assert events and events[0].source is not None and "جماعة" in events[0].source.text


def test_events_spans_nationality_of_the_strike(coder: EventCoder) -> None:
    events = _assaults(coder, "وأدت غارة أميركية على قرية جبلية إلى مقتل خمسة مسلحين.")
    assert events and events[0].source is not None and events[0].source.country == "USA"


def test_events_spans_who_claimed_it(coder: EventCoder) -> None:
    events = _assaults(coder, "وقع هجوم انتحاري على حاجز للجيش وتبنته جماعة متشددة.")
    assert events and events[0].source is not None and "جماعة" in events[0].source.text


def test_events_spans_possessive_subject_is_the_speaker(coder: EventCoder) -> None:
    events = _assaults(coder, "وأعلن الجيش الأميركي في وقت لاحق أن قواته قتلت مسلحا في المدينة.")
    assert events and events[0].source is not None and events[0].source.text == "الجيش الأميركي"
    assert _target(events[0]) == "مسلحا"


def test_events_spans_reporter_is_not_the_source(coder: EventCoder) -> None:
    events = _assaults(coder, "وقال المسؤولون إن التفجير وقع قرب السوق المركزي.")
    assert events and all(e.source is None for e in events)


def test_events_spans_coordinated_people(pipeline: Pipeline) -> None:
    events = _full(pipeline, "خطف مسلحون جنودا ومدنيين قرب الحدود.")
    assert events and _target(events[0]) == "جنودا ومدنيين"


def test_events_spans_people_from_a_village(pipeline: Pipeline) -> None:
    events = _full(pipeline, "هاجم مستوطنون المزارعين من قرية بيتا جنوب نابلس أمس.")
    assert events and _target(events[0]).startswith("المزارعين من قرية بيتا")


def test_events_spans_exposed_past_appositions(coder: EventCoder) -> None:
    text = ("تعرض وزير الزراعة في الحكومة المحلية، وهو طبيب معروف، وشقيق رئيس البلدية، "
            "لمحاولة اغتيال مساء أمس.")
    events = _assaults(coder, text)
    assert events and _target(events[0]).startswith("وزير الزراعة")


def test_events_spans_group_doing_it_with_qama(pipeline: Pipeline) -> None:
    events = _full(pipeline, "وبحسب الشهود، قام عدد من جنود «الكوماندوس» بقتل المدنيين في القرية.")
    e = events[0]
    assert e.source is not None and e.source.text.startswith("جنود")
    assert _target(e) == "المدنيين"


def test_events_spans_no_preposition_with_pronoun_as_head(coder: EventCoder) -> None:
    events = _assaults(coder, "اندلعت معارك عنيفة قتل خلالها الجنود الثلاثة في البلدة.")
    assert events and all(not _target(e).startswith("خلالها") for e in events)


def test_events_spans_support_verb_of_a_nominal_trigger(coder: EventCoder) -> None:
    events = _assaults(coder, "وتعرضت القافلة العسكرية لهجوم قرب الحدود الشمالية.")
    assert events and events[0].trigger == "وتعرضت لهجوم"


def test_events_spans_so_called_is_no_head_noun(pipeline: Pipeline) -> None:
    events = _full(pipeline, "قصفت الطائرات مواقع ما يسمى بجيش الخلاص في الجبال.")
    assert events and not any("يسمى" in _target(e) for e in events)


def test_events_spans_other_side_of_the_clash(coder: EventCoder) -> None:
    events = _assaults(coder, "وقال الجيش إن عشرين متمردا قتلوا في اشتباكات مع قوات الأمن شمال البلاد.")
    assert events and events[0].source is not None and "قوات" in events[0].source.text


def test_events_spans_announcer_of_deaths_is_no_source(coder: EventCoder) -> None:
    events = _assaults(coder, "أعلنت الشرطة مقتل سبعة أشخاص بتفجير شاحنة مفخخة في السوق.")
    assert events and all(e.source is None or "الشرطة" not in e.source.text for e in events)
