"""The ASSAULT classifier's accurate mode (e5 head over multilingual-e5-small word vectors)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from marsad.errors import ConfigError
from marsad.events_lexicon import load_lexicon, words_of
from marsad.events_model import (
    E5_DIM,
    ENCODER_ENV,
    AssaultModel,
    E5Head,
    SentenceFeatures,
    calibrate,
    e5_features,
    load_model,
    save_model,
    sentence_features,
)

ATTACK = "هاجم مسلحون مجهولون نقطة تفتيش للشرطة جنوب العاصمة وقتلوا ثلاثة من عناصرها."
STRIKE = "قصفت طائرات حربية مواقع للمسلحين في ضواحي المدينة صباح اليوم، ما أدى إلى مقتل خمسة منهم."


class CountingEncoder:
    """A stand-in encoder: vector k of a sentence is filled with k + 1."""

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]:
        self.calls += 1
        return [np.repeat(np.arange(1, len(s) + 1, dtype=np.float32)[:, None], E5_DIM, axis=1)
                for s in sentences]


@pytest.fixture(autouse=True)
def _e5_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARSAD_E5_CACHE", str(tmp_path_factory.getbasetemp() / "e5"))
    monkeypatch.delenv(ENCODER_ENV, raising=False)


def _features(text: str) -> SentenceFeatures:
    words = words_of(text)
    return sentence_features(words, load_lexicon().match(words))


def test_features_carry_the_trigger_matches() -> None:
    words = words_of(STRIKE)
    matches = load_lexicon().match(words)
    feats = sentence_features(words, matches)
    assert list(feats.matches) == list(matches)
    assert any(m.entry.type == "ASSAULT" for m in feats.matches)


def test_e5_features_are_trigger_vector_then_sentence_mean() -> None:
    words = words_of(STRIKE)
    matches = load_lexicon().match(words)
    vectors = CountingEncoder().encode([[w.text for w in words]])[0]
    x = e5_features(vectors, words, matches)
    assert x.shape == (2 * E5_DIM,)
    first = next(m for m in matches if m.entry.type == "ASSAULT")
    assert x[0] == pytest.approx(np.mean(np.arange(first.first, first.last + 1) + 1))
    content = [i + 1 for i, w in enumerate(words) if not w.is_punct]
    assert x[E5_DIM] == pytest.approx(np.mean(content))  # punctuation left out


def test_head_runs_only_inside_the_band() -> None:
    base = load_model("none")
    assert base is not None
    encoder = CountingEncoder()
    head = E5Head(np.zeros(2 * E5_DIM), 2.0, np.array([[0.0, 0.6, 1.0], [0.0, 0.5, 1.0]]),
                  (0.3, 0.9))
    model = dataclasses.replace(base, e5_head=head, encoder=encoder)
    feats = _features(ATTACK)
    p = base.raw_probability(feats)
    assert 0.3 <= p <= 0.9
    q = 1.0 / (1.0 + np.exp(-2.0))
    assert model.probability(feats) == pytest.approx(calibrate(0.5 * (p + q), head.knots))
    assert encoder.calls == 1
    outside = dataclasses.replace(model, e5_head=dataclasses.replace(head, band=(0.95, 1.0)))
    assert outside.probability(feats) == pytest.approx(calibrate(p, head.knots))
    assert encoder.calls == 1  # the encoder was not asked again


def test_e5_head_is_saved_and_read_back(tmp_path: Path) -> None:
    head = E5Head(np.linspace(-1, 1, 2 * E5_DIM), 0.25, np.array([[0, 0.6, 1], [0, 0.5, 1.0]]),
                  (0.3, 0.9))
    path = tmp_path / "m.npz"
    save_model(str(path), np.zeros(8), 0.5, e5_head=head)
    data = np.load(path)
    assert np.allclose(data["e5_weights"], head.weights, atol=1e-6)
    assert float(data["e5_bias"]) == 0.25
    assert list(data["e5_band"]) == [0.3, 0.9]


def test_default_mode_is_fast_and_unknown_encoders_are_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    model = load_model()
    assert model is not None and model.encoder is None
    assert model.e5_head is not None  # the shipped model carries the accurate mode's head
    with pytest.raises(ConfigError):
        load_model("bert")
    monkeypatch.setenv(ENCODER_ENV, "bert")
    with pytest.raises(ConfigError):
        load_model()


def test_accurate_mode_from_the_stage_config() -> None:
    from marsad.events import make_events

    coder = make_events({"assault_encoder": "e5"})
    model: AssaultModel = coder.model  # type: ignore[attr-defined]
    assert model.encoder is not None and model.e5_head is not None
    fast = make_events({})
    assert fast.model.encoder is None  # type: ignore[attr-defined]
    feats = _features(ATTACK)
    # the e5 head reads this attack as one (two-model average 0.70 is inside the band)
    assert model.e5_probability(feats.words, feats.matches) > 0.6  # type: ignore[attr-defined]
    assert model.probability(feats) >= model.threshold
    vectors = model.encoder.encode([ATTACK.split()])[0]
    assert vectors.shape == (len(ATTACK.split()), E5_DIM)
