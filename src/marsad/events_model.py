"""The sentence classifier that accepts or rejects ASSAULT trigger candidates.

A logistic regression over hashed features of the sentence: its word stems and stem
bigrams, and the
trigger-lexicon matches (type, entry, mode, the word before each ASSAULT trigger, a
future proclitic), no length, number or date cues (they tie the model to one news style). Trained by ``marsad train events``
(:mod:`marsad.training.events`) and shipped as ``marsad/models/events/assault_lr.npz``.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from marsad.errors import ModelError
from marsad.events_lexicon import TriggerMatch, Word

#: Hashed feature space.
DIM = 1 << 18



_NEGATORS = frozenset({"لم", "لن", "لا", "ليس", "عدم", "ولم", "ولا"})
_CASUALTY = ("مقتل", "قتل", "اصابه", "اصيب", "جرح", "مصرع")
_NUMBER_WORDS = frozenset(
    "اثنين اثنان ثلاثه اربعه خمسه سته سبعه ثمانيه تسعه عشره عشرين ثلاثين اربعين خمسين".split()
)


def _h(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8")) % DIM


def sentence_features(words: Sequence[Word], matches: Sequence[TriggerMatch]) -> list[int]:
    """Hashed feature indices of one sentence."""
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
    return sorted({_h(f) for f in feats})


@dataclass(frozen=True)
class AssaultModel:
    """Weights and decision threshold of the ASSAULT sentence classifier."""

    weights: np.ndarray
    threshold: float

    def probability(self, features: Sequence[int]) -> float:
        """P(the sentence reports an ASSAULT) for its hashed features."""
        z = float(self.weights[np.asarray(features, dtype=np.int64)].sum())
        return 1.0 / (1.0 + np.exp(-z))


def save_model(path: str, weights: np.ndarray, threshold: float) -> None:
    """Write the model as a compressed sparse npz."""
    nz = np.flatnonzero(np.abs(weights) > 1e-6).astype(np.int32)
    np.savez_compressed(path, index=nz, value=weights[nz].astype(np.float32),
                        dim=np.int64(DIM), threshold=np.float64(threshold))


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
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(f"events model is corrupt: {exc}") from exc
    if dim != DIM:
        raise ModelError("events model was trained with another feature space")
    return AssaultModel(weights, threshold)
