"""Trigger patterns and flag rules of the events stage, on sentences written for these
tests (sentence splitting only: no actor, place or time stages)."""

from __future__ import annotations

import dataclasses

import pytest

from marsad.doc import Document, Event
from marsad.events import EventCoder
from marsad.events_lexicon import load_lexicon, words_of
from marsad.sentences import split_sentences


@pytest.fixture(scope="module")
def coder() -> EventCoder:
    return EventCoder()


def _events(coder: EventCoder, text: str) -> list[Event]:
    doc = Document(text=text, date="2021-06-01")
    doc = dataclasses.replace(doc, sentences=tuple(split_sentences(text)))
    return list(coder(doc).events)


def _factual(coder: EventCoder, text: str) -> set[str]:
    return {e.type for e in _events(coder, text) if not e.negated and not e.hypothetical}


def _triggers(text: str) -> list[tuple[str, str]]:
    words = words_of(text)
    return [(m.entry.type, " ".join(w.text for w in words[m.first: m.last + 1]))
            for m in load_lexicon().match(words)]


# ---------------------------------------------------------------- words
def test_words_keep_shadda_and_harakat() -> None:
    assert [w.text for w in words_of("ثمّنَ الوزيرُ الموقفَ")] == ["ثمّنَ", "الوزيرُ", "الموقفَ"]
    assert ("SUPPORT", "ثمّن") in _triggers("ثمّن الوزير موقف الحكومة الجديدة")
    assert ("THREATEN", "وهدّدهم") in _triggers("وهدّدهم القائد بالطرد من الحزب")


# ---------------------------------------------------------------- alternatives meant alone
def test_standalone_forms_of_two_word_entries() -> None:
    assert ("ASSAULT", "المواجهات") in _triggers("تجددت المواجهات في الحي الشرقي ليلة أمس")
    assert ("MOBILIZE", "التعزيزات") in _triggers("وصلت التعزيزات إلى أطراف البلدة فجرا")
    assert ("MOBILIZE", "استنفارا") in _triggers("شهدت الحدود استنفارا واسعا أمس")
    assert ("MOBILIZE", "رفعت القيادة حالة التأهب") in _triggers("رفعت القيادة حالة التأهب في الثكنات")
    assert ("ASSAULT", "اختطاف") in _triggers("أدانت الجمعية اختطاف الصحفي في الجنوب")
    assert ("RETREAT", "رفع الحصار") in _triggers("أعلن المحافظ رفع الحصار عن القرية")
    assert ("AID", "اللجوء") in _triggers("قدم المعارض طلب اللجوء في السويد")


def test_lifting_sanctions_is_retreat(coder: EventCoder) -> None:
    assert ("RETREAT", "ألغت الحكومة العقوبات") in _triggers("ألغت الحكومة العقوبات المفروضة على الشركة")
    types = _factual(coder, "رفعت الحكومة العقوبات عن شركات الطيران أمس.")
    assert "RETREAT" in types and "SANCTION" not in types


# ---------------------------------------------------------------- SUPPORT
def test_support_patterns(coder: EventCoder) -> None:
    assert "SUPPORT" in _factual(coder, "امتدح الرئيس جهود الوسطاء في إنهاء الأزمة.")
    assert "SUPPORT" in _factual(coder, "أكدت الحكومة وقوفها الكامل إلى جانب الشعب الليبي.")
    assert "SUPPORT" in _factual(coder, "جدد البرلمان الوقوف مع مطالب العمال المشروعة.")
    assert "SUPPORT" in _factual(coder, "أعرب السفير عن ترحيبنا بالخطوة التي اتخذتها الحكومة.")


def test_support_purpose_and_funding_not_support(coder: EventCoder) -> None:
    # «لتأييد»: a purpose; bare «دعم» is a verbal noun («funding of»), not an endorsement
    assert "SUPPORT" not in _factual(coder, "تحتاج الحكومة أصوات النواب لتأييد الميزانية الجديدة.")
    assert "SUPPORT" not in _factual(coder, "رصد الصندوق دعم خاص للمزارعين في الجنوب.")
    assert "SUPPORT" in _factual(coder, "مرت الخطة بدعم من نواب المعارضة في البرلمان.")


# ---------------------------------------------------------------- REQUEST, REJECT, THREATEN
def test_request_not_for_demands_or_cheering(coder: EventCoder) -> None:
    assert "REQUEST" not in _factual(coder, "تحدث المدير عن المطالب النقابية القديمة.")
    assert "REQUEST" not in _factual(coder, "غاب التشجيع عن مدرجات الملعب في المباراة.")


def test_reject_denial_forms(coder: EventCoder) -> None:
    assert "REJECT" in _factual(coder, "اتهمت الشرطة النائب بالرشوة، وهو ما ينفيه النائب.")
    assert "REJECT" in _factual(coder, "سارعت الوزارة إلى النفي في بيان مقتضب.")
    assert "REJECT" in _factual(coder, "تمسك الوفد بموقفه من مسألة الحدود رغم الضغوط.")


def test_declining_to_comment_is_no_rejection(coder: EventCoder) -> None:
    assert "REJECT" not in _factual(coder, "رفض المتحدث التعليق على التقارير الصحفية.")


def test_threat_with_shadda(coder: EventCoder) -> None:
    assert "THREATEN" in _factual(coder, "وهدّد الوزير الشركة بسحب الترخيص.")


# ---------------------------------------------------------------- COERCE, SANCTION, ACCUSE
def test_coerce_patterns(coder: EventCoder) -> None:
    assert "COERCE" in _factual(coder, "تم القبض عليهما في ساعة متأخرة من الليل.")
    assert "COERCE" in _factual(coder, "أصدر القاضي بطاقة إيداع بالسجن في حق المتهم.")
    assert "COERCE" in _factual(coder, "فر المسلحون إلى الجبل قبل أن تتم محاصرتهم.")


def test_control_is_not_seizure(coder: EventCoder) -> None:
    # «تسيطر على» describes a state; «سيطر على» reports the seizure
    assert "COERCE" not in _factual(coder, "تدير الحركة التي تسيطر على المدينة شؤون السكان.")
    assert "COERCE" in _factual(coder, "سيطر المسلحون على المطار صباح اليوم.")


def test_sentence_with_gap(coder: EventCoder) -> None:
    assert "SANCTION" in _factual(coder, "أصدرت المحكمة حكما على المتهم الثاني بالسجن سبع سنوات.")


def test_accuse_patterns(coder: EventCoder) -> None:
    assert "ACCUSE" in _factual(coder, "استقال الوزير متهما رئيس الحكومة بالتقصير.")
    assert "ACCUSE" in _factual(coder, "كشف تحقيق أجرته المنظمة عن انتهاكات في السجون.")
    assert "ACCUSE" in _factual(coder, "أجرت النيابة تحقيقا مع المسؤولين عن الصفقة.")


def test_investigation_as_purpose(coder: EventCoder) -> None:
    events = _events(coder, "شكلت الحكومة لجنة مستقلة للتحقيق في الحادث.")
    assert [e for e in events if e.type == "ACCUSE" and e.hypothetical]


# ---------------------------------------------------------------- AGREE, CONSULT, COOPERATE, AID
def test_agree_patterns(coder: EventCoder) -> None:
    assert "AGREE" in _factual(coder, "وتم الاتفاق بين الطرفين على تمديد الهدنة.")
    assert "AGREE" in _factual(coder, "توصل الوزير مع نظيره إلى اتفاق بشأن الحدود.")
    assert "AGREE" in _factual(coder, "التزمت الحكومة بتقديم المنح للطلاب.")


def test_consult_call_and_sociology(coder: EventCoder) -> None:
    assert "CONSULT" in _factual(coder, "اتصل الرئيس بنظيره الفرنسي مساء أمس.")
    assert "CONSULT" not in _factual(coder, "حصل الباحث على درجة في علم الاجتماع من الجامعة.")


def test_cooperate_with(coder: EventCoder) -> None:
    assert "COOPERATE" in _factual(coder, "يتعاون المتهمون مع المحققين منذ أسابيع.")


def test_aid_patterns(coder: EventCoder) -> None:
    assert "AID" in _factual(coder, "وصلت ثلاث سفن إغاثة إلى الميناء أمس.")
    assert "AID" not in _factual(coder, "أصيب عامل الإغاثة بجروح طفيفة في الحادث.")


# ---------------------------------------------------------------- flags
def test_preposition_before_hypothetical_cue(coder: EventCoder) -> None:
    events = _events(coder, "حذرت الهيئة الطيارين لاحتمال شن غارات على المنطقة.")
    assert [e for e in events if e.type == "ASSAULT"] \
        and all(e.hypothetical for e in events if e.type == "ASSAULT")


def test_subjunctive_after_an(coder: EventCoder) -> None:
    events = _events(coder, "قرر الاتحاد الأوروبي أن يتفاوض مع المغرب على اتفاق جديد.")
    assert [e for e in events if e.type == "CONSULT" and e.hypothetical]
    assert "COERCE" in _factual(coder, "فر المسلحون قبل أن تحاصرهم الشرطة في الحي.")


def test_governing_stops_at_comma(coder: EventCoder) -> None:
    text = "انتقد الحزب قرار الانسحاب من الاتفاق، وأشاد الوزير بموقف الحكومة."
    assert "SUPPORT" in _factual(coder, text)


def test_request_governs_a_later_verbal_noun(coder: EventCoder) -> None:
    text = "طالبت منظمات حقوقية في بيان مشترك السلطات بالإفراج عن المعتقلين."
    assert "RETREAT" not in _factual(coder, text)
    assert "REQUEST" in _factual(coder, text)


def test_weak_reading_governs_nothing_far(coder: EventCoder) -> None:
    # «بأمر» (a matter) is no request: the criticism after it is a fact
    text = "نشر الرئيس تغريدة تتعلق بأمر آخر، موجها انتقادات لكندا."
    assert "ACCUSE" in _factual(coder, text)


def test_aims_and_requirements_are_hypothetical(coder: EventCoder) -> None:
    events = _events(coder, "أعلنت الوزارة خطة تهدف إلى ترحيل المهاجرين غير النظاميين.")
    assert [e for e in events if e.type == "COERCE"] \
        and all(e.hypothetical for e in events if e.type == "COERCE")
    assert "CONCEDE" not in _factual(coder, "قال إن الحل يقتضي تقديم تنازلات من الجميع.")


def test_no_protest_of_any_kind(coder: EventCoder) -> None:
    events = _events(coder, "لا يتم تنظيم أية تظاهرات في المدينة.")
    assert all(e.negated for e in events if e.type == "PROTEST")


# ---------------------------------------------------------------- ASSAULT triggers
def test_assault_lost_their_lives_with_words_between() -> None:
    assert ("ASSAULT", "لقي أربعة جنود مصرعهم") in _triggers(
        "لقي أربعة جنود مصرعهم في انفجار لغم على الطريق")
    assert ("ASSAULT", "لقوا حتفهم") in _triggers("وقالت الشرطة إن ثلاثة صيادين لقوا حتفهم")


def test_assault_lost_their_lives_victims_are_the_target() -> None:
    coder = EventCoder(assault_threshold=0.0)
    events = [e for e in _events(coder, "لقي خمسة عمال مصرعهم في قصف استهدف المصنع.")
              if e.type == "ASSAULT"]
    assert events and events[0].target is not None and "عمال" in events[0].target.text
    assert events[0].fatalities == 5


def test_assault_hostage_taking() -> None:
    assert ("ASSAULT", "احتجز المسلحون الزوار رهائن") in _triggers(
        "احتجز المسلحون الزوار رهائن داخل المتحف")
    coder = EventCoder(assault_threshold=0.0)
    events = _events(coder, "احتجز المسلحون الزوار رهائن داخل المتحف.")
    assert [e for e in events if e.type == "ASSAULT" and e.mode == "abduct"]
    assert not [e for e in events if e.type == "COERCE"]


def test_assault_verbal_nouns() -> None:
    assert ("ASSAULT", "القتل") in _triggers("أدانت الهيئة القتل العشوائي للمدنيين في القرية")
    assert ("ASSAULT", "صدامات") in _triggers("اندلعت صدامات بين الشرطة والشبان ليلا")
    assert ("ASSAULT", "للضرب") in _triggers("تعرض السجين للضرب في مركز الشرطة")


def test_sport_snatching_is_no_abduction() -> None:
    assert not [t for t in _triggers("خطف المهاجم الأضواء في مباراة الأمس") if t[0] == "ASSAULT"]
    assert not [t for t in _triggers("خطف الفريق الضيف الفوز في الدقائق الأخيرة")
                if t[0] == "ASSAULT"]
    assert ("ASSAULT", "خطف") in _triggers("خطف مسلحون مهندسا أجنبيا من منزله")


def test_hypothetical_cue_stays_in_its_clause(coder: EventCoder) -> None:
    # «محاولة» governs «الانقلاب», not the denial after the comma
    text = "اتهمت الحكومة الداعية بتدبير محاولة الانقلاب، الأمر الذي ينفيه الداعية."
    assert "REJECT" in _factual(coder, text)


def test_name_is_no_future_verb(coder: EventCoder) -> None:
    # «سيرغي» is a name, not «سـ + يرغي»
    assert "SUPPORT" in _factual(coder, "قال الوزير سيرغي لافروف إن بلاده تؤيد الخطة الأممية.")


def test_demand_governs_apology_noun(coder: EventCoder) -> None:
    # «بالاعتذار» is a verbal noun (it carries «بـ») even though its entry is a verb's
    text = "تجاهل النائب مطالبة رئيس الحزب وأعضاء المكتب له بالاعتذار عن تصريحاته."
    assert "CONCEDE" not in _factual(coder, text)


def test_subjunctive_verbal_entry_with_ya(coder: EventCoder) -> None:
    events = _events(coder, "قرر المجلس، الأحد، أن يتفاوض على تجديد العقد مع الشركة.")
    assert [e for e in events if e.type == "CONSULT"] \
        and all(e.hypothetical for e in events if e.type == "CONSULT")


def test_aid_noun_alone_is_not_enough(coder: EventCoder) -> None:
    assert "AID" not in _factual(coder, "تساءلت الصحف عن حجم المساعدات في الميزانية الجديدة.")
    assert "AID" not in _factual(coder, "خصص النادي حسابا لجمع التبرعات من الجمهور.")
    assert "AID" in _factual(coder, "وصلت قافلة مساعدات إلى البلدة المنكوبة أمس.")


def test_double_tilde_reaches_five_words(coder: EventCoder) -> None:
    text = "أطلقت السلطات الأمنية مساء الأحد الماضي سراح الصحفيين الثلاثة."
    assert ("RETREAT", "أطلقت السلطات الأمنية مساء الأحد الماضي سراح") in _triggers(text)
    assert "RETREAT" in _factual(coder, text)
    assert "ACCUSE" in _factual(coder, "ألقت وسائل الإعلام الرسمية في البلاد مسؤولية الهجوم على المعارضة.")
    # a single «~» still stops after three words
    assert not [t for t in _triggers("وقع وزيرا خارجية البلدين في العاصمة اتفاقية")
                if t[1].startswith("وقع")]


def test_not_only_is_no_negation(coder: EventCoder) -> None:
    text = "لم ترفض الحكومة الطلب فحسب، بل طردت السفير من البلاد."
    rejects = [e for e in _events(coder, text) if e.type == "REJECT"]
    assert rejects and not rejects[0].negated
    assert "REJECT" not in _factual(coder, "لم ترفض الحكومة الطلب المقدم من النقابة.")


def test_stopping_cooperation_is_sanction(coder: EventCoder) -> None:
    text = "أوقفت الوكالة تبادل المعلومات مع الشركاء الأوروبيين بعد الفضيحة."
    types = _factual(coder, text)
    assert "SANCTION" in types and "COOPERATE" not in types and "COERCE" not in types


def test_resorting_to_dialogue_is_no_asylum(coder: EventCoder) -> None:
    # «اللجوء إلى / للحوار» is "resorting to", not asylum (AID)
    for text in ("وأكد الوزير تشجيع الأشقاء الليبيين على اللجوء للحوار والنقاش.",
                 "شجع الوزير الأطراف المتنازعة على اللجوء للحوار والتفاوض.",
                 "دعت اللجنة إلى اللجوء إلى القضاء لحل الخلاف."):
        assert not [e for e in _events(coder, text) if e.type == "AID"], text
    assert "AID" in _factual(coder, "منحت ألمانيا اللجوء لمئات العائلات السورية العام الماضي.")
