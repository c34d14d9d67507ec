"""Load test of the served API: throughput and latency of full-text search and event
listing under concurrent clients, on 127.0.0.1 only, with a bounded number of requests.

    python benchmarks/api_load.py                      # 5,000 synthetic articles, 8 clients
    python benchmarks/api_load.py --db news.db         # an existing store (read only)
    python benchmarks/api_load.py --write benchmarks/results/api_load.md

It starts ``marsad serve`` (uvicorn, one process) on a free port of 127.0.0.1, then for
each scenario sends ``--requests`` requests from ``--clients`` threads (each with its own
keep-alive connection) and reports requests per second, p50/p95/p99 latency, errors
(anything but a 200, or a failed connection) and the server's CPU time per request (read
from /proc, so it holds even when other work shares the machine). The synthetic store is
the test fixtures' three articles repeated with a numbered line and a varied vocabulary,
dated over two years. Run it with ``nice -n 10`` on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # never anything else: the benchmark must not reach the network

#: Words appended to the synthetic articles (so searches match different numbers of them).
VOCABULARY = ("النفط", "الانتخابات", "البرلمان", "الحدود", "اللاجئين", "المفاوضات", "الهدنة",
              "الميناء", "المطار", "الجامعة", "الكهرباء", "الأسعار", "الحكومة", "المعارضة")

SEARCHES = ("درنة", "الجزائر", "ليبيا", "الخارجية", "وزير الخارجية", '"قوات الجيش"', "النفط",
            "الانتخابات OR البرلمان", "بالجزائر", "الكهرباء", "درن*", "القاهرة -ليبيا",
            "المفاوضات الهدنة", "الميناء")
TYPES = ("ASSAULT", "PROTEST", "CONSULT", "REQUEST")
COUNTRIES = ("LBY", "DZA", "EGY")


def build_store(path: Path, n: int) -> None:
    """A store of ``n`` synthetic articles built from the test fixtures (no pipeline)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from _observatory_fixtures import sample_docs
    from marsad.ingest import content_hash
    from marsad.store import open_store

    rng = random.Random(7)
    templates = sample_docs()
    start = date(2017, 1, 1)
    with open_store(str(path)) as store, store.transaction():
        for i in range(n):
            doc = templates[i % len(templates)]
            words = " ".join(rng.sample(VOCABULARY, 3))
            day = (start + timedelta(days=rng.randrange(730))).isoformat()
            events = tuple(replace(e, date=day) for e in doc.events)
            new = replace(doc, text=f"{doc.text}\nتقرير رقم {i}: {words}.", id=f"{doc.id}-{i}",
                          date=day, title=f"{doc.title} ({i})", events=events)
            store.add_document(new, content_hash=content_hash(new))


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_server(db: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    exe = Path(sys.executable).parent / "marsad"
    env = {k: v for k, v in os.environ.items() if k != "MARSAD_API_TOKEN"}
    proc = subprocess.Popen([str(exe), "serve", "--db", str(db), "--host", HOST, "--port",
                             str(port), "--log-level", "warning"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    base = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/api/stats", timeout=2) as r:
                if r.status == 200:
                    return proc, base
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("marsad serve did not start: " + (
                    proc.stderr.read().decode(errors="replace") if proc.stderr else "")) from None
            time.sleep(0.2)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def search_params(rng: random.Random) -> dict[str, Any]:
    params: dict[str, Any] = {"q": rng.choice(SEARCHES), "limit": 20}
    if rng.random() < 0.3:
        params["sort"] = "-date"
    if rng.random() < 0.2:
        params["offset"] = rng.choice((20, 40, 100))
    return params


def events_params(rng: random.Random) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": 50, "offset": rng.choice((0, 0, 0, 50, 500))}
    choice = rng.random()
    if choice < 0.3:
        params["type"] = rng.choice(TYPES)
    elif choice < 0.5:
        params["country"] = rng.choice(COUNTRIES)
    elif choice < 0.6:
        params["q"] = rng.choice(SEARCHES[:6])
    elif choice < 0.7:
        params.update({"from": "2017-06-01", "to": "2017-12-31"})
    if rng.random() < 0.3:
        params["facets"] = "true"
    return params


def run_scenario(base: str, path: str, make_params: Callable[[random.Random], dict[str, Any]],
                 requests: int, clients: int, server_pid: int) -> dict[str, Any]:
    """Send ``requests`` GETs from ``clients`` threads; latency and error figures."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    remaining = iter(range(requests))

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base, timeout=30) as client:
            while True:
                with lock:
                    if next(remaining, None) is None:
                        return
                params = make_params(rng)
                started = time.perf_counter()
                try:
                    r = client.get(path, params=params)
                    ok = r.status_code == 200 and "total" in r.json()
                    problem = "" if ok else f"HTTP {r.status_code}: {r.text[:120]}"
                except (httpx.HTTPError, ValueError) as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if problem:
                        errors.append(problem)

    cpu_before = cpu_seconds(server_pid)
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    cpu = cpu_seconds(server_pid) - cpu_before
    ms = sorted(x * 1000 for x in latencies)
    q = statistics.quantiles(ms, n=100)
    return {"route": path, "requests": len(ms), "clients": clients, "errors": len(errors),
            "error_samples": errors[:3], "seconds": round(wall, 2),
            "req_per_s": round(len(ms) / wall, 1), "p50_ms": round(statistics.median(ms), 1),
            "p95_ms": round(q[94], 1), "p99_ms": round(q[98], 1), "max_ms": round(ms[-1], 1),
            "server_cpu_ms_per_req": round(cpu * 1000 / max(1, len(ms)), 2)}


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# API load test (`benchmarks/api_load.py`)",
        "",
        f"Store: {result['store']} ({result['articles']:,} articles, {result['events']:,} events). "
        f"Server: `marsad serve` (one uvicorn process) on 127.0.0.1. Clients: {result['clients']} "
        f"threads, keep-alive connections. Machine: {result['cpus']} CPU cores shared with other "
        f"work (load average {result['load_before']} before the run), so wall-clock figures are "
        "noisy; the server's CPU time per request is not.",
        "",
        "| route | requests | errors | req/s | p50 ms | p95 ms | p99 ms | server CPU ms/req |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in result["scenarios"].items():
        lines.append(f"| {name} (`{row['route']}`) | {row['requests']} | {row['errors']} | "
                     f"{row['req_per_s']} | {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} | "
                     f"{row['server_cpu_ms_per_req']} |")
    lines += ["", f"Command: `{result['command']}` ({result['date']}).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", help="Load-test this store instead of a synthetic one.")
    ap.add_argument("--articles", type=int, default=5000, help="Synthetic store size.")
    ap.add_argument("--requests", type=int, default=600, help="Requests per scenario (bounded).")
    ap.add_argument("--clients", type=int, default=8, help="Concurrent client threads.")
    ap.add_argument("--write", help="Also write the results as Markdown to this file.")
    args = ap.parse_args(argv)
    if not 1 <= args.requests <= 100_000 or not 1 <= args.clients <= 64:
        ap.error("--requests must be 1-100000 and --clients 1-64")

    with tempfile.TemporaryDirectory(prefix="marsad-load-") as tmp:
        if args.db:
            db, store_name = Path(args.db), args.db
        else:
            db, store_name = Path(tmp) / "load.db", "synthetic"
            print(f"building a synthetic store of {args.articles} articles ...", file=sys.stderr)
            build_store(db, args.articles)
        load_before = round(os.getloadavg()[0], 2)
        proc, base = start_server(db)
        try:
            stats = httpx.get(base + "/api/stats", timeout=10).json()
            for path, make in (("/api/articles", search_params), ("/api/events", events_params)):
                run_scenario(base, path, make, 40, 2, proc.pid)  # warm caches and connections
            scenarios = {
                "search": run_scenario(base, "/api/articles", search_params, args.requests,
                                       args.clients, proc.pid),
                "event listing": run_scenario(base, "/api/events", events_params, args.requests,
                                              args.clients, proc.pid),
            }
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    result = {"store": store_name, "articles": stats["articles"], "events": stats["events"],
              "clients": args.clients, "cpus": os.cpu_count(), "load_before": load_before,
              "scenarios": scenarios, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "command": "python benchmarks/api_load.py " + " ".join(argv or sys.argv[1:])}
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.write:
        Path(args.write).write_text(markdown(result), encoding="utf-8")
    return 1 if any(s["errors"] for s in scenarios.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
