"""Training the BiLSTM-CRF of :mod:`marsad.ner_neural` with torch (training only).

torch is needed only here (``pip install torch==2.13.0``); the result is exported to a
``.npz`` file that the numpy tagger reads.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping, Sequence
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


def _model(n_words: int, n_chars: int, emb: np.ndarray, hidden: int, n_heads: int = 1,
           extra_dim: int = 0, extra_proj: int = 256) -> Any:
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
            if extra_dim:
                # contextual word vectors (e5; teacher only): normalised, projected
                self.extra_norm = nn.LayerNorm(extra_dim)
                self.extra_lin = nn.Linear(extra_dim, extra_proj)
                d_in += extra_proj
            self.drop_in = nn.Dropout(0.5)
            self.lstm = nn.LSTM(d_in, hidden, batch_first=True, bidirectional=True)
            self.drop_out = nn.Dropout(0.3)
            k = len(LABELS)
            # one output layer and CRF per head (head 0: ANERcorp; others: auxiliary data)
            self.outs = nn.ModuleList(nn.Linear(2 * hidden, k) for _ in range(n_heads))
            self.trans = nn.ParameterList(nn.Parameter(torch.zeros(k, k)) for _ in range(n_heads))
            self.start = nn.ParameterList(nn.Parameter(torch.zeros(k)) for _ in range(n_heads))
            self.end = nn.ParameterList(nn.Parameter(torch.zeros(k)) for _ in range(n_heads))

        def emissions(self, ids: Any, chars: Any, flags: Any, head: int = 0,
                      extra: Any = None) -> Any:
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
            if extra is not None:
                x = torch.cat([x, self.extra_lin(self.extra_norm(extra))], dim=2)
            h, _ = self.lstm(self.drop_in(x))
            return self.outs[head](self.drop_out(h))

    return Net()


def _crf_nll(net: Any, em: Any, tags: Any, mask: Any, head: int = 0) -> Any:
    import torch

    trans, start, end = net.trans[head], net.start[head], net.end[head]
    t = em.shape[1]
    # score of the gold path
    gold = start[tags[:, 0]] + em[:, 0].gather(1, tags[:, :1]).squeeze(1)
    for i in range(1, t):
        step = trans[tags[:, i - 1], tags[:, i]] + em[:, i].gather(1, tags[:, i : i + 1]).squeeze(1)
        gold = gold + step * mask[:, i]
    lengths = mask.sum(1).long()
    last = tags.gather(1, (lengths - 1)[:, None]).squeeze(1)
    gold = gold + end[last]
    # partition
    alpha = start[None, :] + em[:, 0]
    for i in range(1, t):
        nxt = torch.logsumexp(alpha[:, :, None] + trans[None], dim=1) + em[:, i]
        m = mask[:, i : i + 1]
        alpha = nxt * m + alpha * (1 - m)
    z = torch.logsumexp(alpha + end[None], dim=1)
    return (z - gold).mean()


#: Contextual word vectors of sentences (teacher only), keyed by the sentence's words.
Extra = Mapping[tuple[str, ...], np.ndarray]


def _extra_batch(extra: Extra, sents: Sequence[Sequence[str]]) -> Any:
    """The padded (B, T, D) float tensor of the sentences' contextual vectors."""
    import torch

    t = max(len(w) for w in sents)
    first = extra[tuple(sents[0])]
    out = np.zeros((len(sents), t, first.shape[1]), dtype=np.float32)
    for i, words in enumerate(sents):
        out[i, : len(words)] = extra[tuple(words)]
    return torch.from_numpy(out)


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


class _CRFDecoder(NumpyTagger):
    """The numpy CRF decoding of :class:`NumpyTagger` over given transitions."""

    def __init__(self, params: dict[str, np.ndarray]) -> None:
        self.p = params


def _decoder(net: Any, head: int = 0) -> _CRFDecoder:
    return _CRFDecoder({
        "crf_trans": net.trans[head].detach().numpy().astype(np.float64),
        "crf_start": net.start[head].detach().numpy().astype(np.float64),
        "crf_end": net.end[head].detach().numpy().astype(np.float64)})


def torch_emissions(net: Any, encoder: Encoder, sents: Sequence[Sequence[str]],
                    extra: Extra | None = None, head: int = 0,
                    batch_size: int = 64) -> list[np.ndarray]:
    """Per sentence, the (words, labels) emission scores of the torch network (eval mode)."""
    import torch

    net.eval()
    order = sorted(range(len(sents)), key=lambda i: len(sents[i]))
    result: list[np.ndarray] = [np.zeros((0, len(LABELS)))] * len(sents)
    with torch.no_grad():
        for lo in range(0, len(order), batch_size):
            idx = [i for i in order[lo : lo + batch_size] if sents[i]]
            if not idx:
                continue
            batch = [(list(sents[i]), ["O"] * len(sents[i])) for i in idx]
            ids, chars, flags, _tags, _mask = _batch(encoder, batch)
            x = _extra_batch(extra, [sents[i] for i in idx]) if extra is not None else None
            em = net.emissions(ids, chars, flags, head, x).numpy().astype(np.float64)
            for j, i in enumerate(idx):
                result[i] = em[j, : len(sents[i])]
    return result


def torch_marginals(net: Any, encoder: Encoder, sents: Sequence[Sequence[str]],
                    extra: Extra | None = None, head: int = 0) -> list[np.ndarray]:
    """Per sentence, the (words, labels) label marginals of the torch network's CRF."""
    dec = _decoder(net, head)
    out = []
    for em in torch_emissions(net, encoder, sents, extra, head):
        if len(em) == 0:
            out.append(np.zeros((0, len(LABELS))))
            continue
        out.append(dec._marginals(em[None], np.array([len(em)]))[0])
    return out


def torch_tag(net: Any, encoder: Encoder, sents: Sequence[Sequence[str]],
              extra: Extra | None = None, head: int = 0) -> list[list[str]]:
    """Viterbi labels of the torch network for each sentence."""
    dec = _decoder(net, head)
    out = []
    for em in torch_emissions(net, encoder, sents, extra, head):
        out.append(dec.decode(em[None], np.array([len(em)]))[0][0] if len(em) else [])
    return out


def export(net: Any, vocab: Vocab, emb: np.ndarray, out: Path,
           head_names: Sequence[str] = ()) -> None:
    """Write the weights the numpy tagger reads (word vectors as int8 + row scales); the
    first head's output layer and CRF under plain names, the others' prefixed by their
    names (``aqmar_out_w`` ...)."""
    sd = {k: v.detach().cpu().numpy().astype(np.float32) for k, v in net.state_dict().items()}
    heads: dict[str, np.ndarray] = {}
    for k, name in enumerate(head_names, 1):
        heads.update({f"{name}_out_w": sd[f"outs.{k}.weight"], f"{name}_out_b": sd[f"outs.{k}.bias"],
                      f"{name}_crf_trans": sd[f"trans.{k}"], f"{name}_crf_start": sd[f"start.{k}"],
                      f"{name}_crf_end": sd[f"end.{k}"]})
    scale = np.maximum(np.abs(emb).max(axis=1), 1e-8) / 127.0
    q = np.round(emb / scale[:, None]).astype(np.int8)
    arrays: dict[str, np.ndarray] = dict(
        word_emb_q=q, word_emb_scale=scale.astype(np.float32),
        cl0=sd["cl0.weight"], cl1=sd["cl1.weight"], cl2=sd["cl2.weight"],
        char_emb=sd["char_emb.weight"], char_conv_w=sd["char_conv.weight"],
        char_conv_b=sd["char_conv.bias"],
        lstm_f_wih=sd["lstm.weight_ih_l0"], lstm_f_whh=sd["lstm.weight_hh_l0"],
        lstm_f_bih=sd["lstm.bias_ih_l0"], lstm_f_bhh=sd["lstm.bias_hh_l0"],
        lstm_b_wih=sd["lstm.weight_ih_l0_reverse"], lstm_b_whh=sd["lstm.weight_hh_l0_reverse"],
        lstm_b_bih=sd["lstm.bias_ih_l0_reverse"], lstm_b_bhh=sd["lstm.bias_hh_l0_reverse"],
        out_w=sd["outs.0.weight"], out_b=sd["outs.0.bias"],
        crf_trans=sd["trans.0"], crf_start=sd["start.0"], crf_end=sd["end.0"],
        vocab_words=np.array(vocab.words), vocab_chars=np.array(vocab.chars),
        head_names=np.array(list(head_names), dtype=str), **heads,
    )
    np.savez_compressed(out, **arrays)  # type: ignore[arg-type]


def train(groups: Sequence[tuple[Sequence[Sentence], Resources]], dev_sents: Sequence[Sentence],
          dev_resources: Resources, vectors: Path, out: Path, *, epochs: int = 25,
          hidden: int = 128, seed: int = 7, lr: float = 2e-3, batch_size: int = 16,
          threads: int = 1, silver: Sequence[Sentence] = (),
          silver_per_epoch: int = 0,
          aux: Sequence[tuple[str, Sequence[Sentence]]] = (),
          average: int = 1, extra: Extra | None = None,
          extra_proj: int = 256) -> dict[str, Any]:
    """Train on groups of sentences, each encoded with its own resources (the jackknifed
    corpus lexicons); keep the epoch with the best dev F1 (the last if no dev); export.

    ``silver``: machine-labelled sentences (the teacher's output on corpus text, see
    :func:`marsad.training.ner.silver_labels`), of which each epoch adds the next
    ``silver_per_epoch`` (encoded with the first group's resources) to the gold batches.
    ``aux``: other labelled data sets (name, sentences), each trained through its own
    output layer and CRF on the shared encoder (multi-task), exported as named heads.
    ``average`` > 1: export the mean of the last ``average`` epochs' weights instead (its
    dev F1 is reported as ``average_dev_f1``).

    ``extra``: contextual word vectors (e5) of every sentence used (gold, dev, silver),
    an additional input projected to ``extra_proj`` dimensions — for a teacher only: such
    a network cannot be exported to numpy; it is saved with ``torch.save`` (state dict and
    vocabularies) and returned as ``result["net"]`` (with ``result["encoder"]``)."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    random.seed(seed)
    all_sents = [s for sents, _ in groups for s in sents]
    vocab, emb = build_vocab(vectors, all_sents)
    encoders = [Encoder(vocab, res) for _, res in groups]
    extra_dim = next(iter(extra.values())).shape[1] if extra else 0
    net = _model(len(vocab.words), len(vocab.chars), emb, hidden, 1 + len(aux),
                 extra_dim, extra_proj)
    head_names = [name for name, _ in aux]
    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=lr)
    best_f1, best_state, history = -1.0, None, []
    t0 = time.perf_counter()
    silver_pos = 0
    snapshots: list[dict[str, Any]] = []
    from tqdm import tqdm

    for epoch in tqdm(range(epochs), desc="BiLSTM-CRF epochs", unit="epoch"):
        net.train()
        batches: list[tuple[Encoder, list[Sentence], int]] = []
        for (sents, _), encoder in zip(groups, encoders, strict=True):
            order = list(sents)
            random.shuffle(order)
            order.sort(key=lambda s: len(s[0]) // 8 + random.random())
            batches.extend((encoder, order[i : i + batch_size], 0)
                           for i in range(0, len(order), batch_size))
        for head, (_name, sents) in enumerate(aux, 1):
            order = sorted(sents, key=lambda s: len(s[0]) // 8 + random.random())
            batches.extend((encoders[0], order[i : i + batch_size], head)
                           for i in range(0, len(order), batch_size))
        if silver and silver_per_epoch:
            part = [silver[(silver_pos + i) % len(silver)] for i in range(silver_per_epoch)]
            silver_pos += silver_per_epoch
            part.sort(key=lambda s: len(s[0]) // 8 + random.random())
            batches.extend((encoders[0], part[i : i + batch_size], 0)
                           for i in range(0, len(part), batch_size))
        random.shuffle(batches)
        total = 0.0
        for encoder, batch, head in batches:
            ids, chars, flags, tags, mask = _batch(encoder, batch)
            x = _extra_batch(extra, [w for w, _ in batch]) if extra else None
            loss = _crf_nll(net, net.emissions(ids, chars, flags, head, x), tags, mask, head)
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
            f1 = _dev_f1(net, vocab, emb, out, head_names, dev_sents, dev_resources, extra)
            entry["dev_f1"] = f1
            if f1 > best_f1:
                best_f1 = f1
                best_state = {k: v.clone() for k, v in net.state_dict().items()}
        history.append(entry)
        log.info("epoch %s", entry)
        if epoch >= epochs - average:
            snapshots.append({k: v.detach().clone() for k, v in net.state_dict().items()})
    result: dict[str, Any] = {"history": history, "best_dev_f1": best_f1}
    if average > 1:
        net.load_state_dict({k: sum(snap[k] for snap in snapshots) / len(snapshots)
                             for k in snapshots[0]})
        if dev_sents:
            result["average_dev_f1"] = _dev_f1(net, vocab, emb, out, head_names, dev_sents,
                                               dev_resources, extra)
    elif best_state is not None:
        net.load_state_dict(best_state)
    net.eval()
    if extra:
        import torch

        torch.save({"state": net.state_dict(), "words": vocab.words, "chars": vocab.chars,
                    "hidden": hidden, "heads": head_names, "extra_dim": extra_dim,
                    "extra_proj": extra_proj}, out)
        result["net"] = net
        result["encoder"] = Encoder(vocab, groups[0][1])
    else:
        export(net, vocab, emb, out, head_names)
    return result


def load_torch_teacher(path: Path, resources: Resources) -> tuple[Any, Encoder]:
    """The network saved by :func:`train` with ``extra`` (eval mode) and its encoder."""
    import torch

    saved = torch.load(path, weights_only=False)
    vocab = Vocab(saved["words"], saved["chars"])
    dim = saved["state"]["word_emb.weight"].shape[1]
    net = _model(len(vocab.words), len(vocab.chars),
                 np.zeros((len(vocab.words), dim), dtype=np.float32), saved["hidden"],
                 1 + len(saved["heads"]), saved["extra_dim"], saved["extra_proj"])
    net.load_state_dict(saved["state"])
    net.eval()
    return net, Encoder(vocab, resources)


def _dev_f1(net: Any, vocab: Vocab, emb: np.ndarray, out: Path, head_names: Sequence[str],
            dev_sents: Sequence[Sentence], dev_resources: Resources,
            extra: Extra | None) -> float:
    """Micro F1 on the dev sentences (through the numpy tagger unless ``extra``)."""
    net.eval()
    words = [w for w, _ in dev_sents]
    if extra:
        pred = torch_tag(net, Encoder(vocab, dev_resources), words, extra)
    else:
        export(net, vocab, emb, out, head_names)
        tagger = NumpyTagger(out, dev_resources)
        pred = [lab for lab, _ in tagger.tag_many(words)]
    return float(score([t for _, t in dev_sents], pred)["micro"]["f1"])
