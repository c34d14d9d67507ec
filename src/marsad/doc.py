"""The document model every pipeline stage shares.

Plain, frozen data classes. A stage never mutates the document it is given: it returns a
new one with :func:`dataclasses.replace`. Every span is a pair of character offsets
(``start`` inclusive, ``end`` exclusive) into the original, unmodified ``Document.text``.

``Document.to_dict()`` / ``Document.from_dict()`` give a JSON round trip that carries
``schema_version``.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any, TypeVar, Union

SCHEMA_VERSION = "1.0"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence: ``text`` is exactly ``doc.text[start:end]``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Token:
    """One segmented token (a clitic or a stem, a number, a punctuation mark ...).

    ``text`` is the surface slice ``doc.text[start:end]``; ``form`` is the token as a
    dictionary would spell it (the ``ال`` restored in ``لل``, clitics without ``+``).
    ``word`` numbers the whitespace word the token came from; ``kind`` is one of
    ``proclitic``, ``stem``, ``enclitic``, ``number``, ``latin``, ``punct``, ``symbol``.
    """

    start: int
    end: int
    text: str
    form: str
    kind: str
    word: int
    sentence: int


@dataclass(frozen=True, slots=True)
class Entity:
    """A named-entity mention. Clitics stay outside the span; a title (``العميد``)
    preceding a person is recorded in ``title`` and kept out of the name span."""

    start: int
    end: int
    text: str
    type: str
    confidence: float = 1.0
    title: str | None = None
    title_start: int | None = None
    title_end: int | None = None
    source: str = "model"


@dataclass(frozen=True, slots=True)
class ActorMention:
    """A mention resolved to an actor identity (named or generic)."""

    start: int
    end: int
    text: str
    name: str | None
    name_en: str | None
    country: str | None
    sector: str | None
    code: str | None
    kb_id: str | None
    generic: bool = False
    confidence: float = 1.0
    role: str | None = None


@dataclass(frozen=True, slots=True)
class PlaceMention:
    """A place mention resolved to a gazetteer entry."""

    start: int
    end: int
    text: str
    name: str | None
    name_en: str | None
    lat: float | None
    lon: float | None
    kind: str | None
    admin1: str | None
    country: str | None
    geonames_id: int | None
    precision: str | None
    confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class TimeExpression:
    """A time expression resolved against the article date.

    ``value`` is an ISO date (``2018-05-21``), month (``2018-05``) or year; ``start_date``
    and ``end_date`` bound it; ``precision`` is ``day``, ``week``, ``month``, ``year``,
    ``range`` or ``deadline``.
    """

    start: int
    end: int
    text: str
    value: str | None
    start_date: str | None
    end_date: str | None
    precision: str
    kind: str = "point"


@dataclass(frozen=True, slots=True)
class EventActor:
    """The source or target of an event."""

    text: str
    name: str | None = None
    country: str | None = None
    sector: str | None = None
    code: str | None = None
    kb_id: str | None = None
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True, slots=True)
class EventLocation:
    """Where an event happened."""

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


@dataclass(frozen=True, slots=True)
class Evidence:
    """The span of text that reports an event."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Event:
    """One PLOVER event."""

    type: str
    evidence: Evidence
    sentence: int
    mode: str | None = None
    contexts: tuple[str, ...] = ()
    source: EventActor | None = None
    target: EventActor | None = None
    location: EventLocation | None = None
    date: str | dict[str, str] | None = None
    date_precision: str | None = None
    confidence: float = 1.0
    negated: bool = False
    hypothetical: bool = False
    reported_by: str | None = None
    fatalities: int | None = None
    injured: int | None = None
    trigger: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """An article and everything the pipeline has found in it."""

    text: str
    id: str = ""
    date: str | None = None
    title: str | None = None
    source: str | None = None
    url: str | None = None
    sentences: tuple[Sentence, ...] = ()
    tokens: tuple[Token, ...] = ()
    entities: tuple[Entity, ...] = ()
    actors: tuple[ActorMention, ...] = ()
    places: tuple[PlaceMention, ...] = ()
    times: tuple[TimeExpression, ...] = ()
    events: tuple[Event, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The document as JSON-ready data, with ``schema_version`` first."""
        data: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        data.update(_to_jsonable(self))
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """Rebuild a document from :meth:`to_dict` output (``schema_version`` checked)."""
        version = data.get("schema_version", SCHEMA_VERSION)
        if str(version).split(".")[0] != SCHEMA_VERSION.split(".")[0]:
            from marsad.errors import SchemaError

            raise SchemaError(f"unsupported document schema version {version!r}")
        payload = {k: v for k, v in data.items() if k != "schema_version"}
        return _from_jsonable(cls, payload)

    def span_text(self, start: int, end: int) -> str:
        """The original text between two offsets."""
        return self.text[start:end]


def _to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_jsonable(v) for k, v in value.items()}
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _from_jsonable(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        for arg in args:
            if dataclasses.is_dataclass(arg) and isinstance(value, dict):
                return _from_jsonable(arg, value)
        return value
    if origin is tuple:
        (inner, *_rest) = typing.get_args(tp)
        return tuple(_from_jsonable(inner, v) for v in value)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        names = {f.name for f in dataclasses.fields(tp)}
        kwargs = {k: _from_jsonable(hints[k], v) for k, v in value.items() if k in names}
        return tp(**kwargs)
    return value
