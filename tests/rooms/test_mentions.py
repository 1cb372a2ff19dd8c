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


def edit(connection, message_id, body, mentions=None):
    payload = {"message_id": message_id, "body": body}
    if mentions is not None:
        payload["mentions"] = mentions
    return connection.emit("edit", payload, callback=True)


def unread_mentions(client, login, user):
    """The person's unread mentions per room, as ``GET /api/rooms`` counts them."""
    login(client, user)
    rooms_answer = client.get("/api/rooms").get_json()["rooms"]
    return {room["slug"]: room["mentions"] for room in rooms_answer if room["mentions"]}


def listed_mentions(client, login, user):
    login(client, user)
    return [entry["message"]["id"] for entry in client.get("/api/mentions").get_json()["mentions"]]


def test_an_edit_that_names_someone_new_tells_them_lists_and_counts_the_mention(
    app, client, login, connect, make_user, elena, salvatore
):
    kasia = make_user(Role.DELEGATE, name="Kasia Nowak")
    listener = connect(kasia)
    listener.emit("join", {"room": "funding"}, callback=True)
    writer = connect(salvatore)
    sent = send(writer, "@Elena Conti hi", [elena.id])["message"]
    listener.get_received()

    edited = edit(writer, sent["id"], "@Elena Conti hi, and @Kasia Nowak too", [kasia.id])

    assert edited["ok"], edited
    message = edited["message"]
    assert message["mentions"] == [elena.id, kasia.id]
    assert message["body_html"] == (
        '<span class="mention">@Elena Conti</span> hi, and '
        '<span class="mention">@Kasia Nowak</span> too'
    )
    assert events_named(listener, "mention") == [{"room": "plenary", "message": message}]
    assert listed_mentions(client, login, kasia) == [sent["id"]]
    assert unread_mentions(client, login, kasia) == {"plenary": 1}


def test_an_edit_that_no_longer_names_someone_takes_their_mention_back(
    app, client, login, connect, make_user, elena, salvatore
):
    kasia = make_user(Role.DELEGATE, name="Kasia Nowak")
    listener = connect(elena)
    writer = connect(salvatore)
    sent = send(writer, "@Elena Conti and @Kasia Nowak, hi", [elena.id, kasia.id])["message"]
    assert unread_mentions(client, login, elena) == {"plenary": 1}
    listener.get_received()

    edited = edit(writer, sent["id"], "@Kasia Nowak, hi")

    assert edited["ok"], edited
    assert edited["message"]["mentions"] == [kasia.id]
    assert edited["message"]["body_html"] == '<span class="mention">@Kasia Nowak</span>, hi'
    assert events_named(listener, "mention_withdrawn") == [
        {"room": "plenary", "message_id": sent["id"]}
    ]
    assert unread_mentions(client, login, elena) == {}
    assert listed_mentions(client, login, elena) == []
    assert listed_mentions(client, login, kasia) == [sent["id"]]


def test_an_edit_that_keeps_a_name_tells_that_person_nothing_again(
    connect, make_user, elena, salvatore
):
    listener = connect(elena)
    writer = connect(salvatore)
    sent = send(writer, "@Elena Conti hi", [elena.id])["message"]
    listener.get_received()

    edited = edit(writer, sent["id"], "@Elena Conti hello", [elena.id])
    again = edit(writer, sent["id"], "@Elena Conti hello", [elena.id])  # a retried edit

    assert edited["message"]["mentions"] == again["message"]["mentions"] == [elena.id]
    received = [packet["name"] for packet in listener.get_received()]
    assert "mention" not in received and "mention_withdrawn" not in received


def test_an_edit_names_only_the_people_it_offers_or_the_message_named(
    connect, make_user, elena, salvatore
):
    listener = connect(elena)
    make_user(Role.DELEGATE, name="Kasia")
    writer = connect(salvatore)
    sent = send(writer, "@Elena Conti hi", [elena.id])["message"]
    listener.get_received()

    edited = edit(writer, sent["id"], "@Elena Conti hello, and @Kasia")

    assert edited["ok"], edited
    message = edited["message"]
    assert message["body_html"] == '<span class="mention">@Elena Conti</span> hello, and @Kasia'
    assert message["mentions"] == [elena.id]  # Kasia was not offered: a mention is never guessed
    assert events_named(listener, "mention") == []


@pytest.mark.parametrize(
    ("mentions_value", "field"), [([999_999], "mentions"), ("7", "mentions"), ([True], "mentions")]
)
def test_an_edits_malformed_mentions_are_invalid_and_change_nothing(
    connect, elena, salvatore, mentions_value, field
):
    writer = connect(salvatore)
    sent = send(writer, "hi", [])["message"]
    ack = edit(writer, sent["id"], "hi @Elena Conti", mentions_value)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid"
    assert ack["error"]["field"] == field
    assert writer.emit("join", {"room": "plenary"}, callback=True)["messages"][-1]["body"] == "hi"


@pytest.mark.parametrize(
    ("role", "tells"),
    [(Role.DELEGATE, False), (Role.MODERATOR, True), (Role.ORGANIZER, True)],
)
def test_at_room_written_in_an_edit_tells_the_followers_and_erased_takes_it_back(
    app, client, login, connect, make_user, elena, role, tells
):
    follower = connect(elena)
    first = send(connect(make_user(Role.DELEGATE)), "hi")["message"]
    follower.emit("read", {"room": "plenary", "message_id": first["id"]}, callback=True)
    writer = connect(make_user(role))
    sent = send(writer, "the plenary starts soon")["message"]
    follower.get_received()

    added = edit(writer, sent["id"], "@room the plenary starts in 5 minutes")["message"]

    assert added["mentions_room"] is tells and added["mentions"] == []
    assert ('<span class="mention">@room</span>' in added["body_html"]) is tells
    assert len(events_named(follower, "mention")) == (1 if tells else 0)
    assert unread_mentions(client, login, elena) == ({"plenary": 1} if tells else {})

    erased = edit(writer, sent["id"], "the plenary starts in 5 minutes")["message"]

    assert erased["mentions_room"] is False
    assert len(events_named(follower, "mention_withdrawn")) == (1 if tells else 0)
    assert unread_mentions(client, login, elena) == {}


def test_at_room_kept_in_an_edit_tells_nobody_twice(connect, make_user, elena):
    follower = connect(elena)
    first = send(connect(make_user(Role.DELEGATE)), "hi")["message"]
    follower.emit("read", {"room": "plenary", "message_id": first["id"]}, callback=True)
    writer = connect(make_user(Role.MODERATOR))
    sent = send(writer, "@room the plenary starts soon")["message"]
    follower.get_received()

    edited = edit(writer, sent["id"], "@room the plenary starts in 5 minutes")["message"]

    assert edited["mentions_room"] is True
    received = [packet["name"] for packet in follower.get_received()]
    assert "mention" not in received and "mention_withdrawn" not in received


def test_a_follower_named_in_an_edit_keeps_one_mention(
    app, client, login, connect, make_user, elena
):
    follower = connect(elena)
    first = send(connect(make_user(Role.DELEGATE)), "hi")["message"]
    follower.emit("read", {"room": "plenary", "message_id": first["id"]}, callback=True)
    writer = connect(make_user(Role.MODERATOR))
    sent = send(writer, "@room the plenary starts soon")["message"]
    follower.get_received()

    edited = edit(writer, sent["id"], "@room and @Elena Conti: soon", [elena.id])["message"]

    assert edited["mentions"] == [elena.id] and edited["mentions_room"] is True
    received = [packet["name"] for packet in follower.get_received()]
    assert "mention" not in received  # told once already, by @room
    assert listed_mentions(client, login, elena) == [sent["id"]]

    edited = edit(writer, sent["id"], "the plenary starts soon")["message"]
    assert edited["mentions"] == [] and listed_mentions(client, login, elena) == []


@pytest.mark.live
def test_an_edit_tells_the_newly_named_and_takes_back_the_erased_over_the_wire(
    make_user, live_server
):
    """Real clients of ``python wsgi.py``: the newly named get ``mention``, the erased
    ``mention_withdrawn``, each in a room other than the message's."""
    elena, salvatore = (
        make_user(Role.DELEGATE, name="Elena Conti", email="elena@example.org"),
        make_user(Role.DELEGATE, name="Salvatore", email="salvatore@example.org"),
    )
    kasia = make_user(Role.DELEGATE, name="Kasia Nowak", email="kasia@example.org")
    listeners = {}
    for person in (elena, kasia):
        listener = live_server.socket(live_server.login(person.email, PASSWORD))
        assert listener.call("join", {"room": "funding"}, timeout=10)["ok"]
        listeners[person.id] = listener
    writer = live_server.socket(live_server.login(salvatore.email, PASSWORD))
    sent = writer.call(
        "send",
        {
            "room": "plenary",
            "body": "@Elena Conti the tender documents?",
            "client_id": uuid.uuid4().hex,
            "mentions": [elena.id],
        },
        timeout=10,
    )
    assert sent["ok"], sent
    elena_socket, kasia_socket = listeners[elena.id], listeners[kasia.id]
    assert elena_socket.wait_for(lambda: elena_socket.events("mention"))

    edited = writer.call(
        "edit",
        {
            "message_id": sent["message"]["id"],
            "body": "@Kasia Nowak the tender documents?",
            "mentions": [kasia.id],
        },
        timeout=10,
    )

    assert edited["ok"], edited
    assert edited["message"]["mentions"] == [kasia.id]
    assert kasia_socket.wait_for(lambda: kasia_socket.events("mention"))
    [told] = kasia_socket.events("mention")
    assert told["room"] == "plenary" and told["message"]["id"] == sent["message"]["id"]
    assert "@Kasia Nowak" in told["message"]["body_html"]
    assert elena_socket.wait_for(lambda: elena_socket.events("mention_withdrawn"))
    assert elena_socket.events("mention_withdrawn") == [
        {"room": "plenary", "message_id": sent["message"]["id"]}
    ]
    assert not kasia_socket.events("mention_withdrawn")
    assert len(elena_socket.events("mention")) == 1
    for client in (elena_socket, kasia_socket, writer):
        client.disconnect()
