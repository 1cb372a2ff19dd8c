"""Reactions: `react` toggles, the room hears `reactions`, and backfill shows them."""

import uuid

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.errors import Invalid
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.rooms import services as rooms

from ..conftest import PASSWORD
from .test_events import events_named


@pytest.fixture
def elena(make_user):
    return make_user(Role.DELEGATE, name="Elena", email="elena@example.org")


@pytest.fixture
def salvatore(make_user):
    return make_user(
        Role.DELEGATE, name="Salvatore", email="salvatore@example.org", administration="ferla"
    )


def post(app, author, body="A proposal", room="plenary"):
    with app.app_context():
        message = rooms.post_message(
            get_room(room), db.session.get(User, author.id), body, uuid.uuid4().hex
        )
        return message.id


def react(connection, message_id, emoji):
    return connection.emit("react", {"message_id": message_id, "emoji": emoji}, callback=True)


def test_reacting_twice_toggles_and_the_room_hears_each_change(
    connect, app, elena, salvatore, make_user
):
    message_id = post(app, elena)
    anna = make_user(Role.ATTENDEE, name="Anna")
    listener = connect(elena)
    listener.emit("join", {"room": "plenary"}, callback=True)
    listener.get_received()
    salvo, reader = connect(salvatore), connect(anna)

    first = react(salvo, message_id, "👍")
    assert first == {
        "ok": True,
        "message_id": message_id,
        "reacted": True,
        "reactions": [{"emoji": "👍", "count": 1, "user_ids": [salvatore.id]}],
    }
    assert react(reader, message_id, "👍")["reactions"] == [
        {"emoji": "👍", "count": 2, "user_ids": [salvatore.id, anna.id]}
    ]
    assert react(reader, message_id, "🇮🇹")["ok"]
    again = react(salvo, message_id, "👍")
    assert again["reacted"] is False
    assert again["reactions"] == [
        {"emoji": "👍", "count": 1, "user_ids": [anna.id]},
        {"emoji": "🇮🇹", "count": 1, "user_ids": [anna.id]},
    ]
    heard = events_named(listener, "reactions")
    assert len(heard) == 4
    assert heard[-1] == {
        "message_id": message_id,
        "room": "plenary",
        "reactions": again["reactions"],
    }

    history = listener.emit("join", {"room": "plenary"}, callback=True)["messages"]
    assert history[-1]["reactions"] == again["reactions"]


@pytest.mark.parametrize("emoji", ["👍🏽", "❤️", "🏳️‍🌈", "👩‍👩‍👧", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "1️⃣", "🇵🇱"])
def test_any_single_emoji_is_a_reaction(connect, app, elena, emoji):
    assert react(connect(elena), post(app, elena), emoji)["reactions"][0]["emoji"] == emoji


@pytest.mark.parametrize(
    "emoji", ["", "a", "+1", "👍👍", " 👍", "👍 ", "\u200d", "🇮", "<b>", "👍" * 40, 7]
)
def test_anything_but_one_emoji_is_invalid(connect, app, elena, emoji):
    ack = react(connect(elena), post(app, elena), emoji)
    assert ack["error"]["code"] == "invalid" and ack["error"]["field"] == "emoji"


def test_naughty_strings_are_refused_or_kept_as_one_emoji(connect, app, elena, naughty_strings):
    connection = connect(elena)
    message_id = post(app, elena)
    for text in naughty_strings:
        with app.app_context():
            try:
                rooms.validate_emoji(text)
            except Invalid:
                continue
        ack = react(connection, message_id, text)
        assert ack["ok"] or ack["error"]["code"] == "rate_limited", (text, ack)


def test_a_message_carries_a_limited_number_of_different_emoji(connect, app, elena):
    app.config["REACTIONS_PER_MESSAGE"] = 2
    app.config["RATE_LIMITS"]["react"] = "100/1s"
    connection = connect(elena)
    message_id = post(app, elena)
    assert react(connection, message_id, "👍")["ok"] and react(connection, message_id, "🎉")["ok"]
    refused = react(connection, message_id, "🤔")
    assert refused["error"]["code"] == "invalid" and refused["error"]["limit"] == 2
    assert react(connection, message_id, "👍")["ok"]  # taking one back is always possible


def test_flood_control_holds_back_a_person_who_reacts_too_fast(connect, app, elena):
    connection = connect(elena)
    message_id = post(app, elena)
    answers = [react(connection, message_id, "👍") for _ in range(12)]
    codes = [a["error"]["code"] if not a["ok"] else "ok" for a in answers]
    assert codes[:10] == ["ok"] * 10 and "rate_limited" in codes[10:]


def test_a_hidden_message_takes_no_reaction_and_keeps_its_own(
    connect, app, elena, salvatore, make_user
):
    moderator = make_user(Role.MODERATOR)
    message_id = post(app, elena)
    salvo = connect(salvatore)
    assert react(salvo, message_id, "👍")["ok"]
    with app.app_context():
        moderation.hide_message(
            rooms.get_message(message_id), db.session.get(User, moderator.id), "spam"
        )
    assert react(salvo, message_id, "🎉")["error"]["code"] == "not_found"
    assert react(connect(moderator), message_id, "🎉")["error"]["code"] == "not_found"
    with app.app_context():
        moderation.restore_message(
            rooms.get_message(message_id), db.session.get(User, moderator.id)
        )
    history = salvo.emit("join", {"room": "plenary"}, callback=True)["messages"]
    assert history[-1]["reactions"][0]["user_ids"] == [salvatore.id]


def test_a_muted_person_cannot_react(connect, app, elena, salvatore, make_user):
    moderator = make_user(Role.MODERATOR)
    message_id = post(app, elena)
    with app.app_context():
        moderation.mute(
            db.session.get(User, salvatore.id), db.session.get(User, moderator.id), 5, "calm"
        )
    assert react(connect(salvatore), message_id, "👍")["error"]["code"] == "muted"


def test_the_room_page_shows_reactions_as_sentences_before_javascript(
    app, client, login, connect, elena, salvatore
):
    message_id = post(app, elena)
    react(connect(salvatore), message_id, "👍")
    react(connect(elena), message_id, "👍")
    login(client, elena)
    page = client.get("/rooms/plenary").get_data(as_text=True)
    assert 'data-emoji="👍" aria-pressed="true" aria-label="2 people reacted 👍"' in page


@pytest.mark.live
def test_real_clients_react_and_see_each_others_reactions(live_server, elena, salvatore):
    author = live_server.socket(live_server.login(elena.email, PASSWORD))
    friend = live_server.socket(live_server.login(salvatore.email, PASSWORD))
    for client in (author, friend):
        assert client.call("join", {"room": "plenary"}, timeout=10)["ok"]
    sent = author.call(
        "send", {"room": "plenary", "body": "Shall we?", "client_id": "r1"}, timeout=10
    )["message"]
    assert sent["reactions"] == []
    ack = friend.call("react", {"message_id": sent["id"], "emoji": "🎉"}, timeout=10)
    assert ack["reacted"] is True
    expected = {"message_id": sent["id"], "room": "plenary", "reactions": ack["reactions"]}
    assert author.wait_for(lambda: expected in author.events("reactions"))
    undone = friend.call("react", {"message_id": sent["id"], "emoji": "🎉"}, timeout=10)
    assert undone["reacted"] is False and undone["reactions"] == []
    for client in (author, friend):
        client.disconnect()
