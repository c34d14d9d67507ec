"""Hand-built documents with events, shared by the observatory tests (store, ingest, API,
exports, UI). The Arabic sentences are written for the tests."""

from __future__ import annotations

from marsad.doc import (
    ActorMention,
    Document,
    Entity,
    Event,
    EventActor,
    EventLocation,
    Evidence,
    PlaceMention,
)

ALGIERS_TEXT = (
    "الجزائر تستضيف اجتماعا حول ليبيا\n"
    "ترأس وزير الخارجية الجزائري أمس الاثنين بالجزائر اجتماعا تشاوريا حول الأزمة في ليبيا، "
    "بحضور وزيري خارجية مصر وتونس."
)

DERNA_TEXT = (
    "اشتباكات في درنة\n"
    "قصفت قوات الجيش الليبي مواقع لمسلحين في مدينة درنة يوم الأحد، ما أسفر عن مقتل ثلاثة "
    "أشخاص وإصابة خمسة آخرين. وتظاهر مئات في بنغازي احتجاجا على انقطاع الكهرباء."
)

CAIRO_TEXT = (
    "القاهرة تدعو إلى الحوار\n"
    "دعت وزارة الخارجية المصرية في القاهرة جميع الأطراف الليبية إلى وقف القتال فورا."
)


def _span(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def _actor_mention(text: str, needle: str, name: str, country: str, sector: str,
                   kb_id: str | None) -> ActorMention:
    s, e = _span(text, needle)
    return ActorMention(s, e, text[s:e], name, None, country, sector, country + sector, kb_id)


def _place(text: str, needle: str, name: str, name_en: str, lat: float, lon: float,
           admin1: str | None, country: str, gid: int, nth: int = 0) -> PlaceMention:
    s, e = _span(text, needle, nth)
    return PlaceMention(s, e, text[s:e], name, name_en, lat, lon, "city", admin1, country, gid,
                        "city")


def _evidence(text: str, needle: str) -> Evidence:
    s, e = _span(text, needle)
    return Evidence(s, e, text[s:e])


def algiers_doc() -> Document:
    """A CONSULT event in Algiers (2018-05-21), with actors, places and entities."""
    t = ALGIERS_TEXT
    minister = _actor_mention(t, "وزير الخارجية الجزائري", "وزير الخارجية الجزائري", "DZA",
                              "GOV", "Q-dz-fm")
    algiers = _place(t, "الجزائر", "الجزائر", "Algiers", 36.75, 3.06, "Algiers", "DZA", 2507480, 0)
    s, e = _span(t, "بالجزائر")
    algiers_in = _place(t, "الجزائر", "الجزائر", "Algiers", 36.75, 3.06, "Algiers", "DZA", 2507480, 2)
    ev_s, ev_e = _span(t, "ترأس وزير الخارجية الجزائري أمس الاثنين بالجزائر اجتماعا تشاوريا حول الأزمة في ليبيا")
    event = Event(
        type="CONSULT", mode="multilateral", contexts=("diplomatic",),
        evidence=Evidence(ev_s, ev_e, t[ev_s:ev_e]), sentence=1,
        source=EventActor(minister.text, minister.name, "DZA", "GOV", "DZAGOV", "Q-dz-fm",
                          minister.start, minister.end),
        target=EventActor("ليبيا", "ليبيا", "LBY", "GOV", "LBYGOV", None, *_span(t, "ليبيا", 1)),
        location=EventLocation("الجزائر", "الجزائر", 36.75, 3.06, "DZA", "Algiers", 2507480,
                               "city", s + 1, e),
        date="2018-05-21", date_precision="day", confidence=0.9, trigger="اجتماعا",
    )
    entities = (
        Entity(*_span(t, "الجزائر"), "الجزائر", "LOC"),
        Entity(*_span(t, "ليبيا"), "ليبيا", "LOC"),
        Entity(*_span(t, "مصر"), "مصر", "LOC"),
    )
    return Document(text=t, id="algiers-2018", date="2018-05-22", title="الجزائر تستضيف اجتماعا حول ليبيا",
                    source="وكالة الاختبار", url="https://example.org/algiers",
                    entities=entities, actors=(minister,), places=(algiers, algiers_in),
                    events=(event,))


def derna_doc() -> Document:
    """An ASSAULT in Derna (with fatalities) and a PROTEST in Benghazi (2018-05-20)."""
    t = DERNA_TEXT
    army = _actor_mention(t, "قوات الجيش الليبي", "الجيش الوطني الليبي", "LBY", "MIL", "Q-lna")
    derna = _place(t, "درنة", "درنة", "Derna", 32.767, 22.637, "Darnah", "LBY", 87205, 1)
    benghazi = _place(t, "بنغازي", "بنغازي", "Benghazi", 32.115, 20.068, "Benghazi", "LBY", 88319)
    assault = Event(
        type="ASSAULT", mode="heavy-weapons", contexts=("military", "terrorism"),
        evidence=_evidence(t, "قصفت قوات الجيش الليبي مواقع لمسلحين في مدينة درنة يوم الأحد"),
        sentence=1,
        source=EventActor(army.text, army.name, "LBY", "MIL", "LBYMIL", "Q-lna", army.start, army.end),
        target=EventActor("مسلحين", None, None, "UAF", "UAF", None, *_span(t, "مسلحين")),
        location=EventLocation("درنة", "درنة", 32.767, 22.637, "LBY", "Darnah", 87205, "city",
                               derna.start, derna.end),
        date="2018-05-20", date_precision="day", fatalities=3, injured=5, trigger="قصفت",
    )
    protest = Event(
        type="PROTEST", mode="demo", contexts=("economic",),
        evidence=_evidence(t, "وتظاهر مئات في بنغازي احتجاجا على انقطاع الكهرباء"), sentence=2,
        source=EventActor("مئات", None, "LBY", "CVL", "LBYCVL", None, *_span(t, "مئات")),
        location=EventLocation("بنغازي", "بنغازي", 32.115, 20.068, "LBY", "Benghazi", 88319,
                               "city", benghazi.start, benghazi.end),
        date="2018-05-20", date_precision="day", trigger="تظاهر",
    )
    return Document(text=t, id="derna-2018", date="2018-05-21", title="اشتباكات في درنة",
                    source="صحيفة الاختبار", actors=(army,), places=(derna, benghazi),
                    entities=(Entity(derna.start, derna.end, derna.text, "LOC"),),
                    events=(assault, protest))


def cairo_doc() -> Document:
    """A REQUEST from Cairo in June 2018, dated by month only."""
    t = CAIRO_TEXT
    cairo = _place(t, "القاهرة", "القاهرة", "Cairo", 30.044, 31.236, "Cairo", "EGY", 360630, 1)
    ministry = _actor_mention(t, "وزارة الخارجية المصرية", "وزارة الخارجية المصرية", "EGY", "GOV",
                              "Q-eg-mfa")
    event = Event(
        type="REQUEST", mode="yield", contexts=("diplomatic",),
        evidence=_evidence(t, "دعت وزارة الخارجية المصرية في القاهرة جميع الأطراف الليبية إلى وقف القتال فورا"),
        sentence=1,
        source=EventActor(ministry.text, ministry.name, "EGY", "GOV", "EGYGOV", "Q-eg-mfa",
                          ministry.start, ministry.end),
        target=EventActor("الأطراف الليبية", None, "LBY", None, "LBY", None,
                          *_span(t, "الأطراف الليبية")),
        location=EventLocation("القاهرة", "القاهرة", 30.044, 31.236, "EGY", "Cairo", 360630,
                               "city", cairo.start, cairo.end),
        date="2018-06", date_precision="month", trigger="دعت",
    )
    return Document(text=t, id="cairo-2018", date="2018-06-03", title="القاهرة تدعو إلى الحوار",
                    source="وكالة الاختبار", actors=(ministry,), places=(cairo,), events=(event,))


def sample_docs() -> list[Document]:
    """The three fixture documents (4 events)."""
    return [algiers_doc(), derna_doc(), cairo_doc()]


def content_hash(doc: Document) -> str:
    """The same content hash ingest uses."""
    from marsad.ingest import content_hash as _hash

    return _hash(doc)


def fill_store(store):  # type: ignore[no-untyped-def]
    """Add the fixture documents to a store; returns their article ids."""
    ids = []
    for doc in sample_docs():
        ids.append(store.add_document(doc, content_hash=content_hash(doc)).article_id)
    return ids
