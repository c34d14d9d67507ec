"""Hostile articles and hostile URLs execute nothing in the UI (headless Chromium against a
real `marsad serve`).

The store holds articles whose title, text, source, URL, actor and place names, event
types and modes, entity types and evidence carry script payloads (``<script>``,
``<img src=x onerror=...>``, ``"><svg onload=...>``, ``javascript:`` URLs). Every payload
would set ``window.__pwned`` or open a dialog. The test visits every page — search (also
with payloads in the query), article, events list with its timeline, map with every popup
opened, actor and place pages, extract — twice: once with the Content-Security-Policy
bypassed, so escaping alone must hold, and once with it, which must report no violation
by the UI's own code. Nothing may execute, no dialog may open, the payloads must show as
text, and no request may leave 127.0.0.1.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from _browser_fixtures import chromium, running_server
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
from marsad.store import open_store

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCRIPT = "<script>window.__pwned='script';alert(1)</script>"
IMG = "<img src=x onerror=\"window.__pwned='img';alert(2)\">"
SVG = "\"><svg onload=\"window.__pwned='svg';alert(3)\">"
ATTR = "' onmouseover='window.__pwned=1' x='"
PAYLOADS = (SCRIPT, IMG, SVG, ATTR)


def _span(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def hostile_doc(n: int) -> Document:
    """An article whose every displayed field carries payloads, with two mapped events."""
    text = (f"خبر {n} {SCRIPT} قصفت قوات {IMG} مواقع في مدينة {SVG} يوم الأحد.\n"
            f"وتظاهر مئات {ATTR} في بنغازي احتجاجا.")
    actor_s, actor_e = _span(text, f"قوات {IMG}")
    place_s, place_e = _span(text, f"مدينة {SVG}")
    ev1_s, ev1_e = _span(text, f"قصفت قوات {IMG} مواقع في مدينة {SVG}")
    ev2_s, ev2_e = _span(text, f"وتظاهر مئات {ATTR} في بنغازي")
    b_s, b_e = _span(text, "بنغازي")
    actor = ActorMention(actor_s, actor_e, text[actor_s:actor_e], f"{SCRIPT}جيش{SVG}", IMG,
                         f"L{n}Y", SVG, "X" + IMG, IMG)
    place = PlaceMention(place_s, place_e, text[place_s:place_e], f"مدينة {IMG}", SVG,
                         32.7 + n / 10, 22.6, "city", SCRIPT, "LBY", None, "city")
    benghazi = PlaceMention(b_s, b_e, "بنغازي", "بنغازي", "Benghazi", 32.1, 20.1, "city",
                            "Benghazi", "LBY", 88319, "city")
    assault = Event(
        type="ASSAULT", mode=SVG, contexts=(IMG,), sentence=0,
        evidence=Evidence(ev1_s, ev1_e, text[ev1_s:ev1_e]),
        source=EventActor(actor.text, actor.name, "LBY", "MIL", SVG, IMG, actor_s, actor_e),
        target=EventActor(f"مسلحين {SCRIPT}", f"{IMG}", None, None, None, None),
        location=EventLocation(place.text, place.name, place.lat, place.lon, "LBY", IMG,
                               None, "city", place_s, place_e),
        date="2018-05-20", date_precision="day", fatalities=3, trigger=SCRIPT)
    protest = Event(
        type=f"PROTEST{SVG}", mode=IMG, sentence=1,
        evidence=Evidence(ev2_s, ev2_e, text[ev2_s:ev2_e]),
        source=EventActor(f"مئات {ATTR}", SCRIPT, f"{IMG}", None, None, None),
        location=EventLocation("بنغازي", f"بنغازي{IMG}", 32.1, 20.1, "LBY", "Benghazi", 88319,
                               "city", b_s, b_e),
        date="2018-05-21", date_precision="day")
    return Document(
        text=text, id=f"hostile-{n}{SVG}", date=f"2018-05-2{n}", title=f"{SCRIPT} عنوان {IMG}",
        source=f"{SVG} صحيفة {ATTR}", url="javascript:window.__pwned='url'",
        entities=(Entity(place_s, place_e, text[place_s:place_e], f"LOC{SVG}"),),
        actors=(actor,), places=(place, benghazi), events=(assault, protest))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from marsad.ingest import content_hash

    root = tmp_path_factory.mktemp("ui-security")
    db = root / "hostile.db"
    with open_store(str(db)) as store:
        for n in (1, 2):
            doc = hostile_doc(n)
            store.add_document(doc, content_hash=content_hash(doc))
    config = root / "text-only.toml"  # the extract page runs a light pipeline
    config.write_text('[pipeline]\nstages = ["sentences", "tokens"]\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "MARSAD_API_TOKEN"}
    with running_server(db, before=("--config", str(config)), env=env) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


#: Executable leftovers of a payload anywhere in the DOM.
DOM_CHECK = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.startsWith('on')) bad.push(el.tagName + ' ' + a.name);
      if ((a.name === 'href' || a.name === 'src') && /^\\s*javascript:/i.test(a.value)) bad.push(el.tagName + ' ' + a.name);
    }
  }
  for (const s of document.querySelectorAll('script')) {
    const src = s.getAttribute('src') || '';
    if (!src.startsWith('/static/') && s.type !== 'application/json') bad.push('script ' + s.outerHTML.slice(0, 80));
  }
  for (const el of document.querySelectorAll('img[src="x"], svg[onload], iframe, object, embed')) bad.push(el.outerHTML.slice(0, 80));
  return {pwned: window.__pwned === undefined ? null : String(window.__pwned), bad: bad};
}"""


class Tour:
    """One browser context visiting pages and checking each for executed payloads."""

    def __init__(self, browser, server: str, *, bypass_csp: bool) -> None:  # type: ignore[no-untyped-def]
        self.server = server
        self.context = browser.new_context(base_url=server, bypass_csp=bypass_csp,
                                           viewport={"width": 1300, "height": 900})
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.outside: list[str] = []
        self.csp: list[str] = []
        self.errors: list[str] = []
        self.visited: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", self._console)
        self.page.route("**/*", self._guard)

    def _dialog(self, dialog) -> None:  # type: ignore[no-untyped-def]
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _console(self, msg) -> None:  # type: ignore[no-untyped-def]
        if "Content Security Policy" in msg.text:
            self.csp.append(msg.text)

    def _guard(self, route, request) -> None:  # type: ignore[no-untyped-def]
        if request.url.startswith(self.server) or request.url.startswith("data:"):
            route.continue_()
        else:
            self.outside.append(request.url)
            route.abort()

    def check(self, where: str) -> None:
        result = self.page.evaluate(DOM_CHECK)
        assert result["pwned"] is None, f"{where}: payload executed ({result['pwned']})"
        assert result["bad"] == [], f"{where}: {result['bad'][:5]}"
        assert self.dialogs == [], f"{where}: dialogs {self.dialogs}"
        self.visited.append(where)

    def visit(self, path: str, *, ready: str | None = None) -> None:
        self.page.goto(path)
        if ready:
            self.page.wait_for_selector(ready, state="attached", timeout=30000)
        self.check(path)

    def close(self) -> None:
        self.context.close()
        assert self.outside == [], f"requests left the machine: {self.outside}"


def _tour(tour: Tour) -> None:
    page = tour.page
    tour.visit("/", ready='#timeline[data-ready="true"]')
    assert "<script>" in page.inner_text("#results")  # the title shows as text
    for payload in PAYLOADS:
        tour.visit("/?q=" + quote(payload))
        assert page.input_value("#q") == payload
    tour.visit("/?q=" + quote("عنوان " + SCRIPT), ready="#results")
    for n in (1, 2):
        tour.visit(f"/articles/{n}")
        assert SCRIPT in page.inner_text("#article-title")
        text = page.inner_text("#article-text")
        assert IMG in text and SVG in text
        assert page.locator("#article-text .ev").count() >= 2
        page.hover(".event-item[data-event='0']")
        tour.check(f"/articles/{n} (hover)")
        original = page.locator(".article-meta a")
        assert original.count() == 0  # a javascript: URL is never linked
    tour.visit("/events", ready='#timeline[data-ready="true"]')
    assert page.locator("#events-table .event-row").count() == 4
    assert IMG in page.inner_text("#events-table")
    page.locator("#timeline svg rect.bar").first.hover()
    tour.check("/events (timeline hover)")
    for name, payload in (("actor", SCRIPT), ("place", IMG), ("q", SVG), ("country", ATTR),
                          ("type", SVG), ("mode", IMG), ("from", SCRIPT)):
        tour.visit(f"/events?{name}=" + quote(payload), ready='#timeline[data-ready]')
    tour.visit("/map", ready='#map[data-ready="true"]')
    markers = page.locator("path.event-marker")
    assert markers.count() == 4
    for i in range(markers.count()):
        markers.nth(i).click(force=True)
        page.wait_for_selector(".leaflet-popup .map-popup", state="attached")
        assert any(p in page.inner_text(".leaflet-popup .map-popup")
                   for p in (IMG, SVG, SCRIPT, ATTR)) or "بنغازي" in page.inner_text(".leaflet-popup")
        tour.check(f"/map popup {i}")
    tour.visit("/map?q=" + quote(SVG) + "&place=" + quote(IMG), ready='#map[data-ready]')
    tour.visit("/actors")
    assert SCRIPT in page.inner_text("main")
    tour.visit("/actors?q=" + quote(IMG))
    for href in page.eval_on_selector_all("main a[href^='/actors/']",
                                          "els => els.map(e => e.getAttribute('href'))")[:3]:
        tour.visit(href, ready='#timeline[data-ready="true"]')
    tour.visit("/places")
    tour.visit("/places?q=" + quote(SVG))
    for href in page.eval_on_selector_all("main a[href^='/places/']",
                                          "els => els.map(e => e.getAttribute('href'))")[:3]:
        tour.visit(href, ready='#map[data-ready="true"]')
    tour.visit("/articles/" + quote(SVG, safe=""))  # a 422 error page echoing the input
    tour.visit("/articles/999999")
    tour.visit("/nothing/" + quote(SCRIPT, safe=""))
    tour.visit("/?lang=" + quote(SVG) + "&offset=" + quote(IMG))
    tour.visit("/extract")
    page.fill("#extract-text", f"خبر {SCRIPT} عن {IMG} و{SVG}")
    page.click("#extract-form button[type=submit]")
    page.wait_for_selector("#extract-result:not([hidden])", timeout=60000)
    page.wait_for_selector("#extract-annotated:not(:empty)", state="attached")
    assert SCRIPT in page.inner_text("#extract-annotated")
    tour.check("/extract (result)")


@pytest.mark.parametrize("bypass_csp", [True, False], ids=["escaping-only", "with-csp"])
def test_ui_security_hostile_content_never_executes(browser, server: str,  # type: ignore[no-untyped-def]
                                                    bypass_csp: bool) -> None:
    tour = Tour(browser, server, bypass_csp=bypass_csp)
    try:
        _tour(tour)
    finally:
        tour.close()
    assert len(tour.visited) >= 35
    assert tour.errors == [], tour.errors
    if not bypass_csp:
        assert tour.csp == [], f"the UI's own code violates its CSP: {tour.csp[:3]}"
