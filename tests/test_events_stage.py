"""The events stage on sentences written for the tests (sentence splitting only, so the
rules are tested without the actor, place and time stages)."""

from __future__ import annotations

import dataclasses

import pytest

from marsad.doc import Document, Event
from marsad.events import EventCoder
from marsad.sentences import split_sentences


@pytest.fixture(scope="module")
def coder() -> EventCoder:
    return EventCoder()


def _events(coder: EventCoder, text: str, date: str = "2020-03-04") -> list[Event]:
    doc = Document(text=text, date=date)
    doc = dataclasses.replace(doc, sentences=tuple(split_sentences(text)))
    out = coder(doc)
    for e in out.events:
        assert text[e.evidence.start:e.evidence.end] == e.evidence.text
        for actor in (e.source, e.target):
            if actor is not None and actor.start is not None:
                assert text[actor.start:actor.end] == actor.text
    return list(out.events)


def test_events_two_events_in_one_sentence(coder: EventCoder) -> None:
    events = _events(coder, "اقتحم مسلحون مهبطا للطائرات وخطفوا أربعة أوروبيين.")
    assaults = [e for e in events if e.type == "ASSAULT"]
    assert len(assaults) == 2
    assert assaults[1].mode == "abduct"
    assert all(e.source is not None and e.source.sector == "UAF" for e in assaults)


def test_events_negated(coder: EventCoder) -> None:
    events = _events(coder, "لم يهاجم الجيش المدينة أمس.")
    assert events and all(e.negated for e in events if e.type == "ASSAULT")


def test_events_hypothetical_ceasefire_not_fact(coder: EventCoder) -> None:
    events = _events(coder, "لا تستبعد المصادر إقرارا لوقف النار في المدينة.")
    ceasefire = [e for e in events if e.type == "CONCEDE"]
    assert ceasefire and ceasefire[0].hypothetical and not ceasefire[0].negated


def test_events_future_meeting_is_hypothetical(coder: EventCoder) -> None:
    events = _events(coder, "سيعقد وزراء الخارجية العرب اجتماعا طارئا في القاهرة.")
    consult = [e for e in events if e.type == "CONSULT"]
    assert consult and consult[0].hypothetical


def test_events_reported_speech_and_casualties(coder: EventCoder) -> None:
    text = ("قال مصدر عسكري إن الطائرات قصفت مواقع المتمردين شمال البلدة، "
            "مما أدى إلى مقتل ثلاثة وإصابة جنديين.")
    events = [e for e in _events(coder, text) if e.type == "ASSAULT"]
    assert len(events) == 1
    event = events[0]
    assert event.reported_by is not None and "مصدر" in event.reported_by
    assert event.fatalities == 3 and event.injured == 2
    assert event.source is not None and event.source.text == "الطائرات"
    assert event.mode == "aerial"


@pytest.mark.parametrize(
    ("text", "type_"),
    [
        ("تظاهر آلاف الطلاب في العاصمة احتجاجا على رفع الأسعار.", "PROTEST"),
        ("اعتقلت الشرطة خمسة أشخاص بتهمة التخطيط لهجمات.", "COERCE"),
        ("فرضت الولايات المتحدة عقوبات جديدة على إيران.", "SANCTION"),
        ("رحب الاتحاد الأوروبي بالاتفاق.", "SUPPORT"),
        ("اتهمت الحكومة المعارضة بالتحريض على العنف.", "ACCUSE"),
        ("هدد الرئيس بطرد السفير.", "THREATEN"),
        ("انسحبت القوات من المدينة بعد معارك عنيفة.", "RETREAT"),
        ("وقع البلدان اتفاقية للتعاون الاقتصادي.", "AGREE"),
        ("رفضت الحركة المبادرة المصرية.", "REJECT"),
        ("قدمت السعودية مساعدات إنسانية لليمن.", "AID"),
        ("حشد الجيش قوات على الحدود.", "MOBILIZE"),
        ("التقى الرئيس المصري نظيره الفرنسي في باريس.", "CONSULT"),
        ("دعت الأمم المتحدة الأطراف إلى ضبط النفس.", "REQUEST"),
    ],
)
def test_events_types(coder: EventCoder, text: str, type_: str) -> None:
    events = _events(coder, text)
    assert any(e.type == type_ and not e.negated and not e.hypothetical for e in events)


def test_events_date_defaults_to_article_date(coder: EventCoder) -> None:
    events = _events(coder, "ندد الوزير بالهجوم على السفارة.", date="2021-06-07")
    assert events and events[0].date == "2021-06-07" and events[0].date_precision == "unknown"


def test_events_no_event_in_plain_sentence(coder: EventCoder) -> None:
    assert _events(coder, "ارتفعت درجات الحرارة في المدينة خلال الصيف.") == []


def test_events_threatened_act_is_hypothetical(coder: EventCoder) -> None:
    events = _events(coder, "هدد الرئيس بطرد السفير.")
    sanction = [e for e in events if e.type == "SANCTION"]
    assert sanction and sanction[0].hypothetical


def test_events_contexts_from_clause(coder: EventCoder) -> None:
    events = _events(coder, "فرضت الولايات المتحدة عقوبات على إيران بسبب برنامجها النووي.")
    sanction = [e for e in events if e.type == "SANCTION"]
    assert sanction and "cbrn" in sanction[0].contexts and "economic" in sanction[0].contexts


@pytest.fixture(scope="module")
def keep_all() -> EventCoder:
    """Every ASSAULT candidate kept: the argument rules apart from detection."""
    return EventCoder(assault_threshold=0.0)


def _assault(coder: EventCoder, text: str) -> Event:
    events = [e for e in _events(coder, text) if e.type == "ASSAULT"]
    assert events, text
    return events[0]


def test_events_passive_casualty_verb_first(keep_all: EventCoder) -> None:
    coder = keep_all
    # «قتل» before a phrase with no object is passive: the phrase names the victims
    event = _assault(coder, "وقتل ما لا يقل عن 12 جنديا في هجوم شنه مسلحون مجهولون على ثكنة.")
    assert event.target is not None and event.target.text == "جنديا"
    assert event.source is not None and event.source.text.startswith("مسلحون")
    event = _assault(coder, "وقتل شاب بعد تعرضه للضرب.")
    assert event.target is not None and event.target.text == "شاب"
    assert event.source is None
    # an object after the phrase keeps the active reading
    event = _assault(coder, "قتل مسلحون مجهولون سائقا في المدينة.")
    assert event.source is not None and event.source.text.startswith("مسلحون")


def test_events_plural_verb_has_subject_before(keep_all: EventCoder) -> None:
    coder = keep_all
    event = _assault(coder, "وقال المسؤول إن العشرات من المستوطنين هاجموا المزارعين قرب القرية.")
    assert event.source is not None and event.source.text == "المستوطنين"
    assert event.target is not None and event.target.text == "المزارعين"


def test_events_exposed_to_attack_is_target(keep_all: EventCoder) -> None:
    coder = keep_all
    event = _assault(coder, "وقال البيان إن القوات الدولية تعرضت لهجوم بقذائف الهاون.")
    assert event.target is not None and event.target.text == "القوات الدولية"
    assert event.source is None or "قذائف" not in event.source.text


def test_events_kana_qad_subject(keep_all: EventCoder) -> None:
    coder = keep_all
    event = _assault(coder, "وكانت وحدة خاصة من قوات الأمن قد اعتقلت وقتلت ثلاثة مسلحين.")
    assert event.source is not None and event.source.text.startswith("وحدة خاصة")


def test_events_subject_before_casualty_verb_with_object(keep_all: EventCoder) -> None:
    # an object after «قتلت» keeps the preceding phrase as the agent
    event = _assault(keep_all, "وقالت الشرطة إن القوات الخاصة قتلت 11 مسلحا في البلدة.")
    assert event.source is not None and event.source.text == "القوات الخاصة"
    assert event.target is not None and event.target.text == "مسلحا"
    # no object: the phrase names the victims
    event = _assault(keep_all, "وقال المصدر إن جنديين قتلا في انفجار عبوة ناسفة.")
    assert event.target is not None and event.target.text == "جنديين"


def test_events_speaker_is_not_the_killer(keep_all: EventCoder) -> None:
    event = _assault(keep_all, "وأعلن الجيش مقتل ثلاثة جنود في هجوم نفذه مسلحون مجهولون.")
    assert event.source is None or event.source.text != "الجيش"
    event = _assault(keep_all, "قتل شرطي بنيران مسلحين مجهولين وسط المدينة.")
    assert event.source is not None and event.source.text.startswith("مسلحين")
    assert event.target is not None and event.target.text == "شرطي"


def test_events_victims_between_casualty_slots(keep_all: EventCoder) -> None:
    event = _assault(keep_all, "وأصيب صباح أمس أربعة جنود أجانب بجروح في انفجار عبوة ناسفة.")
    assert event.target is not None and event.target.text.startswith("جنود")


def test_events_exposed_subject_before_qad_and_pronoun(keep_all: EventCoder) -> None:
    event = _assault(keep_all, "وكان المعسكر الشرقي، قد تعرض لقصف صاروخي أمس.")
    assert event.target is not None and event.target.text == "المعسكر الشرقي"
    event = _assault(keep_all, "ويقول خالد انه تعرض خلال التحقيق للتعذيب.")
    assert event.target is not None and event.target.text == "خالد"


def test_events_accusative_noun_is_no_subject(keep_all: EventCoder) -> None:
    event = _assault(keep_all, "وقتل 20 شخصا في هجوم انتحاري استهدف مقرا للشرطة.")
    assert all(e.source is None or e.source.text != "مقرا"
               for e in _events(keep_all, "في هجوم انتحاري استهدف مقرا للشرطة."))
    assert event.target is not None and event.target.text == "شخصا"
    event = _assault(keep_all, "وقال مسؤول إن امرأة قتلت اثناء الهجوم.")
    assert event.target is not None and event.target.text == "امرأة"


def test_events_generic_actor_takes_nationality(keep_all: EventCoder) -> None:
    event = _assault(keep_all, "وقتل مسلحون مجهولون جنودا بريطانيين في كمين.")
    assert event.target is not None and event.target.country == "GBR"
    event = _assault(keep_all, "خطف مسلحون قبل ظهر أمس أميركيا في المدينة.")
    assert event.target is not None and event.target.text == "أميركيا"
    assert event.target.country == "USA"


def test_events_survivor_is_target(keep_all: EventCoder) -> None:
    event = _assault(keep_all, "نجا قائد الشرطة أمس من محاولة اغتيال بسيارة مفخخة.")
    assert event.target is not None and event.target.text.startswith("قائد الشرطة")


def test_events_any_after_a_negated_verb_negates_the_event_and_protesters_are_the_source() -> None:
    from marsad.pipeline import Pipeline, default_config

    nlp = Pipeline.from_config(default_config())
    doc = nlp(Document(text="ولم يعلن الجيش حتى الآن عن أي انسحاب من المدينة.", date="2024-03-12"))
    retreats = [e for e in doc.events if e.type == "RETREAT"]
    assert retreats and all(e.negated for e in retreats)
    doc = nlp(Document(text="تظاهر مئات من سكان المدينة أمام مقر البلدية.", date="2024-03-12"))
    protests = [e for e in doc.events if e.type == "PROTEST"]
    assert protests and protests[0].source is not None and protests[0].source.sector == "CVL"


def test_events_survived_attempt_and_perfect_after_qad_are_facts() -> None:
    every = EventCoder(assault_threshold=0.0)  # the flags, whatever the classifier says
    survived = _events(every, "نجا محافظ المدينة أمس من محاولة اغتيال بعبوة ناسفة زرعت قرب منزله.")
    assert any(e.type == "ASSAULT" and not e.hypothetical for e in survived)
    done = _events(every, "وقد نفذت عملية الاغتيال ظهر أمس قرب الكنيسة.")
    assert any(e.type == "ASSAULT" and not e.hypothetical for e in done)
    attempt = _events(every, "اعتقلت الشرطة ثلاثة رجال خلال محاولة تفجير عبوة ناسفة.")
    assert all(e.hypothetical for e in attempt if e.type == "ASSAULT")
    may = _events(every, "وقد يشن الجيش هجوما على المدينة.")
    assert all(e.hypothetical for e in may if e.type == "ASSAULT")


def test_events_affiliated_units_are_the_source() -> None:
    from marsad.pipeline import Pipeline

    pipeline = Pipeline.from_config()
    for text in ("وقالت مصادر محلية إن وحدات تابعة للجيش اشتبكت مع مسلحين قرب المدينة أمس.",
                 "اشتبكت وحدات تابعة للجيش مع مسلحين قرب الحدود."):
        doc = pipeline(Document(text=text, date="2020-03-04"))
        assault = [e for e in doc.events if e.type == "ASSAULT"]
        assert assault and assault[0].source is not None
        assert assault[0].source.text == "وحدات تابعة للجيش" and assault[0].source.sector == "MIL"
        assert assault[0].target is not None and assault[0].target.text == "مسلحين"


def test_events_identical_events_of_an_article_are_one(coder: EventCoder) -> None:
    text = ("قصفت الطائرات الإسرائيلية مواقع لحركة حماس في غزة.\n"
            "وكانت الطائرات الإسرائيلية قد قصفت مواقع لحركة حماس في غزة، بحسب مصادر محلية.")
    assaults = [e for e in _events(coder, text) if e.type == "ASSAULT"]
    assert len(assaults) == 1
    assert assaults[0].sentence == 1 and assaults[0].reported_by is not None  # the fuller one


def test_events_dedupe_keeps_different_events() -> None:
    from marsad.doc import EventActor, Evidence
    from marsad.events import dedupe_events

    army, rebels = EventActor(text="الجيش", sector="MIL"), EventActor(text="المتمردين")
    a = Event(type="ASSAULT", evidence=Evidence(0, 5, "قصفت"), sentence=0, source=army,
              target=rebels)
    b = dataclasses.replace(a, sentence=2, hypothetical=True)
    c = dataclasses.replace(a, sentence=3, source=None, target=None)
    d = dataclasses.replace(c, sentence=4)
    assert dedupe_events([a, b, c, d, dataclasses.replace(a, sentence=5)]) == [a, b, c, d]
