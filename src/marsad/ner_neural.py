"""A BiLSTM-CRF word tagger, run in numpy (trained with torch by ``marsad train ner``).

Input per word: a frozen word2vec vector of the word and of its clitic-stripped stem
(corpus-trained, int8-quantised), learned embeddings of its three distributional clusters,
a character CNN over the normalised word, and a small vector of gazetteer and shape flags.
One bidirectional LSTM layer, a linear layer to the BIO labels, and CRF transitions decoded
with Viterbi.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from marsad.ner_features import FeatureExtractor, Resources, norm, shape, stem

LABELS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC")
GAZ_TYPES = ("PER", "LOC", "ORG", "GPE")
SHAPES = ("ar", "num", "punct", "latin", "mixed")
MAX_CHARS = 16
N_FLAGS = 4 * len(GAZ_TYPES) + len(SHAPES) + 3


class Vocab:
    """Index tables shared by training and inference."""

    def __init__(self, words: Sequence[str], chars: Sequence[str]) -> None:
        self.words = list(words)  # index 0: padding, 1: unknown
        self.word_index = {w: i for i, w in enumerate(self.words)}
        self.chars = list(chars)  # index 0: padding, 1: unknown
        self.char_index = {c: i for i, c in enumerate(self.chars)}


class Encoder:
    """Turns words into the integer and flag arrays the network reads (cached per word)."""

    def __init__(self, vocab: Vocab, resources: Resources) -> None:
        self.vocab = vocab
        self.res = resources
        self.fx = FeatureExtractor(resources)
        self._word = lru_cache(maxsize=300_000)(self._encode_word)

    def _encode_word(self, word: str) -> tuple[int, int, int, int, int, tuple[int, ...],
                                                   tuple[float, ...]]:
        res, vocab = self.res, self.vocab
        w = norm(word)
        s = stem(w, res.freq)
        wi = vocab.word_index.get(w, 1)
        si = vocab.word_index.get(s, wi)
        cl = res.clusters.get(w) or res.clusters.get(s)
        c = tuple(int(x) + 1 for x in cl) if cl else (0, 0, 0)
        chars = tuple(vocab.char_index.get(ch, 1) for ch in w[:MAX_CHARS])
        flags = [0.0] * N_FLAGS
        for t in res.gazetteer.get(w, ()):
            flags[GAZ_TYPES.index(t)] = 1.0
        for t in res.gazetteer.get(s, ()):
            flags[4 + GAZ_TYPES.index(t)] = 1.0
        flags[16 + SHAPES.index(shape(w))] = 1.0
        flags[21] = 1.0 if s != w else 0.0
        flags[22] = 1.0 if cl is None else 0.0
        flags[23] = min(len(s), 10) / 10.0
        return wi, si, c[0], c[1], c[2], chars, tuple(flags)

    def sentence(self, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``ids`` (n, 5), ``chars`` (n, MAX_CHARS), ``flags`` (n, N_FLAGS) for a sentence."""
        n = len(words)
        ids = np.zeros((n, 5), dtype=np.int64)
        chars = np.zeros((n, MAX_CHARS), dtype=np.int64)
        flags = np.zeros((n, N_FLAGS), dtype=np.float32)
        for i, word in enumerate(words):
            wi, si, c0, c1, c2, ch, fl = self._word(word)
            ids[i] = (wi, si, c0, c1, c2)
            chars[i, : len(ch)] = ch
            flags[i] = fl
        for i, feats in enumerate(self.fx.gazetteer_spans(words)):
            for f in feats:
                kind = f[3:]
                if kind in GAZ_TYPES:
                    base = 8 if f.startswith("gB") else 12
                    flags[i, base + GAZ_TYPES.index(kind)] = 1.0
        return ids, chars, flags


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


class NumpyTagger:
    """Inference with the exported weights (``neural.npz``)."""

    def __init__(self, path: Path, resources: Resources) -> None:
        z = np.load(path, allow_pickle=False)
        self.p = {k: z[k] for k in z.files if k not in ("vocab_words", "vocab_chars")}
        emb_q = self.p.pop("word_emb_q").astype(np.float32)
        self.word_emb = emb_q * self.p.pop("word_emb_scale")[:, None]
        words = [str(w) for w in z["vocab_words"]]
        chars = [str(c) for c in z["vocab_chars"]]
        self.encoder = Encoder(Vocab(words, chars), resources)
        self.hidden = self.p["lstm_f_whh"].shape[1]
        self._char_feats = lru_cache(maxsize=300_000)(self._char_cnn)

    def _char_cnn(self, word: str) -> np.ndarray:
        _, _, _, _, _, ch, _ = self.encoder._word(word)
        p = self.p
        idx = np.zeros(MAX_CHARS + 2, dtype=np.int64)
        idx[1 : 1 + len(ch)] = ch
        e = p["char_emb"][idx]  # (L+2, dc)
        k = p["char_conv_w"].shape[2]
        windows = np.stack([e[i : i + len(idx) - k + 1] for i in range(k)], axis=1)  # (L', k, dc)
        w = p["char_conv_w"]  # (out, dc, k)
        conv = np.einsum("lkd,odk->lo", windows, w) + p["char_conv_b"]
        return np.max(conv[: max(len(ch), 1)], axis=0).astype(np.float32)

    def _inputs(self, words: Sequence[str]) -> np.ndarray:
        ids, _chars, flags = self.encoder.sentence(words)
        p = self.p
        parts = [
            self.word_emb[ids[:, 0]], self.word_emb[ids[:, 1]],
            p["cl0"][ids[:, 2]], p["cl1"][ids[:, 3]], p["cl2"][ids[:, 4]],
            np.stack([self._char_feats(w) for w in words]), flags,
        ]
        return np.concatenate(parts, axis=1).astype(np.float32)

    def _lstm(self, x: np.ndarray, lengths: np.ndarray, d: str, reverse: bool) -> np.ndarray:
        """Run one direction over a padded batch ``x`` (B, T, D)."""
        p = self.p
        b, t, _ = x.shape
        h_size = self.hidden
        gates_x = x @ p[f"lstm_{d}_wih"].T + (p[f"lstm_{d}_bih"] + p[f"lstm_{d}_bhh"])
        whh = p[f"lstm_{d}_whh"].T
        h = np.zeros((b, h_size), dtype=np.float32)
        c = np.zeros((b, h_size), dtype=np.float32)
        out = np.zeros((b, t, h_size), dtype=np.float32)
        steps = range(t - 1, -1, -1) if reverse else range(t)
        for step in steps:
            g = gates_x[:, step] + h @ whh
            i_g = _sigmoid(g[:, :h_size])
            f_g = _sigmoid(g[:, h_size : 2 * h_size])
            c_new = f_g * c + i_g * np.tanh(g[:, 2 * h_size : 3 * h_size])
            h_new = _sigmoid(g[:, 3 * h_size :]) * np.tanh(c_new)
            if reverse:
                live = (step < lengths)[:, None]
                c = np.where(live, c_new, 0.0)
                h = np.where(live, h_new, 0.0)
            else:
                c, h = c_new, h_new
            out[:, step] = h
        return out

    def emissions(self, sents: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """Label scores (n, labels) for each sentence; sentences are run as one batch."""
        if not sents:
            return []
        lengths = np.array([len(s) for s in sents])
        t = int(lengths.max())
        inputs = [self._inputs(s) for s in sents]
        x = np.zeros((len(sents), t, inputs[0].shape[1]), dtype=np.float32)
        for i, inp in enumerate(inputs):
            x[i, : len(inp)] = inp
        h = np.concatenate([self._lstm(x, lengths, "f", False),
                            self._lstm(x, lengths, "b", True)], axis=2)
        scores = h @ self.p["out_w"].T + self.p["out_b"]
        return [scores[i, : lengths[i]] for i in range(len(sents))]

    def decode(self, emissions: np.ndarray) -> tuple[list[str], list[float]]:
        """Viterbi labels and per-word label probabilities (forward-backward marginals)."""
        trans = self.p["crf_trans"]
        start, end = self.p["crf_start"], self.p["crf_end"]
        n, k = emissions.shape
        score = start + emissions[0]
        back = np.zeros((n, k), dtype=np.int64)
        for i in range(1, n):
            cand = score[:, None] + trans
            back[i] = np.argmax(cand, axis=0)
            score = cand[back[i], np.arange(k)] + emissions[i]
        score = score + end
        best = [int(np.argmax(score))]
        for i in range(n - 1, 0, -1):
            best.append(int(back[i, best[-1]]))
        best.reverse()
        marg = _marginals(emissions, trans, start, end)
        return [LABELS[j] for j in best], [float(marg[i, j]) for i, j in enumerate(best)]

    def tag_many(self, sents: Sequence[Sequence[str]]) -> list[tuple[list[str], list[float]]]:
        """Labels and confidences for many sentences (batched by length)."""
        order = sorted(range(len(sents)), key=lambda i: len(sents[i]))
        result: list[tuple[list[str], list[float]]] = [([], [])] * len(sents)
        batch = 64
        for lo in range(0, len(order), batch):
            idx = [i for i in order[lo : lo + batch] if sents[i]]
            if not idx:
                continue
            for i, em in zip(idx, self.emissions([sents[i] for i in idx]), strict=True):
                result[i] = self.decode(em)
        return result


def _logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    m = np.max(x, axis=axis, keepdims=True)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(x - m), axis=axis))


def _marginals(em: np.ndarray, trans: np.ndarray, start: np.ndarray, end: np.ndarray
               ) -> np.ndarray:
    n, k = em.shape
    alpha = np.zeros((n, k))
    beta = np.zeros((n, k))
    alpha[0] = start + em[0]
    for i in range(1, n):
        alpha[i] = _logsumexp(alpha[i - 1][:, None] + trans, 0) + em[i]
    beta[-1] = end
    for i in range(n - 2, -1, -1):
        beta[i] = _logsumexp(trans + (em[i + 1] + beta[i + 1])[None, :], 1)
    z = _logsumexp(alpha[-1] + end, 0)
    return np.asarray(np.exp(alpha + beta - z))
