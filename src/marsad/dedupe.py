"""Cross-article event deduplication: the same event reported by several articles or
sources becomes one event with a mention count, its reports, its sources and its earliest
report — like GDELT's NumMentions, but every merge says why.

How it scales: events are *blocked* by type, country and the negated/hypothetical flags,
sorted by date, and each block is cut wherever the dates leave a gap wider than the
window (no pair can span such a gap). Only events of one segment, and within the date
window of each other, are compared, so the work grows with the number of events times the
events per window, not with all pairs; segments are independent tasks that any engine
can run (:func:`dedupe_rows` takes an engine's ``map``).

Two reports are merged when they are *compatible* — dates within ``window_days``, places
not apart (same place, within ``radius_km``, or one inside the other's region), actors
not contradictory (no two known countries that differ for the same role) — and the
evidence that they are the same event reaches ``min_score`` points:

======================================  ======
same place (GeoNames id or name)         2
nearby place / the region containing it  1
same actor (knowledge-base id or name)   2 per role
same actor code (e.g. ``SAUMIL``)        1 per role
same fatality count                      1
evidence is nearly the same sentence     3 (a copied wire report)
evidence sentences share most words      2 (1 when they share some)
======================================  ======

Clusters are the connected components of merged pairs (union-find), except that a merge
never lets a cluster's dates span more than the window (no chains of daily reports of a
long war becoming one event); each cluster keeps the pairs that joined it with their
reasons (its *explanation*).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from marsad.store.textkey import text_key

__all__ = ["CLUSTER_COLUMNS", "DEDUPE_COLUMNS", "MEMBER_COLUMNS", "DedupeConfig", "DedupeResult", "Match",
           "Mention", "compare", "dedupe_rows"]

CLUSTER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("cluster_id", "string"), ("type", "string"), ("date_start", "string"),
    ("date_end", "string"), ("country", "string"), ("admin1", "string"), ("place", "string"),
    ("lat", "float64"), ("lon", "float64"), ("source_actor", "string"),
    ("target_actor", "string"), ("fatalities", "int64"), ("n_mentions", "int64"),
    ("n_articles", "int64"), ("n_sources", "int64"), ("reports", "list<string>"),
    ("articles", "list<string>"), ("sources", "list<string>"), ("first_event_id", "string"),
    ("first_article", "string"), ("first_source", "string"), ("first_date", "string"),
    ("explanation", "string"),
)
MEMBER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("event_id", "string"), ("cluster_id", "string"), ("doc_id", "string"),
    ("source", "string"), ("is_first", "bool"),
)

#: The ``events`` columns deduplication reads (a sink need load no others).
DEDUPE_COLUMNS: tuple[str, ...] = (
    "event_id", "doc_id", "type", "negated", "hypothetical", "date_start", "date_end",
    "article_date", "article_source", "location_text", "location_name", "location_country",
    "location_admin1", "location_geonames_id", "location_lat", "location_lon",
    "location_precision", "source_text", "source_name", "source_kb_id", "source_code",
    "source_country", "target_text", "target_name", "target_kb_id", "target_code",
    "target_country", "fatalities", "evidence_text",
)

_COARSE = {"country", "admin1", "province", "state", "region", "area", "admin2", "district"}


@dataclass(frozen=True)
class DedupeConfig:
    """When two reports are the same event (see the module docstring)."""

    window_days: int = 2
    max_span_days: int = 7
    radius_km: float = 30.0
    min_score: int = 3
    copy_overlap: float = 0.8
    strong_overlap: float = 0.5
    weak_overlap: float = 0.25
    #: Types whose events are rare and salient enough that the same (sub-national) place
    #: on the same dates is itself evidence (a bombing, a battle).
    salient_types: frozenset[str] = frozenset({"ASSAULT"})


@dataclass(frozen=True, slots=True)
class Mention:
    """One event report, reduced to what deduplication compares."""

    event_id: str
    doc_id: str
    source: str
    published: str
    type: str
    negated: bool
    hypothetical: bool
    day_start: int | None
    day_end: int | None
    country: str
    admin1: str
    place_key: str
    place_name: str
    place_word: str
    coarse: bool
    is_country: bool
    lat: float | None
    lon: float | None
    actors: tuple[tuple[str, str, str, str], tuple[str, str, str, str]]
    fatalities: int | None
    words: frozenset[str]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Mention:
        """From an ``events`` row (:mod:`marsad.scale.records`)."""
        precision = (row.get("location_precision") or "").lower()
        lat, lon = row.get("location_lat"), row.get("location_lon")
        gid = row.get("location_geonames_id")
        name = row.get("location_name") or row.get("location_text") or ""
        return cls(
            event_id=str(row["event_id"]), doc_id=str(row.get("doc_id") or ""),
            source=str(row.get("article_source") or ""),
            published=str(row.get("article_date") or ""), type=str(row["type"]),
            negated=bool(row.get("negated")), hypothetical=bool(row.get("hypothetical")),
            day_start=_day(row.get("date_start")),
            day_end=_day(row.get("date_end") or row.get("date_start")),
            country=str(row.get("location_country") or ""),
            admin1=str(row.get("location_admin1") or ""),
            place_key=f"gn:{gid}" if gid else (f"n:{text_key(name)}" if name else ""),
            place_name=str(name), place_word=text_key(str(name)), coarse=precision in _COARSE or lat is None,
            is_country=precision == "country",
            lat=lat, lon=lon,
            actors=(_actor(row, "source"), _actor(row, "target")),
            fatalities=row.get("fatalities"),
            words=frozenset(w for w in text_key(row.get("evidence_text") or "").split()
                            if len(w) > 2),
        )

    @property
    def block(self) -> tuple[str, str, bool, bool]:
        """The blocking key: only mentions with the same key are compared."""
        return (self.type, self.country, self.negated, self.hypothetical)


def _day(value: Any) -> int | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10]).toordinal()
    except ValueError:
        return None


def _actor(row: dict[str, Any], role: str) -> tuple[str, str, str, str]:
    """``(identity key, display name, code, country)`` of an event's source or target."""
    text = row.get(f"{role}_text")
    if not text:
        return ("", "", "", "")
    name = row.get(f"{role}_name") or text
    kb_id = row.get(f"{role}_kb_id")
    key = f"kb:{kb_id}" if kb_id else f"n:{text_key(str(name))}"
    return (key, str(name), str(row.get(f"{role}_code") or ""),
            str(row.get(f"{role}_country") or ""))


@dataclass(frozen=True)
class Match:
    """The comparison of two reports: points for being the same event, the reasons, and
    what makes them incompatible (if anything)."""

    score: int
    reasons: tuple[str, ...]
    conflict: str | None = None

    def same_event(self, config: DedupeConfig) -> bool:
        """True when the reports are to be merged."""
        return self.conflict is None and self.score >= config.min_score


def _km(a: Mention, b: Mention) -> float | None:
    if None in (a.lat, a.lon, b.lat, b.lon):
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))  # type: ignore[arg-type]
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(h)))


def _compare_place(a: Mention, b: Mention, config: DedupeConfig) -> tuple[int, str | None, str | None]:
    """Points, reason, conflict for the places of two reports (same country: blocked)."""
    if not a.place_key or not b.place_key:
        return 0, None, None
    if a.place_key == b.place_key or (a.place_word and a.place_word == b.place_word):
        if a.is_country:
            return 1, f"same country {a.place_name}", None
        bonus = 1 if a.type in config.salient_types else 0
        return 2 + bonus, f"same place {a.place_name}" + (
            f" (an {a.type} event at the same place)" if bonus else ""), None
    km = _km(a, b)
    if km is not None and not a.coarse and not b.coarse:
        if km <= config.radius_km:
            return 1, f"places {km:.0f} km apart ({a.place_name} / {b.place_name})", None
        return 0, None, f"places {km:.0f} km apart ({a.place_name} / {b.place_name})"
    if a.coarse or b.coarse:
        wide, narrow = (a, b) if a.coarse else (b, a)
        if not wide.admin1 or not narrow.admin1 or wide.admin1 == narrow.admin1:
            return 1, f"{narrow.place_name} lies in {wide.place_name}", None
        return 0, None, f"different regions ({a.admin1} / {b.admin1})"
    if a.admin1 and a.admin1 == b.admin1:
        return 1, f"same region {a.admin1}", None
    return 0, None, f"different places ({a.place_name} / {b.place_name})"


def _compare_actor(role: str, x: tuple[str, str, str, str], y: tuple[str, str, str, str],
                   place: str) -> tuple[int, str | None, str | None]:
    """Points for the same actor in one role: 2 for a named actor, 1 for a country or an
    actor that only repeats the place; a shared code alone earns nothing (too common)."""
    if not x[0] or not y[0]:
        return 0, None, None
    if x[0] == y[0]:
        if x[0] == f"n:{place}" or len(x[2]) == 3:
            return 1, f"same {role} {x[1]} (a country or the place itself)", None
        return 2, f"same {role} {x[1]}", None
    if x[3] and y[3] and x[3] != y[3]:
        return 0, None, f"{role}s of different countries ({x[1]} {x[3]} / {y[1]} {y[3]})"
    return 0, None, None


def compare(a: Mention, b: Mention, config: DedupeConfig | None = None) -> Match:
    """Compare two reports of the same block (type, country and flags already equal)."""
    config = config or DedupeConfig()
    reasons = [f"same type {a.type}"]
    if a.day_start is None or b.day_start is None or a.day_end is None or b.day_end is None:
        return Match(0, tuple(reasons), "no date")
    if max(a.day_end - a.day_start, b.day_end - b.day_start) > config.max_span_days:
        return Match(0, tuple(reasons), "date too vague")
    gap = max(0, b.day_start - a.day_end, a.day_start - b.day_end)
    if gap > config.window_days:
        return Match(0, tuple(reasons), f"dates {gap} days apart")
    reasons.append(f"dates {gap} day{'s' if gap != 1 else ''} apart")
    score = 0
    parts = [_compare_place(a, b, config),
             _compare_actor("source", a.actors[0], b.actors[0], a.place_word),
             _compare_actor("target", a.actors[1], b.actors[1], a.place_word)]
    for points, reason, conflict in parts:
        if conflict:
            return Match(score, tuple(reasons), conflict)
        if reason:
            reasons.append(reason)
        score += points
    if a.fatalities is not None and a.fatalities == b.fatalities and a.fatalities > 0:
        score += 1
        reasons.append(f"same fatalities {a.fatalities}")
    if a.words and b.words:
        overlap = len(a.words & b.words) / len(a.words | b.words)
        if overlap >= config.copy_overlap:
            score += 3
            reasons.append(f"evidence is nearly the same sentence ({overlap:.0%} of words)")
        elif overlap >= config.strong_overlap:
            score += 2
            reasons.append(f"evidence shares {overlap:.0%} of words")
        elif overlap >= config.weak_overlap:
            score += 1
            reasons.append(f"evidence shares {overlap:.0%} of words")
    return Match(score, tuple(reasons))


# ------------------------------------------------------------------------- clustering

Edge = tuple[str, str, int, tuple[str, ...]]


def segments(mentions: Iterable[Mention], config: DedupeConfig) -> list[list[Mention]]:
    """The independent comparison tasks: mentions blocked by :attr:`Mention.block`, sorted
    by date, cut where no date within the window follows (undated ones left out)."""
    blocks: dict[tuple[str, str, bool, bool], list[Mention]] = {}
    for m in mentions:
        if m.day_start is not None and m.day_end is not None:
            blocks.setdefault(m.block, []).append(m)
    out: list[list[Mention]] = []
    for key in sorted(blocks):
        items = sorted(blocks[key], key=lambda m: (m.day_start, m.event_id))
        current: list[Mention] = []
        reach = -1
        for m in items:
            assert m.day_start is not None and m.day_end is not None
            if current and m.day_start - reach > config.window_days:
                out.append(current)
                current = []
            current.append(m)
            reach = max(reach, m.day_end) if len(current) > 1 else m.day_end
        if current:
            out.append(current)
    return out


def cluster_segment(task: tuple[list[Mention], DedupeConfig]) -> list[tuple[list[str], list[Edge]]]:
    """Cluster one segment: ``(event ids, edges that joined them)`` for every cluster of
    two or more reports (a picklable task for any engine's ``map``)."""
    items, config = task
    parent = list(range(len(items)))
    first = [m.day_start or 0 for m in items]  # each cluster's date span, kept at its root
    last = [m.day_end or 0 for m in items]

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    edges: list[tuple[int, int, Match]] = []
    for i, a in enumerate(items):
        assert a.day_end is not None
        for j in range(i + 1, len(items)):
            b = items[j]
            assert b.day_start is not None
            if b.day_start - a.day_end > config.window_days:
                break  # sorted by start: no later report is within the window either
            match = compare(a, b, config)
            if not match.same_event(config):
                continue
            ra, rb = find(i), find(j)
            if ra == rb:
                continue
            lo, hi = min(first[ra], first[rb]), max(last[ra], last[rb])
            if hi - lo > config.window_days:
                continue  # no chains: every report of a cluster is dated within the window
            root, other = min(ra, rb), max(ra, rb)
            parent[other] = root
            first[root], last[root] = lo, hi
            edges.append((i, j, match))
    groups: dict[int, list[int]] = {}
    for i in range(len(items)):
        groups.setdefault(find(i), []).append(i)
    result: list[tuple[list[str], list[Edge]]] = []
    for root, members in sorted(groups.items()):
        if len(members) < 2:
            continue
        ids = [items[i].event_id for i in members]
        used = [(items[i].event_id, items[j].event_id, m.score, m.reasons)
                for i, j, m in edges if find(i) == root]
        result.append((ids, used))
    return result


@dataclass
class DedupeResult:
    """Clusters (one row per deduplicated event) and members (one row per report)."""

    clusters: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    events: int = 0
    segments: int = 0

    def cluster_of(self) -> dict[str, str]:
        """``event_id -> cluster_id`` for every report."""
        return {m["event_id"]: m["cluster_id"] for m in self.members}

    def summary(self) -> dict[str, Any]:
        """Counts: events in, deduplicated events out, merged clusters, largest cluster."""
        sizes = [c["n_mentions"] for c in self.clusters]
        return {"events": self.events, "deduplicated_events": len(self.clusters),
                "merged_clusters": sum(1 for s in sizes if s > 1),
                "duplicate_reports": self.events - len(self.clusters),
                "largest_cluster": max(sizes, default=0), "segments": self.segments}


Mapper = Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]


def dedupe_rows(rows: Iterable[dict[str, Any]], *, config: DedupeConfig | None = None,
                mapper: Mapper | None = None) -> DedupeResult:
    """Deduplicate events (``events`` rows); ``mapper`` runs the segment tasks (an engine's
    ``map``; in this process by default). Every event ends in exactly one cluster; a cluster's
    id is the event id of its earliest report."""
    config = config or DedupeConfig()
    by_id: dict[str, dict[str, Any]] = {}
    mentions: list[Mention] = []
    for row in rows:
        by_id[str(row["event_id"])] = row
        mentions.append(Mention.from_row(row))
    tasks = [(seg, config) for seg in segments(mentions, config) if len(seg) > 1]
    run = mapper or (lambda f, xs: [f(x) for x in xs])
    found: list[tuple[list[str], list[Edge]]] = [c for part in run(cluster_segment, tasks)
                                                 for c in part]
    merged = {eid for ids, _ in found for eid in ids}
    groups = found + [([eid], []) for eid in by_id if eid not in merged]
    result = DedupeResult(events=len(by_id), segments=len(tasks))
    for ids, edges in groups:
        cluster, members = _cluster_record([by_id[i] for i in ids], edges)
        result.clusters.append(cluster)
        result.members.extend(members)
    result.clusters.sort(key=lambda c: (c["date_start"] or "", c["cluster_id"]))
    result.members.sort(key=lambda m: (m["cluster_id"], m["event_id"]))
    return result


def _report_order(row: dict[str, Any]) -> tuple[str, str, str]:
    return (str(row.get("article_date") or "9999"), str(row.get("date_start") or "9999"),
            str(row["event_id"]))


def _most_common(values: Iterable[Any]) -> Any:
    counts = Counter(v for v in values if v not in (None, ""))
    return counts.most_common(1)[0][0] if counts else None


def _cluster_record(rows: list[dict[str, Any]],
                    edges: list[Edge]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rows = sorted(rows, key=_report_order)
    first = rows[0]
    cid = str(first["event_id"])
    starts = [r["date_start"] for r in rows if r.get("date_start")]
    ends = [r.get("date_end") or r["date_start"] for r in rows if r.get("date_start")]
    place = _most_common(r.get("location_name") or r.get("location_text") for r in rows)
    placed = next((r for r in rows if (r.get("location_name") or r.get("location_text")) == place),
                  first)
    sources = sorted({str(r.get("article_source")) for r in rows if r.get("article_source")})
    articles = list(dict.fromkeys(str(r.get("doc_id") or "") for r in rows))
    fatalities = [r["fatalities"] for r in rows if r.get("fatalities") is not None]
    cluster = {
        "cluster_id": cid, "type": first["type"],
        "date_start": min(starts) if starts else None, "date_end": max(ends) if ends else None,
        "country": first.get("location_country"), "admin1": _most_common(
            r.get("location_admin1") for r in rows),
        "place": place, "lat": placed.get("location_lat"), "lon": placed.get("location_lon"),
        "source_actor": _most_common(r.get("source_name") or r.get("source_text") for r in rows),
        "target_actor": _most_common(r.get("target_name") or r.get("target_text") for r in rows),
        "fatalities": max(fatalities) if fatalities else None,
        "n_mentions": len(rows), "n_articles": len(articles), "n_sources": len(sources),
        "reports": [str(r["event_id"]) for r in rows], "articles": articles,
        "sources": sources, "first_event_id": cid, "first_article": first.get("doc_id"),
        "first_source": first.get("article_source"), "first_date": first.get("article_date"),
        "explanation": json.dumps([{"a": a, "b": b, "score": s, "reasons": list(r)}
                                   for a, b, s, r in edges], ensure_ascii=False),
    }
    members = [{"event_id": str(r["event_id"]), "cluster_id": cid, "doc_id": r.get("doc_id"),
                "source": r.get("article_source"), "is_first": r is first} for r in rows]
    return cluster, members
