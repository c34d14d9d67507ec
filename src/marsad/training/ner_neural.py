"""Training the BiLSTM-CRF of :mod:`marsad.ner_neural` with torch (training only).

torch is needed only here (``pip install torch==2.13.0``); the result is exported to a
``.npz`` file that the numpy tagger reads.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from marsad.ner_data import Sentence, score
from marsad.ner_features import Resources
from marsad.ner_neural import LABELS, MAX_CHARS, N_FLAGS, Encoder, NumpyTagger, Vocab

log = logging.getLogger(__name__)

VOCAB_SIZE = 60_000


def build_vocab(vectors: Path, train: Sequence[Sentence]) -> tuple[Vocab, np.ndarray]:
    """The word list (most frequent corpus words) and its embedding matrix."""
    from gensim.models import KeyedVectors

    wv = KeyedVectors.load(str(vectors))
    words = ["<pad>", "<unk>", *wv.index_to_key[:VOCAB_SIZE]]
    emb = np.zeros((len(words), wv.vector_size), dtype=np.float32)
    for i, w in enumerate(words[2:], 2):
        emb[i] = wv[w]
    emb /= np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-6)
    chars: dict[str, int] = {}
    for words_, _ in train:
        for w in words_:
            for ch in w:
                chars[ch] = chars.get(ch, 0) + 1
    char_list = ["<pad>", "<unk>", *sorted(c for c, n in chars.items() if n >= 2)]
    return Vocab(words, char_list), emb


def _model(n_words: int, n_chars: int, emb: np.ndarray, hidden: int) -> Any:
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.word_emb = nn.Embedding.from_pretrained(torch.from_numpy(emb), freeze=True)
            self.cl0 = nn.Embedding(65, 16)
            self.cl1 = nn.Embedding(513, 24)
            self.cl2 = nn.Embedding(2049, 32)
            self.char_emb = nn.Embedding(n_chars, 32, padding_idx=0)
            self.char_conv = nn.Conv1d(32, 64, 3)
            d_in = 2 * emb.shape[1] + 16 + 24 + 32 + 64 + N_FLAGS
            self.drop_in = nn.Dropout(0.5)
            self.lstm = nn.LSTM(d_in, hidden, batch_first=True, bidirectional=True)
            self.drop_out = nn.Dropout(0.3)
            self.out = nn.Linear(2 * hidden, len(LABELS))
            self.trans = nn.Parameter(torch.zeros(len(LABELS), len(LABELS)))
            self.start = nn.Parameter(torch.zeros(len(LABELS)))
            self.end = nn.Parameter(torch.zeros(len(LABELS)))

        def emissions(self, ids: Any, chars: Any, flags: Any) -> Any:
            b, t, _ = chars.shape
            ce = self.char_emb(chars.view(b * t, MAX_CHARS))  # (bt, L, 32)
            ce = nn.functional.pad(ce.transpose(1, 2), (1, 1))
            conv = self.char_conv(ce)  # (bt, 64, L)
            mask = nn.functional.pad((chars.view(b * t, MAX_CHARS) > 0), (0, 0))
            mask[:, 0] = True
            conv = conv.masked_fill(~mask[:, None, :], -1e4)
            cf = conv.max(dim=2).values.view(b, t, -1)
            x = torch.cat([self.word_emb(ids[..., 0]), self.word_emb(ids[..., 1]),
                           self.cl0(ids[..., 2]), self.cl1(ids[..., 3]), self.cl2(ids[..., 4]),
                           cf, flags], dim=2)
            h, _ = self.lstm(self.drop_in(x))
            return self.out(self.drop_out(h))

    return Net()


def _crf_nll(net: Any, em: Any, tags: Any, mask: Any) -> Any:
    import torch

    t = em.shape[1]
    # score of the gold path
    gold = net.start[tags[:, 0]] + em[:, 0].gather(1, tags[:, :1]).squeeze(1)
    for i in range(1, t):
        step = net.trans[tags[:, i - 1], tags[:, i]] + em[:, i].gather(1, tags[:, i : i + 1]).squeeze(1)
        gold = gold + step * mask[:, i]
    lengths = mask.sum(1).long()
    last = tags.gather(1, (lengths - 1)[:, None]).squeeze(1)
    gold = gold + net.end[last]
    # partition
    alpha = net.start[None, :] + em[:, 0]
    for i in range(1, t):
        nxt = torch.logsumexp(alpha[:, :, None] + net.trans[None], dim=1) + em[:, i]
        m = mask[:, i : i + 1]
        alpha = nxt * m + alpha * (1 - m)
    z = torch.logsumexp(alpha + net.end[None], dim=1)
    return (z - gold).mean()


def _batch(encoder: Encoder, sents: Sequence[Sentence]) -> tuple[Any, ...]:
    import torch

    t = max(len(w) for w, _ in sents)
    b = len(sents)
    ids = np.zeros((b, t, 5), dtype=np.int64)
    chars = np.zeros((b, t, MAX_CHARS), dtype=np.int64)
    flags = np.zeros((b, t, N_FLAGS), dtype=np.float32)
    tags = np.zeros((b, t), dtype=np.int64)
    mask = np.zeros((b, t), dtype=np.float32)
    for i, (words, labels) in enumerate(sents):
        a, c, f = encoder.sentence(words)
        n = len(words)
        ids[i, :n], chars[i, :n], flags[i, :n] = a, c, f
        tags[i, :n] = [LABELS.index(x) for x in labels]
        mask[i, :n] = 1
    return tuple(torch.from_numpy(a) for a in (ids, chars, flags, tags, mask))


def export(net: Any, vocab: Vocab, emb: np.ndarray, out: Path) -> None:
    """Write the weights the numpy tagger reads (word vectors as int8 + row scales)."""
    sd = {k: v.detach().cpu().numpy().astype(np.float32) for k, v in net.state_dict().items()}
    scale = np.maximum(np.abs(emb).max(axis=1), 1e-8) / 127.0
    q = np.round(emb / scale[:, None]).astype(np.int8)
    np.savez_compressed(
        out,
        word_emb_q=q, word_emb_scale=scale.astype(np.float32),
        cl0=sd["cl0.weight"], cl1=sd["cl1.weight"], cl2=sd["cl2.weight"],
        char_emb=sd["char_emb.weight"], char_conv_w=sd["char_conv.weight"],
        char_conv_b=sd["char_conv.bias"],
        lstm_f_wih=sd["lstm.weight_ih_l0"], lstm_f_whh=sd["lstm.weight_hh_l0"],
        lstm_f_bih=sd["lstm.bias_ih_l0"], lstm_f_bhh=sd["lstm.bias_hh_l0"],
        lstm_b_wih=sd["lstm.weight_ih_l0_reverse"], lstm_b_whh=sd["lstm.weight_hh_l0_reverse"],
        lstm_b_bih=sd["lstm.bias_ih_l0_reverse"], lstm_b_bhh=sd["lstm.bias_hh_l0_reverse"],
        out_w=sd["out.weight"], out_b=sd["out.bias"],
        crf_trans=sd["trans"], crf_start=sd["start"], crf_end=sd["end"],
        vocab_words=np.array(vocab.words), vocab_chars=np.array(vocab.chars),
    )


def train(groups: Sequence[tuple[Sequence[Sentence], Resources]], dev_sents: Sequence[Sentence],
          dev_resources: Resources, vectors: Path, out: Path, *, epochs: int = 25,
          hidden: int = 128, seed: int = 7, lr: float = 2e-3, batch_size: int = 16,
          threads: int = 1) -> dict[str, Any]:
    """Train on groups of sentences, each encoded with its own resources (the jackknifed
    corpus lexicons); keep the epoch with the best dev F1 (the last if no dev); export."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    random.seed(seed)
    all_sents = [s for sents, _ in groups for s in sents]
    vocab, emb = build_vocab(vectors, all_sents)
    encoders = [Encoder(vocab, res) for _, res in groups]
    net = _model(len(vocab.words), len(vocab.chars), emb, hidden)
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=lr)
    best_f1, best_state, history = -1.0, None, []
    t0 = time.perf_counter()
    from tqdm import tqdm

    for epoch in tqdm(range(epochs), desc="BiLSTM-CRF epochs", unit="epoch"):
        net.train()
        batches: list[tuple[Encoder, list[Sentence]]] = []
        for (sents, _), encoder in zip(groups, encoders, strict=True):
            order = list(sents)
            random.shuffle(order)
            order.sort(key=lambda s: len(s[0]) // 8 + random.random())
            batches.extend((encoder, order[i : i + batch_size])
                           for i in range(0, len(order), batch_size))
        random.shuffle(batches)
        total = 0.0
        for encoder, batch in batches:
            ids, chars, flags, tags, mask = _batch(encoder, batch)
            loss = _crf_nll(net, net.emissions(ids, chars, flags), tags, mask)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            opt.step()
            total += float(loss.detach())
        for g in opt.param_groups:
            g["lr"] = lr / (1 + 0.05 * (epoch + 1))
        entry: dict[str, Any] = {"epoch": epoch + 1, "loss": round(total / len(batches), 3),
                                 "seconds": round(time.perf_counter() - t0)}
        if dev_sents:
            net.eval()
            export(net, vocab, emb, out)
            tagger = NumpyTagger(out, dev_resources)
            pred = [lab for lab, _ in tagger.tag_many([w for w, _ in dev_sents])]
            f1 = score([t for _, t in dev_sents], pred)["micro"]["f1"]
            entry["dev_f1"] = f1
            if f1 > best_f1:
                best_f1 = f1
                best_state = {k: v.clone() for k, v in net.state_dict().items()}
        history.append(entry)
        log.info("epoch %s", entry)
    if best_state is not None:
        net.load_state_dict(best_state)
    export(net, vocab, emb, out)
    return {"history": history, "best_dev_f1": best_f1}
