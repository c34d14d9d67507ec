"""Crash safety: `marsad ingest` killed with SIGKILL at random points, then restarted,
leaves a store with every article exactly once, no partial records (an article without
its derived rows, or rows without their article) and a clean `PRAGMA integrity_check`.

The kill points are drawn from a seeded random generator, so a failure reproduces."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

SENTENCES = (
    "قصف الجيش مواقع المسلحين قرب مدينة درنة أمس، وقتل ثلاثة أشخاص",
    "اجتمع وزير الخارجية الجزائري بنظيره التونسي في العاصمة لبحث الأزمة الليبية",
    "تظاهر مئات الطلاب أمام البرلمان في بيروت للمطالبة بإصلاح التعليم",
    "أعلنت الشرطة المصرية اعتقال ثلاثة أشخاص في الإسكندرية يوم الاثنين",
    "دعت الأمم المتحدة الأطراف المتنازعة في اليمن إلى وقف إطلاق النار",
)


def write_articles(path: Path, n: int, seed: int, repeats: int = 0) -> list[str]:
    """``n`` distinct small articles as JSON lines (plus ``repeats`` repeated lines);
    returns the distinct texts."""
    rng = random.Random(seed)
    texts = [f"{rng.choice(SENTENCES)} (خبر رقم {i}). {rng.choice(SENTENCES)}." for i in range(n)]
    lines = [json.dumps({"id": f"a{i}", "text": t, "date": "2018-05-22"}, ensure_ascii=False)
             for i, t in enumerate(texts)]
    lines += [lines[rng.randrange(n)] for _ in range(repeats)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return texts


def _count(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2)
        try:
            return int(con.execute("SELECT count(*) FROM articles").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def kill_and_resume(cmd: list[str], db: Path, points: list[int], rng: random.Random,
                    timeout: float = 120) -> list[dict[str, Any]]:
    """Run ``cmd``, SIGKILL it once the store holds at least each of ``points`` articles
    (plus a random few milliseconds, to land anywhere in a batch), and check the store
    after each kill. Returns what each kill found."""
    kills = []
    for point in points:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while _count(db) < point and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.08))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        assert "Traceback" not in err, err
        stored = check_store(db)
        kills.append({"point": point, "returncode": proc.returncode, "stored": stored})
    return kills


def check_store(db: Path, *, derived: bool = False) -> int:
    """Integrity, no orphans, every article complete; returns the number of articles."""
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        n, distinct = con.execute(
            "SELECT count(*), count(DISTINCT content_hash) FROM articles").fetchone()
        assert n == distinct
        fts = con.execute("SELECT count(*) FROM articles_fts").fetchone()[0]
        assert fts == n, "every article has its full-text row, and no more"
        for table in ("entities", "actor_mentions", "place_mentions", "events"):
            orphans = con.execute(f"SELECT count(*) FROM {table} WHERE article_id NOT IN "
                                  "(SELECT id FROM articles)").fetchone()[0]
            assert orphans == 0, table
        rows = con.execute(
            "SELECT a.id, a.annotations, a.n_events,"
            " (SELECT count(*) FROM events e WHERE e.article_id = a.id),"
            " (SELECT count(*) FROM entities e WHERE e.article_id = a.id),"
            " (SELECT count(*) FROM actor_mentions m WHERE m.article_id = a.id),"
            " (SELECT count(*) FROM place_mentions m WHERE m.article_id = a.id)"
            " FROM articles a").fetchall()
        for _, annotations, n_events, events, entities, actors, places in rows:
            ann = json.loads(annotations)
            assert ann["sentences"], "the analysis is stored with the article"
            assert (n_events, events, entities, actors, places) == (
                len(ann["events"]), len(ann["events"]), len(ann["entities"]),
                len(ann["actors"]), len(ann["places"]))
        for table, mentions in (("actors", "actor_mentions"), ("places", "place_mentions")):
            total = con.execute(f"SELECT coalesce(sum(n_mentions), 0) FROM {table}").fetchone()[0]
            assert total == con.execute(f"SELECT count(*) FROM {mentions}").fetchone()[0], table
        if derived:
            assert con.execute("SELECT count(*) FROM events").fetchone()[0] > 0
            assert con.execute("SELECT count(*) FROM place_mentions").fetchone()[0] > 0
        return int(n)
    finally:
        con.close()


def _finish(cmd: list[str], db: Path, texts: list[str]) -> dict[str, Any]:
    proc = subprocess.run(cmd, capture_output=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    report = json.loads(proc.stdout)
    con = sqlite3.connect(db)
    stored = [t for (t,) in con.execute("SELECT text FROM articles")]
    con.close()
    assert sorted(stored) == sorted(texts)  # every article exactly once
    return dict(report)


def test_sigkill_during_a_5000_article_ingest_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    src, db = tmp_path / "articles.jsonl", tmp_path / "crash.db"
    texts = write_articles(src, 5000, seed=8, repeats=200)
    config = tmp_path / "light.toml"  # a text-only pipeline, through --config
    config.write_text('[pipeline]\nstages = ["sentences", "tokens"]\n', encoding="utf-8")
    cmd = [sys.executable, "-m", "marsad", "--config", str(config), "ingest", str(src),
           "--db", str(db), "--batch-size", "50", "--quiet"]
    rng = random.Random(20261125)
    points = sorted(rng.sample(range(1, 4500), 4))
    kills = kill_and_resume(cmd, db, points, rng)
    assert all(k["returncode"] == -signal.SIGKILL for k in kills)
    stored = [k["stored"] for k in kills]
    assert stored == sorted(stored) and stored[-1] < 5000, kills  # killed mid-run each time
    report = _finish(cmd, db, texts)
    assert report["added"] == 5000 - stored[-1]
    assert report["duplicates"] == stored[-1] + 200
    assert check_store(db) == 5000


def test_sigkill_during_a_full_pipeline_ingest_keeps_articles_whole(tmp_path: Path) -> None:
    src, db = tmp_path / "articles.jsonl", tmp_path / "full.db"
    texts = write_articles(src, 300, seed=9)
    cmd = [sys.executable, "-m", "marsad", "ingest", str(src), "--db", str(db),
           "--batch-size", "20", "--quiet"]
    rng = random.Random(9)
    kills = kill_and_resume(cmd, db, sorted(rng.sample(range(1, 280), 2)), rng)
    assert all(k["returncode"] == -signal.SIGKILL and k["stored"] < 300 for k in kills)
    _finish(cmd, db, texts)
    assert check_store(db, derived=True) == 300


def _workers(pid: int) -> list[int]:
    """The pipeline worker processes of ``pid`` (Linux /proc)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    out = []
    for child in children:
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                out.append(int(child))
        except OSError:
            continue
    return out


def test_a_killed_worker_stops_a_parallel_ingest_cleanly_and_it_resumes(tmp_path: Path) -> None:
    """The OOM killer taking a `-j 2` worker must not hang the run or corrupt the store."""
    src, db = tmp_path / "articles.jsonl", tmp_path / "par.db"
    texts = write_articles(src, 3000, seed=10)
    cmd = [sys.executable, "-m", "marsad", "ingest", str(src), "--db", str(db), "-j", "2",
           "--stages", "sentences,tokens", "--batch-size", "100", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while (_count(db) < 300 or not _workers(proc.pid)) and proc.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.01)
    victims = _workers(proc.pid)
    assert victims and proc.poll() is None, "the run ended before a worker could be killed"
    os.kill(victims[0], signal.SIGKILL)
    out, err = proc.communicate(timeout=60)  # ends: no hang
    message = err.decode("utf-8")
    assert proc.returncode == 70 and "Traceback" not in message, message
    assert message.strip().splitlines()[-1].startswith("marsad: error: a worker process died")
    report = json.loads(out)
    assert report["added"] == check_store(db) < 3000  # the summary matches the store
    final = _finish(cmd, db, texts)
    assert final["duplicates"] == report["added"] and check_store(db) == 3000
