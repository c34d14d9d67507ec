"""``marsad eval segmenter``: held-out accuracy of the clitic segmenter on UD Arabic.

Scores the shipped segmenter on the UD documents that training never sees (one document
in five, see :func:`marsad.training.segmenter.held_out`): the share of surface words split
exactly as UD splits them, overall and on words that carry a clitic; boundary precision
and recall; and how often an article elided after ``ل`` (``للجيش``) is restored.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from marsad.paths import shared_label
from marsad.segmenter import Segmenter, light_key, load_model_dir, load_segmenter
from marsad.training.segmenter import DEFAULT_DATA, GoldWord, held_out, load_gold


def _boundaries(word: str, split: tuple[str, str, str]) -> set[int]:
    """Boundaries of a gold split as offsets into the light key."""
    pre, stem, suf = split
    cuts = set(range(1, len(pre) + 1))
    if suf:
        cuts.add(len(pre) + len(stem))
    return cuts


def _predicted(segmenter: Segmenter, word: str) -> tuple[set[int], str]:
    """Predicted boundaries (light-key offsets) and the stem form."""
    key, keep = light_key(word)
    orig_to_key = {o: k for k, o in enumerate(keep)}
    cuts: set[int] = set()
    stem_form = ""
    for start, _end, form, kind in segmenter.segment(word):
        if start > 0:
            cuts.add(orig_to_key.get(start, len(key)))
        if kind == "stem":
            stem_form = form
    return cuts, stem_form


def evaluate(segmenter: Segmenter, words: Sequence[GoldWord]) -> dict[str, Any]:
    """Scores of ``segmenter`` on gold words."""
    def ratio(a: int, b: int) -> float:
        return round(a / b, 4) if b else 0.0

    by_source: dict[str, list[int]] = {}
    correct = clitic_total = clitic_correct = 0
    tp = fp = fn = 0
    art_total = art_ok = 0
    started = time.perf_counter()
    for gw in words:
        gold = _boundaries(gw.word, gw.split)
        pred, stem_form = _predicted(segmenter, gw.word)
        ok = gold == pred
        correct += ok
        stats = by_source.setdefault(gw.source, [0, 0, 0, 0])
        stats[0] += 1
        stats[1] += ok
        if gw.has_clitic:
            clitic_total += 1
            clitic_correct += ok
            stats[2] += 1
            stats[3] += ok
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
        if gw.article:
            art_total += 1
            art_ok += stem_form.startswith("ال")
    elapsed = time.perf_counter() - started
    return {
        "words": len(words),
        "accuracy": ratio(correct, len(words)),
        "clitic_words": clitic_total,
        "clitic_accuracy": ratio(clitic_correct, clitic_total),
        "boundary_precision": ratio(tp, tp + fp),
        "boundary_recall": ratio(tp, tp + fn),
        "elided_article_words": art_total,
        "elided_article_restored": ratio(art_ok, art_total),
        "by_source": {
            src: {"words": s[0], "accuracy": ratio(s[1], s[0]), "clitic_words": s[2],
                  "clitic_accuracy": ratio(s[3], s[2])}
            for src, s in sorted(by_source.items())
        },
        "words_per_second": round(len(words) / elapsed) if elapsed else None,
    }


def held_out_words(data_dir: Path = DEFAULT_DATA) -> list[GoldWord]:
    """The held-out gold words (never trained on)."""
    return [g for g in load_gold(data_dir) if held_out(g.doc)]


@click.command()
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
              default=DEFAULT_DATA, show_default=shared_label(), help="The shared data folder.")
@click.option("--segmenter", "name", default="default", show_default=True,
              help="Which segmenter: default (the shipped model) or rules.")
@click.option("--model", "model_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, help="Evaluate the model in this folder instead.")
def command(data_dir: Path, name: str, model_dir: Path | None) -> None:
    """Print the segmenter's held-out UD scores as JSON."""
    segmenter = load_model_dir(model_dir) if model_dir else load_segmenter(name)
    scores = evaluate(segmenter, held_out_words(data_dir))
    scores["segmenter"] = str(model_dir) if model_dir else name
    click.echo(json.dumps(scores, ensure_ascii=False, indent=2))
