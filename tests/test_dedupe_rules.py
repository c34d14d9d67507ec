"""Cross-article event deduplication: blocking, pair rules, clusters and explanations."""

from __future__ import annotations

from typing import Any

import pytest

from marsad.dedupe import DedupeConfig, Mention, compare, dedupe_rows, segments


def row(event_id: str, **kw: Any) -> dict[str, Any]:
    """An ``events`` row with the fields deduplication reads (hand-made)."""
    base: dict[str, Any] = {
        "event_id": event_id, "doc_id": event_id.split("-")[0], "type": "ASSAULT",
        "date_start": "2018-05-21", "date_end": "2018-05-21", "article_date": "2018-05-21",
        "article_source": "وكالة", "location_name": "درنة", "location_text": "درنة",
        "location_country": "LBY", "location_admin1": "Darnah", "location_geonames_id": 87205,
        "location_lat": 32.76, "location_lon": 22.64, "location_precision": "city",
        "source_text": None, "target_text": None, "fatalities": None,
        "negated": False, "hypothetical": False,
        "evidence_text": "قتل خمسة جنود في هجوم مسلح استهدف نقطة تفتيش في مدينة درنة",
    }
    base.update(kw)
    return base


def test_dedupe_merges_same_attack_reported_twice() -> None:
    a = Mention.from_row(row("a1-0", fatalities=5))
    b = Mention.from_row(row("b2-0", date_start="2018-05-22", date_end="2018-05-22",
                             fatalities=5, article_source="صحيفة",
                             evidence_text="لقي خمسة جنود مصرعهم في هجوم مسلح على نقطة تفتيش بدرنة"))
    match = compare(a, b)
    assert match.same_event(DedupeConfig())
    assert "dates 1 day apart" in match.reasons
    assert any(r.startswith("same place درنة") for r in match.reasons)
    assert "same fatalities 5" in match.reasons


@pytest.mark.parametrize("change, conflict", [
    ({"date_start": "2018-05-25", "date_end": "2018-05-25"}, "dates 4 days apart"),
    ({"date_start": "2018-05-01", "date_end": "2018-05-31"}, "date too vague"),
    ({"location_name": "طبرق", "location_geonames_id": 88533, "location_lat": 32.08,
      "location_lon": 23.98, "location_admin1": "Tobruk"}, "places 147 km apart"),
])
def test_dedupe_keeps_incompatible_reports_apart(change: dict[str, Any], conflict: str) -> None:
    match = compare(Mention.from_row(row("a1-0")), Mention.from_row(row("b2-0", **change)))
    assert not match.same_event(DedupeConfig())
    assert match.conflict is not None and match.conflict.startswith(conflict)


def test_dedupe_actor_countries_conflict() -> None:
    a = row("a1-0", source_text="الجيش الليبي", source_name="الجيش الليبي",
            source_country="LBY", source_code="LBYMIL")
    b = row("b2-0", source_text="الجيش المصري", source_name="الجيش المصري",
            source_country="EGY", source_code="EGYMIL")
    match = compare(Mention.from_row(a), Mention.from_row(b))
    assert match.conflict == ("sources of different countries "
                              "(الجيش الليبي LBY / الجيش المصري EGY)")


def test_dedupe_needs_more_than_a_shared_country() -> None:
    a = row("a1-0", type="CONSULT", location_name="ليبيا", location_precision="country",
            location_geonames_id=2215636, location_admin1=None, evidence_text="التقى الوزير")
    b = row("b2-0", type="CONSULT", location_name="ليبيا", location_precision="country",
            location_geonames_id=2215636, location_admin1=None, evidence_text="بحث الرئيس")
    match = compare(Mention.from_row(a), Mention.from_row(b))
    assert match.score == 1 and not match.same_event(DedupeConfig())


def test_dedupe_blocks_by_type_country_and_flags() -> None:
    rows = [row("a1-0"), row("b2-0", type="PROTEST"), row("c3-0", location_country="EGY"),
            row("d4-0", negated=True), row("e5-0")]
    segs = segments([Mention.from_row(r) for r in rows], DedupeConfig())
    assert sorted(len(s) for s in segs) == [1, 1, 1, 2]


def test_dedupe_segments_cut_at_date_gaps() -> None:
    rows = [row("a1-0"), row("b2-0", date_start="2018-05-23", date_end="2018-05-23"),
            row("c3-0", date_start="2018-06-10", date_end="2018-06-10")]
    segs = segments([Mention.from_row(r) for r in rows], DedupeConfig(window_days=2))
    assert [[m.event_id for m in s] for s in segs] == [["a1-0", "b2-0"], ["c3-0"]]


def test_dedupe_clusters_count_mentions_sources_and_first_report() -> None:
    rows = [
        row("b2-0", article_date="2018-05-22", article_source="صحيفة",
            date_start="2018-05-21", date_end="2018-05-21"),
        row("a1-0", article_date="2018-05-21"),
        row("c3-0", article_date="2018-05-22", article_source="وكالة"),
        row("d4-0", type="PROTEST", evidence_text="تظاهر مئات في بنغازي",
            location_name="بنغازي", location_geonames_id=88319, location_lat=32.1,
            location_lon=20.07, location_admin1="Benghazi"),
    ]
    result = dedupe_rows(rows)
    assert result.events == 4 and len(result.clusters) == 2
    merged = next(c for c in result.clusters if c["n_mentions"] > 1)
    assert merged["cluster_id"] == "a1-0" and merged["first_article"] == "a1"
    assert merged["n_mentions"] == 3 and merged["n_articles"] == 3 and merged["n_sources"] == 2
    assert merged["reports"] == ["a1-0", "b2-0", "c3-0"]
    assert merged["place"] == "درنة"
    assert '"same type ASSAULT"' in merged["explanation"]
    assert result.cluster_of()["c3-0"] == "a1-0"
    assert result.summary()["duplicate_reports"] == 2


def test_dedupe_is_independent_of_input_order_and_mapper() -> None:
    rows = [row(f"x{i}-0", date_start=f"2018-05-{20 + i % 3}", date_end=f"2018-05-{20 + i % 3}")
            for i in range(6)]
    one = dedupe_rows(rows)
    two = dedupe_rows(list(reversed(rows)), mapper=lambda f, xs: list(map(f, xs)))
    assert one.clusters == two.clusters and one.members == two.members


def test_dedupe_does_not_chain_daily_reports_into_one_event() -> None:
    rows = [row(f"r{d}-0", date_start=f"2018-05-{d:02d}", date_end=f"2018-05-{d:02d}",
                article_date=f"2018-05-{d:02d}") for d in range(1, 8)]
    result = dedupe_rows(rows, config=DedupeConfig(window_days=2))
    assert len(result.clusters) > 1
    for cluster in result.clusters:
        start, end = cluster["date_start"], cluster["date_end"]
        assert int(end[-2:]) - int(start[-2:]) <= 2
