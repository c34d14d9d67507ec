"""The torch copy of multilingual-e5-small (fine-tuning research) matches the C engine."""

from pathlib import Path

import numpy as np
import torch

from marsad.e5_words import E5Words
from marsad.training.e5_torch import load_encoder, pad_batch, sentence_ids


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))


def test_torch_states_match_the_c_engine_per_token_and_per_word(tmp_path: Path) -> None:
    torch.set_num_threads(1)
    e5 = E5Words(tmp_path)
    enc = load_encoder()
    sentences = ["قصفت الطائرات الحربية مواقع المسلحين غرب المدينة".split(),
                 "اجتمع وزير الخارجية مع نظيره في الجزائر".split()]
    built = [sentence_ids([e5.piece_ids(w) for w in s], enc.config) for s in sentences]
    ids, mask = pad_batch([b[0] for b in built])
    with torch.no_grad():
        out = enc(ids, mask).numpy()
    c_tokens = e5.token_states([b[0] for b in built])
    c_words = e5.encode(sentences)
    for i, (seq, spans) in enumerate(built):
        assert seq[0] == enc.config.bos and seq[-1] == enc.config.eos
        assert _cos(out[i, :len(seq)], c_tokens[i]).min() >= 0.99
        words = np.stack([out[i, a:b].mean(axis=0) for a, b in spans])
        assert _cos(words, c_words[i]).min() >= 0.99
    # the lower-layer states the C engine gives match the torch layers too
    lower = e5.token_states([built[0][0]], layers=4)[0]
    with torch.no_grad():
        mine = enc(ids[:1], mask[:1], stop=4).numpy()[0, :len(built[0][0])]
    assert _cos(mine, lower).min() >= 0.99
    # and differ from the final states (the layer count is honoured)
    assert _cos(lower, c_tokens[0]).mean() < 0.95
