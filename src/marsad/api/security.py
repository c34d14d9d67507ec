"""What keeps the served observatory safe: security headers, a request-body cap and an
optional access token.

Three pure ASGI middlewares, added by :func:`marsad.api.create_app`:

- :class:`SecurityHeaders` sets a Content-Security-Policy without ``unsafe-inline`` (the
  UI has no inline script or style: page data travels in ``<script type="application/json">``
  blocks and ``data-`` attributes), ``frame-ancestors 'none'``, ``X-Content-Type-Options:
  nosniff``, ``X-Frame-Options: DENY``, ``Referrer-Policy: same-origin`` and a
  Cross-Origin-Opener-Policy on every response (``/docs`` is a page of this server, not
  Swagger UI from a CDN, so it needs no exception).
- :class:`BodyLimit` answers 413 to a request whose body is larger than the cap, whether it
  announces its length (``Content-Length``) or streams it (chunked).
- :class:`TokenAuth` (only when a token is configured) lets a request through when it
  carries ``Authorization: Bearer TOKEN``, or the session cookie set by ``/login`` or by
  one visit with ``?token=TOKEN``; the API answers 401 otherwise and the pages redirect to
  ``/login``. Static assets (CSS, scripts, the base map) are public.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Largest request body accepted (8 MiB: a 1,000,000-character text even JSON-escaped).
MAX_BODY_BYTES = 8 << 20

#: The session cookie set after a successful login.
COOKIE = "marsad_session"

#: The UI's policy: everything from this server, nothing inline, no eval, no framing.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
       "img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")

_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)

#: Paths served without a token (the login page and assets that hold no data).
PUBLIC_PREFIXES = ("/static/",)
PUBLIC_PATHS = ("/login", "/logout", "/favicon.ico")


def is_loopback(host: str) -> bool:
    """True when ``host`` only accepts connections from this machine (127.0.0.0/8, ::1,
    ``localhost``)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


#: Host names a loopback-only server answers to (anything else is a DNS-rebinding attempt).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def host_name(host_header: str) -> str:
    """The host name of a ``Host`` header, without its port (``[::1]:8000`` -> ``::1``)."""
    value = host_header.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class HostCheck:
    """Answers 400 to requests whose ``Host`` is not one of ``allowed`` (with a server bound
    to 127.0.0.1, a web page that rebinds its own domain to 127.0.0.1 could otherwise read
    the API through the visitor's browser)."""

    def __init__(self, app: ASGIApp, allowed: tuple[str, ...] = LOOPBACK_HOSTS) -> None:
        self.app = app
        self.allowed = {h.strip("[]").lower() for h in allowed}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and host_name(_header(scope, b"host") or "") not in self.allowed:
            await _send_json(send, 400, {"error": "BadHost", "detail": "this server answers only "
                                         "to " + ", ".join(sorted(self.allowed))})
            return
        await self.app(scope, receive, send)


class BodyTooLarge(HTTPException):
    """The request body is larger than the server accepts (answered with 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


class SecurityHeaders:
    """Adds the security headers (see the module docstring) to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != b"content-security-policy"]
                headers.append((b"content-security-policy", policy.encode()))
                present = {k.lower() for k, _ in headers}
                headers.extend(h for h in _HEADERS if h[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Answers 413 to requests whose body exceeds ``max_bytes`` (announced or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _header(scope, b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _send_json(send, 400, {"error": "BadRequest",
                                             "detail": "invalid Content-Length"})
                return
            if declared > self.max_bytes:
                await _send_too_large(send, self.max_bytes)
                return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await _send_too_large(send, self.max_bytes)


def session_value(token: str) -> str:
    """The cookie value that stands for ``token`` (a keyed hash, so the cookie never holds
    the token itself)."""
    return hmac.new(token.encode(), b"marsad-session-v1", hashlib.sha256).hexdigest()


def safe_next(target: str | None) -> str:
    """A post-login redirect target limited to this site (no ``//host`` or scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


class TokenAuth:
    """Requires the access token on every route but the public ones (see module docstring)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        if not token:
            raise ValueError("TokenAuth needs a non-empty token")
        self.app = app
        self.token = token
        self.cookie = session_value(token)

    def _valid_token(self, candidate: str | None) -> bool:
        return candidate is not None and hmac.compare_digest(candidate.encode(),
                                                             self.token.encode())

    def authorised(self, scope: Scope) -> bool:
        """True when the request carries the bearer token or a valid session cookie."""
        auth = _header(scope, b"authorization")
        if auth is not None:
            scheme, _, value = auth.partition(" ")
            if scheme.lower() == "bearer" and self._valid_token(value.strip()):
                return True
        cookie = _cookies(scope).get(COOKIE)
        return cookie is not None and hmac.compare_digest(cookie.encode(), self.cookie.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and not self.authorised(scope):
            await send({"type": "websocket.close", "code": 1008})  # no websocket routes anyway
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if path.startswith(PUBLIC_PREFIXES) or path in PUBLIC_PATHS or self.authorised(scope):
            await self.app(scope, receive, send)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = [v for k, v in query if k == "token"]
        if given and scope.get("method") in ("GET", "HEAD"):
            if self._valid_token(given[0]):
                rest = urlencode([(k, v) for k, v in query if k != "token"])
                await _send_redirect(send, quote(path) + ("?" + rest if rest else ""),
                                     cookie=self.session_cookie(scope))
                return
            await _send_json(send, 401, {"error": "Unauthorized", "detail": "wrong token"},
                             extra=[(b"www-authenticate", b'Bearer realm="marsad"')])
            return
        if _wants_json(path):
            await _send_json(send, 401, {"error": "Unauthorized",
                                         "detail": "this server needs a token: send "
                                                   "'Authorization: Bearer TOKEN'"},
                             extra=[(b"www-authenticate", b'Bearer realm="marsad"')])
            return
        target = quote(path) + ("?" + scope["query_string"].decode("latin-1")
                         if scope.get("query_string") else "")
        await _send_redirect(send, "/login?next=" + quote(target, safe=""))

    def session_cookie(self, scope: Scope) -> str:
        """The Set-Cookie value of a new session (HttpOnly, SameSite=Strict; Secure on
        HTTPS)."""
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        return (f"{COOKIE}={self.cookie}; Path=/; HttpOnly; SameSite=Strict; "
                f"Max-Age={30 * 86400}{secure}")


def _wants_json(path: str) -> bool:
    return path.startswith("/api") or path in ("/openapi.json", "/docs")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _cookies(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in scope.get("headers", []):
        if key.lower() == b"cookie":
            for part in bytes(value).decode("latin-1").split(";"):
                name, _, val = part.strip().partition("=")
                if name:
                    out.setdefault(name, val)
    return out


async def _send_json(send: Send, status: int, data: dict[str, Any],
                     extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps(data).encode()
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode()), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _send_too_large(send: Send, limit: int) -> None:
    await _send_json(send, 413, {"error": "PayloadTooLarge",
                                 "detail": f"request body larger than {limit} bytes"},
                     extra=[(b"connection", b"close")])


async def _send_redirect(send: Send, location: str, *, cookie: str | None = None) -> None:
    headers = [(b"location", location.encode("latin-1", "replace")), (b"content-length", b"0"),
               (b"cache-control", b"no-store")]
    if cookie:
        headers.append((b"set-cookie", cookie.encode("latin-1")))
    await send({"type": "http.response.start", "status": 303, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
