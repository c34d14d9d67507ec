"""Cross-article deduplication clusters in the store, the JSON API and the pages: a small
store built by `marsad run --db` from Arabic articles written for these tests (two of them
report the same attack in Sabha, worded differently, on the same day), and a store
without clusters (`marsad ingest`-like) where the cluster features are absent."""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest

from _observatory_fixtures import fill_store
from _run_fixtures import write_corpus
from marsad.cli import main
from marsad.store import ClusterFilter, EventFilter, open_store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from marsad.api import create_app

#: Written for these tests: sabha-1 and sabha-2 report one attack (same day, same city,
#: same toll) in different words and from different sources; the others are unrelated.
ARTICLES = [
    {"id": "sabha-1", "date": "2019-03-10", "source": "وكالة المغرب العربي",
     "title": "هجوم على مركز شرطة في سبها",
     "text": "قتل أربعة من عناصر الشرطة في هجوم مسلح على مركز للشرطة في مدينة سبها الليبية "
             "صباح اليوم. وأعلنت وزارة الداخلية فتح تحقيق في الحادث."},
    {"id": "sabha-2", "date": "2019-03-10", "source": "صحيفة الوسط",
     "title": "مقتل شرطيين في سبها",
     "text": "لقي أربعة شرطيين حتفهم إثر هجوم شنه مسلحون على مركز شرطة في مدينة سبها جنوب "
             "ليبيا. وقالت مصادر محلية إن المهاجمين لاذوا بالفرار."},
    {"id": "tripoli-1", "date": "2019-03-11", "source": "صحيفة الوسط",
     "title": "مظاهرة طلابية في طرابلس",
     "text": "تظاهر مئات الطلاب في طرابلس للمطالبة بتحسين ظروف الدراسة في الجامعات الليبية."},
    {"id": "tunis-1", "date": "2019-03-14", "source": "وكالة المغرب العربي",
     "title": "اجتماع في تونس",
     "text": "التقى وزير الخارجية التونسي نظيره الجزائري في تونس العاصمة لبحث الأوضاع في ليبيا."},
]


@functools.lru_cache(maxsize=1)
def clustered_db() -> str:
    """A store written by `marsad run --db` over :data:`ARTICLES` (built once per test
    run; the browser test uses it too)."""
    root = Path(tempfile.mkdtemp(prefix="marsad-clusters-"))
    db = root / "run.db"
    code = main(["run", str(write_corpus(root / "news.jsonl", ARTICLES)), "--db", str(db),
                 "--workers", "1", "--quiet"])
    assert code == 0
    return str(db)


@pytest.fixture(scope="module")
def db() -> str:
    return clustered_db()


@pytest.fixture(scope="module")
def client(db: str) -> TestClient:
    return TestClient(create_app(db))


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """A store without clusters (filled like `marsad ingest` does)."""
    path = str(tmp_path_factory.mktemp("plain") / "plain.db")
    with open_store(path) as store:
        fill_store(store)
    return TestClient(create_app(path))


def _sabha(client: TestClient) -> dict[str, Any]:
    """The cluster of the Sabha attack (found through the events, not by a known id)."""
    events = client.get("/api/events", params={"type": "ASSAULT", "limit": 100}).json()["items"]
    ids = {e["cluster_id"] for e in events if e["article"]["doc_id"] in ("sabha-1", "sabha-2")}
    assert len(ids) == 1, ids
    return client.get(f"/api/clusters/{ids.pop()}").json()  # type: ignore[no-any-return]


def test_api_clusters_the_same_attack_is_one_cluster(client: TestClient) -> None:
    cluster = _sabha(client)
    assert cluster["type"] == "ASSAULT" and cluster["n_mentions"] == 2
    assert cluster["n_articles"] == 2 and cluster["n_sources"] == 2
    assert sorted(cluster["articles"]) == ["sabha-1", "sabha-2"]
    assert cluster["date_start"] == "2019-03-10" and cluster["country"] == "LBY"
    members = cluster["members"]
    assert sorted(m["article"]["doc_id"] for m in members) == ["sabha-1", "sabha-2"]
    assert [m["is_first"] for m in members] == [True, False]  # first report first
    assert members[0]["id"] == cluster["cluster_id"] == cluster["first_event_id"]
    assert [m["id"] for m in members] == cluster["reports"]
    for m in members:
        assert "سبها" in m["evidence"]["text"] and m["type"] == "ASSAULT"
        assert m["cluster_id"] == cluster["cluster_id"] and m["n_mentions"] == 2
    (merge,) = cluster["explanation"]
    assert {merge["a"], merge["b"]} == set(cluster["reports"]) and merge["score"] >= 3
    assert any(r.startswith("same place") for r in merge["reasons"])


def test_api_clusters_counts_agree(client: TestClient) -> None:
    stats = client.get("/api/stats").json()
    listing = client.get("/api/clusters", params={"limit": 1000}).json()
    assert listing["available"] is True and "note" not in listing
    assert stats["clusters"] == listing["total"] == len(listing["items"])
    duplicates = sum(c["n_mentions"] - 1 for c in listing["items"])
    assert duplicates >= 1 and listing["total"] == stats["events"] - duplicates
    deduped = client.get("/api/events", params={"dedupe": "true"}).json()
    assert deduped["total"] == listing["total"] and deduped["filters"] == {"dedupe": True}
    by_type = client.get("/api/events/counts", params={"by": "type", "dedupe": "true"}).json()
    assert sum(c["count"] for c in by_type["counts"]) == listing["total"]
    assert {c["key"]: c["count"] for c in by_type["counts"]}["ASSAULT"] == 1
    assert sum(c["n_mentions"] for c in listing["items"]) == stats["events"]


def test_api_clusters_filters_sorts_and_paging(client: TestClient) -> None:
    merged = client.get("/api/clusters", params={"min_mentions": 2}).json()
    assert merged["total"] >= 1 and all(c["n_mentions"] >= 2 for c in merged["items"])
    assert merged["filters"] == {"min_mentions": 2}
    assault = client.get("/api/clusters", params={"type": "assault", "country": "LBY"}).json()
    assert [c["articles"] for c in assault["items"]] in ([["sabha-1", "sabha-2"]],
                                                         [["sabha-2", "sabha-1"]])
    later = client.get("/api/clusters", params={"from": "2019-03-11"}).json()["items"]
    assert later and all(c["date_start"] >= "2019-03-11" for c in later)
    assert client.get("/api/clusters", params={"to": "2019-03-09"}).json()["total"] == 0
    top = client.get("/api/clusters").json()
    assert top["sort"] == "-n_mentions" and top["items"][0]["n_mentions"] >= 2
    sizes = [c["n_mentions"] for c in top["items"]]
    assert sizes == sorted(sizes, reverse=True)
    oldest = client.get("/api/clusters", params={"sort": "date"}).json()["items"]
    dates = [c["date_start"] for c in oldest]
    assert dates == sorted(dates)
    pages = [client.get("/api/clusters", params={"limit": 2, "offset": o}).json()
             for o in range(0, top["total"], 2)]
    paged = [c["cluster_id"] for p in pages for c in p["items"]]
    assert paged == [c["cluster_id"] for c in top["items"]]  # stable, complete, no repeats


def test_api_clusters_dedupe_lists_first_reports_and_pages(client: TestClient) -> None:
    sabha = _sabha(client)
    first, later = sabha["reports"]
    every = client.get("/api/events", params={"limit": 1000}).json()
    assert {e["id"] for e in every["items"]} >= {first, later}
    total = client.get("/api/events", params={"dedupe": "true"}).json()["total"]
    seen: list[str] = []
    for offset in range(0, total + 2, 2):
        page = client.get("/api/events", params={"dedupe": "true", "limit": 2,
                                                 "offset": offset}).json()
        assert page["total"] == total and len(page["items"]) <= 2
        seen += [e["id"] for e in page["items"]]
    assert len(seen) == len(set(seen)) == total < every["total"]
    assert first in seen and later not in seen
    clusters = {e["cluster_id"] for e in every["items"]}
    assert len(clusters) == total  # one listed event per cluster


def test_api_clusters_events_carry_their_cluster(client: TestClient) -> None:
    sabha = _sabha(client)
    items = client.get("/api/events", params={"limit": 1000}).json()["items"]
    assert all(isinstance(e["cluster_id"], str) and e["n_mentions"] >= 1 for e in items)
    later = sabha["reports"][1]
    event = client.get(f"/api/events/{later}").json()
    assert event["id"] == later and event["cluster_id"] == sabha["cluster_id"]
    assert event["n_mentions"] == 2 and event["article"]["doc_id"] in ("sabha-1", "sabha-2")
    members = client.get("/api/events", params={"cluster": sabha["cluster_id"]}).json()
    assert sorted(e["id"] for e in members["items"]) == sorted(sabha["reports"])
    article = client.get(f"/api/articles/{event['article']['id']}").json()
    assert any(e["cluster_id"] == sabha["cluster_id"] for e in article["events"])


def test_api_clusters_empty_form_fields_are_not_errors(client: TestClient) -> None:
    """A page's filter form submits empty fields (``from=&to=``); its timeline, JSON twin
    and export links pass them on to the API."""
    form = {"q": "", "actor": "", "place": "", "country": "LBY", "type": "", "from": "",
            "to": "", "dedupe": "true"}
    counts = client.get("/api/events/counts", params={**form, "by": "day"})
    assert counts.status_code == 200 and counts.json()["counts"]
    assert client.get("/api/export", params=form).status_code == 200
    assert client.get("/api/clusters", params={"from": "", "to": ""}).status_code == 200


def test_api_clusters_unknown_ids_and_bad_parameters(client: TestClient) -> None:
    r = client.get("/api/clusters/ffffffffffff-0")
    assert r.status_code == 404 and r.json()["error"] == "NotFound"
    assert client.get("/api/events/ffffffffffff-9").status_code == 404
    assert client.get("/api/events", params={"cluster": "ffffffffffff-0"}).json()["total"] == 0
    for path, params in (("/api/clusters/a b", {}), ("/api/clusters/" + "x" * 65, {}),
                         ("/api/clusters", {"min_mentions": 0}),
                         ("/api/clusters", {"sort": "size"}),
                         ("/api/clusters", {"format": "xlsx"}),
                         ("/api/clusters", {"limit": 1001}),
                         ("/api/clusters", {"from": "10/03/2019"}),
                         ("/api/events", {"cluster": "x' OR '1'='1"})):
        r = client.get(path, params=params)
        assert r.status_code in (404, 422), (path, params, r.status_code)
        assert r.json()["error"] in ("NotFound", "ValidationError")
    for value in ("' OR 1=1 --", "ASSAULT') OR ('1'='1"):  # values are parameters only
        assert client.get("/api/clusters", params={"type": value}).json()["total"] == 0
        assert client.get("/api/clusters", params={"country": value}).json()["total"] == 0


def test_api_clusters_csv_export(client: TestClient) -> None:
    listing = client.get("/api/clusters", params={"limit": 1000}).json()
    r = client.get("/api/clusters", params={"format": "csv", "limit": 1})  # paging ignored
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert re.match(r'attachment; filename="marsad-clusters-\d{8}\.csv"',
                    r.headers["content-disposition"])
    assert r.content.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheets read the Arabic
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == listing["total"]
    sabha = next(row for row in rows if "sabha-1" in row["articles"])
    assert sorted(sabha["articles"].split(" | ")) == ["sabha-1", "sabha-2"]
    assert sabha["n_mentions"] == "2" and json.loads(sabha["explanation"])[0]["score"] >= 3
    merged = client.get("/api/clusters", params={"format": "csv", "min_mentions": 2})
    assert len(list(csv.DictReader(io.StringIO(merged.content.decode("utf-8-sig"))))) >= 1
    assert len(merged.content) < len(r.content)


def test_api_clusters_openapi_documents_the_routes(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for route in ("/api/clusters", "/api/clusters/{cluster_id}", "/api/events/{event_id}"):
        assert route in spec["paths"], route
    assert {"ClusterRecord", "ClusterPage", "ClusterDetail"} <= set(spec["components"]["schemas"])
    names = {p["name"] for p in spec["paths"]["/api/events"]["get"]["parameters"]}
    assert {"dedupe", "cluster"} <= names
    assert "404" in spec["paths"]["/api/clusters/{cluster_id}"]["get"]["responses"]


def test_api_clusters_store_reads(db: str) -> None:
    with open_store(db, readonly=True) as store:
        assert store.has_clusters()
        page = store.list_clusters(ClusterFilter(min_mentions=2))
        assert page.extra["available"] and all(c["n_mentions"] >= 2 for c in page.items)
        cid = page.items[0]["cluster_id"]
        cluster = store.get_cluster(cid)
        assert cluster is not None and len(cluster["members"]) == cluster["n_mentions"]
        later = cluster["reports"][-1]
        assert store.cluster_of(later)["cluster_id"] == cid  # type: ignore[index]
        assert store.get_event(later)["cluster_id"] == cid  # type: ignore[index]
        assert store.get_cluster("ffffffffffff-0") is None and store.cluster_of("nope") is None
        assert len(list(store.iter_clusters(ClusterFilter()))) == store.stats()["clusters"]
        dedupe = EventFilter(dedupe=True)
        assert store.list_events(dedupe).total == store.stats()["clusters"]
        with pytest.raises(Exception, match="unknown sort"):
            store.list_clusters(ClusterFilter(), sort="n_mentions; DROP TABLE events")


def test_api_clusters_server_indexes_the_cluster_tables(tmp_path: Path, db: str) -> None:
    """`marsad run` writes the tables without indexes; the server adds them once."""
    import shutil
    import sqlite3

    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    with sqlite3.connect(copy) as conn:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                                    "AND name IN ('dedupe_clusters_id', 'dedupe_clusters_size',"
                                    " 'dedupe_clusters_date', 'dedupe_members_cluster')").fetchall():
            conn.execute(f"DROP INDEX {name}")
    with open_store(str(copy), readonly=True) as store:
        assert len(store.missing_cluster_indexes()) == 4
    TestClient(create_app(str(copy))).get("/api/clusters")
    with open_store(str(copy), readonly=True) as store:
        assert store.missing_cluster_indexes() == []
        assert store.get_cluster(store.list_clusters(ClusterFilter()).items[0]["cluster_id"])


def test_api_clusters_without_clusters(plain: TestClient) -> None:
    listing = plain.get("/api/clusters").json()
    assert listing["available"] is False and listing["total"] == 0 and listing["items"] == []
    assert "marsad run" in listing["note"]
    r = plain.get("/api/clusters/ffffffffffff-0")
    assert r.status_code == 404 and "marsad run" in r.json()["detail"]
    events = plain.get("/api/events").json()
    assert events["total"] == 4
    assert all("cluster_id" not in e and "n_mentions" not in e for e in events["items"])
    assert plain.get("/api/events", params={"dedupe": "true"}).json()["total"] == 4
    assert plain.get("/api/events", params={"cluster": "ffffffffffff-0"}).json()["total"] == 0
    assert plain.get("/api/stats").json()["clusters"] is None
    csv_body = plain.get("/api/clusters", params={"format": "csv"}).content.decode("utf-8-sig")
    assert csv_body.splitlines()[0].startswith("cluster_id,type,")
    assert len(csv_body.splitlines()) == 1
    some = events["items"][0]["id"]
    assert plain.get(f"/api/events/{some}").json()["id"] == some
    page = plain.get("/clusters")
    assert page.status_code == 200 and 'id="no-clusters"' in page.text
    assert 'id="dedupe-toggle"' not in plain.get("/events").text
    assert 'id="stat-clusters"' not in plain.get("/").text
    assert plain.get("/clusters/ffffffffffff-0").status_code == 404


def test_api_clusters_pages(client: TestClient) -> None:
    sabha = _sabha(client)
    cid = sabha["cluster_id"]
    events = client.get("/events").text
    assert 'id="dedupe-toggle"' in events and f'href="/clusters/{cid}"' in events
    assert 'aria-checked="false"' in events
    deduped = client.get("/events", params={"dedupe": "true"}).text
    assert 'aria-checked="true"' in deduped and 'name="dedupe" value="true"' in deduped
    count = re.search(r'id="event-count">(\d+)<', deduped)
    assert count and int(count.group(1)) == client.get("/api/stats").json()["clusters"]
    page = client.get(f"/clusters/{cid}", params={"lang": "ar"})
    assert page.status_code == 200
    html = page.text
    assert f'href="/api/clusters/{cid}"' in html  # the JSON twin
    assert html.count('class="report-row') == 2 and 'id="merge-explanation"' in html
    for m in sabha["members"]:
        assert m["evidence"]["text"] in html and m["article"]["source"] in html
    assert 'class="evidence report-evidence" lang="ar" dir="rtl"' in html
    assert "تقريران" in html  # Arabic is the default UI language: two reports
    assert "المكان نفسه: سبها" in html and "النوع نفسه: اعتداء" in html  # reasons in Arabic
    home = client.get("/").text
    assert 'id="stat-clusters"' in home and 'href="/events?dedupe=true"' in home
    article = client.get(f"/articles/{sabha['members'][1]['article']['id']}").text
    assert f'href="/clusters/{cid}"' in article  # the article's event links to its cluster
    listing = client.get("/clusters", params={"min_mentions": 2, "lang": "en"}).text
    assert f'data-cluster="{cid}"' in listing and "2 reports" in listing
    assert 'href="/api/clusters?min_mentions=2' in listing  # JSON twin keeps the filters
    assert client.get("/clusters/ffffffffffff-0").status_code == 404
    assert client.get("/clusters/<svg>").status_code == 404
    for path in ("/clusters", f"/clusters/{cid}", "/events?dedupe=true"):
        text = client.get(path).text
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert 'src="/static/' in tag or 'type="application/json"' in tag, (path, tag)
        assert "style=" not in text and not re.search(r"\son[a-z]+\s*=", text), path


def test_api_clusters_pages_escape_what_the_clusters_hold(tmp_path: Path) -> None:
    """Cluster fields and merge reasons come from article text: the pages print them as
    text (the full hostile tour of every other page is tests/test_ui_security.py)."""
    from marsad.scale.sinks import StoreSink

    path = str(tmp_path / "hostile.db")
    with open_store(path) as store:
        fill_store(store)
        events = list(store.iter_events(EventFilter(), sort="id"))
    payload = '<img src=x onerror="window.__pwned=1">'
    first, second = events[0]["id"], events[1]["id"]
    cluster = {"cluster_id": first, "type": "ASSAULT", "date_start": "2018-05-20",
               "date_end": "2018-05-21", "country": "LBY", "admin1": payload, "place": payload,
               "lat": None, "lon": None, "source_actor": payload, "target_actor": "<script>x</script>",
               "fatalities": 3, "n_mentions": 2, "n_articles": 2, "n_sources": 2,
               "reports": [first, second], "articles": ["a", "b"], "sources": [payload, "s"],
               "first_event_id": first, "first_article": "a", "first_source": payload,
               "first_date": "2018-05-21",
               "explanation": json.dumps([{"a": first, "b": second, "score": 4,
                                           "reasons": [f"same place {payload}", payload]}])}
    members = [{"event_id": first, "cluster_id": first, "doc_id": "a", "source": "s",
                "is_first": True},
               {"event_id": second, "cluster_id": first, "doc_id": "b", "source": "s",
                "is_first": False}]
    sink = StoreSink(path)
    sink.write_clusters([cluster], members)
    sink.close()
    client = TestClient(create_app(path))
    for url in (f"/clusters/{first}", "/clusters", "/events"):
        html = client.get(url).text
        assert "<img src=x" not in html and "<script>x" not in html, url
        assert _tags_with_handlers(html) == [], url
    html = client.get(f"/clusters/{first}").text
    assert "&lt;img src=x onerror=" in html and "المكان نفسه: &lt;img" in html
    assert client.get("/api/clusters").json()["items"][0]["place"] == payload


def _tags_with_handlers(html: str) -> list[str]:
    """Elements of a page that carry an ``on*`` attribute (an event handler)."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.extend(f"{tag}[{name}]" for name, _ in attrs if name.startswith("on"))

    Parser().feed(html)
    return found


def test_export_cli_dedupe_keeps_one_report_per_cluster(db: str, tmp_path: Path,
                                                         client: TestClient) -> None:
    """`marsad export --dedupe` writes one row per deduplicated event."""
    import csv

    every, once = tmp_path / "all.csv", tmp_path / "once.csv"
    assert main(["export", "--db", db, "--format", "csv", "-o", str(every)]) == 0
    assert main(["export", "--db", db, "--format", "csv", "--dedupe", "-o", str(once)]) == 0
    rows_all = list(csv.DictReader(every.open(encoding="utf-8-sig")))
    rows_once = list(csv.DictReader(once.open(encoding="utf-8-sig")))
    stats = client.get("/api/stats").json()
    assert len(rows_all) == stats["events"]
    assert len(rows_once) == stats["clusters"] < len(rows_all)


def test_export_cli_dedupe_on_a_store_without_clusters(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "plain.db")
    with open_store(path) as store:
        fill_store(store)
    code = main(["export", "--db", path, "--format", "csv", "--dedupe", "-o",
                 str(tmp_path / "x.csv")])
    assert code != 0
    assert "no deduplication clusters" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_api_event_ids_never_shadow_the_sibling_routes() -> None:
    """``/api/events/{event_id}`` sits beside ``/api/events/counts`` and ``/geojson``: the
    id pattern must not admit their names (the OpenAPI document would promise an event
    where the API answers counts), and must admit every id the store writes."""
    from marsad.api.app import EVENT_ID

    for name in ("counts", "geojson", "counts-", "-1", "abc"):
        assert not re.match(EVENT_ID, name), name
    for event_id in ("3f2a9c01b7de-0", "3f2a9c01b7de-12", "x_1-7"):
        assert re.match(EVENT_ID, event_id), event_id
