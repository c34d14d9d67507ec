"""The JSON API, through the in-process ASGI client: shapes, filters, paging, errors."""

from __future__ import annotations

import csv
import io
import json
import warnings
from pathlib import Path

import pytest

from _observatory_fixtures import fill_store
from marsad.doc import Document
from marsad.store import open_store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from marsad.api import create_app


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    db = str(tmp_path / "api.db")
    with open_store(db) as store:
        fill_store(store)
    return TestClient(create_app(db))


def test_api_openapi_lists_the_routes(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for route in ("/api/articles", "/api/articles/{article_id}", "/api/events",
                  "/api/events/counts", "/api/actors/{actor_id}", "/api/places/{place_id}",
                  "/api/extract", "/api/export", "/api/stats"):
        assert route in spec["paths"], route
    schemas = spec["components"]["schemas"]
    assert {"EventRecord", "EventPage", "ArticlePage", "Counts", "Stats"} <= set(schemas)
    assert {"evidence", "source", "location", "date_precision"} <= set(schemas["EventRecord"]["properties"])


def test_api_search_articles(client: TestClient) -> None:
    data = client.get("/api/articles", params={"q": "بالجزائر"}).json()
    assert data["total"] == 1 and data["query"] == "بالجزائر"
    hit = data["items"][0]
    assert hit["doc_id"] == "algiers-2018" and hit["snippet"]["highlights"]
    assert isinstance(data["took_ms"], float)
    everything = client.get("/api/articles", params={"sort": "-date", "limit": 2}).json()
    assert everything["total"] == 3 and len(everything["items"]) == 2
    assert everything["items"][0]["doc_id"] == "cairo-2018"


def test_api_article_with_annotations(client: TestClient) -> None:
    article_id = client.get("/api/articles", params={"q": "درنة"}).json()["items"][0]["id"]
    article = client.get(f"/api/articles/{article_id}").json()
    text = article["text"]
    assert [e["type"] for e in article["events"]] == ["ASSAULT", "PROTEST"]
    for ev in article["events"]:
        assert text[ev["evidence"]["start"]:ev["evidence"]["end"]] == ev["evidence"]["text"]
    assert article["places"][0]["text"] == text[article["places"][0]["start"]:article["places"][0]["end"]]
    assert client.get("/api/articles/999").status_code == 404


def test_api_events_filters_paging_and_facets(client: TestClient) -> None:
    data = client.get("/api/events", params={"country": "LBY", "facets": "true"}).json()
    assert data["total"] == 2
    assert {f["key"] for f in data["facets"]["type"]} == {"ASSAULT", "PROTEST"}
    assert data["filters"] == {"country": ["LBY"]}
    both = client.get("/api/events", params=[("type", "ASSAULT"), ("type", "REQUEST")]).json()
    assert {e["type"] for e in both["items"]} == {"ASSAULT", "REQUEST"}
    ids = [client.get("/api/events", params={"limit": 1, "offset": i, "sort": "date"}).json()
           ["items"][0]["id"] for i in range(4)]
    assert len(set(ids)) == 4
    ranged = client.get("/api/events", params={"from": "2018-05-21", "to": "2018-05-31"}).json()
    assert [e["type"] for e in ranged["items"]] == ["CONSULT"]
    assert client.get("/api/events", params={"actor": "LBYMIL"}).json()["total"] == 1
    assert client.get("/api/events", params={"place": "القاهرة"}).json()["total"] == 1
    assert client.get("/api/events", params={"q": "الكهرباء"}).json()["total"] == 2


@pytest.mark.parametrize("params", [
    {"from": "21/05/2018"}, {"limit": 0}, {"limit": 5000}, {"sort": "colour"}, {"offset": -1},
])
def test_api_validation_errors_are_4xx_json(client: TestClient, params: dict[str, object]) -> None:
    response = client.get("/api/events", params=params)
    assert response.status_code == 422
    assert response.json()["error"] == "ValidationError"


def test_api_unknown_routes_and_bad_groupings(client: TestClient) -> None:
    assert client.get("/api/nothing").status_code == 404
    assert client.get("/api/nothing").json()["error"] == "NotFound"
    assert client.get("/api/events/counts", params={"by": "colour"}).status_code == 422
    assert client.get("/api/export", params={"format": "xlsx"}).status_code == 422


def test_api_counts(client: TestClient) -> None:
    weekly = client.get("/api/events/counts", params={"by": "week"}).json()
    assert weekly["counts"][0] == {"key": "2018-05-14", "count": 2}
    by_country = client.get("/api/events/counts", params={"by": "country"}).json()["counts"]
    assert by_country[0] == {"key": "LBY", "count": 2}
    monthly = client.get("/api/events/counts", params={"by": "month", "type": "ASSAULT"}).json()
    assert monthly["counts"] == [{"key": "2018-05", "count": 1}]


def test_api_actor_and_place(client: TestClient) -> None:
    actors = client.get("/api/actors", params={"q": "الجيش"}).json()
    army = client.get(f"/api/actors/{actors['items'][0]['id']}").json()
    assert army["actor"]["code"] == "LBYMIL"
    assert [e["type"] for e in army["events"]["items"]] == ["ASSAULT"]
    assert army["counts"] == [{"key": "ASSAULT", "count": 1}]
    places = client.get("/api/places", params={"q": "بنغازي"}).json()
    benghazi = client.get(f"/api/places/{places['items'][0]['id']}").json()
    assert benghazi["place"]["lat"] == pytest.approx(32.115)
    assert [e["type"] for e in benghazi["events"]["items"]] == ["PROTEST"]
    assert client.get("/api/actors/999").status_code == 404
    assert client.get("/api/places/999").status_code == 404


def test_api_geojson_and_exports(client: TestClient) -> None:
    fc = client.get("/api/events/geojson", params={"type": "ASSAULT"}).json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 1
    assert fc["features"][0]["properties"]["fatalities"] == 3
    response = client.get("/api/export", params={"format": "csv", "country": "LBY"})
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(r["event_type"] for r in rows) == ["ASSAULT", "PROTEST"]
    jsonl = client.get("/api/export", params={"format": "jsonl"}).text.splitlines()
    assert len(jsonl) == 4 and json.loads(jsonl[0])["evidence"]["text"]
    parquet = client.get("/api/export", params={"format": "parquet"})
    assert parquet.content[:4] == b"PAR1"


def test_api_extract_runs_the_pipeline(tmp_path: Path) -> None:
    config = tmp_path / "text-only.toml"
    config.write_text('[pipeline]\nstages = ["sentences", "tokens"]\n', encoding="utf-8")
    client = TestClient(create_app(str(tmp_path / "x.db"), config_path=str(config)))
    text = "اجتمع الوزيران في الجزائر. وناقشا الوضع في ليبيا."
    data = client.post("/api/extract", json={"text": text, "date": "2018-05-22"}).json()
    doc = Document.from_dict(data)
    assert doc.text == text and len(doc.sentences) == 2
    assert all(text[t.start:t.end] == t.text for t in doc.tokens)
    assert client.post("/api/extract", json={"text": ""}).status_code == 422
    assert client.post("/api/extract", json={"text": "x", "date": "May"}).status_code == 422


def test_api_stats_and_empty_store(tmp_path: Path) -> None:
    client = TestClient(create_app(str(tmp_path / "new.db")))
    stats = client.get("/api/stats").json()
    assert stats["articles"] == 0 and stats["schema_version"] >= 1
    assert client.get("/api/events").json() == {
        "total": 0, "offset": 0, "limit": 50, "filters": {}, "sort": "-date", "items": []}
