"""``marsad train events``: train the ASSAULT sentence classifier of the events stage.

Data: the training part of the Arabic event GSR (``assault_gsr.csv``, Open Event Data
Alliance, MIT). The held-out part — every sentence whose ``md5(id)`` taken as an integer
is ``< 3 (mod 10)``, about 30% — is never read here (:func:`is_heldout`).

Weak supervision (``--weak N``, default 600): to keep the classifier from tying ASSAULT to
the 2006–2008 style of the GSR, N sentences of the shared news corpus (2015–2018) that open
with a strong ASSAULT trigger (lexicon weight ≥ 0.8, within the first six words, no negation
or hypothetical cue before it) are added as positives, and N corpus sentences without any
ASSAULT trigger as negatives, each with half the weight of a GSR sentence. They are never
used to score: cross-validation and the threshold use GSR rows only.

Model: logistic regression over hashed features (:func:`marsad.events_model.sentence_features`),
full-batch Adam with L2, class-balanced. The decision threshold is the one that maximises
F1 in 5-fold cross-validation over the training part. Writes
``marsad/models/events/assault_lr.npz`` and prints the cross-validated scores as JSON.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import numpy as np
from tqdm import tqdm

from marsad.errors import DataError
from marsad.events_lexicon import load_lexicon, words_of
from marsad.events_model import DIM, save_model, sentence_features

log = logging.getLogger(__name__)

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"
DEFAULT_GSR = SHARED / "events" / "arabic_event_gsr" / "assault_gsr.csv"
DEFAULT_CORPUS = SHARED / "corpus" / "arabic_news_all_72k.jsonl.gz"
MODEL_PATH = Path(__file__).resolve().parents[1] / "models" / "events" / "assault_lr.npz"


def is_heldout(sentence_id: str) -> bool:
    """The fixed held-out rule: ``int(md5(id), 16) % 10 < 3``."""
    return int(hashlib.md5(sentence_id.encode("utf-8")).hexdigest(), 16) % 10 < 3


def read_gsr(path: Path) -> list[dict[str, str]]:
    """Rows of a GSR CSV file (``id``, ``label``, ``text``, ``event_type`` ...)."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError:
        raise DataError(f"GSR file not found: {path}") from None
    if not rows or not {"id", "label", "text"} <= set(rows[0]):
        raise DataError(f"{path}: expected columns id, label, text")
    return rows


def featurize(texts: Sequence[str]) -> list[list[int]]:
    """Hashed features of each text (as the stage computes them for a sentence)."""
    lexicon = load_lexicon()
    out = []
    for text in tqdm(texts, desc="features", unit="sent", disable=None):
        words = words_of(text)
        out.append(sentence_features(words, lexicon.match(words)))
    return out


def fit(features: Sequence[Sequence[int]], y: np.ndarray, *, l2: float = 1e-3,
        epochs: int = 300, lr: float = 0.05, weights: np.ndarray | None = None) -> np.ndarray:
    """Class-balanced L2 logistic regression on hashed binary features (full-batch Adam);
    ``weights`` scales each example."""
    n = len(features)
    rows = np.concatenate([np.full(len(f), i, dtype=np.int64) for i, f in enumerate(features)])
    cols = np.concatenate([np.asarray(f, dtype=np.int64) for f in features])
    w = np.zeros(DIM)
    m = np.zeros(DIM)
    v = np.zeros(DIM)
    pos = float(y.mean())
    sample_w = np.where(y == 1, 0.5 / pos, 0.5 / (1 - pos))
    if weights is not None:
        sample_w = sample_w * weights
    for t in range(1, epochs + 1):
        z = np.bincount(rows, weights=w[cols], minlength=n)
        p = 1.0 / (1.0 + np.exp(-z))
        err = (p - y) * sample_w / n
        g = np.bincount(cols, weights=err[rows], minlength=DIM) + l2 * w
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return w


def predict(w: np.ndarray, features: Sequence[Sequence[int]]) -> np.ndarray:
    """Probabilities for hashed feature lists."""
    z = np.array([w[np.asarray(f, dtype=np.int64)].sum() for f in features])
    return 1.0 / (1.0 + np.exp(-z))


def prf(pred: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    """Precision, recall and F1 of boolean arrays."""
    tp = int((pred & gold).sum())
    fp = int((pred & ~gold).sum())
    fn = int((~pred & gold).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "tp": tp, "fp": fp, "fn": fn}


def weak_examples(corpus: Path, n: int, *, seed: int = 0, sample: float = 0.08
                  ) -> tuple[list[str], list[str]]:
    """Weakly labelled corpus sentences: ``n`` that open with a strong ASSAULT trigger and
    ``n`` without any ASSAULT trigger (see the module docstring)."""
    import gzip
    import random

    from marsad.events_rules import load_cues
    from marsad.sentences import split_sentences

    lexicon = load_lexicon()
    cues = load_cues()
    rng = random.Random(seed)
    pos: list[str] = []
    neg: list[str] = []
    try:
        fh = gzip.open(corpus, "rt", encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"corpus not found: {corpus}") from None
    with fh:
        for line in fh:
            if rng.random() > sample:
                continue
            text = json.loads(line).get("text") or ""
            for sent in split_sentences(text):
                words = words_of(sent.text)
                content = [w for w in words if not w.is_punct]
                if not 8 <= len(content) <= 40:
                    continue
                assaults = [m for m in lexicon.match(words) if m.entry.type == "ASSAULT"]
                if not assaults:
                    if len(neg) < n and rng.random() < 0.05:
                        neg.append(sent.text)
                    continue
                first = assaults[0]
                before = [w.key for w in words[max(0, first.first - 4): first.first]]
                if len(pos) < n and first.entry.weight >= 0.8 and first.first <= 6 and not any(
                        cues.has("negator", k) or cues.has("hypothetical", k) for k in before):
                    pos.append(sent.text)
            if len(pos) >= n and len(neg) >= n:
                break
    return pos, neg


def train(gsr: Path, *, l2: float = 1e-3, epochs: int = 300, folds: int = 5,
          seed: int = 0, weak: int = 600, corpus: Path | None = None,
          weak_weight: float = 0.25) -> tuple[np.ndarray, float, dict[str, Any]]:
    """Train on the GSR training part (plus weak corpus examples); return weights,
    threshold and cross-validated scores on GSR rows."""
    rows = [r for r in read_gsr(gsr) if not is_heldout(r["id"]) and r["label"] != "ambiguous"]
    if not rows:
        raise DataError(f"{gsr}: no training rows")
    feats = featurize([r["text"] for r in rows])
    y = np.array([1.0 if r["label"] == "yes" else 0.0 for r in rows])
    w_pos: list[str] = []
    w_neg: list[str] = []
    if weak:
        w_pos, w_neg = weak_examples(corpus or DEFAULT_CORPUS, weak, seed=seed)
    weak_feats = featurize(w_pos + w_neg)
    weak_y = np.array([1.0] * len(w_pos) + [0.0] * len(w_neg))
    weak_w = np.full(len(weak_y), weak_weight)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(rows))
    parts = np.array_split(order, folds)
    cv = np.zeros(len(rows))
    for k in tqdm(range(folds), desc="cross-validation", disable=None):
        train_idx = np.concatenate([parts[j] for j in range(folds) if j != k])
        w = fit([feats[i] for i in train_idx] + weak_feats,
                np.concatenate([y[train_idx], weak_y]), l2=l2, epochs=epochs,
                weights=np.concatenate([np.ones(len(train_idx)), weak_w]))
        cv[parts[k]] = predict(w, [feats[i] for i in parts[k]])
    gold = y == 1
    best_t, best = 0.5, {"f1": -1.0}
    for t in np.arange(0.2, 0.951, 0.025):
        scores = prf(cv >= t, gold)
        if scores["f1"] > best["f1"]:
            best_t, best = float(t), scores
    weights = fit(feats + weak_feats, np.concatenate([y, weak_y]), l2=l2, epochs=epochs,
                  weights=np.concatenate([np.ones(len(y)), weak_w]))
    report = {"train_sentences": len(rows), "positives": int(gold.sum()),
              "weak_positives": len(w_pos), "weak_negatives": len(w_neg),
              "weak_weight": weak_weight,
              "threshold": round(best_t, 3), "cv": best, "l2": l2, "epochs": epochs}
    return weights, best_t, report


@click.command(name="events")
@click.option("--gsr", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_GSR,
              show_default=True, help="GSR CSV to train on (its training part only).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=MODEL_PATH,
              show_default=True, help="Where to write the model.")
@click.option("--l2", type=float, default=1e-3, show_default=True)
@click.option("--epochs", type=int, default=300, show_default=True)
@click.option("--weak", type=int, default=600, show_default=True,
              help="Weakly labelled corpus sentences of each class (0: GSR only).")
@click.option("--weak-weight", type=float, default=0.25, show_default=True,
              help="Weight of each weak example (a GSR sentence weighs 1).")
@click.option("--corpus", type=click.Path(dir_okay=False, path_type=Path),
              default=DEFAULT_CORPUS, show_default=True)
def command(gsr: Path, out: Path, l2: float, epochs: int, weak: int, weak_weight: float,
            corpus: Path) -> None:
    """Train the ASSAULT sentence classifier on the GSR training part."""
    weights, threshold, report = train(gsr, l2=l2, epochs=epochs, weak=weak, corpus=corpus,
                                       weak_weight=weak_weight)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_model(str(out), weights, threshold)
    report["model"] = str(out)
    click.echo(json.dumps(report, ensure_ascii=False, indent=2))
