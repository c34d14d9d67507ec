"""End to end in headless Chromium against a real `marsad serve`: search, the article
view, filters, the map, the export download and the language switch. Screenshots are
kept in test-artifacts/ui/ (git-ignored). Every request must stay on 127.0.0.1."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from _browser_fixtures import chromium, guarded_page, running_server, screenshot
from _observatory_fixtures import fill_store
from marsad.store import open_store

pytestmark = [pytest.mark.browser, pytest.mark.slow]

@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("browser") / "ui.db"
    with open_store(str(db)) as store:
        fill_store(store)
    with running_server(db) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, server: str):  # type: ignore[no-untyped-def]
    with guarded_page(browser, server, viewport={"width": 1300, "height": 900}, accept_downloads=True,
                      bypass_csp=True) as pg:  # wait_for_function evals
        yield pg


def test_ui_browser_search_then_article(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    page.fill("#q", "بالجزائر")
    page.press("#q", "Enter")
    page.wait_for_selector(".hit")
    assert page.inner_text("#result-count") == "1"
    marks = page.locator(".hit .snippet mark").all_inner_texts()
    assert "الجزائر" in marks and "بالجزائر" in marks
    page.wait_for_selector("#timeline svg rect.bar")
    screenshot(page, "01-search")
    page.click(".hit-title")
    page.wait_for_selector("#article-text")
    assert page.get_attribute("#article-text", "dir") == "rtl"
    assert page.get_attribute("#article-text", "lang") == "ar"
    assert page.locator("#article-text a.place").count() >= 1
    assert page.locator("#article-text .ev").count() >= 1
    page.hover(".event-item[data-event='0']")
    assert "focus" in (page.get_attribute("#ev-0", "class") or "")
    screenshot(page, "02-article")


def test_ui_browser_article_links_to_place_page_with_map(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/?q=درنة")
    page.click(".hit-title")
    page.click("#article-text a.place >> nth=0")
    page.wait_for_selector("#entity-name")
    assert page.inner_text("#entity-name") == "درنة"
    page.wait_for_function("document.querySelector('#map').dataset.ready === 'true'")
    assert page.locator("#events-table .event-row").count() == 1
    screenshot(page, "03-place")


def test_ui_browser_event_filters_and_facets(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/events")
    assert page.inner_text("#event-count") == "4"
    page.select_option("#type-select", "ASSAULT")
    page.click("#apply-filters")
    page.wait_for_url("**/events?*type=ASSAULT*")
    assert page.inner_text("#event-count") == "1"
    rows = page.locator("#events-table .event-row")
    assert [rows.nth(i).get_attribute("data-type") for i in range(rows.count())] == ["ASSAULT"]
    page.goto("/events")
    page.click(".facet[data-facet='country'][data-value='LBY']")
    page.wait_for_url("**country=LBY*")
    assert page.inner_text("#event-count") == "2"
    rows = page.locator("#events-table .event-row")
    assert sorted(rows.nth(i).get_attribute("data-type") for i in range(rows.count())) == ["ASSAULT", "PROTEST"]
    page.wait_for_selector("#timeline svg rect.bar")
    screenshot(page, "04-events-filtered")


def test_ui_browser_map_shows_events_on_the_offline_basemap(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/map")
    page.wait_for_function("document.querySelector('#map').dataset.ready === 'true'", timeout=30000)
    assert page.get_attribute("#map", "data-basemap") == "ready"
    assert page.locator("path.event-marker").count() == 4
    assert page.inner_text("#map-count") == "4"
    page.locator("path.event-marker").first.click(force=True)
    page.wait_for_selector(".leaflet-popup .map-popup")
    page.wait_for_timeout(400)  # the popup fades in
    assert page.locator(".leaflet-popup .map-popup a").get_attribute("href").startswith("/articles/")
    screenshot(page, "05-map")
    page.goto("/map?type=PROTEST")
    page.wait_for_function("document.querySelector('#map').dataset.ready === 'true'", timeout=30000)
    assert page.locator("path.event-marker").count() == 1


def test_ui_browser_export_download(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/events?country=LBY")
    with page.expect_download() as info:
        page.click("#export-csv")
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert sorted(r["event_type"] for r in rows) == ["ASSAULT", "PROTEST"]
    assert rows[0]["country"] == "LBY"


def test_ui_browser_language_switch(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/events")
    assert page.get_attribute("html", "dir") == "rtl"
    page.click("#lang-switch")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.get_attribute("html", "dir") == "ltr"
    assert "Events" in page.inner_text("nav.mainnav")
    screenshot(page, "06-events-english")
    page.goto("/articles/1")
    assert page.get_attribute("html", "lang") == "en"
    assert page.get_attribute("#article-text", "dir") == "rtl"
    screenshot(page, "07-article-english")


def test_ui_browser_extract_page_annotates_posted_text(page) -> None:  # type: ignore[no-untyped-def]
    text = "قصفت طائرات حربية مواقع في مدينة درنة الليبية أمس الاثنين."
    page.goto("/extract")
    page.fill("#extract-text", text)
    page.fill("#extract-date", "2018-05-22")
    page.click("#extract-form button[type=submit]")
    page.wait_for_selector("#extract-result:not([hidden])", timeout=60000)
    page.wait_for_function("document.querySelector('#extract-annotated').textContent.length > 0")
    assert page.inner_text("#extract-annotated").strip() == text
    screenshot(page, "08-extract")
