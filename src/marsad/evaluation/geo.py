"""``marsad eval geo``: geocoding accuracy on place mentions from the shared news corpus.

The gold file (``marsad/data/eval/geo_gold.jsonl``, see the README beside it) holds, per
mention, the article id, character offsets into the article's ``text``, and the gold
place (GeoNames id and/or coordinates, country, admin-1, kind). The article texts are read
in place from the shared corpus; nothing of them is stored in the repository.

A gold mention is *found* when a predicted place mention overlaps its span. It is
*correct* when the prediction is within 25 km of the gold point, or in the same admin-1
unit as a gold place below country level, or — for a gold country — is that country as a
country (the city of Algiers for the country Algeria is wrong). ``exact_id_accuracy``
asks for the very GeoNames entry (or the same curated name where GeoNames has none).
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import click

from marsad.doc import Document, PlaceMention
from marsad.errors import DataError
from marsad.evaluation.corpus import CORPUS_LABEL, read_texts

RADIUS_KM = 25.0


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, a)))


def load_gold(path: Path | None = None) -> list[dict[str, Any]]:
    """The gold mentions (the packaged file unless ``path`` is given)."""
    try:
        if path is None:
            text = resources.files("marsad").joinpath("data/eval/geo_gold.jsonl").read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        gold = [json.loads(line) for line in text.splitlines() if line.strip()]
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read the geo gold file: {exc}") from exc
    for g in gold:
        if not {"article", "start", "end", "lat", "lon", "country"} <= g.keys():
            raise DataError(f"geo gold record lacks fields: {g}")
    return gold


def is_correct(pred: PlaceMention, gold: dict[str, Any]) -> bool:
    """The issue's criterion: within 25 km, or the same admin unit as the gold place."""
    if pred.lat is None or pred.lon is None:
        return False
    if gold.get("kind") == "country":
        return pred.kind == "country" and pred.country == gold["country"]
    if haversine_km(pred.lat, pred.lon, gold["lat"], gold["lon"]) <= RADIUS_KM:
        return True
    return bool(
        gold.get("admin1") and pred.admin1 == gold["admin1"] and pred.country == gold["country"]
        and pred.kind != "country"
    )


def is_exact(pred: PlaceMention, gold: dict[str, Any]) -> bool:
    """The very gazetteer entry: same GeoNames id (or same English name without one)."""
    if gold.get("geonames_id"):
        return pred.geonames_id == gold["geonames_id"]
    return pred.name_en == gold.get("name_en")


def _best_overlap(preds: Sequence[PlaceMention], start: int, end: int) -> PlaceMention | None:
    best, best_len = None, 0
    for p in preds:
        overlap = min(p.end, end) - max(p.start, start)
        if overlap > best_len and p.name is not None:
            best, best_len = p, overlap
    return best


def _geocoder(ner: bool) -> Any:
    from marsad.geo import get_resolver

    resolver = get_resolver()
    if not ner:
        return lambda text: resolver(text)
    from marsad.pipeline import Pipeline

    pipe = Pipeline(names=("sentences", "tokens", "ner"))
    return lambda text: resolver(text, pipe(Document(text=text)).entities)


def evaluate(gold_path: Path | None = None, corpus: Path | None = None, *, ner: bool = False,
             show_errors: bool = False) -> dict[str, Any]:
    """Scores of the places stage on the gold mentions."""
    gold = load_gold(gold_path)
    texts = read_texts((g["article"] for g in gold), corpus)
    geocode = _geocoder(ner)
    start = time.perf_counter()
    predictions = {aid: geocode(text) for aid, text in texts.items()}
    seconds = time.perf_counter() - start
    found = correct = exact = 0
    by_country: Counter[str] = Counter()
    by_country_ok: Counter[str] = Counter()
    errors: list[dict[str, Any]] = []
    for g in gold:
        text = texts[g["article"]]
        if "surface" in g and text[g["start"] : g["end"]] != g["surface"]:
            raise DataError(f"gold offsets do not match the corpus text: {g}")
        pred = _best_overlap(predictions[g["article"]], g["start"], g["end"])
        ok = pred is not None and is_correct(pred, g)
        found += pred is not None
        correct += ok
        exact += pred is not None and is_exact(pred, g)
        by_country[g["country"]] += 1
        by_country_ok[g["country"]] += ok
        if not ok and show_errors:
            errors.append({
                "article": g["article"], "start": g["start"], "surface": g.get("surface"),
                "gold": g.get("name_en"), "gold_country": g["country"],
                "pred": None if pred is None else pred.name_en,
                "pred_kind": None if pred is None else pred.kind,
                "pred_country": None if pred is None else pred.country,
            })
    n = len(gold)
    chars = sum(len(t) for t in texts.values())
    result: dict[str, Any] = {
        "mentions": n,
        "articles": len(texts),
        "accuracy": round(correct / n, 4) if n else 0.0,
        "exact_id_accuracy": round(exact / n, 4) if n else 0.0,
        "recall_found": round(found / n, 4) if n else 0.0,
        "accuracy_of_found": round(correct / found, 4) if found else 0.0,
        "criterion": f"within {RADIUS_KM:g} km or same admin-1 unit; countries must be the country",
        "ner": ner,
        "by_country": {
            c: {"mentions": by_country[c], "accuracy": round(by_country_ok[c] / by_country[c], 3)}
            for c in sorted(by_country, key=lambda c: -by_country[c])
        },
        "speed": {"seconds": round(seconds, 3),
                  "chars_per_second": round(chars / seconds) if seconds else None},
    }
    if show_errors:
        result["errors"] = errors
    return result


@click.command("geo")
@click.option("--gold", "gold_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Gold JSONL (default: the packaged geo_gold.jsonl).")
@click.option("--corpus", type=click.Path(dir_okay=False, path_type=Path), default=None,
              show_default=CORPUS_LABEL, help="The shared news corpus (gzipped JSONL).")
@click.option("--ner/--no-ner", default=False, show_default=True,
              help="Also run the NER stage and pass its entities to the places stage.")
@click.option("--errors", "show_errors", is_flag=True, help="List the wrong mentions too.")
def command(gold_path: Path | None, corpus: Path | None, ner: bool, show_errors: bool) -> None:
    """Geocoding accuracy on place mentions in context (JSON on stdout)."""
    result = evaluate(gold_path, corpus, ner=ner, show_errors=show_errors)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))
