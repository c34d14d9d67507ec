"""Places the tagger finds but the gazetteer cannot place: what is kept, what is not, and
the world regions and name variants added so fewer stay without coordinates."""

from __future__ import annotations

from marsad.doc import Document, Entity
from marsad.geo import geocode
from marsad.pipeline import Pipeline


def _entity(text: str, surface: str) -> Entity:
    start = text.index(surface)
    return Entity(start, start + len(surface), surface, "LOC")


def test_locative_words_and_groups_tagged_as_places_are_dropped() -> None:
    text = "قصفت الطائرات ريف إدلب، وهاجمت ميليشيات قرية زيزفونة."
    ents = (_entity(text, "ريف"), _entity(text, "ميليشيات"), _entity(text, "زيزفونة"))
    found = {p.text: p for p in geocode(text, ents)}
    assert "ريف" not in found and "ميليشيات" not in found
    assert found["إدلب"].country == "SYR"
    assert found["زيزفونة"].lat is None  # a real name the gazetteer lacks is still kept


def test_proclitic_on_a_word_that_is_not_a_place() -> None:
    text = "وانضم عناصر لميليشيات مسلحة."
    assert not [p for p in geocode(text, (_entity(text, "لميليشيات"),)) if p.text]


def test_world_regions_and_country_variants_resolve() -> None:
    text = "وصل اللاجئون إلى أوروبا عبر البحر المتوسط، وزار الوزير الدنمارك والمجر وجاكرتا."
    found = {p.text: p for p in geocode(text)}
    assert found["أوروبا"].name_en == "Europe" and found["أوروبا"].kind == "region"
    assert found["أوروبا"].country is None and found["أوروبا"].lat is not None
    assert found["البحر المتوسط"].kind == "region"
    assert found["الدنمارك"].country == "DNK"
    assert found["المجر"].country == "HUN"
    assert found["جاكرتا"].country == "IDN"


def test_strict_regions_need_the_tagger() -> None:
    text = "تحدث الكاتب في مقاله عن الخليج وما في بالي من أفكار."
    assert not [p for p in geocode(text) if p.text in {"الخليج", "بالي"}]
    found = geocode(text, (_entity(text, "الخليج"),))
    assert any(p.text == "الخليج" and p.kind == "region" for p in found)


def test_event_location_prefers_the_place_not_the_countryside_word() -> None:
    doc = Pipeline.from_config()(
        Document(text="قصفت الطائرات الحربية بلدات في ريف إدلب الجنوبي أمس.", date="2018-05-01"))
    located = [e.location for e in doc.events if e.location is not None]
    assert located and located[0].text == "إدلب" and located[0].lat is not None


def test_event_location_prefers_a_city_to_a_continent() -> None:
    doc = Pipeline.from_config()(Document(
        text="عقد وزراء الداخلية في أوروبا اجتماعا في بروكسل أمس لبحث أزمة المهاجرين.",
        date="2018-06-01"))
    consult = [e for e in doc.events if e.type == "CONSULT"]
    assert consult and consult[0].location is not None
    assert consult[0].location.text == "بروكسل"


def test_vocalised_names_are_one_word_and_names_have_no_stray_spaces() -> None:
    found = {p.text: p for p in geocode("زار الوزير دِمشق ثم حلَب.")}
    assert found["دِمشق"].name == "دمشق" and found["دِمشق"].name_en == "Damascus"
    assert found["حلَب"].country == "SYR"
