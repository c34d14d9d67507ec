"""``marsad eval dates``: the times stage against hand-annotated time expressions.

The gold file (``marsad/data/eval/dates_gold.jsonl``, see the README beside it) points
into the shared corpus by reference: article id, character offsets into the article's
``text``, the article date used, and the gold ``value``/``start_date``/``end_date``/
``precision``/``kind``. Entries with ``negative: true`` are hard negatives (a name such as
«خميس الجهيناوي», «أحد» meaning 'one', «اليوم الوطني»): any expression the stage marks
over them is a false positive.

Articles whose entries say ``exhaustive: true`` have every time expression annotated
(entries with ``ignore: true`` mark vague or out-of-scope ones, neither right nor wrong):
there, any system expression that overlaps no entry is a false positive too.

Scores (JSON on stdout):
- ``accuracy``: share of the *found* gold expressions whose ``value`` is exactly right;
- ``accuracy_all``: the same over all gold expressions (a miss counts as wrong);
- ``recall``: share of gold expressions overlapped by a system expression;
- ``precision``: found gold expressions / (found + expressions over hard negatives + stray
  expressions in exhaustive articles);
- ``interval_accuracy``: share of found expressions whose start and end dates are right.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from marsad.doc import Document, TimeExpression
from marsad.errors import DataError
from marsad.evaluation.corpus import CORPUS_LABEL, iter_corpus, read_texts
from marsad.pipeline import Pipeline


def default_gold() -> Path:
    """The packaged gold file."""
    return Path(str(resources.files("marsad").joinpath("data/eval/dates_gold.jsonl")))


def load_gold(path: Path) -> list[dict[str, Any]]:
    """Read a gold JSONL file (one annotated expression a line)."""
    try:
        lines = path.read_text("utf-8").splitlines()
    except FileNotFoundError:
        raise DataError(f"gold file not found: {path}") from None
    gold = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{n}: bad gold line ({exc})") from None
        missing = {"article", "article_date", "start", "end", "text"} - item.keys()
        if missing:
            raise DataError(f"{path}:{n}: gold line lacks {', '.join(sorted(missing))}")
        gold.append(item)
    return gold


def _best(gold: dict[str, Any], found: Iterable[TimeExpression]) -> TimeExpression | None:
    best, best_overlap = None, 0
    for t in found:
        overlap = min(t.end, gold["end"]) - max(t.start, gold["start"])
        if overlap > best_overlap:
            best, best_overlap = t, overlap
    return best


def evaluate(gold_path: Path | None = None, corpus: Path | None = None, *,
             progress: bool = False) -> dict[str, Any]:
    """Score the times stage on a gold file; returns the figures and the errors."""
    gold = load_gold(gold_path or default_gold())
    texts = read_texts({g["article"] for g in gold}, corpus)
    by_article: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for g in gold:
        by_article[(g["article"], g["article_date"])].append(g)
    pipeline = Pipeline.from_config(stages=["sentences", "tokens", "times"])
    counts: Counter[str] = Counter()
    per_cat: dict[str, Counter[str]] = defaultdict(Counter)
    per_split: dict[str, Counter[str]] = defaultdict(Counter)
    errors: list[dict[str, Any]] = []
    for (article, day), items in tqdm(by_article.items(), disable=not progress, file=None):
        text = texts[article]
        doc = pipeline(Document(text=text, id=article, date=day))
        for g in items:
            if text[g["start"] : g["end"]] != g["text"]:
                raise DataError(f"gold {g['id']}: offsets do not match the article text")
            if g.get("ignore"):
                continue
            t = _best(g, doc.times)
            outcome = _score_one(g, t)
            for bucket in (counts, per_cat[g.get("category", "other")], per_split[g.get("split", "all")]):
                bucket.update(outcome)
            if "error" in outcome:
                errors.append(_error(g, t, outcome_error(outcome)))
        if any(g.get("exhaustive") for g in items):
            spans = [(g["start"], g["end"]) for g in items if g["end"] > g["start"]]
            for t in doc.times:
                if not any(t.start < e and s < t.end for s, e in spans):
                    for bucket in (counts, per_split[items[0].get("split", "all")]):
                        bucket["false_positives"] += 1
                        bucket["unannotated_false_positives"] += 1
                    errors.append({"id": article, "error": "false positive (exhaustive article)",
                                   "text": t.text, "gold": None,
                                   "system": {"text": t.text, "value": t.value}})
    result = _summary(counts, per_cat, errors)
    result["by_split"] = {k: _figures(v) for k, v in sorted(per_split.items())}
    return result


def _score_one(g: dict[str, Any], t: TimeExpression | None) -> Counter[str]:
    c: Counter[str] = Counter()
    if g.get("negative"):
        c["negatives"] += 1
        if t is not None:
            c["false_positives"] += 1
            c["error"] = 1
        return c
    c["gold"] += 1
    if t is None:
        c["error"] = 2
        return c
    c["found"] += 1
    if t.value == g["value"]:
        c["correct"] += 1
    else:
        c["error"] = 3
    if (t.start_date, t.end_date) == (g.get("start_date"), g.get("end_date")):
        c["interval_correct"] += 1
    return c


def outcome_error(outcome: Counter[str]) -> str:
    """The name of the error an outcome records."""
    return {1: "false positive", 2: "missed", 3: "wrong value"}[outcome["error"]]


def _error(g: dict[str, Any], t: TimeExpression | None, what: str) -> dict[str, Any]:
    return {"id": g["id"], "error": what, "text": g["text"], "gold": g.get("value"),
            "system": None if t is None else {"text": t.text, "value": t.value}}


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def _figures(c: Counter[str]) -> dict[str, Any]:
    return {
        "accuracy": _ratio(c["correct"], c["found"]),
        "recall": _ratio(c["found"], c["gold"]),
        "precision": _ratio(c["found"], c["found"] + c["false_positives"]),
        "gold": c["gold"], "negatives": c["negatives"],
    }


def _summary(c: Counter[str], per_cat: dict[str, Counter[str]],
             errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "accuracy": _ratio(c["correct"], c["found"]),
        "accuracy_all": _ratio(c["correct"], c["gold"]),
        "recall": _ratio(c["found"], c["gold"]),
        "precision": _ratio(c["found"], c["found"] + c["false_positives"]),
        "interval_accuracy": _ratio(c["interval_correct"], c["found"]),
        "gold": c["gold"], "found": c["found"], "correct": c["correct"],
        "negatives": c["negatives"], "false_positives": c["false_positives"],
        "unannotated_false_positives": c["unannotated_false_positives"],
        "by_category": {
            k: {"gold": v["gold"], "found": v["found"], "correct": v["correct"],
                "false_positives": v["false_positives"]}
            for k, v in sorted(per_cat.items())
        },
        "errors": errors,
    }


def speed(corpus: Path | None = None, articles: int = 500) -> dict[str, Any]:
    """CPU time of the text layer (sentences + tokens) and of the times stage on corpus
    articles spread over the whole file."""
    from marsad.times import find_times_in_doc

    docs: list[Document] = []
    for n, item in enumerate(iter_corpus(corpus)):
        if n % 72 == 0 and item.get("text"):
            docs.append(Document(text=item["text"], id=item["id"], date=item.get("date")))
        if len(docs) >= articles:
            break
    text_layer = Pipeline.from_config(stages=["sentences", "tokens"])
    text_layer(docs[0])
    t0 = time.process_time()
    tokenised = [text_layer(d) for d in docs]
    t_text = time.process_time() - t0
    t0 = time.process_time()
    found = sum(len(find_times_in_doc(d)) for d in tokenised)
    t_times = time.process_time() - t0
    chars = sum(len(d.text) for d in docs)
    return {
        "articles": len(docs), "characters": chars, "expressions": found,
        "text_layer_articles_per_second": round(len(docs) / t_text, 1) if t_text else None,
        "times_articles_per_second": round(len(docs) / t_times, 1) if t_times else None,
        "times_ms_per_article": round(1000 * t_times / len(docs), 3) if docs else None,
        "times_over_text_layer": round(t_times / t_text, 3) if t_text else None,
    }


@click.command(name="dates")
@click.option("--gold", "gold_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Gold JSONL file (default: the packaged dates_gold.jsonl).")
@click.option("--corpus", type=click.Path(dir_okay=False, path_type=Path),
              default=None, show_default=CORPUS_LABEL, help="The shared news corpus.")
@click.option("--errors/--no-errors", "show_errors", default=False,
              help="Include every error in the output.")
@click.option("--speed", "speed_articles", type=int, default=0, show_default=True,
              help="Also time the stage against the text layer on this many corpus articles.")
def command(gold_path: Path | None, corpus: Path | None, show_errors: bool, speed_articles: int) -> None:
    """Accuracy, recall and precision of the times stage on annotated expressions."""
    result = evaluate(gold_path, corpus, progress=True)
    if speed_articles > 0:
        result["speed"] = speed(corpus, speed_articles)
    if not show_errors:
        result["errors"] = len(result["errors"])
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))
