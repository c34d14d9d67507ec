"""The SQLite store: one file, WAL journal, foreign keys, versioned schema, FTS5 search.

Tables: ``articles`` (text and metadata, plus the analysed document without tokens),
``entities``, ``actors`` and ``actor_mentions``, ``places`` and ``place_mentions``,
``events`` (one row per PLOVER record, with its article and evidence offsets) and the
contentless FTS5 index ``articles_fts`` over search keys (see :mod:`marsad.store.textkey`).
``schema_version`` records which migrations have run; :data:`MIGRATIONS` lists them.

``marsad run --db`` adds two tables of cross-article deduplication (written by
:class:`marsad.scale.sinks.StoreSink`, columns of :data:`marsad.dedupe.CLUSTER_COLUMNS` and
:data:`marsad.dedupe.MEMBER_COLUMNS`): ``dedupe_clusters`` (one row per deduplicated
event) and ``dedupe_members`` (one row per report). They are optional: a store filled by
``marsad ingest`` has none, and the cluster reads then answer "no clusters".
"""

from __future__ import annotations

import calendar
import dataclasses
import functools
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

from marsad.doc import Document, Event, EventActor, EventLocation
from marsad.errors import InputError, MarsadError
from marsad.store.base import (
    CLUSTER_SORTS,
    EVENT_SORTS,
    GROUPINGS,
    AddResult,
    ClusterFilter,
    EventFilter,
    Page,
    Store,
    register_backend,
)
from marsad.store.textkey import alt_keys, parse_query, snippet, text_key

log = logging.getLogger(__name__)

_M = TypeVar("_M", bound=Callable[..., Any])


class StoreError(MarsadError):
    """The database cannot be opened or is not a Marsad store."""

    exit_code = 74  # EX_IOERR


#: Schema migrations, applied in order; the index + 1 is the schema version.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        doc_id TEXT NOT NULL,
        content_hash TEXT NOT NULL UNIQUE,
        title TEXT, date TEXT, source TEXT, url TEXT, origin TEXT,
        text TEXT NOT NULL,
        annotations TEXT NOT NULL DEFAULT '{}',
        n_events INTEGER NOT NULL DEFAULT 0,
        ingested_at TEXT NOT NULL
    );
    CREATE INDEX articles_date ON articles(date, id);
    CREATE INDEX articles_doc_id ON articles(doc_id);
    CREATE TABLE entities (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
        type TEXT NOT NULL, confidence REAL
    );
    CREATE INDEX entities_article ON entities(article_id);
    CREATE TABLE actors (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        name TEXT, name_en TEXT, country TEXT, sector TEXT, code TEXT, kb_id TEXT,
        generic INTEGER NOT NULL DEFAULT 0, name_key TEXT,
        n_mentions INTEGER NOT NULL DEFAULT 0,
        n_events INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE actor_mentions (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        actor_id INTEGER NOT NULL REFERENCES actors(id),
        start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL, role TEXT
    );
    CREATE INDEX actor_mentions_article ON actor_mentions(article_id);
    CREATE INDEX actor_mentions_actor ON actor_mentions(actor_id);
    CREATE TABLE places (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        name TEXT, name_en TEXT, lat REAL, lon REAL, kind TEXT, admin1 TEXT, country TEXT,
        geonames_id INTEGER, precision TEXT, name_key TEXT,
        n_mentions INTEGER NOT NULL DEFAULT 0,
        n_events INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE place_mentions (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        place_id INTEGER NOT NULL REFERENCES places(id),
        start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL
    );
    CREATE INDEX place_mentions_article ON place_mentions(article_id);
    CREATE INDEX place_mentions_place ON place_mentions(place_id);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        type TEXT NOT NULL, mode TEXT, contexts TEXT NOT NULL DEFAULT '[]',
        source_text TEXT, source_name TEXT, source_country TEXT, source_sector TEXT,
        source_code TEXT, source_kb_id TEXT, source_start INTEGER, source_end INTEGER,
        source_actor_id INTEGER REFERENCES actors(id), source_key TEXT,
        target_text TEXT, target_name TEXT, target_country TEXT, target_sector TEXT,
        target_code TEXT, target_kb_id TEXT, target_start INTEGER, target_end INTEGER,
        target_actor_id INTEGER REFERENCES actors(id), target_key TEXT,
        location_text TEXT, location_name TEXT, lat REAL, lon REAL, country TEXT, admin1 TEXT,
        geonames_id INTEGER, geo_precision TEXT, location_start INTEGER, location_end INTEGER,
        place_id INTEGER REFERENCES places(id), location_key TEXT,
        date TEXT, date_start TEXT, date_end TEXT, date_precision TEXT,
        evidence_start INTEGER NOT NULL, evidence_end INTEGER NOT NULL, evidence_text TEXT NOT NULL,
        sentence INTEGER, confidence REAL, negated INTEGER NOT NULL DEFAULT 0,
        hypothetical INTEGER NOT NULL DEFAULT 0, reported_by TEXT,
        fatalities INTEGER, injured INTEGER, trigger TEXT
    );
    CREATE INDEX events_article ON events(article_id);
    CREATE INDEX events_date ON events(date_start, id);
    CREATE INDEX events_type ON events(type, date_start);
    CREATE INDEX events_country ON events(country, date_start);
    CREATE INDEX events_source_actor ON events(source_actor_id);
    CREATE INDEX events_target_actor ON events(target_actor_id);
    CREATE INDEX events_place ON events(place_id);
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, body, alt, content='', tokenize='unicode61 remove_diacritics 0'
    );
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)

# SQL here is assembled only from constant fragments: column lists, WHERE clauses whose
# values are all ``?`` parameters, ORDER BY and GROUP BY expressions picked from fixed
# allow-lists (EVENT_SORTS, GROUPINGS), table names from a fixed tuple. No user value is
# ever formatted into SQL text (tests/test_api_security.py checks every f-string of SQL in
# the store and the API against the audited list of fragments it may interpolate).
_ARTICLE_COLUMNS = "a.id, a.doc_id, a.title, a.date, a.source, a.url, a.n_events"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def date_bounds(value: str | None) -> tuple[str | None, str | None]:
    """First and last day covered by an ISO date, month (``2018-05``) or year."""
    if not value:
        return None, None
    v = value.strip()[:10]
    parts = v.split("-")
    try:
        if len(parts) == 1:
            year = int(parts[0])
            return f"{year:04d}-01-01", f"{year:04d}-12-31"
        if len(parts) == 2:
            year, month = int(parts[0]), int(parts[1])
            last = calendar.monthrange(year, month)[1]
            return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}"
        year, month, day = int(parts[0]), int(parts[1]), int(parts[2])
        return f"{year:04d}-{month:02d}-{day:02d}", f"{year:04d}-{month:02d}-{day:02d}"
    except (ValueError, calendar.IllegalMonthError):
        return None, None


def actor_key(actor: EventActor | Any) -> str:
    """The identity key of an actor: its knowledge-base id, else its folded name + country."""
    kb_id = getattr(actor, "kb_id", None)
    if kb_id:
        return f"kb:{kb_id}"
    name = str(getattr(actor, "name", None) or getattr(actor, "text", ""))
    return f"n:{text_key(name)}|{getattr(actor, 'country', None) or ''}"


def place_key(place: EventLocation | Any) -> str:
    """The identity key of a place: its GeoNames id, else folded name + country + admin1."""
    gid = getattr(place, "geonames_id", None)
    if gid:
        return f"gn:{gid}"
    name = str(getattr(place, "name", None) or getattr(place, "text", ""))
    country = getattr(place, "country", None) or ""
    admin1 = getattr(place, "admin1", None) or ""
    return f"n:{text_key(name)}|{country}|{admin1}"


def _consistent(method: _M) -> _M:
    """Run a read method of the store inside :meth:`SQLiteStore.snapshot`."""

    @functools.wraps(method)
    def wrapper(self: SQLiteStore, *args: Any, **kwargs: Any) -> Any:
        with self.snapshot():
            return method(self, *args, **kwargs)

    return cast(_M, wrapper)


class SQLiteStore(Store):
    """A Marsad store in one SQLite file (see the module docstring for the tables)."""

    def __init__(self, location: str, *, readonly: bool = False, timeout: float = 30.0) -> None:
        self.location = location
        self.readonly = readonly
        path = Path(location)
        if readonly and location != ":memory:" and not path.exists():
            raise StoreError(f"{location}: no such database (run `marsad ingest` first)")
        if location != ":memory:" and not readonly:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if readonly and location != ":memory:":
                uri = f"file:{path.resolve()}?mode=ro"
                self.conn = sqlite3.connect(uri, uri=True, timeout=timeout, check_same_thread=False,
                                            isolation_level=None)
            else:
                self.conn = sqlite3.connect(location, timeout=timeout, check_same_thread=False,
                                            isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{location}: cannot open the database ({exc})") from None
        self.conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._in_tx = False
        try:
            self.conn.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA cache_size = -65536")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise StoreError(f"{location}: not a Marsad database ({exc})") from None

    # ------------------------------------------------------------------ schema
    def _migrate(self) -> None:
        cur = self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='schema_version'")
        if cur.fetchone() is None:
            if self.readonly:
                raise StoreError(f"{self.location}: not a Marsad database")
            self.conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, "
                              "applied_at TEXT NOT NULL)")
        version = self.conn.execute(
            "SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.location}: schema version {version} is newer than this "
                             f"Marsad ({SCHEMA_VERSION}); upgrade Marsad")
        if version < SCHEMA_VERSION and self.readonly:
            raise StoreError(f"{self.location}: needs a schema upgrade; open it once read-write "
                             "(for example with `marsad ingest`)")
        for number in range(version + 1, SCHEMA_VERSION + 1):
            log.info("applying schema migration %d", number)
            self.conn.execute("BEGIN")
            try:
                for statement in _statements(MIGRATIONS[number - 1]):
                    self.conn.execute(statement)
                self.conn.execute("INSERT INTO schema_version VALUES (?, ?)", (number, _now()))
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    @property
    def schema_version(self) -> int:
        """The schema version of the open database."""
        return int(self.conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0])

    # ------------------------------------------------------------------ writing
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Commit everything written inside the block at once; roll back on any error."""
        with self._lock:
            if self._in_tx:  # nested: a savepoint, so a failed inner block leaves no trace
                self.conn.execute("SAVEPOINT inner_tx")
                try:
                    yield
                except BaseException:
                    self.conn.execute("ROLLBACK TO inner_tx")
                    self.conn.execute("RELEASE inner_tx")
                    raise
                else:
                    self.conn.execute("RELEASE inner_tx")
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._in_tx = True
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self._in_tx = False

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads inside the block share one read transaction, so they see one committed
        state of the file: a page's total, its items and the stats agree even while an
        ingest commits batches (WAL readers never wait for the writer)."""
        with self._lock:
            if self.conn.in_transaction:  # inside a write transaction or an outer snapshot
                yield
                return
            self.conn.execute("BEGIN")
            try:
                yield
            finally:
                if self.conn.in_transaction:
                    self.conn.execute("COMMIT")

    def has_content(self, content_hash: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM articles WHERE content_hash = ?", (content_hash,))
        return row.fetchone() is not None

    def add_document(self, doc: Document, *, content_hash: str, origin: str | None = None) -> AddResult:
        with self.transaction():
            row = self.conn.execute("SELECT id FROM articles WHERE content_hash = ?",
                                    (content_hash,)).fetchone()
            if row is not None:
                return AddResult(int(row[0]), added=False)
            annotations = dataclasses.replace(doc, tokens=(), text="").to_dict()
            for key in ("text", "tokens", "schema_version"):
                annotations.pop(key, None)
            cur = self.conn.execute(
                "INSERT INTO articles (doc_id, content_hash, title, date, source, url, origin, text,"
                " annotations, n_events, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (doc.id or content_hash[:16], content_hash, doc.title, doc.date, doc.source,
                 doc.url, origin, doc.text, json.dumps(annotations, ensure_ascii=False),
                 len(doc.events), _now()))
            article_id = int(cur.lastrowid or 0)
            self.conn.execute(
                "INSERT INTO articles_fts (rowid, title, body, alt) VALUES (?,?,?,?)",
                (article_id, text_key(doc.title or ""), text_key(doc.text),
                 alt_keys((doc.title or "") + " " + doc.text)))
            actor_ids = self._upsert_many(_tally(doc.actors, doc.events, ("source", "target")),
                                          self._upsert_actor)
            place_ids = self._upsert_many(_tally(doc.places, doc.events, ("location",)),
                                          self._upsert_place)
            self._add_annotations(article_id, doc, actor_ids, place_ids)
            rows = [self._event_row(article_id, content_hash, i, event, doc, actor_ids, place_ids)
                    for i, event in enumerate(doc.events)]
            if rows:
                marks = ", ".join("?" for _ in _EVENT_COLUMNS)
                self.conn.executemany(
                    f"INSERT INTO events ({', '.join(_EVENT_COLUMNS)}) VALUES ({marks})",
                    [tuple(row[c] for c in _EVENT_COLUMNS) for row in rows])
        return AddResult(article_id, added=True, events=len(doc.events))

    def _add_annotations(self, article_id: int, doc: Document, actor_ids: dict[str, int],
                         place_ids: dict[str, int]) -> None:
        self.conn.executemany(
            'INSERT INTO entities (article_id, start, "end", text, type, confidence) '
            "VALUES (?,?,?,?,?,?)",
            [(article_id, e.start, e.end, e.text, e.type, e.confidence) for e in doc.entities])
        self.conn.executemany(
            'INSERT INTO actor_mentions (article_id, actor_id, start, "end", text, role) '
            "VALUES (?,?,?,?,?,?)",
            [(article_id, actor_ids[actor_key(a)], a.start, a.end, a.text, a.role)
             for a in doc.actors])
        self.conn.executemany(
            'INSERT INTO place_mentions (article_id, place_id, start, "end", text) '
            "VALUES (?,?,?,?,?)",
            [(article_id, place_ids[place_key(p)], p.start, p.end, p.text) for p in doc.places])

    @staticmethod
    def _upsert_many(tally: dict[str, list[Any]], upsert: Any) -> dict[str, int]:
        """Upsert each distinct actor or place of a document once; their ids by key."""
        return {key: upsert(obj, mentions=m, events=e) for key, (obj, m, e) in tally.items()}

    def _upsert_actor(self, actor: Any, *, mentions: int = 0, events: int = 0) -> int:
        key = actor_key(actor)
        row = self.conn.execute(
            "INSERT INTO actors (key, name, name_en, country, sector, code, kb_id, generic,"
            " n_mentions, n_events, name_key) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT(key) DO UPDATE SET"
            " n_mentions = n_mentions + excluded.n_mentions,"
            " n_events = n_events + excluded.n_events,"
            " name = COALESCE(name, excluded.name), name_en = COALESCE(name_en, excluded.name_en),"
            " country = COALESCE(country, excluded.country),"
            " sector = COALESCE(sector, excluded.sector), code = COALESCE(code, excluded.code)"
            " RETURNING id",
            (key, getattr(actor, "name", None) or actor.text, getattr(actor, "name_en", None),
             getattr(actor, "country", None), getattr(actor, "sector", None),
             getattr(actor, "code", None), getattr(actor, "kb_id", None),
             int(bool(getattr(actor, "generic", False))), mentions, events,
             " " + text_key(f"{getattr(actor, 'name', None) or ''} {actor.text}") + " ")).fetchone()
        return int(row[0])

    def _upsert_place(self, place: Any, *, mentions: int = 0, events: int = 0) -> int:
        key = place_key(place)
        row = self.conn.execute(
            "INSERT INTO places (key, name, name_en, lat, lon, kind, admin1, country, geonames_id,"
            " precision, n_mentions, n_events, name_key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT(key) DO UPDATE SET n_mentions = n_mentions + excluded.n_mentions,"
            " n_events = n_events + excluded.n_events,"
            " lat = COALESCE(lat, excluded.lat), lon = COALESCE(lon, excluded.lon),"
            " name_en = COALESCE(name_en, excluded.name_en) RETURNING id",
            (key, getattr(place, "name", None) or place.text, getattr(place, "name_en", None),
             place.lat, place.lon, getattr(place, "kind", None), place.admin1, place.country,
             place.geonames_id, place.precision, mentions, events,
             " " + text_key(f"{getattr(place, 'name', None) or ''} {place.text}") + " ")).fetchone()
        return int(row[0])

    @staticmethod
    def _event_row(article_id: int, content_hash: str, idx: int, e: Event, doc: Document,
                   actor_ids: dict[str, int], place_ids: dict[str, int]) -> dict[str, Any]:
        """The values of one events row (every column of :data:`_EVENT_COLUMNS`)."""
        src, tgt, loc = e.source, e.target, e.location
        src_id = actor_ids[actor_key(src)] if src is not None and src.text else None
        tgt_id = actor_ids[actor_key(tgt)] if tgt is not None and tgt.text else None
        place_id = place_ids[place_key(loc)] if loc is not None and loc.text else None
        if isinstance(e.date, dict):
            start = date_bounds(e.date.get("start"))[0]
            end = date_bounds(e.date.get("end"))[1] or start
            date_json: str | None = json.dumps(e.date, ensure_ascii=False)
        else:
            start, end = date_bounds(e.date or doc.date)
            date_json = e.date
        values: dict[str, Any] = dict.fromkeys(_EVENT_COLUMNS)
        values.update({
            "event_id": f"{content_hash[:12]}-{idx}", "article_id": article_id, "idx": idx,
            "type": e.type, "mode": e.mode, "contexts": json.dumps(list(e.contexts)),
            "location_text": None, "date": date_json, "date_start": start, "date_end": end,
            "date_precision": e.date_precision, "evidence_start": e.evidence.start,
            "evidence_end": e.evidence.end, "evidence_text": e.evidence.text,
            "sentence": e.sentence, "confidence": e.confidence, "negated": int(e.negated),
            "hypothetical": int(e.hypothetical), "reported_by": e.reported_by,
            "fatalities": e.fatalities, "injured": e.injured, "trigger": e.trigger,
            "source_actor_id": src_id, "target_actor_id": tgt_id, "place_id": place_id,
        })
        for prefix, actor in (("source", src), ("target", tgt)):
            if actor is not None:
                values.update({
                    f"{prefix}_text": actor.text, f"{prefix}_name": actor.name,
                    f"{prefix}_country": actor.country, f"{prefix}_sector": actor.sector,
                    f"{prefix}_code": actor.code, f"{prefix}_kb_id": actor.kb_id,
                    f"{prefix}_start": actor.start, f"{prefix}_end": actor.end,
                    f"{prefix}_key": " " + text_key(f"{actor.name or ''} {actor.text}") + " ",
                })
        if loc is not None:
            values.update({
                "location_text": loc.text, "location_name": loc.name, "lat": loc.lat,
                "lon": loc.lon, "country": loc.country, "admin1": loc.admin1,
                "geonames_id": loc.geonames_id, "geo_precision": loc.precision,
                "location_start": loc.start, "location_end": loc.end,
                "location_key": " " + text_key(f"{loc.name or ''} {loc.text} {loc.admin1 or ''}") + " ",
            })
        return values

    # ------------------------------------------------------------------ articles
    @_consistent
    def search_articles(self, query: str | None, *, limit: int = 20, offset: int = 0,
                        date_from: str | None = None, date_to: str | None = None,
                        source: str | None = None, sort: str = "relevance") -> Page:
        where: list[str] = []
        params: list[Any] = []
        if date_from:
            where.append("a.date >= ?")
            params.append(date_from)
        if date_to:
            where.append("a.date <= ?")
            params.append(date_to)
        if source:
            where.append("a.source = ?")
            params.append(source)
        parsed = parse_query(query) if query and query.strip() else None
        if query and query.strip() and parsed is None:
            return Page([], 0, offset, limit, {"query": query})
        try:
            total, ids = self._search_ids(parsed.expression if parsed else None, where, params,
                                          sort, limit, offset)
            rows = {r["id"]: r for r in self.conn.execute(
                f"SELECT {_ARTICLE_COLUMNS}, a.text FROM articles a WHERE a.id IN "
                f"({', '.join('?' for _ in ids)})", ids)} if ids else {}
        except sqlite3.OperationalError as exc:
            raise InputError(f"cannot search for {query!r}: {exc}") from None
        keys = parsed.keys if parsed is not None else ()
        items = []
        for article_id in ids:
            r = rows[article_id]
            item = _article_summary(r)
            item["snippet"] = snippet(r["text"], keys)
            items.append(item)
        return Page(items, int(total), offset, limit, {"query": query or ""})

    def _search_ids(self, expression: str | None, where: list[str], params: list[Any],
                    sort: str, limit: int, offset: int) -> tuple[int, list[int]]:
        """The number of matching articles and the ids of one page, in order. Article rows
        (with their long texts) are read only for the page."""
        by_date = "a.date ASC, a.id ASC" if sort == "date" else "a.date DESC, a.id DESC"
        cond = " AND ".join(where)
        if expression is None:
            base = "FROM articles a" + (f" WHERE {cond}" if cond else "")
            total = self.conn.execute(f"SELECT count(*) {base}", params).fetchone()[0]
            ids = [r[0] for r in self.conn.execute(
                f"SELECT a.id {base} ORDER BY {by_date} LIMIT ? OFFSET ?", [*params, limit, offset])]
            return int(total), ids
        if not cond:
            total = self.conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
                                      [expression]).fetchone()[0]
            if sort == "relevance":
                ids = [r[0] for r in self.conn.execute(
                    "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? AND "
                    "rank MATCH 'bm25(3.0, 1.0, 0.6)' ORDER BY rank, rowid LIMIT ? OFFSET ?",
                    [expression, limit, offset])]
                return int(total), ids
        base = ("FROM articles_fts f JOIN articles a ON a.id = f.rowid WHERE articles_fts MATCH ?"
                + (f" AND {cond}" if cond else ""))
        if cond:
            total = self.conn.execute(f"SELECT count(*) {base}", [expression, *params]).fetchone()[0]
        order = by_date if sort != "relevance" else "f.rank, a.id"
        rank = " AND f.rank MATCH 'bm25(3.0, 1.0, 0.6)'" if sort == "relevance" else ""
        ids = [r[0] for r in self.conn.execute(
            f"SELECT a.id {base}{rank} ORDER BY {order} LIMIT ? OFFSET ?",
            [expression, *params, limit, offset])]
        return int(total), ids

    @_consistent
    def get_article(self, article_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(
            f"SELECT {_ARTICLE_COLUMNS}, a.text, a.annotations, a.origin, a.content_hash, "
            "a.ingested_at FROM articles a WHERE a.id = ?", (article_id,)).fetchone()
        if row is None:
            return None
        data = _article_summary(row)
        data.update({"text": row["text"], "origin": row["origin"],
                     "content_hash": row["content_hash"], "ingested_at": row["ingested_at"]})
        ann = json.loads(row["annotations"] or "{}")
        for key in ("sentences", "entities", "times"):
            data[key] = ann.get(key, [])
        data["actors"] = [
            {**dict(m), "actor": _actor_row(m)} for m in self.conn.execute(
                'SELECT m.start, m."end", m.text, m.role, a.id AS actor_id, a.name, a.name_en, '
                "a.country, a.sector, a.code, a.kb_id FROM actor_mentions m JOIN actors a "
                "ON a.id = m.actor_id WHERE m.article_id = ? ORDER BY m.start", (article_id,))]
        data["places"] = [
            dict(m) for m in self.conn.execute(
                'SELECT m.start, m."end", m.text, p.id AS place_id, p.name, p.name_en, p.lat, '
                "p.lon, p.admin1, p.country, p.geonames_id, p.precision FROM place_mentions m "
                "JOIN places p ON p.id = m.place_id WHERE m.article_id = ? ORDER BY m.start",
                (article_id,))]
        data["events"] = list(self.iter_events(EventFilter(article=article_id), sort="id"))
        return data

    # ------------------------------------------------------------------ events
    def _event_where(self, flt: EventFilter) -> tuple[str, list[Any]]:
        where: list[str] = []
        params: list[Any] = []

        def any_of(column: str, values: Sequence[str]) -> None:
            where.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params.extend(values)

        if flt.types:
            any_of("e.type", [t.upper() for t in flt.types])
        if flt.modes:
            any_of("e.mode", list(flt.modes))
        if flt.country:
            any_of("e.country", [c.upper() for c in flt.country])
        if flt.actor:
            key = text_key(flt.actor)
            where.append("(e.source_key LIKE ? OR e.target_key LIKE ? OR e.source_code = ? "
                         "OR e.target_code = ? OR e.source_kb_id = ? OR e.target_kb_id = ?)")
            like = f"% {key} %" if key else "%"
            params.extend([like, like, flt.actor, flt.actor, flt.actor, flt.actor])
        if flt.place:
            key = text_key(flt.place)
            where.append("(e.location_key LIKE ? OR e.admin1 = ? OR e.country = ?)")
            params.extend([f"% {key} %" if key else "%", flt.place, flt.place.upper()])
        if flt.date_from:
            where.append("e.date_end >= ?")
            params.append(flt.date_from)
        if flt.date_to:
            where.append("e.date_start <= ?")
            params.append(flt.date_to)
        if flt.article is not None:
            where.append("e.article_id = ?")
            params.append(flt.article)
        if flt.actor_id is not None:
            where.append("(e.source_actor_id = ? OR e.target_actor_id = ?)")
            params.extend([flt.actor_id, flt.actor_id])
        if flt.place_id is not None:
            where.append("e.place_id = ?")
            params.append(flt.place_id)
        if flt.source:
            where.append("e.article_id IN (SELECT id FROM articles WHERE source = ?)")
            params.append(flt.source)
        if not flt.include_negated:
            where.append("e.negated = 0")
        if not flt.include_hypothetical:
            where.append("e.hypothetical = 0")
        if flt.geolocated:
            where.append("e.lat IS NOT NULL AND e.lon IS NOT NULL")
        if flt.q and flt.q.strip():
            parsed = parse_query(flt.q)
            if parsed is None:
                where.append("0")
            else:
                where.append("e.article_id IN (SELECT rowid FROM articles_fts WHERE "
                             "articles_fts MATCH ?)")
                params.append(parsed.expression)
        if flt.dedupe or flt.cluster is not None:
            clustered = self.has_clusters()
            if flt.dedupe and clustered:  # later reports of a cluster are left out
                where.append("e.event_id NOT IN (SELECT event_id FROM dedupe_members "
                             "WHERE is_first = 0)")
            if flt.cluster is not None:
                if clustered:
                    where.append("e.event_id IN (SELECT event_id FROM dedupe_members "
                                 "WHERE cluster_id = ?)")
                    params.append(flt.cluster)
                else:
                    where.append("0")
        return (" WHERE " + " AND ".join(where)) if where else "", params

    @staticmethod
    def _order(sort: str) -> str:
        if sort not in EVENT_SORTS:
            raise InputError(f"unknown sort {sort!r} (use one of: {', '.join(EVENT_SORTS)})")
        desc = sort.startswith("-")
        column = {"date": "e.date_start", "type": "e.type", "country": "e.country",
                  "id": "e.id"}[sort.lstrip("-")]
        direction = "DESC" if desc else "ASC"
        if column == "e.id":
            return f"e.id {direction}"
        return f"{column} {direction} NULLS LAST, e.id {direction}"

    @_consistent
    def list_events(self, flt: EventFilter, *, limit: int = 50, offset: int = 0,
                    sort: str = "-date") -> Page:
        where, params = self._event_where(flt)
        order = self._order(sort)
        try:
            total = self.conn.execute(f"SELECT count(*) FROM events e{where}", params).fetchone()[0]
            rows = self.conn.execute(
                f"SELECT e.*, a.doc_id, a.title AS article_title, a.date AS article_date, "
                f"a.source AS article_source, a.url AS article_url FROM events e "
                f"JOIN articles a ON a.id = e.article_id{where} ORDER BY {order} LIMIT ? OFFSET ?",
                [*params, limit, offset]).fetchall()
            items = self._with_clusters([event_record(r) for r in rows])
        except sqlite3.OperationalError as exc:
            raise InputError(f"cannot filter events: {exc}") from None
        return Page(items, int(total), offset, limit, {"filters": flt.as_params(), "sort": sort})

    def iter_events(self, flt: EventFilter, *, sort: str = "date") -> Iterator[dict[str, Any]]:
        where, params = self._event_where(flt)
        order = self._order(sort)
        clustered = self.has_clusters()
        cur = self.conn.execute(
            f"SELECT e.*, a.doc_id, a.title AS article_title, a.date AS article_date, "
            f"a.source AS article_source, a.url AS article_url FROM events e "
            f"JOIN articles a ON a.id = e.article_id{where} ORDER BY {order}", params)
        while True:
            rows = cur.fetchmany(500)
            if not rows:
                break
            records = [event_record(r) for r in rows]
            yield from (self._with_clusters(records) if clustered else records)

    def get_event(self, event_id: str) -> dict[str, Any] | None:
        """One event record by its id (with ``cluster_id``/``n_mentions`` when the store
        has clusters), or None."""
        with self.snapshot():
            row = self.conn.execute(
                "SELECT e.*, a.doc_id, a.title AS article_title, a.date AS article_date, "
                "a.source AS article_source, a.url AS article_url FROM events e "
                "JOIN articles a ON a.id = e.article_id WHERE e.event_id = ?",
                (event_id,)).fetchone()
            return self._with_clusters([event_record(row)])[0] if row is not None else None

    def _with_clusters(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Add ``cluster_id`` and ``n_mentions`` (its cluster's reports) to event records
        when the store has clusters (None for an event stored after the last
        deduplication); unchanged otherwise."""
        if not records or not self.has_clusters():
            return records
        ids = [r["id"] for r in records]
        members = {row[0]: row[1] for row in self.conn.execute(
            f"SELECT event_id, cluster_id FROM dedupe_members WHERE event_id IN "
            f"({', '.join('?' for _ in ids)})", ids)}
        ids = sorted(set(members.values()))
        sizes = {row[0]: row[1] for row in self.conn.execute(
            f"SELECT cluster_id, n_mentions FROM dedupe_clusters WHERE cluster_id IN "
            f"({', '.join('?' for _ in ids)})", ids)} if ids else {}
        for r in records:
            cluster_id = members.get(r["id"])
            r["cluster_id"] = cluster_id
            r["n_mentions"] = sizes.get(cluster_id) if cluster_id is not None else None
        return records

    def count_events(self, flt: EventFilter, by: str, *, limit: int = 200) -> list[dict[str, Any]]:
        if by not in GROUPINGS:
            raise InputError(f"cannot count by {by!r} (use one of: {', '.join(GROUPINGS)})")
        where, params = self._event_where(flt)
        chronological = by in ("day", "week", "month", "year")
        if by == "context":
            sql = (f"SELECT j.value AS key, count(*) AS count FROM events e, json_each(e.contexts) j"
                   f"{where} GROUP BY j.value ORDER BY count DESC, j.value LIMIT ?")
        elif by in ("source_actor", "target_actor"):
            col = f"e.{by}_id"
            sql = (f"SELECT {col} AS key, COALESCE(ac.name, '') AS label, count(*) AS count "
                   f"FROM events e LEFT JOIN actors ac ON ac.id = {col}{where}"
                   f"{' AND' if where else ' WHERE'} {col} IS NOT NULL "
                   f"GROUP BY key ORDER BY count DESC, key LIMIT ?")
        elif by == "place":
            sql = (f"SELECT e.place_id AS key, COALESCE(p.name, '') AS label, count(*) AS count "
                   f"FROM events e LEFT JOIN places p ON p.id = e.place_id{where}"
                   f"{' AND' if where else ' WHERE'} e.place_id IS NOT NULL "
                   f"GROUP BY key ORDER BY count DESC, key LIMIT ?")
        else:
            expr = {
                "type": "e.type", "mode": "e.mode", "country": "e.country", "admin1": "e.admin1",
                "day": "substr(e.date_start, 1, 10)", "month": "substr(e.date_start, 1, 7)",
                "year": "substr(e.date_start, 1, 4)",
                "week": "date(e.date_start, 'weekday 0', '-6 days')",
            }[by]
            order = "key" if chronological else "count DESC, key"
            sql = (f"SELECT {expr} AS key, count(*) AS count FROM events e{where} "
                   f"GROUP BY key ORDER BY {order} LIMIT ?")
        if chronological:
            limit = max(limit, 100_000)
        try:
            rows = self.conn.execute(sql, [*params, limit]).fetchall()
        except sqlite3.OperationalError as exc:
            raise InputError(f"cannot count events: {exc}") from None
        return [dict(r) for r in rows]

    @_consistent
    def facets(self, flt: EventFilter, *, names: Sequence[str] = ("type", "mode", "country"),
               limit: int = 30) -> dict[str, list[dict[str, Any]]]:
        return {name: self.count_events(flt, name, limit=limit) for name in names}

    # ------------------------------------------------------------------ clusters
    def has_clusters(self) -> bool:
        """True when ``marsad run`` wrote deduplication clusters into this store."""
        row = self.conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
            "name IN ('dedupe_clusters', 'dedupe_members')").fetchone()
        return int(row[0]) == 2

    def missing_cluster_indexes(self) -> list[str]:
        """The indexes of the cluster reads (by cluster id, by size, by date) that a store
        with clusters lacks (``marsad run`` writes the tables without them)."""
        if not self.has_clusters():
            return []
        names = {r[0] for r in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'dedupe_%'")}
        return [name for name, _ in _CLUSTER_INDEXES if name not in names]

    def ensure_cluster_indexes(self) -> bool:
        """Create the missing cluster indexes; True when it created any. Best effort: a
        read-only or busy database is left as it is (the reads then scan the tables)."""
        missing = set(self.missing_cluster_indexes())
        if self.readonly or not missing:
            return False
        try:
            with self.transaction():
                for name, sql in _CLUSTER_INDEXES:
                    if name in missing:
                        self.conn.execute(sql)
        except sqlite3.OperationalError as exc:  # locked by a writer, read-only file
            log.warning("%s: cannot index the deduplication clusters (%s)", self.location, exc)
            return False
        return True

    @staticmethod
    def _cluster_where(flt: ClusterFilter) -> tuple[str, list[Any]]:
        """The WHERE clause (constant conditions, ``?`` parameters) of a cluster filter."""
        where: list[str] = []
        params: list[Any] = []
        for column, values in (("type", flt.types), ("country", flt.country)):
            if values:
                marks = ", ".join("?" for _ in values)
                where.append(f"{column} IN ({marks})")
                params.extend(v.upper() for v in values)
        if flt.date_from:
            where.append("COALESCE(date_end, date_start) >= ?")
            params.append(flt.date_from)
        if flt.date_to:
            where.append("date_start <= ?")
            params.append(flt.date_to)
        if flt.min_mentions > 1:
            where.append("n_mentions >= ?")
            params.append(flt.min_mentions)
        return (" WHERE " + " AND ".join(where)) if where else "", params

    @staticmethod
    def _cluster_order(sort: str) -> str:
        if sort not in CLUSTER_SORTS:
            raise InputError(f"unknown sort {sort!r} (use one of: {', '.join(CLUSTER_SORTS)})")
        return {"-n_mentions": "n_mentions DESC, date_start DESC, cluster_id DESC",
                "n_mentions": "n_mentions ASC, date_start ASC, cluster_id ASC",
                "-date": "date_start DESC NULLS LAST, cluster_id DESC",
                "date": "date_start ASC NULLS LAST, cluster_id ASC"}[sort]

    @_consistent
    def list_clusters(self, flt: ClusterFilter, *, limit: int = 50, offset: int = 0,
                      sort: str = "-n_mentions") -> Page:
        order = self._cluster_order(sort)
        if not self.has_clusters():
            return super().list_clusters(flt, limit=limit, offset=offset, sort=sort)
        where, params = self._cluster_where(flt)
        total = self.conn.execute(f"SELECT count(*) FROM dedupe_clusters{where}",
                                  params).fetchone()[0]
        rows = self.conn.execute(
            f"SELECT * FROM dedupe_clusters{where} ORDER BY {order} LIMIT ? OFFSET ?",
            [*params, limit, offset]).fetchall()
        return Page([cluster_record(r) for r in rows], int(total), offset, limit,
                    {"filters": flt.as_params(), "sort": sort, "available": True})

    def iter_clusters(self, flt: ClusterFilter, *,
                      sort: str = "date") -> Iterator[dict[str, Any]]:
        order = self._cluster_order(sort)
        if not self.has_clusters():
            return
        where, params = self._cluster_where(flt)
        cur = self.conn.execute(f"SELECT * FROM dedupe_clusters{where} ORDER BY {order}", params)
        while True:
            rows = cur.fetchmany(500)
            if not rows:
                break
            yield from (cluster_record(r) for r in rows)

    @_consistent
    def get_cluster(self, cluster_id: str) -> dict[str, Any] | None:
        if not self.has_clusters():
            return None
        row = self.conn.execute("SELECT * FROM dedupe_clusters WHERE cluster_id = ?",
                                (cluster_id,)).fetchone()
        if row is None:
            return None
        data = cluster_record(row)
        first = {r[0]: bool(r[1]) for r in self.conn.execute(
            "SELECT event_id, is_first FROM dedupe_members WHERE cluster_id = ?", (cluster_id,))}
        rank = {event_id: i for i, event_id in enumerate(data.get("reports") or [])}
        members = list(self.iter_events(EventFilter(cluster=cluster_id), sort="date"))
        members.sort(key=lambda e: (not first.get(e["id"], False), rank.get(e["id"], len(rank))))
        for member in members:
            member["is_first"] = first.get(member["id"], False)
        data["members"] = members
        return data

    @_consistent
    def cluster_of(self, event_id: str) -> dict[str, Any] | None:
        if not self.has_clusters():
            return None
        row = self.conn.execute(
            "SELECT c.* FROM dedupe_members m JOIN dedupe_clusters c "
            "ON c.cluster_id = m.cluster_id WHERE m.event_id = ?", (event_id,)).fetchone()
        return cluster_record(row) if row is not None else None

    # ------------------------------------------------------------------ actors, places
    def get_actor(self, actor_id: int) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM actors WHERE id = ?", (actor_id,)).fetchone()
        return _actor_row(row) if row is not None else None

    @_consistent
    def list_actors(self, q: str | None = None, *, limit: int = 50, offset: int = 0) -> Page:
        where, params = "", []
        if q:
            where = (" WHERE name_key LIKE ? OR name_en LIKE ? ESCAPE '\\' OR code = ? "
                     "OR kb_id = ?")
            key = text_key(q)  # no letters or digits: match names by name_en only
            params = [f"%{key}%" if key else None, f"%{_like_escape(q)}%", q, q]
        total = self.conn.execute(f"SELECT count(*) FROM actors{where}", params).fetchone()[0]
        rows = self.conn.execute(
            f"SELECT * FROM actors{where} ORDER BY n_events + n_mentions DESC, id "
            "LIMIT ? OFFSET ?", [*params, limit, offset]).fetchall()
        return Page([_actor_row(r) for r in rows], int(total), offset, limit, {"query": q or ""})

    def get_place(self, place_id: int) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM places WHERE id = ?", (place_id,)).fetchone()
        return _place_row(row) if row is not None else None

    @_consistent
    def list_places(self, q: str | None = None, *, limit: int = 50, offset: int = 0) -> Page:
        where, params = "", []
        if q:
            where = " WHERE name_key LIKE ? OR name_en LIKE ? ESCAPE '\\' OR country = ?"
            key = text_key(q)
            params = [f"%{key}%" if key else None, f"%{_like_escape(q)}%", q.upper()]
        total = self.conn.execute(f"SELECT count(*) FROM places{where}", params).fetchone()[0]
        rows = self.conn.execute(
            f"SELECT * FROM places{where} ORDER BY n_events + n_mentions DESC, id "
            "LIMIT ? OFFSET ?", [*params, limit, offset]).fetchall()
        return Page([_place_row(r) for r in rows], int(total), offset, limit, {"query": q or ""})

    @_consistent
    def stats(self) -> dict[str, Any]:
        def count(table: str) -> int:
            return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

        dates = self.conn.execute("SELECT MIN(date), MAX(date) FROM articles").fetchone()
        return {
            "articles": count("articles"), "events": count("events"), "actors": count("actors"),
            "places": count("places"), "entities": count("entities"),
            "first_date": dates[0], "last_date": dates[1], "schema_version": self.schema_version,
            "backend": "sqlite", "location": self.location,
            "clusters": count("dedupe_clusters") if self.has_clusters() else None,
        }

    def sources(self, *, limit: int = 50) -> list[dict[str, Any]]:
        """Publications and how many articles each has."""
        rows = self.conn.execute(
            "SELECT source AS key, count(*) AS count FROM articles WHERE source IS NOT NULL "
            "GROUP BY source ORDER BY count DESC, source LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in rows]

    def close(self) -> None:
        self.conn.close()


_EVENT_COLUMNS = (
    "event_id", "article_id", "idx", "type", "mode", "contexts",
    "source_text", "source_name", "source_country", "source_sector", "source_code",
    "source_kb_id", "source_start", "source_end", "source_actor_id", "source_key",
    "target_text", "target_name", "target_country", "target_sector", "target_code",
    "target_kb_id", "target_start", "target_end", "target_actor_id", "target_key",
    "location_text", "location_name", "lat", "lon", "country", "admin1", "geonames_id",
    "geo_precision", "location_start", "location_end", "place_id", "location_key",
    "date", "date_start", "date_end", "date_precision", "evidence_start", "evidence_end",
    "evidence_text", "sentence", "confidence", "negated", "hypothetical", "reported_by",
    "fatalities", "injured", "trigger",
)


def _tally(mentions: Sequence[Any], events: Sequence[Event], roles: tuple[str, ...]) -> dict[str, list[Any]]:
    """Distinct actors (or places) of a document by identity key: ``[representative,
    mentions, events]``; a mention (richer) is preferred over an event argument."""
    key_of = place_key if roles == ("location",) else actor_key
    tally: dict[str, list[Any]] = {}
    for m in mentions:
        entry = tally.setdefault(key_of(m), [m, 0, 0])
        entry[1] += 1
    for e in events:
        for role in roles:
            arg = getattr(e, role)
            if arg is None or not arg.text:
                continue
            entry = tally.setdefault(key_of(arg), [arg, 0, 0])
            entry[2] += 1
    return tally


def _like_escape(value: str) -> str:
    """A user string matched literally by ``LIKE ... ESCAPE '\\'`` (``%`` and ``_`` are
    not wildcards)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (no semicolons inside statements)."""
    return [s.strip() for s in script.split(";") if s.strip()]


def _article_summary(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "doc_id": row["doc_id"], "title": row["title"], "date": row["date"],
            "source": row["source"], "url": row["url"], "n_events": row["n_events"]}


def _actor_row(row: sqlite3.Row) -> dict[str, Any]:
    keys = row.keys()
    out: dict[str, Any] = {k: row[k] for k in ("name", "name_en", "country", "sector", "code",
                                               "kb_id") if k in keys}
    out["id"] = row["id"] if "id" in keys else row["actor_id"]
    for k in ("generic", "n_mentions", "n_events"):
        if k in keys:
            out[k] = bool(row[k]) if k == "generic" else row[k]
    return out


def _place_row(row: sqlite3.Row) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "name", "name_en", "lat", "lon", "kind", "admin1", "country",
                                "geonames_id", "precision", "n_mentions", "n_events")}


#: Indexes of the deduplication tables (``marsad run`` creates the tables without them).
_CLUSTER_INDEXES = (
    ("dedupe_clusters_id",
     "CREATE INDEX IF NOT EXISTS dedupe_clusters_id ON dedupe_clusters(cluster_id)"),
    ("dedupe_clusters_size", "CREATE INDEX IF NOT EXISTS dedupe_clusters_size "
                             "ON dedupe_clusters(n_mentions, date_start, cluster_id)"),
    ("dedupe_clusters_date",
     "CREATE INDEX IF NOT EXISTS dedupe_clusters_date ON dedupe_clusters(date_start, cluster_id)"),
    ("dedupe_members_cluster",
     "CREATE INDEX IF NOT EXISTS dedupe_members_cluster ON dedupe_members(cluster_id)"),
)

#: Columns of ``dedupe_clusters`` that hold JSON lists.
_CLUSTER_JSON = ("reports", "articles", "sources", "explanation")


def _json_list(value: Any) -> list[Any]:
    """A JSON list column as a list (an empty list when it is empty or malformed)."""
    if isinstance(value, list):
        return value
    try:
        data = json.loads(value) if value else []
    except (TypeError, ValueError):
        return []
    return data if isinstance(data, list) else []


def cluster_record(row: sqlite3.Row) -> dict[str, Any]:
    """One ``dedupe_clusters`` row as a dict: its columns, with the JSON lists (reports,
    articles, sources, and the explanation: the merged pairs with their score and
    reasons) decoded."""
    out: dict[str, Any] = {k: row[k] for k in row.keys()}
    for key in _CLUSTER_JSON:
        if key in out:
            out[key] = _json_list(out[key])
    return out


def event_record(row: sqlite3.Row) -> dict[str, Any]:
    """One events row as a full PLOVER record (with its article and evidence offsets)."""
    date: Any = row["date"]
    if isinstance(date, str) and date.startswith("{"):
        date = json.loads(date)

    def actor(prefix: str) -> dict[str, Any] | None:
        if row[f"{prefix}_text"] is None:
            return None
        return {"text": row[f"{prefix}_text"], "name": row[f"{prefix}_name"],
                "country": row[f"{prefix}_country"], "sector": row[f"{prefix}_sector"],
                "code": row[f"{prefix}_code"], "kb_id": row[f"{prefix}_kb_id"],
                "start": row[f"{prefix}_start"], "end": row[f"{prefix}_end"],
                "actor_id": row[f"{prefix}_actor_id"]}

    location = None
    if row["location_text"] is not None:
        location = {"text": row["location_text"], "name": row["location_name"], "lat": row["lat"],
                    "lon": row["lon"], "country": row["country"], "admin1": row["admin1"],
                    "geonames_id": row["geonames_id"], "precision": row["geo_precision"],
                    "start": row["location_start"], "end": row["location_end"],
                    "place_id": row["place_id"]}
    return {
        "id": row["event_id"], "index": row["idx"], "type": row["type"], "mode": row["mode"],
        "contexts": json.loads(row["contexts"] or "[]"),
        "source": actor("source"), "target": actor("target"), "location": location,
        "date": date, "date_start": row["date_start"], "date_end": row["date_end"],
        "date_precision": row["date_precision"],
        "evidence": {"start": row["evidence_start"], "end": row["evidence_end"],
                     "text": row["evidence_text"]},
        "sentence": row["sentence"], "confidence": row["confidence"],
        "negated": bool(row["negated"]), "hypothetical": bool(row["hypothetical"]),
        "reported_by": row["reported_by"], "fatalities": row["fatalities"],
        "injured": row["injured"], "trigger": row["trigger"],
        "article": {"id": row["article_id"], "doc_id": row["doc_id"],
                    "title": row["article_title"], "date": row["article_date"],
                    "source": row["article_source"], "url": row["article_url"]},
    }


@register_backend("sqlite")
def open_sqlite(location: str, *, readonly: bool = False, **options: Any) -> Store:
    """Open (creating and migrating if needed) a SQLite store at ``location``."""
    return SQLiteStore(location, readonly=readonly, **options)
