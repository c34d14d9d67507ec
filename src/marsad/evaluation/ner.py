"""``marsad eval ner``: exact-span (CoNLL) precision, recall and F1 of the NER model.

The data is a CoNLL-style file (``token TAG`` a line, blank line between sentences; the
tag sets of ANERcorp, AQMAR and WikiANN are all read). Consecutive sentences are grouped
into pseudo-documents of ``--window`` sentences for the document-level post-passes (the
repeats of names found elsewhere, the curated places); ``--no-post`` scores the CRF alone.
The model's GPE is scored as LOC, the data sets' type.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

import click

from marsad.errors import InputError
from marsad.ner import NerModel, Word, load_model
from marsad.ner_data import Sentence, read_conll, score


def predict(model: NerModel, sents: Sequence[Sentence], *, window: int = 20,
            post: bool = True) -> list[list[str]]:
    """BIO predictions for every sentence, post-passes applied per window of sentences."""
    out: list[list[str]] = []
    for lo in range(0, len(sents), max(window, 1)):
        chunk = sents[lo : lo + max(window, 1)]
        words: list[Word] = []
        bounds: list[int] = []
        for k, (toks, _tags) in enumerate(chunk):
            bounds.append(len(words))
            words.extend(Word(0, 0, t, k, ()) for t in toks)
        bounds.append(len(words))
        labels = ["O"] * len(words)
        for s, e, kind, _conf in model.tag_words(words, post=post):
            kind = "LOC" if kind == "GPE" else kind
            labels[s] = "B-" + kind
            for i in range(s + 1, e):
                labels[i] = "I-" + kind
        out.extend(labels[bounds[k] : bounds[k + 1]] for k in range(len(chunk)))
    return out


def evaluate(path: Path, *, window: int = 20, post: bool = True,
             model: NerModel | None = None, head: str | None = None) -> dict[str, object]:
    """Scores of the model on one CoNLL file, with the tagging speed; ``head`` names an
    auxiliary output head of the model (``aqmar``) to use instead of the main one."""
    sents = read_conll(path)
    model = model or load_model(head=head)
    start = time.perf_counter()
    pred = predict(model, sents, window=window, post=post)
    seconds = time.perf_counter() - start
    tokens = sum(len(w) for w, _ in sents)
    result: dict[str, object] = dict(score([t for _, t in sents], pred))
    result["data"] = {"file": str(path), "sentences": len(sents), "tokens": tokens,
                      "tokens_per_second": round(tokens / seconds) if seconds else None}
    return result


@click.command()
@click.option("--data", "data", required=True, type=click.Path(path_type=Path),
              help="A CoNLL-style file: `token TAG` a line, blank lines between sentences.")
@click.option("--format", "fmt", type=click.Choice(["conll"]), default="conll",
              show_default=True, help="The data format.")
@click.option("--window", type=int, default=20, show_default=True,
              help="Sentences per pseudo-document for the document-level post-passes.")
@click.option("--no-post", is_flag=True, help="Score the tagger alone, without post-passes.")
@click.option("--head", default=None,
              help="An auxiliary output head trained on another data set's annotation "
                   "(`aqmar` for AQMAR files); default: the main (ANERcorp) head.")
def command(data: Path, fmt: str, window: int, no_post: bool, head: str | None) -> None:
    """Score the NER model on a labelled file; prints per-type and micro P/R/F1 as JSON."""
    if fmt != "conll":
        raise InputError(f"unsupported format {fmt!r}")
    result = evaluate(data, window=window, post=not no_post, head=head)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))
