"""The fine-tuned e5 NER teacher: sentences cut into whole-word chunks, word pooling."""

from __future__ import annotations

import numpy as np
import torch

from marsad.ner_neural import LABELS
from marsad.training import ner_e5ft
from marsad.training.e5_torch import E5Config, E5Layer

CONFIG = E5Config(hidden=8, layers=2, heads=2, ffn=16, vocab=50, max_positions=32,
                  eps=1e-12, bos=0, eos=2)


def fake_pieces(word: str) -> list[int]:
    """Three pieces for long words, one for short ones, none for a lone tatweel."""
    if word in ("", "ـ"):
        return []
    return [10, 11, 12] if len(word) > 4 else [20]


def test_chunks_hold_whole_words_within_the_limit() -> None:
    sents = ["أعلن وزير الخارجية المصري أمس في القاهرة عن زيارة الى تونس".split(),
             "وصل الوفد ـ الى الجزائر".split()]
    chunks = ner_e5ft.chunk_sentences(sents, fake_pieces, CONFIG, limit=6)
    for si, words in enumerate(sents):
        mine = [c for c in chunks if c.sent == si]
        # consecutive chunks cover every word once, in order
        assert [c.offset for c in mine] == list(np.cumsum([0] + [len(c.spans) for c in mine[:-1]]))
        assert sum(len(c.spans) for c in mine) == len(words)
    for c in chunks:
        assert c.ids[0] == CONFIG.bos and c.ids[-1] == CONFIG.eos
        assert len(c.ids) - 2 <= 6
        # every word points at real pieces (not <s> or </s>) and the spans are ordered
        assert all(1 <= a < b <= len(c.ids) - 1 for a, b in c.spans)
    first = chunks[0]
    assert first.spans[:3] == ((1, 2), (2, 3), (3, 6))  # «أعلن», «وزير»: one piece each


def test_word_pooling_gives_one_score_row_per_word() -> None:
    torch.manual_seed(0)
    sents = ["وصل الوفد الى الجزائر".split(), "غادر الرئيس".split()]
    chunks = ner_e5ft.chunk_sentences(sents, fake_pieces, CONFIG)
    states = [np.random.default_rng(i).normal(size=(len(c.ids), 8)).astype(np.float16)
              for i, c in enumerate(chunks)]
    x, mask, pool, wmask = ner_e5ft._batch(states, chunks, [0, 1])
    assert pool.shape == (2, 4, x.shape[1])
    assert torch.allclose(pool.sum(-1)[wmask], torch.ones(int(wmask.sum())))
    assert wmask.tolist() == [[True] * 4, [True, True, False, False]]
    model = ner_e5ft.TopTagger([E5Layer(CONFIG)], CONFIG.hidden).eval()
    scores = model(x, mask, pool)
    assert scores.shape == (2, 4, len(LABELS))
    # padding does not change a chunk's scores
    alone = model(*ner_e5ft._batch(states, chunks, [1])[:3])
    assert torch.allclose(alone[0, :2], scores[1, :2], atol=1e-5)
