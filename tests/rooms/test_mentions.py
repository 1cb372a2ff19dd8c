"""Mentions: ``send``'s ``mentions``, the ``mention`` event, the list and the counts."""

import uuid

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.rooms import mentions
from exchange.rooms import services as rooms
from exchange.sanitize import clean_chat_text

from ..conftest import PASSWORD
from ..html_checks import assert_only_safe_chat_markup
from .test_events import events_named


@pytest.fixture
def elena(make_user):
    return make_user(Role.DELEGATE, name="Elena Conti", administration="campi-bisenzio")


@pytest.fixture
def salvatore(make_user):
    return make_user(Role.DELEGATE, name="Salvatore", administration="ferla")


def send(connection, body, mentions=None, room="plenary"):
    payload = {"room": room, "body": body, "client_id": uuid.uuid4().hex}
    if mentions is not None:
        payload["mentions"] = mentions
    return connection.emit("send", payload, callback=True)


def test_a_named_person_is_stored_shown_highlighted_and_told_in_another_room(
    connect, elena, salvatore
):
    listener = connect(elena)
    listener.emit("join", {"room": "funding"}, callback=True)
    listener.get_received()

    ack = send(connect(salvatore), "@Elena Conti how did you fund it?", [elena.id])

    message = ack["message"]
    assert message["mentions"] == [elena.id] and message["mentions_room"] is False
    assert message["body_html"] == (
        '<span class="mention">@Elena Conti</span> how did you fund it?'
    )
    told = events_named(listener, "mention")
    assert told == [{"room": "plenary", "message": message}]


def test_a_name_the_body_no_longer_holds_tells_nobody(connect, elena, salvatore):
    listener = connect(elena)
    listener.get_received()
    ack = send(connect(salvatore), "never mind", [elena.id])
    assert ack["ok"] and ack["message"]["mentions"] == []
    assert events_named(listener, "mention") == []


def test_a_longer_name_is_not_a_mention_of_a_shorter_one(app_ctx, make_user, salvatore):
    anna = make_user(name="Anna")
    author = db.session.get(User, salvatore.id)
    message = rooms.post_message(
        get_room("plenary"), author, "@Annabel says hi", "c1", mentions=[anna.id]
    )
    assert [m.user_id for m in message.named] == []


@pytest.mark.parametrize(
    ("mentions_value", "field"),
    [("7", "mentions"), ([True], "mentions"), ([0], "mentions"), (list(range(1, 30)), "mentions")],
)
def test_malformed_mentions_are_invalid(connect, salvatore, mentions_value, field):
    ack = send(connect(salvatore), "hello", mentions_value)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid"
    assert ack["error"]["field"] == field


def test_mentioning_someone_who_has_no_account_is_invalid(connect, salvatore):
    ack = send(connect(salvatore), "@Ghost hi", [987654])
    assert ack["error"]["code"] == "invalid" and ack["error"]["field"] == "mentions"


def test_a_retry_with_the_same_client_id_tells_once(connect, elena, salvatore):
    listener = connect(elena)
    listener.get_received()
    writer = connect(salvatore)
    payload = {
        "room": "plenary",
        "body": "@Elena Conti once",
        "client_id": "retry-1",
        "mentions": [elena.id],
    }
    first = writer.emit("send", payload, callback=True)
    again = writer.emit("send", payload, callback=True)
    assert first["message"]["id"] == again["message"]["id"]
    assert len(events_named(listener, "mention")) == 1


@pytest.mark.parametrize(
    ("role", "tells"),
    [(Role.DELEGATE, False), (Role.MODERATOR, True), (Role.ORGANIZER, True)],
)
def test_at_room_tells_the_rooms_followers_only_when_staff_write_it(
    connect, make_user, elena, role, tells
):
    follower = connect(elena)
    first = send(connect(make_user(Role.DELEGATE)), "hi")["message"]
    follower.emit("read", {"room": "plenary", "message_id": first["id"]}, callback=True)
    follower.get_received()

    ack = send(connect(make_user(role)), "@room the plenary starts in 5 minutes")

    assert ack["message"]["mentions_room"] is tells
    assert ack["message"]["mentions"] == []  # @room's many are not listed in the message
    assert ('<span class="mention">@room</span>' in ack["message"]["body_html"]) is tells
    assert len(events_named(follower, "mention")) == (1 if tells else 0)


def test_api_rooms_counts_unread_mentions_until_the_room_is_read(
    app, client, login, connect, elena, salvatore
):
    writer = connect(salvatore)
    send(writer, "@Elena Conti one", [elena.id])
    second = send(writer, "@Elena Conti two", [elena.id], room="funding")["message"]
    login(client, elena)

    def counts():
        rooms = client.get("/api/rooms").get_json()["rooms"]
        return {room["slug"]: room["mentions"] for room in rooms if room["mentions"]}

    assert counts() == {"plenary": 1, "funding": 1}
    connect(elena).emit("read", {"room": "funding", "message_id": second["id"]}, callback=True)
    assert counts() == {"plenary": 1}


def test_a_hidden_messages_mention_vanishes_from_the_list_and_the_counts(
    app, client, login, connect, make_user, elena, salvatore
):
    kept = send(connect(salvatore), "@Elena Conti kept", [elena.id])["message"]
    gone = send(connect(salvatore), "@Elena Conti gone", [elena.id])["message"]
    with app.app_context():
        moderator = make_user(Role.MODERATOR)
        moderation.hide_message(rooms.get_message(gone["id"]), moderator, "spam")
    login(client, elena)

    listed = client.get("/api/mentions").get_json()
    assert [entry["message"]["id"] for entry in listed["mentions"]] == [kept["id"]]
    assert listed["mentions"][0]["unread"] is True
    rooms_answer = client.get("/api/rooms").get_json()["rooms"]
    assert sum(room["mentions"] for room in rooms_answer) == 1
    page = client.get("/mentions").get_data(as_text=True)
    assert "kept" in page and "gone" not in page


def test_the_mentions_page_says_when_there_are_none(client, login, elena):
    login(client, elena)
    page = client.get("/mentions").get_data(as_text=True)
    assert "Nobody has mentioned you yet" in page


def test_the_menu_counts_unread_mentions(client, login, connect, elena, salvatore):
    send(connect(salvatore), "@Elena Conti look", [elena.id])
    login(client, elena)
    page = client.get("/practices").get_data(as_text=True)
    assert "(1 unread)" in page


def test_people_lookup_finds_by_name_or_administration_start(
    client, login, make_user, elena, salvatore
):
    make_user(Role.DELEGATE, name="Kasia Nowak", administration="demo-przykladowo")
    login(client, salvatore)

    def names(query):
        answer = client.get("/api/people/suggest", query_string={"q": query})
        assert answer.status_code == 200
        return [person["name"] for person in answer.get_json()["people"]]

    assert names("ele") == ["Elena Conti"]
    assert names("conti") == ["Elena Conti"]
    assert names("campi") == ["Elena Conti"]  # Campi Bisenzio
    assert names("%") == [] and names("_") == []
    assert "Salvatore" not in names("")  # never oneself


def test_people_lookup_survives_hostile_text(client, login, salvatore, naughty_strings):
    login(client, salvatore)
    for text in naughty_strings:
        answer = client.get("/api/people/suggest", query_string={"q": text})
        assert answer.status_code in {200, 400}, text


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.ATTENDEE, 403), (Role.DELEGATE, 200), (Role.MODERATOR, 200), (Role.ORGANIZER, 200)],
)
def test_people_lookup_is_for_those_who_write(client, login, make_user, role, status):
    login(client, make_user(role))
    assert client.get("/api/people/suggest?q=a").status_code == status
    assert client.get("/api/mentions").status_code == 200
    assert client.get("/mentions").status_code == 200


def test_anonymous_visitors_get_no_mentions_and_no_people(client, event):
    assert client.get("/api/people/suggest?q=a").status_code == 401
    assert client.get("/api/mentions").status_code == 401
    assert client.get("/mentions").status_code == 302


def test_hostile_names_never_become_markup(app_ctx, make_user, naughty_strings, salvatore):
    author = db.session.get(User, salvatore.id)
    for text in naughty_strings:
        name = text.replace("\x00", "").strip()[:100] or "x"
        html = clean_chat_text(f"@{name} and https://example.org/@{name}", [f"@{name}"])
        assert_only_safe_chat_markup(
            html.replace('<span class="mention">', "").replace("</span>", "")
        )
        assert html.count("<span") <= html.count("</span>")
    assert mentions.suggest_people(author, "<script>") == []


@pytest.mark.live
def test_a_person_told_signs_in_and_reads_the_mention(live_server_people, live_server):
    """A real client in another room gets ``mention`` from a real sender (python wsgi.py)."""
    elena, salvatore = live_server_people
    listener = live_server.socket(live_server.login(elena.email, PASSWORD))
    assert listener.call("join", {"room": "funding"}, timeout=10)["ok"]
    writer = live_server.socket(live_server.login(salvatore.email, PASSWORD))
    ack = writer.call(
        "send",
        {
            "room": "plenary",
            "body": "@Elena Conti have you got the tender documents?",
            "client_id": uuid.uuid4().hex,
            "mentions": [elena.id],
        },
        timeout=10,
    )
    assert ack["ok"], ack
    assert listener.wait_for(lambda: listener.events("mention"))
    [told] = listener.events("mention")
    assert told["room"] == "plenary" and told["message"]["id"] == ack["message"]["id"]
    assert not [m for m in listener.events("message") if m["room"] == "plenary"]
    listener.disconnect()
    writer.disconnect()


@pytest.fixture
def live_server_people(make_user):
    return (
        make_user(Role.DELEGATE, name="Elena Conti", email="elena@example.org"),
        make_user(Role.DELEGATE, name="Salvatore", email="salvatore@example.org"),
    )


def test_an_edit_keeps_the_highlight_of_the_mentions_it_still_holds_and_tells_nobody_new(
    connect, make_user, elena, salvatore
):
    listener = connect(elena)
    make_user(Role.DELEGATE, name="Kasia")
    writer = connect(salvatore)
    sent = send(writer, "@Elena Conti hi", [elena.id])["message"]
    listener.get_received()

    edited = writer.emit(
        "edit", {"message_id": sent["id"], "body": "@Elena Conti hello, and @Kasia"}, callback=True
    )
    assert edited["ok"], edited
    message = edited["message"]
    assert message["body_html"] == '<span class="mention">@Elena Conti</span> hello, and @Kasia'
    assert message["mentions"] == [elena.id]  # Kasia was not told: nobody new by an edit
    assert events_named(listener, "mention") == []
