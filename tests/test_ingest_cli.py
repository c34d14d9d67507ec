"""`marsad ingest`: every input format and encoding, idempotence, resume after a crash."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from _observatory_fixtures import sample_docs
from marsad.cli import main
from marsad.doc import Document
from marsad.ingest import content_hash, ingest, iter_documents
from marsad.store import open_store

TEXT = "اجتمع وزير الخارجية الجزائري بنظيره التونسي في العاصمة لبحث الأزمة الليبية."
HTML = ("<html><head><meta charset='utf-8'><title>لقاء</title>"
        "<meta name='date' content='2018-05-21'></head><body><nav>القائمة</nav><article>"
        "<p>التقى رئيس الحكومة بوفد من البرلمان الليبي في مدينة طرابلس لمناقشة الانتخابات "
        "المقبلة والترتيبات الأمنية في العاصمة الليبية وسبل دعم المسار السياسي.</p>"
        "</article></body></html>")
RSS = ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>ت</title>"
       "<item><title>خبر</title><link>https://e.org/1</link><description>تظاهر مئات في "
       "بنغازي.</description></item></channel></rss>")


def _corpus(root: Path) -> Path:
    d = root / "in"
    (d / "sub").mkdir(parents=True)
    (d / "utf16.txt").write_bytes(TEXT.replace("التونسي", "المغربي").encode("utf-16"))
    (d / "cp1256.txt").write_bytes(TEXT.replace("التونسي", "المصري").encode("cp1256"))
    (d / "iso.txt").write_bytes(TEXT.replace("التونسي", "الموريتاني").encode("iso8859_6"))
    (d / "page.html").write_text(HTML, encoding="utf-8")
    (d / "sub" / "feed.rss").write_text(RSS, encoding="utf-8")
    (d / "sub" / "rows.csv").write_text("body,title\nاعتقلت الشرطة ثلاثة أشخاص في تونس.,ت\n",
                                        encoding="utf-8")
    lines = [json.dumps({"story": f"خبر رقم {i} عن مدينة درنة الليبية.", "id": f"j{i}"},
                        ensure_ascii=False) for i in range(3)]
    (d / "sub" / "a.jsonl.gz").write_bytes(gzip.compress("\n".join(lines).encode("utf-8")))
    (d / ".hidden.txt").write_text("مخفي", encoding="utf-8")
    (d / "notes.bin").write_bytes(b"\x00\x01")
    return d


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(list(args))
    out = capsys.readouterr().out
    return code, (json.loads(out) if out.strip().startswith("{") else {})


def test_ingest_a_folder_of_every_format_and_encoding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _corpus(tmp_path)
    db = str(tmp_path / "m.db")
    code, report = _run(capsys, "ingest", str(folder), "--db", db, "--field", "text=story",
                        "--stages", "sentences,tokens", "--quiet")
    assert code == 0, report
    # 3 text files, 1 page, 1 feed item, 1 csv row, 3 jsonl lines; hidden and .bin skipped
    assert report["added"] == 9 and report["failed"] == 0
    with open_store(db, readonly=True) as store:
        for word in ("المغربي", "المصري", "الموريتاني", "طرابلس", "بنغازي", "الشرطة", "درنة"):
            assert store.search_articles(word).total >= 1, word
        html = store.search_articles("طرابلس").items[0]
        assert html["title"] == "لقاء" and html["date"] == "2018-05-21"
        article = store.get_article(html["id"])
        assert "القائمة" not in article["text"]
        assert article["sentences"], "the pipeline ran"


def test_ingest_again_is_a_no_op(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _corpus(tmp_path)
    db = str(tmp_path / "m.db")
    args = ("ingest", str(folder / "*.txt"), "--db", db, "--stages", "sentences", "--quiet")
    assert _run(capsys, *args)[1]["added"] == 3
    code, report = _run(capsys, *args)
    assert code == 0 and report["added"] == 0 and report["duplicates"] == 3
    with open_store(db, readonly=True) as store:
        assert store.stats()["articles"] == 3


def test_ingest_reads_stdin_through_the_real_command(tmp_path: Path) -> None:
    db = tmp_path / "stdin.db"
    exe = Path(sys.executable).parent / "marsad"
    lines = "\n".join(json.dumps({"text": f"خبر {i} من الجزائر"}, ensure_ascii=False) for i in range(2))
    proc = subprocess.run([str(exe), "ingest", "-", "--db", str(db), "--stages", "sentences"],
                          input=lines.encode("utf-8"), capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout)["added"] == 2
    assert b"articles/s" in proc.stderr  # the progress bar
    more = "\n".join(json.dumps({"text": f"خبر {i} من تونس"}, ensure_ascii=False) for i in range(3))
    proc = subprocess.run([str(exe), "ingest", "-", "--db", str(db), "--stages", "sentences"],
                          input=gzip.compress(more.encode("utf-8")), capture_output=True, timeout=60)
    assert proc.returncode == 0 and json.loads(proc.stdout)["added"] == 3  # gzipped stdin


def test_ingest_uses_marsad_db_and_reports_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARSAD_DB", str(tmp_path / "env.db"))
    f = tmp_path / "one.txt"
    f.write_text(TEXT, encoding="utf-8")
    code, report = _run(capsys, "ingest", str(f), "--stages", "sentences", "--quiet")
    assert code == 0 and report["added"] == 1 and (tmp_path / "env.db").exists()
    assert main(["ingest", str(tmp_path / "missing.txt"), "--quiet"]) == 65
    assert "no such file" in capsys.readouterr().err
    assert main(["ingest", str(f), "--field", "nonsense"]) != 0


def test_ingest_crash_keeps_committed_batches_and_resumes(tmp_path: Path) -> None:
    docs = [Document(text=f"خبر رقم {i} عن اجتماع في الجزائر", id=f"d{i}") for i in range(10)]
    db = str(tmp_path / "crash.db")
    calls = {"n": 0}

    def flaky(doc: Document) -> Document:
        calls["n"] += 1
        if calls["n"] == 7:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the second batch
        return doc

    with open_store(db) as store:
        report = ingest((("mem", d) for d in docs), store, flaky, batch_size=4, progress=False)
    assert report.interrupted and report.added == 6
    with open_store(db) as store:
        assert store.stats()["articles"] == 6  # the partial batch was committed on Ctrl-C
        again = ingest((("mem", d) for d in docs), store, lambda d: d, batch_size=4, progress=False)
        assert again.added == 4 and again.duplicates == 6
        assert store.stats()["articles"] == 10


def test_ingest_hard_crash_loses_only_the_open_batch(tmp_path: Path) -> None:
    docs = [Document(text=f"نص رقم {i} عن ليبيا", id=f"d{i}") for i in range(10)]
    db = str(tmp_path / "hard.db")

    class Boom(BaseException):
        pass

    def dies(doc: Document) -> Document:
        if doc.id == "d6":
            raise Boom
        return doc

    with open_store(db) as store, pytest.raises(Boom):
        ingest((("mem", d) for d in docs), store, dies, batch_size=4, progress=False)
    with open_store(db) as store:
        assert store.stats()["articles"] == 4  # first batch committed, second rolled back


def test_ingest_stores_pipeline_events_and_skips_failures(tmp_path: Path) -> None:
    docs = sample_docs()
    bad = Document(text="نص يسبب خطأ", id="bad")

    def analyse(doc: Document) -> Document:
        if doc.id == "bad":
            raise ValueError("stage bug")
        return next(d for d in docs if d.id == doc.id)

    bare = [Document(text=d.text, id=d.id, date=d.date) for d in docs] + [bad, Document(text=" \n")]
    with open_store(str(tmp_path / "ev.db")) as store:
        report = ingest((("mem", d) for d in bare), store, analyse, progress=False)
        assert report.added == 3 and report.failed == 1 and report.events == 4
        assert report.empty == 1
        assert "stage bug" in report.errors[0]
        assert store.has_content(content_hash(docs[0]))


def test_iter_documents_expands_globs_and_rejects_missing(tmp_path: Path) -> None:
    folder = _corpus(tmp_path)
    found = [origin for origin, _ in iter_documents([str(folder / "**" / "*.csv")])]
    assert found == [str(folder / "sub" / "rows.csv")]
    with pytest.raises(Exception, match="no file matches"):
        list(iter_documents([str(folder / "*.nothing")]))


def test_ingest_goes_on_after_an_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a.jsonl").write_text('{"text": "خبر أول عن تونس"}\n{"text": broken\n', encoding="utf-8")
    (folder / "b.txt").write_text("خبر ثان عن المغرب", encoding="utf-8")
    code, report = _run(capsys, "ingest", str(folder), "--db", str(tmp_path / "x.db"),
                        "--stages", "sentences", "--quiet")
    assert code == 3  # some items skipped
    assert report["added"] == 2 and report["unreadable"] == 1
    assert report["skipped"] == {"invalid_json": 1}
    assert "invalid JSON" in report["errors"][0]


def test_ingest_in_parallel_workers_matches_serial(tmp_path: Path) -> None:
    from marsad.ingest import PipelineSpec

    docs = [Document(text=f"قال الوزير {i}. ثم غادر إلى الجزائر؛ وعاد أمس.", id=f"p{i}")
            for i in range(12)] + [Document(text="قال الوزير 0. ثم غادر إلى الجزائر؛ وعاد أمس.", id="dup")]
    spec = PipelineSpec(stages=("sentences", "tokens"))
    with open_store(str(tmp_path / "par.db")) as store:
        report = ingest((("mem", d) for d in docs), store, spec.build(), batch_size=5,
                        progress=False, jobs=2, spec=spec)
        assert report.added == 12 and report.duplicates == 1 and report.failed == 0
        article = store.search_articles("الجزائر", limit=1).items[0]
        stored = store.get_article(article["id"])
    with open_store(str(tmp_path / "ser.db")) as store:
        ingest((("mem", d) for d in docs), store, spec.build(), progress=False)
        serial = store.get_article(store.search_articles("الجزائر", limit=1).items[0]["id"])
    assert stored["sentences"] == serial["sentences"] and len(stored["sentences"]) == 3


def test_ingest_jsonl_with_unicode_line_separators_inside_strings(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    lines = [json.dumps({"text": f"فقرة أولى\u2029فقرة ثانية\u2028سطر {i} عن الجزائر"}, ensure_ascii=False)
             for i in range(3)]
    f = tmp_path / "sep.jsonl.gz"
    f.write_bytes(gzip.compress("\n".join(lines).encode("utf-8")))
    code, report = _run(capsys, "ingest", str(f), "--db", str(tmp_path / "s.db"),
                        "--stages", "sentences", "--quiet")
    assert code == 0 and report["added"] == 3 and report["unreadable"] == 0


def test_ingest_ctrl_c_through_the_real_command_then_resume(tmp_path: Path) -> None:
    import signal
    import sqlite3

    src = tmp_path / "many.jsonl"
    src.write_text("\n".join(json.dumps({"text": f"خبر رقم {i} عن اجتماع في الجزائر وتونس. ثم عاد الوفد."},
                                        ensure_ascii=False) for i in range(20000)), encoding="utf-8")
    db = tmp_path / "int.db"
    exe = Path(sys.executable).parent / "marsad"
    args = [str(exe), "ingest", str(src), "--db", str(db), "--stages", "sentences,tokens",
            "--batch-size", "50", "--quiet"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if db.exists():
            try:
                if sqlite3.connect(db).execute("SELECT count(*) FROM articles").fetchone()[0] >= 100:
                    break
            except sqlite3.OperationalError:
                pass
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    report = json.loads(out)
    assert report["interrupted"] and 100 <= report["added"] < 20000
    assert b"run the same command again to resume" in err
    with open_store(str(db), readonly=True) as store:
        assert store.stats()["articles"] == report["added"]  # nothing analysed was lost
    again = subprocess.run([*args, "--limit", str(report["read"] + 50)], capture_output=True, timeout=120)
    resumed = json.loads(again.stdout)
    assert resumed["duplicates"] == report["added"] and resumed["added"] >= 1


def test_ingest_interrupt_while_storing_rolls_back_the_open_batch(tmp_path: Path) -> None:
    docs = [Document(text=f"نبأ رقم {i} عن تونس", id=f"d{i}") for i in range(10)]
    db = str(tmp_path / "race.db")
    with open_store(db) as store:
        real_add = store.add_document
        calls = {"n": 0}

        def add_then_interrupt(*args, **kwargs):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            result = real_add(*args, **kwargs)
            if calls["n"] == 6:
                raise KeyboardInterrupt  # Ctrl-C lands after rows were written
            return result

        store.add_document = add_then_interrupt  # type: ignore[method-assign]
        report = ingest((("mem", d) for d in docs), store, lambda d: d, batch_size=4,
                        progress=False)
    assert report.interrupted and report.added == 4
    with open_store(db) as store:
        assert store.stats()["articles"] == 4  # no half-written article, counts agree
