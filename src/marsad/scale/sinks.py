"""Where ``marsad run`` writes: the SQLite store (``--db``) or Parquet files (``--out``).

Only the parent process writes; workers return records. Both sinks commit one batch at a
time and know which articles are already done (by content hash), so a run that stopped —
Ctrl-C, a crash, a lost node — resumes where it left off.

Parquet layout (Hive-style partitions by month, readable by pyarrow/Dask/DuckDB/Spark)::

    OUT/articles/month=2015-08/part-000012.parquet   one row per article
    OUT/events/month=2015-08/part-000012.parquet     one row per event (by event month)
    OUT/_done/part-000012.json                      done-marker: the batch's content hashes
    OUT/clusters/clusters.parquet, members.parquet  cross-article deduplication

Each part file is written to a temporary name and renamed; the done-marker is written
last, so a batch counts as done only when all its files are in place. Part files of a
batch without a marker (a crash in between) are deleted when the run resumes.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from marsad.errors import InputError
from marsad.scale.records import (
    ARTICLE_COLUMNS,
    EVENT_COLUMNS,
    UNKNOWN_PARTITION,
    arrow_schema,
    article_row,
    event_rows,
    month_partition,
    row_from_store_record,
)
from marsad.scale.work import ArticleResult

log = logging.getLogger(__name__)

_PART = re.compile(r"part-(\d+)\.")


class Sink(Protocol):
    """Where analysed batches go."""

    location: str

    def is_done(self, content_hash: str) -> bool:
        """True when this article was already processed by an earlier run."""
        ...

    def write_batch(self, seq: int, articles: list[ArticleResult]) -> int:
        """Commit the analysed articles of one batch (errors included); the events written."""
        ...

    def iter_event_rows(self) -> Iterator[dict[str, Any]]:
        """Every event written so far, as ``events`` rows (see :mod:`marsad.scale.records`)."""
        ...

    def write_clusters(self, clusters: list[dict[str, Any]], members: list[dict[str, Any]]) -> None:
        """Replace the deduplication output."""
        ...

    def close(self) -> None:
        """Release files and connections."""
        ...


def write_parquet_atomic(rows: list[dict[str, Any]], schema: Any, path: Path) -> None:
    """Write ``rows`` to ``path`` through a temporary file and a rename."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), tmp, compression="zstd")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_text_atomic(text: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ParquetSink:
    """Parquet files partitioned by month, with a done-marker per batch."""

    def __init__(self, out_dir: str | Path, *, force: bool = False) -> None:
        self.root = Path(out_dir)
        self.location = str(self.root)
        if self.root.exists() and not self.root.is_dir():
            raise InputError(f"{self.root}: exists and is not a folder")
        if self.root.exists() and any(self.root.iterdir()) and not (self.root / "_done").is_dir():
            if not force:
                raise InputError(f"{self.root}: folder is not empty and is not a marsad run "
                                 "output (use --force to write into it anyway)")
        (self.root / "_done").mkdir(parents=True, exist_ok=True)
        self._done: set[str] = set()
        done_seqs: set[int] = set()
        for marker in sorted((self.root / "_done").glob("part-*.json")):
            m = _PART.match(marker.name)
            try:
                hashes = json.loads(marker.read_text("utf-8"))["content_hashes"]
            except (OSError, ValueError, KeyError):
                log.warning("%s: unreadable done-marker, that batch will be redone", marker)
                marker.unlink(missing_ok=True)
                continue
            if m:
                done_seqs.add(int(m.group(1)))
            self._done.update(hashes)
        self._remove_orphans(done_seqs)
        self.next_seq = max(done_seqs, default=-1) + 1
        self._article_schema = arrow_schema(ARTICLE_COLUMNS)
        self._event_schema = arrow_schema(EVENT_COLUMNS)

    def _remove_orphans(self, done_seqs: set[int]) -> None:
        """Delete part files (and temporary files) of batches that have no done-marker."""
        for table in ("articles", "events"):
            for path in (self.root / table).glob("month=*/*"):
                m = _PART.match(path.name)
                if path.name.startswith(".") or (m and int(m.group(1)) not in done_seqs):
                    log.info("removing %s (its batch was not finished)", path)
                    path.unlink(missing_ok=True)

    def is_done(self, content_hash: str) -> bool:
        return content_hash in self._done

    @property
    def done_count(self) -> int:
        """Articles done by earlier runs and this one."""
        return len(self._done)

    def write_batch(self, seq: int, articles: list[ArticleResult]) -> int:
        part = f"part-{seq:06d}.parquet"
        by_month: dict[str, list[dict[str, Any]]] = {}
        events_by_month: dict[str, list[dict[str, Any]]] = {}
        n_events = 0
        for a in articles:
            by_month.setdefault(month_partition(a.doc.date), []).append(
                article_row(a.doc, content_hash=a.content_hash, origin=a.origin,
                            n_tokens=a.n_tokens, error=a.error))
            if a.error is None:
                for row in event_rows(a.doc, content_hash=a.content_hash):
                    month = month_partition(row["date_start"] or row["article_date"])
                    events_by_month.setdefault(month, []).append(row)
                    n_events += 1
        for month, rows in sorted(by_month.items()):
            write_parquet_atomic(rows, self._article_schema,
                                 self.root / "articles" / f"month={month}" / part)
        for month, rows in sorted(events_by_month.items()):
            write_parquet_atomic(rows, self._event_schema,
                                 self.root / "events" / f"month={month}" / part)
        hashes = [a.content_hash for a in articles]
        _write_text_atomic(json.dumps({"seq": seq, "content_hashes": hashes}),
                           self.root / "_done" / f"part-{seq:06d}.json")
        self._done.update(hashes)
        return n_events

    def iter_event_rows(self) -> Iterator[dict[str, Any]]:
        """Every event written, with the columns deduplication reads."""
        import pyarrow.parquet as pq

        from marsad.dedupe import DEDUPE_COLUMNS

        for path in sorted((self.root / "events").glob("month=*/part-*.parquet")):
            yield from pq.read_table(path, schema=self._event_schema,
                                     columns=list(DEDUPE_COLUMNS)).to_pylist()

    def write_clusters(self, clusters: list[dict[str, Any]], members: list[dict[str, Any]]) -> None:
        from marsad.dedupe import CLUSTER_COLUMNS, MEMBER_COLUMNS

        write_parquet_atomic(clusters, arrow_schema(CLUSTER_COLUMNS),
                             self.root / "clusters" / "clusters.parquet")
        write_parquet_atomic(members, arrow_schema(MEMBER_COLUMNS),
                             self.root / "clusters" / "members.parquet")

    def close(self) -> None:
        """Nothing stays open between batches."""


class StoreSink:
    """The store (``--db``): one transaction per batch, skipping stored content hashes.
    Deduplication clusters go into two tables of their own in a SQLite store
    (``dedupe_clusters`` and ``dedupe_members``)."""

    def __init__(self, location: str) -> None:
        from marsad.store import open_store

        self.store = open_store(location)
        self.location = getattr(self.store, "location", location)
        self.failed: list[str] = []

    def is_done(self, content_hash: str) -> bool:
        return self.store.has_content(content_hash)

    def write_batch(self, seq: int, articles: list[ArticleResult]) -> int:
        n_events = 0
        with self.store.transaction():
            for a in articles:
                if a.error is not None:
                    continue  # not stored: a later run retries it
                result = self.store.add_document(a.doc, content_hash=a.content_hash,
                                                 origin=a.origin)
                n_events += result.events
        return n_events

    def iter_event_rows(self) -> Iterator[dict[str, Any]]:
        from marsad.store import EventFilter

        for record in self.store.iter_events(EventFilter(), sort="id"):
            yield row_from_store_record(record)

    def write_clusters(self, clusters: list[dict[str, Any]], members: list[dict[str, Any]]) -> None:
        conn = getattr(self.store, "conn", None)
        if conn is None:
            log.warning("%s: this store backend cannot keep deduplication clusters",
                        self.location)
            return
        from marsad.dedupe import CLUSTER_COLUMNS, MEMBER_COLUMNS

        with self.store.transaction():
            for table, columns, rows in (("dedupe_clusters", CLUSTER_COLUMNS, clusters),
                                         ("dedupe_members", MEMBER_COLUMNS, members)):
                names = [name for name, _ in columns]
                conn.execute(f"DROP TABLE IF EXISTS {table}")
                conn.execute(f"CREATE TABLE {table} ({', '.join(names)})")
                marks = ", ".join("?" for _ in names)
                conn.executemany(
                    f"INSERT INTO {table} VALUES ({marks})",
                    [tuple(json.dumps(r[n], ensure_ascii=False) if isinstance(r[n], list)
                           else r[n] for n in names) for r in rows])
            conn.execute("CREATE INDEX dedupe_members_event ON dedupe_members(event_id)")
        ensure = getattr(self.store, "ensure_cluster_indexes", None)
        if ensure is not None:  # the indexes the cluster pages and API read through
            ensure()

    def close(self) -> None:
        self.store.close()


__all__ = ["UNKNOWN_PARTITION", "ParquetSink", "Sink", "StoreSink", "write_parquet_atomic"]
