"""Smoke tests: the benchmark scripts run (their figures are not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_run_on_five_articles(shared_data: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--articles", "5",
         "--stages", "sentences,tokens", "--json"],
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["articles"] == 5 and result["tokens"] > 0
    names = [row["stage"] for row in result["stages"]]
    assert names == ["sentences", "tokens", "text layer", "pipeline"]
    assert all(row["tokens_per_s"] > 0 and row["peak_mb"] >= 0 for row in result["stages"])


def test_benchmark_table_output(tmp_path: Path) -> None:
    corpus = tmp_path / "tiny.jsonl"
    corpus.write_text("\n".join(json.dumps({"id": str(i), "text": "وصل الوفد إلى سرت. ثم غادر"})
                                for i in range(3)), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--articles", "2",
         "--corpus", str(corpus), "--stages", "sentences,tokens", "--no-memory"],
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "2 articles" in proc.stdout and "text layer" in proc.stdout


def test_benchmark_big_article_small_size() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "big_article.py"), "--mb", "0.2",
         "--stages", "sentences,tokens", "--json"],
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout)
    assert result["exit_code"] == 0 and not result["traceback"]
    assert result["article_bytes"] >= 200_000
