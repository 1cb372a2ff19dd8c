"""Replies: ``send`` with ``reply_to``, and the quote every Message carries (docs/protocol.md)."""

import uuid

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.errors import Invalid
from exchange.errors import NotFound
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.rooms import services as rooms
from exchange.rooms.schemas import message_json

from ..conftest import PASSWORD
from ..support.live import csrf_token


@pytest.fixture
def elena(make_user):
    return make_user(Role.DELEGATE, name="Elena", email="elena@example.org")


@pytest.fixture
def salvatore(make_user):
    return make_user(
        Role.DELEGATE, name="Salvatore", email="salvatore@example.org", administration="ferla"
    )


def post(app, author, body, room="plenary", **kwargs):
    with app.app_context():
        message = rooms.post_message(
            get_room(room), db.session.get(User, author.id), body, uuid.uuid4().hex, **kwargs
        )
        return message.id


def send(connection, body, *, room="plenary", client_id=None, **fields):
    payload = {"room": room, "body": body, "client_id": client_id or uuid.uuid4().hex, **fields}
    return connection.emit("send", payload, callback=True)


def test_a_reply_quotes_the_message_it_answers(connect, app, elena, salvatore):
    question = post(app, salvatore, "Has anyone\n tendered school roofs   for solar panels?")
    connection = connect(elena)
    ack = send(connection, "We did, in 2023.", reply_to=question)
    assert ack["ok"], ack
    assert ack["message"]["reply_to"] == {
        "id": question,
        "author": {
            "id": salvatore.id,
            "name": "Salvatore",
            "role": "delegate",
            "administration": {"slug": "ferla", "name": "Ferla", "country": "IT"},
        },
        "excerpt": "Has anyone tendered school roofs for solar panels?",
    }
    history = connection.emit("join", {"room": "plenary"}, callback=True)["messages"]
    assert [m["reply_to"]["id"] if m["reply_to"] else None for m in history] == [None, question]


def test_a_long_message_is_quoted_by_its_start_cut_at_a_word(app, elena, salvatore):
    question = post(app, salvatore, "word " * 100)
    reply = post(app, elena, "Yes.", reply_to=question)
    with app.app_context():
        excerpt = message_json(rooms.get_message(reply))["reply_to"]["excerpt"]
    assert len(excerpt) <= 140 and excerpt.endswith("word…")


def test_a_reply_to_a_message_of_another_room_is_invalid(connect, app, elena, salvatore):
    elsewhere = post(app, salvatore, "In the funding room", room="funding")
    ack = send(connect(elena), "Answering across rooms", reply_to=elsewhere)
    assert ack["ok"] is False
    assert ack["error"]["code"] == "invalid" and ack["error"]["field"] == "reply_to"


@pytest.mark.parametrize("reply_to", ["12", 0, True, 1.5, 2**63])
def test_a_reply_to_that_is_not_a_message_id_is_invalid(connect, event, elena, reply_to):
    ack = send(connect(elena), "Answering nothing", reply_to=reply_to)
    assert ack["error"]["code"] == "invalid" and ack["error"]["field"] == "reply_to"


def test_a_reply_to_a_missing_or_hidden_message_is_not_found(connect, app, elena, salvatore):
    hidden = post(app, salvatore, "Soon withdrawn")
    with app.app_context():
        moderation.hide_message(rooms.get_message(hidden), db.session.get(User, salvatore.id), "")
    connection = connect(elena)
    for reply_to in [hidden, hidden + 1000]:
        ack = send(connection, "Answering", reply_to=reply_to)
        assert ack["error"]["code"] == "not_found" and ack["error"]["field"] == "reply_to"
    with app.app_context(), pytest.raises(NotFound):
        rooms.post_message(
            get_room("plenary"), db.session.get(User, elena.id), "Also", "x1", reply_to=hidden
        )


def test_a_hidden_original_leaves_its_replies_without_its_words(
    connect, app, elena, salvatore, make_user
):
    moderator = make_user(Role.MODERATOR)
    question = post(app, salvatore, "Something to hide")
    reply = post(app, elena, "An answer", reply_to=question)
    with app.app_context():
        moderation.hide_message(
            rooms.get_message(question), db.session.get(User, moderator.id), "off topic"
        )
    for reader in (elena, moderator):
        history = connect(reader).emit("join", {"room": "plenary"}, callback=True)["messages"]
        (shown,) = [m for m in history if m["id"] == reply]
        assert shown["reply_to"]["id"] == question
        assert shown["reply_to"]["excerpt"] is None

    with app.app_context():
        moderation.restore_message(rooms.get_message(question), db.session.get(User, moderator.id))
        shown = message_json(rooms.get_message(reply))
    assert shown["reply_to"]["excerpt"] == "Something to hide"


def test_a_retry_with_the_same_client_id_must_answer_the_same_message(
    app, connect, elena, salvatore
):
    first, second = post(app, salvatore, "First"), post(app, salvatore, "Second")
    connection = connect(elena)
    stored = send(connection, "Agreed", client_id="r-1", reply_to=first)["message"]
    assert send(connection, "Agreed", client_id="r-1", reply_to=first)["message"] == stored
    ack = send(connection, "Agreed", client_id="r-1", reply_to=second)
    assert ack["error"]["code"] == "invalid" and ack["error"]["field"] == "client_id"
    with app.app_context(), pytest.raises(Invalid):
        rooms.post_message(get_room("plenary"), db.session.get(User, elena.id), "Agreed", "r-1")


def test_without_javascript_a_reply_link_fills_the_form_that_posts_the_reply(
    client, login, app, elena, salvatore
):
    question = post(app, salvatore, "Who runs the tender?")
    login(client, elena)
    page = client.get("/rooms/plenary").get_data(as_text=True)
    assert f'href="/rooms/plenary?reply_to={question}#composer"' in page
    assert 'id="composer-reply" class="composer-reply" hidden' in page

    page = client.get(f"/rooms/plenary?reply_to={question}").get_data(as_text=True)
    assert 'id="composer-reply" class="composer-reply">' in page
    assert f'name="reply_to" id="composer-reply-to" value="{question}"' in page
    assert "Who runs the tender?" in page.split('id="composer-reply"')[1]
    response = client.post(
        "/rooms/plenary/messages",
        data={
            "csrf_token": csrf_token(page),
            "client_id": "nojs-reply",
            "body": "Our procurement office.",
            "reply_to": str(question),
        },
    )
    assert response.status_code == 302
    page = client.get("/rooms/plenary").get_data(as_text=True)
    reply = page.split("Our procurement office.")[0].rsplit('<li class="message"', 1)[1]
    assert f'href="#message-{question}"' in reply and "Who runs the tender?" in reply


@pytest.mark.parametrize("reply_to", ["nonsense", "99999", "-1", "1" * 40])
def test_a_reply_link_to_nothing_answerable_shows_the_plain_composer(
    client, login, elena, reply_to
):
    login(client, elena)
    response = client.get(f"/rooms/plenary?reply_to={reply_to}")
    assert response.status_code == 200
    assert 'id="composer-reply" class="composer-reply" hidden' in response.get_data(as_text=True)


@pytest.mark.live
def test_real_clients_reply_within_a_room_and_are_refused_across_rooms(
    live_server, elena, salvatore
):
    asking = live_server.socket(live_server.login(salvatore.email, PASSWORD))
    answering = live_server.socket(live_server.login(elena.email, PASSWORD))
    for client in (asking, answering):
        assert client.call("join", {"room": "plenary"}, timeout=10)["ok"]
    question = asking.call(
        "send", {"room": "plenary", "body": "Any tender?", "client_id": "q1"}, timeout=10
    )["message"]
    reply = answering.call(
        "send",
        {"room": "plenary", "body": "Ours", "client_id": "a1", "reply_to": question["id"]},
        timeout=10,
    )["message"]
    assert reply["reply_to"]["excerpt"] == "Any tender?"
    assert asking.wait_for(lambda: reply in asking.events("message"))

    refused = answering.call(
        "send",
        {"room": "funding", "body": "Ours", "client_id": "a2", "reply_to": question["id"]},
        timeout=10,
    )
    assert refused["error"]["code"] == "invalid" and refused["error"]["field"] == "reply_to"
    for client in (asking, answering):
        client.disconnect()
