"""Serving safely: security headers, the request-body cap, the optional access token, the
loopback default of `marsad serve`, and no path an HTTP client can make the server read or
write."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from _observatory_fixtures import fill_store
from marsad.api.security import COOKIE, CSP, is_loopback, safe_next, session_value
from marsad.cli import cli
from marsad.store import open_store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from marsad.api import create_app

TOKEN = "s3cret-token-for-the-tests-0123"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("security") / "sec.db")
    with open_store(path) as store:
        fill_store(store)
    return path


@pytest.fixture
def client(db: str) -> TestClient:
    return TestClient(create_app(db))


@pytest.fixture
def locked(db: str) -> TestClient:
    return TestClient(create_app(db, token=TOKEN), follow_redirects=False)


# ------------------------------------------------------------------ headers
@pytest.mark.parametrize("path", ["/", "/events", "/map", "/articles/1", "/api/events",
                                  "/api/nothing", "/static/app.css", "/articles/999"])
def test_api_security_headers_on_every_response(client: TestClient, path: str) -> None:
    r = client.get(path)
    csp = r.headers["content-security-policy"]
    assert csp == CSP
    assert "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "same-origin"


def test_api_security_pages_have_no_inline_script_or_handler(client: TestClient) -> None:
    import re

    for path in ("/", "/events", "/map", "/articles/2", "/actors", "/places", "/places/1",
                 "/actors/1", "/extract"):
        html = client.get(path).text
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert 'src="/static/' in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), path
        assert "style=" not in html, path


def test_api_security_app_js_never_evaluates_strings() -> None:
    from importlib import resources

    js = resources.files("marsad").joinpath("web/static/app.js").read_text("utf-8")
    for sink in ("eval(", "new Function", "setTimeout(\"", "setInterval(\"", "document.write"):
        assert sink not in js, sink


# ------------------------------------------------------------------ body size, paths
def test_api_security_oversized_bodies_get_413(db: str) -> None:
    client = TestClient(create_app(db, max_body_bytes=1000))
    big = {"text": "ا" * 2000}
    r = client.post("/api/extract", json=big)
    assert r.status_code == 413 and r.json()["error"] == "PayloadTooLarge"

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(10):
            yield b'{"text": "' + b"x" * 200 + b'"}'

    r = client.post("/api/extract", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "PayloadTooLarge"
    r = client.post("/api/extract", content=b"{}", headers={"content-length": "abc",
                                                            "content-type": "application/json"})
    assert r.status_code == 400


def test_api_security_default_cap_allows_a_long_article(db: str) -> None:
    from marsad.api.security import MAX_BODY_BYTES

    assert MAX_BODY_BYTES >= 6 * 1_000_000  # 1,000,000 characters, even \\u-escaped
    r = TestClient(create_app(db)).post("/api/extract", content=b"x" * (MAX_BODY_BYTES + 1),
                                        headers={"content-type": "application/json"})
    assert r.status_code == 413


@pytest.mark.parametrize("path", [
    "/static/../../pyproject.toml", "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/static/..%2f..%2fpyproject.toml", "/static//etc/passwd", "/static/%2fetc%2fpasswd",
])
def test_api_security_static_files_stay_in_their_folder(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404, (path, r.status_code)
    assert "root:" not in r.text and "[project]" not in r.text


@pytest.mark.parametrize("value", ["../../etc/passwd", "/tmp/x.csv", "csv/../../x", "..\\x"])
def test_api_security_export_takes_no_path(client: TestClient, value: str, tmp_path: Path) -> None:
    # The API has no upload and no export-to-path: exports stream to the client; a path in
    # any parameter is a 4xx (format) or ignored text (filters), never a file operation.
    r = client.get("/api/export", params={"format": value})
    assert r.status_code == 422 and r.json()["error"] == "ValidationError"
    r = client.get("/api/export", params={"format": "csv", "output": value, "path": value})
    assert r.status_code == 200
    assert r.headers["content-disposition"].startswith('attachment; filename="marsad-events-')
    spec = client.get("/openapi.json").json()
    for route, ops in spec["paths"].items():
        for op in ops.values():
            names = {p["name"] for p in op.get("parameters", [])}
            assert not names & {"path", "output", "file", "filename", "dir"}, route


# ------------------------------------------------------------------ the token
def test_api_security_without_token_everything_is_open(client: TestClient) -> None:
    assert client.get("/api/stats").status_code == 200
    assert client.get("/login").status_code == 404


@pytest.mark.parametrize("path", ["/api/stats", "/api/events", "/api/articles/1",
                                  "/api/export?format=csv", "/openapi.json", "/docs"])
def test_api_security_token_required_on_api(locked: TestClient, path: str) -> None:
    r = locked.get(path)
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.json()["error"] == "Unauthorized"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert locked.get(path, headers={"Authorization": "Bearer wrong-token-xxxxxxxxx"}).status_code == 401
    assert locked.get(path, headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    assert locked.get(path, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert locked.post("/api/extract", json={"text": "خبر"}).status_code == 401


def test_api_security_pages_redirect_to_login_and_login_sets_a_cookie(locked: TestClient) -> None:
    r = locked.get("/events?country=LBY")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fevents%3Fcountry%3DLBY"
    assert locked.get("/static/app.css").status_code == 200  # assets hold no data
    page = locked.get("/login?next=/events%3Fcountry%3DLBY")
    assert page.status_code == 200 and 'name="token"' in page.text
    bad = locked.post("/login", data={"token": "nope", "next": "/events"})
    assert bad.status_code == 401 and COOKIE not in bad.cookies
    good = locked.post("/login", data={"token": TOKEN, "next": "/events?country=LBY"})
    assert good.status_code == 303 and good.headers["location"] == "/events?country=LBY"
    cookie = good.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and TOKEN not in cookie
    assert locked.get("/events?country=LBY").status_code == 200  # the client kept the cookie
    assert locked.get("/api/stats").status_code == 200
    locked.get("/logout")
    assert locked.get("/api/stats").status_code == 401


def test_api_security_token_in_url_once(locked: TestClient) -> None:
    r = locked.get(f"/map?type=ASSAULT&token={TOKEN}")
    assert r.status_code == 303 and r.headers["location"] == "/map?type=ASSAULT"
    assert session_value(TOKEN) in r.headers["set-cookie"]
    assert locked.get("/map?type=ASSAULT").status_code == 200
    fresh = TestClient(locked.app, follow_redirects=False)
    assert fresh.get("/api/stats?token=wrong-wrong-wrong").status_code == 401


def test_api_security_login_page_escapes_next(locked: TestClient) -> None:
    page = locked.get('/login', params={"next": '/"><script>alert(1)</script>'})
    assert page.status_code == 200 and "<script>alert(1)" not in page.text
    assert 'value="/&#34;&gt;&lt;script&gt;' in page.text or "&lt;script&gt;" in page.text


def test_api_security_login_redirects_stay_on_this_site() -> None:
    assert safe_next("/events?x=1") == "/events?x=1"
    for target in ("//evil.example/", "https://evil.example/", "javascript:alert(1)",
                   "/\\evil.example", "", None):
        assert safe_next(target) == "/"


# ------------------------------------------------------------------ marsad serve
@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True), ("127.0.0.2", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.5", False), ("example.org", False)])
def test_api_security_loopback_detection(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_api_security_serve_binds_loopback_by_default(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    import uvicorn

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    monkeypatch.delenv("MARSAD_API_TOKEN", raising=False)
    runner = CliRunner()
    db = str(tmp_path / "s.db")
    result = runner.invoke(cli, ["serve", "--db", db])
    assert result.exit_code == 0, result.output
    assert calls[-1]["host"] == "127.0.0.1" and "WARNING" not in result.output

    refused = runner.invoke(cli, ["serve", "--db", db, "--host", "0.0.0.0"])
    assert refused.exit_code == 2 and "--token" in refused.output and len(calls) == 1

    short = runner.invoke(cli, ["serve", "--db", db, "--token", "short"])
    assert short.exit_code == 2 and "16 characters" in short.output

    open_ = runner.invoke(cli, ["serve", "--db", db, "--host", "0.0.0.0", "--no-token"])
    assert open_.exit_code == 0 and "WARNING" in open_.output and "NO TOKEN" in open_.output
    assert calls[-1]["host"] == "0.0.0.0"

    monkeypatch.setenv("MARSAD_API_TOKEN", TOKEN)
    tokened = runner.invoke(cli, ["serve", "--db", db, "--host", "0.0.0.0"])
    assert tokened.exit_code == 0 and "WARNING" in tokened.output and "clear text" in tokened.output
    assert TOKEN not in tokened.output


# ------------------------------------------------------------------ SQL is never built from values
#: What the store's SQL f-strings may interpolate: audited fragments built only from
#: constants (column lists, ``?`` placeholders, WHERE clauses of constant conditions with
#: ``?`` parameters, ORDER BY / GROUP BY expressions chosen from fixed allow-lists, table
#: names from a fixed tuple). A new interpolation fails this test until it is audited.
AUDITED_SQL_FRAGMENTS = {
    "_ARTICLE_COLUMNS", "', '.join(_EVENT_COLUMNS)", "marks", "', '.join(('?' for _ in ids))",
    "cond", "where", "base", "rank", "order", "by_date", "col", "expr", "table",
    "' AND' if where else ' WHERE'",
}
_SQL = r"\b(SELECT|INSERT|UPDATE|DELETE|WHERE|FROM|ORDER BY|GROUP BY|MATCH|LIKE)\b"


def _sql_interpolations() -> tuple[dict[str, list[str]], list[str]]:
    import ast
    import re

    src = Path(__file__).resolve().parents[1] / "src" / "marsad"
    fragments: dict[str, list[str]] = {}
    other: list[str] = []
    for path in sorted([*src.glob("store/*.py"), *src.glob("api/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.name}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.JoinedStr):
                literal = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
                if re.search(_SQL, literal):
                    for v in node.values:
                        if isinstance(v, ast.FormattedValue):
                            fragments.setdefault(ast.unparse(v.value), []).append(where)
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
                if any(isinstance(s, ast.Constant) and isinstance(s.value, str)
                       and re.search(_SQL, s.value) for s in (node.left, node.right)):
                    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                    if isinstance(node.op, ast.Mod) or not names <= {"cond", "where"}:
                        other.append(f"{where}: {ast.unparse(node)[:80]}")
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr == "format" and isinstance(node.func.value, ast.Constant)
                  and re.search(_SQL, str(node.func.value.value))):
                other.append(f"{where}: str.format of SQL")
    return fragments, other


def test_api_security_sql_is_built_from_audited_fragments_only() -> None:
    fragments, other = _sql_interpolations()
    unaudited = {k: v for k, v in fragments.items() if k not in AUDITED_SQL_FRAGMENTS}
    assert unaudited == {}, f"SQL built from unaudited values: {unaudited}"
    assert other == [], other
    assert {"where", "order", "_ARTICLE_COLUMNS"} <= set(fragments)  # the check sees them


def test_api_security_hostile_values_are_parameters(client: TestClient) -> None:
    """Values that would break out of SQL text find nothing and break nothing."""
    for value in ("' OR 1=1 --", "x%' OR '1'='1", "LBY') OR ('1'='1", "1; DROP TABLE events"):
        for name in ("actor", "place", "country", "type", "mode", "source", "q"):
            r = client.get("/api/events", params={name: value})
            assert r.status_code == 200 and r.json()["total"] == 0, (name, value)
        assert client.get("/api/actors", params={"q": value}).json()["total"] == 0
    for wildcard in ("%", "_", "%%", "\\"):  # LIKE wildcards match themselves only
        assert client.get("/api/actors", params={"q": wildcard}).json()["total"] == 0
        assert client.get("/api/places", params={"q": wildcard}).json()["total"] == 0
    assert client.get("/api/places", params={"q": "Derna"}).json()["total"] == 1
    assert client.get("/api/stats").json()["events"] == 4


# ------------------------------------------------------------------ DNS rebinding, CSRF
def test_api_security_loopback_server_rejects_foreign_host_headers(db: str) -> None:
    from marsad.api.security import LOOPBACK_HOSTS, host_name

    app = create_app(db, allowed_hosts=(*LOOPBACK_HOSTS, "127.0.0.1"))
    for base in ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000",
                 "http://127.0.0.1"):
        assert TestClient(app, base_url=base).get("/api/stats").status_code == 200, base
    for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example", ""):
        r = TestClient(app).get("/api/stats", headers={"host": host})
        assert r.status_code == 400 and r.json()["error"] == "BadHost", host
    assert host_name("[::1]:8000") == "::1" and host_name("LOCALHOST:80") == "localhost"
    assert host_name("::1") == "::1"


def test_api_security_serve_passes_the_host_check(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    import uvicorn

    apps: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: apps.append(app))
    monkeypatch.delenv("MARSAD_API_TOKEN", raising=False)
    db = str(tmp_path / "h.db")
    assert CliRunner().invoke(cli, ["serve", "--db", db]).exit_code == 0
    local = TestClient(apps[-1], base_url="http://127.0.0.1:8000")  # type: ignore[arg-type]
    assert local.get("/api/stats").status_code == 200
    assert local.get("/api/stats", headers={"host": "rebound.example"}).status_code == 400
    assert CliRunner().invoke(cli, ["serve", "--db", db, "--host", "0.0.0.0",
                                    "--token", TOKEN]).exit_code == 0
    remote = TestClient(apps[-1], base_url="http://marsad.example")  # type: ignore[arg-type]
    assert remote.get("/api/stats", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_api_security_cross_site_simple_posts_run_nothing(client: TestClient) -> None:
    # A page elsewhere can send a "simple" POST (text/plain or a form) without a preflight;
    # extraction only accepts application/json, which needs one (and gets no CORS grant).
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        r = client.post("/api/extract", content=b'{"text": "x"}', headers={"content-type": ctype,
                                                                          "origin": "https://evil.example"})
        assert r.status_code == 422, ctype
    r = client.options("/api/extract", headers={"origin": "https://evil.example",
                                                "access-control-request-method": "POST"})
    assert "access-control-allow-origin" not in r.headers


def test_api_security_docs_page_is_served_offline_under_the_strict_policy(client: TestClient) -> None:
    r = client.get("/docs?lang=en")
    assert r.status_code == 200
    policy = r.headers["content-security-policy"]
    assert "unsafe-eval" not in policy and "unsafe-inline" not in policy
    assert "http" not in policy  # nothing from another host (no CDN)
    assert "cdn" not in r.text.lower() and "swagger" not in r.text.lower()
    assert "<code>/api/events</code>" in r.text and "<code>GET</code>" in r.text
    assert 'href="/openapi.json"' in r.text
