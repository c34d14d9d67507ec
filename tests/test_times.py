"""The times stage. Arabic sentences here are written for the tests (not from any corpus)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.doc import Document, TimeExpression
from marsad.pipeline import Pipeline
from marsad.times import event_date, find_times, time_fields, time_for_span

REF = date(2018, 5, 22)  # a Tuesday


def _one(sentence: str, ref: date | None = REF) -> TimeExpression:
    found = find_times(sentence, ref)
    assert len(found) == 1, found
    t = found[0]
    assert sentence[t.start : t.end] == t.text
    return t


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.from_config(stages=["sentences", "tokens", "times"])


def test_derna_sample(pipeline: Pipeline, shared_data) -> None:
    text = (shared_data / "samples" / "derna_2018-05-22.txt").read_text("utf-8")
    doc = pipeline(Document(text=text, date="2018-05-22"))
    by_text = {t.text: t for t in doc.times}
    monday = by_text["أمس الاثنين"]
    assert (monday.value, monday.precision, monday.kind) == ("2018-05-21", "day", "point")
    deadline = by_text["قبل نهاية 2018"]
    assert (deadline.value, deadline.end_date, deadline.kind) == ("2018-12-31", "2018-12-31", "deadline")
    since = by_text["منذ 3 سنوات"]
    assert (since.start_date, since.end_date, since.kind) == ("2015-05-22", "2018-05-22", "range")
    for t in doc.times:
        assert doc.text[t.start : t.end] == t.text
        assert "خميس" not in t.text
    # the Algiers meeting is dated by «أمس الاثنين»
    trigger = text.index("ترأس أمس الاثنين")
    governing = time_for_span(doc, trigger, trigger + len("ترأس"))
    assert governing is not None and governing.value == "2018-05-21"


@pytest.mark.parametrize(
    ("sentence", "surface", "value", "precision"),
    [
        ("قال الوزير أمس إن المفاوضات متعثرة.", "أمس", "2018-05-21", "day"),
        ("وتستأنف المحادثات غداً في جنيف.", "غداً", "2018-05-23", "day"),
        ("ويصل الوفد بعد غد إلى الرباط.", "بعد غد", "2018-05-24", "day"),
        ("وصل الوفد أول أمس إلى العاصمة.", "أول أمس", "2018-05-20", "day"),
        ("وصل الوفد أمس الأول إلى العاصمة.", "أمس الأول", "2018-05-20", "day"),
        ("غادر الموكب صباح اليوم نحو الحدود.", "صباح اليوم", "2018-05-22", "day"),
        ("اندلع الحريق فجر اليوم الثلاثاء في الميناء.", "فجر اليوم الثلاثاء", "2018-05-22", "day"),
        ("وقع الحادث مساء أمس قرب السوق.", "مساء أمس", "2018-05-21", "day"),
        ("قتل جنديان الخميس في هجوم على حاجز.", "الخميس", "2018-05-17", "day"),
        ("اجتمع الطرفان يوم الأحد في القاهرة.", "يوم الأحد", "2018-05-20", "day"),
        ("سيعقد المجلس جلسته الاثنين المقبل.", "الاثنين المقبل", "2018-05-28", "day"),
        ("سيزور الرئيس العاصمة الأحد.", "الأحد", "2018-05-27", "day"),
        ("سيتم الإعلان عن النتائج الأحد.", "الأحد", "2018-05-27", "day"),
        ("وكان من المقرر عقد الاجتماع الخميس لكنه أرجئ.", "الخميس", "2018-05-17", "day"),
        ("وفي سياق متصل قصفت الطائرات المواقع الأحد.", "الأحد", "2018-05-20", "day"),
        ("وسيلتقي الفريق منافسه يوم الأحد في الدوحة.", "يوم الأحد", "2018-05-27", "day"),
        ("التقى الطرفان السبت الماضي في تونس.", "السبت الماضي", "2018-05-19", "day"),
        ("التقى الرئيس في 27 ديسمبر الماضي بنظيره.", "27 ديسمبر الماضي", "2017-12-27", "day"),
        ("وقعت الاتفاقية في 15/3/2018 في الرباط.", "15/3/2018", "2018-03-15", "day"),
        ("ونشر القرار بتاريخ 2018-03-20.", "2018-03-20", "2018-03-20", "day"),
        ("عقد الاجتماع في 15 مارس 2018 بالعاصمة.", "15 مارس 2018", "2018-03-15", "day"),
        ("وأعلنت النتائج في الخامس عشر من أبريل.", "الخامس عشر من أبريل", "2018-04-15", "day"),
        ("وجرت الجولة الأولى في ٣ حزيران ٢٠١٨.", "٣ حزيران ٢٠١٨", "2018-06-03", "day"),
        ("وقع الانفجار صباح يوم السبت 19 مايو 2018.", "صباح يوم السبت 19 مايو 2018", "2018-05-19", "day"),
        ("جرت الانتخابات في كانون الثاني 2018 بهدوء.", "كانون الثاني 2018", "2018-01", "month"),
        ("وتنطلق الحملة في جانفي 2019 رسميا.", "جانفي 2019", "2019-01", "month"),
        ("وتراجعت الأسعار منذ أيار الماضي بحدة.", "منذ أيار الماضي", "2017-05-01/2018-05-22", "range"),
        ("وزار الوزير المدينة في شهر آب الماضي.", "شهر آب الماضي", "2017-08", "month"),
        ("واحتج العمال في جويلية الماضي أمام الوزارة.", "جويلية الماضي", "2017-07", "month"),
        ("وعقدت الندوة في فيفري 2017.", "فيفري 2017", "2017-02", "month"),
        ("وصدر القرار في تشرين الأول 2017.", "تشرين الأول 2017", "2017-10", "month"),
        ("تأسس الحزب عام 2011 في القاهرة.", "عام 2011", "2011", "year"),
        ("ارتفعت الأسعار العام الماضي بشكل كبير.", "العام الماضي", "2017", "year"),
        ("وتتوقع الحكومة تراجعها العام المقبل.", "العام المقبل", "2019", "year"),
        ("وتراجعت الصادرات الشهر الماضي.", "الشهر الماضي", "2018-04", "month"),
        ("وارتفعت الأسعار العام قبل الماضي بنسبة كبيرة.", "العام قبل الماضي", "2016", "year"),
        ("وقتل عشرون شخصا خلال الـ24 ساعة الماضية في القصف.", "خلال الـ24 ساعة الماضية", "2018-05-21/2018-05-22", "range"),
        ("وعاشت البلاد حربا أهلية في التسعينيات من القرن الماضي.", "التسعينيات من القرن الماضي", "1990-01-01/1999-12-31", "range"),
        ("ونما الاقتصاد في الربع الأول من العام الجاري.", "الربع الأول من العام الجاري", "2018-01-01/2018-03-31", "range"),
        ("وتراجعت المبيعات في النصف الثاني من 2017.", "النصف الثاني من 2017", "2017-07-01/2017-12-31", "range"),
        ("وارتفعت الأسعار من يناير إلى مارس الماضيين.", "من يناير إلى مارس الماضيين", "2018-01-01/2018-03-31", "range"),
        ("وتقام الدورة من 28 مايو إلى 3 يونيو في الرباط.", "من 28 مايو إلى 3 يونيو", "2018-05-28/2018-06-03", "range"),
        ("وسجلت الإصابات إلى غاية موفى شهر جانفي المنقضي.", "إلى غاية موفى شهر جانفي المنقضي", "2018-01-31", "deadline"),
        ("وتحسن الوضع خلال الأسبوع الماضي.", "الأسبوع الماضي", "2018-W20", "week"),
        ("وسيصل المبعوث الأسبوع المقبل.", "الأسبوع المقبل", "2018-W22", "week"),
        ("وقع الهجوم قبل 3 أيام على الحدود.", "قبل 3 أيام", "2018-05-19", "day"),
        ("وقد غادر البلاد قبل عامين تقريبا.", "قبل عامين", "2016", "year"),
        ("ويحاصر الجيش المدينة منذ 3 سنوات.", "منذ 3 سنوات", "2015-05-22/2018-05-22", "range"),
        ("ويحكم الحزب البلاد منذ عام 2011.", "منذ عام 2011", "2011-01-01/2018-05-22", "range"),
        ("ودعت إلى الانتخابات قبل نهاية 2018 بكل قوة.", "قبل نهاية 2018", "2018-12-31", "deadline"),
        ("ودعت إلى الانتخابات قبل نهاية العام.", "قبل نهاية العام", "2018-12-31", "deadline"),
        ("ويجب تسليم التقرير بحلول 30 يونيو.", "بحلول 30 يونيو", "2018-06-30", "deadline"),
        ("شهدت البلاد بين عامي 2011 و2014 اضطرابات.", "بين عامي 2011 و2014", "2011-01-01/2014-12-31", "range"),
        ("تراجعت الصادرات خلال الأشهر الستة الماضية.", "خلال الأشهر الستة الماضية", "2017-11-22/2018-05-22", "range"),
        ("وعاد المعتمر في ١٥ رمضان ١٤٣٩هـ إلى بلده.", "١٥ رمضان ١٤٣٩هـ", "2018-05-30", "day"),
        ("وصدر الحكم في 1436/10/5هـ بالسجن.", "1436/10/5هـ", "2015-07-21", "day"),
        ("وتزدحم الأسواق في شهر رمضان المبارك.", "شهر رمضان المبارك", "2018-05-16/2018-06-14", "month"),
        ("وأعلن الجيش في مطلع العام الجاري عن خطة.", "مطلع العام الجاري", "2018", "year"),
        ("وصل الوفد أول من أمس إلى العاصمة.", "أول من أمس", "2018-05-20", "day"),
        ("افتتح المعرض في أغسطس العام الماضي.", "أغسطس العام الماضي", "2017-08", "month"),
        ("وافتتح الجسر في الثامن من مارس آذار العام الماضي.", "الثامن من مارس آذار العام الماضي", "2017-03-08", "day"),
        ("ونشرت الوزارة التقرير في يونيو/حزيران هذا العام.", "يونيو/حزيران هذا العام", "2018-06", "month"),
        ("وأجريت العملية صباح يوم الخميس الموافق 7/10/1436هـ بنجاح.", "صباح يوم الخميس الموافق 7/10/1436هـ", "2015-07-23", "day"),
        ("وتعقد الدورة من 10 إلى 12 شوال 1439هـ في جدة.", "10 إلى 12 شوال 1439هـ", "2018-06-24/2018-06-26", "range"),
        ("وتراجعت المبيعات في رمضان عام 2016 بشكل ملحوظ.", "رمضان عام 2016", "2016-06-06/2016-07-05", "month"),
        ("وحكمت الأسرة المدينة بين عامي 1074 و1163م قبل سقوطها.", "بين عامي 1074 و1163م", "1074-01-01/1163-12-31", "range"),
        ("وبلغ عدد الأسرة 8500 سرير وسيصل بحلول العام 1440 إلى عشرة آلاف.", "بحلول العام 1440", "2019-08-30", "deadline"),
        ("ويستمر الحظر حتى نهاية نوفمبر/ تشرين ثانٍ عام 2019.", "حتى نهاية نوفمبر/ تشرين ثانٍ عام 2019", "2019-11-30", "deadline"),
        ("ويحكم الرئيس البلاد منذ تشرين الثاني/نوفمبر الماضي.", "منذ تشرين الثاني/نوفمبر الماضي", "2017-11-01/2018-05-22", "range"),
        ("وشارك الممثل في ثلاثة أعمال في رمضان العام الماضي.", "رمضان العام الماضي", "2017-05-27/2017-06-24", "month"),
        ("ووقعت الحادثة في الليلة الفاصلة بين 30 و31 مارس الماضي.", "30 و31 مارس الماضي", "2018-03-30/2018-03-31", "range"),
        ("وتأمل الوزارة إنهاء المشروع بحلول منتصف مايو المقبل.", "بحلول منتصف مايو المقبل", "2019-05-15", "deadline"),
        ("ويتوقع البنك تعافي القطاع بحلول منتصف عام 2019.", "بحلول منتصف عام 2019", "2019-06-30", "deadline"),
        ("وتقرر أن المحلات الأحد لن تفتح أبوابها.", "الأحد", "2018-05-27", "day"),
    ],
)
def test_rules(sentence: str, surface: str, value: str, precision: str) -> None:
    t = _one(sentence)
    assert t.text.rstrip("ـ") == surface.rstrip("ـ")
    assert (t.value, t.precision) == (value, precision)


def test_same_year_refers_back_to_the_last_explicit_year() -> None:
    found = find_times("وجرت الجولة الأولى في ديسمبر 2016، ثم الثانية في مارس من العام نفسه.", REF)
    assert [(t.text, t.value) for t in found] == [
        ("ديسمبر 2016", "2016-12"), ("مارس من العام نفسه", "2016-03")
    ]


def test_explicit_weekday_beats_an_offset_publication_date() -> None:
    # written on Friday, dated Saturday: «اليوم الجمعة» is that Friday
    t = _one("وصل الرئيس اليوم الجمعة إلى نيروبي.", date(2015, 7, 25))
    assert t.value == "2015-07-24"
    t = _one("دشنت الجامعة أمس الثلاثاء برنامجها.", date(2015, 8, 6))
    assert t.value == "2015-08-04"


def test_future_clause_reads_weekday_forward_past_clause_backward() -> None:
    assert _one("أعلنت الحكومة، الخميس، أنها ستلغي القرار.").value == "2018-05-17"
    assert _one("ومن المقرر أن يلتقي الرئيسان، الخميس، في الجزائر.").value == "2018-05-24"


def test_first_of_the_hijri_month() -> None:
    t = _one("وتدشن الوزارة المسار في غرة شهر ذي القعدة القادم.", date(2015, 8, 9))
    assert (t.text, t.value) == ("غرة شهر ذي القعدة القادم", "2015-08-16")


@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        ("وتزدحم المطارات في ثالث أيام عيد الفطر المبارك.", "2015-07-19"),
        ("وأدى الحجاج الركن الأعظم يوم عرفة.", "2015-09-22"),
        ("وصلى الأمير صلاة عيد الأضحى الماضي في مكة.", "2014-10-04"),
        ("ويحتفل المسلمون بعيد الفطر لعام 1436هـ في المساجد.", "2015-07-17"),
    ],
)
def test_hijri_holidays(sentence: str, value: str) -> None:
    assert _one(sentence, date(2015, 7, 21)).value == value


def test_month_in_parentheses() -> None:
    t = _one("وستلعب المنتخبات مباراتين (أكتوبر ونوفمبر) قبل البطولة.", date(2018, 8, 17))
    assert (t.text, t.value) == ("أكتوبر", "2018-10")


def test_future_verbs_and_nouns_that_look_like_them() -> None:
    from marsad.normalize import normalize_key
    from marsad.times_resolve import is_future_word as _is_future_word

    verbs = ["سيكون", "ستكون", "سيغادر", "سيتم", "سيقوم", "سيجري", "سينطلق", "سيرسل", "سيفتح",
             "ستوقع", "سنتابع", "سندعم", "سيعقد", "ستلغي", "سنواصل", "لن", "سوف"]
    nouns = ["سيارة", "سياسة", "سيطرة", "سيد", "سيرة", "ستة", "سنة", "سنوات", "سيرجيو", "ستيفن",
             "سندات", "سيف", "سيما"]
    assert [v for v in verbs if not _is_future_word(normalize_key(v))] == []
    assert [n for n in nouns if _is_future_word(normalize_key(n))] == []


def test_sub_period_narrows_interval() -> None:
    t = _one("وتنتهي الأشغال في أواخر مايو.")
    assert (t.value, t.start_date, t.end_date) == ("2018-05", "2018-05-21", "2018-05-31")


def test_duration_has_no_dates() -> None:
    t = _one("وبقي في المستشفى لمدة ثلاثة أيام.")
    assert (t.kind, t.value, t.start_date) == ("duration", "P3D", None)


@pytest.mark.parametrize(
    "sentence",
    [
        "وقال خميس الجهيناوي وزير الخارجية التونسي إن بلاده تدعم الحل.",
        "واستقبل الرئيس جمعة الفلاحي في مكتبه.",
        "وأدى المصلون صلاة الجمعة في المسجد الكبير.",
        "ولم يتحدث أحد من المسؤولين عن الحادث.",
        "ومارس الضغط على الحكومة لتغيير موقفها.",
        "احتفل المصريون بذكرى ثورة 25 يناير في الميدان.",
        "ويحتفل السعوديون باليوم الوطني كل سنة.",
        "وقعت المواجهات في اليوم التالي للاجتماع.",
        "وتحدث عبد الأحد إلى الصحفيين.",
        "وحضر كلا الاثنين الاجتماع.",
        "ونحن في أمس الحاجة إلى الدعم.",
        'وقال أحد الأيتام لـ"اليوم" إن أمه كانت حانية.',
        "وتفاقمت الخلافات بين وزراء 8 آذار و14 آذار في الحكومة.",
        "وحسم الفريق اللقب قبل نهاية المسابقة بثلاث جولات.",
        "وأشاد الرئيس رمضان قديروف بالزيارة.",
        "وتتحسن النتائج عاما بعد عام.",
        'وشاركت النساء في حملة "الأربعاء الأبيض" ضد الحجاب.',
        "وتنتج الحقول مليون برميل في اليوم.",
        "ويصاب الناس بالمرض قبل عشر سنوات مما كانوا عليه.",
    ],
)
def test_not_a_time(sentence: str) -> None:
    assert [t for t in find_times(sentence, REF) if t.kind != "recurring"] == []


def test_person_entity_blocks_weekday() -> None:
    text = "وصرح محمد الخميس للصحفيين بأن الاتفاق قريب."
    start = text.index("محمد")
    persons = [(start, start + len("محمد الخميس"))]
    assert find_times(text, REF, persons=persons) == []


def test_without_article_date_relative_is_marked_unresolved() -> None:
    found = find_times("وقع الانفجار أمس في السوق، وفي 15 مارس 2018 وقع آخر.", None)
    assert [(t.text, t.value) for t in found] == [("أمس", None), ("15 مارس 2018", "2018-03-15")]


def test_article_date_formats() -> None:
    for raw in ("2018-05-22", "22/05/2018", "Tue, 22 May 2018 10:00:00 GMT", "2018-05-22T10:00:00+01:00"):
        doc = Pipeline.from_config(stages=["sentences", "tokens", "times"])(
            Document(text="وقع الهجوم أمس.", date=raw)
        )
        assert doc.times[0].value == "2018-05-21", raw


def test_offsets_survive_diacritics_and_clitics() -> None:
    text = "وَقَعَ الهُجُومُ أَمْسِ، وسيعقد اللقاء للعامِ المقبل."
    found = find_times(text, REF)
    assert [t.text for t in found] == ["أَمْسِ", "لعامِ المقبل"]
    assert [t.value for t in found] == ["2018-05-21", "2019"]


def test_time_for_span_nearest_in_clause() -> None:
    text = "قصفت الطائرات المدينة أمس؛ وسيجتمع المجلس الاثنين المقبل."
    doc = Document(text=text, date="2018-05-22", times=tuple(find_times(text, REF)))
    strike = text.index("قصفت")
    meet = text.index("وسيجتمع")
    t1 = time_for_span(doc, strike, strike + 4)
    t2 = time_for_span(doc, meet, meet + 7)
    assert t1 is not None and t1.value == "2018-05-21"
    assert t2 is not None and t2.value == "2018-05-28"
    assert time_for_span(Document(text="قصفت الطائرات المدينة."), 0, 4) is None


def test_event_date_fields() -> None:
    text = "قصفت الطائرات المدينة أمس، ويحاصرها الجيش منذ 3 سنوات. وقال الوزير إن الحل سياسي."
    doc = Document(text=text, date="2018-05-22", times=tuple(find_times(text, REF)))
    strike, siege, said = text.index("قصفت"), text.index("يحاصرها"), text.index("وقال")
    assert event_date(doc, strike, strike + 4) == ("2018-05-21", "day")
    assert event_date(doc, siege, siege + 7) == ({"start": "2015-05-22", "end": "2018-05-22"}, "range")
    assert event_date(doc, said, said + 4) == ("2018-05-22", "day")  # the article date
    deadline = _one("وتعهد بإجراء الانتخابات قبل نهاية 2018.")
    assert time_fields(deadline) == ({"start": "2018-05-22", "end": "2018-12-31"}, "deadline")
    week = _one("وتراجعت الأسعار الأسبوع الماضي.")
    assert time_fields(week) == ({"start": "2018-05-14", "end": "2018-05-20"}, "week")
    assert event_date(Document(text="قصفت"), 0, 4) == (None, None)


_FRAGMENTS = [
    "أمس", "اليوم", "غداً", "الاثنين", "الخميس", "خميس", "يوم", "منذ", "قبل", "بعد", "نهاية",
    "مطلع", "مايو", "آذار", "جانفي", "رمضان", "شوال", "عام", "العام", "الماضي", "المقبل", "من",
    "إلى", "بين", "عامي", "و", "هـ", "م", "2018", "1439", "15", "٣", "/", "-", "(", ")", "،",
    ".", "«", "»", "\u064e", "\u0651", "\u0640", "\u200f", "\n", " ", "بحلول", "حتى", "الموافق",
]


@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=25), st.sampled_from([None, "2018-05-22", "bad"]))
@settings(max_examples=300, deadline=None)
def test_never_crashes_and_spans_slice_the_text(parts: list[str], day: str | None) -> None:
    text = " ".join(parts)
    ref = date(2018, 5, 22) if day == "2018-05-22" else None
    for t in find_times(text, ref):
        assert text[t.start : t.end] == t.text
        assert t.start < t.end
    doc = Pipeline.from_config(stages=["sentences", "tokens", "times"])(Document(text=text or " ", date=day))
    for t in doc.times:
        assert doc.text[t.start : t.end] == t.text


def test_time_for_span_does_not_reach_into_a_contrastive_clause() -> None:
    from marsad.pipeline import Pipeline, default_config
    from marsad.times import time_for_span

    nlp = Pipeline.from_config(default_config(), stages=["sentences", "tokens", "times"])
    text = "ودعا المجلس الأطراف إلى الهدوء، فيما أكد البرلمان أنه سيعقد جلسة الأسبوع المقبل."
    doc = nlp(Document(text=text, date="2024-03-12"))
    call = text.index("ودعا")
    session = text.index("سيعقد")
    assert time_for_span(doc, call, call + 4) is None
    found = time_for_span(doc, session, session + 5)
    assert found is not None and found.text == "الأسبوع المقبل"


@pytest.mark.parametrize("ref", [date(9999, 12, 31), date(1, 1, 1)])
@pytest.mark.parametrize("text", ["قصف الجيش المدينة أمس الاثنين.", "يصل الوفد غدا.",
                                  "اجتمعوا الأسبوع الماضي.", "يلتقون الأسبوع المقبل.",
                                  "وقع ذلك في 1 محرم 9999 هـ.", "أول أمس"])
def test_times_article_dates_at_the_ends_of_the_calendar_never_raise(ref: date, text: str) -> None:
    found = find_times(text, ref)
    for t in found:
        assert text[t.start:t.end] == t.text
    # what can be resolved inside the calendar still is
    assert find_times("أمس", date(1, 1, 2))[0].value == "0001-01-01"
