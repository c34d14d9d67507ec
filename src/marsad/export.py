"""Exports of stored events, by format name: ``csv``, ``jsonl``, ``geojson``, ``parquet``.

An exporter writes an iterable of event records (as :meth:`Store.iter_events` yields them)
to a binary file object. Register more with :func:`register_exporter`.
:func:`export_to_path` writes to a temporary file beside the target and renames it, so a
reader never sees a half-written file, and never overwrites without ``force``.

The CSV has ACLED-like columns (:data:`CSV_COLUMNS`); JSONL holds the full PLOVER records;
GeoJSON is a FeatureCollection of the geolocated events; Parquet has the CSV columns plus
the identifiers and flags, typed.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from marsad.errors import InputError

Record = dict[str, Any]
ExportFunc = Callable[[Iterable[Record], BinaryIO], int]

#: ACLED-like columns of the CSV export, in order.
CSV_COLUMNS = (
    "event_id", "event_date", "event_type", "sub_event_type", "actor1", "actor1_code",
    "actor2", "actor2_code", "country", "admin1", "location", "latitude", "longitude",
    "geo_precision", "time_precision", "source", "notes", "fatalities", "injured",
    "negated", "hypothetical", "confidence",
)
"""ACLED's names where the meaning is the same; ``actor1_code``/``actor2_code`` are the
PLOVER/CAMEO-style codes (country + sector), and ``negated``/``hypothetical`` (0/1) let a
spreadsheet user leave out what the text denies or only foresees (``marsad export
--exclude-negated --exclude-hypothetical`` leaves them out of the file)."""


@dataclass(frozen=True)
class Exporter:
    """A registered export format."""

    name: str
    suffix: str
    media_type: str
    func: ExportFunc
    description: str = ""


_EXPORTERS: dict[str, Exporter] = {}


def register_exporter(name: str, *, suffix: str, media_type: str,
                      description: str = "") -> Callable[[ExportFunc], ExportFunc]:
    """Register an export function under a format name (decorator)."""

    def decorator(func: ExportFunc) -> ExportFunc:
        _EXPORTERS[name] = Exporter(name, suffix, media_type, func,
                                    description or (func.__doc__ or "").strip().split("\n")[0])
        return func

    return decorator


def get_exporter(name: str) -> Exporter:
    """The exporter for a format name (:class:`InputError` if unknown)."""
    if name not in _EXPORTERS:
        raise InputError(f"unknown export format {name!r} (known: {', '.join(sorted(_EXPORTERS))})")
    return _EXPORTERS[name]


def available_formats() -> list[str]:
    """Names of the registered export formats."""
    return sorted(_EXPORTERS)


# ---------------------------------------------------------------------------- mapping

_GEO_PRECISION = {"exact": 1, "point": 1, "city": 1, "town": 1, "village": 1, "locality": 1,
                  "neighbourhood": 1, "neighborhood": 1, "site": 1, "admin2": 2, "district": 2,
                  "region": 2, "area": 2, "admin1": 3, "province": 3, "state": 3, "country": 3}
_TIME_PRECISION = {"day": 1, "week": 2, "range": 2, "deadline": 2, "month": 3, "year": 3}


def _actor_label(actor: Record | None) -> str:
    if not actor:
        return ""
    return str(actor.get("name") or actor.get("text") or "")


def _code(actor: Record | None) -> str:
    if not actor:
        return ""
    bits = [actor.get("code") or "", actor.get("country") or "", actor.get("sector") or ""]
    code = bits[0]
    return code or " ".join(b for b in bits[1:] if b)


def acled_row(record: Record) -> dict[str, Any]:
    """One event record as a row of ACLED-like columns (see :data:`CSV_COLUMNS`)."""
    loc = record.get("location") or {}
    article = record.get("article") or {}
    precision = (loc.get("precision") or "").lower()
    source = " | ".join(str(x) for x in (article.get("source"), article.get("url") or
                                         article.get("doc_id")) if x)
    return {
        "event_id": record["id"],
        "event_date": record.get("date_start") or article.get("date") or "",
        "event_type": record["type"],
        "sub_event_type": record.get("mode") or "",
        "actor1": _actor_label(record.get("source")),
        "actor1_code": _code(record.get("source")),
        "actor2": _actor_label(record.get("target")),
        "actor2_code": _code(record.get("target")),
        "country": loc.get("country") or "",
        "admin1": loc.get("admin1") or "",
        "location": loc.get("name") or loc.get("text") or "",
        "latitude": loc.get("lat"),
        "longitude": loc.get("lon"),
        "geo_precision": _GEO_PRECISION.get(precision, "") if precision else "",
        "time_precision": _TIME_PRECISION.get(record.get("date_precision") or "", ""),
        "source": source,
        "notes": (record.get("evidence") or {}).get("text", ""),
        "fatalities": record.get("fatalities") if record.get("fatalities") is not None else "",
        "injured": record.get("injured") if record.get("injured") is not None else "",
        "negated": int(bool(record.get("negated"))),
        "hypothetical": int(bool(record.get("hypothetical"))),
        "confidence": record.get("confidence") if record.get("confidence") is not None else "",
    }


# ---------------------------------------------------------------------------- formats


@register_exporter("csv", suffix=".csv", media_type="text/csv; charset=utf-8")
def export_csv(records: Iterable[Record], out: BinaryIO) -> int:
    """CSV with ACLED-like columns, UTF-8 with a BOM (so spreadsheets read the Arabic)."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.DictWriter(text, fieldnames=list(CSV_COLUMNS))
    writer.writeheader()
    n = 0
    for record in records:
        row = acled_row(record)
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
        n += 1
    text.flush()
    text.detach()
    return n


@register_exporter("jsonl", suffix=".jsonl", media_type="application/x-ndjson")
def export_jsonl(records: Iterable[Record], out: BinaryIO) -> int:
    """One full PLOVER record per line (actors, location, date, evidence, flags, article)."""
    n = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
        n += 1
    return n


@register_exporter("geojson", suffix=".geojson", media_type="application/geo+json")
def export_geojson(records: Iterable[Record], out: BinaryIO) -> int:
    """A GeoJSON FeatureCollection: one Point per geolocated event (others are left out)."""
    out.write(b'{"type": "FeatureCollection", "features": [\n')
    n = 0
    for record in records:
        loc = record.get("location") or {}
        if loc.get("lat") is None or loc.get("lon") is None:
            continue
        props = acled_row(record)
        props.pop("latitude")
        props.pop("longitude")
        props["article_id"] = (record.get("article") or {}).get("id")
        props["contexts"] = record.get("contexts") or []
        feature = {"type": "Feature", "id": record["id"],
                   "geometry": {"type": "Point", "coordinates": [loc["lon"], loc["lat"]]},
                   "properties": props}
        out.write((b",\n" if n else b"") + json.dumps(feature, ensure_ascii=False).encode("utf-8"))
        n += 1
    out.write(b"\n]}\n")
    return n


_PARQUET_EXTRA = ("article_id", "source_country", "source_sector", "source_code",
                  "target_country", "target_sector", "target_code", "contexts", "date_end")


def _parquet_row(record: Record) -> dict[str, Any]:
    row = acled_row(record)
    for k in ("geo_precision", "time_precision", "fatalities"):
        row[k] = row[k] if row[k] != "" else None
    src, tgt = record.get("source") or {}, record.get("target") or {}
    row.update({
        "article_id": (record.get("article") or {}).get("id"),
        "source_country": src.get("country"), "source_sector": src.get("sector"),
        "source_code": src.get("code"), "target_country": tgt.get("country"),
        "target_sector": tgt.get("sector"), "target_code": tgt.get("code"),
        "contexts": list(record.get("contexts") or []), "confidence": record.get("confidence"),
        "negated": bool(record.get("negated")), "hypothetical": bool(record.get("hypothetical")),
        "injured": record.get("injured"), "date_end": record.get("date_end"),
    })
    return row


@register_exporter("parquet", suffix=".parquet", media_type="application/vnd.apache.parquet")
def export_parquet(records: Iterable[Record], out: BinaryIO) -> int:
    """Parquet (pyarrow): the CSV columns, typed, plus ids, codes, contexts and flags."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    string = pa.string()
    types = {c: string for c in CSV_COLUMNS}
    types.update({"latitude": pa.float64(), "longitude": pa.float64(),
                  "geo_precision": pa.int8(), "time_precision": pa.int8(),
                  "fatalities": pa.int32(), "article_id": pa.int64(),
                  "source_country": string, "source_sector": string, "source_code": string,
                  "target_country": string, "target_sector": string, "target_code": string,
                  "contexts": pa.list_(string), "confidence": pa.float64(),
                  "negated": pa.bool_(), "hypothetical": pa.bool_(), "injured": pa.int32(),
                  "date_end": string})
    schema = pa.schema([(name, types[name]) for name in (*CSV_COLUMNS, *_PARQUET_EXTRA)])
    n = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        batch: list[dict[str, Any]] = []
        for record in records:
            batch.append(_parquet_row(record))
            n += 1
            if len(batch) >= 5000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch or n == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    return n


# ---------------------------------------------------------------------------- files


def export_to_path(records: Iterable[Record], fmt: str, path: str | Path, *,
                   force: bool = False) -> int:
    """Write an export to ``path`` atomically (temp file + rename); refuses to overwrite
    an existing file unless ``force``. Returns the number of events written."""
    exporter = get_exporter(fmt)
    target = Path(path)
    if target.exists() and not force:
        raise InputError(f"{target}: already exists (use --force to overwrite)")
    if target.is_dir():
        raise InputError(f"{target}: is a folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            n = exporter.func(records, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return n


def export_to_bytes(records: Iterable[Record], fmt: str) -> bytes:
    """An export in memory (for the API's downloads)."""
    buf = io.BytesIO()
    get_exporter(fmt).func(records, buf)
    return buf.getvalue()
