"""Clitic segmentation of one Arabic word.

A segmenter maps a surface word to its pieces: ``(start, end, form, kind)`` with offsets
relative to the word, ``form`` the piece as a dictionary spells it and ``kind`` one of
``proclitic``, ``stem``, ``enclitic``. The pieces always cover the word exactly, in order,
and every piece covers at least one character.

The scheme follows Universal Dependencies Arabic: the conjunctions و ف, the prepositions
ب ك ل, the future particle س and the pronoun suffixes (ه ها هم هما هن ك كم كما كن نا ي
ني) are pieces of their own; the definite article ``ال`` stays on its word. So
«بالجزائر» → ب + الجزائر, «لدرنة» → ل + درنة and «للجيش» → ل + لجيش, where the second
piece covers the surface ``لجيش`` and its ``form`` restores the article: ``الجيش``. A stem
written with ``ت`` or ``ي`` before a suffix gets its dictionary form back when the corpus
lexicon knows it (``مدينته`` → form ``مدينة`` + ``ه``). A word that is only a preposition
and a pronoun (``له``, ``عليه``) has the preposition as its stem.

:class:`LearnedSegmenter` ranks every admissible split of a word with a linear model
(averaged structured perceptron over character and lexicon-frequency features) trained on
UD Arabic; see ``marsad/models/segmenter/MODEL_CARD.md``. Names in a small protected list
(``سبها``, ``بنغازي`` ...) are never split, and a proclitic before one of them is split off
(``وبنغازي`` → و + بنغازي). Results are cached per word. :class:`RuleSegmenter` is a
conservative rule-based fallback.
"""

from __future__ import annotations

import gzip
import itertools
import math
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Protocol

from marsad.errors import ConfigError, ModelError

Piece = tuple[int, int, str, str]

#: Proclitics, in the order they can stack: a conjunction, then a preposition or ``س``.
CONJUNCTIONS = ("و", "ف")
PREPOSITIONS = ("ب", "ك", "ل")
FUTURE = "س"
#: Pronoun suffixes (longest first).
ENCLITICS = ("هما", "كما", "هم", "هن", "كم", "كن", "نا", "ني", "ها", "ه", "ك", "ي")
PROCLITIC_SEQUENCES: tuple[str, ...] = tuple(
    c + p for c in ("", *CONJUNCTIONS) for p in ("", *PREPOSITIONS, FUTURE)
)

_DIACRITICS = frozenset(
    [chr(c) for c in range(0x064B, 0x0660)] + ["\u0670", "\u0640"]
    + [chr(c) for c in range(0x06D6, 0x06EE)]
)
_LIGHT = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا"})
_IMPERFECT = frozenset("يتنا")
#: Words that take the suffix ي "me/my" although they do not end in ة (ت) or ا.
_MY_HOSTS = frozenset("ل ب حول دون امام جانب اتجاه مع عند بين خلف فوق تحت نحو وراء".split())

MODEL_DIR = "models/segmenter"
WEIGHTS_FILE = "weights.tsv.gz"
LEXICON_FILE = "lexicon.tsv.gz"
PROTECTED_FILE = "protected.txt"


class Segmenter(Protocol):
    """Anything that splits a word into clitic pieces."""

    def segment(self, word: str) -> tuple[Piece, ...]:
        """Pieces of ``word`` covering it exactly, in order."""
        ...


# ---------------------------------------------------------------------------- shared


def light_key(word: str) -> tuple[str, list[int]]:
    """The word without diacritics and tatweel, alef variants folded, and for each kept
    character its index in ``word``."""
    keep = [i for i, ch in enumerate(word) if ch not in _DIACRITICS]
    return "".join(word[i] for i in keep).translate(_LIGHT), keep


def raw_key(word: str, keep: list[int]) -> str:
    """The kept characters of ``word`` (diacritics gone, hamzas kept)."""
    return "".join(word[i] for i in keep)


Candidate = tuple[str, str, str]  # (proclitics, stem, enclitic) over the light key


def candidates(key: str, raw: str | None = None) -> list[Candidate]:
    """Every admissible split of a light key: proclitic sequence + stem (>= 1 letter) +
    optional pronoun suffix. The first candidate is always the unsplit word.

    ``raw`` is the word without diacritics but with its hamzas (same length as ``key``):
    the future ``س`` is split before an alef only when it carries a hamza (سأكون, not
    ساهم)."""
    out: list[Candidate] = [("", key, "")]
    n = len(key)
    for pre in PROCLITIC_SEQUENCES:
        if pre and not key.startswith(pre):
            continue
        lp = len(pre)
        for suf in ("", *ENCLITICS):
            if not pre and not suf:
                continue
            if suf and not key.endswith(suf):
                continue
            stem_len = n - lp - len(suf)
            if stem_len < 1:
                continue
            stem = key[lp : n - len(suf)]
            if pre.endswith(FUTURE) and (stem[0] not in _IMPERFECT or (
                    stem[0] == "ا" and (raw is None or raw[lp] != "أ"))):
                continue
            if stem_len == 1 and stem not in PREPOSITIONS:
                continue  # a one-letter stem is only a preposition hosting a pronoun (له)
            if suf == "ي" and stem[-1] not in "تا" and stem not in _MY_HOSTS:
                continue  # ي is a nisba ending (بغدادي) far more often than "my"
            out.append((pre, stem, suf))
    return out


def _bucket(count: int) -> int:
    return 0 if count <= 0 else min(1 + int(math.log2(count)), 20)


def features(key: str, cand: Candidate, lexicon: Mapping[str, int]) -> list[str]:
    """Features of one candidate split of ``key`` (strings, for a linear model)."""
    pre, stem, suf = cand
    hp = "P" if pre else "-"
    hs = "S" if suf else "-"
    stem_count = lexicon.get(stem, 0)
    if pre.endswith("ل") and stem.startswith("ل"):
        # ل + لجيش: the stem is the word with its article, الجيش
        stem_count = max(stem_count, lexicon.get("ا" + stem, 0))
    fs = _bucket(stem_count)
    fw = _bucket(lexicon.get(key, 0))
    fd = max(-6, min(6, fs - fw))
    feats = [
        "p:" + pre,
        "s:" + suf,
        "ps:" + pre + "|" + suf,
        "st:" + stem,
        "w:" + key + "|" + pre + "|" + suf,
        "b2:" + stem[:2] + "|" + pre,
        "b3:" + stem[:3] + "|" + pre,
        "e2:" + stem[-2:] + "|" + suf,
        "e3:" + stem[-3:] + "|" + suf,
        f"l:{min(len(stem), 9)}|{hp}{hs}",
        f"fs:{fs}|{hp}{hs}",
        f"fw:{fw}|{hp}{hs}",
        f"fd:{fd}|{hp}{hs}",
        f"fsp:{fs}|{pre}|{suf}",
        f"fwp:{fw}|{pre}|{suf}",
        f"fdp:{fd}|{pre}|{suf}",
        "a2s:" + stem[:2] + "|" + hs,
    ]
    if pre:
        feats.append("pb:" + pre[-1] + "|" + stem[:2])
        rest = key[len(pre):]
        feats.append(f"fr:{_bucket(lexicon.get(rest, 0))}|{pre}")
    if suf:
        feats.append("sb:" + stem[-2:] + "|" + suf)
        host = key[: len(key) - len(suf)]
        feats.append(f"fh:{_bucket(lexicon.get(host, 0))}|{suf}")
        feats.append(f"fsr:{_bucket(lexicon.get(restore_stem(stem, suf, lexicon), 0))}|{suf}")
    if stem.startswith("ال"):
        feats.append("al|" + pre)
    if pre.endswith("ل") and stem.startswith("ل"):
        feats.append(f"ll:{_bucket(lexicon.get('ا' + stem, 0))}")
    return feats


def restore_stem(stem: str, suffix: str, lexicon: Mapping[str, int]) -> str:
    """The dictionary form of a stem written differently before a suffix (``ت`` → ``ة``,
    ``ي``/``ا`` → ``ى``, ``ئ``/``ؤ`` → ``ء``), when the lexicon knows it better."""
    if not suffix or len(stem) < 2:
        return stem
    last = stem[-1]
    options: tuple[str, ...]
    if last == "ت":
        options = ("ة",)
    elif last in "يا":
        options = ("ى",)
    elif last in "ئؤ":
        options = ("ء",)
    else:
        return stem
    best, best_count = stem, lexicon.get(stem, 0)
    for alt in options:
        alt_stem = stem[:-1] + alt
        count = lexicon.get(alt_stem, 0)
        if count > 2 * best_count:
            best, best_count = alt_stem, count
    return best


# ---------------------------------------------------------------------------- segmenters


def _whole(word: str) -> tuple[Piece, ...]:
    return ((0, len(word), word, "stem"),)


def pieces_from_split(word: str, keep: list[int], key: str, cand: Candidate,
                      lexicon: Mapping[str, int]) -> tuple[Piece, ...]:
    """Turn a split of the light key into pieces over the original ``word`` (diacritics
    stay with the letter before them; forms restored; kinds assigned)."""
    pre, stem, suf = cand
    if not pre and not suf:
        return _whole(word)
    stem_start = len(pre)
    stem_end = len(key) - len(suf)
    bounds = sorted({*range(len(pre) + 1), stem_end, len(key)})

    def orig(k: int) -> int:
        return keep[k] if k < len(keep) else len(word)

    out: list[Piece] = []
    for a, b in itertools.pairwise(bounds):
        start = 0 if a == 0 else orig(a)
        end = len(word) if b == len(key) else orig(b)
        surface = word[start:end]
        if a < stem_start:
            kind = "proclitic"
            form = key[a:b]
        elif a == stem_start and b == stem_end:
            kind = "stem"
            form = _stem_form(surface, stem, pre, suf, lexicon)
        else:
            kind = "enclitic"
            form = key[a:b]
        out.append((start, end, form, kind))
    return tuple(out)


def _stem_form(surface: str, stem: str, pre: str, suf: str, lexicon: Mapping[str, int]) -> str:
    form = "".join(ch for ch in surface if ch not in _DIACRITICS)
    if pre.endswith("ل") and stem.startswith("ل") and len(stem) > 1:
        if lexicon.get("ا" + stem, 0) > lexicon.get(stem, 0):
            form = "ا" + form
    if suf:
        restored = restore_stem(stem, suf, lexicon)
        if restored != stem:
            form = form[:-1] + restored[-1]
    return form


class LearnedSegmenter:
    """The learned segmenter: a linear model over candidate splits (see module doc)."""

    def __init__(self, weights: Mapping[str, float], lexicon: Mapping[str, int],
                 protected: Iterable[str] = (), cache_size: int = 200_000) -> None:
        self.weights = dict(weights)
        self.lexicon = dict(lexicon)
        self.protected = frozenset(light_key(w)[0] for w in protected)
        self._cache: dict[str, tuple[Piece, ...]] = {}
        self._cache_size = cache_size

    def segment(self, word: str) -> tuple[Piece, ...]:
        """Pieces of ``word`` covering it exactly, in order (cached per word)."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        result = self._segment(word)
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[word] = result
        return result

    def split(self, key: str, raw: str | None = None) -> Candidate:
        """The best split of a light key (protected names honoured); ``raw`` as in
        :func:`candidates`."""
        if key in self.protected or len(key) < 2:
            return ("", key, "")
        cands = candidates(key, raw)
        # و ف ب ل before a protected name are split off (وبنغازي); ك and س are not
        # forced (كسرت is a verb, not ك + سرت)
        protected = [c for c in cands if c[1] in self.protected and not c[2]
                     and not any(p in c[0] for p in "كس")]
        if protected:
            cands = protected
        return max(cands, key=lambda c: self.score(key, c))

    def score(self, key: str, cand: Candidate) -> float:
        """The model score of one candidate split."""
        w = self.weights
        return sum(w.get(f, 0.0) for f in features(key, cand, self.lexicon))

    def _segment(self, word: str) -> tuple[Piece, ...]:
        key, keep = light_key(word)
        if not key:
            return _whole(word)
        cand = self.split(key, raw_key(word, keep))
        return pieces_from_split(word, keep, key, cand, self.lexicon)


class RuleSegmenter:
    """Conservative rules: conjunction, preposition prefixes before ``ال``; used when
    configured as ``rules``."""

    def __init__(self, protected: frozenset[str] = frozenset()) -> None:
        self.protected = protected
        self._cached = lru_cache(maxsize=200_000)(self._segment)

    def segment(self, word: str) -> tuple[Piece, ...]:
        """Pieces of ``word`` (cached)."""
        return self._cached(word)

    def _segment(self, word: str) -> tuple[Piece, ...]:
        key, keep = light_key(word)
        if key in self.protected or len(key) < 4:
            return _whole(word)
        pre = ""
        if key[0] in CONJUNCTIONS and len(key) > 4:
            if key[1:3] in ("ال", "لل") or (key[1] in PREPOSITIONS and key[2:4] == "ال"):
                pre = key[0]
        rest = key[len(pre):]
        if rest[:1] in PREPOSITIONS and (rest[1:3] == "ال" or rest.startswith("لل")) \
                and len(rest) > 4:
            pre += rest[0]
        if not pre:
            return _whole(word)
        stem = key[len(pre):]
        # the rules only split ل before لل/ال words: an elided article to restore
        lexicon = {"ا" + stem: 1} if pre.endswith("ل") and stem.startswith("ل") else {}
        return pieces_from_split(word, keep, key, (pre, stem, ""), lexicon)


# ---------------------------------------------------------------------------- loading


def read_weights(lines: Iterable[str]) -> dict[str, float]:
    """Parse ``feature<TAB>weight`` lines."""
    weights: dict[str, float] = {}
    for line in lines:
        feat, _, value = line.rstrip("\n").rpartition("\t")
        if feat:
            weights[feat] = float(value)
    return weights


def read_lexicon(lines: Iterable[str]) -> dict[str, int]:
    """Parse ``word<TAB>count`` lines."""
    lexicon: dict[str, int] = {}
    for line in lines:
        word, _, count = line.rstrip("\n").partition("\t")
        if word:
            lexicon[word] = int(count)
    return lexicon


def _read_gz_lines(name: str, directory: Path | None = None) -> list[str]:
    if directory is not None:
        data = (directory / name).read_bytes()
    else:
        data = resources.files("marsad").joinpath(MODEL_DIR, name).read_bytes()
    return gzip.decompress(data).decode("utf-8").splitlines()


def load_model_dir(directory: Path | None = None) -> LearnedSegmenter:
    """Load a learned segmenter from a model folder (the shipped one by default)."""
    try:
        weights = read_weights(_read_gz_lines(WEIGHTS_FILE, directory))
        lexicon = read_lexicon(_read_gz_lines(LEXICON_FILE, directory))
        if directory is not None:
            protected_text = (directory / PROTECTED_FILE).read_text("utf-8")
        else:
            protected_text = (resources.files("marsad").joinpath(MODEL_DIR, PROTECTED_FILE)
                              .read_text("utf-8"))
    except (FileNotFoundError, OSError, ValueError, EOFError) as exc:
        raise ModelError(f"the segmenter model is missing or corrupt ({exc}); "
                         "run `marsad train segmenter`") from None
    protected = [w.strip() for w in protected_text.splitlines()
                 if w.strip() and not w.startswith("#")]
    return LearnedSegmenter(weights, lexicon, protected)


@lru_cache(maxsize=4)
def load_segmenter(name: str = "default") -> Segmenter:
    """The segmenter named in the configuration: ``default`` (the shipped learned model)
    or ``rules`` (the rule fallback)."""
    if name == "rules":
        return RuleSegmenter()
    if name not in ("default", "model"):
        raise ConfigError(f"unknown segmenter {name!r} (known: default, rules)")
    return load_model_dir()
