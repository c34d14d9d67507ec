"""The geocoding evaluation: gold file well-formed and the minimum score held."""

from __future__ import annotations

from marsad.doc import PlaceMention
from marsad.evaluation.geo import evaluate, haversine_km, is_correct, load_gold


def _pm(lat: float, lon: float, kind: str, country: str, admin1: str | None = None) -> PlaceMention:
    return PlaceMention(0, 1, "x", "x", "x", lat, lon, kind, admin1, country, None, kind)


def test_gold_file_is_large_and_references_only() -> None:
    gold = load_gold()
    assert len(gold) >= 300
    assert all(len(g.get("surface", "")) < 40 for g in gold)
    assert {"LBY", "LBN"} <= {g["country"] for g in gold if g.get("name_en", "").startswith("Tripoli")}
    kinds = {g["kind"] for g in gold}
    assert {"country", "city", "admin1", "region"} <= kinds


def test_criterion() -> None:
    assert round(haversine_km(32.887, 13.187, 34.434, 35.844)) > 2000
    algeria = {"lat": 28.0, "lon": 2.0, "country": "DZA", "kind": "country", "admin1": None}
    assert not is_correct(_pm(36.73, 3.08, "city", "DZA"), algeria)
    assert is_correct(_pm(35.1, 3.6, "country", "DZA"), algeria)
    tripoli = {"lat": 32.887, "lon": 13.187, "country": "LBY", "kind": "city", "admin1": "T"}
    assert is_correct(_pm(32.9, 13.2, "city", "LBY"), tripoli)
    assert not is_correct(_pm(34.43, 35.84, "city", "LBN"), tripoli)


def test_geo_accuracy_minimum() -> None:
    result = evaluate()
    assert result["mentions"] >= 300
    assert result["accuracy"] >= 0.90
    assert result["recall_found"] >= 0.90
