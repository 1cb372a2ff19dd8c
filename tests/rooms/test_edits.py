"""Edits: `edit`, `message_edited`, and the earlier words kept for moderators."""

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.moderation.models import AuditEntry
from exchange.retention.services import apply_retention
from exchange.rooms import services as rooms
from exchange.rooms.models import Message
from exchange.rooms.models import MessageRevision
from exchange.rooms.schemas import message_json

from ..conftest import PASSWORD
from ..html_checks import assert_only_safe_chat_markup
from .test_events import events_named


@pytest.fixture
def elena(make_user):
    return make_user(Role.DELEGATE, name="Elena", email="elena@example.org")


@pytest.fixture
def salvatore(make_user):
    return make_user(
        Role.DELEGATE, name="Salvatore", email="salvatore@example.org", administration="ferla"
    )


@pytest.fixture
def moderator(make_user):
    return make_user(Role.MODERATOR, name="Mara", email="mara@example.org")


def post(app, author, body, room="plenary", **kwargs):
    with app.app_context():
        message = rooms.post_message(
            get_room(room), db.session.get(User, author.id), body, uuid.uuid4().hex, **kwargs
        )
        return message.id


def edit(connection, message_id, body, **fields):
    return connection.emit(
        "edit", {"message_id": message_id, "body": body, **fields}, callback=True
    )


def test_an_author_edits_their_message_and_the_room_sees_the_new_words(
    connect, app, elena, salvatore
):
    message_id = post(app, elena, "We tendred it in 2023", language="en")
    author = connect(elena)
    listener = connect(salvatore)
    listener.emit("join", {"room": "plenary"}, callback=True)
    listener.get_received()

    ack = edit(author, message_id, "We tendered it in 2023 <b>see</b> example.org")
    assert ack["ok"], ack
    message = ack["message"]
    assert message["body"] == "We tendered it in 2023 <b>see</b> example.org"
    assert "&lt;b&gt;see&lt;/b&gt;" in message["body_html"]
    assert 'href="http://example.org"' in message["body_html"]
    assert message["language"] == "en"  # kept when the edit does not say
    edited_at = dt.datetime.fromisoformat(message["edited_at"])
    assert edited_at > dt.datetime.fromisoformat(message["created_at"])
    assert events_named(listener, "message_edited") == [{"message": message}]

    history = listener.emit("join", {"room": "plenary"}, callback=True)["messages"]
    assert history == [message]
    assert edit(author, message_id, "Now in Italian", language="it")["message"]["language"] == "it"
    assert edit(author, message_id, "No language", language=None)["message"]["language"] is None


def test_every_earlier_body_is_kept_and_moderators_read_them_without_an_audit_row(
    connect, app, client, login, elena, moderator
):
    message_id = post(app, elena, "First words")
    author = connect(elena)
    assert edit(author, message_id, "Second words")["ok"]
    assert edit(author, message_id, "Third words")["ok"]

    login(client, moderator)
    with app.app_context():
        audit_rows = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    answer = client.get(f"/api/messages/{message_id}/revisions")
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["message"]["body"] == "Third words" and data["message"]["hidden"] is None
    assert [r["body"] for r in data["revisions"]] == ["First words", "Second words"]
    first, second = data["revisions"]
    assert first["written_at"] == data["message"]["created_at"]
    assert second["written_at"] == first["replaced_at"]
    assert second["replaced_at"] == data["message"]["edited_at"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == audit_rows

    login(client, elena)
    assert client.get(f"/api/messages/{message_id}/revisions").status_code == 403
    login(client, moderator)
    assert client.get("/api/messages/999999/revisions").status_code == 404


def test_nobody_edits_someone_elses_words_moderators_included(
    connect, app, elena, salvatore, moderator
):
    message_id = post(app, elena, "Mine")
    for person in (salvatore, moderator):
        ack = edit(connect(person), message_id, "Yours now")
        assert ack["error"]["code"] == "forbidden"
    with app.app_context():
        assert rooms.get_message(message_id).body == "Mine"


def test_editing_after_the_window_is_forbidden(connect, app, elena):
    message_id = post(app, elena, "Old words")
    with app.app_context():
        message = db.session.get(Message, message_id)
        message.created_at -= dt.timedelta(seconds=app.config["MESSAGE_EDIT_WINDOW"] + 1)
        db.session.commit()
    ack = edit(connect(elena), message_id, "Too late")
    assert ack["error"]["code"] == "forbidden"
    assert "15 minutes" in ack["error"]["message"]


def test_a_hidden_message_cannot_be_edited(connect, app, elena, moderator):
    hidden = post(app, elena, "Hidden by a moderator")
    withdrawn = post(app, elena, "Withdrawn by me")
    with app.app_context():
        moderation.hide_message(
            rooms.get_message(hidden), db.session.get(User, moderator.id), "off topic"
        )
        moderation.hide_message(rooms.get_message(withdrawn), db.session.get(User, elena.id), "")
    author = connect(elena)
    for message_id in (hidden, withdrawn):
        assert edit(author, message_id, "Back again")["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"body": "   \n "}, "invalid", "body"),
        ({"body": "x" * 4001}, "too_long", "body"),
        ({"body": 42}, "invalid", "body"),
        ({"body": "ok", "language": "xx"}, "invalid", "language"),
        ({"body": "nul\x00byte"}, "invalid", "body"),
        ({"message_id": "1", "body": "ok"}, "invalid", "message_id"),
        ({"message_id": 987654, "body": "ok"}, "not_found", None),
    ],
)
def test_an_edit_meets_the_rules_of_send(connect, app, elena, fields, code, field):
    message_id = post(app, elena, "Original")
    ack = connect(elena).emit("edit", {"message_id": message_id, **fields}, callback=True)
    assert ack["error"]["code"] == code
    assert ack["error"].get("field") == field
    with app.app_context():
        assert rooms.get_message(message_id).body == "Original"


def test_a_retried_edit_stores_one_revision(connect, app, elena):
    message_id = post(app, elena, "Typo hre")
    author = connect(elena)
    first = edit(author, message_id, "Typo here")["message"]
    assert edit(author, message_id, "Typo here")["message"] == first
    with app.app_context():
        kept = db.session.scalars(sa.select(MessageRevision.body)).all()
    assert kept == ["Typo hre"]


def test_a_muted_author_cannot_edit(connect, app, elena, moderator):
    message_id = post(app, elena, "Before the mute")
    with app.app_context():
        moderation.mute(
            db.session.get(User, elena.id), db.session.get(User, moderator.id), 10, "cool down"
        )
    ack = edit(connect(elena), message_id, "During the mute")
    assert ack["error"]["code"] == "muted" and ack["error"]["until"]


def test_an_edited_message_is_hidden_restored_and_reported_as_any_other(
    connect, app, elena, salvatore, moderator
):
    message_id = post(app, elena, "Fine words")
    assert edit(connect(elena), message_id, "Rude words")["ok"]
    report = connect(salvatore).emit(
        "report", {"message_id": message_id, "reason": "rude since the edit"}, callback=True
    )
    assert report["ok"], report
    staff = connect(moderator)
    hidden = staff.emit("hide", {"message_id": message_id, "reason": "rude"}, callback=True)
    assert hidden["ok"] and hidden["message"]["hidden"]["reason"] == "rude"
    assert hidden["message"]["edited_at"] is not None
    history = connect(salvatore).emit("join", {"room": "plenary"}, callback=True)["messages"]
    assert message_id not in [m["id"] for m in history]

    restored = staff.emit("restore", {"message_id": message_id}, callback=True)
    assert restored["ok"] and restored["message"]["body"] == "Rude words"


def test_replies_quote_the_words_the_message_has_now(connect, app, elena, salvatore):
    question = post(app, elena, "Wrong question")
    reply = post(app, salvatore, "An answer", reply_to=question)
    assert edit(connect(elena), question, "Right question")["ok"]
    with app.app_context():
        assert message_json(rooms.get_message(reply))["reply_to"]["excerpt"] == "Right question"


def test_retention_erases_the_earlier_words_with_the_message(app, connect, elena):
    message_id = post(app, elena, "Secret first draft")
    assert edit(connect(elena), message_id, "Public words")["ok"]
    with app.app_context():
        later = dt.datetime.now(dt.UTC) + dt.timedelta(
            days=app.config["RETENTION_ROOM_MESSAGES_DAYS"] + 1
        )
        apply_retention(later)
        assert db.session.scalars(sa.select(MessageRevision)).all() == []
        assert db.session.get(Message, message_id).body == ""


def test_a_persons_data_export_holds_the_earlier_words_of_their_messages(
    app, client, login, connect, elena
):
    message_id = post(app, elena, "Draft")
    assert edit(connect(elena), message_id, "Final")["ok"]
    login(client, elena)
    data = client.get("/account/export.json").get_json()
    (mine,) = data["messages"]
    assert mine["body"] == "Final" and mine["edited_at"]
    assert [version["body"] for version in mine["earlier_versions"]] == ["Draft"]


@pytest.mark.live
def test_real_clients_see_edits_and_naughty_strings_stay_text(
    live_server, elena, salvatore, naughty_strings
):
    author = live_server.socket(live_server.login(elena.email, PASSWORD))
    reader = live_server.socket(live_server.login(salvatore.email, PASSWORD))
    for client in (author, reader):
        assert client.call("join", {"room": "plenary"}, timeout=10)["ok"]
    sent = author.call("send", {"room": "plenary", "body": "Draft", "client_id": "e1"}, timeout=10)[
        "message"
    ]
    assert (
        reader.call("edit", {"message_id": sent["id"], "body": "Mine?"}, timeout=10)["error"][
            "code"
        ]
        == "forbidden"
    )

    edited = 0
    for text in naughty_strings[:60]:
        if not text.strip():
            continue
        ack = author.call("edit", {"message_id": sent["id"], "body": text}, timeout=10)
        if not ack["ok"]:
            assert ack["error"]["code"] == "rate_limited", ack
            break
        assert ack["message"]["body"] == text
        assert_only_safe_chat_markup(ack["message"]["body_html"])
        edited += 1
        assert reader.wait_for(
            lambda ack=ack: {"message": ack["message"]} in reader.events("message_edited")
        )
    assert edited >= 5  # then flood control steps in
    for client in (author, reader):
        client.disconnect()
