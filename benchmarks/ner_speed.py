#!/usr/bin/env python3
"""Speed of the ``ner`` stage on one core: tokens/s, model size and load time.

Reads the first N articles of the news corpus (``../shared/data/corpus/
arabic_news_all_72k.jsonl.gz``), runs ``sentences`` and ``tokens`` first (not timed), then
times the ``ner`` stage alone (CPU seconds of this process) and prints JSON: tokens/s
(tokens = whitespace words, as the NER model sees them), the model files' sizes and the
model's load time. A warm-up pass over the first articles fills the word caches first
unless ``--cold``.

    .venv/bin/python benchmarks/ner_speed.py --articles 300

Figures on the shared 2-core machine (load average about 6, 2026-11-25; see
``src/marsad/models/ner/MODEL_CARD.md``): the distilled BiLSTM-CRF (default) 35,500
words/s on 300 articles and 34,600 on 1,000, load 1.4–1.7 s, model 11.6 MB; the CRF alone
(``--crf-only``) 37,300; the previous CRF + BiLSTM ensemble 17,500 in the same window.
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
    ap.add_argument("--model-dir", type=Path, default=None,
                    help="another model folder (default: the shipped model)")
    args = ap.parse_args()
    from marsad.runtime import tune_gc

    tune_gc()  # as the marsad command does

    from marsad.evaluation.corpus import corpus_documents
    from marsad.ner import MODEL_DIR, group_words, load_model
    from marsad.pipeline import Pipeline

    pre = Pipeline.from_config(stages=["sentences", "tokens"])
    docs = [pre(d) for d in corpus_documents(args.articles, args.corpus)]

    t0 = time.perf_counter()
    model_dir = args.model_dir or MODEL_DIR
    model = load_model(str(model_dir), neural=not args.crf_only)
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
    sizes = {p.name: p.stat().st_size for p in sorted(model_dir.iterdir())
             if p.is_file() and p.suffix != ".md"}
    print(json.dumps({
        "model": "crf" if args.crf_only else ("bilstm" if model.crf_weight <= 0 else "crf+bilstm"),
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
