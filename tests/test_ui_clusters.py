"""Deduplication clusters end to end in headless Chromium, under the real Content Security
Policy, against `marsad serve` on a store written by `marsad run --db`: the events page's
"one row per event" toggle, a "2 reports" badge leading to the cluster page that shows
both reports right to left with the merge explanation, and the clusters list.
Screenshots go to test-artifacts/ui/ (git-ignored)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from _browser_fixtures import chromium, guarded_page, running_server, screenshot
from test_api_clusters import clustered_db

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with running_server(Path(clustered_db())) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, server: str):  # type: ignore[no-untyped-def]
    with guarded_page(browser, server, viewport={"width": 1300, "height": 900}) as pg:
        yield pg


def test_ui_clusters_toggle_badge_and_cluster_page(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/events?lang=ar")
    page.wait_for_selector("#events-table")
    everything = int(page.inner_text("#event-count"))
    assert page.locator("#events-table tbody tr").count() == everything
    assert page.locator(".reports-badge").all_inner_texts().count("تقريران") == 2  # both reports
    assert page.get_attribute("#dedupe-toggle", "aria-checked") == "false"
    page.wait_for_selector("#timeline svg rect.bar")
    screenshot(page, "clusters-01-events")

    page.click("#dedupe-toggle")
    page.wait_for_url("**/events?*dedupe=true*")
    page.wait_for_selector("#events-table")
    deduplicated = int(page.inner_text("#event-count"))
    assert deduplicated < everything
    assert page.locator("#events-table tbody tr").count() == deduplicated
    assert page.get_attribute("#dedupe-toggle", "aria-checked") == "true"
    badges = page.locator(".reports-badge")
    assert badges.count() == 1  # one row, one badge, for the attack reported twice
    page.wait_for_selector("#timeline svg rect.bar")
    bars = page.locator("#timeline rect.bar")
    assert sum(int(bars.nth(i).get_attribute("data-count") or 0)
               for i in range(bars.count())) == deduplicated  # the timeline counts events
    page.fill("input[name=country]", "LBY")  # filtering keeps the toggle on
    page.click("#apply-filters")
    page.wait_for_url("**country=LBY**")
    assert "dedupe=true" in page.url
    assert page.get_attribute("#dedupe-toggle", "aria-checked") == "true"
    page.wait_for_selector("#timeline svg rect.bar")  # the form's empty dates are no error
    screenshot(page, "clusters-02-deduplicated")

    page.locator(".reports-badge").first.click()
    page.wait_for_selector("#reports-table")
    assert "/clusters/" in page.url
    rows = page.locator("#reports-table .report-row")
    assert rows.count() == 2
    assert sorted(page.locator(".report-source").all_inner_texts()) == sorted(
        ["وكالة المغرب العربي", "صحيفة الوسط"])
    evidence = page.locator(".report-evidence")
    for i in range(2):
        assert evidence.nth(i).get_attribute("dir") == "rtl"
        assert "سبها" in evidence.nth(i).inner_text()
    assert page.locator(".report-row.first").count() == 1
    assert page.locator("#merge-explanation .reasons li").count() >= 3
    assert page.inner_text("#cluster-mentions") == "تقريران"
    screenshot(page, "clusters-03-cluster")

    page.click(".report-row.first .report-article")  # a report opens its article
    page.wait_for_selector("#article-text")
    assert "سبها" in page.inner_text("#article-text")


def test_ui_clusters_list_page(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/clusters?lang=en")
    page.wait_for_selector("#clusters-table")
    total = int(page.inner_text("#cluster-count"))
    assert page.locator(".cluster-row").count() == total
    page.fill("#min-mentions", "2")
    page.press("#min-mentions", "Enter")
    page.wait_for_url("**min_mentions=2**")
    merged = page.locator(".cluster-row")
    assert 1 <= merged.count() < total
    assert page.locator(".cluster-row .reports-badge").first.inner_text() == "2 reports"
    screenshot(page, "clusters-04-list")
    page.locator(".cluster-row .reports-badge").first.click()
    page.wait_for_selector("#reports-table")
    assert page.locator(".report-row").count() == 2
    assert page.inner_text("#cluster-mentions") == "2 reports"


def test_ui_clusters_map_popup_links_the_cluster(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/map?type=ASSAULT&lang=en")
    page.wait_for_selector("path.event-marker")
    assert page.locator("path.event-marker").count() == 2  # two reports of one attack
    page.locator("path.event-marker").first.click(force=True)
    page.wait_for_selector(".leaflet-popup .map-popup .reports-badge")
    badge = page.locator(".leaflet-popup .map-popup .reports-badge")
    assert badge.inner_text() == "2 reports"
    assert (badge.get_attribute("href") or "").startswith("/clusters/")
    page.goto("/map?type=ASSAULT&dedupe=true")
    page.wait_for_selector("path.event-marker")
    page.wait_for_selector("#map[data-events='1']")  # one marker per event (CSP-safe wait)
    assert page.locator("path.event-marker").count() == 1
