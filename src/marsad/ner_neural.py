"""A BiLSTM-CRF word tagger, run in numpy (trained with torch by ``marsad train ner``).

Input per word: a frozen word2vec vector of the word and of its clitic-stripped stem
(corpus-trained, int8-quantised), learned embeddings of its three distributional clusters,
a character CNN over the normalised word, and a small vector of gazetteer and shape flags.
One bidirectional LSTM layer, a linear layer to the BIO labels, and CRF transitions decoded
with Viterbi; optional further output heads (linear layer + CRF, e.g. ``aqmar``) trained on
other data sets' annotation share the encoder.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController

from marsad.errors import ModelError
from marsad.ner_features import FeatureExtractor, Resources, norm, shape, stem

LABELS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC")
GAZ_TYPES = ("PER", "LOC", "ORG", "GPE")
SHAPES = ("ar", "num", "punct", "latin", "mixed")
MAX_CHARS = 16
#: Most frequent corpus words whose LSTM input projections are computed at load time.
STATIC_WORDS = 8_000
#: Other words whose input projections are kept (the cache restarts when it is full).
CACHE_WORDS = 20_000
N_FLAGS = 4 * len(GAZ_TYPES) + len(SHAPES) + 3 + 7


class Vocab:
    """Index tables shared by training and inference."""

    def __init__(self, words: Sequence[str], chars: Sequence[str]) -> None:
        self.words = list(words)  # index 0: padding, 1: unknown
        self.word_index = {w: i for i, w in enumerate(self.words)}
        self.chars = list(chars)  # index 0: padding, 1: unknown
        self.char_index = {c: i for i, c in enumerate(self.chars)}


class Encoder:
    """Turns words into the integer and flag arrays the network reads (cached per word)."""

    def __init__(self, vocab: Vocab, resources: Resources,
                 features: FeatureExtractor | None = None) -> None:
        self.vocab = vocab
        self.res = resources
        self.fx = features or FeatureExtractor(resources)
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
        lex = res.lexicon_raw.get(w) or res.lexicon_raw.get(s)
        if lex is not None:
            for k in range(5):
                flags[24 + k] = lex[k] / 100.0
            flags[29] = min(lex[5].bit_length(), 16) / 16.0
            flags[30] = 1.0
        return wi, si, c[0], c[1], c[2], chars, tuple(flags)

    def sentence(self, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``ids`` (n, 5), ``chars`` (n, MAX_CHARS), ``flags`` (n, N_FLAGS) for a sentence."""
        ids, flags = self.ids_and_flags(words)
        chars = np.zeros((len(words), MAX_CHARS), dtype=np.int64)
        for i, word in enumerate(words):
            ch = self._word(word)[5]
            chars[i, : len(ch)] = ch
        return ids, chars, flags

    def ids_and_flags(self, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """``ids`` (n, 5) and ``flags`` (n, N_FLAGS) for a sentence."""
        encoded = [self._word(w) for w in words]
        ids = np.array([e[:5] for e in encoded], dtype=np.int64)
        flags = np.array([e[6] for e in encoded], dtype=np.float32)
        for i, feats in enumerate(self.fx.gazetteer_spans(words)):
            for f in feats:
                kind = f[3:]
                if kind in GAZ_TYPES:
                    base = 8 if f.startswith("gB") else 12
                    flags[i, base + GAZ_TYPES.index(kind)] = 1.0
        return ids, flags


def _bio_tables() -> tuple[np.ndarray, np.ndarray]:
    k = len(LABELS)
    allowed = np.zeros((k, k))
    start = np.zeros(k)
    for j, lab in enumerate(LABELS):
        if lab.startswith("I-"):
            start[j] = -1e9
            for i, prev in enumerate(LABELS):
                if prev[2:] != lab[2:]:
                    allowed[i, j] = -1e9
    return allowed, start


_BIO_TRANSITIONS, _BIO_START = _bio_tables()


def viterbi_bio_batch(probs: Sequence[np.ndarray]) -> list[list[int]]:
    """:func:`viterbi_bio` for many sentences at once (padded, vectorised)."""
    if not probs:
        return []
    lengths = np.array([len(p) for p in probs])
    b, t, k = len(probs), int(lengths.max()), len(LABELS)
    logp = np.zeros((b, t, k))
    for i, p in enumerate(probs):
        logp[i, : len(p)] = np.log(np.maximum(p, 1e-12))
    score = _BIO_START + logp[:, 0]
    back = np.zeros((b, t, k), dtype=np.int64)
    ar = np.arange(k)
    for i in range(1, t):
        cand = score[:, :, None] + _BIO_TRANSITIONS[None]
        bi = np.argmax(cand, axis=1)
        new = cand.max(axis=1) + logp[:, i]
        live = (i < lengths)[:, None]
        back[:, i] = np.where(live, bi, ar[None, :])
        score = np.where(live, new, score)
    best = np.zeros((b, t), dtype=np.int64)
    cur = np.argmax(score, axis=1)
    rows = np.arange(b)
    for i in range(t - 1, -1, -1):
        best[:, i] = cur
        if i > 0:
            cur = back[rows, i, cur]
    return [best[i, : lengths[i]].tolist() for i in range(b)]


def viterbi_bio(probs: np.ndarray) -> list[int]:
    """The most probable label path under per-word label probabilities (:data:`LABELS`
    order) that is valid BIO (an ``I-X`` only after ``B-X`` or ``I-X``)."""
    n, k = probs.shape
    logp = np.log(np.maximum(probs, 1e-12))
    allowed = _BIO_TRANSITIONS
    score = _BIO_START + logp[0]
    back = np.zeros((n, k), dtype=np.int64)
    for i in range(1, n):
        cand = score[:, None] + allowed
        back[i] = np.argmax(cand, axis=0)
        score = cand[back[i], np.arange(k)] + logp[i]
    path = [int(np.argmax(score))]
    for i in range(n - 1, 0, -1):
        path.append(int(back[i, path[-1]]))
    path.reverse()
    return path


class NumpyTagger:
    """Inference with the exported weights (``neural.npz``)."""

    def __init__(self, path: Path, resources: Resources,
                 features: FeatureExtractor | None = None, head: str | None = None) -> None:
        z = np.load(path, allow_pickle=False)
        self.p = {k: z[k] for k in z.files
                  if k not in ("vocab_words", "vocab_chars", "head_names")}
        #: the names of the auxiliary output heads (the main, ANERcorp head has none)
        self.heads = tuple(str(h) for h in z["head_names"]) if "head_names" in z.files else ()
        if head is not None:
            if head not in self.heads:
                raise ModelError(f"the NER model has no head {head!r} (heads: "
                                 f"{', '.join(self.heads) or 'none'})")
            for key in ("out_w", "out_b", "crf_trans", "crf_start", "crf_end"):
                self.p[key] = self.p[f"{head}_{key}"]
        emb_q = self.p.pop("word_emb_q").astype(np.float32)
        self.word_emb = emb_q * self.p.pop("word_emb_scale")[:, None]
        words = [str(w) for w in z["vocab_words"]]
        chars = [str(c) for c in z["vocab_chars"]]
        self.encoder = Encoder(Vocab(words, chars), resources, features)
        self.hidden = self.p["lstm_f_whh"].shape[1]
        # the matrices are small: BLAS threads only add synchronisation cost
        self._blas = ThreadpoolController()
        self._char_cache: dict[str, np.ndarray] = {}
        self._proj_cache: dict[str, np.ndarray] = {}
        self._prepare_lstm()

    def _char_cnn(self, words: Sequence[str]) -> np.ndarray:
        """Character-CNN features of words (max over the positions of each word)."""
        p = self.p
        n = len(words)
        idx = np.zeros((n, MAX_CHARS + 2), dtype=np.int64)
        lengths = np.ones(n, dtype=np.int64)
        for i, word in enumerate(words):
            ch = self.encoder._word(word)[5]
            idx[i, 1 : 1 + len(ch)] = ch
            lengths[i] = max(len(ch), 1)
        e = p["char_emb"][idx]  # (n, L+2, dc)
        w = p["char_conv_w"]  # (out, dc, k)
        k = w.shape[2]
        span = MAX_CHARS + 2 - k + 1
        conv = sum(e[:, i : i + span] @ w[:, :, i].T for i in range(k)) + p["char_conv_b"]
        conv[np.arange(span)[None, :] >= lengths[:, None]] = -np.inf
        return np.asarray(conv.max(axis=1), dtype=np.float32)

    def _char_features(self, words: Sequence[str]) -> np.ndarray:
        cache = self._char_cache
        if len(cache) > 300_000:
            cache.clear()
        new = list({w for w in words if w not in cache})
        if new:
            for w, f in zip(new, self._char_cnn(new), strict=True):
                cache[w] = f
        return np.stack([cache[w] for w in words])

    def _word_projections(self, words: Sequence[str]) -> np.ndarray:
        """Word-level part of the input projections (n, 8H) of distinct words: embeddings,
        clusters, characters and the word's own flags, with the LSTM biases."""
        encoded = [self.encoder._word(w) for w in words]
        ids = np.array([e[:5] for e in encoded], dtype=np.int64)
        flags = np.array([e[6] for e in encoded], dtype=np.float32)
        p = self.p
        x = np.concatenate([
            self.word_emb[ids[:, 0]], self.word_emb[ids[:, 1]],
            p["cl0"][ids[:, 2]], p["cl1"][ids[:, 3]], p["cl2"][ids[:, 4]],
            self._char_features(words),
        ], axis=1).astype(np.float32)
        return np.asarray(x @ self._w_word + flags @ self._w_flags + self._b_both)

    def _projections(self, words: Sequence[str]) -> np.ndarray:
        """The LSTM input projections (n, 8H) of both directions for one sentence: the
        word-level part is looked up (the most frequent words' computed at load time,
        others cached, up to :data:`CACHE_WORDS`), then the rows of the multi-word gazetteer
        flags, which depend on the neighbours, are added."""
        cache = self._proj_cache
        rows = [cache.get(w) for w in words]
        missing = [w for w, r in zip(words, rows, strict=True) if r is None]
        if missing:
            if len(cache) > len(self._proj_static) + CACHE_WORDS:
                cache = self._proj_cache = dict(self._proj_static)
                missing = [w for w in words if w not in cache]
            new = list(dict.fromkeys(missing))
            for w, row in zip(new, self._word_projections(new), strict=True):
                cache[w] = row
            rows = [cache[w] for w in words]
        x = np.stack(rows)  # type: ignore[arg-type]
        span_rows = self._span_rows
        for i, feats in enumerate(self.encoder.fx.gazetteer_spans(words)):
            if feats:
                for f in set(feats):
                    row = span_rows.get(f)
                    if row is not None:
                        x[i] += row
        return x

    def _prepare_lstm(self) -> None:
        """Reorder the gates to (i, f, o, g) and halve the sigmoid gates' weights, so one
        ``tanh`` serves all four gates (sigmoid(x) = (tanh(x/2) + 1) / 2)."""
        p = self.p
        h = self.hidden
        order = np.r_[0:h, h : 2 * h, 3 * h : 4 * h, 2 * h : 3 * h]
        scale = np.r_[np.full(3 * h, 0.5), np.ones(h)].astype(np.float32)
        self._lstm_w: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for d in ("f", "b"):
            wih = p[f"lstm_{d}_wih"][order] * scale[:, None]
            whh = p[f"lstm_{d}_whh"][order] * scale[:, None]
            bias = (p[f"lstm_{d}_bih"] + p[f"lstm_{d}_bhh"])[order] * scale
            self._lstm_w[d] = (np.ascontiguousarray(wih.T), np.ascontiguousarray(whh.T),
                               bias.astype(np.float32))
        # input projections of both directions, split into the word-level part (cached per
        # word) and the flags (which depend on the neighbours through gazetteer spans)
        both = np.concatenate([self._lstm_w["f"][0], self._lstm_w["b"][0]], axis=1)
        self._w_word = np.ascontiguousarray(both[:-N_FLAGS])
        self._w_flags = np.ascontiguousarray(both[-N_FLAGS:])
        self._b_both = np.concatenate([self._lstm_w["f"][2], self._lstm_w["b"][2]])
        self._span_rows = {f"g{bi}={t}": self._w_flags[base + k]
                           for bi, base in (("B", 8), ("I", 12))
                           for k, t in enumerate(GAZ_TYPES)}
        frequent = self.encoder.vocab.words[2:STATIC_WORDS + 2]
        self._proj_static: dict[str, np.ndarray] = dict(
            zip(frequent, self._word_projections(frequent), strict=True))
        self._proj_cache = dict(self._proj_static)

    def _bilstm(self, x: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Both directions over the input projections ``x`` (N, 8H) of sentences laid end to
        end, sorted longest first; returns (B, T, 2H) states. The backward direction runs over each
        sentence reversed; every sentence starts at step 0, and at each step only the
        sentences still running are computed."""
        hf, hb = self._lstm_w["f"][1], self._lstm_w["b"][1]
        b, t = len(lengths), int(lengths.max())
        hs = self.hidden
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        pos = np.arange(len(x)) - np.repeat(starts, lengths)
        row = np.repeat(np.arange(b), lengths)
        back_pos = np.repeat(lengths, lengths) - 1 - pos
        gx = np.zeros((2, t, b, 4 * hs), dtype=np.float32)
        gx[0, pos, row] = x[:, : 4 * hs]
        gx[1, back_pos, row] = x[:, 4 * hs :]
        whh = np.stack([hf, hb])  # (2, H, 4H)
        h = np.zeros((2, b, hs), dtype=np.float32)
        c = np.zeros((2, b, hs), dtype=np.float32)
        out = np.zeros((2, t, b, hs), dtype=np.float32)
        running = np.searchsorted(-lengths, -np.arange(t), side="left")  # lengths sorted desc
        for step in range(t):
            n = int(running[step])
            hn, cn = h[:, :n], c[:, :n]  # views: updated in place
            g = np.matmul(hn, whh)
            g += gx[:, step, :n]
            np.tanh(g, out=g)
            sig = g[..., : 3 * hs]
            sig *= 0.5
            sig += 0.5
            cell = g[..., 3 * hs :]
            cell *= sig[..., :hs]
            cn *= sig[..., hs : 2 * hs]
            cn += cell
            np.tanh(cn, out=hn)
            hn *= sig[..., 2 * hs :]
            out[:, step, :n] = hn
        result = np.zeros((b, t, 2 * hs), dtype=np.float32)
        result[row, pos, :hs] = out[0, pos, row]
        result[row, pos, hs:] = out[1, back_pos, row]
        return result

    def emissions(self, sents: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Label scores (B, T, labels) for a batch of sentences, and their lengths."""
        with self._blas.limit(limits=1, user_api="blas"):
            return self._emissions(sents)

    def _emissions(self, sents: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        order = sorted(range(len(sents)), key=lambda i: -len(sents[i]))
        undo = np.argsort(order)
        lengths = np.array([len(sents[i]) for i in order])
        x = np.concatenate([self._projections(sents[i]) for i in order])
        h = self._bilstm(x, lengths)[undo]
        return h @ self.p["out_w"].T + self.p["out_b"], lengths[undo]

    def marginals_many(self, sents: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """Per sentence, the (words, labels) matrix of label marginals, in :data:`LABELS`
        order."""
        order = sorted(range(len(sents)), key=lambda i: len(sents[i]))
        result: list[np.ndarray] = [np.zeros((0, len(LABELS)))] * len(sents)
        for lo in range(0, len(order), 64):
            idx = [i for i in order[lo : lo + 64] if sents[i]]
            if not idx:
                continue
            em, lengths = self.emissions([sents[i] for i in idx])
            marg = self._marginals(em.astype(np.float64), lengths)
            for j, i in enumerate(idx):
                result[i] = marg[j, : lengths[j]]
        return result

    def _marginals(self, em: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Label marginals of a padded batch (forward-backward in probability space,
        rescaled at every step; the backward pass runs over the reversed sentences so
        that no step needs masking)."""
        trans = self.p["crf_trans"].astype(np.float64)
        start, end = self.p["crf_start"], self.p["crf_end"]
        b, t, k = em.shape
        et = np.exp(trans - trans.max())
        ett = np.ascontiguousarray(et.T)
        pe = np.exp(em - em.max(axis=2, keepdims=True))
        steps = np.arange(t)[None, :]
        rev = np.where(steps < lengths[:, None], lengths[:, None] - 1 - steps, steps)
        rows = np.arange(b)[:, None]
        pe_rev = pe[rows, rev]
        alpha = np.empty((b, t, k))
        a = np.exp(start - start.max()) * pe[:, 0]
        a /= a.sum(axis=1, keepdims=True)
        alpha[:, 0] = a
        for i in range(1, t):
            a = (a @ et) * pe[:, i]
            a /= a.sum(axis=1, keepdims=True)
            alpha[:, i] = a
        beta_rev = np.empty((b, t, k))
        bt = np.broadcast_to(np.exp(end - end.max()), (b, k)).copy()
        beta_rev[:, 0] = bt
        for r in range(1, t):
            bt = (pe_rev[:, r - 1] * bt) @ ett
            bt /= bt.sum(axis=1, keepdims=True)
            beta_rev[:, r] = bt
        marg = alpha * beta_rev[rows, rev]
        return np.asarray(marg / np.maximum(marg.sum(axis=2, keepdims=True), 1e-300))

    def decode(self, em: np.ndarray, lengths: np.ndarray) -> list[tuple[list[str], list[float]]]:
        """Viterbi labels of a padded batch and each chosen label's marginal probability
        (scaled forward-backward)."""
        trans = self.p["crf_trans"].astype(np.float64)
        start, end = self.p["crf_start"], self.p["crf_end"]
        b, t, k = em.shape
        em = em.astype(np.float64)
        # Viterbi; padded steps keep the score (identity transition)
        score = start + em[:, 0]
        back = np.zeros((b, t, k), dtype=np.int64)
        ar = np.arange(k)
        for i in range(1, t):
            cand = score[:, :, None] + trans[None]
            bi = np.argmax(cand, axis=1)
            new = cand.max(axis=1) + em[:, i]
            live = (i < lengths)[:, None]
            back[:, i] = np.where(live, bi, ar[None, :])
            score = np.where(live, new, score)
        score = score + end
        best = np.zeros((b, t), dtype=np.int64)
        cur = np.argmax(score, axis=1)
        for i in range(t - 1, -1, -1):
            best[:, i] = cur
            if i > 0:
                cur = back[np.arange(b), i, cur]
        marg = self._marginals(em, lengths)
        out: list[tuple[list[str], list[float]]] = []
        for j in range(b):
            n = int(lengths[j])
            path = best[j, :n]
            probs = marg[j, np.arange(n), path]
            out.append(([LABELS[x] for x in path], [float(p) for p in probs]))
        return out

    def tag_many(self, sents: Sequence[Sequence[str]]) -> list[tuple[list[str], list[float]]]:
        """Labels and confidences for many sentences (batched by length)."""
        order = sorted(range(len(sents)), key=lambda i: len(sents[i]))
        result: list[tuple[list[str], list[float]]] = [([], [])] * len(sents)
        batch = 64
        for lo in range(0, len(order), batch):
            idx = [i for i in order[lo : lo + batch] if sents[i]]
            if not idx:
                continue
            em, lengths = self.emissions([sents[i] for i in idx])
            for i, res in zip(idx, self.decode(em, lengths), strict=True):
                result[i] = res
        return result
