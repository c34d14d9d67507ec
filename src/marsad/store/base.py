"""The data-layer interface: one abstract :class:`Store`, backends found by name.

Everything above the store (ingest, API, exports) talks to this interface only, so a
PostgreSQL backend can later serve a team without touching them. The SQLite backend
registers itself exactly as a plugin would::

    @register_backend("sqlite")
    def open_sqlite(location: str, **options) -> Store: ...

:func:`open_store` picks the backend from a URL scheme (``sqlite:///path``,
``postgresql://...``) or treats a plain path as SQLite.
"""

from __future__ import annotations

import abc
import contextlib
import dataclasses
import importlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from marsad.doc import Document
from marsad.errors import ConfigError

#: How events can be counted.
GROUPINGS = ("type", "mode", "day", "week", "month", "year", "country", "admin1", "source_actor",
             "target_actor", "place", "context")

#: How events can be sorted (the event id breaks ties, so paging is stable).
EVENT_SORTS = ("date", "-date", "type", "-type", "country", "-country", "id", "-id")

#: How deduplication clusters can be sorted (the cluster id breaks ties).
CLUSTER_SORTS = ("-n_mentions", "n_mentions", "-date", "date")

#: Shown (and returned by the API) when a store has no deduplication clusters.
NO_CLUSTERS_NOTE = ("this store has no deduplication clusters: they are written by "
                    "`marsad run --db` (not by `marsad ingest`)")


def filter_params(flt: Any) -> dict[str, Any]:
    """The fields of a filter dataclass that differ from their defaults (and are not empty),
    tuples as lists: what an API response echoes back."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(flt):
        value = getattr(flt, f.name)
        if value not in (None, (), f.default):
            out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


@dataclass(frozen=True)
class EventFilter:
    """Which events a listing, a count or an export covers (every field optional)."""

    types: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()
    actor: str | None = None
    country: tuple[str, ...] = ()
    place: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    q: str | None = None
    article: int | None = None
    actor_id: int | None = None
    place_id: int | None = None
    source: str | None = None
    include_negated: bool = True
    include_hypothetical: bool = True
    geolocated: bool = False
    #: One event per deduplication cluster (its first report); events outside any
    #: cluster count as their own. No effect on a store without clusters.
    dedupe: bool = False
    #: Only the reports of this deduplication cluster (none on a store without clusters).
    cluster: str | None = None

    def as_params(self) -> dict[str, Any]:
        """The non-empty fields, for echoing back in API responses."""
        return filter_params(self)


@dataclass(frozen=True)
class ClusterFilter:
    """Which deduplication clusters a listing or an export covers (every field optional).
    Dates select clusters whose date range overlaps ``date_from`` .. ``date_to``."""

    types: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    min_mentions: int = 1

    def as_params(self) -> dict[str, Any]:
        """The non-default fields, for echoing back in API responses."""
        return filter_params(self)


@dataclass(frozen=True)
class Page:
    """One page of results: the items, the total that match, and where the page starts."""

    items: list[dict[str, Any]]
    total: int
    offset: int
    limit: int
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"total", "offset", "limit", "items", ...extra}``."""
        data: dict[str, Any] = {"total": self.total, "offset": self.offset, "limit": self.limit}
        data.update(self.extra)
        data["items"] = self.items
        return data


@dataclass(frozen=True)
class AddResult:
    """What :meth:`Store.add_document` did: the article id, and whether it was new."""

    article_id: int
    added: bool
    events: int = 0


class Store(abc.ABC):
    """Articles, their annotations and their events, with search."""

    location: str

    # ----------------------------------------------------------------- writing
    @abc.abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """A context in which writes are committed together (rolled back on error)."""

    @abc.abstractmethod
    def has_content(self, content_hash: str) -> bool:
        """True when an article with this content hash is already stored."""

    @abc.abstractmethod
    def add_document(self, doc: Document, *, content_hash: str, origin: str | None = None) -> AddResult:
        """Store an analysed document (a no-op when its content hash is already stored)."""

    # ----------------------------------------------------------------- reading
    @abc.abstractmethod
    def search_articles(self, query: str | None, *, limit: int = 20, offset: int = 0,
                        date_from: str | None = None, date_to: str | None = None,
                        source: str | None = None, sort: str = "relevance") -> Page:
        """Articles matching a full-text query (all articles when it is empty)."""

    @abc.abstractmethod
    def get_article(self, article_id: int) -> dict[str, Any] | None:
        """One article with its text, annotations and events, or None."""

    @abc.abstractmethod
    def list_events(self, flt: EventFilter, *, limit: int = 50, offset: int = 0,
                    sort: str = "-date") -> Page:
        """Events matching a filter, one page, in a stable order."""

    @abc.abstractmethod
    def iter_events(self, flt: EventFilter, *, sort: str = "date") -> Iterator[dict[str, Any]]:
        """Every event matching a filter (for exports), streamed."""

    @abc.abstractmethod
    def count_events(self, flt: EventFilter, by: str, *, limit: int = 200) -> list[dict[str, Any]]:
        """Event counts grouped by one of :data:`GROUPINGS`."""

    @abc.abstractmethod
    def facets(self, flt: EventFilter, *, names: Sequence[str] = ("type", "mode", "country"),
               limit: int = 30) -> dict[str, list[dict[str, Any]]]:
        """Counts for several groupings at once (for the events table's facets)."""

    @abc.abstractmethod
    def get_actor(self, actor_id: int) -> dict[str, Any] | None:
        """An actor identity with its mention count, or None."""

    @abc.abstractmethod
    def list_actors(self, q: str | None = None, *, limit: int = 50, offset: int = 0) -> Page:
        """Actor identities, most mentioned first."""

    @abc.abstractmethod
    def get_place(self, place_id: int) -> dict[str, Any] | None:
        """A place with its coordinates and mention count, or None."""

    @abc.abstractmethod
    def list_places(self, q: str | None = None, *, limit: int = 50, offset: int = 0) -> Page:
        """Places, most mentioned first."""

    def get_event(self, event_id: str) -> dict[str, Any] | None:
        """One event record by its id, or None (backends should override this scan)."""
        return next((e for e in self.iter_events(EventFilter(), sort="id") if e["id"] == event_id),
                    None)

    # ------------------------------------------------- deduplication clusters (optional)
    # ``marsad run`` writes clusters of the same event reported by several articles; a
    # store without them (``marsad ingest``, other backends) answers with these defaults.
    def has_clusters(self) -> bool:
        """True when the store holds deduplication clusters."""
        return False

    def list_clusters(self, flt: ClusterFilter, *, limit: int = 50, offset: int = 0,
                      sort: str = "-n_mentions") -> Page:
        """Deduplication clusters matching a filter, one page (sorts: :data:`CLUSTER_SORTS`);
        ``extra`` says whether the store has clusters at all (``available``)."""
        return Page([], 0, offset, limit, {"filters": flt.as_params(), "sort": sort,
                                           "available": False, "note": NO_CLUSTERS_NOTE})

    def iter_clusters(self, flt: ClusterFilter, *,
                      sort: str = "date") -> Iterator[dict[str, Any]]:
        """Every cluster matching a filter (for exports), streamed."""
        return iter(())

    def get_cluster(self, cluster_id: str) -> dict[str, Any] | None:
        """One cluster with its reports (``members``: event records, first report first,
        each with ``is_first``), or None."""
        return None

    def cluster_of(self, event_id: str) -> dict[str, Any] | None:
        """The cluster an event belongs to (without its members), or None."""
        return None

    def snapshot(self) -> AbstractContextManager[None]:
        """A context in which every read sees the same state of the store, even while
        another process writes (backends without read transactions: a no-op)."""
        return contextlib.nullcontext()

    @abc.abstractmethod
    def stats(self) -> dict[str, Any]:
        """How many articles, events, actors and places the store holds."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


BackendFactory = Callable[..., Store]

_BACKENDS: dict[str, BackendFactory] = {}

#: Built-in backends, imported on first use.
BUILTIN_BACKENDS: dict[str, str] = {"sqlite": "marsad.store.sqlite"}


def register_backend(name: str) -> Callable[[BackendFactory], BackendFactory]:
    """Register a store backend factory under ``name`` (decorator)."""

    def decorator(factory: BackendFactory) -> BackendFactory:
        _BACKENDS[name] = factory
        return factory

    return decorator


def get_backend(name: str) -> BackendFactory:
    """The factory of a backend, importing a built-in one on first use."""
    if name not in _BACKENDS and name in BUILTIN_BACKENDS:
        importlib.import_module(BUILTIN_BACKENDS[name])
    if name not in _BACKENDS:
        known = ", ".join(sorted(set(_BACKENDS) | set(BUILTIN_BACKENDS)))
        raise ConfigError(f"unknown store backend {name!r} (known: {known})")
    return _BACKENDS[name]


def open_store(location: str, *, readonly: bool = False, **options: Any) -> Store:
    """Open a store: ``sqlite:///path/to.db``, ``NAME://...`` for a registered backend, or a
    plain file path (SQLite)."""
    if "://" in location:
        scheme, rest = location.split("://", 1)
        backend = scheme.split("+")[0]
        if backend == "sqlite":  # sqlite:///relative.db, sqlite:////absolute.db
            location = rest[1:] if rest.startswith("/") else rest
    else:
        backend = "sqlite"
    return get_backend(backend)(location, readonly=readonly, **options)
