"""The edges of every route and event: identifiers, text, search words, and methods.

Hostile input is answered 400/404 or an ``invalid`` ack, never 500, on both databases.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from exchange import create_app
from exchange.accounts.models import Role
from exchange.extensions import db
from exchange.rooms import services as rooms

from .conftest import test_config
from .support.live import csrf_token

HUGE_IDS = [2**63, 2**64, 10**30]
#: Characters no database stores, and letters that PostgreSQL's unaccent turns into
#: tsquery syntax (a modifier-letter apostrophe, stress and length marks, "⑴").
UNSTORABLE = ["a\x00b", "\x00"]
UNACCENT_SYNTAX = ["ʼ", "ˈ", "ː", "⑴", "donʼt", "ˈsolar", "ener⑴gy", "ʼ&ʼ|!(", "ⓐⓑ:*"]


def int_routes(app: Flask) -> list[tuple[str, str]]:
    """Every route with a number in its path, as (a path with a huge id, a method it takes)."""
    routes = []
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        path = re.sub(r"<(int:)?[^>]+>", lambda m: "{id}" if m.group(1) else "x", rule.rule)
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        routes.append((path, method))
    return routes


def test_every_numbered_route_answers_404_for_ids_no_database_holds(app, client, login, make_user):
    login(client, make_user(Role.ORGANIZER))
    routes = int_routes(app)
    assert len(routes) > 20  # practices, moderation, files, invitations, notices...
    for path, method in routes:
        for huge in HUGE_IDS:
            url = path.replace("{id}", str(huge))
            response = client.open(url, method=method)
            assert response.status_code == 404, (method, url, response.status_code)


def test_ids_a_database_holds_still_reach_the_view(app, client, login, make_user):
    login(client, make_user(Role.ORGANIZER))
    assert client.get(f"/practices/{2**63 - 1}").status_code == 404
    assert client.get(f"/api/practices/{2**63 - 1}").get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "url",
    [
        "/practices?q=solar%00",
        "/practices?tag=a%00b",
        "/practices?theme=%00",
        "/practices?country=I%00",
        "/practices?administration=ferla%00",
        "/practices?language=i%00",
        "/api/practices?tag=%00",
        "/practices/totals?administration=%00",
        "/administrations/ferla%00",
        "/rooms/plenary%00",
        "/api/rooms/plenary%00/messages",
        "/moderation/people?q=%00",
        "/moderation/log?action=%00",
        "/practices?a%00=1",
    ],
)
def test_nul_in_any_part_of_a_url_is_refused_with_400(client, login, make_user, url):
    login(client, make_user(Role.ORGANIZER))
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 400, response.get_data(as_text=True)[:200]
    assert response.get_json()["error"]["code"] == "invalid"


def form_of(client, page: str) -> dict[str, str]:
    return {"csrf_token": csrf_token(client.get(page).get_data(as_text=True))}


@pytest.mark.parametrize(
    ("page", "url", "fields"),
    [
        ("/login", "/login", {"email": "a\x00@example.org", "password": "x" * 12}),
        ("/register", "/register", {"name": "Anna\x00", "email": "a@example.org"}),
        ("/accessibility", "/accessibility", {"message": "hello\x00", "page": "/\x00"}),
    ],
)
def test_nul_in_a_form_is_refused_with_400(client, event, page, url, fields):
    response = client.post(url, data={**form_of(client, page), **fields})
    assert response.status_code == 400


def test_nul_in_reasons_of_staff_and_readers_is_refused(app, client, login, make_user):
    author = make_user(Role.DELEGATE)
    login(client, make_user(Role.MODERATOR))
    with app.app_context():
        message = rooms.post_message(
            rooms.get_room("plenary"), db.session.merge(author), "hello", "c-1"
        )
    form = form_of(client, "/moderation")
    for url in (
        f"/moderation/messages/{message.id}/hide",
        f"/moderation/messages/{message.id}/dismiss",
        "/moderation/people/1/mute",
    ):
        response = client.post(url, data={**form, "reason": "spam\x00", "minutes": "5"})
        assert response.status_code == 400, url


@pytest.mark.parametrize("text", [*UNSTORABLE, "\ud800", "a\udfffb"])
def test_unstorable_text_anywhere_in_an_event_is_answered_invalid(connect, make_user, text):
    moderator = connect(make_user(Role.MODERATOR))
    for event, payload in [
        ("send", {"room": "plenary", "body": text, "client_id": "c-1"}),
        ("send", {"room": "plenary", "body": "hi", "client_id": text}),
        ("join", {"room": text}),
        ("report", {"message_id": 1, "reason": text}),
        ("hide", {"message_id": 1, "reason": "ok", "extra": [{"deep": text}]}),
        ("set_slow_mode", {"room": "plenary", "seconds": 0, text: 1}),
    ]:
        ack = moderator.emit(event, payload, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "invalid", (event, ack)


def test_the_moderation_log_refuses_pages_and_dates_beyond_its_range(client, login, make_user):
    login(client, make_user(Role.ORGANIZER))
    for query in (f"page={2**63 - 1}", f"page={2**64}"):
        assert client.get(f"/moderation/log?{query}").status_code == 400, query
    for query in ("until=9999-12-31", "since=0000-01-01"):
        for url in ("/moderation/log", "/moderation/log.csv"):
            assert client.get(f"{url}?{query}").status_code == 400, (url, query)
    assert client.get("/moderation/log?until=9999-12-30").status_code == 200


def test_405_answers_say_which_methods_are_allowed(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"POST"}
    response = client.delete("/practices")
    assert response.status_code == 405
    assert {"GET", "HEAD"} <= set(response.headers["Allow"].split(", "))


@pytest.fixture
def open_app(database_url: str, tmp_path: Path) -> Flask:
    """The application without CSRF and with loose limits, to send many forms quickly."""
    application = create_app(
        {
            **test_config(database_url, tmp_path),
            "WTF_CSRF_ENABLED": False,
            "RATE_LIMITS": {
                name: "100000/1s" for name in ("register_address", "feedback_address", "send")
            },
            "LOGIN_DELAYS": {
                name: {"free": 100000, "first": 1, "longest": 1, "forget": 1}
                for name in ("login_address", "login_account")
            },
        }
    )
    yield application
    with application.app_context():
        db.engine.dispose()


def test_naughty_strings_in_every_text_input_never_answer_500(open_app, naughty_strings):
    from exchange.accounts import services as accounts
    from exchange.event.services import get_administration
    from exchange.event.services import load_event_file
    from exchange.practices import services as practices

    from .conftest import DEMO_EVENT
    from .conftest import PASSWORD
    from .support.practices import content

    with open_app.app_context():
        load_event_file(DEMO_EVENT)
        moderator = accounts.create_user(
            email="mod@example.org", name="Mod", password=PASSWORD, role=Role.MODERATOR
        )
        login_session = accounts.start_login_session(moderator)
        message = rooms.post_message(rooms.get_room("plenary"), moderator, "hi", "c-0")
        message_id = message.id
        delegate = accounts.create_user(
            email="del@example.org",
            name="Del",
            password=PASSWORD,
            role=Role.DELEGATE,
            administration=get_administration("ferla"),
        )
        delegate_session = accounts.start_login_session(delegate)
        practice = practices.create_practice(delegate, content())
        practices.submit_practice(practice, delegate)
        practices.publish_practice(practice, moderator)
        practice_id = practice.id
    staff, writer = open_app.test_client(), open_app.test_client()
    with staff.session_transaction() as session:
        session["_user_id"] = login_session.token
    with writer.session_transaction() as session:
        session["_user_id"] = delegate_session.token
    visitor = open_app.test_client()
    failures = []
    for number, text in enumerate([*naughty_strings, *UNACCENT_SYNTAX, *UNSTORABLE]):
        checks = [
            visitor.get("/practices", query_string={"q": text, "tag": text, "theme": text}),
            visitor.get(
                "/api/practices",
                query_string={"country": text, "administration": text, "language": text},
            ),
            visitor.post("/login", data={"email": text, "password": text}),
            visitor.post(
                "/register",
                data={
                    "name": text,
                    "email": f"n{number}@example.org",
                    "password": "blue mountain river",
                    "confirm": "blue mountain river",
                },
            ),
            visitor.post("/accessibility", data={"message": text, "page": text, "name": text}),
            staff.get("/moderation/people", query_string={"q": text}),
            staff.post(f"/moderation/messages/{message_id}/dismiss", data={"reason": text}),
            staff.post(f"/moderation/messages/{message_id}/hide", data={"reason": text}),
            staff.post(f"/moderation/messages/{message_id}/restore", data={"reason": text}),
            staff.post(f"/practices/{practice_id}/report", data={"reason": text}),
            writer.post(
                "/rooms/renewable-energy/messages",
                data={"body": text, "client_id": f"n-{number}", "language": text[:2]},
            ),
        ]
        failures += [(text, r.request.path) for r in checks if r.status_code >= 500]
    assert failures == []


@pytest.mark.parametrize("disposition", ["form-data", 'form-data; name="\\"'])
def test_a_form_part_without_a_readable_name_is_refused_with_400(client, event, disposition):
    body = f"--XyZ\r\nContent-Disposition: {disposition}\r\n\r\nvalue\r\n--XyZ--\r\n"
    response = client.post(
        "/api/attachments",
        data=body.encode(),
        headers={"Content-Type": "multipart/form-data; boundary=XyZ"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid"
