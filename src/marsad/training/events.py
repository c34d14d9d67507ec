"""``marsad train events``: train the ASSAULT sentence classifier of the events stage.

Data: the training part of the Arabic event GSR (``assault_gsr.csv``, Open Event Data
Alliance, MIT). The held-out part — every sentence whose ``md5(id)`` taken as an integer
is ``< 3 (mod 10)``, about 30% — is never read here (:func:`is_heldout`).

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
        epochs: int = 300, lr: float = 0.05) -> np.ndarray:
    """Class-balanced L2 logistic regression on hashed binary features (full-batch Adam)."""
    n = len(features)
    rows = np.concatenate([np.full(len(f), i, dtype=np.int64) for i, f in enumerate(features)])
    cols = np.concatenate([np.asarray(f, dtype=np.int64) for f in features])
    w = np.zeros(DIM)
    m = np.zeros(DIM)
    v = np.zeros(DIM)
    pos = float(y.mean())
    sample_w = np.where(y == 1, 0.5 / pos, 0.5 / (1 - pos))
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


def train(gsr: Path, *, l2: float = 1e-3, epochs: int = 300, folds: int = 5,
          seed: int = 0) -> tuple[np.ndarray, float, dict[str, Any]]:
    """Train on the GSR training part; return weights, threshold and CV scores."""
    rows = [r for r in read_gsr(gsr) if not is_heldout(r["id"]) and r["label"] != "ambiguous"]
    if not rows:
        raise DataError(f"{gsr}: no training rows")
    feats = featurize([r["text"] for r in rows])
    y = np.array([1.0 if r["label"] == "yes" else 0.0 for r in rows])
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(rows))
    parts = np.array_split(order, folds)
    cv = np.zeros(len(rows))
    for k in tqdm(range(folds), desc="cross-validation", disable=None):
        train_idx = np.concatenate([parts[j] for j in range(folds) if j != k])
        w = fit([feats[i] for i in train_idx], y[train_idx], l2=l2, epochs=epochs)
        cv[parts[k]] = predict(w, [feats[i] for i in parts[k]])
    gold = y == 1
    best_t, best = 0.5, {"f1": -1.0}
    for t in np.arange(0.2, 0.951, 0.025):
        scores = prf(cv >= t, gold)
        if scores["f1"] > best["f1"]:
            best_t, best = float(t), scores
    weights = fit(feats, y, l2=l2, epochs=epochs)
    report = {"train_sentences": len(rows), "positives": int(gold.sum()),
              "threshold": round(best_t, 3), "cv": best, "l2": l2, "epochs": epochs}
    return weights, best_t, report


@click.command(name="events")
@click.option("--gsr", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_GSR,
              show_default=True, help="GSR CSV to train on (its training part only).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=MODEL_PATH,
              show_default=True, help="Where to write the model.")
@click.option("--l2", type=float, default=1e-3, show_default=True)
@click.option("--epochs", type=int, default=300, show_default=True)
def command(gsr: Path, out: Path, l2: float, epochs: int) -> None:
    """Train the ASSAULT sentence classifier on the GSR training part."""
    weights, threshold, report = train(gsr, l2=l2, epochs=epochs)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_model(str(out), weights, threshold)
    report["model"] = str(out)
    click.echo(json.dumps(report, ensure_ascii=False, indent=2))
