"""Evaluate actor resolution on gold actor spans with CAMEO-style codes.

Reads a file in the format of ``../shared/data/events/arabic_event_gsr/assault_spans.json``
(Open Event Data Alliance, MIT): sentences with source/target actor spans (lists of
words) and their ``{"main": country, "role": sector}`` codes. For every annotated span
(at least one of country or sector given; duplicates within a sentence counted once),
:func:`marsad.actors.resolve_span` resolves the span in its sentence (dated from the
Gigaword document id, e.g. ``AAW_ARB_20080110`` -> 2008-01-10), and the country and the
sector are compared with the gold ones. ``None`` in the gold data means "no country" /
"no sector". ``IMG`` (transnational militant group) and ``IGO`` (international
organisation) in the country slot match an ``IMG...`` / ``IGO...`` code, as CAMEO spells
them; ``INS`` and ``REB`` are counted as the same sector (the gold data has no INS).

Prints JSON: ``spans``, ``resolved`` (a mention was found), ``country_accuracy``,
``sector_accuracy`` (over all spans), ``both_accuracy``, ``sector_accuracy_resolved``, and
``country_accuracy_gold_country`` (over spans whose gold code names a country). Marsad gives
civilians and institutions the country of the article when the text names none, which the
gold data leaves empty: ``country_accuracy`` counts that as an error.

    marsad eval actors [--spans FILE.json]
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click

from marsad.errors import DataError
from marsad.paths import shared_label, shared_path

SPANS_PARTS = ("events", "arabic_event_gsr", "assault_spans.json")
DEFAULT_SPANS = shared_path(*SPANS_PARTS)
_DATE = re.compile(r"_(\d{4})(\d{2})(\d{2})")


def _gold(value: Any) -> str | None:
    if value in (None, "None", "", "UNKNOWN"):
        return None
    return str(value)


def gold_codes(role: Any) -> tuple[str | None, str | None]:
    """A gold span's ``{"main": country, "role": sector}`` as (country, sector): empty
    values are None, the sector is its first three letters, ``INS`` is counted as ``REB``
    (the gold data has no INS)."""
    if not isinstance(role, dict):
        return None, None
    country, sector = _gold(role.get("main")), _gold(role.get("role"))
    sector = sector[:3] if sector else None
    return country, "REB" if sector == "INS" else sector


def actor_codes(actor: Any) -> tuple[str | None, str | None]:
    """An actor mention's (country, sector) spelled as the gold CAMEO-style codes spell
    them: a transnational militant group (``IMG…``) or an international organisation
    (``IGO…``) has that code in the country slot; ``INS`` is counted as ``REB``."""
    if actor is None:
        return None, None
    country = actor.country
    code = actor.code or ""
    if code.startswith(("IMG", "IGO")):
        country = code[:3]
    sector = actor.sector
    return country, "REB" if sector == "INS" else sector


def gigaword_date(source: Any) -> str | None:
    """The date in a Gigaword document id (``AAW_ARB_20080110.0012`` -> ``2008-01-10``)."""
    m = _DATE.search(str(source or ""))
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else None


def evaluate_spans(path: Path) -> dict[str, Any]:
    """Score actor codes against the gold spans of ``path``."""
    from marsad.actors import resolve_span
    from marsad.doc import Document

    try:
        records = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise DataError(f"gold spans not found: {path}") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"invalid JSON in {path}: {exc}") from None
    n = resolved = country_ok = sector_ok = both_ok = sector_ok_resolved = 0
    with_country = with_country_ok = 0
    for rec in records:
        text = rec.get("text", "")
        doc = Document(text=text, date=gigaword_date(rec.get("source")))
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for span in rec.get("spans", []):
            for side in ("source", "target"):
                words = span.get(f"{side}_actor") or []
                role = span.get(f"{side}_role")
                if not words or not isinstance(role, dict):
                    continue
                gold_country, gold_sector = gold_codes(role)
                if gold_country is None and gold_sector is None:
                    continue
                key = (side, tuple(words))
                if key in seen:
                    continue
                seen.add(key)
                found = re.search(r"\s*".join(re.escape(w) for w in words), text)
                if not found:
                    continue
                actor = resolve_span(doc, found.start(), found.end())
                country, sector = actor_codes(actor)
                n += 1
                resolved += actor is not None
                country_ok += country == gold_country
                sector_ok += sector == gold_sector
                both_ok += country == gold_country and sector == gold_sector
                sector_ok_resolved += actor is not None and sector == gold_sector
                if gold_country is not None:
                    with_country += 1
                    with_country_ok += country == gold_country
    if not n:
        raise DataError(f"no annotated actor spans in {path}")
    return {
        "file": str(path),
        "spans": n,
        "resolved": resolved,
        "country_accuracy": round(country_ok / n, 4),
        "sector_accuracy": round(sector_ok / n, 4),
        "both_accuracy": round(both_ok / n, 4),
        "sector_accuracy_resolved": round(sector_ok_resolved / max(resolved, 1), 4),
        "spans_with_gold_country": with_country,
        "country_accuracy_gold_country": round(with_country_ok / max(with_country, 1), 4),
    }


@click.command("actors")
@click.option("--spans", "spans", type=click.Path(path_type=Path), default=DEFAULT_SPANS,
              show_default=shared_label(*SPANS_PARTS), help="Gold actor spans (assault_spans.json format).")
def command(spans: Path) -> None:
    """Score actor country and sector codes on gold actor spans; prints JSON."""
    click.echo(json.dumps(evaluate_spans(spans), ensure_ascii=False, indent=2))
