"""Reading the shared news corpus in place, by article id (evaluation sets refer to its
articles by id and character offsets; no corpus text is stored in the project)."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from marsad.doc import Document
from marsad.errors import DataError
from marsad.paths import shared_label, shared_path

CORPUS_PARTS = ("corpus", "arabic_news_all_72k.jsonl.gz")
#: What ``--help`` shows as the default corpus.
CORPUS_LABEL = shared_label(*CORPUS_PARTS)
_ID = re.compile(r'"id":\s*"([^"]+)"')


def default_corpus() -> Path:
    """The shared corpus file."""
    return shared_path(*CORPUS_PARTS)


def iter_corpus(corpus: Path | None = None, *, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """The corpus records in file order (``limit`` of them at most)."""
    path = corpus or default_corpus()
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for n, line in enumerate(fh):
                if limit is not None and n >= limit:
                    return
                yield json.loads(line)
    except FileNotFoundError:
        raise DataError(f"corpus not found: {path} (the shared data must sit beside the checkout, "
                        "or set MARSAD_SHARED_DATA)") from None


def read_articles(ids: Iterable[str], corpus: Path | None = None) -> dict[str, dict[str, Any]]:
    """The corpus records with the given ids, in one pass; every id must be found."""
    need = set(ids)
    path = corpus or default_corpus()
    found: dict[str, dict[str, Any]] = {}
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                m = _ID.search(line, 0, 200)
                if m and m.group(1) in need:
                    found[m.group(1)] = json.loads(line)
                    if len(found) == len(need):
                        break
    except FileNotFoundError:
        raise DataError(f"corpus not found: {path} (the shared data must sit beside the checkout, "
                        "or set MARSAD_SHARED_DATA)") from None
    missing = need - found.keys()
    if missing:
        raise DataError(f"{len(missing)} articles missing from {path}, e.g. {sorted(missing)[0]}")
    return found


def read_texts(ids: Iterable[str], corpus: Path | None = None) -> dict[str, str]:
    """The ``text`` of each given article id."""
    return {aid: str(rec.get("text") or "") for aid, rec in read_articles(ids, corpus).items()}


def corpus_documents(limit: int, corpus: Path | None = None) -> list[Document]:
    """The first ``limit`` corpus articles that have text, as documents (for benchmarks)."""
    from marsad.readers import parse_date

    docs: list[Document] = []
    for record in iter_corpus(corpus):
        text = record.get("text") or ""
        if text.strip():
            docs.append(Document(text=text, id=str(record.get("id", "")),
                                 date=parse_date(record.get("date")),
                                 title=record.get("title"), source=record.get("source")))
        if len(docs) >= limit:
            break
    return docs
