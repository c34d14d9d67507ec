"""Hostile and malformed requests get a 200 or a clear 4xx JSON message, never a 5xx:
property-based tests against the OpenAPI schema (schemathesis), full-text query syntax
of every kind, page-size and id limits, and fuzzed queries straight at the store."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import negative_data_rejection

from _observatory_fixtures import fill_store
from marsad.store import open_store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from marsad.api import create_app

#: Examples per API operation in CI (benchmarks and docs/reliability-serving.md report a
#: longer run of the same test with SCHEMATHESIS_EXAMPLES=300).
EXAMPLES = int(__import__("os").environ.get("SCHEMATHESIS_EXAMPLES", "15"))


def _make_app(root: Path):  # type: ignore[no-untyped-def]
    db = root / "robust.db"
    with open_store(str(db)) as store:
        fill_store(store)
    config = root / "text-only.toml"  # /api/extract runs a light pipeline here
    config.write_text('[pipeline]\nstages = ["sentences", "tokens"]\n', encoding="utf-8")
    return create_app(str(db), config_path=str(config))


_ROOT = Path(__import__("tempfile").mkdtemp(prefix="marsad-robust-"))
APP = _make_app(_ROOT)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(APP, raise_server_exceptions=False)


# ------------------------------------------------------------------ schemathesis
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
          database=None)
def test_api_robustness_openapi_properties(case: schemathesis.Case) -> None:
    """Every operation, positive and negative examples: no 5xx, documented status codes
    and content types, 2xx bodies match their schema, 405 for undeclared methods.
    (Schema-violating query strings are not required to be rejected: an HTTP query is all
    strings, and e.g. ``actor=0.0`` is a valid actor name.)"""
    case.call_and_validate(excluded_checks=[negative_data_rejection])


# ------------------------------------------------------------------ full-text syntax
HOSTILE_QUERIES = [
    '"', '""', '"درنة', 'درنة"', '"(درنة OR"', "(", ")", "((درنة", "درنة)", ")(*&^%$#@!",
    "AND", "OR", "NOT", "NEAR", "NEAR(درنة ليبيا)", "NEAR(درنة ليبيا, 2)", "NEAR/3",
    "درنة AND", "AND درنة", "OR درنة", "درنة OR OR ليبيا", "درنة NOT NOT ليبيا", "NOT درنة",
    "-درنة", "-", "--", "*", "درن*", "*درنة", "^درنة", "^", "+درنة", "text:درنة",
    "title:درنة", "body:x", "{title}:درنة", "alt : x", "col:", ":", "a:b:c", "rank MATCH x",
    "'", "'; DROP TABLE articles; --", "%", "_", "\\", "\x00", "درنة\x00ليبيا", "\u200f",
    "«", "»«", "درنة" * 200, " ".join(["OR"] * 100), '"' * 1001, "(" * 500 + "درنة",
]
SEARCH_ROUTES = ["/api/articles", "/api/events", "/api/events/counts", "/api/events/geojson",
                 "/api/export", "/api/actors", "/api/places", "/", "/events", "/map", "/actors",
                 "/places"]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_api_robustness_fts_syntax_never_errors(client: TestClient, query: str) -> None:
    for route in SEARCH_ROUTES:
        r = client.get(route, params={"q": query})
        assert r.status_code == 200, (route, query, r.status_code, r.text[:200])
    data = client.get("/api/articles", params={"q": query}).json()
    assert data["query"] == query and data["total"] == len(data["items"]) <= 3
    for name in ("actor", "place", "source", "country", "type", "mode"):
        r = client.get("/api/events", params={name: query})
        assert r.status_code == 200, (name, query, r.text[:200])


def test_api_robustness_operators_still_work(client: TestClient) -> None:
    def total(q: str) -> int:
        return int(client.get("/api/articles", params={"q": q}).json()["total"])

    assert total("درنة") == 1 and total("القاهرة") == 1
    assert total("درنة OR القاهرة") == 2 == total("درنة OR OR القاهرة")
    assert total("درنة القاهرة") == 0
    assert total('"قوات الجيش"') == 1 and total("درن*") == 1
    assert total("الخارجية") == 2 and total("الخارجية -القاهرة") == 1  # Algiers, not Cairo


#: Pieces of fuzzed queries: FTS5 punctuation and operators, Arabic words, a diacritic.
FUZZ_PIECES = [*'"()*^:-+{}[]<>«»\'\\%_ \t\n\x00ANDORNEAT', "درنة", "ليبيا", "ال", "و", "OR",
               "NOT", "AND", "NEAR", "title", "body", "\u064e", "\ud7ff", " OR ", " NOT "]


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.sampled_from(FUZZ_PIECES), max_size=25).map("".join))
def test_api_robustness_fuzzed_queries_at_the_store(query: str) -> None:
    store = _fuzz_store()
    page = store.search_articles(query, limit=5)
    assert page.total >= len(page.items)
    from marsad.store import EventFilter

    assert store.list_events(EventFilter(q=query), limit=5).total >= 0
    assert isinstance(store.count_events(EventFilter(q=query, actor=query, place=query), "type"),
                      list)


_FUZZ: list[object] = []


def _fuzz_store():  # type: ignore[no-untyped-def]
    if not _FUZZ:
        store = open_store(str(_ROOT / "robust.db"), readonly=True)
        _FUZZ.append(store)
    return _FUZZ[0]


# ------------------------------------------------------------------ limits
def test_api_robustness_page_size_is_capped_with_a_422(client: TestClient) -> None:
    assert client.get("/api/events", params={"limit": 1000}).status_code == 200
    for route, too_big in (("/api/events", 1001), ("/api/articles", 1001), ("/api/actors", 1001),
                           ("/api/places", 1001), ("/api/events/counts", 10_001),
                           ("/api/events/geojson", 50_001)):
        r = client.get(route, params={"limit": too_big})
        assert r.status_code == 422, route
        body = r.json()
        assert body["error"] == "ValidationError" and body["detail"][0]["loc"] == ["query", "limit"]
        assert "less than or equal" in body["detail"][0]["msg"]


def test_api_robustness_pages_clamp_their_page_size(client: TestClient) -> None:
    r = client.get("/events", params={"limit": 10**9, "offset": -5})
    assert r.status_code == 200 and r.text.count('class="event-row"') == 4


@pytest.mark.parametrize("path", [
    "/api/articles/99999999999999999999", "/api/actors/9223372036854775808",
    "/api/places/-1", "/api/articles/0", "/api/articles/abc",
    "/api/events?offset=99999999999999999999", "/api/events?article=99999999999999999999",
    "/api/articles?offset=9223372036854775808", "/api/events?from=21/05/2018",
])
def test_api_robustness_out_of_range_numbers_are_422(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 422, (path, r.status_code, r.text[:200])
    assert r.json()["error"] == "ValidationError"


@pytest.mark.parametrize("path", ["/articles/99999999999999999999", "/places/0", "/actors/x"])
def test_api_robustness_out_of_range_page_ids_are_an_error_page(client: TestClient,
                                                              path: str) -> None:
    r = client.get(path)
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")


def test_api_robustness_largest_id_is_a_404(client: TestClient) -> None:
    r = client.get("/api/articles/9223372036854775807")
    assert r.status_code == 404 and r.json() == {"error": "NotFound",
                                                 "detail": "no article 9223372036854775807"}


def test_api_robustness_bad_bodies(client: TestClient) -> None:
    for body in (b"", b"{", b"[]", b'{"text": 5}', b'{"text": "\\ud800"}', b"\xff\xfe",
                 b'{"text": "x", "date": "2018-02-30x"}', b"null"):
        r = client.post("/api/extract", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 422, (body, r.status_code, r.text[:200])
    r = client.post("/api/extract", content=b'{"text": "\xff"}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "BadRequest"  # not UTF-8
    r = client.post("/api/extract", content=b"text=x",
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422
    r = client.post("/api/stats")
    assert r.status_code == 405 and r.headers["allow"] == "GET"
    assert client.delete("/api/articles/1").status_code == 405
