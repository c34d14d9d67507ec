#!/usr/bin/env python3
"""Hostile and huge input through the real `marsad ingest`: time, memory, what was skipped.

Two runs, each in a fresh temporary folder and store, each a subprocess of the real
command:

1. ``--mb`` megabytes (50 by default) of one plain-text article (news-corpus articles
   joined by line breaks, or the synthetic paragraphs of scripts/hostile_corpus.py when
   the corpus is absent or ``--synthetic``) -> exit code, traceback or not, wall and CPU
   seconds, peak resident memory, what the store holds;
2. the hostile corpus of scripts/hostile_corpus.py -> items stored, already stored and
   skipped by reason, warnings, exit code.

    nice -n 10 .venv/bin/python benchmarks/big_input.py                 # 50 MB, full pipeline
    .venv/bin/python benchmarks/big_input.py --mb 5 --stages sentences,tokens --json
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "corpus" / "arabic_news_all_72k.jsonl.gz"


def _hostile() -> Any:
    spec = importlib.util.spec_from_file_location("hostile_corpus",
                                                  ROOT / "scripts" / "hostile_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_article(path: Path, megabytes: float, synthetic: bool) -> int:
    """Write a plain-text article of about ``megabytes`` MB; return its size in bytes."""
    target = int(megabytes * 1_000_000)
    if synthetic or not CORPUS.exists():
        return int(_hostile().write_big_article(path, megabytes))
    written = 0
    with path.open("w", encoding="utf-8") as out:
        while written < target:  # the corpus is ~200 MB; go round again if asked for more
            with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
                for line in fh:
                    text = (json.loads(line).get("text") or "").strip()
                    out.write(text + "\n")
                    written += len(text.encode("utf-8")) + 1
                    if written >= target:
                        break
    return written


def run_ingest(paths: list[Path], db: Path, stages: str | None) -> dict[str, Any]:
    """Run `marsad ingest` in a subprocess; its exit code, times, peak RSS and report."""
    cmd = [sys.executable, "-m", "marsad", "ingest", *map(str, paths), "--db", str(db),
           "--quiet"]
    if stages:
        cmd += ["--stages", stages]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    stderr = proc.stderr.decode("utf-8", "replace")
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        report = {}
    return {
        "exit_code": proc.returncode,
        "traceback": "Traceback" in stderr,
        "last_stderr_line": stderr.strip().splitlines()[-1] if stderr.strip() else "",
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(after.ru_utime - before.ru_utime
                             + after.ru_stime - before.ru_stime, 1),
        "peak_rss_mb": round(after.ru_maxrss / 1024, 1),
        "report": report,
    }


def big_article(megabytes: float, stages: str | None, synthetic: bool) -> dict[str, Any]:
    """The huge-article run."""
    with tempfile.TemporaryDirectory() as tmp:
        article = Path(tmp) / "huge_article.txt"
        size = build_article(article, megabytes, synthetic)
        chars = len(article.read_text("utf-8"))
        db = Path(tmp) / "big.db"
        result = run_ingest([article], db, stages)
        report = result.pop("report")
        result = {"article_bytes": size, "article_chars": chars,
                  "stages": stages or "configured pipeline",
                  "source": "synthetic" if synthetic or not CORPUS.exists() else "corpus",
                  **result, "added": report.get("added"), "events": report.get("events"),
                  "skipped": report.get("skipped")}
        if db.exists():
            con = sqlite3.connect(db)
            result["stored_text_chars"] = con.execute(
                "SELECT coalesce(sum(length(text)), 0) FROM articles").fetchone()[0]
            result["integrity"] = con.execute("PRAGMA integrity_check").fetchone()[0]
            con.close()
            result["store_mb"] = round(sum(p.stat().st_size for p in Path(tmp).glob("big.db*"))
                                       / 1e6, 1)
        return result


def hostile(stages: str | None) -> dict[str, Any]:
    """The hostile-corpus run, with what the manifest expects."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "hostile"
        manifest = _hostile().build(folder)
        result = run_ingest([folder], Path(tmp) / "hostile.db", stages)
        report = result.pop("report")
        expected: dict[str, int] = {}
        for item in manifest.values():
            for reason, n in item["skipped"].items():
                expected[reason] = expected.get(reason, 0) + n
        return {
            "files": len(manifest), **result,
            "items_processed": report.get("added", 0) + report.get("duplicates", 0),
            "expected_processed": sum(item["processed"] for item in manifest.values()),
            "stored": report.get("added"), "already_stored": report.get("duplicates"),
            "skipped": report.get("skipped"), "expected_skipped": dict(sorted(expected.items())),
            "warnings": report.get("warnings"), "failed": report.get("failed"),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=50.0, help="Article size in MB (50).")
    parser.add_argument("--stages", default=None,
                        help="Stages to run (default: the configured pipeline).")
    parser.add_argument("--synthetic", action="store_true",
                        help="Build the article from synthetic paragraphs, not the corpus.")
    parser.add_argument("--skip-big", action="store_true", help="Only the hostile corpus.")
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    args = parser.parse_args(argv)
    results = {"hostile_corpus": hostile(args.stages)}
    if not args.skip_big:
        results["big_article"] = big_article(args.mb, args.stages, args.synthetic)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        for name, result in results.items():
            print(f"== {name}")
            for key, value in result.items():
                print(f"  {key:<20} {value}")
    ok = all(not r["traceback"] and r["exit_code"] in (0, 3) for r in results.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
