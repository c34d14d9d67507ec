"""Properties of the real default pipeline on any text (hypothesis).

For any Unicode string (no lone surrogates: a str read from a file never has them, and
the readers replace those that JSON escapes produce): the full pipeline does not raise,
every offset it emits slices the original text (sentences, tokens, entities and their
titles, actor, place and time mentions, events' evidence and argument spans), indices
point at existing sentences, and normalisation is idempotent.

``MARSAD_HYPOTHESIS_EXAMPLES`` raises the number of examples for a long local run.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import marsad
from marsad.doc import Document
from marsad.normalize import BIDI_MARKS, DIACRITICS, match_key, normalize, normalize_key

EXAMPLES = int(os.environ.get("MARSAD_HYPOTHESIS_EXAMPLES", "40"))
#: CI runs the same examples every time; MARSAD_HYPOTHESIS_RANDOM=1 explores new ones.
DERANDOMIZE = not os.environ.get("MARSAD_HYPOTHESIS_RANDOM")
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=DERANDOMIZE,
                    database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

ARABIC_LETTERS = "".join(chr(c) for c in range(0x0621, 0x064B)) + "ىةپچژکگی"
DIGITS = "0123456789٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹"
PUNCT = ".,;:!?،؛؟«»()\"'-–—/…٪%"
SPACES = " \n\t\r\u00a0\u2028\u2029"
#: Words of news prose (written for the tests): triggers, actors, places, dates, numbers.
WORDS = (
    "قصف الجيش الليبي مواقع المسلحين في درنة أمس الاثنين وقتل 3 أشخاص وأصيب 12 آخرون "
    "اجتمع وزير الخارجية الجزائري بنظيره التونسي في الجزائر العاصمة يوم 15 مايو 2018 "
    "وقال الرئيس المصري إن القوات ستنسحب من سيناء خلال أسبوع ولم يعلن أي انسحاب "
    "تظاهر مئات الطلاب أمام البرلمان في بيروت واعتقلت الشرطة عشرة منهم بعد غد "
    "وهددت حركة حماس باستهداف إسرائيل فيما دعت الأمم المتحدة إلى وقف إطلاق النار "
    "ووقع الملك محمد السادس اتفاقية مع فرنسا في الرباط في 1 محرم 1440 هـ قبل ثلاثة أيام "
    "العميد خليفة حفتر طرابلس بنغازي سرت اليمن صنعاء عدن حلب دمشق بغداد الموصل "
    "والمتحدث باسم الحكومة ب ل ك و ف ال ها هم نا ي ت س "
).split()

arabic_chars = st.sampled_from(ARABIC_LETTERS + DIACRITICS + BIDI_MARKS + DIGITS + PUNCT + SPACES
                               + "\u0640\ufefb\ufef7\ufdf2\u200d\u200c")
any_unicode = st.characters(codec="utf-8")  # every code point but surrogates


@st.composite
def news_like(draw: st.DrawFn) -> str:
    """Words of news prose joined by odd separators, with marks sprinkled in."""
    words = draw(st.lists(st.sampled_from(WORDS), min_size=0, max_size=60))
    out: list[str] = []
    for word in words:
        if draw(st.integers(0, 9)) == 0:  # a diacritic, bidi mark or joiner inside a word
            cut = draw(st.integers(0, len(word)))
            mark = draw(st.sampled_from(DIACRITICS + BIDI_MARKS + "\u0640"))
            word = word[:cut] + mark + word[cut:]
        out.append(word)
        out.append(draw(st.sampled_from([" ", " ", " ", "، ", ". ", "\n", "؟ ", " «", "» ",
                                         "\u200f ", " \u202b", "\u202c ", "  ", "\t", ": "])))
    return "".join(out)


texts = st.one_of(
    news_like(),
    st.text(arabic_chars, max_size=300),
    st.text(any_unicode, max_size=200),
    st.lists(st.one_of(news_like(), st.text(any_unicode, max_size=20)), max_size=4).map("".join),
)
dates = st.one_of(st.none(), st.dates().filter(lambda d: 1800 <= d.year <= 2199).map(
    lambda d: d.isoformat()))


@pytest.fixture(scope="module")
def nlp() -> marsad.pipeline.Pipeline:
    return marsad.load()


def _check_span(text: str, start: Any, end: Any, span_text: str | None, what: str) -> None:
    assert isinstance(start, int) and isinstance(end, int), what
    assert 0 <= start <= end <= len(text), (what, start, end, len(text))
    if span_text is not None:
        assert text[start:end] == span_text, (what, start, end, span_text)


def check_offsets(doc: Document) -> None:
    """Every span of ``doc`` slices its text; sentence and word indices are in range."""
    text, n_sent = doc.text, len(doc.sentences)
    for s in doc.sentences:
        _check_span(text, s.start, s.end, s.text, "sentence")
    for t in doc.tokens:
        _check_span(text, t.start, t.end, t.text, "token")
        assert 0 <= t.sentence < n_sent, ("token sentence", t)
    for e in doc.entities:
        _check_span(text, e.start, e.end, e.text, "entity")
        if e.title_start is not None or e.title_end is not None:
            _check_span(text, e.title_start, e.title_end, e.title, "entity title")
    for group, name in ((doc.actors, "actor"), (doc.places, "place"), (doc.times, "time")):
        for m in group:
            _check_span(text, m.start, m.end, m.text, name)
    for ev in doc.events:
        _check_span(text, ev.evidence.start, ev.evidence.end, ev.evidence.text, "evidence")
        assert 0 <= ev.sentence < n_sent, ("event sentence", ev.sentence, n_sent)
        for arg, name in ((ev.source, "source"), (ev.target, "target"),
                          (ev.location, "location")):
            if arg is not None and (arg.start is not None or arg.end is not None):
                _check_span(text, arg.start, arg.end, arg.text, f"event {name}")


@SETTINGS
@given(text=texts, date=dates)
def test_properties_pipeline_never_raises_and_every_offset_slices_the_text(
        nlp: marsad.pipeline.Pipeline, text: str, date: str | None) -> None:
    doc = Document(text=text, id="h", date=date)
    out = nlp(doc)
    assert out.text == text and doc.events == ()  # the input is not mutated
    check_offsets(out)


@settings(max_examples=max(10, EXAMPLES // 4), deadline=None, derandomize=DERANDOMIZE,
          database=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=news_like())
def test_properties_cut_into_pieces_offsets_still_slice(text: str) -> None:
    """A document longer than ``max_chars`` is processed in pieces and merged back."""
    cfg = marsad.pipeline.load_config()
    cfg["pipeline"]["max_chars"] = 40
    nlp = marsad.pipeline.Pipeline.from_config(cfg)
    check_offsets(nlp(Document(text=text * 3, id="cut", date="2018-05-22")))


@settings(max_examples=EXAMPLES * 5, deadline=None, derandomize=DERANDOMIZE, database=None)
@given(text=st.one_of(st.text(arabic_chars), st.text(any_unicode)))
def test_properties_normalisation_is_idempotent_and_maps_offsets(text: str) -> None:
    once = normalize(text)
    assert normalize(once.text).text == once.text
    assert normalize_key(normalize_key(text)) == normalize_key(text) == once.text
    assert match_key(match_key(text)) == match_key(text)
    assert len(once.offsets) == len(once.text) + 1 and once.offsets[-1] == len(text)
    assert list(once.offsets) == sorted(once.offsets)
    for i, ch in enumerate(once.text):  # each character comes from an original one
        assert 0 <= once.offsets[i] < len(text), (i, ch)


SUFFIXES = (".txt", ".json", ".jsonl", ".csv", ".tsv", ".html", ".rss", ".xml", ".txt.gz",
            ".jsonl.gz")
SEEDS = (
    b'{"text": "\xd9\x82\xd8\xb5\xd9\x81 \xd8\xa7\xd9\x84\xd8\xac\xd9\x8a\xd8\xb4", "date": "2018-05-22"}\n',
    b"id,text,date\n1,\xd9\x86\xd8\xb5,2018-05-22\n",
    b"<rss><channel><item><description>\xd9\x86\xd8\xb5</description></item></channel></rss>",
    b"<html><body><p>\xd9\x86\xd8\xb5 \xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a</p></body></html>",
    "نص عربي عادي.\n".encode("utf-16"),
)


@st.composite
def file_bytes(draw: st.DrawFn) -> bytes:
    """A well-formed seed of some format, damaged: bytes inserted, cut or appended."""
    data = draw(st.sampled_from(SEEDS)) * draw(st.integers(1, 3))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "cut", "truncate"]))
        if op == "insert":
            data = data[:at] + draw(st.binary(max_size=8)) + data[at:]
        elif op == "cut":
            data = data[:at] + data[at + draw(st.integers(1, 8)):]
        else:
            data = data[:at]
    return data


@settings(max_examples=EXAMPLES * 5, deadline=None, derandomize=DERANDOMIZE, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(file_bytes(), st.binary(max_size=300)), suffix=st.sampled_from(SUFFIXES))
def test_properties_reading_any_bytes_yields_documents_or_one_line_reasons(
        data: bytes, suffix: str) -> None:
    import gzip
    import tempfile
    from pathlib import Path

    from marsad.ingest import iter_documents
    from marsad.readers import REASONS, ItemError

    problems: list[ItemError] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") and data[:1] != b"x"
                         else data)

        def on_error(origin: str, exc: Exception) -> None:
            assert isinstance(exc, ItemError) and exc.reason in REASONS
            assert "\n" not in str(exc)
            problems.append(exc)

        for _, doc in iter_documents([str(path)], on_error=on_error):
            assert isinstance(doc.text, str) and doc.text.strip()
            doc.text.encode("utf-8")  # storable
            assert doc.date is None or 1800 <= int(doc.date[:4]) <= 2199
