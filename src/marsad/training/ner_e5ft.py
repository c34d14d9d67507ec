"""A fine-tuned multilingual-e5-small word tagger: an NER *teacher* (training only).

The bottom layers of e5-small are frozen and run once by the wheel's C engine
(:meth:`marsad.e5_words.E5Words.token_states`, cached in a work folder); the top
``top`` layers (torch, :mod:`marsad.training.e5_torch`) and a linear layer over the BIO
labels of :data:`marsad.ner_neural.LABELS` are trained on ANERcorp. A word's state is the
mean of its sub-word pieces' states; the loss is a softmax cross-entropy per word; the
word's label probabilities are its marginals for the teacher ensemble
(:func:`marsad.training.ner.silver_labels`) and a valid-BIO Viterbi over them tags it.

Words are normalised (:func:`marsad.ner_features.norm`, as the tokenised corpus is) and
each sentence is cut into chunks of whole words of at most :data:`MAX_PIECES` pieces.
Nothing here runs at inference: the shipped tagger is the distilled BiLSTM-CRF.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from marsad.ner_data import Sentence
from marsad.ner_features import norm
from marsad.ner_neural import LABELS, viterbi_bio_batch
from marsad.training.e5_torch import E5Config, E5Layer, load_encoder

log = logging.getLogger(__name__)

#: Longest chunk fed to e5 (sub-word pieces, without ``<s>``/``</s>``).
MAX_PIECES = 126
#: Pieces kept per word (longer words are rare: URLs, digit runs).
WORD_PIECES = 16
#: Frozen bottom layers (run by the C engine, cached); the rest are fine-tuned.
FROZEN = 8


@dataclass(frozen=True)
class Chunk:
    """A run of whole words of one sentence, as e5 token ids."""

    sent: int  #: index of the sentence
    offset: int  #: index of the chunk's first word in the sentence
    ids: tuple[int, ...]  #: ``[<s>, pieces…, </s>]``
    spans: tuple[tuple[int, int], ...]  #: each word's token range


def chunk_sentences(sents: Sequence[Sequence[str]], piece_ids: Callable[[str], list[int]],
                    config: E5Config, limit: int = MAX_PIECES) -> list[Chunk]:
    """Cut every sentence into chunks of whole (normalised) words of at most ``limit``
    pieces; a word without pieces gets the unknown-word id's place of ``<s>``'s neighbour
    (its state is then the first real token's)."""
    cache: dict[str, list[int]] = {}
    chunks: list[Chunk] = []
    for si, words in enumerate(sents):
        pieces = []
        for w in words:
            key = norm(w)
            if key not in cache:
                cache[key] = piece_ids(key)[:WORD_PIECES] or piece_ids(w)[:WORD_PIECES]
            pieces.append(cache[key])
        start = 0
        while start < len(words):
            ids = [config.bos]
            spans = []
            end = start
            while end < len(words) and (end == start or len(ids) - 1 + len(pieces[end]) <= limit):
                p = pieces[end]
                first = len(ids)
                ids.extend(p)
                spans.append((first, len(ids)) if p else (first, first))
                end += 1
            ids.append(config.eos)
            spans = [(a, b) if b > a else (min(a, len(ids) - 2), min(a, len(ids) - 2) + 1)
                     for a, b in spans]
            chunks.append(Chunk(si, start, tuple(ids), tuple(spans)))
            start = end
    return chunks


def cached_states(chunks: Sequence[Chunk], cache_dir: Path, lib_dir: Path,
                  layers: int = FROZEN, batch: int = 32) -> list[np.ndarray]:
    """The C engine's states after ``layers`` layers of every chunk (float16), cached in
    ``cache_dir`` under a hash of the token ids."""
    digest = hashlib.sha1(repr([c.ids for c in chunks]).encode()).hexdigest()[:16]
    path = cache_dir / f"states_l{layers}_{digest}.npz"
    lens = [len(c.ids) for c in chunks]
    if path.is_file():
        z = np.load(path)
        bounds = np.concatenate([[0], np.cumsum(lens)])
        vecs = z["vecs"]
        return [vecs[bounds[i]:bounds[i + 1]] for i in range(len(chunks))]
    from tqdm import tqdm

    from marsad.e5_words import E5Words

    e5 = E5Words(lib_dir, threads=1)
    order = sorted(range(len(chunks)), key=lambda k: lens[k])
    out: list[np.ndarray] = [np.zeros((0, 0), np.float16)] * len(chunks)
    for lo in tqdm(range(0, len(order), batch), desc=f"e5 layer-{layers} states",
                   unit="batch", disable=None):
        idx = order[lo:lo + batch]
        for k, s in zip(idx, e5.token_states([list(chunks[k].ids) for k in idx], layers),
                        strict=True):
            out[k] = s.astype(np.float16)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, vecs=np.concatenate(out))
    tmp.replace(path)
    return out


class TopTagger(nn.Module):
    """The fine-tuned top layers of e5, mean-of-pieces word pooling, a linear layer."""

    def __init__(self, layers: Sequence[nn.Module], hidden: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, len(LABELS))

    def forward(self, x: torch.Tensor, mask: torch.Tensor, pool: torch.Tensor) -> torch.Tensor:
        """Label scores (batch, words, labels) of states (batch, tokens, hidden) with the
        pooling matrix (batch, words, tokens)."""
        for layer in self.layers:
            x = layer(x, mask)
        return self.out(self.drop(torch.bmm(pool, x)))


def _batch(states: Sequence[np.ndarray], chunks: Sequence[Chunk], idx: Sequence[int]
           ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    n_tok = max(len(chunks[i].ids) for i in idx)
    n_words = max(len(chunks[i].spans) for i in idx)
    hidden = states[idx[0]].shape[1]
    x = np.zeros((len(idx), n_tok, hidden), np.float32)
    mask = np.zeros((len(idx), n_tok), bool)
    pool = np.zeros((len(idx), n_words, n_tok), np.float32)
    wmask = np.zeros((len(idx), n_words), bool)
    for r, i in enumerate(idx):
        c = chunks[i]
        x[r, :len(c.ids)] = states[i]
        mask[r, :len(c.ids)] = True
        for j, (a, b) in enumerate(c.spans):
            pool[r, j, a:b] = 1.0 / (b - a)
            wmask[r, j] = True
    return (torch.from_numpy(x), torch.from_numpy(mask), torch.from_numpy(pool),
            torch.from_numpy(wmask))


def _length_batches(n: int, chunks: Sequence[Chunk], size: int, rng: random.Random | None
                    ) -> list[list[int]]:
    key = (lambda i: len(chunks[i].ids) // 8 + rng.random()) if rng else (lambda i: len(chunks[i].ids))
    order = sorted(range(n), key=key)
    batches = [order[i:i + size] for i in range(0, n, size)]
    if rng:
        rng.shuffle(batches)
    return batches


def _chunk_labels(chunks: Sequence[Chunk], sents: Sequence[Sentence]) -> list[np.ndarray]:
    index = {lab: j for j, lab in enumerate(LABELS)}
    return [np.array([index[t] for t in sents[c.sent][1][c.offset:c.offset + len(c.spans)]])
            for c in chunks]


def train(gold: Sequence[Sentence], work: Path, *, epochs: int = 3, top: int = 12 - FROZEN,
          lr: float = 5e-5, head_lr: float = 1e-3, batch_size: int = 16, seed: int = 7,
          threads: int = 1, dev: Sequence[Sentence] = ()) -> dict[str, Any]:
    """Fine-tune the top ``top`` e5 layers and a label layer on ``gold`` (the C engine's
    states below them cached in ``work``); returns ``{"model", "history"}`` (dev F1 per
    epoch when ``dev`` is given)."""
    from tqdm import tqdm

    from marsad.e5_words import E5Words

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    rng = random.Random(seed)
    frozen = 12 - top
    enc = load_encoder()
    e5 = E5Words(work / "e5lib", threads=1)
    chunks = chunk_sentences([w for w, _ in gold], e5.piece_ids, enc.config)
    states = cached_states(chunks, work, work / "e5lib", frozen)
    labels = _chunk_labels(chunks, gold)
    model = TopTagger([copy.deepcopy(layer) for layer in enc.layers[frozen:]], enc.config.hidden)
    del enc
    opt = torch.optim.AdamW([{"params": model.layers.parameters(), "lr": lr},
                             {"params": model.out.parameters(), "lr": head_lr}],
                            weight_decay=0.01)
    steps = epochs * math.ceil(len(chunks) / batch_size)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    history: list[dict[str, Any]] = []
    t0 = time.process_time()
    for epoch in range(epochs):
        model.train()
        total, n = 0.0, 0
        for idx in tqdm(_length_batches(len(chunks), chunks, batch_size, rng),
                        desc=f"e5 fine-tuning, epoch {epoch + 1}", unit="batch", disable=None):
            x, mask, pool, wmask = _batch(states, chunks, idx)
            y = torch.zeros(wmask.shape, dtype=torch.long)
            for r, i in enumerate(idx):
                y[r, :len(labels[i])] = torch.from_numpy(labels[i])
            scores = model(x, mask, pool)
            loss = nn.functional.cross_entropy(scores[wmask], y[wmask])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
            n += len(idx)
        entry: dict[str, Any] = {"epoch": epoch + 1, "loss": round(total / max(n, 1), 4),
                                 "cpu_seconds": round(time.process_time() - t0, 1)}
        if dev:
            from marsad.ner_data import score

            pred = tag(model, [w for w, _ in dev], work, frozen)
            s = score([t for _, t in dev], pred)["micro"]
            entry.update(dev_p=s["precision"], dev_r=s["recall"], dev_f1=s["f1"])
        log.info("e5 fine-tuning %s", entry)
        history.append(entry)
    return {"model": model, "history": history, "frozen": frozen}


def marginals(model: TopTagger, sents: Sequence[Sequence[str]], work: Path,
              frozen: int = FROZEN, batch_size: int = 32) -> list[np.ndarray]:
    """Label probabilities (words, :data:`LABELS`) of every sentence."""
    from marsad.e5_words import E5Words

    config = load_config()
    e5 = E5Words(work / "e5lib", threads=1)
    chunks = chunk_sentences(sents, e5.piece_ids, config)
    states = cached_states(chunks, work, work / "e5lib", frozen)
    out = [np.zeros((len(s), len(LABELS)), np.float32) for s in sents]
    model.eval()
    with torch.no_grad():
        for idx in _length_batches(len(chunks), chunks, batch_size, None):
            x, mask, pool, _ = _batch(states, chunks, idx)
            probs = torch.softmax(model(x, mask, pool), dim=-1).numpy()
            for r, i in enumerate(idx):
                c = chunks[i]
                out[c.sent][c.offset:c.offset + len(c.spans)] = probs[r, :len(c.spans)]
    return out


def tag(model: TopTagger, sents: Sequence[Sequence[str]], work: Path,
        frozen: int = FROZEN) -> list[list[str]]:
    """BIO labels of every sentence (valid-BIO Viterbi over the marginals)."""
    paths = viterbi_bio_batch(marginals(model, sents, work, frozen))
    return [[LABELS[j] for j in p] for p in paths]


_CONFIG: list[E5Config] = []


def load_config() -> E5Config:
    """The e5 configuration (read once from the wheel's model file)."""
    if not _CONFIG:
        from marsad.e5_words import model_path
        from marsad.training.e5_torch import read_q4

        _CONFIG.append(read_q4(model_path())[0])
    return _CONFIG[0]


def save(model: TopTagger, frozen: int, path: Path) -> None:
    """``torch.save`` the fine-tuned layers and the label layer."""
    torch.save({"frozen": frozen, "state": model.state_dict()}, path)


def load(path: Path) -> tuple[TopTagger, int]:
    """The model written by :func:`save` and its number of frozen layers."""
    saved = torch.load(path, weights_only=True)
    config = load_config()
    frozen = int(saved["frozen"])
    model = TopTagger([E5Layer(config) for _ in range(config.layers - frozen)], config.hidden)
    model.load_state_dict(saved["state"])
    return model.eval(), frozen
