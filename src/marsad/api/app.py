"""The FastAPI application: JSON routes under ``/api``, the UI pages, static assets."""

from __future__ import annotations

import logging
import re
import time
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from marsad import __version__
from marsad.api.models import (
    ArticlePage,
    ClusterDetail,
    ClusterPage,
    Counts,
    ErrorOut,
    EventPage,
    EventRecord,
    Stats,
)
from marsad.api.security import (
    MAX_BODY_BYTES,
    BodyLimit,
    BodyTooLarge,
    HostCheck,
    SecurityHeaders,
    TokenAuth,
)
from marsad.errors import MarsadError
from marsad.export import available_formats
from marsad.store import (
    CLUSTER_SORTS,
    GROUPINGS,
    NO_CLUSTERS_NOTE,
    ClusterFilter,
    EventFilter,
    Store,
)

log = logging.getLogger(__name__)

DATE = r"^\d{4}-\d{2}-\d{2}$"
#: A date in a query string: empty means "not given" (a page's filter form submits its empty
#: date fields, and its timeline, JSON twin and export links carry them on).
QUERY_DATE = r"^(\d{4}-\d{2}-\d{2})?$"
EventSort = Literal["date", "-date", "type", "-type", "country", "-country", "id", "-id"]
ArticleSort = Literal["relevance", "-date", "date"]
Grouping = Literal["type", "mode", "day", "week", "month", "year", "country", "admin1",
                   "source_actor", "target_actor", "place", "context"]
assert set(Grouping.__args__) == set(GROUPINGS)  # type: ignore[attr-defined]
ClusterSort = Literal["-n_mentions", "n_mentions", "-date", "date"]
assert set(ClusterSort.__args__) == set(CLUSTER_SORTS)  # type: ignore[attr-defined]

#: Event and cluster ids (``<content hash prefix>-<index>``; a cluster's id is the event
#: id of its first report). The ``-<index>`` keeps the sibling routes' names
#: (``/api/events/counts``, ``/api/events/geojson``) from being ids.
EVENT_ID = r"^[0-9A-Za-z_]{1,64}-[0-9]{1,9}$"

#: The export formats the API offers (those registered when the module is imported).
EXPORT_FORMATS = "^(" + "|".join(re.escape(f) for f in available_formats()) + ")$"

#: Largest page of a listing (``limit`` above it is a 422, not a silent clamp).
MAX_PAGE = 1000
#: Largest id or offset a client may ask for (SQLite integers are 64-bit).
MAX_INT = 2**63 - 1


class ExtractRequest(BaseModel):
    """Text to analyse with the configured pipeline."""

    text: str = Field(min_length=1, max_length=1_000_000, description="The article text.")
    date: str | None = Field(default=None, pattern=DATE,
                             description="Publication date (YYYY-MM-DD) for relative dates.")
    title: str | None = Field(default=None, max_length=10_000)

    @field_validator("text", "title")
    @classmethod
    def _unicode(cls, value: str | None) -> str | None:
        """Reject lone surrogates (JSON allows ``"\ud800"``; UTF-8 cannot encode it)."""
        if value is not None:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("the text is not valid Unicode (lone surrogate)") from None
        return value


def event_filter(
    type: Annotated[list[str] | None, Query(description="PLOVER event types.")] = None,
    mode: Annotated[list[str] | None, Query(description="PLOVER modes.")] = None,
    actor: Annotated[str | None, Query(description="Actor name, code or KB id.")] = None,
    country: Annotated[list[str] | None, Query(description="ISO alpha-3 of the location.")] = None,
    place: Annotated[str | None, Query(description="Place name or admin-1.")] = None,
    date_from: Annotated[str | None, Query(alias="from", pattern=QUERY_DATE)] = None,
    date_to: Annotated[str | None, Query(alias="to", pattern=QUERY_DATE)] = None,
    q: Annotated[str | None, Query(description="Full-text query on the articles.")] = None,
    article: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
    actor_id: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
    place_id: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
    source: Annotated[str | None, Query(description="Publication of the article.")] = None,
    exclude_negated: bool = False,
    exclude_hypothetical: bool = False,
    geolocated: bool = False,
    dedupe: Annotated[bool, Query(description="One event per deduplication cluster: its first "
                                              "report (the other filters apply to that report); "
                                              "no effect on a store without clusters.")] = False,
    cluster: Annotated[str | None, Query(pattern=EVENT_ID, description="Only the reports of "
                                         "this deduplication cluster.")] = None,
) -> EventFilter:
    """The event filter described by the query string (shared by every event route)."""
    return EventFilter(
        types=tuple(t for t in (type or []) if t), modes=tuple(m for m in (mode or []) if m),
        actor=actor or None, country=tuple(c for c in (country or []) if c),
        place=place or None, date_from=date_from or None, date_to=date_to or None,
        q=q or None, article=article, actor_id=actor_id, place_id=place_id,
        source=source or None, include_negated=not exclude_negated,
        include_hypothetical=not exclude_hypothetical, geolocated=geolocated, dedupe=dedupe,
        cluster=cluster or None)


def cluster_filter(
    type: Annotated[list[str] | None, Query(description="PLOVER event types.")] = None,
    country: Annotated[list[str] | None, Query(description="ISO alpha-3 of the location.")] = None,
    date_from: Annotated[str | None, Query(alias="from", pattern=QUERY_DATE)] = None,
    date_to: Annotated[str | None, Query(alias="to", pattern=QUERY_DATE)] = None,
    min_mentions: Annotated[int, Query(ge=1, le=MAX_INT,
                                       description="At least this many reports.")] = 1,
) -> ClusterFilter:
    """The cluster filter described by the query string."""
    return ClusterFilter(types=tuple(t for t in (type or []) if t),
                         country=tuple(c for c in (country or []) if c),
                         date_from=date_from or None, date_to=date_to or None,
                         min_mentions=min_mentions)


def get_store(request: Request) -> Store:
    """The store of the application serving the request (one connection per thread)."""
    store: Store = request.app.state.marsad.store()
    return store


Filter = Annotated[EventFilter, Depends(event_filter)]
Db = Annotated[Store, Depends(get_store)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Items per page (1-{MAX_PAGE}).")]
Offset = Annotated[int, Query(ge=0, le=MAX_INT, description="Items to skip.")]
Id = Annotated[int, Path(ge=1, le=MAX_INT)]
EventId = Annotated[str, Path(pattern=EVENT_ID, description="An event id.")]
ClusterId = Annotated[str, Path(pattern=EVENT_ID, description="A cluster id (the event id of "
                                                              "its first report).")]
Clusters = Annotated[ClusterFilter, Depends(cluster_filter)]

#: Error responses every API route may give (documented in /openapi.json).
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "A query the store cannot run (e.g. unknown export format)."},
    401: {"model": ErrorOut, "description": "Missing or wrong token (only when the server has one)."},
    422: {"model": ErrorOut, "description": "A parameter out of range or malformed."},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No such item."}}
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorOut, "description": "Request body larger than the server accepts."}}


def create_app(db: str, *, config_path: str | None = None, token: str | None = None,
               max_body_bytes: int = MAX_BODY_BYTES,
               allowed_hosts: tuple[str, ...] | None = None) -> FastAPI:
    """The application serving the store at ``db`` (a path or a backend URL).

    With ``token``, every route but the login page and static assets needs it (see
    :mod:`marsad.api.security`); request bodies above ``max_body_bytes`` get 413; with
    ``allowed_hosts``, a request naming another ``Host`` gets 400 (``marsad serve`` on a
    loopback address allows only the loopback names).
    """
    from marsad.api.state import AppState

    state = AppState(db, config_path=config_path)
    app = FastAPI(
        title="Marsad API", version=__version__,
        description="Search Arabic news articles and the PLOVER events extracted from them. "
                    "Every HTML page of the UI has a JSON twin here.",
        docs_url=None, redoc_url=None, openapi_url="/openapi.json", responses=ERRORS)
    app.state.marsad = state
    app.add_middleware(GZipMiddleware, minimum_size=2048, compresslevel=6)  # 9: 3x the CPU, 5% smaller
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    if token:
        app.add_middleware(TokenAuth, token=token)
    if allowed_hosts:
        app.add_middleware(HostCheck, allowed=allowed_hosts)
    app.add_middleware(SecurityHeaders)  # outermost: every response, 401 and 413 too

    @app.exception_handler(BodyTooLarge)
    async def body_too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        return JSONResponse({"error": "PayloadTooLarge", "detail": exc.detail}, status_code=413,
                            headers={"Connection": "close"})

    @app.exception_handler(MarsadError)
    async def marsad_error(request: Request, exc: MarsadError) -> JSONResponse:
        return JSONResponse({"error": type(exc).__name__, "detail": str(exc)}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not request.url.path.startswith("/api"):
            from marsad.api.pages import error_page

            return error_page(request, exc.status_code, str(exc.detail))
        name = {400: "BadRequest", 404: "NotFound", 405: "MethodNotAllowed",
                413: "PayloadTooLarge"}.get(
            exc.status_code, "HTTPError")
        return JSONResponse({"error": name, "detail": exc.detail}, status_code=exc.status_code,
                            headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if not request.url.path.startswith("/api"):
            from marsad.api.pages import error_page

            return error_page(request, 422, "; ".join(_error_lines(exc)))
        return JSONResponse({"error": "ValidationError", "detail": _jsonable_errors(exc)},
                            status_code=422)

    @app.get("/api/stats", tags=["store"], response_model=Stats)
    def stats(db: Db) -> dict[str, Any]:
        """How many articles, events, actors and places the store holds."""
        return db.stats()

    @app.get("/api/articles", tags=["articles"], response_model=ArticlePage)
    def search_articles(db: Db, q: str = "", limit: Limit = 20, offset: Offset = 0,
                        date_from: Annotated[str | None, Query(alias="from", pattern=QUERY_DATE)] = None,
                        date_to: Annotated[str | None, Query(alias="to", pattern=QUERY_DATE)] = None,
                        source: str | None = None, sort: ArticleSort = "relevance") -> dict[str, Any]:
        """Full-text search (Arabic matched regardless of hamza, diacritics, ال and clitics);
        every article, newest first, when ``q`` is empty."""
        started = time.perf_counter()
        page = db.search_articles(q, limit=limit, offset=offset, date_from=date_from,
                                  date_to=date_to, source=source or None, sort=sort)
        data = page.to_dict()
        data["took_ms"] = round((time.perf_counter() - started) * 1000, 2)
        return data

    @app.get("/api/articles/{article_id}", tags=["articles"], responses=NOT_FOUND)
    def get_article(db: Db, article_id: Id) -> dict[str, Any]:
        """One article: text, sentences, entities, actors, places, times and events (all
        spans are character offsets into ``text``)."""
        article = db.get_article(article_id)
        if article is None:
            raise HTTPException(404, f"no article {article_id}")
        return article

    @app.get("/api/events", tags=["events"], response_model=EventPage,
             response_model_exclude_unset=True)
    def list_events(db: Db, flt: Filter, limit: Limit = 50, offset: Offset = 0,
                    sort: EventSort = "-date", facets: bool = False) -> dict[str, Any]:
        """Events matching the filters, one page, in a stable order (ties broken by id);
        with ``facets=true`` also counts by type, mode and country."""
        with db.snapshot():  # the page, its total and the facets agree
            data = db.list_events(flt, limit=limit, offset=offset, sort=sort).to_dict()
            if facets:
                data["facets"] = db.facets(flt)
        return data

    @app.get("/api/events/counts", tags=["events"], response_model=Counts,
             response_model_exclude_unset=True)
    def count_events(db: Db, flt: Filter, by: Grouping = "type",
                     limit: Annotated[int, Query(ge=1, le=10_000)] = 200) -> dict[str, Any]:
        """Event counts grouped by type, mode, day, week (Monday), month, year, country,
        admin-1, actor, place or context."""
        return {"by": by, "filters": flt.as_params(), "counts": db.count_events(flt, by, limit=limit)}

    @app.get("/api/events/geojson", tags=["events"])
    def events_geojson(db: Db, flt: Filter,
                       limit: Annotated[int, Query(ge=1, le=50_000)] = 5000) -> dict[str, Any]:
        """Geolocated events as a GeoJSON FeatureCollection (for the map)."""
        from dataclasses import replace

        page = db.list_events(replace(flt, geolocated=True), limit=limit, sort="-date")
        features = []
        for e in page.items:
            loc = e["location"]
            features.append({
                "type": "Feature", "id": e["id"],
                "geometry": {"type": "Point", "coordinates": [loc["lon"], loc["lat"]]},
                "properties": {
                    "type": e["type"], "mode": e["mode"], "date": e["date_start"],
                    "place": loc["name"] or loc["text"], "country": loc["country"],
                    "source": (e["source"] or {}).get("name") or (e["source"] or {}).get("text"),
                    "target": (e["target"] or {}).get("name") or (e["target"] or {}).get("text"),
                    "evidence": e["evidence"]["text"], "article_id": e["article"]["id"],
                    "fatalities": e["fatalities"]}})
            if "cluster_id" in e:  # a store with deduplication clusters
                features[-1]["properties"].update(cluster_id=e["cluster_id"],
                                                  n_mentions=e["n_mentions"])
        return {"type": "FeatureCollection", "total": page.total, "features": features}

    @app.get("/api/events/{event_id}", tags=["events"], response_model=EventRecord,
             response_model_exclude_unset=True, responses=NOT_FOUND)
    def get_event(db: Db, event_id: EventId) -> dict[str, Any]:
        """One event record (with ``cluster_id`` and ``n_mentions`` when the store has
        deduplication clusters)."""
        event = db.get_event(event_id)
        if event is None:
            raise HTTPException(404, f"no event {event_id}")
        return event

    @app.get("/api/clusters", tags=["clusters"], response_model=ClusterPage,
             response_model_exclude_unset=True, responses={200: {
                 "description": "One page of clusters (JSON), or every matching cluster as a "
                                "CSV download with `format=csv`.",
                 "content": {"text/csv": {}}}})
    def list_clusters(db: Db, flt: Clusters, limit: Limit = 50, offset: Offset = 0,
                      sort: ClusterSort = "-n_mentions",
                      format: Annotated[Literal["json", "csv"], Query(
                          description="json: one page; csv: every matching cluster "
                                      "(limit and offset ignored), as a download.")] = "json",
                      ) -> Any:
        """Deduplicated events: the same event reported by several articles, with its
        report count, sources, first report and why reports were merged. Empty, with
        ``available: false`` and a note, on a store without clusters (``marsad ingest``)."""
        if format == "csv":
            return _clusters_csv(db, flt, sort)
        return db.list_clusters(flt, limit=limit, offset=offset, sort=sort).to_dict()

    @app.get("/api/clusters/{cluster_id}", tags=["clusters"], response_model=ClusterDetail,
             responses=NOT_FOUND)
    def get_cluster(db: Db, cluster_id: ClusterId) -> dict[str, Any]:
        """A cluster with its reports (full event records, first report first)."""
        cluster = db.get_cluster(cluster_id)
        if cluster is None:
            raise HTTPException(404, f"no cluster {cluster_id}"
                                + ("" if db.has_clusters() else f" ({NO_CLUSTERS_NOTE})"))
        return cluster

    @app.get("/api/actors", tags=["actors"])
    def list_actors(db: Db, q: str = "", limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
        """Actor identities, most active first."""
        return db.list_actors(q or None, limit=limit, offset=offset).to_dict()

    @app.get("/api/actors/{actor_id}", tags=["actors"], responses=NOT_FOUND)
    def get_actor(db: Db, actor_id: Id, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
        """An actor with its events (as source or target) and counts by type."""
        with db.snapshot():
            actor = db.get_actor(actor_id)
            if actor is None:
                raise HTTPException(404, f"no actor {actor_id}")
            flt = EventFilter(actor_id=actor_id)
            return {"actor": actor,
                    "events": db.list_events(flt, limit=limit, offset=offset).to_dict(),
                    "counts": db.count_events(flt, "type")}

    @app.get("/api/places", tags=["places"])
    def list_places(db: Db, q: str = "", limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
        """Places, most mentioned first."""
        return db.list_places(q or None, limit=limit, offset=offset).to_dict()

    @app.get("/api/places/{place_id}", tags=["places"], responses=NOT_FOUND)
    def get_place(db: Db, place_id: Id, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
        """A place with its events and counts by type."""
        with db.snapshot():
            place = db.get_place(place_id)
            if place is None:
                raise HTTPException(404, f"no place {place_id}")
            flt = EventFilter(place_id=place_id)
            return {"place": place,
                    "events": db.list_events(flt, limit=limit, offset=offset).to_dict(),
                    "counts": db.count_events(flt, "type")}

    @app.post("/api/extract", tags=["extract"], responses=TOO_LARGE)
    def extract(body: ExtractRequest) -> dict[str, Any]:
        """Run the configured pipeline on posted text (nothing is stored)."""
        from marsad.doc import Document
        from marsad.readers import doc_id_for

        doc = Document(text=body.text, id=doc_id_for(body.text), date=body.date, title=body.title)
        result: dict[str, Any] = state.pipeline()(doc).to_dict()
        return result

    @app.get("/api/export", tags=["export"], response_class=Response, responses={200: {
        "description": "The events as a file download.",
        "content": {"text/csv": {}, "application/x-ndjson": {}, "application/geo+json": {},
                    "application/vnd.apache.parquet": {}}}})
    def export(db: Db, flt: Filter,
               format: Annotated[str, Query(description="csv, jsonl, geojson or parquet",
                                            pattern=EXPORT_FORMATS)] = "csv") -> Response:
        """Download the filtered events as CSV (ACLED-like columns), JSONL (PLOVER records),
        GeoJSON or Parquet."""
        import tempfile

        from starlette.background import BackgroundTask

        from marsad.export import get_exporter

        exporter = get_exporter(format)
        spool = tempfile.SpooledTemporaryFile(max_size=16 << 20)  # large exports go to disk
        try:
            exporter.func(db.iter_events(flt, sort="date"), spool)  # type: ignore[arg-type]
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        name = "marsad-events-" + time.strftime("%Y%m%d") + exporter.suffix
        return StreamingResponse(iter(lambda: spool.read(1 << 16), b""),
                                 media_type=exporter.media_type,
                                 headers={"Content-Disposition": f'attachment; filename="{name}"'},
                                 background=BackgroundTask(spool.close))

    @app.api_route("/api/{rest:path}", include_in_schema=False,
                   methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    def api_not_found(request: Request, rest: str) -> JSONResponse:
        allowed = _allowed_methods(app, request)
        if allowed:
            return JSONResponse({"error": "MethodNotAllowed",
                                 "detail": f"{request.method} /api/{rest}: use {', '.join(allowed)}"},
                                405, headers={"Allow": ", ".join(allowed)})
        return JSONResponse({"error": "NotFound", "detail": f"no API route /api/{rest}"}, 404)

    from importlib import resources

    from marsad.api.pages import register_api_reference, register_pages

    static_dir = resources.files("marsad").joinpath("web/static")
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")
    register_pages(app, state)
    register_api_reference(app)
    if token:
        from marsad.api.pages import register_login

        register_login(app, token)
    return app


#: Columns of the clusters CSV (those of ``dedupe_clusters``, in order).
CLUSTER_CSV_COLUMNS = ("cluster_id", "type", "date_start", "date_end", "country", "admin1",
                       "place", "lat", "lon", "source_actor", "target_actor", "fatalities",
                       "n_mentions", "n_articles", "n_sources", "reports", "articles", "sources",
                       "first_event_id", "first_article", "first_source", "first_date",
                       "explanation")


def write_clusters_csv(records: Any, out: Any) -> int:
    """Clusters as CSV, UTF-8 with a BOM like the events export: lists joined with
    `` | ``, the explanation as JSON. Returns the number of rows."""
    import csv
    import io
    import json

    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.DictWriter(text, fieldnames=list(CLUSTER_CSV_COLUMNS), extrasaction="ignore")
    writer.writeheader()
    n = 0
    for record in records:
        row = {}
        for key in CLUSTER_CSV_COLUMNS:
            value = record.get(key)
            if key == "explanation":
                value = json.dumps(value or [], ensure_ascii=False)
            elif isinstance(value, list):
                value = " | ".join(str(v) for v in value)
            row[key] = "" if value is None else value
        writer.writerow(row)
        n += 1
    text.flush()
    text.detach()
    return n


def _clusters_csv(db: Store, flt: ClusterFilter, sort: str) -> Response:
    """Every cluster matching ``flt`` as a CSV download (spooled like the events export)."""
    import tempfile

    from starlette.background import BackgroundTask

    spool = tempfile.SpooledTemporaryFile(max_size=16 << 20)
    try:
        with db.snapshot():
            write_clusters_csv(db.iter_clusters(flt, sort=sort), spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    name = "marsad-clusters-" + time.strftime("%Y%m%d") + ".csv"
    return StreamingResponse(iter(lambda: spool.read(1 << 16), b""),
                             media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'},
                             background=BackgroundTask(spool.close))


def _allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """The methods of the API routes whose path matches the request (for a 405)."""
    from starlette.routing import Match, Route

    methods: set[str] = set()
    for route in app.routes:
        if isinstance(route, Route) and route.name != "api_not_found":
            match, _ = route.matches({**request.scope, "method": "GET"})
            if match != Match.NONE and route.methods:
                methods |= route.methods
    return sorted(methods)


def _error_lines(exc: RequestValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()]


def _jsonable_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for e in exc.errors():
        out.append({"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg")),
                    "type": str(e.get("type"))})
    return out


_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")
