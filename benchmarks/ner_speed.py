#!/usr/bin/env python3
"""Speed of the ``ner`` stage on one core: tokens/s, model size and load time.

Reads the first N articles of the news corpus (``../shared/data/corpus/
arabic_news_all_72k.jsonl.gz``), runs ``sentences`` and ``tokens`` first (not timed), then
times the ``ner`` stage alone (CPU seconds of this process) and prints JSON: tokens/s
(tokens = whitespace words, as the NER model sees them), the model files' sizes and the
model's load time. A warm-up pass over the first articles fills the word caches first
unless ``--cold``.

    .venv/bin/python benchmarks/ner_speed.py --articles 300
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path


def main() -> None:
    """Run the benchmark and print its figures as JSON."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--cold", action="store_true", help="no warm-up pass")
    ap.add_argument("--crf-only", action="store_true", help="the CRF alone (no BiLSTM)")
    args = ap.parse_args()
    from marsad.runtime import tune_gc

    tune_gc()  # as the marsad command does

    from marsad.evaluation.corpus import corpus_documents
    from marsad.ner import MODEL_DIR, group_words, load_model
    from marsad.pipeline import Pipeline

    pre = Pipeline.from_config(stages=["sentences", "tokens"])
    docs = [pre(d) for d in corpus_documents(args.articles, args.corpus)]

    t0 = time.perf_counter()
    model = load_model(neural=not args.crf_only)
    load_seconds = time.perf_counter() - t0

    if not args.cold:
        for doc in docs[: max(1, len(docs) // 10)]:
            model.entities(doc)
    words = sum(len(group_words(d)) for d in docs)
    entities = 0
    c0 = time.process_time()
    for doc in docs:
        entities += len(model.entities(doc))
    cpu = time.process_time() - c0
    sizes = {p.name: p.stat().st_size for p in sorted(MODEL_DIR.iterdir()) if p.is_file()}
    print(json.dumps({
        "model": "crf" if args.crf_only else "crf+bilstm",
        "articles": len(docs),
        "tokens": words,
        "entities": entities,
        "cpu_seconds": round(cpu, 2),
        "tokens_per_second": round(words / cpu) if cpu else None,
        "load_seconds": round(load_seconds, 2),
        "model_bytes": sum(sizes.values()),
        "model_mb": round(sum(sizes.values()) / 1e6, 2),
        "files": sizes,
    }, indent=2))


if __name__ == "__main__":
    main()
