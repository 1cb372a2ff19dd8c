"""Headers and redirects that protect people using the exchange."""

import pytest

from exchange.security import safe_next_url


@pytest.mark.parametrize("path", ["/", "/login", "/api/rooms", "/healthz", "/static/css/app.css"])
def test_every_response_carries_the_security_headers(client, event, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_pages_load_no_inline_script(client, event):
    page = client.get("/login").get_data(as_text=True)
    assert "<script>" not in page and "onclick=" not in page


def test_the_session_cookie_is_http_only_and_same_site(client, event):
    page = client.get("/login")
    cookie = page.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here


def test_the_session_cookie_is_secure_over_https(client, event):
    response = client.get("/login", base_url="https://exchange.example")
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/rooms/plenary", "/rooms/plenary"),
        ("/rooms/plenary?x=1#composer", "/rooms/plenary?x=1#composer"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/\tevil", "/"),
        ("rooms", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_only_local_paths_are_followed_after_sign_in(target, expected):
    assert safe_next_url(target, "/") == expected


def test_error_pages_reveal_nothing_internal(app, client, event):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


#: POST routes that take no CSRF token, each with what authorises it instead.
CSRF_EXEMPT = {
    # RFC 8058: mail programs post the one-click unsubscribe without any page of ours;
    # the signed token in the address says whose mail it turns off, and nothing else.
    "/unsubscribe/<token>": "signed token",
}


def test_every_post_route_refuses_a_request_without_csrf_token(app, client, make_user, login):
    """Signed in as an organizer (allowed everything), no POST gets through without its token."""
    login(client, make_user("organizer"))
    checked = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule in CSRF_EXEMPT:
            continue
        url = rule.build({arg: "1" for arg in rule.arguments}, append_unknown=False)[1]
        response = client.post(url, data={"anything": "x"})
        assert response.status_code == 400, rule.rule
        assert "did not come from this site" in response.get_data(as_text=True), rule.rule
        checked += 1
    assert checked >= 5


def test_a_post_without_csrf_token_changes_nothing_without_its_signed_token(app, client):
    """The routes that take no CSRF token refuse a forged or made-up token instead."""
    for rule in app.url_map.iter_rules():
        if rule.rule in CSRF_EXEMPT:
            url = rule.build({arg: "forged" for arg in rule.arguments}, append_unknown=False)[1]
            assert client.post(url, data={"anything": "x"}).status_code == 404, rule.rule
    assert {rule.rule for rule in app.url_map.iter_rules()} >= set(CSRF_EXEMPT)


SITE = "https://exchange.example.eu"
HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


@pytest.fixture
def site_app(database_url, tmp_path, app):
    """The exchange with EXCHANGE_SITE_URL set, on the same database as ``app``."""
    from exchange import create_app
    from exchange.extensions import db

    from .conftest import test_config

    application = create_app({**test_config(database_url, tmp_path), "SITE_URL": SITE})
    yield application
    with application.app_context():
        db.engine.dispose()


def test_with_a_site_url_every_absolute_link_names_it_whatever_the_host(site_app, make_user, write):
    practice = write(make_user(), published=True)
    client = site_app.test_client()
    answer = client.get(
        f"/api/practices/{practice.id}", headers={"Host": "exchange.example.eu"}
    ).get_json()
    assert answer["practice"]["url"] == f"{SITE}/practices/{practice.id}-{practice.slug}"
    # Even a request that arrives over plain HTTP on another port links to the site.
    listed = client.get("/api/practices", base_url="http://exchange.example.eu:8080").get_json()
    assert {item["url"] for item in listed["practices"]} == {
        f"{SITE}/practices/{practice.id}-{practice.slug}"
    }


@pytest.mark.parametrize("host", ["evil.example", "exchange.example.eu.evil.example", "localhost"])
def test_with_a_site_url_requests_for_other_hosts_are_refused(site_app, event, host):
    client = site_app.test_client()
    for path in ("/", "/api/practices", "/login"):
        assert client.get(path, headers={"Host": host}).status_code == 400, (host, path)
    assert client.get("/healthz", headers={"Host": "exchange.example.eu"}).status_code == 200


def test_without_a_site_url_links_follow_the_request_as_before(client, make_user, write):
    practice = write(make_user(), published=True)
    answer = client.get(f"/api/practices/{practice.id}").get_json()
    assert answer["practice"]["url"].startswith("http://localhost/practices/")


def test_socket_origins_are_the_site_itself_never_a_forwarded_host(client, event):
    """Without trusted proxies, X-Forwarded-Host is the client's word: it proves nothing."""
    assert client.get(HANDSHAKE, headers={"Origin": "http://localhost"}).status_code == 200
    forged = client.get(
        HANDSHAKE,
        headers={
            "Origin": "https://evil.example",
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Proto": "https",
        },
    )
    assert forged.status_code == 400


def test_with_a_site_url_only_its_origin_opens_sockets(site_app, event):
    client = site_app.test_client()
    host = {"Host": "exchange.example.eu"}
    assert client.get(HANDSHAKE, headers={**host, "Origin": SITE}).status_code == 200
    for origin in ("http://exchange.example.eu", "https://evil.example", "http://localhost"):
        assert client.get(HANDSHAKE, headers={**host, "Origin": origin}).status_code == 400


def test_a_sockets_events_use_the_session_of_its_connection_without_decoding_the_cookie_again(
    app, connect, make_user, monkeypatch
):
    """The cookie is verified when the socket connects; its events reuse that session."""
    from exchange.accounts.models import Role

    socket = connect(make_user(Role.DELEGATE))
    socket.emit("join", {"room": "plenary"}, callback=True)
    decoded = []
    serializer = app.session_interface.get_signing_serializer
    monkeypatch.setattr(
        app.session_interface,
        "get_signing_serializer",
        lambda app: decoded.append(1) or serializer(app),
    )
    for _ in range(5):
        assert socket.emit("typing", {"room": "plenary"}, callback=True)["ok"] in (True, False)
    assert socket.emit("join", {"room": "plenary"}, callback=True)["ok"]
    assert decoded == []
