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


def test_every_post_route_refuses_a_request_without_csrf_token(app, client, make_user, login):
    """Signed in as an organizer (allowed everything), no POST gets through without its token."""
    login(client, make_user("organizer"))
    checked = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        url = rule.build({arg: "1" for arg in rule.arguments}, append_unknown=False)[1]
        response = client.post(url, data={"anything": "x"})
        assert response.status_code == 400, rule.rule
        assert "did not come from this site" in response.get_data(as_text=True), rule.rule
        checked += 1
    assert checked >= 5
