#!/usr/bin/env python3
"""One huge article through the real command: must finish, without a traceback.

Builds an article of ``--mb`` megabytes (20 by default) from the news corpus (articles
joined by newlines; or from a built-in paragraph when the corpus is absent) in a temporary
folder, runs ``marsad extract`` on it in a subprocess, and prints the exit code, wall and
CPU time, peak resident memory and output size.

    .venv/bin/python benchmarks/big_article.py --mb 20 --stages sentences,tokens
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "corpus" / "arabic_news_all_72k.jsonl.gz"
PARAGRAPH = ("قال المتحدث باسم الجيش «إن القوات تقدمت نحو درنة.» وأضاف أن 1.5 مليون شخص "
             "تأثروا بالمعارك، وبحسب المصادر فإن الاشتباكات مستمرة؛ ")


def build_article(path: Path, size: int) -> int:
    """Write an article of at least ``size`` bytes; return its size."""
    written = 0
    with path.open("w", encoding="utf-8") as out:
        if CORPUS.exists():
            with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
                for line in fh:
                    text = json.loads(line).get("text") or ""
                    out.write(text + "\n")
                    written += len(text.encode("utf-8")) + 1
                    if written >= size:
                        break
        while written < size:
            out.write(PARAGRAPH * 50 + "\n")
            written += len((PARAGRAPH * 50).encode("utf-8")) + 1
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=20.0, help="Article size in MB (20).")
    parser.add_argument("--stages", default=None,
                        help="Stages to run (default: the configured pipeline).")
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        article = Path(tmp) / "huge_article.txt"
        size = build_article(article, int(args.mb * 1_000_000))
        output = Path(tmp) / "out.jsonl"
        cmd = [sys.executable, "-m", "marsad", "extract", str(article), "--format", "jsonl"]
        if args.stages:
            cmd += ["--stages", args.stages]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        with output.open("wb") as out:
            proc = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, check=False)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        stderr = proc.stderr.decode("utf-8", "replace")
        result = {
            "article_bytes": size,
            "stages": args.stages or "configured pipeline",
            "exit_code": proc.returncode,
            "traceback": "Traceback" in stderr,
            "stderr": stderr.strip().splitlines()[-1:] if stderr.strip() else [],
            "wall_seconds": round(wall, 1),
            "cpu_seconds": round((after.ru_utime - before.ru_utime)
                                 + (after.ru_stime - before.ru_stime), 1),
            "max_rss_mb": round(after.ru_maxrss / 1024, 1),
            "output_mb": round(output.stat().st_size / 1e6, 1),
        }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:<14} {value}")
    return 0 if proc.returncode == 0 and not result["traceback"] else 1


if __name__ == "__main__":
    sys.exit(main())
