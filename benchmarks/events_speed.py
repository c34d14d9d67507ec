#!/usr/bin/env python3
"""Speed of the whole default pipeline with the ``events`` stage, on one core.

Reads the first N articles of the news corpus (``../shared/data/corpus/
arabic_news_all_72k.jsonl.gz``), builds the default pipeline (models load before timing),
runs a short warm-up, then times the full pipeline over the N articles (CPU seconds of this
process) and prints JSON: articles/s for the whole pipeline, the share of time spent in the
``events`` stage, events per article.

    .venv/bin/python benchmarks/events_speed.py --articles 300
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
    ap.add_argument("--warmup", type=int, default=20)
    args = ap.parse_args()
    from marsad.runtime import tune_gc

    tune_gc()  # as the marsad command does

    from marsad.evaluation.corpus import corpus_documents
    from marsad.pipeline import Pipeline

    docs = corpus_documents(args.articles + args.warmup, args.corpus)
    pipeline = Pipeline.from_config()
    for doc in docs[: args.warmup]:
        pipeline(doc)
    timed = docs[args.warmup:]
    per_stage: dict[str, float] = {name: 0.0 for name, _ in pipeline.stages}
    n_events = 0
    words = 0
    start = time.process_time()
    for doc in timed:
        words += len(doc.text.split())
        for name, stage in pipeline.stages:
            t0 = time.process_time()
            doc = stage(doc)
            per_stage[name] += time.process_time() - t0
        n_events += len(doc.events)
    total = time.process_time() - start
    print(json.dumps({
        "articles": len(timed),
        "words": words,
        "cpu_seconds": round(total, 2),
        "articles_per_s": round(len(timed) / total, 2),
        "events_stage_share": round(per_stage.get("events", 0.0) / total, 3),
        "events_stage_articles_per_s": round(len(timed) / max(per_stage.get("events", 0.0), 1e-9), 1),
        "stage_seconds": {k: round(v, 2) for k, v in per_stage.items()},
        "events_per_article": round(n_events / max(len(timed), 1), 2),
    }, indent=2))


if __name__ == "__main__":
    main()
