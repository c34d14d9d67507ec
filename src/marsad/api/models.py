"""Response shapes of the JSON API (documented in ``/openapi.json``).

They describe what :mod:`marsad.store` returns; extra keys are allowed so a backend can add
fields without breaking clients.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Snippet(_Open):
    """An excerpt of an article around the first match."""

    text: str
    highlights: list[list[int]] = Field(description="[start, end] of each match in `text`.")


class ArticleHit(_Open):
    """One article in a search result."""

    id: int
    doc_id: str
    title: str | None
    date: str | None
    source: str | None
    url: str | None
    n_events: int
    snippet: Snippet


class ArticlePage(_Open):
    """One page of articles."""

    total: int
    offset: int
    limit: int
    query: str
    took_ms: float
    items: list[ArticleHit]


class EventActorOut(_Open):
    """The source or the target of an event (``actor_id`` links to /api/actors/{id})."""

    text: str
    name: str | None = None
    country: str | None = None
    sector: str | None = None
    code: str | None = None
    kb_id: str | None = None
    start: int | None = None
    end: int | None = None
    actor_id: int | None = None


class EventLocationOut(_Open):
    """Where an event happened (``place_id`` links to /api/places/{id})."""

    text: str
    name: str | None = None
    lat: float | None = None
    lon: float | None = None
    country: str | None = None
    admin1: str | None = None
    geonames_id: int | None = None
    precision: str | None = None
    start: int | None = None
    end: int | None = None
    place_id: int | None = None


class EvidenceOut(_Open):
    """The text that reports an event: offsets into the article text."""

    start: int
    end: int
    text: str


class ArticleRef(_Open):
    """The article an event comes from."""

    id: int
    doc_id: str
    title: str | None = None
    date: str | None = None
    source: str | None = None
    url: str | None = None


class EventRecord(_Open):
    """A full PLOVER event record."""

    id: str
    index: int = Field(description="Position of the event in its article (anchor #ev-N).")
    type: str
    mode: str | None
    contexts: list[str]
    source: EventActorOut | None
    target: EventActorOut | None
    location: EventLocationOut | None
    date: str | dict[str, str] | None
    date_start: str | None
    date_end: str | None
    date_precision: str | None
    evidence: EvidenceOut
    sentence: int | None
    confidence: float | None
    negated: bool
    hypothetical: bool
    reported_by: str | None
    fatalities: int | None
    injured: int | None
    trigger: str | None
    article: ArticleRef
    cluster_id: str | None = Field(
        default=None, description="Its deduplication cluster (/api/clusters/{id}); present "
                                  "when the store has clusters (null: not deduplicated yet).")
    n_mentions: int | None = Field(
        default=None, description="How many reports its cluster has (with `cluster_id`).")


class ClusterMerge(_Open):
    """Why two reports were merged: their event ids, the score and the reasons."""

    a: str
    b: str
    score: int | float
    reasons: list[str]


class ClusterRecord(_Open):
    """One deduplicated event: the same event reported by one or more articles. Its id is
    the event id of its first report."""

    cluster_id: str
    type: str | None = None
    date_start: str | None = None
    date_end: str | None = None
    country: str | None = None
    admin1: str | None = None
    place: str | None = None
    lat: float | None = None
    lon: float | None = None
    source_actor: str | None = None
    target_actor: str | None = None
    fatalities: int | None = None
    n_mentions: int = Field(description="Reports (events) merged into this one.")
    n_articles: int | None = None
    n_sources: int | None = None
    reports: list[str] = Field(default_factory=list, description="Event ids, first report first.")
    articles: list[str] = Field(default_factory=list, description="Article doc ids.")
    sources: list[str] = Field(default_factory=list, description="Publications.")
    first_event_id: str | None = None
    first_article: str | None = None
    first_source: str | None = None
    first_date: str | None = None
    explanation: list[ClusterMerge] = Field(default_factory=list,
                                            description="The merges that formed the cluster.")


class ClusterPage(_Open):
    """One page of deduplication clusters. ``available`` is false (with a ``note``) when
    the store has none (a store filled by ``marsad ingest``)."""

    total: int
    offset: int
    limit: int
    filters: dict[str, Any]
    sort: str
    available: bool
    note: str | None = None
    items: list[ClusterRecord]


class ClusterMember(EventRecord):
    """A report of a cluster: the full event record, and whether it is the first report."""

    is_first: bool


class ClusterDetail(ClusterRecord):
    """A cluster with its reports (first report first)."""

    members: list[ClusterMember]


class Count(_Open):
    """One group of a count (``label`` names actors and places)."""

    key: Any
    count: int
    label: str | None = None


class EventPage(_Open):
    """One page of events, with the filters that selected them."""

    total: int
    offset: int
    limit: int
    filters: dict[str, Any]
    sort: str
    items: list[EventRecord]
    facets: dict[str, list[Count]] | None = None


class Counts(_Open):
    """Event counts grouped one way."""

    by: str
    filters: dict[str, Any]
    counts: list[Count]


class Stats(_Open):
    """What the store holds."""

    articles: int
    events: int
    actors: int
    places: int
    entities: int
    first_date: str | None
    last_date: str | None
    schema_version: int
    backend: str
    clusters: int | None = Field(default=None, description="Deduplicated events (clusters) "
                                 "when `marsad run` wrote them; null otherwise.")


class ErrorOut(BaseModel):
    """An error: its kind (``NotFound``, ``ValidationError``, ``InputError``,
    ``Unauthorized``, ``PayloadTooLarge``...) and what went wrong."""

    error: str
    detail: Any
