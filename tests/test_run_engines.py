"""`marsad run`: both engines give identical output; resume; Parquet partitions; errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from _run_fixtures import ARTICLES, write_corpus
from marsad.cli import main
from marsad.ingest import iter_documents
from marsad.scale import ParquetSink, PipelineSpec, StoreSink, open_engine, run_corpus
from marsad.scale.runner import request_stop

N_TEXT = sum(1 for a in ARTICLES if a["text"].strip())
N_UNIQUE = N_TEXT - 1  # a8 repeats a5


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("run") / "news.jsonl")


def _run(corpus: Path, out: Path, engine: str, *, workers: int = 1, **kw: Any) -> Any:
    options: dict[str, Any] = {"processes": False} if engine == "dask" else {}
    if "recycle_after" in kw:
        options["recycle_after"] = kw.pop("recycle_after")
    runner = open_engine(engine, PipelineSpec(), workers=workers, **options)
    try:
        return run_corpus(iter_documents([str(corpus)]), ParquetSink(out), runner,
                          batch_size=2, progress=False, **kw)
    finally:
        runner.close()


def _tables(out: Path) -> dict[str, list[dict[str, Any]]]:
    """Every Parquet file of a run output, by relative path."""
    return {str(p.relative_to(out)): pq.read_table(p).to_pylist()
            for p in sorted(out.rglob("*.parquet"))}


@pytest.fixture(scope="module")
def local_out(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local") / "out"
    report = _run(corpus, out, "local")
    assert report.processed == N_UNIQUE and report.duplicates == 1
    return out


def test_run_engines_give_identical_output(corpus: Path, local_out: Path, tmp_path: Path) -> None:
    report = _run(corpus, tmp_path / "dask", "dask")
    assert report.engine == "dask" and report.processed == N_UNIQUE
    dask_tables, local_tables = _tables(tmp_path / "dask"), _tables(local_out)
    assert dask_tables.keys() == local_tables.keys()
    assert any(k.startswith("events/") for k in local_tables)
    for name, rows in local_tables.items():
        assert dask_tables[name] == rows, name


def test_run_dask_engine_on_a_scheduler_address(corpus: Path, local_out: Path,
                                                tmp_path: Path) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        engine = open_engine("dask", PipelineSpec(), scheduler=cluster.scheduler_address)
        try:
            assert engine.workers == 1
            run_corpus(iter_documents([str(corpus)]), ParquetSink(tmp_path / "o"), engine,
                       batch_size=2, progress=False)
        finally:
            engine.close()
    assert _tables(tmp_path / "o") == _tables(local_out)


def test_run_local_two_workers_identical(corpus: Path, local_out: Path, tmp_path: Path) -> None:
    _run(corpus, tmp_path / "two", "local", workers=2, recycle_after=2)  # workers replaced
    assert _tables(tmp_path / "two") == _tables(local_out)


def test_run_parquet_partitions_by_month(local_out: Path) -> None:
    articles = ds.dataset(local_out / "articles", format="parquet", partitioning="hive")
    table = articles.to_table()
    assert table.num_rows == N_UNIQUE
    assert set(table.column("date").to_pylist()) >= {"2018-05-21", "2018-06-04"}
    months = {p.name for p in (local_out / "articles").iterdir()}
    assert months == {"month=2018-05", "month=2018-06"}
    events = ds.dataset(local_out / "events", format="parquet", partitioning="hive").to_table()
    assert events.num_rows > 0
    ids = events.column("event_id").to_pylist()
    assert len(ids) == len(set(ids))
    members = pq.read_table(local_out / "clusters" / "members.parquet").to_pylist()
    assert sorted(m["event_id"] for m in members) == sorted(ids)  # every event in one cluster
    clusters = pq.read_table(local_out / "clusters" / "clusters.parquet").to_pylist()
    assert sum(c["n_mentions"] for c in clusters) == len(ids)


def test_run_resume_skips_done_and_removes_unfinished_parts(corpus: Path, local_out: Path,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _run(corpus, out, "local", limit=3)
    assert first.processed == 3
    stray = out / "events" / "month=2018-06" / "part-000099.parquet"  # a batch cut short
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"half")
    second = _run(corpus, out, "local")
    assert second.skipped_done == 3 and second.processed == N_UNIQUE - 3
    assert not stray.exists()
    third = _run(corpus, out, "local")
    assert third.processed == 0 and third.skipped_done + third.duplicates == N_TEXT
    rows = ds.dataset(out / "articles", format="parquet", partitioning="hive").to_table()
    assert sorted(rows.column("doc_id").to_pylist()) == sorted(
        r["doc_id"] for rows in _tables(local_out).values() for r in rows if "n_tokens" in r)


def test_run_stop_leaves_resumable_output(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = _run(corpus, out, "local", on_batch=lambda r: request_stop())
    assert report.interrupted and report.processed == 2 and not report.dedupe
    done = list((out / "_done").glob("part-*.json"))
    assert len(done) == 1
    assert _run(corpus, out, "local").processed == N_UNIQUE - 2


def test_run_into_store_with_clusters(corpus: Path, tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    runner = open_engine("local", PipelineSpec(), workers=1)
    sink = StoreSink(str(db))
    try:
        report = run_corpus(iter_documents([str(corpus)]), sink, runner, progress=False)
        rows = sink.store.conn.execute(  # type: ignore[attr-defined]
            "SELECT SUM(n_mentions), COUNT(*) FROM dedupe_clusters").fetchone()
        stored = sink.store.stats()
        missing = sink.store.missing_cluster_indexes()  # type: ignore[attr-defined]
    finally:
        sink.close()
        runner.close()
    assert report.processed == N_UNIQUE and rows[0] == report.events
    assert stored["articles"] == N_UNIQUE
    assert missing == []  # the cluster reads of the API/UI are indexed from the start


def test_run_cli_prints_json_and_resumes(corpus: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    assert main(["run", str(corpus), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["processed"] == N_UNIQUE and first["articles_per_second"] > 0
    assert set(first["stage_cpu_seconds"]) >= {"ner", "events"}
    assert main(["run", str(corpus), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["processed"] == 0


@pytest.mark.parametrize("args, message", [
    (["--out", "o", "--db", "x.db"], "exactly one of"),
    ([], "exactly one of"),
    (["--out", "o", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs --engine dask"),
])
def test_run_cli_rejects_bad_options(corpus: Path, tmp_path: Path, args: list[str], message: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    args = [a.replace("o", str(tmp_path / "o")) if a == "o" else a for a in args]
    code = main(["run", str(corpus), *args, "--quiet"])
    err = capsys.readouterr().err
    assert code != 0 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_run_cli_missing_input_and_foreign_folder(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(tmp_path / "none.jsonl"), "--out", str(tmp_path / "o")]) != 0
    assert "no such file" in capsys.readouterr().err
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("x", encoding="utf-8")
    src = write_corpus(tmp_path / "c.jsonl")
    assert main(["run", str(src), "--out", str(foreign), "--quiet"]) != 0
    assert "not a marsad run output" in capsys.readouterr().err


def test_dask_workers_are_restarted_on_a_lifetime_when_there_are_several() -> None:
    from marsad.scale.engines import WORKER_LIFETIME, lifetime_config

    config = lifetime_config(WORKER_LIFETIME, 2)
    assert config["distributed.worker.lifetime.duration"] == f"{WORKER_LIFETIME}s"
    assert config["distributed.worker.lifetime.restart"] is True
    assert lifetime_config(WORKER_LIFETIME, 1) == {}  # nobody to hand a running batch to
    assert lifetime_config(None, 4) == {}
