"""HTTP hardening applied to every response, and safe redirects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask import Flask
from flask import has_request_context
from flask import Request
from flask import request
from flask import Response
from flask.sessions import SecureCookieSessionInterface
from flask.sessions import SessionMixin
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import MapAdapter
from werkzeug.sansio.utils import host_is_trusted

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.after_request(add_security_headers)
    if app.config["SITE_URL_IS_SET"]:
        _build_links_on_site_url(app)
        app.before_request(refuse_other_hosts)


def refuse_other_hosts() -> None:
    """Answer 400 to a request naming a host that is not the site's (EXCHANGE_SITE_URL)."""
    hostname = request.host.rpartition(":")[0] if ":" in request.host else request.host
    if not host_is_trusted(hostname.strip("[]"), current_app.config["ALLOWED_HOSTS"]):
        raise SecurityError(f"Host {request.host!r} is not served here.")


def origin_of(url: str) -> str:
    """The origin a browser sends for pages of ``url``: scheme and host, port if not default."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def _build_links_on_site_url(app: Flask) -> None:
    """Make every absolute link of a request or socket event name EXCHANGE_SITE_URL.

    The Host header is the client's to choose; links must not follow it (and requests
    for other hosts are refused, :func:`refuse_other_hosts`).
    """
    create = app.create_url_adapter

    def create_url_adapter(request: Any) -> MapAdapter | None:
        adapter = create(request)
        if adapter is not None and request is not None:
            scheme, _, netloc = origin_of(app.config["SITE_URL"]).partition("://")
            adapter.url_scheme, adapter.server_name = scheme, netloc
        return adapter

    app.create_url_adapter = create_url_adapter  # type: ignore[method-assign]


def socket_origins(app: Flask) -> list[str] | Callable[[str, dict[str, Any]], bool]:
    """The origins allowed to open Socket.IO connections, given to python-socketio outright.

    EXCHANGE_SITE_URL's origin when set; otherwise the origin of the address the request
    was sent to, as the WSGI server (behind trusted proxies, ProxyFix) saw it, never from
    a client's own X-Forwarded-Host. EXCHANGE_ALLOWED_ORIGINS adds others.
    """
    extra = list(app.config["ALLOWED_ORIGINS"] or [])
    if app.config["SITE_URL_IS_SET"]:
        return [origin_of(app.config["SITE_URL"]), *extra]

    def same_site(origin: str, environ: dict[str, Any]) -> bool:
        own = f"{environ.get('wsgi.url_scheme')}://{environ.get('HTTP_HOST')}"
        return origin == own or origin in extra

    return same_site


def trust_proxies(app: Flask) -> None:
    """Behind nginx: believe its X-Forwarded-* headers, and only as many as it sets.

    Called last, once Socket.IO has wrapped the app, so that socket requests
    too see the visitor's address and scheme, not the proxy's.
    """
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def safe_next_url(target: str | None, default: str) -> str:
    """Return ``target`` if it is a path on this site, else ``default``.

    Only relative paths are accepted: no scheme, no host, and nothing a browser
    would read as one ("//evil", "/\\\\evil", control characters).
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(char) < 32 or char == "\\" for char in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with ``Secure`` set whenever we are served over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        configured = bool(app.config["SESSION_COOKIE_SECURE"])
        return configured or (has_request_context() and request.is_secure)

    # Flask takes any SessionMixin from a session interface; the cookie interface's
    # annotation names its own class only.
    def open_session(  # type: ignore[override]
        self, app: Flask, request: Request
    ) -> SessionMixin | None:
        """Open the cookie's session, except for a Socket.IO event that already has one.

        Flask-SocketIO handles each event in a request context made from the
        connection's first request, and then replaces the session Flask opened
        with the one it keeps for the connection (``saved_session``, from the
        first event on). Verifying and decoding the cookie again for every event
        was a fifth of the server's work in a busy room, for a session thrown away.
        """
        kept = request.environ.get("saved_session")
        if isinstance(kept, SessionMixin):
            return kept
        return super().open_session(app, request)
