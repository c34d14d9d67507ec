"""Shared plumbing of the browser tests: a real `marsad serve` subprocess on a free
127.0.0.1 port, and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = os.environ.get("MARSAD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(db: Path, *, before: Sequence[str] = (),
                   env: Mapping[str, str] | None = None) -> Iterator[str]:
    """``marsad [before...] serve --db DB`` on a free port; yields its base URL once
    ``/api/stats`` answers, and stops it afterwards."""
    port = free_port()
    exe = Path(sys.executable).parent / "marsad"
    proc = subprocess.Popen([str(exe), *before, "serve", "--db", str(db), "--host", "127.0.0.1",
                             "--port", str(port), "--log-level", "warning"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(env) if env is not None else None)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/api/stats", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                assert proc.stderr is not None
                raise RuntimeError("marsad serve did not start: "
                                   + proc.stderr.read().decode(errors="replace")) from None
            time.sleep(0.2)
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium browser (Playwright, the Debian binary)."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), \
        f"Chromium not found at {CHROMIUM} (scripts/install-system-deps.sh)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


#: Where the browser tests keep their screenshots (git-ignored).
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "ui"


@contextmanager
def guarded_page(browser: object, server: str, **context_options: object) -> Iterator[object]:
    """A page of a fresh browser context on ``server`` (``base_url``; other Playwright
    context options pass through). Every request must stay on the server (or be a
    ``data:`` URL; others are aborted); on leaving, no request may have left and no
    JavaScript error or Content Security Policy violation may have happened."""
    context = browser.new_context(base_url=server, **context_options)  # type: ignore[attr-defined]
    pg = context.new_page()
    outside: list[str] = []
    problems: list[str] = []

    def guard(route, request):  # type: ignore[no-untyped-def]
        if request.url.startswith(server) or request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(request.url)
            route.abort()

    pg.route("**/*", guard)
    pg.on("pageerror", lambda exc: problems.append(str(exc)))
    pg.on("console", lambda msg: problems.append(msg.text)
          if msg.type == "error" and "Content Security Policy" in msg.text else None)
    try:
        yield pg
    finally:
        context.close()
    assert outside == [], f"requests left the machine: {outside}"
    assert problems == [], f"JavaScript errors or CSP violations: {problems}"


def screenshot(pg: object, name: str) -> None:
    """Save a full-page screenshot as test-artifacts/ui/NAME.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
