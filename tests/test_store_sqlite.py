"""The SQLite store: schema, idempotent adds, Arabic search, event filters and counts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from _observatory_fixtures import algiers_doc, content_hash, fill_store, sample_docs
from marsad.errors import ConfigError, MarsadError
from marsad.store import EventFilter, open_store
from marsad.store.sqlite import SCHEMA_VERSION, SQLiteStore, date_bounds
from marsad.store.textkey import parse_query, text_key


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = open_store(str(tmp_path / "t.db"))
    fill_store(s)
    yield s
    s.close()


def test_store_schema_version_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with open_store(str(path)) as s:
        assert isinstance(s, SQLiteStore)
        assert s.schema_version == SCHEMA_VERSION
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    # reopening does not re-run migrations
    with open_store(str(path)) as s:
        rows = s.conn.execute("SELECT count(*) FROM schema_version").fetchone()[0]
        assert rows == SCHEMA_VERSION


def test_store_rejects_a_newer_schema_and_foreign_files(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with open_store(str(path)) as s:
        s.conn.execute("INSERT INTO schema_version VALUES (99, 'x')")
    with pytest.raises(MarsadError, match="newer"):
        open_store(str(path))
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(MarsadError, match="not a Marsad database"):
        open_store(str(junk))


def test_store_urls_and_unknown_backend(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path}/u.db") as s:
        assert Path(s.location) == tmp_path / "u.db"
    with pytest.raises(ConfigError, match="unknown store backend"):
        open_store("mongodb://localhost/x")
    with pytest.raises(MarsadError, match="no such database"):
        open_store(str(tmp_path / "missing.db"), readonly=True)


def test_store_add_is_idempotent_by_content_hash(store) -> None:  # type: ignore[no-untyped-def]
    doc = algiers_doc()
    again = store.add_document(doc, content_hash=content_hash(doc))
    assert again.added is False
    assert store.stats()["articles"] == 3
    assert store.stats()["events"] == 4
    assert store.has_content(content_hash(doc))


def test_store_transaction_rolls_back_everything_on_error(tmp_path: Path) -> None:
    s = open_store(str(tmp_path / "r.db"))
    docs = sample_docs()
    with pytest.raises(RuntimeError), s.transaction():
        s.add_document(docs[0], content_hash=content_hash(docs[0]))
        raise RuntimeError("crash")
    assert s.stats()["articles"] == 0
    assert s.stats()["events"] == 0
    s.close()


@pytest.mark.parametrize("query", ["الجزائر", "الجزاير", "بالجزائر", "جزائر", "الجَزَائِر", "الجـزائر", "والجزائر"])
def test_store_search_ignores_hamza_diacritics_article_and_clitics(store, query: str) -> None:  # type: ignore[no-untyped-def]
    page = store.search_articles(query)
    assert [item["doc_id"] for item in page.items] == ["algiers-2018"]
    snippet = page.items[0]["snippet"]
    assert snippet["highlights"], "the matched words are highlighted"
    s, e = snippet["highlights"][0]
    assert "جزائر" in snippet["text"][s:e]


def test_store_search_finds_bare_proclitics_and_ta_marbuta(store) -> None:  # type: ignore[no-untyped-def]
    assert store.search_articles("درنه").total == 1  # ة / ه folded
    assert store.search_articles("الكهرباء").total == 1
    assert store.search_articles("ليبيا").total == 1


def test_store_search_phrases_or_and_not(store) -> None:  # type: ignore[no-untyped-def]
    assert store.search_articles('"وزير الخارجية"').total == 1
    assert store.search_articles('"الخارجية وزير"').total == 0
    assert store.search_articles("درنة OR القاهرة").total == 2
    assert store.search_articles("الخارجية -القاهرة").total == 1
    assert store.search_articles("!!!").total == 0
    assert store.search_articles("").total == 3


def test_store_search_sort_and_paging_are_stable(store) -> None:  # type: ignore[no-untyped-def]
    pages = [store.search_articles("", limit=1, offset=i, sort="-date").items[0]["doc_id"]
             for i in range(3)]
    assert pages == ["cairo-2018", "algiers-2018", "derna-2018"]
    assert store.search_articles("", date_from="2018-06-01").total == 1


def test_store_event_filters(store) -> None:  # type: ignore[no-untyped-def]
    def ids(**kw: object) -> list[str]:
        return [e["type"] for e in store.list_events(EventFilter(**kw), sort="type").items]

    assert ids(types=("assault", "PROTEST")) == ["ASSAULT", "PROTEST"]
    assert ids(country=("egy",)) == ["REQUEST"]
    assert ids(actor="الجيش الليبي") == ["ASSAULT"]
    assert ids(actor="LBYMIL") == ["ASSAULT"]
    assert ids(place="بنغازي") == ["PROTEST"]
    assert ids(date_from="2018-06-01") == ["REQUEST"]  # month-precision June
    assert ids(date_from="2018-05-21", date_to="2018-05-31") == ["CONSULT"]
    assert ids(q="الكهرباء") == ["ASSAULT", "PROTEST"]
    assert ids(modes=("demo",)) == ["PROTEST"]


def test_store_event_records_are_full_plover_records(store) -> None:  # type: ignore[no-untyped-def]
    page = store.list_events(EventFilter(types=("ASSAULT",)))
    assert page.total == 1
    e = page.items[0]
    assert e["source"]["code"] == "LBYMIL" and e["target"]["sector"] == "UAF"
    assert e["location"]["lat"] == pytest.approx(32.767)
    assert e["fatalities"] == 3 and e["injured"] == 5
    assert e["contexts"] == ["military", "terrorism"]
    article = store.get_article(e["article"]["id"])
    assert article["text"][e["evidence"]["start"]:e["evidence"]["end"]] == e["evidence"]["text"]


def test_store_event_paging_is_stable(store) -> None:  # type: ignore[no-untyped-def]
    seen = [store.list_events(EventFilter(), limit=1, offset=i, sort="-date").items[0]["id"]
            for i in range(4)]
    assert len(set(seen)) == 4
    with pytest.raises(MarsadError, match="unknown sort"):
        store.list_events(EventFilter(), sort="bogus")


def test_store_counts(store) -> None:  # type: ignore[no-untyped-def]
    by_type = {r["key"]: r["count"] for r in store.count_events(EventFilter(), "type")}
    assert by_type == {"ASSAULT": 1, "PROTEST": 1, "CONSULT": 1, "REQUEST": 1}
    assert store.count_events(EventFilter(), "month") == [
        {"key": "2018-05", "count": 3}, {"key": "2018-06", "count": 1}]
    weeks = store.count_events(EventFilter(), "week")
    assert weeks[0] == {"key": "2018-05-14", "count": 2}  # Monday of the week of 2018-05-20
    assert store.count_events(EventFilter(), "country")[0] == {"key": "LBY", "count": 2}
    contexts = {r["key"]: r["count"] for r in store.count_events(EventFilter(), "context")}
    assert contexts["diplomatic"] == 2 and contexts["military"] == 1
    with pytest.raises(MarsadError, match="cannot count"):
        store.count_events(EventFilter(), "colour")


def test_store_article_actor_and_place_pages(store) -> None:  # type: ignore[no-untyped-def]
    page = store.search_articles("درنة")
    article = store.get_article(page.items[0]["id"])
    assert article is not None
    for mention in article["places"] + article["actors"] + article["entities"]:
        assert article["text"][mention["start"]:mention["end"]] == mention["text"]
    assert len(article["events"]) == 2
    actors = store.list_actors("الجيش")
    assert actors.total >= 1
    army = store.get_actor(actors.items[0]["id"])
    assert army is not None and army["code"] == "LBYMIL" and army["n_events"] == 1
    events = store.list_events(EventFilter(actor_id=army["id"]))
    assert [e["type"] for e in events.items] == ["ASSAULT"]
    places = store.list_places("درنة")
    derna = store.get_place(places.items[0]["id"])
    assert derna is not None and derna["country"] == "LBY"
    assert store.list_events(EventFilter(place_id=derna["id"])).total == 1
    assert store.get_article(999) is None and store.get_actor(999) is None


def test_store_deleting_an_article_cascades(store) -> None:  # type: ignore[no-untyped-def]
    with store.transaction():
        store.conn.execute("DELETE FROM articles WHERE doc_id = 'derna-2018'")
    assert store.stats()["events"] == 2
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute("INSERT INTO events (event_id, article_id, idx, type, evidence_start,"
                           " evidence_end, evidence_text) VALUES ('x', 999, 0, 'T', 0, 1, 'x')")


def test_textkey_strips_clitics_and_folds() -> None:
    assert text_key("بالجزائر والجزائر الجزائر للأمم") == "جزاير جزاير جزاير امم"
    assert parse_query("   ") is None
    parsed = parse_query("الأمم -تونس")
    assert parsed is not None and "NOT" in parsed.expression and parsed.keys == ("امم",)


@pytest.mark.parametrize(("value", "bounds"), [
    ("2018-05-21", ("2018-05-21", "2018-05-21")),
    ("2018-02", ("2018-02-01", "2018-02-28")),
    ("2016", ("2016-01-01", "2016-12-31")),
    ("garbage", (None, None)),
])
def test_store_date_bounds(value: str, bounds: tuple[str | None, str | None]) -> None:
    assert date_bounds(value) == bounds


def test_store_backends_are_found_by_url_scheme(tmp_path: Path) -> None:
    from marsad.store import register_backend
    from marsad.store.base import get_backend

    opened: list[str] = []

    @register_backend("memo")
    def open_memo(location: str, *, readonly: bool = False, **options: object) -> SQLiteStore:
        opened.append(location)
        return SQLiteStore(str(tmp_path / "memo.db"))

    with open_store("memo://team-server/marsad") as store:
        assert store.stats()["articles"] == 0
    assert opened == ["memo://team-server/marsad"]  # other backends get the whole URL
    assert get_backend("sqlite") is not None


def test_search_cli_prints_a_json_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from marsad.cli import main

    db = str(tmp_path / "cli.db")
    with open_store(db) as s:
        fill_store(s)
    assert main(["search", "بالجزائر", "--db", db, "--limit", "5"]) == 0
    page = json.loads(capsys.readouterr().out)
    assert page["total"] == 1 and page["items"][0]["doc_id"] == "algiers-2018"
    assert page["took_ms"] >= 0
    assert main(["search", "x", "--db", str(tmp_path / "none.db")]) == 74
