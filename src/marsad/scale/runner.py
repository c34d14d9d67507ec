"""Run the pipeline over a corpus with an engine, write to a sink, then deduplicate.

The parent process reads the input, skips articles already done (content hash), cuts the
rest into numbered batches, hands them to the engine, and writes the results back in input
order, one batch at a time. The first Ctrl-C stops reading: the batches already in flight
finish and are written, so the output stays consistent and the same command resumes; a
second Ctrl-C stops at once (the batch being written is atomic either way).
"""

from __future__ import annotations

import contextlib
import logging
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from marsad.doc import Document
from marsad.errors import ModelError
from marsad.ingest import content_hash
from marsad.scale.engines import Engine
from marsad.scale.sinks import Sink
from marsad.scale.work import ArticleResult, Batch, BatchResult

log = logging.getLogger(__name__)


@dataclass
class RunReport:
    """What a run did, with its throughput and per-stage CPU cost."""

    engine: str = ""
    workers: int = 0
    output: str = ""
    read: int = 0
    processed: int = 0
    skipped_done: int = 0
    duplicates: int = 0
    empty: int = 0
    failed: int = 0
    events: int = 0
    tokens: int = 0
    characters: int = 0
    seconds: float = 0.0
    worker_cpu_seconds: float = 0.0
    stage_cpu_seconds: dict[str, float] = field(default_factory=dict)
    parent_cpu_seconds: float = 0.0
    peak_rss_mb: float = 0.0
    interrupted: bool = False
    dedupe: dict[str, Any] = field(default_factory=dict)
    dedupe_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary with rates (at most 20 error lines)."""
        data = asdict(self)
        secs = self.seconds or 0.0
        data["articles_per_second"] = round(self.processed / secs, 2) if secs else 0.0
        data["tokens_per_second"] = round(self.tokens / secs) if secs else 0
        data["worker_cpu_ms_per_article"] = (
            round(1000 * self.worker_cpu_seconds / self.processed, 2) if self.processed else 0.0)
        for key in ("seconds", "worker_cpu_seconds", "parent_cpu_seconds", "dedupe_seconds"):
            data[key] = round(data[key], 3)
        data["stage_cpu_seconds"] = {k: round(v, 3) for k, v in self.stage_cpu_seconds.items()}
        data["errors"] = self.errors[:20]
        return data


def peak_rss_mb() -> float:
    """Peak resident memory of this process and of its finished children, in MB (the
    largest of each, as getrusage reports them)."""
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(me, children) / 1024, 1)


_STOP = threading.Event()


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """First Ctrl-C: set the stop flag (finish what is in flight); second: stop now."""
    _STOP.clear()
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        if _STOP.is_set():
            raise KeyboardInterrupt
        _STOP.set()
        log.warning("stopping after the batches in flight (Ctrl-C again to stop now)")

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _STOP.clear()


def request_stop() -> None:
    """Ask the running :func:`run_corpus` to stop as the first Ctrl-C does (for tests)."""
    _STOP.set()


def _batches(docs: Iterable[tuple[str, Document]], sink: Sink, report: RunReport, *,
             batch_size: int, limit: int | None, first_seq: int) -> Iterator[Batch]:
    """Numbered batches of articles not done yet; stops early on Ctrl-C."""
    seen: set[str] = set()
    items: list[tuple[int, str, str, Document]] = []
    seq = first_seq
    for origin, doc in docs:
        if _STOP.is_set() or (limit is not None and report.read >= limit):
            break
        index = report.read
        report.read += 1
        if not doc.text.strip():
            report.empty += 1
            continue
        h = content_hash(doc)
        if h in seen:
            report.duplicates += 1
            continue
        if sink.is_done(h):
            report.skipped_done += 1
            continue
        seen.add(h)
        items.append((index, origin, h, doc))
        if len(items) >= batch_size:
            yield Batch(seq, tuple(items))
            seq += 1
            items = []
    if items and not _STOP.is_set():
        yield Batch(seq, tuple(items))


def _record(report: RunReport, result: BatchResult, bar: Any) -> list[ArticleResult]:
    if result.fatal:
        raise ModelError(result.fatal)
    report.worker_cpu_seconds += result.cpu_seconds
    for name, secs in result.stage_seconds.items():
        report.stage_cpu_seconds[name] = report.stage_cpu_seconds.get(name, 0.0) + secs
    for a in result.articles:
        if a.error is not None:
            report.failed += 1
            message = f"{a.origin}: {a.doc.id}: {a.error}"
            report.errors.append(message)
            if report.failed <= 10:
                log.warning("%s", message)
            continue
        report.processed += 1
        report.tokens += a.n_tokens
        report.characters += len(a.doc.text)
    bar.update(len(result.articles))
    return list(result.articles)


def run_corpus(docs: Iterable[tuple[str, Document]], sink: Sink, engine: Engine, *,
               batch_size: int = 100, limit: int | None = None, progress: bool = True,
               dedupe: bool = True, dedupe_config: Any = None,
               on_batch: Callable[[RunReport], None] | None = None) -> RunReport:
    """Analyse ``docs`` on ``engine``, write them to ``sink``, then deduplicate events.

    Args:
        docs: ``(origin, document)`` pairs (e.g. :func:`marsad.ingest.iter_documents`).
        sink: where results go (:class:`~marsad.scale.sinks.ParquetSink`/``StoreSink``).
        engine: runs the batches (:func:`~marsad.scale.engines.open_engine`).
        batch_size: articles per batch (one task, one commit, one done-marker).
        limit: stop after reading this many articles.
        progress: a progress bar on stderr.
        dedupe: cluster duplicate events across articles once all are written.
        dedupe_config: a :class:`marsad.dedupe.DedupeConfig` (the default one if None).
        on_batch: called after each batch is written.

    Returns:
        A :class:`RunReport` (``interrupted`` when Ctrl-C stopped it; deduplication is then
        left for the run that completes the input).
    """
    from tqdm import tqdm

    report = RunReport(engine=engine.name, workers=engine.workers, output=sink.location)
    started, cpu0 = time.perf_counter(), time.process_time()
    bar = tqdm(unit=" articles", desc=f"run ({engine.name} x{engine.workers})", file=sys.stderr,
               disable=not progress, dynamic_ncols=True, smoothing=0.1)
    first_seq = int(getattr(sink, "next_seq", 0))
    try:
        with deferred_interrupts():
            batches = _batches(docs, sink, report, batch_size=batch_size, limit=limit,
                               first_seq=first_seq)
            for result in engine.map_batches(batches):
                articles = _record(report, result, bar)
                report.events += sink.write_batch(result.seq, articles)
                if on_batch is not None:
                    on_batch(report)
            report.interrupted = _STOP.is_set()
    except KeyboardInterrupt:
        report.interrupted = True
    finally:
        bar.close()
    report.seconds = time.perf_counter() - started
    if report.interrupted:
        log.warning("interrupted: %d articles written; run the same command to resume",
                    report.processed)
    elif dedupe:
        report.dedupe = run_dedupe(sink, engine, config=dedupe_config)
        report.dedupe_seconds = time.perf_counter() - started - report.seconds
    report.parent_cpu_seconds = time.process_time() - cpu0
    report.peak_rss_mb = peak_rss_mb()
    return report


def run_dedupe(sink: Sink, engine: Engine, *, config: Any = None) -> dict[str, Any]:
    """Deduplicate every event in ``sink`` (segments run on ``engine``) and write the
    clusters back; returns the summary counts."""
    from marsad.dedupe import dedupe_rows

    result = dedupe_rows(sink.iter_event_rows(), config=config, mapper=engine.map)
    sink.write_clusters(result.clusters, result.members)
    return result.summary()
