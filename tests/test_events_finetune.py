"""The fine-tuning research script reads exactly what the frozen e5 head reads."""

from pathlib import Path

import numpy as np

from marsad.e5_words import E5Words
from marsad.events_lexicon import load_lexicon, words_of
from marsad.events_model import e5_features
from marsad.training.e5_torch import E5Config
from marsad.training.events_finetune import cv_parts, prepare

CONFIG = E5Config(384, 12, 12, 1536, 250037, 512, 1e-12, 0, 2)


def test_pooling_weights_reproduce_the_frozen_head_features(tmp_path: Path) -> None:
    e5 = E5Words(tmp_path)
    texts = ["قصفت الطائرات الحربية مواقع المسلحين ، غرب المدينة .",
             "اجتمع وزير الخارجية مع نظيره في الجزائر"]
    examples = prepare(texts, e5.piece_ids, CONFIG, 128)
    states = e5.token_states([ex.ids for ex in examples])
    lexicon = load_lexicon()
    for text, ex, tokens in zip(texts, examples, states, strict=True):
        words = words_of(text)
        expected = e5_features(e5.encode([[w.text for w in words]])[0], words,
                               lexicon.match(words))
        assert np.allclose((ex.pool @ tokens).ravel(), expected, atol=1e-4)
    # the first sentence has an ASSAULT trigger: its two rows differ
    assert not np.allclose(examples[0].pool[0], examples[0].pool[1])
    assert np.allclose(examples[1].pool[0], examples[1].pool[1])


def test_folds_are_the_trainers_folds() -> None:
    parts = cv_parts(103)
    order = np.random.default_rng(0).permutation(103)
    assert [len(p) for p in parts] == [21, 21, 21, 20, 20]
    assert np.array_equal(np.concatenate(parts), order)
