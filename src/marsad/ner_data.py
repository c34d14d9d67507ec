"""Reading CoNLL-style NER files and exact-span (CoNLL) scoring.

Files hold one ``token TAG`` a line (space or tab separated; the tag is the last field)
and a blank line between sentences. Tags are BIO; the type names of the different corpora
are mapped onto PER, ORG, LOC, MISC (``PERS`` → ``PER``, ``MIS`` → ``MISC``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from marsad.errors import DataError

TYPE_MAP = {"PERS": "PER", "PER": "PER", "LOC": "LOC", "ORG": "ORG", "MISC": "MISC",
            "MIS": "MISC", "GPE": "LOC"}

Sentence = tuple[list[str], list[str]]


def _map_tag(tag: str) -> str:
    if tag == "O" or "-" not in tag:
        return "O"
    prefix, _, kind = tag.partition("-")
    mapped = TYPE_MAP.get(kind.upper())
    if mapped is None or prefix not in ("B", "I"):
        return "O"
    return f"{prefix}-{mapped}"


def read_conll(path: str | Path) -> list[Sentence]:
    """Sentences of ``(words, tags)`` from a CoNLL-style file."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"NER data file not found: {p}")
    sents: list[Sentence] = []
    words: list[str] = []
    tags: list[str] = []
    with p.open(encoding="utf-8-sig") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.rstrip("\r\n").replace("\u200e", "")
            if not line.strip():
                if words:
                    sents.append((words, tags))
                    words, tags = [], []
                continue
            parts = line.split()
            if (len(parts) == 1 and _map_tag(parts[0]) != "O") or parts == ["O"]:
                continue  # a tag with an empty token (seen in AQMAR): skip it
            if len(parts) < 2:
                raise DataError(f"{p}:{lineno}: expected 'token TAG', got {line!r}")
            words.append(" ".join(parts[:-1]) if len(parts) > 2 else parts[0])
            tags.append(_map_tag(parts[-1]))
    if words:
        sents.append((words, tags))
    if not sents:
        raise DataError(f"no sentences in {p}")
    return sents


def spans(tags: Sequence[str]) -> set[tuple[int, int, str]]:
    """Entity spans ``(start, end, type)`` of a BIO sequence, the conlleval way (an
    ``I-`` after ``O`` or after another type opens a new entity)."""
    out: set[tuple[int, int, str]] = set()
    start, kind = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, t = tag.partition("-")
        if start >= 0 and (prefix != "I" or t != kind):
            out.add((start, i, kind))
            start = -1
        if prefix == "B" or (prefix == "I" and start < 0):
            start, kind = i, t
    return out


def score(gold: Iterable[Sequence[str]], pred: Iterable[Sequence[str]]) -> dict[str, dict[str, float]]:
    """Per-type and micro precision, recall and F1 (percent), exact spans."""
    tp: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    for g, p in zip(gold, pred, strict=True):
        gs, ps = spans(g), spans(p)
        for s in gs:
            n_gold[s[2]] += 1
        for s in ps:
            n_pred[s[2]] += 1
        for s in gs & ps:
            tp[s[2]] += 1
    result: dict[str, dict[str, float]] = {}
    for kind in sorted(set(n_gold) | set(n_pred)):
        result[kind] = _prf(tp[kind], n_pred[kind], n_gold[kind])
    result["micro"] = _prf(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values()))
    return result


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(100 * p, 2), "recall": round(100 * r, 2), "f1": round(100 * f, 2),
            "support": n_gold}
