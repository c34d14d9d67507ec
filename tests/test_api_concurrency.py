"""The API keeps answering, correctly, while an ingest writes to the same store.

A subprocess ingests a few hundred small synthetic articles (each the Derna fixture text
with a numbered line appended, annotated by a light "pipeline" that copies the fixture's
two events) through :func:`marsad.ingest.ingest`, in batches of 5. Meanwhile reader
threads query the API in-process. Every response must be a 200, and each must describe
one committed state of the store: the stats count exactly two events per article, a
listing's total equals its items, ASSAULT and PROTEST counts are equal, articles come
whole (their events' offsets point into their text), and counts never go down.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import Any

from marsad.store import open_store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from marsad.api import create_app

N_ARTICLES = 300
TESTS = Path(__file__).resolve().parent

WRITER = r"""
import dataclasses, sys, time
sys.path.insert(0, sys.argv[3])
from _observatory_fixtures import DERNA_TEXT, derna_doc
from marsad.doc import Document
from marsad.ingest import ingest
from marsad.store import open_store

n = int(sys.argv[2])
template = derna_doc()

def analyse(doc):
    time.sleep(0.004)  # a light pipeline that still takes a little time per article
    return dataclasses.replace(template, text=doc.text, id=doc.id, title=doc.title)

docs = ((f"synthetic:{i}", Document(text=DERNA_TEXT + f"\nالتقرير رقم {i}", id=f"syn-{i}",
                                    title=f"اشتباكات في درنة {i}")) for i in range(n))
with open_store(sys.argv[1]) as store:
    report = ingest(docs, store, analyse, batch_size=5, progress=False)
print(report.added, report.events)
"""


def _check_article(article: dict[str, Any], problems: list[str]) -> None:
    text = article["text"]
    if len(article["events"]) != 2 or article["n_events"] != 2:
        problems.append(f"article {article['id']}: {len(article['events'])} events")
    for ev in article["events"]:
        ev_text = text[ev["evidence"]["start"]:ev["evidence"]["end"]]
        if ev_text != ev["evidence"]["text"] or ev["article"]["id"] != article["id"]:
            problems.append(f"article {article['id']}: evidence does not match its text")
    if len(article["places"]) != 2 or any(text[p["start"]:p["end"]] != p["text"]
                                          for p in article["places"]):
        problems.append(f"article {article['id']}: places incomplete")


def _reader(client: TestClient, writing: threading.Event, problems: list[str],
            seen: list[int]) -> None:
    last_articles = last_hits = last_events = 0
    while True:
        still_writing = writing.is_set()
        responses = {
            "stats": client.get("/api/stats"),
            "events": client.get("/api/events", params={"limit": 1000, "sort": "-id",
                                                        "facets": "true"}),
            "search": client.get("/api/articles", params={"q": "درنة", "limit": 5,
                                                          "sort": "-date"}),
            "counts": client.get("/api/events/counts", params={"by": "type"}),
            "geo": client.get("/api/events/geojson", params={"limit": 50_000}),
        }
        for name, r in responses.items():
            if r.status_code != 200:
                problems.append(f"{name}: HTTP {r.status_code} {r.text[:200]}")
        if problems:
            return
        stats = responses["stats"].json()
        if stats["events"] != 2 * stats["articles"]:
            problems.append(f"stats not one state: {stats['articles']} articles, "
                            f"{stats['events']} events")
        events = responses["events"].json()
        if events["total"] != len(events["items"]) or events["total"] % 2:
            problems.append(f"events page: total {events['total']}, {len(events['items'])} items")
        facet = {f["key"]: f["count"] for f in events["facets"]["type"]}
        if facet.get("ASSAULT", 0) != facet.get("PROTEST", 0):
            problems.append(f"facets not one state: {facet}")
        counts = {c["key"]: c["count"] for c in responses["counts"].json()["counts"]}
        if counts.get("ASSAULT", 0) != counts.get("PROTEST", 0):
            problems.append(f"counts not one state: {counts}")
        geo = responses["geo"].json()
        if geo["total"] != len(geo["features"]) or geo["total"] % 2:
            problems.append(f"geojson: total {geo['total']}, {len(geo['features'])} features")
        hits = responses["search"].json()
        if (stats["articles"] < last_articles or hits["total"] < last_hits
                or events["total"] < last_events):
            problems.append("a count went down")
        last_articles, last_hits, last_events = stats["articles"], hits["total"], events["total"]
        for hit in hits["items"]:
            if not hit["snippet"]["highlights"] or hit["n_events"] != 2:
                problems.append(f"search hit {hit['id']} incomplete")
            article = client.get(f"/api/articles/{hit['id']}")
            if article.status_code != 200:
                problems.append(f"article {hit['id']}: HTTP {article.status_code}")
            else:
                _check_article(article.json(), problems)
        seen.append(stats["articles"])
        if problems or not still_writing:
            return


def test_api_concurrency_reads_stay_correct_while_ingest_writes(tmp_path: Path) -> None:
    db = str(tmp_path / "busy.db")
    open_store(db).close()
    app = create_app(db)
    writing = threading.Event()
    writing.set()
    problems: list[str] = []
    seen: list[int] = []
    writer = subprocess.Popen([sys.executable, "-c", WRITER, db, str(N_ARTICLES), str(TESTS)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    readers = [threading.Thread(target=_reader, args=(TestClient(app), writing, problems, seen))
               for _ in range(3)]
    try:
        for t in readers:
            t.start()
        out, err = writer.communicate(timeout=240)
    finally:
        if writer.poll() is None:
            writer.kill()
        writing.clear()
        for t in readers:
            t.join(timeout=120)
    assert writer.returncode == 0, err
    assert out.split() == [str(N_ARTICLES), str(2 * N_ARTICLES)]
    assert problems == [], problems[:10]
    # the readers really overlapped the writes: they saw the store part-filled
    assert any(0 < n < N_ARTICLES for n in seen), sorted(set(seen))[:20]
    assert max(seen) == N_ARTICLES
    final = TestClient(app).get("/api/stats").json()
    assert (final["articles"], final["events"]) == (N_ARTICLES, 2 * N_ARTICLES)


def test_api_concurrency_load_script_runs_without_errors(tmp_path: Path) -> None:
    """benchmarks/api_load.py (small): it serves on 127.0.0.1, sends every request and
    counts no error (its figures are not asserted: they go to benchmarks/results/)."""
    import json

    script = TESTS.parent / "benchmarks" / "api_load.py"
    proc = subprocess.run([sys.executable, str(script), "--articles", "60", "--requests", "30",
                           "--clients", "3", "--write", str(tmp_path / "load.md")],
                          capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert result["articles"] == 60 and result["events"] == 80
    for row in result["scenarios"].values():
        assert row["requests"] == 30 and row["errors"] == 0 and row["req_per_s"] > 0
    assert "| search (`/api/articles`) | 30 | 0 |" in (tmp_path / "load.md").read_text("utf-8")
