"""The web UI: server-rendered pages (Jinja2) over the same store as the JSON API.

Each page links its JSON twin (``<link rel="alternate" type="application/json">``) — the
``/api`` route with the same query string. The interface language is Arabic (right to
left) or English, chosen with ``?lang=ar|en`` and remembered in a cookie; article text is
always shown right to left.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import FastAPI, Path, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape

from marsad import __version__
from marsad.api.state import AppState
from marsad.store import CLUSTER_SORTS, NO_CLUSTERS_NOTE, ClusterFilter, EventFilter

LANGS = ("ar", "en")

#: An id in a page's path (SQLite integers are 64-bit; larger ones are a 422 page).
PageId = Annotated[int, Path(ge=1, le=2**63 - 1)]

#: PLOVER types in the manual's order (for the facet list and colours).
EVENT_TYPES = ("AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT",
               "REQUEST", "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE",
               "COERCE", "ASSAULT")


#: The merge reasons :mod:`marsad.dedupe` writes (in English) and the interface string
#: that says each in the page's language (``why_*`` in i18n.json); the first that matches
#: wins, and a reason none matches is shown as written.
REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), key) for p, key in (
    (r"same type (\S+)$", "why_type"),
    (r"dates (\d+) days? apart$", "why_dates"),
    (r"same place (.+) \(an? (\S+) event at the same place\)$", "why_place_salient"),
    (r"same place (.+)$", "why_place"),
    (r"same country (.+)$", "why_country"),
    (r"places (\d+) km apart \((.+) / (.+)\)$", "why_km"),
    (r"same region (.+)$", "why_region"),
    (r"same fatalities (\d+)$", "why_fatalities"),
    (r"evidence is nearly the same sentence \((\d+%) of words\)$", "why_copy"),
    (r"evidence shares (\d+%) of words$", "why_overlap"),
    (r"same (source|target) (.+) \(a country or the place itself\)$", "why_{}_weak"),
    (r"same (source|target) (.+)$", "why_{}"),
    (r"(.+) lies in (.+)$", "why_inside"),
))


def say_reason(reason: str, strings: dict[str, str]) -> str:
    """A merge reason of :mod:`marsad.dedupe` in the interface language (event types by
    their translated names); unknown wording is returned unchanged."""
    for pattern, key in REASONS:
        m = pattern.match(reason)
        if m is None:
            continue
        groups = list(m.groups())
        if "{}" in key:  # the role picks the string: why_source, why_target_weak...
            key = key.format(groups.pop(0))
        template = strings.get(key)
        if template is None:
            return reason
        return template.format(*(strings.get(f"T_{g}", g) for g in groups))
    return reason


@pass_context
def _reason_filter(context: Context, reason: str) -> str:
    return say_reason(str(reason), context.get("t") or {})


@lru_cache(maxsize=1)
def translations() -> dict[str, dict[str, str]]:
    """The interface strings, by language (``marsad/web/i18n.json``)."""
    text = resources.files("marsad").joinpath("web/i18n.json").read_text("utf-8")
    data: dict[str, dict[str, str]] = json.loads(text)
    return data


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment over ``marsad/web/templates``."""
    folder = str(resources.files("marsad").joinpath("web/templates"))
    env = Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["EVENT_TYPES"] = EVENT_TYPES
    env.globals["version"] = __version__
    env.filters["highlight"] = highlight
    env.filters["reason"] = _reason_filter
    return env


def language(request: Request) -> str:
    """The interface language: ``?lang=``, else the cookie, else Arabic."""
    lang = request.query_params.get("lang") or request.cookies.get("marsad_lang") or "ar"
    return lang if lang in LANGS else "ar"


def render(request: Request, template: str, *, status: int = 200, json_url: str | None = None,
           **context: Any) -> HTMLResponse:
    """Render a page in the request's language (and remember an explicit ``?lang=``)."""
    lang = language(request)
    strings = translations()[lang]
    other = "en" if lang == "ar" else "ar"
    params = dict(request.query_params)
    params["lang"] = other
    html = environment().get_template(template).render(
        request=request, lang=lang, dir="rtl" if lang == "ar" else "ltr", t=strings,
        other_lang=other, other_lang_url=str(request.url.path) + "?" + urlencode(params),
        json_url=json_url, path=request.url.path, **context)
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie("marsad_lang", lang, max_age=365 * 86400, samesite="lax")
    return response


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """An error page in the UI's style."""
    return render(request, "error.html", status=status, status_code=status, message=message)


def highlight(snippet: dict[str, Any]) -> Markup:
    """A search snippet as HTML, its matches wrapped in ``<mark>``."""
    text = str(snippet.get("text", ""))
    out: list[str] = []
    pos = 0
    for start, end in snippet.get("highlights", []):
        out.append(str(escape(text[pos:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def annotate(article: dict[str, Any]) -> Markup:
    """The article text as HTML: entities, actors and places highlighted (actors and places
    linked to their pages), event evidence marked and anchored (``#ev-N``)."""
    text: str = article["text"]
    layers: list[tuple[int, int, str, dict[str, str]]] = []
    for e in article.get("entities", []):
        layers.append((e["start"], e["end"], "ent", {"class": f"ent ent-{e['type']}",
                                                     "title": e["type"]}))
    for a in article.get("actors", []):
        layers.append((a["start"], a["end"], "link", {
            "class": "actor", "href": f"/actors/{a['actor']['id']}",
            "title": " · ".join(x for x in (a.get("name"), a["actor"].get("code")) if x)}))
    for p in article.get("places", []):
        layers.append((p["start"], p["end"], "link", {
            "class": "place", "href": f"/places/{p['place_id']}",
            "title": " · ".join(x for x in (p.get("name_en") or p.get("name"), p.get("country")) if x)}))
    for i, ev in enumerate(article.get("events", [])):
        layers.append((ev["evidence"]["start"], ev["evidence"]["end"], "ev",
                       {"class": f"ev ev-{ev['type']}", "data-event": str(i)}))
    bounds = sorted({0, len(text), *(s for s, _, _, _ in layers), *(e for _, e, _, _ in layers)})
    first_evidence: set[int] = set()
    out: list[str] = []
    for start, end in itertools.pairwise(bounds):
        if start >= end:
            continue
        piece = str(escape(text[start:end])).replace("\n", "<br>\n")
        covering = [layer for layer in layers if layer[0] <= start and end <= layer[1]]
        links = [attrs for s, e, kind, attrs in covering if kind == "link"]
        ents = [attrs for s, e, kind, attrs in covering if kind == "ent"]
        evs = [attrs for s, e, kind, attrs in covering if kind == "ev"]
        if ents and not links:
            piece = (f'<span class="{escape(ents[0]["class"])}" title="{escape(ents[0]["title"])}">'
                     f"{piece}</span>")
        if links:
            a = links[0]
            piece = (f'<a class="{escape(a["class"])}" href="{escape(a["href"])}" '
                     f'title="{escape(a["title"])}">{piece}</a>')
        for ev in evs:
            anchor = ""
            number = int(ev["data-event"])
            if number not in first_evidence:
                first_evidence.add(number)
                anchor = f' id="ev-{number}"'
            piece = f'<span class="{escape(ev["class"])}" data-event="{number}"{anchor}>{piece}</span>'
        out.append(piece)
    return Markup("".join(out))


def _filters_from(request: Request) -> tuple[EventFilter, dict[str, Any]]:
    """The event filter of a page's query string (same names as the API)."""
    from marsad.api.app import event_filter

    qp = request.query_params
    flt = event_filter(
        type=qp.getlist("type") or None, mode=qp.getlist("mode") or None,
        actor=qp.get("actor"), country=_split(qp.getlist("country")) or None, place=qp.get("place"),
        date_from=_valid_date(qp.get("from")), date_to=_valid_date(qp.get("to")), q=qp.get("q"),
        source=qp.get("source"), exclude_negated=qp.get("exclude_negated") == "true",
        exclude_hypothetical=qp.get("exclude_hypothetical") == "true",
        dedupe=qp.get("dedupe") == "true", cluster=_valid_id(qp.get("cluster")))
    form = {"type": qp.getlist("type"), "mode": qp.getlist("mode"), "actor": qp.get("actor", ""),
            "country": qp.getlist("country"), "place": qp.get("place", ""),
            "from": qp.get("from", ""), "to": qp.get("to", ""), "q": qp.get("q", ""),
            "dedupe": flt.dedupe, "cluster": flt.cluster or ""}
    return flt, form


def _valid_id(value: str | None) -> str | None:
    """An event or cluster id from a query string (anything else is ignored)."""
    import re

    from marsad.api.app import EVENT_ID

    return value if value and re.match(EVENT_ID, value) else None


def _cluster_filters_from(request: Request) -> tuple[ClusterFilter, dict[str, Any]]:
    """The cluster filter of the clusters page's query string (same names as the API)."""
    qp = request.query_params
    flt = ClusterFilter(types=tuple(t for t in qp.getlist("type") if t),
                        country=tuple(_split(qp.getlist("country"))),
                        date_from=_valid_date(qp.get("from")), date_to=_valid_date(qp.get("to")),
                        min_mentions=_int(qp.get("min_mentions"), 1, lo=1))
    form = {"type": qp.getlist("type"), "country": qp.getlist("country"),
            "from": qp.get("from", ""), "to": qp.get("to", ""),
            "min_mentions": flt.min_mentions}
    return flt, form


def _split(values: list[str]) -> list[str]:
    """Form values, with comma-separated ones split (``LBY,EGY``)."""
    return [part.strip() for v in values for part in v.split(",") if part.strip()]


def _valid_date(value: str | None) -> str | None:
    from marsad.readers import parse_date

    if not value:
        return None
    return parse_date(value) if len(value) == 10 else None


def _query(request: Request, **changes: Any) -> str:
    """The request's query string with some parameters changed (None removes one)."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k not in changes and k != "lang"]
    for k, v in changes.items():
        if v is None:
            continue
        if isinstance(v, list | tuple):
            items.extend((k, x) for x in v)
        else:
            items.append((k, v))
    return urlencode(items)


def _int(value: str | None, default: int, *, lo: int = 0, hi: int = 10_000_000) -> int:
    try:
        number = int(value) if value is not None else default
    except ValueError:
        return default
    return max(lo, min(hi, number))


def _pages(total: int, offset: int, limit: int) -> dict[str, int]:
    return {"total": total, "offset": offset, "limit": limit,
            "page": offset // limit + 1, "pages": max(1, math.ceil(total / limit))}


def _listing(request: Request, sorts: Sequence[str]) -> tuple[int, int, str]:
    """A list page's ``limit`` (1-500, 50), ``offset`` and ``sort`` (one of ``sorts``, the
    first by default) from the query string; bad values fall back to the defaults."""
    limit = _int(request.query_params.get("limit"), 50, lo=1, hi=500)
    offset = _int(request.query_params.get("offset"), 0)
    sort = request.query_params.get("sort", sorts[0])
    return limit, offset, sort if sort in sorts else sorts[0]


def register_pages(app: FastAPI, state: AppState) -> None:
    """Add the UI's pages to the application."""

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> Response:
        store = state.store()
        q = request.query_params.get("q", "")
        limit = 20
        offset = _int(request.query_params.get("offset"), 0)
        sort = request.query_params.get("sort", "relevance")
        if sort not in ("relevance", "-date", "date"):
            sort = "relevance"
        page = store.search_articles(q, limit=limit, offset=offset, sort=sort)
        return render(request, "search.html", q=q, results=page, sort=sort,
                      paging=_pages(page.total, offset, limit), stats=store.stats(),
                      query=lambda **kw: _query(request, **kw),
                      json_url="/api/articles?" + _query(request))

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(request: Request, article_id: PageId) -> Response:
        article = state.store().get_article(article_id)
        if article is None:
            return error_page(request, 404, f"#{article_id}")
        return render(request, "article.html", article=article, body=annotate(article),
                      json_url=f"/api/articles/{article_id}")

    @app.get("/events", response_class=HTMLResponse, include_in_schema=False)
    def events_page(request: Request) -> Response:
        store = state.store()
        flt, form = _filters_from(request)
        limit, offset, sort = _listing(
            request, ("-date", "date", "type", "-type", "country", "-country"))
        with store.snapshot():
            page = store.list_events(flt, limit=limit, offset=offset, sort=sort)
            facets = store.facets(flt, names=("type", "country", "mode"), limit=25)
            clustered = store.has_clusters()
        return render(request, "events.html", events=page, facets=facets, form=form,
                      sort=sort, paging=_pages(page.total, offset, limit), clustered=clustered,
                      query=lambda **kw: _query(request, **kw),
                      filter_query=_query(request, offset=None, sort=None, limit=None),
                      json_url="/api/events?" + _query(request, facets="true"))

    @app.get("/clusters", response_class=HTMLResponse, include_in_schema=False)
    def clusters_page(request: Request) -> Response:
        store = state.store()
        flt, form = _cluster_filters_from(request)
        limit, offset, sort = _listing(request, CLUSTER_SORTS)
        page = store.list_clusters(flt, limit=limit, offset=offset, sort=sort)
        return render(request, "clusters.html", clusters=page.to_dict(), form=form, sort=sort,
                      paging=_pages(page.total, offset, limit), note=NO_CLUSTERS_NOTE,
                      query=lambda **kw: _query(request, **kw),
                      filter_query=_query(request, offset=None, sort=None, limit=None),
                      json_url="/api/clusters?" + _query(request))

    @app.get("/clusters/{cluster_id}", response_class=HTMLResponse, include_in_schema=False)
    def cluster_page(request: Request, cluster_id: str) -> Response:
        store = state.store()
        cluster = store.get_cluster(cluster_id) if _valid_id(cluster_id) else None
        if cluster is None:
            return error_page(request, 404, f"#{cluster_id}"
                              + ("" if store.has_clusters() else f" — {NO_CLUSTERS_NOTE}"))
        number = {m["id"]: i for i, m in enumerate(cluster["members"], 1)}
        return render(request, "cluster.html", cluster=cluster, number=number,
                      json_url=f"/api/clusters/{cluster_id}")

    @app.get("/map", response_class=HTMLResponse, include_in_schema=False)
    def map_page(request: Request) -> Response:
        store = state.store()
        flt, form = _filters_from(request)
        facets = store.facets(flt, names=("type",), limit=30)
        return render(request, "map.html", form=form, facets=facets,
                      filter_query=_query(request),
                      json_url="/api/events/geojson?" + _query(request))

    @app.get("/actors", response_class=HTMLResponse, include_in_schema=False)
    def actors_page(request: Request) -> Response:
        q = request.query_params.get("q", "")
        offset = _int(request.query_params.get("offset"), 0)
        page = state.store().list_actors(q or None, limit=50, offset=offset)
        return render(request, "actors.html", q=q, items=page, paging=_pages(page.total, offset, 50),
                      query=lambda **kw: _query(request, **kw),
                      json_url="/api/actors?" + _query(request))

    @app.get("/actors/{actor_id}", response_class=HTMLResponse, include_in_schema=False)
    def actor_page(request: Request, actor_id: PageId) -> Response:
        store = state.store()
        actor = store.get_actor(actor_id)
        if actor is None:
            return error_page(request, 404, f"#{actor_id}")
        flt = EventFilter(actor_id=actor_id)
        events = store.list_events(flt, limit=100)
        return render(request, "entity.html", kind="actor", entity=actor, events=events,
                      counts=store.count_events(flt, "type"), filter_query=f"actor_id={actor_id}",
                      json_url=f"/api/actors/{actor_id}")

    @app.get("/places", response_class=HTMLResponse, include_in_schema=False)
    def places_page(request: Request) -> Response:
        q = request.query_params.get("q", "")
        offset = _int(request.query_params.get("offset"), 0)
        page = state.store().list_places(q or None, limit=50, offset=offset)
        return render(request, "places.html", q=q, items=page, paging=_pages(page.total, offset, 50),
                      query=lambda **kw: _query(request, **kw),
                      json_url="/api/places?" + _query(request))

    @app.get("/places/{place_id}", response_class=HTMLResponse, include_in_schema=False)
    def place_page(request: Request, place_id: PageId) -> Response:
        store = state.store()
        place = store.get_place(place_id)
        if place is None:
            return error_page(request, 404, f"#{place_id}")
        flt = EventFilter(place_id=place_id)
        events = store.list_events(flt, limit=100)
        return render(request, "entity.html", kind="place", entity=place, events=events,
                      counts=store.count_events(flt, "type"), filter_query=f"place_id={place_id}",
                      json_url=f"/api/places/{place_id}")

    @app.get("/extract", response_class=HTMLResponse, include_in_schema=False)
    def extract_page(request: Request) -> Response:
        return render(request, "extract.html", json_url="/openapi.json")


def api_operations(app: FastAPI) -> list[dict[str, str]]:
    """Every documented operation of the API (method, path, summary, parameters), read from
    the OpenAPI schema — for the offline reference page at ``/docs``."""
    out: list[dict[str, str]] = []
    for path, item in app.openapi().get("paths", {}).items():
        for method, op in item.items():
            params = ", ".join(str(p.get("name")) for p in op.get("parameters", []))
            out.append({"method": method.upper(), "path": path,
                        "summary": str(op.get("summary") or ""), "params": params})
    return out


def register_api_reference(app: FastAPI) -> None:
    """``/docs``: the API's operations as a page of this server (no Swagger UI from a CDN:
    Marsad runs offline), linking to ``/openapi.json`` for tools."""

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def api_reference(request: Request) -> Response:
        return render(request, "api.html", json_url="/openapi.json",
                      operations=api_operations(app))


def register_login(app: FastAPI, token: str) -> None:
    """Add ``/login`` (a form asking for the access token) and ``/logout``."""
    import hmac

    from fastapi.responses import RedirectResponse

    from marsad.api.security import COOKIE, TokenAuth, safe_next

    auth = TokenAuth(app, token)  # only for its cookie helpers

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request) -> Response:
        return render(request, "login.html", status=200, next=safe_next(request.query_params.get("next")),
                      failed=False)

    @app.post("/login", response_class=HTMLResponse, include_in_schema=False)
    async def login(request: Request) -> Response:
        from urllib.parse import parse_qsl

        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        target = safe_next(form.get("next"))
        given = form.get("token", "")
        if not hmac.compare_digest(given.encode(), token.encode()):
            return render(request, "login.html", status=401, next=target, failed=True)
        response = RedirectResponse(target, status_code=303)
        response.headers.append("set-cookie", auth.session_cookie(request.scope))
        return response

    @app.get("/logout", include_in_schema=False)
    def logout() -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response
