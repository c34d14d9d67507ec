"""The e5 vectors of the NER teacher: long sentences cut into chunks, vectors cached."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from marsad import e5_words
from marsad.training import ner as training


def test_chunks_cover_every_word_and_the_cache_is_reused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(training, "E5_CHUNK", 4)
    sents = ["أعلن وزير الخارجية المصري أمس في القاهرة عن زيارة الى تونس".split(),
             "وصل الوفد الى الجزائر".split()]
    cache = tmp_path / "vectors.npz"
    first = training.e5_vectors(sents, cache, tmp_path / "lib")
    assert [v.shape for v in first] == [(len(sents[0]), e5_words.DIM), (4, e5_words.DIM)]
    assert first[0].dtype == np.float16
    # every word has a vector, the words after the first chunk too
    assert np.all(np.linalg.norm(first[0].astype(np.float32), axis=1) > 0.1)

    def no_encoder(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the cached vectors should have been read")

    monkeypatch.setattr(e5_words, "E5Words", no_encoder)
    again = training.e5_vectors(sents, cache, tmp_path / "lib")
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
