"""``marsad eval dedupe``: precision, recall and F1 of cross-article event deduplication
on labelled pairs of event reports.

The pairs (``marsad/data/eval/dedupe_pairs.tsv``, see the README beside it) name two
events by reference — corpus article id, event type and the character offsets of the
event's evidence — and say whether they report the same real-world event. The evaluation
reads those articles from the shared corpus, runs the full pipeline over them, finds each
labelled event again (same type, overlapping evidence), deduplicates all the events of
these articles as ``marsad run`` does, and scores "the two reports are in one cluster"
against the labels. Pairs whose events the current pipeline no longer finds are counted
as ``unresolved`` (a positive one counts as a miss in the ``strict`` scores).
"""

from __future__ import annotations

import csv
import json
import time
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import click

from marsad.errors import DataError

PAIRS_FILE = "data/eval/dedupe_pairs.tsv"
#: Pair-id prefixes: the pairs the rules were developed on, and those labelled afterwards.
SETS = {"d": "development", "h": "held_out"}


@dataclass(frozen=True)
class Pair:
    """One labelled pair of event reports."""

    pair: str
    label: bool
    type: str
    a: tuple[str, int, int]
    b: tuple[str, int, int]
    stratum: str = ""


def _span(value: str, where: str) -> tuple[int, int]:
    try:
        start, end = (int(x) for x in value.split("-"))
    except ValueError:
        raise DataError(f"{where}: evidence must be START-END, not {value!r}") from None
    return start, end


def read_pairs(path: str | Path | None = None) -> list[Pair]:
    """The labelled pairs (the packaged file by default)."""
    if path is None:
        text = resources.files("marsad").joinpath(PAIRS_FILE).read_text("utf-8")
        name = PAIRS_FILE
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise DataError(f"{path}: cannot read ({exc.strerror})") from None
        name = str(path)
    rows = csv.DictReader((line for line in text.splitlines() if not line.startswith("#")),
                          delimiter="\t")
    pairs: list[Pair] = []
    for n, row in enumerate(rows, 2):
        where = f"{name}:{n}"
        try:
            pairs.append(Pair(
                pair=row["pair"], label=row["label"].strip() == "1", type=row["type"],
                a=(row["article_a"], *_span(row["evidence_a"], where)),
                b=(row["article_b"], *_span(row["evidence_b"], where)),
                stratum=row.get("stratum") or ""))
        except (KeyError, AttributeError):
            raise DataError(f"{where}: a pair needs pair, label, type, article_a, evidence_a, "
                            "article_b, evidence_b") from None
    if not pairs:
        raise DataError(f"{name}: no labelled pairs")
    return pairs


def _analyse(ids: list[str], *, workers: int, corpus: Path | None) -> list[dict[str, Any]]:
    """The ``events`` rows of the given corpus articles, through the full pipeline."""
    from marsad.evaluation.corpus import read_articles
    from marsad.ingest import content_hash
    from marsad.readers import document_from_record
    from marsad.scale.engines import open_engine
    from marsad.scale.records import event_rows
    from marsad.scale.work import Batch, PipelineSpec

    records = read_articles(ids, corpus)
    docs = [document_from_record(records[i], fallback_id=i) for i in ids]
    items = [(n, "corpus", content_hash(d), d) for n, d in enumerate(docs)]
    batches = [Batch(k, tuple(items[k * 20:(k + 1) * 20])) for k in range(0, len(items) // 20 + 1)]
    engine = open_engine("local", PipelineSpec(), workers=workers)
    rows: list[dict[str, Any]] = []
    try:
        for result in engine.map_batches(b for b in batches if b.items):
            for a in result.articles:
                if a.error is None:
                    rows.extend(event_rows(a.doc, content_hash=a.content_hash))
    finally:
        engine.close()
    return rows


def _find(rows_by_doc: dict[str, list[dict[str, Any]]], ref: tuple[str, int, int],
          etype: str) -> str | None:
    """The event of an article with this type whose evidence overlaps the reference most."""
    doc_id, start, end = ref
    best, best_overlap = None, 0
    for row in rows_by_doc.get(doc_id, []):
        if row["type"] != etype:
            continue
        overlap = min(end, row["evidence_end"]) - max(start, row["evidence_start"])
        if overlap > best_overlap:
            best, best_overlap = row["event_id"], overlap
    return best


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def evaluate(pairs: list[Pair], *, workers: int = 1, corpus: Path | None = None,
             window_days: int = 2) -> dict[str, Any]:
    """Scores of deduplication on labelled pairs (see the module docstring)."""
    from marsad.dedupe import DedupeConfig, dedupe_rows

    started = time.perf_counter()
    ids = sorted({p.a[0] for p in pairs} | {p.b[0] for p in pairs})
    rows = _analyse(ids, workers=workers, corpus=corpus)
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_doc.setdefault(row["doc_id"], []).append(row)
    cluster_of = dedupe_rows(rows, config=DedupeConfig(window_days=window_days)).cluster_of()
    counts: dict[str, Counter[str]] = {}
    errors: list[dict[str, Any]] = []
    for p in pairs:
        tally = counts.setdefault(SETS.get(p.pair[:1], "other"), Counter())
        ea, eb = _find(by_doc, p.a, p.type), _find(by_doc, p.b, p.type)
        if ea is None or eb is None:
            tally["unresolved"] += 1
            tally["missed_positives"] += int(p.label)
            continue
        same = cluster_of.get(ea) == cluster_of.get(eb) and ea != eb
        outcome = ("tp" if p.label else "fp") if same else ("fn" if p.label else "tn")
        tally[outcome] += 1
        if outcome in ("fp", "fn"):
            errors.append({"pair": p.pair, "error": "false merge" if same else "missed duplicate",
                           "a": ea, "b": eb})
    total: Counter[str] = sum(counts.values(), Counter())
    return {
        **_scores(total),
        "sets": {name: {**_scores(c), "pairs": sum(c[k] for k in ("tp", "fp", "fn", "tn",
                                                                     "unresolved"))}
                 for name, c in sorted(counts.items())},
        "pairs": len(pairs), "positives": sum(p.label for p in pairs),
        "resolved": len(pairs) - total["unresolved"], "unresolved": total["unresolved"],
        "tp": total["tp"], "fp": total["fp"], "fn": total["fn"], "tn": total["tn"],
        "articles": len(ids), "events": len(rows),
        "seconds": round(time.perf_counter() - started, 1),
        "errors": errors,
    }


def _scores(c: Counter[str]) -> dict[str, Any]:
    """P/R/F1 of resolved pairs, and ``strict`` ones counting unresolved positives as misses."""
    return {**_prf(c["tp"], c["fp"], c["fn"]),
            "strict": _prf(c["tp"], c["fp"], c["fn"] + c["missed_positives"])}


@click.command()
@click.option("--pairs", "pairs_path", default=None, type=click.Path(dir_okay=False),
              help="A pairs TSV (default: the packaged marsad/data/eval/dedupe_pairs.tsv).")
@click.option("--corpus", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="The news corpus the pairs refer to (default: the shared corpus).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes running the pipeline.")
@click.option("--window", default=2, show_default=True, type=click.IntRange(0, 60),
              help="Days apart two reports of one event may be dated.")
def command(pairs_path: str | None, corpus: Path | None, workers: int, window: int) -> None:
    """Score event deduplication on labelled pairs; prints P/R/F1 as JSON."""
    result = evaluate(read_pairs(pairs_path), workers=workers, corpus=corpus, window_days=window)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))
