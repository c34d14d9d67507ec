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

    @classmethod
    def load(cls, cluster_path: Path, gazetteer_path: Path) -> Resources:
        """Read the cluster table (``word c1 c2 c3 logfreq``) and the gazetteer
        (``name<TAB>TYPE``, names already normalised)."""
        res = cls()
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
        return res


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
        keep = ("w=", "s=", "c0", "c1", "c2", "sc1", "g=", "gs=", "sh=", "x2=", "oov")
        return tuple(f for f in self._word(word) if f.startswith(keep))

    def gazetteer_spans(self, words: Sequence[str]) -> list[list[str]]:
        """Per position, features for multi-word gazetteer names covering it
        (``gB=PER``/``gI=PER``), longest match first, clitics stripped on the first word."""
        res = self.res
        n = len(words)
        out: list[list[str]] = [[] for _ in range(n)]
        normed = [norm(w) for w in words]
        stems = [stem(w, res.freq) for w in normed]
        i = 0
        while i < n:
            matched = 0
            for length in range(min(res.max_gaz_len, n - i), 1, -1):
                tail = " ".join(normed[i + 1 : i + length])
                for first in {normed[i], stems[i]}:
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
        ctx = [self._ctx(w) for w in words]
        gspans = self.gazetteer_spans(words)
        result: list[list[str]] = []
        for i in range(n):
            feats = list(own[i])
            feats.extend(gspans[i])
            for off in self.WINDOW:
                j = i + off
                if 0 <= j < n:
                    prefix = f"{off}:"
                    feats.extend(prefix + f for f in ctx[j])
                    feats.extend(prefix + f for f in gspans[j])
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
