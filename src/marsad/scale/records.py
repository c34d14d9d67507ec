"""Flat, typed rows of an analysed article and of its events (what ``marsad run --out``
writes to Parquet and what :mod:`marsad.dedupe` reads).

One function per table turns a :class:`~marsad.doc.Document` into plain dicts; the
PyArrow schemas beside them fix the column types, so every part file of a run has the
same schema whichever engine wrote it. Event ids are ``<content hash[:12]>-<index>``,
the same ids the SQLite store gives.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from marsad.doc import Document, Event, EventActor

#: Partition value for rows without a usable date.
UNKNOWN_PARTITION = "unknown"

ARTICLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("doc_id", "string"), ("content_hash", "string"), ("origin", "string"),
    ("date", "string"), ("title", "string"), ("source", "string"), ("url", "string"),
    ("n_chars", "int64"), ("n_tokens", "int64"), ("n_entities", "int64"),
    ("n_actors", "int64"), ("n_places", "int64"), ("n_events", "int64"),
    ("status", "string"), ("error", "string"), ("text", "string"), ("annotations", "string"),
)

_ACTOR_FIELDS = ("text", "name", "country", "sector", "code", "kb_id", "start", "end")
_LOCATION_FIELDS = ("text", "name", "lat", "lon", "country", "admin1", "geonames_id",
                    "precision", "start", "end")

EVENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("event_id", "string"), ("doc_id", "string"), ("content_hash", "string"),
    ("idx", "int64"), ("type", "string"), ("mode", "string"), ("contexts", "list<string>"),
    *((f"source_{f}", "int64" if f in ("start", "end") else "string") for f in _ACTOR_FIELDS),
    *((f"target_{f}", "int64" if f in ("start", "end") else "string") for f in _ACTOR_FIELDS),
    *((f"location_{f}", {"lat": "float64", "lon": "float64", "geonames_id": "int64",
                         "start": "int64", "end": "int64"}.get(f, "string"))
      for f in _LOCATION_FIELDS),
    ("date", "string"), ("date_start", "string"), ("date_end", "string"),
    ("date_precision", "string"), ("evidence_start", "int64"), ("evidence_end", "int64"),
    ("evidence_text", "string"), ("sentence", "int64"), ("confidence", "float64"),
    ("negated", "bool"), ("hypothetical", "bool"), ("reported_by", "string"),
    ("fatalities", "int64"), ("injured", "int64"), ("trigger", "string"),
    ("article_date", "string"), ("article_source", "string"), ("article_title", "string"),
    ("article_url", "string"),
)


def arrow_schema(columns: tuple[tuple[str, str], ...]) -> Any:
    """The PyArrow schema of a column list (``string``, ``int64``, ``float64``, ``bool``,
    ``list<string>``)."""
    import pyarrow as pa

    kinds = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(),
             "bool": pa.bool_(), "list<string>": pa.list_(pa.string())}
    return pa.schema([(name, kinds[kind]) for name, kind in columns])


def event_id(content_hash: str, idx: int) -> str:
    """The id of an article's ``idx``-th event (as the SQLite store names it)."""
    return f"{content_hash[:12]}-{idx}"


def month_partition(date: str | None) -> str:
    """``YYYY-MM`` of an ISO date (or :data:`UNKNOWN_PARTITION`)."""
    if date and len(date) >= 7 and date[:4].isdigit() and date[5:7].isdigit() and date[4] == "-":
        return date[:7]
    return UNKNOWN_PARTITION


def article_row(doc: Document, *, content_hash: str, origin: str, n_tokens: int,
                error: str | None = None) -> dict[str, Any]:
    """One row of the ``articles`` table (the annotations as JSON, without tokens)."""
    annotations = ""
    if error is None:
        data = dataclasses.replace(doc, tokens=(), text="").to_dict()
        for key in ("text", "tokens", "schema_version", "id", "date", "title", "source", "url"):
            data.pop(key, None)
        annotations = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return {
        "doc_id": doc.id or content_hash[:16], "content_hash": content_hash, "origin": origin,
        "date": doc.date, "title": doc.title, "source": doc.source, "url": doc.url,
        "n_chars": len(doc.text), "n_tokens": n_tokens, "n_entities": len(doc.entities),
        "n_actors": len(doc.actors), "n_places": len(doc.places), "n_events": len(doc.events),
        "status": "ok" if error is None else "error", "error": error, "text": doc.text,
        "annotations": annotations,
    }


def _date_bounds(value: str | None) -> tuple[str | None, str | None]:
    from marsad.store.sqlite import date_bounds

    return date_bounds(value)


def _actor_values(prefix: str, actor: EventActor | None) -> dict[str, Any]:
    return {f"{prefix}_{f}": (getattr(actor, f) if actor is not None else None)
            for f in _ACTOR_FIELDS}


def event_row(doc: Document, event: Event, idx: int, *, content_hash: str) -> dict[str, Any]:
    """One row of the ``events`` table: the event flattened, with its article's metadata."""
    if isinstance(event.date, dict):
        start = _date_bounds(event.date.get("start"))[0]
        end = _date_bounds(event.date.get("end"))[1] or start
        date_text: str | None = json.dumps(event.date, ensure_ascii=False, sort_keys=True)
    else:
        start, end = _date_bounds(event.date or doc.date)
        date_text = event.date
    loc = event.location
    row: dict[str, Any] = {
        "event_id": event_id(content_hash, idx), "doc_id": doc.id or content_hash[:16],
        "content_hash": content_hash, "idx": idx, "type": event.type, "mode": event.mode,
        "contexts": list(event.contexts),
        **_actor_values("source", event.source), **_actor_values("target", event.target),
        **{f"location_{f}": (getattr(loc, f) if loc is not None else None)
           for f in _LOCATION_FIELDS},
        "date": date_text, "date_start": start, "date_end": end,
        "date_precision": event.date_precision, "evidence_start": event.evidence.start,
        "evidence_end": event.evidence.end, "evidence_text": event.evidence.text,
        "sentence": event.sentence, "confidence": event.confidence, "negated": event.negated,
        "hypothetical": event.hypothetical, "reported_by": event.reported_by,
        "fatalities": event.fatalities, "injured": event.injured, "trigger": event.trigger,
        "article_date": doc.date, "article_source": doc.source, "article_title": doc.title,
        "article_url": doc.url,
    }
    return row


def event_rows(doc: Document, *, content_hash: str) -> list[dict[str, Any]]:
    """The ``events`` rows of an analysed document, in the document's order."""
    return [event_row(doc, e, i, content_hash=content_hash) for i, e in enumerate(doc.events)]


def row_from_store_record(record: dict[str, Any]) -> dict[str, Any]:
    """An event record from :meth:`marsad.store.Store.iter_events` as an ``events`` row."""
    article = record.get("article") or {}
    src, tgt, loc = record.get("source"), record.get("target"), record.get("location")
    date = record.get("date")
    row: dict[str, Any] = {
        "event_id": record["id"], "doc_id": article.get("doc_id"),
        "content_hash": None, "idx": record.get("index"), "type": record["type"],
        "mode": record.get("mode"), "contexts": list(record.get("contexts") or []),
        **{f"source_{f}": (src or {}).get(f) for f in _ACTOR_FIELDS},
        **{f"target_{f}": (tgt or {}).get(f) for f in _ACTOR_FIELDS},
        **{f"location_{f}": (loc or {}).get(f) for f in _LOCATION_FIELDS},
        "date": json.dumps(date, ensure_ascii=False, sort_keys=True)
        if isinstance(date, dict) else date,
        "date_start": record.get("date_start"), "date_end": record.get("date_end"),
        "date_precision": record.get("date_precision"),
        "evidence_start": (record.get("evidence") or {}).get("start"),
        "evidence_end": (record.get("evidence") or {}).get("end"),
        "evidence_text": (record.get("evidence") or {}).get("text"),
        **{k: record.get(k) for k in ("sentence", "confidence", "reported_by", "fatalities",
                                      "injured", "trigger")},
        "negated": bool(record.get("negated")), "hypothetical": bool(record.get("hypothetical")),
        "article_date": article.get("date"), "article_source": article.get("source"),
        "article_title": article.get("title"), "article_url": article.get("url"),
    }
    return row
