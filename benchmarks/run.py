#!/usr/bin/env python3
"""Throughput and memory of each pipeline stage on real news.

Reads the first N articles of the news corpus (``../shared/data/corpus/
arabic_news_all_72k.jsonl.gz`` by default) and runs the configured pipeline over them, one
article at a time, timing every stage. Prints articles/s, tokens/s and peak memory for each
stage, for the text layer (sentences + tokens) and for the whole pipeline, as a table (and
as JSON with ``--json``), and the cost of actors + places + times against the text layer
(issue #4: text -> actors -> places -> dates within 2x the text layer alone).

Times are CPU seconds of this (single-threaded) process, so other load on the machine does
not distort them; the whole pipeline's wall-clock time is printed too.

Memory: ``peak MB`` is the largest Python allocation peak (tracemalloc) seen while the
stage processed one article, measured in a second pass (skip it with ``--no-memory``);
``max RSS`` is the process's resident-set peak at the end (resource.getrusage).

    .venv/bin/python benchmarks/run.py --articles 500
    .venv/bin/python benchmarks/run.py --articles 500 --skip 35000   # short articles
    .venv/bin/python benchmarks/run.py --articles 2000 --stages sentences,tokens --json
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "corpus" / "arabic_news_all_72k.jsonl.gz"
TEXT_LAYER = ("sentences", "tokens")
#: The stages issue #4 asks to stay cheap next to the text layer (NER and events aside).
RESOLUTION = ("actors", "places", "times")


def read_articles(path: Path, n: int, skip: int = 0) -> Iterator[dict[str, Any]]:
    """``n`` records of a JSON-lines file (gzip or plain), after the first ``skip``."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i >= skip + n:
                break
            if i >= skip:
                yield json.loads(line)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the benchmark and return the figures."""
    from marsad.doc import Document
    from marsad.pipeline import Pipeline, load_config
    from marsad.readers import ItemError, document_from_record

    corpus = Path(args.corpus)
    if not corpus.exists():
        raise SystemExit(f"benchmark: corpus not found: {corpus}")
    docs = []
    for i, record in enumerate(read_articles(corpus, args.articles, args.skip)):
        try:
            docs.append(document_from_record(record, fallback_id=str(i)))
        except ItemError:
            continue  # an empty or malformed record, skipped as `marsad run` skips it
    chars = sum(len(d.text) for d in docs)

    config = load_config(args.config)
    names = [s.strip() for s in args.stages.split(",")] if args.stages else None
    t0 = time.perf_counter()
    pipeline = Pipeline.from_config(config, stages=names)
    setup = time.perf_counter() - t0
    stages = pipeline.stages

    # pass 1: time (CPU time of this single-threaded process, so other load on the
    # machine does not count; wall-clock time is reported beside it). Documents go
    # through the stages as the pipeline runs them (Pipeline.process_batch): batch_size
    # at a time, each stage over the whole batch before the next.
    size = args.batch_size or pipeline.batch_size
    seconds = {name: 0.0 for name, _ in stages}
    tokens = 0
    failures: dict[str, int] = {}
    wall0 = time.perf_counter()
    cpu0 = time.process_time()
    for b in range(0, len(docs), size):
        batch: list[Document] = docs[b:b + size]
        for name, stage in stages:
            s0 = time.process_time()
            done: list[Document] = []
            for current in batch:
                try:
                    done.append(stage(current))
                except Exception as exc:  # report, keep going
                    key = f"{name}: {type(exc).__name__}"
                    failures[key] = failures.get(key, 0) + 1
            seconds[name] += time.process_time() - s0
            batch = done
        tokens += sum(len(d.tokens) for d in batch)
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - wall0

    # pass 2: memory
    peaks = {name: 0.0 for name, _ in stages}
    if not args.no_memory:
        tracemalloc.start()
        for doc in docs:
            current = doc
            for name, stage in stages:
                tracemalloc.reset_peak()
                base = tracemalloc.get_traced_memory()[0]
                try:
                    current = stage(current)
                except Exception:
                    break
                peak = tracemalloc.get_traced_memory()[1] - base
                peaks[name] = max(peaks[name], peak / 2**20)
        tracemalloc.stop()
    maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def row(name: str, secs: float, peak: float | None) -> dict[str, Any]:
        return {
            "stage": name,
            "seconds": round(secs, 3),
            "articles_per_s": round(len(docs) / secs, 1) if secs else None,
            "tokens_per_s": round(tokens / secs) if secs else None,
            "peak_mb": round(peak, 2) if peak is not None else None,
        }

    rows = [row(name, seconds[name], None if args.no_memory else peaks[name])
            for name, _ in stages]
    text_names = [n for n, _ in stages if n in TEXT_LAYER]
    if text_names:
        rows.append(row("text layer", sum(seconds[n] for n in text_names),
                        None if args.no_memory else max(peaks[n] for n in text_names)))
    rows.append(row("pipeline", cpu, None if args.no_memory else max(peaks.values(), default=0)))
    return {
        "ratios": _ratios(seconds),
        "corpus": str(corpus),
        "articles": len(docs),
        "characters": chars,
        "tokens": tokens,
        "batch_size": size,
        "setup_seconds": round(setup, 3),
        "pipeline_wall_seconds": round(wall, 3),
        "max_rss_mb": round(maxrss_kb / 1024, 1),
        "failures": failures,
        "stages": rows,
    }


def _ratios(seconds: dict[str, float]) -> dict[str, float]:
    """The cost of actors + places + times against the text layer (issue #4: the chain
    text -> actors -> places -> dates within 2x the text layer alone, i.e. the three
    stages together at most the text layer)."""
    text = sum(seconds.get(n, 0.0) for n in TEXT_LAYER)
    if not text or not all(n in seconds for n in RESOLUTION):
        return {}
    resolution = sum(seconds[n] for n in RESOLUTION)
    return {
        "actors+places+times / text layer": round(resolution / text, 3),
        "(text layer+actors+places+times) / text layer": round((text + resolution) / text, 3),
    }


def print_table(result: dict[str, Any]) -> None:
    """Print the figures as a table."""
    print(f"{result['articles']} articles, {result['tokens']:,} tokens, "
          f"{result['characters']:,} characters; batches of {result['batch_size']}; "
          f"setup {result['setup_seconds']} s; "
          f"pipeline wall clock {result['pipeline_wall_seconds']} s; "
          f"max RSS {result['max_rss_mb']} MB")
    print(f"{'stage':<12} {'CPU s':>9} {'articles/s':>11} {'tokens/s':>11} {'peak MB':>8}")
    for r in result["stages"]:
        peak = "-" if r["peak_mb"] is None else f"{r['peak_mb']:.2f}"
        aps = "-" if r["articles_per_s"] is None else f"{r['articles_per_s']:.1f}"
        tps = "-" if r["tokens_per_s"] is None else f"{r['tokens_per_s']:,}"
        print(f"{r['stage']:<12} {r['seconds']:>9.3f} {aps:>11} {tps:>11} {peak:>8}")
    for what, ratio in result["ratios"].items():
        print(f"{what}: {ratio:.2f}")
    for what, count in result["failures"].items():
        print(f"failed: {what} x{count}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=500, help="How many articles (500).")
    parser.add_argument("--skip", type=int, default=0,
                        help="Start after this many records (e.g. 35000: a slice of short "
                             "articles).")
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="JSON-lines corpus.")
    parser.add_argument("--stages", default=None, help="Comma-separated stages to run.")
    parser.add_argument("--config", default=None, help="A TOML configuration file.")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="Documents per batch (default: the pipeline's batch_size; "
                             "1 = each document through every stage before the next).")
    parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")
    parser.add_argument("--no-memory", action="store_true", help="Skip the memory pass.")
    args = parser.parse_args(argv)
    from marsad.runtime import tune_gc

    tune_gc()  # as the marsad command does
    result = run(args)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
