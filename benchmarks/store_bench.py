"""Observatory benchmark: ingest, search, filter and export end to end; search latency on a
large store. Prints JSON figures on stdout (progress on stderr).

    python benchmarks/store_bench.py                       # 2,000 articles, full pipeline
    python benchmarks/store_bench.py --large 72716 --large-stages sentences

Part 1 ingests the first ``--articles`` articles of the shared corpus with the configured
pipeline into a fresh store, then times searches, event filters, counts and every export.
Part 2 (``--large N``) builds (or reuses, ``--large-db``) a store of N articles with a
text-only pipeline and times full-text searches on it (median and 95th percentile).
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from marsad.doc import Document
from marsad.export import available_formats, export_to_path
from marsad.ingest import PipelineSpec, ingest
from marsad.pipeline import Pipeline, load_config
from marsad.readers import document_from_record
from marsad.store import EventFilter, open_store

CORPUS = Path(__file__).resolve().parents[2] / "shared/data/corpus/arabic_news_all_72k.jsonl.gz"

QUERIES = ("الجزائر", "ليبيا", "وزير الخارجية", '"الأمم المتحدة"', "بالسعودية", "النفط",
           "اشتباكات", "الانتخابات الرئاسية", "درنة", "مجلس الأمن", "تونس OR المغرب",
           "الحوثيين", "كرة القدم", "اللاجئين", "طهران")


def corpus(limit: int) -> Iterator[tuple[str, Document]]:
    """The first ``limit`` non-empty articles of the corpus (read line by line)."""
    n = 0
    with gzip.open(CORPUS, "rt", encoding="utf-8", newline="\n") as fh:
        for lineno, line in enumerate(fh, 1):
            record = json.loads(line)
            if not (record.get("text") or "").strip():
                continue
            yield "corpus", document_from_record(record, fallback_id=f"line-{lineno}")
            n += 1
            if n >= limit:
                return


def timed(func, repeat: int = 1) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    """Median wall time (ms) of ``repeat`` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = func()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2), result


def part_end_to_end(n: int, stages: list[str] | None, workdir: Path, jobs: int) -> dict[str, object]:
    """Ingest ``n`` articles with the pipeline, then search, filter, count and export."""
    spec = PipelineSpec(stages=tuple(stages) if stages else None)
    pipeline = Pipeline.from_config(load_config(), stages=stages)
    db = workdir / "e2e.db"
    with open_store(str(db)) as store:
        report = ingest(corpus(n), store, pipeline, batch_size=100, progress=True, jobs=jobs,
                        spec=spec)
    out: dict[str, object] = {"ingest": report.to_dict() | {"errors": len(report.errors)},
                              "jobs": jobs, "stages": [name for name, _ in pipeline.stages]}
    with open_store(str(db), readonly=True) as store:
        out["stats"] = store.stats()
        searches = {q: timed(lambda q=q: store.search_articles(q, limit=20), repeat=5)
                    for q in QUERIES[:5]}
        out["search_ms"] = {q: ms for q, (ms, _) in searches.items()}
        out["search_hits"] = {q: page.total for q, (_, page) in searches.items()}  # type: ignore[attr-defined]
        filters = {
            "all": EventFilter(),
            "assault": EventFilter(types=("ASSAULT",)),
            "country_SAU": EventFilter(country=("SAU",)),
            "july_2015": EventFilter(date_from="2015-07-01", date_to="2015-07-31"),
            "text_query": EventFilter(q="الرياض"),
        }
        out["filter_ms"] = {name: timed(lambda f=f: store.list_events(f, limit=50), repeat=5)[0]
                            for name, f in filters.items()}
        out["filter_totals"] = {name: store.list_events(f, limit=1).total for name, f in filters.items()}
        out["count_ms"] = {by: timed(lambda by=by: store.count_events(EventFilter(), by), repeat=3)[0]
                           for by in ("type", "week", "country")}
        exports = {}
        for fmt in available_formats():
            path = workdir / f"events.{fmt}"
            ms, count = timed(lambda fmt=fmt, path=path: export_to_path(
                store.iter_events(EventFilter()), fmt, path, force=True))
            exports[fmt] = {"ms": ms, "events": count, "bytes": path.stat().st_size}
        out["exports"] = exports
    out["db_bytes"] = db.stat().st_size
    return out


def part_large(n: int, stages: list[str], db: Path) -> dict[str, object]:
    """Build (or reuse) a store of ``n`` articles with a text-only pipeline and time searches."""
    out: dict[str, object] = {}
    with open_store(str(db)) as store:
        have = store.stats()["articles"]
    if have < n * 0.95:
        pipeline = Pipeline.from_config(load_config(), stages=stages)
        with open_store(str(db)) as store:
            report = ingest(corpus(n), store, pipeline, batch_size=1000, progress=True)
        out["build"] = report.to_dict() | {"errors": len(report.errors)}
    with open_store(str(db), readonly=True) as store:
        out["articles"] = store.stats()["articles"]
        store.search_articles("تمهيد", limit=20)  # warm the page cache
        latencies: dict[str, float] = {}
        hits: dict[str, int] = {}
        every: list[float] = []
        for q in QUERIES:
            runs = []
            for _ in range(7):
                started = time.perf_counter()
                page = store.search_articles(q, limit=20)
                runs.append((time.perf_counter() - started) * 1000)
            latencies[q] = round(statistics.median(runs), 2)
            hits[q] = page.total
            every.extend(runs)
        every.sort()
        out["search_ms"] = latencies
        out["search_hits"] = hits
        out["search_median_ms"] = round(statistics.median(every), 2)
        out["search_p95_ms"] = round(every[int(len(every) * 0.95) - 1], 2)
        out["search_max_ms"] = round(every[-1], 2)
        ms, page = timed(lambda: store.search_articles("", limit=20, sort="-date"), repeat=5)
        out["latest_articles_ms"] = ms
    out["db_bytes"] = db.stat().st_size
    return out


def main() -> None:
    """Run the benchmark and print JSON figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--stages", default=None, help="Comma-separated stages for part 1.")
    parser.add_argument("--jobs", type=int, default=1, help="Worker processes for part 1.")
    parser.add_argument("--large", type=int, default=0, help="Articles in the large store (0: skip).")
    parser.add_argument("--large-stages", default="sentences")
    parser.add_argument("--large-db", default=None, help="Reuse or build the large store here.")
    parser.add_argument("--skip-e2e", action="store_true")
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"corpus not found: {CORPUS}")
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="marsad-bench-") as tmp:
        workdir = Path(tmp)
        if not args.skip_e2e:
            stages = args.stages.split(",") if args.stages else None
            results["end_to_end"] = part_end_to_end(args.articles, stages, workdir, args.jobs)
        if args.large:
            db = Path(args.large_db) if args.large_db else workdir / "large.db"
            results["large"] = part_large(args.large, args.large_stages.split(","), db)
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
