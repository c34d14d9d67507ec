"""Hostile input through the readers, `marsad extract` and `marsad ingest`: every item is
processed or skipped with a one-line reason, the run goes on, the summary counts skipped
items by reason, the exit code says what happened (0 all processed, 3 some skipped, 65
none could be), and nothing ends in a traceback.

The corpus is written by scripts/hostile_corpus.py, whose manifest says what a correct
reader does with each file."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from marsad.cli import main
from marsad.doc import Document
from marsad.errors import StageError
from marsad.ingest import iter_documents
from marsad.readers import REASONS, ItemError, parse_date, publication_date, read_source

ROOT = Path(__file__).resolve().parents[1]


def _hostile_module() -> Any:
    spec = importlib.util.spec_from_file_location("hostile_corpus",
                                                  ROOT / "scripts" / "hostile_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("hostile")
    manifest = _hostile_module().build(folder)
    return folder, manifest


def _totals(manifest: dict[str, Any]) -> tuple[int, Counter[str]]:
    processed = sum(item["processed"] for item in manifest.values())
    skipped: Counter[str] = Counter()
    for item in manifest.values():
        skipped.update(item["skipped"])
    return processed, skipped


def test_hostile_corpus_is_deterministic_and_covers_every_input_reason(
        corpus: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    folder, manifest = corpus
    again = _hostile_module().build(tmp_path)
    assert again == manifest
    for name in manifest:
        assert (folder / name).read_bytes() == (tmp_path / name).read_bytes(), name
    _, skipped = _totals(manifest)
    assert set(skipped) <= set(REASONS)
    assert {"empty", "binary", "undecodable", "bad_gzip", "invalid_json", "not_an_object",
            "no_text", "not_a_feed"} <= set(skipped)
    assert len(manifest) >= 40


def test_readers_process_or_report_every_hostile_item(corpus: tuple[Path, dict[str, Any]]) -> None:
    folder, manifest = corpus
    got: dict[str, dict[str, Any]] = {name: {"processed": 0, "skipped": Counter()}
                                      for name in manifest}
    warnings: Counter[str] = Counter()

    def on_error(path: str, exc: Exception) -> None:
        assert isinstance(exc, ItemError) and exc.reason in REASONS, exc
        assert "\n" not in str(exc) and Path(path).name in str(exc)  # one line, names the file
        if exc.skipped:
            got[Path(path).name]["skipped"][exc.reason] += 1
        else:
            warnings[exc.reason] += 1

    for path, doc in iter_documents([str(folder)], on_error=on_error):
        got[Path(path).name]["processed"] += 1
        assert doc.text.strip() and "\ud800" not in doc.text
        if path.endswith(".html"):  # scripts, styles and handlers never become text
            assert not any(w in doc.text for w in ("سكربت", "alert", "color:red", "onerror"))
        assert doc.date is None or "1800" <= doc.date[:4] <= "2199"
    for name, expected in manifest.items():
        assert {"processed": got[name]["processed"], "skipped": dict(got[name]["skipped"])} \
            == expected, name
    assert warnings["bad_date"] >= 10  # 9999-12-31, 0000-00-00, yesterday ...


def _check_offsets(doc: dict[str, Any]) -> None:
    text = doc["text"]
    for key in ("sentences", "tokens", "entities", "actors", "places", "times"):
        for span in doc[key]:
            assert text[span["start"]:span["end"]] == span["text"], (key, span)


def test_extract_processes_or_reports_every_hostile_file(
        corpus: tuple[Path, dict[str, Any]], capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    folder, manifest = corpus
    for name, expected in sorted(manifest.items()):
        code = main(["extract", str(folder / name), "--format", "jsonl"])
        captured = capsysbinary.readouterr()
        out, err = captured.out.decode("utf-8"), captured.err.decode("utf-8")
        want = 0 if not expected["skipped"] else 3 if expected["processed"] else 65
        assert code == want, (name, err)
        assert "Traceback" not in err
        docs = [json.loads(line) for line in out.splitlines() if line.strip()]
        assert len(docs) == expected["processed"], name
        for doc in docs:
            _check_offsets(doc)
        lines = err.splitlines()
        assert all(line.startswith(("marsad: ", "WARNING ")) for line in lines), err
        assert sum(line.startswith("marsad: skipped:") for line in lines) == \
            max(0, sum(expected["skipped"].values()) - (code == 65))


def test_ingest_of_the_hostile_corpus_through_the_real_command(
        corpus: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    folder, manifest = corpus
    db = tmp_path / "hostile.db"
    processed, skipped = _totals(manifest)
    args = [sys.executable, "-m", "marsad", "ingest", str(folder), "--db", str(db), "--quiet"]
    added = []
    for run in range(2):  # the second run finds everything stored and skips the same items
        proc = subprocess.run(args, capture_output=True, timeout=300, check=False)
        err = proc.stderr.decode("utf-8")
        assert "Traceback" not in err
        assert proc.returncode == 3, err
        report = json.loads(proc.stdout)
        assert report["added"] + report["duplicates"] == processed
        assert report["duplicates"] >= (processed if run else 1)  # same text in several files
        assert report["skipped"] == dict(sorted(skipped.items()))
        assert report["skipped_total"] == sum(skipped.values()) == report["unreadable"]
        assert report["warnings"]["bad_date"] >= 10 and report["failed"] == 0
        assert err.splitlines()[-1].startswith("marsad: error: some items were skipped: ")
        assert f"{sum(skipped.values())} skipped (bad_gzip 2, binary 4," in err
        added.append(report["added"])
    assert added[0] > 0 and added[1] == 0
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = con.execute("SELECT count(*), count(DISTINCT content_hash) FROM articles").fetchone()
    assert stored[0] == stored[1] == added[0]  # every article once
    dates = [d for (d,) in con.execute("SELECT date FROM articles WHERE date IS NOT NULL")]
    assert dates and all("1800" <= d[:4] <= "2199" for d in dates)


def test_ingest_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.txt"
    good.write_text("اجتمع الوزير بالسفير في تونس أمس.", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    db = str(tmp_path / "codes.db")
    common = ["--db", db, "--stages", "sentences", "--quiet"]
    assert main(["ingest", str(good), *common]) == 0
    assert main(["ingest", str(good), *common]) == 0  # already stored is not a problem
    assert main(["ingest", str(good), str(empty), *common]) == 3
    assert main(["ingest", str(empty), *common]) == 65
    err = capsys.readouterr().err
    assert "nothing could be ingested: 0 stored, 0 already stored, 1 skipped (empty 1)" in err


def test_a_stage_failure_skips_one_article_and_the_run_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    import marsad.pipeline

    real = marsad.pipeline._apply

    def flaky(name: str, stage: marsad.pipeline.Stage, doc: Document) -> Document:
        if "قنبلة" in doc.text:
            raise StageError(f"stage 'tokens' failed on document {doc.id!r}: ValueError: boom")
        return real(name, stage, doc)

    monkeypatch.setattr(marsad.pipeline, "_apply", flaky)
    src = tmp_path / "three.jsonl"
    texts = ["خبر أول عن الجزائر.", "خبر فيه قنبلة.", "خبر ثالث عن تونس."]
    src.write_text("\n".join(json.dumps({"id": f"n{i}", "text": t}, ensure_ascii=False)
                             for i, t in enumerate(texts)), encoding="utf-8")
    code = main(["extract", str(src), "--stages", "sentences"])
    captured = capsysbinary.readouterr()
    out, err = captured.out.decode("utf-8"), captured.err.decode("utf-8")
    assert code == 3
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["n0", "n2"]
    assert "marsad: skipped: stage 'tokens' failed on document 'n1'" in err
    assert "2 processed, 1 skipped (stage_error 1)" in err
    code = main(["ingest", str(src), "--db", str(tmp_path / "s.db"), "--stages", "sentences",
                 "--quiet"])
    report = json.loads(capsysbinary.readouterr().out)
    assert code == 3 and report["added"] == 2 and report["skipped"] == {"stage_error": 1}


def test_an_article_the_store_refuses_is_skipped(tmp_path: Path) -> None:
    from marsad.ingest import ingest
    from marsad.store import open_store

    docs = [Document(text=f"خبر رقم {i} عن ليبيا", id=f"d{i}") for i in range(6)]
    with open_store(str(tmp_path / "refuse.db")) as store:
        real_add = store.add_document

        def add(doc: Document, **kw: Any) -> Any:
            if doc.id == "d3":
                real_add(doc, **kw)  # its rows are written, then the store fails on it
                raise OverflowError("Python int too large to convert to SQLite INTEGER")
            return real_add(doc, **kw)

        store.add_document = add
        report = ingest((("mem", d) for d in docs), store, lambda d: d, batch_size=4,
                        progress=False)
    assert report.added == 5 and report.skipped == {"store_error": 1}
    con = sqlite3.connect(tmp_path / "refuse.db")
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
    assert con.execute("SELECT count(*) FROM articles WHERE doc_id = 'd3'").fetchone()[0] == 0


def test_dates_wrong_formats_and_the_year_9999() -> None:
    assert parse_date("Tue, 22 May 2018 10:00:00 GMT") == "2018-05-22"
    assert parse_date("2018-05-22T10:00:00Z") == "2018-05-22"
    assert parse_date({"y": 2018}) is None and parse_date(True) is None
    problems: list[ItemError] = []
    assert parse_date("15/03/2017") == "2017-03-15"  # day first, as the corpus writes it
    for value in ("9999-12-31", "0001-01-01", "0000-00-00", "31/02/2018", "2018-02-30",
                  1526947200, "أمس"):
        assert publication_date(value, "x.jsonl:1", problems.append) is None
    assert len(problems) == 7 and {p.reason for p in problems} == {"bad_date"}
    assert not any(p.skipped for p in problems)
    assert publication_date("2018-05-22", "x", problems.append) == "2018-05-22"
    record = json.dumps({"text": "اشتبكت قوات في سرت", "date": "9999-12-31"}, ensure_ascii=False)
    with pytest.raises(ItemError):  # without on_error a bad line raises ...
        list(read_source_bytes(b"[1]\n"))
    docs = list(read_source_bytes(record.encode()))
    assert docs[0].date is None  # ... and a bad date is only logged


def read_source_bytes(data: bytes) -> list[Document]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.jsonl"
        path.write_bytes(data)
        return list(read_source(str(path)))


def test_extract_rejects_an_implausible_date_option(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.txt"
    path.write_text("قصف الجيش مواقع المسلحين أمس.", encoding="utf-8")
    assert main(["extract", str(path), "--date", "9999-12-31"]) == 65
    assert "years 1800-2199" in capsys.readouterr().err


def test_lone_surrogates_from_json_escapes_are_replaced(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"text": "\\ud800 نص \\udfff", "id": "\\udc00x"}\n', encoding="utf-8")
    (doc,) = read_source(str(path))
    assert doc.text == "\ufffd نص \ufffd" and doc.id == "\ufffdx"
    doc.text.encode("utf-8")


def test_ingest_analyses_a_long_article_in_pieces_without_keeping_tokens() -> None:
    from marsad.ingest import lean
    from marsad.pipeline import Pipeline, load_config

    config = load_config()
    config["pipeline"]["max_chars"] = 300
    nlp = Pipeline.from_config(config)
    text = "\n".join(
        f"قصف الجيش مواقع المسلحين قرب مدينة درنة أمس وقتل {i} أشخاص. واجتمع وزير "
        f"الخارجية الجزائري بنظيره التونسي في العاصمة يوم الاثنين." for i in range(3, 30))
    doc = Document(text=text, id="long", date="2018-05-22")
    whole = nlp(doc)
    assert len(text) > 10 * 300 and whole.events and whole.tokens
    pieces = lean(nlp)(doc)
    assert pieces.tokens == () and pieces == dataclasses.replace(whole, tokens=())
    short = Document(text="اجتمع الوزير بالسفير في تونس.", id="s")
    assert lean(nlp)(short) == nlp(short)  # short documents keep their tokens


def test_a_full_disk_stops_ingest_with_one_line_and_keeps_committed_batches(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from marsad.store.sqlite import SQLiteStore

    src = tmp_path / "many.jsonl"
    src.write_text("\n".join(json.dumps({"text": f"خبر رقم {i} عن تونس."}, ensure_ascii=False)
                             for i in range(30)), encoding="utf-8")
    real_add = SQLiteStore.add_document
    calls = {"n": 0}

    def add(self: SQLiteStore, doc: Document, **kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 25:
            raise sqlite3.OperationalError("database or disk is full")
        return real_add(self, doc, **kw)

    monkeypatch.setattr(SQLiteStore, "add_document", add)
    db = tmp_path / "full.db"
    code = main(["ingest", str(src), "--db", str(db), "--stages", "sentences",
                 "--batch-size", "10", "--quiet"])
    captured = capsys.readouterr()
    assert code == 74
    assert captured.err.strip().splitlines()[-1].startswith(
        "marsad: error: the store failed: database or disk is full (20 articles stored")
    assert json.loads(captured.out)["added"] == 20
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 20


def test_a_file_of_many_bad_rows_is_counted_whole_with_bounded_messages(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from marsad.ingest import MAX_ERRORS

    src = tmp_path / "bad.jsonl"
    src.write_text("{oops\n" * (MAX_ERRORS + 500) + '{"text": "خبر عن ليبيا"}\n', encoding="utf-8")
    code = main(["ingest", str(src), "--db", str(tmp_path / "b.db"), "--stages", "sentences",
                 "--quiet"])
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert code == 3 and report["added"] == 1
    assert report["skipped"] == {"invalid_json": MAX_ERRORS + 500}
    assert len(report["errors"]) == 20
    assert len(captured.err.splitlines()) < 30  # 20 lines, "more problems", the summary
    from marsad.ingest import IngestReport

    kept = IngestReport()
    for _ in range(MAX_ERRORS + 5):
        kept.note_problem("x.csv:2: the text is empty", "empty")
    assert len(kept.errors) == MAX_ERRORS and kept.skipped == {"empty": MAX_ERRORS + 5}
