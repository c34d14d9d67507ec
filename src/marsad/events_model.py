"""The sentence classifier that accepts or rejects ASSAULT trigger candidates.

Two logistic regressions whose probabilities are averaged:

- the *lexicon* model, over hashed binary features of the sentence: its word stems and stem
  bigrams, and the trigger-lexicon matches (type, entry, mode, the word before each ASSAULT
  trigger, a future proclitic, a negator, a casualty word before a number);
- the *character* model, over hashed character 3–5-grams of the normalised words (sublinear
  term frequency × idf, unit length), which sees spelling variants and word parts the stems
  miss.

No length, number or date cues (they tie the model to one news style). The averaged
probability goes through a monotone piecewise-linear calibration (``knots``) that puts the
cut chosen at training time at the model's ``threshold`` (0.5): the stage accepts an
ASSAULT candidate when this one calibrated value reaches the threshold, with no rule
bypass. Inference is numpy only. Trained by ``marsad train events``
(:mod:`marsad.training.events`) and shipped as ``marsad/models/events/assault_lr.npz``.
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from marsad.errors import ModelError
from marsad.events_lexicon import TriggerMatch, Word

#: Hashed feature space of the lexicon model.
DIM = 1 << 18
#: Hashed feature space of the character model.
CHAR_DIM = 1 << 18
#: Character n-gram lengths.
CHAR_NGRAMS = (3, 4, 5)

_NEGATORS = frozenset({"لم", "لن", "لا", "ليس", "عدم", "ولم", "ولا"})
_CASUALTY = ("مقتل", "قتل", "اصابه", "اصيب", "جرح", "مصرع")
_NUMBER_WORDS = frozenset(
    "اثنين اثنان ثلاثه اربعه خمسه سته سبعه ثمانيه تسعه عشره عشرين ثلاثين اربعين خمسين".split()
)


def _h(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8")) % DIM


class SentenceFeatures(list[int]):
    """Hashed lexicon-model feature indices of a sentence, carrying the sentence's words
    (the character model reads them)."""

    words: Sequence[Word]

    def __init__(self, indices: Sequence[int], words: Sequence[Word]) -> None:
        super().__init__(indices)
        self.words = words


def sentence_features(words: Sequence[Word], matches: Sequence[TriggerMatch]) -> SentenceFeatures:
    """Hashed feature indices of one sentence (a list of ints that also keeps ``words``)."""
    content = [w for w in words if not w.is_punct]
    stems = [w.variants[-1][0] for w in content]
    feats: set[str] = {"bias"}
    for stem in stems:
        feats.add("u:" + stem)
    for first, second in itertools.pairwise(stems):
        feats.add("b:" + first + "_" + second)
    first_assault = True
    for m in matches:
        entry = m.entry
        if entry.type == "ASSAULT" and first_assault:
            first_assault = False
            position = sum(1 for w in words[: m.first] if not w.is_punct)
            feats.add(f"APOS:{min(position // 3, 4)}:{entry.role}")
            before = {w.key for w in words[max(0, m.first - 3): m.first]}
            if before & _NEGATORS:
                feats.add("A:neg")
        feats.add("T:" + entry.type)
        feats.add("E:" + entry.pattern[:25])
        feats.add("M:" + str(entry.mode))
        feats.add("R:" + entry.type + entry.role)
        if entry.type == "ASSAULT":
            prev = words[m.first - 1].key if m.first > 0 else "^"
            feats.add("AP:" + prev)
            if "س" in m.proclitics:
                feats.add("A:fut")
    keys = [w.key for w in content]
    for i, key in enumerate(keys[:-1]):
        if key.startswith(_CASUALTY) or key[1:].startswith(_CASUALTY):
            nxt = keys[i + 1]
            if nxt[:1].isdigit() or nxt in _NUMBER_WORDS:
                feats.add("CAS:num")
    return SentenceFeatures(sorted({_h(f) for f in feats}), words)


@lru_cache(maxsize=200_000)
def _word_grams(key: str) -> tuple[int, ...]:
    """Hashed character n-grams of one normalised word, padded with spaces."""
    padded = " " + key + " "
    return tuple(zlib.crc32(padded[i: i + n].encode("utf-8")) % CHAR_DIM
                 for n in CHAR_NGRAMS for i in range(len(padded) - n + 1))


def char_counts(words: Sequence[Word]) -> tuple[np.ndarray, np.ndarray]:
    """Hashed character n-grams of the normalised words (each padded with spaces):
    bucket indices and sublinear term frequencies ``1 + log(tf)``."""
    counts: Counter[int] = Counter()
    for w in words:
        if not w.is_punct:
            counts.update(_word_grams(w.key))
    index = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64,
                     count=len(counts))
    return index, tf


def char_vector(index: np.ndarray, tf: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """The unit-length tf-idf values of :func:`char_counts` output."""
    values = tf * idf[index]
    norm = float(np.sqrt((values * values).sum()))
    return values / norm if norm > 0 else values


def calibrate(p: float, knots: np.ndarray) -> float:
    """Map an averaged probability through the piecewise-linear calibration ``knots``
    (a 2×k array of increasing x and y values, from (0, 0) to (1, 1))."""
    return float(np.interp(p, knots[0], knots[1]))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


@dataclass(frozen=True)
class AssaultModel:
    """Weights, calibration and decision threshold of the ASSAULT sentence classifier.

    Only ``weights`` (the lexicon model) is required; without ``char_weights`` the model is
    the lexicon model alone, and without ``knots`` its probability is not recalibrated."""

    weights: np.ndarray
    threshold: float
    char_weights: np.ndarray | None = None
    char_bias: float = 0.0
    idf: np.ndarray | None = None
    knots: np.ndarray | None = None
    extra: dict[str, float] = field(default_factory=dict)

    def raw_probability(self, features: Sequence[int],
                        words: Sequence[Word] | None = None) -> float:
        """The averaged (uncalibrated) probability of the two models."""
        p = _sigmoid(float(self.weights[np.asarray(features, dtype=np.int64)].sum()))
        if self.char_weights is None or self.idf is None:
            return p
        if words is None:
            words = getattr(features, "words", None)
        if words is None:
            return p
        index, tf = char_counts(words)
        if not len(index):
            return p
        values = char_vector(index, tf, self.idf)
        q = _sigmoid(float(self.char_weights[index] @ values) + self.char_bias)
        return 0.5 * (p + q)

    def probability(self, features: Sequence[int]) -> float:
        """P(the sentence reports an ASSAULT) for its features
        (:func:`sentence_features`), calibrated for the stage's cuts."""
        p = self.raw_probability(features)
        return calibrate(p, self.knots) if self.knots is not None else p


def make_knots(cut: float, *, threshold: float = 0.5) -> tuple[np.ndarray, float]:
    """Calibration knots putting raw probability ``cut`` at ``threshold`` (linear on each
    side, from (0, 0) to (1, 1)). Returns the knots and the threshold to store."""
    cut = min(max(cut, 1e-3), 1 - 1e-3)
    return np.array([[0.0, cut, 1.0], [0.0, threshold, 1.0]], dtype=np.float64), threshold


def save_model(path: str, weights: np.ndarray, threshold: float, *,
               char_weights: np.ndarray | None = None, char_bias: float = 0.0,
               df: np.ndarray | None = None, n_docs: int = 0,
               knots: np.ndarray | None = None) -> None:
    """Write the model as a compressed sparse npz (document frequencies, not idf, are
    stored: they compress far better)."""
    nz = np.flatnonzero(np.abs(weights) > 1e-6).astype(np.int32)
    arrays: dict[str, Any] = {
        "index": nz, "value": weights[nz].astype(np.float32), "dim": np.int64(DIM),
        "threshold": np.float64(threshold)}
    if char_weights is not None and df is not None:
        cnz = np.flatnonzero(np.abs(char_weights) > 1e-6).astype(np.int32)
        arrays.update(char_index=cnz, char_value=char_weights[cnz].astype(np.float32),
                      char_bias=np.float64(char_bias), char_dim=np.int64(CHAR_DIM),
                      df=np.minimum(df, 65535).astype(np.uint16), n_docs=np.int64(n_docs))
    if knots is not None:
        arrays["knots"] = knots.astype(np.float64)
    np.savez_compressed(path, **arrays)


def idf_of(df: np.ndarray, n_docs: int) -> np.ndarray:
    """Smoothed idf, ``log((1 + n) / (1 + df)) + 1``."""
    return np.log((1.0 + n_docs) / (1.0 + df.astype(np.float64))) + 1.0


@lru_cache(maxsize=1)
def load_model() -> AssaultModel | None:
    """The shipped ASSAULT classifier (None if the package carries none)."""
    ref = resources.files("marsad").joinpath("models/events/assault_lr.npz")
    if not ref.is_file():
        return None
    try:
        with ref.open("rb") as fh:
            data = np.load(fh)
            dim = int(data["dim"])
            weights = np.zeros(dim, dtype=np.float64)
            weights[data["index"]] = data["value"]
            threshold = float(data["threshold"])
            char_weights = idf = knots = None
            char_bias = 0.0
            if "char_index" in data.files:
                if int(data["char_dim"]) != CHAR_DIM:
                    raise ModelError("events model was trained with another character space")
                char_weights = np.zeros(CHAR_DIM, dtype=np.float64)
                char_weights[data["char_index"]] = data["char_value"]
                char_bias = float(data["char_bias"])
                idf = idf_of(data["df"], int(data["n_docs"]))
            if "knots" in data.files:
                knots = np.asarray(data["knots"], dtype=np.float64)
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(f"events model is corrupt: {exc}") from exc
    if dim != DIM:
        raise ModelError("events model was trained with another feature space")
    return AssaultModel(weights, threshold, char_weights, char_bias, idf, knots)
