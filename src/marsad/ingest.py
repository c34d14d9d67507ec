"""Ingest: read articles from files, folders, globs or stdin, analyse them, store them.

Re-ingesting the same content is a no-op: each article is keyed by a hash of its text,
checked *before* the pipeline runs, so an interrupted run resumes where it stopped.
Articles are committed in batches, each in one transaction: a crash loses at most the
batch in progress, and Ctrl-C commits the articles already analysed before stopping.

Bad input never stops a run: a file, JSON line, CSV row or feed entry that cannot be read,
an empty article, or an article a stage fails on is skipped and counted by reason (the
keys of :data:`marsad.readers.REASONS`) in the :class:`IngestReport`.

The store keeps no tokens, so a document longer than the pipeline's ``max_chars`` is
analysed piece by piece here, each piece's tokens dropped once it is done: a 50 MB article
needs the memory of one piece's tokens, not of millions (see :func:`lean`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import hashlib
import logging
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import marsad.formats  # registers the html, csv and feed readers
from marsad.doc import Document
from marsad.errors import ConfigError, InputError, MarsadError, ModelError, StageError
from marsad.readers import _READERS, ItemError, gunzip, read_source, reader_for, reason_of
from marsad.store.base import Store

log = logging.getLogger(__name__)

__all__ = ["IngestReport", "content_hash", "expand_paths", "ingest", "iter_documents"]


def content_hash(doc: Document) -> str:
    """The identity of an article's content: SHA-256 of its stripped text."""
    return hashlib.sha256(doc.text.strip().encode("utf-8", "surrogatepass")).hexdigest()


def _known_suffixes() -> set[str]:
    return {s for spec in _READERS.values() for s in spec.suffixes if s}


def expand_paths(paths: Sequence[str]) -> list[str]:
    """Files named by ``paths``: files as given, folders walked (files with a known suffix,
    ``.gz`` too, hidden ones skipped), globs expanded; ``-`` is stdin. Sorted, no repeats."""
    out: list[str] = []
    suffixes = _known_suffixes()

    def wanted(p: Path) -> bool:
        parts = [s.lower() for s in p.suffixes]
        if parts and parts[-1] == ".gz":
            parts = parts[:-1]
        return bool(parts) and parts[-1] in suffixes

    for raw in paths:
        if raw == "-":
            out.append("-")
            continue
        if any(ch in raw for ch in "*?["):
            matches = sorted(glob.glob(raw, recursive=True))
            if not matches:
                raise InputError(f"{raw}: no file matches this pattern")
            out.extend(m for m in matches if Path(m).is_file())
            continue
        p = Path(raw)
        if p.is_dir():
            found = sorted(
                str(f) for f in p.rglob("*")
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
                and wanted(f)
            )
            if not found:
                log.warning("%s: no readable files in this folder", raw)
            out.extend(found)
        elif p.exists():
            out.append(raw)
        else:
            raise InputError(f"{raw}: no such file or folder")
    return list(dict.fromkeys(out))


def _read_bytes(path: str) -> tuple[bytes, str]:
    """The bytes of stdin (``-``) or a file, gunzipped when compressed."""
    if path == "-":
        data, name = sys.stdin.buffer.read(), "<stdin>"
    else:
        try:
            data, name = Path(path).read_bytes(), path
        except OSError as exc:
            raise ItemError(f"{path}: cannot read ({exc.strerror})", "unreadable") from None
    if data[:2] == b"\x1f\x8b":
        data = gunzip(data, name)
    return data, name


def iter_documents(paths: Sequence[str], *, fmt: str | None = None,
                   fields: Mapping[str, str] | None = None, date: str | None = None,
                   on_error: Callable[[str, InputError], None] | None = None,
                   ) -> Iterator[tuple[str, Document]]:
    """``(origin, document)`` for every article in ``paths`` (see :func:`expand_paths`).

    A file that cannot be read, or a bad item in one (a JSON line, a CSV row, a feed
    entry), raises :class:`InputError`, unless ``on_error`` is given: then it is called
    with the path and the error (an :class:`~marsad.readers.ItemError` with a ``reason``)
    and reading goes on with the next item or file (the articles of a file read before
    the error are kept). Warnings (a wrong date, the article kept) go to ``on_error`` too,
    with ``skipped=False``; without ``on_error`` they are logged."""
    for path in expand_paths(paths):
        item_error = None if on_error is None else _bind(on_error, path)
        try:
            if path != "-":  # files go through the shared reader (JSON lines are streamed)
                for doc in read_source(path, fmt=fmt, date=date, fields=fields,
                                       on_error=item_error):
                    yield path, doc
                continue
            data, name = _read_bytes(path)
            if not data.strip():
                raise ItemError(f"{name}: the input is empty", "empty")
            spec = reader_for(name, fmt or marsad.formats.sniff_format(data))
            for doc in spec.func(data, name, date=date, fields=fields, on_error=item_error):
                yield path, doc
        except InputError as exc:
            if on_error is None:
                raise
            on_error(path, exc)


def _bind(on_error: Callable[[str, InputError], None], path: str) -> Callable[[ItemError], None]:
    return lambda error: on_error(path, error)


#: Store errors caused by one article's data (the article is skipped, the run goes on);
#: any other store error (disk full, locked, corrupt) stops the run.
_DATA_ERRORS: tuple[type[Exception], ...] = (
    ValueError, TypeError, OverflowError, LookupError, sqlite3.IntegrityError,
    sqlite3.InterfaceError, sqlite3.ProgrammingError, sqlite3.DataError)


#: Error messages an :class:`IngestReport` keeps (a file of a million bad rows must not
#: fill memory with messages; the counts by reason are complete).
MAX_ERRORS = 1000


@dataclass
class IngestReport:
    """What an ingest run did."""

    read: int = 0
    added: int = 0
    duplicates: int = 0
    empty: int = 0
    failed: int = 0
    events: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    unreadable: int = 0
    db: str = ""
    errors: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)

    @property
    def skipped_total(self) -> int:
        """Items skipped for any reason (unreadable, empty, failed)."""
        return sum(self.skipped.values())

    def count_skip(self, reason: str) -> None:
        """Count one skipped item under ``reason``."""
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def note_problem(self, message: str, reason: str, *, skipped: bool = True) -> None:
        """Record a problem of the input: an unreadable item (``skipped``) or a warning."""
        if skipped:
            self.unreadable += 1
            self.count_skip(reason)
        else:
            self.warnings[reason] = self.warnings.get(reason, 0) + 1
        self.add_error(message)

    def add_error(self, message: str) -> None:
        """Keep an error message (the first :data:`MAX_ERRORS`; all are counted)."""
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(message)

    def summary(self) -> str:
        """One line: how many articles were stored, skipped (by reason) and repeated."""
        by_reason = ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items()))
        return (f"{self.added} stored, {self.duplicates} already stored, "
                f"{self.skipped_total} skipped" + (f" ({by_reason})" if by_reason else ""))

    @property
    def articles_per_second(self) -> float:
        """Articles analysed and stored per second."""
        return self.added / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (with ``articles_per_second``, ``skipped_total`` and the
        skipped items and warnings by reason; at most 20 error lines)."""
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        data["articles_per_second"] = round(self.articles_per_second, 2)
        data["errors"] = self.errors[:20]
        data["skipped"] = dict(sorted(self.skipped.items()))
        data["warnings"] = dict(sorted(self.warnings.items()))
        data["skipped_total"] = self.skipped_total
        return data


Analyser = Callable[[Document], Document]


@dataclass(frozen=True)
class PipelineSpec:
    """How a worker process builds its own pipeline (picklable): an optional configuration
    file and optional stage names (the configured pipeline otherwise)."""

    config_path: str | None = None
    stages: tuple[str, ...] | None = None

    def build(self) -> Analyser:
        """The pipeline this spec describes."""
        from marsad.pipeline import Pipeline, load_config

        return Pipeline.from_config(load_config(self.config_path), stages=self.stages)


def lean(analyse: Analyser) -> Analyser:
    """``analyse`` for storing: a document longer than its ``max_chars`` setting (of a
    :class:`~marsad.pipeline.Pipeline`) is cut where the pipeline would cut it, each piece
    analysed and its tokens dropped at once, and the pieces merged (without tokens)."""
    from marsad import chunking

    max_chars = int(getattr(analyse, "max_chars", 0) or 0)
    if max_chars <= 0:
        return analyse

    def run(doc: Document) -> Document:
        if len(doc.text) <= max_chars:
            return analyse(doc)
        parts = [(start, dataclasses.replace(analyse(piece), tokens=()))
                 for start, piece in chunking.pieces(doc, max_chars)]
        return chunking.merge(doc, parts)

    return run


_WORKER: Analyser | None = None


def _init_worker(spec: PipelineSpec) -> None:
    import signal

    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is handled by the parent
    _WORKER = lean(spec.build())


def _work(doc: Document) -> tuple[str, Any]:
    """Analyse one document in a worker: ``("ok", doc)``, ``("error", message)`` or
    ``("fatal", message)`` when the pipeline cannot run at all."""
    assert _WORKER is not None
    try:
        return "ok", _WORKER(doc)
    except (ModelError, ConfigError) as exc:
        return "fatal", f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # reported per article, like the serial path
        return "error", exc if isinstance(exc, MarsadError) else repr(exc)


def ingest(
    docs: Iterable[tuple[str, Document]],
    store: Store,
    analyse: Analyser,
    *,
    batch_size: int = 100,
    progress: bool = True,
    limit: int | None = None,
    on_batch: Callable[[IngestReport], None] | None = None,
    jobs: int = 1,
    spec: PipelineSpec | None = None,
    report: IngestReport | None = None,
) -> IngestReport:
    """Analyse and store articles, skipping those already stored (by content hash).

    Args:
        docs: ``(origin, document)`` pairs, e.g. from :func:`iter_documents`.
        store: where the articles go.
        analyse: the pipeline (any ``Document -> Document`` callable).
        batch_size: articles per transaction.
        progress: show a progress bar with articles/s on stderr.
        limit: stop after reading this many articles.
        on_batch: called after each committed batch (for tests and progress reports).
        jobs: worker processes analysing articles in parallel (needs ``spec``; each
            worker builds its own pipeline from it, ``analyse`` is then unused).
        spec: how workers build the pipeline.
        report: the report to fill (one the reader's ``on_error`` already writes to).

    Returns:
        An :class:`IngestReport`. On Ctrl-C the batch in progress is committed first and
        the report has ``interrupted=True``.
    """
    from tqdm import tqdm

    if report is None:
        report = IngestReport()
    report.db = getattr(store, "location", "")
    started = time.perf_counter()
    bar = tqdm(unit=" articles", desc="ingest", file=sys.stderr, disable=not progress,
               dynamic_ncols=True, smoothing=0.1)
    iterator = iter(docs)
    analyse = lean(analyse)
    try:
        with _deferred_interrupts():
            if jobs > 1 and spec is not None:
                _ingest_parallel(iterator, store, spec, report, bar, batch_size, limit, jobs,
                                 on_batch)
            else:
                done = False
                while not done:
                    done = _ingest_batch(iterator, store, analyse, report, bar, batch_size, limit)
                    if on_batch is not None:
                        on_batch(report)
                    if _STOP.is_set():
                        raise KeyboardInterrupt
    except KeyboardInterrupt:
        report.interrupted = True
        log.warning("interrupted: %d articles stored before stopping", report.added)
    finally:
        bar.close()
        report.seconds = time.perf_counter() - started
    return report


_STOP = threading.Event()


@contextlib.contextmanager
def _deferred_interrupts() -> Iterator[None]:
    """The first Ctrl-C asks the run to stop once the current article is stored (so no
    article is half-written); a second one stops at once, rolling back the open batch."""
    _STOP.clear()
    if threading.current_thread() is not threading.main_thread():
        try:
            yield
        finally:
            _STOP.clear()
        return

    def handler(signum: int, frame: Any) -> None:
        if _STOP.is_set():
            raise KeyboardInterrupt
        _STOP.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _STOP.clear()


def _record_failure(report: IngestReport, origin: str, doc: Document, exc: Exception,
                    reason: str | None = None) -> None:
    report.failed += 1
    if reason is None:
        reason = reason_of(exc) if isinstance(exc, ItemError) else (
            "too_large" if isinstance(exc, InputError) else "stage_error")
    report.count_skip(reason)
    message = f"{origin}: {doc.id}: {exc if isinstance(exc, MarsadError) else repr(exc)}"
    report.add_error(message)
    if report.failed <= 10:
        log.warning("%s", message)
    elif report.failed == 11:
        log.warning("more articles failed; see the summary's error count")


def _ingest_batch(iterator: Iterator[tuple[str, Document]], store: Store, analyse: Analyser,
                  report: IngestReport, bar: Any, batch_size: int, limit: int | None) -> bool:
    """Ingest up to ``batch_size`` new articles in one transaction; True when input ends."""
    committed = report.added, report.events
    try:
        with store.transaction():
            return _fill_batch(iterator, store, analyse, report, bar, batch_size, limit)
    except BaseException:
        report.added, report.events = committed  # the open batch was rolled back
        raise


def _fill_batch(iterator: Iterator[tuple[str, Document]], store: Store, analyse: Analyser,
                report: IngestReport, bar: Any, batch_size: int, limit: int | None) -> bool:
    """Add up to ``batch_size`` new articles inside the caller's transaction; stops early
    when Ctrl-C was pressed. True when the input ended."""
    added_in_batch = 0
    while added_in_batch < batch_size and not _STOP.is_set():
        if limit is not None and report.read >= limit:
            return True
        try:
            origin, doc = next(iterator)
        except StopIteration:
            return True
        report.read += 1
        h = content_hash(doc)
        if not doc.text.strip():
            report.empty += 1
            report.count_skip("empty")
            continue
        if store.has_content(h):
            report.duplicates += 1
            bar.set_postfix(duplicates=report.duplicates, refresh=False)
            continue
        try:
            analysed = analyse(doc)
        except KeyboardInterrupt:  # nothing of this article is written yet: keep the rest
            _STOP.set()
            break
        except (ModelError, ConfigError):
            raise  # the pipeline cannot run at all: stop, keep what is committed
        except Exception as exc:  # one bad article must not stop a long run
            _record_failure(report, origin, doc, exc)
            continue
        result = _add(store, analysed, h, origin, report)
        if result is None:
            continue
        if result.added:
            report.added += 1
            report.events += result.events
            added_in_batch += 1
            bar.update(1)
        else:
            report.duplicates += 1
    return False


def _add(store: Store, doc: Document, h: str, origin: str, report: IngestReport) -> Any:
    """``store.add_document``; an article whose data the store refuses is skipped (its
    rows are rolled back by an inner transaction, a savepoint) and None returned."""
    try:
        with store.transaction():
            return store.add_document(doc, content_hash=h, origin=origin)
    except _DATA_ERRORS as exc:
        _record_failure(report, origin, doc, exc, reason="store_error")
        return None


def _read_chunk(iterator: Iterator[tuple[str, Document]], store: Store, report: IngestReport,
                size: int, limit: int | None) -> tuple[list[tuple[str, Document, str]], bool]:
    """Up to ``size`` articles not yet stored, and whether the input ended."""
    chunk: list[tuple[str, Document, str]] = []
    seen: set[str] = set()
    while len(chunk) < size:
        if limit is not None and report.read >= limit:
            return chunk, True
        try:
            origin, doc = next(iterator)
        except StopIteration:
            return chunk, True
        report.read += 1
        if not doc.text.strip():
            report.empty += 1
            report.count_skip("empty")
            continue
        h = content_hash(doc)
        if h in seen or store.has_content(h):
            report.duplicates += 1
            continue
        seen.add(h)
        chunk.append((origin, doc, h))
    return chunk, False


def _ingest_parallel(iterator: Iterator[tuple[str, Document]], store: Store, spec: PipelineSpec,
                     report: IngestReport, bar: Any, batch_size: int, limit: int | None,
                     jobs: int, on_batch: Callable[[IngestReport], None] | None) -> None:
    """Analyse each batch in ``jobs`` worker processes, then store it in one transaction.

    A worker that dies (killed, out of memory) stops the run with a :class:`StageError`
    instead of hanging: the batches stored before are kept, the open one is not written."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                             initargs=(spec,)) as pool:
        done = False
        while not done:
            chunk, done = _read_chunk(iterator, store, report, batch_size, limit)
            if not chunk:
                continue
            try:
                results = list(pool.map(_work, [doc for _, doc, _ in chunk],
                                        chunksize=max(1, len(chunk) // (jobs * 4))))
            except BrokenProcessPool:
                raise StageError(
                    "a worker process died (killed, or out of memory) while analysing "
                    f"articles; {report.added} articles stored before are kept; run the same "
                    "command again to resume (with fewer --jobs if memory is short)") from None
            _store_results(store, chunk, results, report, bar)
            if on_batch is not None:
                on_batch(report)
            if _STOP.is_set():
                raise KeyboardInterrupt


def _store_results(store: Store, chunk: Sequence[tuple[str, Document, str]],
                   results: Sequence[tuple[str, Any]], report: IngestReport, bar: Any) -> None:
    """Store one analysed batch in one transaction (counts roll back with it)."""
    committed = report.added, report.events
    try:
        with store.transaction():
            for (origin, doc, h), (kind, value) in zip(chunk, results, strict=True):
                if kind == "fatal":
                    raise ModelError(value)
                if kind == "error":
                    _record_failure(report, origin, doc, value if isinstance(value, Exception)
                                    else RuntimeError(value))
                    continue
                result = _add(store, value, h, origin, report)
                if result is None:
                    continue
                if result.added:
                    report.added += 1
                    report.events += result.events
                    bar.update(1)
                else:
                    report.duplicates += 1
    except BaseException:
        report.added, report.events = committed
        raise
