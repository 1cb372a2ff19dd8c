"""Moderation against the real server process, with real python-socketio clients."""

import pytest
import socketio
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.extensions import db
from exchange.moderation.models import AuditEntry

from ..conftest import PASSWORD
from ..support.live import csrf_token
from ..support.live import FollowingClient

pytestmark = pytest.mark.live


@pytest.fixture
def people(make_user):
    return {
        "author": make_user(Role.DELEGATE, email="author@example.org"),
        "reader": make_user(Role.DELEGATE, email="reader@example.org", administration="ferla"),
        "moderator": make_user(Role.MODERATOR, email="moderator@example.org"),
    }


def connect(live_server, person, **kwargs):
    return live_server.socket(live_server.login(person.email, PASSWORD), **kwargs)


def test_hidden_messages_leave_open_clients_and_backfill_and_come_back_on_restore(
    app, live_server, people
):
    author = connect(live_server, people["author"])
    moderator = connect(live_server, people["moderator"])
    reader = connect(live_server, people["reader"], client=FollowingClient("plenary"))
    say = lambda body: author.call(  # noqa: E731
        "send", {"room": "plenary", "body": body, "client_id": body}, timeout=10
    )["message"]["id"]
    keep, bad = say("keep-me"), say("hide-me")
    assert reader.wait_for(lambda: set(reader.messages) == {keep, bad})

    # Live: the open client loses it at once.
    ack = moderator.call("hide", {"message_id": bad, "reason": "Insulting"}, timeout=10)
    assert ack["ok"]
    assert reader.wait_for(lambda: set(reader.messages) == {keep})

    # Backfill: a client that was away, and one that arrives fresh, never see it.
    reader.disconnect()
    other = say("while-away")
    moderator.call("restore", {"message_id": bad}, timeout=10)
    moderator.call("hide", {"message_id": bad, "reason": "On second thought"}, timeout=10)
    reader.connect(
        live_server.url, headers=_cookie(live_server, people["reader"]), transports=["websocket"]
    )
    assert reader.wait_for(lambda: set(reader.messages) == {keep, other})
    fresh = connect(live_server, people["reader"])
    history = fresh.call("join", {"room": "plenary", "after": 0}, timeout=10)["messages"]
    assert [m["id"] for m in history] == [keep, other]

    # Restored: back for everyone, live and in backfill.
    moderator.call("restore", {"message_id": bad}, timeout=10)
    assert reader.wait_for(lambda: set(reader.messages) == {keep, bad, other})
    history = fresh.call("join", {"room": "plenary", "after": 0}, timeout=10)["messages"]
    assert [m["id"] for m in history] == [keep, bad, other]

    with app.app_context():
        actions = list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert [a.value for a in actions] == ["hide", "restore", "hide", "restore"]
    for client in (author, moderator, reader, fresh):
        client.disconnect()


def _cookie(live_server, person):
    session = live_server.login(person.email, PASSWORD)
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in session.cookies.items())}


def test_a_banned_persons_socket_is_closed_and_cannot_come_back(app, live_server, people):
    author_session = live_server.login(people["author"].email, PASSWORD)
    author = live_server.socket(author_session)
    author.call("join", {"room": "plenary"}, timeout=10)
    moderator_session = live_server.login(people["moderator"].email, PASSWORD)
    page = moderator_session.get(live_server.url + "/moderation/people", timeout=10).text

    response = moderator_session.post(
        f"{live_server.url}/moderation/people/{people['author'].id}/ban",
        data={"csrf_token": csrf_token(page), "reason": "Harassment"},
        timeout=10,
    )
    assert response.status_code == 200
    assert author.wait_for(lambda: not author.connected, timeout=10)
    assert ("session_ended", {"reason": "banned"}) in author.received
    with pytest.raises(AssertionError, match="failed with 403"):  # sign-in refused
        live_server.login(people["author"].email, PASSWORD)
    with pytest.raises(socketio.exceptions.ConnectionError):  # the old cookie is dead too
        live_server.socket(author_session)
    with app.app_context():
        [entry] = db.session.scalars(sa.select(AuditEntry))
        assert entry.action.value == "ban" and entry.reason == "Harassment"


def test_a_report_reaches_a_moderator_on_the_real_server(live_server, people):
    author = connect(live_server, people["author"])
    reader = connect(live_server, people["reader"])
    moderator = connect(live_server, people["moderator"])
    message_id = author.call(
        "send", {"room": "plenary", "body": "dubious", "client_id": "d"}, timeout=10
    )["message"]["id"]
    assert reader.call("report", {"message_id": message_id, "reason": "spam?"}, timeout=10)["ok"]
    assert moderator.wait_for(lambda: moderator.events("report_created"))
    assert moderator.events("report_created")[0]["message"]["id"] == message_id
    for client in (author, reader, moderator):
        client.disconnect()


def test_the_open_report_count_reaches_staff_sockets_only_on_the_real_server(live_server, people):
    """``report_count {count}`` comes as a moderator connects, then follows each report
    filed and settled, to moderators only."""
    author = connect(live_server, people["author"])
    reader = connect(live_server, people["reader"])
    moderator = connect(live_server, people["moderator"])
    assert moderator.wait_for(lambda: moderator.events("report_count"))
    assert moderator.events("report_count") == [{"count": 0}]
    message_id = author.call(
        "send", {"room": "plenary", "body": "dubious", "client_id": "d"}, timeout=10
    )["message"]["id"]

    assert reader.call("report", {"message_id": message_id, "reason": "spam?"}, timeout=10)["ok"]
    assert moderator.wait_for(lambda: len(moderator.events("report_count")) == 2)
    assert moderator.events("report_count") == [{"count": 0}, {"count": 1}]

    hidden = moderator.call("hide", {"message_id": message_id, "reason": "Spam"}, timeout=10)
    assert hidden["ok"], hidden
    assert moderator.wait_for(lambda: len(moderator.events("report_count")) == 3)
    assert moderator.events("report_count") == [{"count": 0}, {"count": 1}, {"count": 0}]
    assert not reader.events("report_count") and not author.events("report_count")
    for client in (author, reader, moderator):
        client.disconnect()
