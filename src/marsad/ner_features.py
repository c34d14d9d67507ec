"""Features for the CRF named-entity tagger.

The tagger works on whitespace words (punctuation split off, clitics still attached), as
ANERcorp is annotated. Each word gets features that depend on the word alone (cached),
and each position gathers the features of its neighbours (±2) under an offset prefix.

Word features: the normalised word, its clitic-stripped stem, affixes, shape, the word's
and the stem's distributional clusters at three granularities (k-means over word2vec
vectors learned from the news corpus), and gazetteer membership (of the word, the stem,
and of multi-word names that cover the position).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import regex

from marsad.normalize import normalize_key

_DIGIT = regex.compile(r"\d")
_ARABIC = regex.compile(r"^[\p{Arabic}]+$")
_PUNCT = regex.compile(r"^[\p{P}\p{S}]+$")

#: Proclitic strings that can stand before a name, longest first.
PROCLITICS = ("وبال", "وكال", "ولل", "فبال", "فال", "وال", "بال", "كال", "لل", "ال")
SINGLE_PROCLITICS = ("وب", "ول", "فب", "فل", "وك", "و", "ف", "ب", "ل", "ك")


@lru_cache(maxsize=500_000)
def norm(word: str) -> str:
    """The lookup form of a word: diacritics removed, alef/ya folded, digits as 0."""
    return _DIGIT.sub("0", normalize_key(word))


@dataclass
class Resources:
    """Everything the features look up: clusters, word counts and gazetteers."""

    clusters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    freq: dict[str, int] = field(default_factory=dict)
    gazetteer: dict[str, frozenset[str]] = field(default_factory=dict)
    max_gaz_len: int = 1
    lexicon: dict[str, tuple[str, ...]] = field(default_factory=dict)
    lexicon_raw: dict[str, tuple[int, ...]] = field(default_factory=dict)
    gaz_heads: dict[str, tuple[int, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, cluster_path: Path, gazetteer_path: Path,
             lexicon_path: Path | None = None) -> Resources:
        """Read the cluster table (``word c1 c2 c3 logfreq``), the gazetteer
        (``name<TAB>TYPE``, names already normalised) and the corpus name lexicon
        (``word PER LOC ORG MISC BEGIN count``, percentages; see :func:`lexicon_features`)."""
        res = cls()
        if lexicon_path is not None:
            res.lexicon_raw = read_lexicon(lexicon_path)
            res.lexicon = {w: f for w, nums in res.lexicon_raw.items()
                           if (f := lexicon_features(nums[:4], nums[4], nums[5]))}
        with gzip.open(cluster_path, "rt", encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 3:
                    continue
                res.clusters[parts[0]] = tuple(parts[1:-1])
                res.freq[parts[0]] = int(parts[-1])
        gaz: dict[str, set[str]] = {}
        with gzip.open(gazetteer_path, "rt", encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 2:
                    continue
                gaz.setdefault(parts[0], set()).add(parts[1])
        res.gazetteer = {k: frozenset(v) for k, v in gaz.items()}
        res.max_gaz_len = max((k.count(" ") + 1 for k in gaz), default=1)
        heads: dict[str, set[int]] = {}
        for k in gaz:
            n = k.count(" ") + 1
            if n > 1:
                heads.setdefault(k.split(" ", 1)[0], set()).add(n)
        res.gaz_heads = {h: tuple(sorted(v, reverse=True)) for h, v in heads.items()}
        return res


LEXICON_TYPES = ("PER", "LOC", "ORG", "MISC")


def lexicon_features(ratios: Sequence[int], begin: int, count: int) -> tuple[str, ...]:
    """Features from how often the corpus tagger labelled a word as each type
    (percentages), how often as an entity's first word, and how often it was seen."""
    feats: list[str] = []
    for kind, r in zip(LEXICON_TYPES, ratios, strict=True):
        if r >= 80:
            feats.append(f"lx={kind}:4")
        elif r >= 50:
            feats.append(f"lx={kind}:3")
        elif r >= 20:
            feats.append(f"lx={kind}:2")
        elif r >= 5:
            feats.append(f"lx={kind}:1")
    if feats:
        feats.append("lxb=" + str(begin // 25))
        feats.append("lxn=" + str(min(count.bit_length(), 12) // 3))
    return tuple(feats)


def read_lexicon(path: Path) -> dict[str, tuple[int, ...]]:
    """The corpus name lexicon: per word, the percentages labelled PER, LOC, ORG, MISC,
    the percentage of entity labels that began an entity, and the occurrence count."""
    out: dict[str, tuple[int, ...]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 7:
                out[parts[0]] = tuple(int(x) for x in parts[1:])
    return out


def stem(word: str, freq: dict[str, int]) -> str:
    """Strip proclitics from a normalised word. ``ال``-led prefixes are stripped when a
    stem of two letters or more remains; a bare one-letter conjunction or preposition only
    when the remainder is a more frequent corpus word than the whole."""
    for p in PROCLITICS:
        if word.startswith(p) and len(word) - len(p) >= 2:
            return word[len(p):]
    for p in SINGLE_PROCLITICS:
        if word.startswith(p) and len(word) - len(p) >= 3:
            rest = word[len(p):]
            if freq.get(rest, 0) > freq.get(word, 0):
                return rest
    return word


def shape(word: str) -> str:
    """A coarse word shape."""
    if _ARABIC.match(word):
        return "ar"
    if word.isdigit():
        return "num"
    if _PUNCT.match(word):
        return "punct"
    if word.isalpha():
        return "latin"
    return "mixed"


class FeatureExtractor:
    """Turns sentences of words into CRF feature lists; word features are cached."""

    #: Neighbour offsets and which word features they carry.
    WINDOW = (-2, -1, 1, 2)

    def __init__(self, resources: Resources) -> None:
        self.res = resources
        self._word = lru_cache(maxsize=300_000)(self._word_features)
        self._ctx = lru_cache(maxsize=300_000)(self._context_features)
        self._ctx_off = lru_cache(maxsize=1_000_000)(self._offset_features)
        self._spans = lru_cache(maxsize=2048)(self._gazetteer_spans)
        self._stem = lru_cache(maxsize=300_000)(lambda w: stem(w, self.res.freq))

    def _word_features(self, word: str) -> tuple[str, ...]:
        res = self.res
        w = norm(word)
        s = stem(w, res.freq)
        al = w[len(w) - len(s) - 2 : len(w) - len(s)] == "ال" if s != w else False
        feats = [
            "b",
            "w=" + w,
            "s=" + s,
            "sh=" + shape(w),
            "len=" + str(min(len(s), 8)),
            "p2=" + s[:2],
            "p3=" + s[:3],
            "x1=" + s[-1:],
            "x2=" + s[-2:],
            "x3=" + s[-3:],
            "pre=" + w[: len(w) - len(s)],
        ]
        if al:
            feats.append("al")
        cw = res.clusters.get(w)
        if cw is not None:
            feats.extend(f"c{i}={c}" for i, c in enumerate(cw))
            feats.append("f=" + str(res.freq[w] // 2))
        else:
            feats.append("oov")
        if s != w:
            cs = res.clusters.get(s)
            if cs is not None:
                feats.extend(f"sc{i}={c}" for i, c in enumerate(cs))
        else:
            feats.extend(f"sc{i}={c}" for i, c in enumerate(cw or ()))
        lex = res.lexicon.get(w)
        if lex is None and s != w:
            lex = res.lexicon.get(s)
            if lex is None and al:
                lex = res.lexicon.get("ال" + s)
        if lex:
            feats.extend(lex)
        for t in res.gazetteer.get(w, ()):
            feats.append("g=" + t)
        if s != w:
            for t in res.gazetteer.get(s, ()):
                feats.append("gs=" + t)
            if al:
                for t in res.gazetteer.get("ال" + s, ()):
                    feats.append("gs=" + t)
        return tuple(feats)

    def _context_features(self, word: str) -> tuple[str, ...]:
        """The subset of a word's features its neighbours see."""
        keep = ("w=", "s=", "c0", "c1", "c2", "sc1", "g=", "gs=", "sh=", "x2=", "oov", "lx=")
        return tuple(f for f in self._word(word) if f.startswith(keep))

    def _offset_features(self, word: str, off: int) -> tuple[str, ...]:
        """A neighbour's context features under its offset prefix."""
        prefix = f"{off}:"
        return tuple(prefix + f for f in self._ctx(word))

    def gazetteer_spans(self, words: Sequence[str]) -> list[list[str]]:
        """Per position, features for multi-word gazetteer names covering it
        (``gB=PER``/``gI=PER``), longest match first, clitics stripped on the first word."""
        return self._spans(tuple(words))

    def _gazetteer_spans(self, words: Sequence[str]) -> list[list[str]]:
        res = self.res
        n = len(words)
        out: list[list[str]] = [[] for _ in range(n)]
        normed = [norm(w) for w in words]
        stems = [self._stem(w) for w in normed]
        heads = res.gaz_heads
        i = 0
        while i < n:
            if normed[i] not in heads and stems[i] not in heads:
                i += 1
                continue
            matched = 0
            firsts = {normed[i], stems[i]}
            lengths = sorted({m for f in firsts for m in heads.get(f, ()) if m <= n - i},
                             reverse=True)
            for length in lengths:
                tail = " ".join(normed[i + 1 : i + length])
                for first in firsts:
                    types = res.gazetteer.get(first + " " + tail)
                    if types:
                        for t in types:
                            out[i].append("gB=" + t)
                            for j in range(i + 1, i + length):
                                out[j].append("gI=" + t)
                        matched = length
                if matched:
                    break
            i += matched or 1
        return out

    def sentence(self, words: Sequence[str]) -> list[list[str]]:
        """Features for every word of one sentence."""
        n = len(words)
        own = [self._word(w) for w in words]
        ctx_off = self._ctx_off
        gspans = self.gazetteer_spans(words)
        result: list[list[str]] = []
        for i in range(n):
            feats = list(own[i])
            feats.extend(gspans[i])
            for off in self.WINDOW:
                j = i + off
                if 0 <= j < n:
                    feats.extend(ctx_off(words[j], off))
                    if gspans[j]:
                        feats.extend(f"{off}:{f}" for f in gspans[j])
                else:
                    feats.append(f"{off}:pad")
            if i > 0:
                feats.append("bg-1=" + own[i - 1][1][2:] + "|" + own[i][1][2:])
            if i + 1 < n:
                feats.append("bg+1=" + own[i][1][2:] + "|" + own[i + 1][1][2:])
            result.append(feats)
        return result

    def sentences(self, sents: Iterable[Sequence[str]]) -> list[list[list[str]]]:
        """Features for many sentences."""
        return [self.sentence(s) for s in sents]
