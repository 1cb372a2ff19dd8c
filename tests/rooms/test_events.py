"""The chat protocol (docs/protocol.md) through Flask-SocketIO's test client."""

import pytest

from exchange.accounts import services as accounts
from exchange.accounts.models import LoginSession
from exchange.accounts.models import Role
from exchange.extensions import db


@pytest.fixture
def elena(make_user):
    return make_user(Role.DELEGATE, name="Elena", administration="campi-bisenzio")


@pytest.fixture
def salvatore(make_user):
    return make_user(Role.DELEGATE, name="Salvatore", administration="ferla")


def events_named(connection, name):
    """Payloads of the events ``name`` received since the last look."""
    packets = [packet for packet in connection.get_received() if packet["name"] == name]
    # The test client hands "message" events over unwrapped (a Socket.IO legacy).
    return [p["args"] if name == "message" else p["args"][0] for p in packets]


def test_anonymous_connections_are_refused(connect, event):
    connection = connect(None)
    assert not connection.is_connected()


def test_join_answers_with_room_history_and_who_is_online(connect, elena):
    connection = connect(elena)
    ack = connection.emit("join", {"room": "renewable-energy"}, callback=True)
    assert ack["ok"] is True
    assert ack["room"]["slug"] == "renewable-energy"
    assert ack["room"]["name"] == "Renewable energy"
    assert ack["messages"] == [] and ack["has_more"] is False
    assert [person["name"] for person in ack["online"]] == ["Elena"]
    assert ack["online_count"] == 1
    assert ack["online"][0]["administration"] == {
        "slug": "campi-bisenzio",
        "name": "Campi Bisenzio",
        "country": "IT",
    }


def test_a_message_is_acknowledged_and_delivered_to_the_room_only(
    connect, elena, salvatore, make_user
):
    sender = connect(elena)
    listener = connect(salvatore)
    elsewhere = connect(make_user(Role.ATTENDEE))
    sender.emit("join", {"room": "plenary"}, callback=True)
    listener.emit("join", {"room": "plenary"}, callback=True)
    elsewhere.emit("join", {"room": "funding"}, callback=True)
    listener.get_received()
    elsewhere.get_received()

    ack = sender.emit(
        "send",
        {"room": "plenary", "body": "Buongiorno <b>a tutti</b>", "client_id": "m-1"},
        callback=True,
    )
    assert ack["ok"] is True
    message = ack["message"]
    assert set(message) == {
        "id",
        "room",
        "body",
        "body_html",
        "client_id",
        "language",
        "created_at",
        "author",
        "practice",
        "reply_to",
        "attachments",
        "mentions",
        "mentions_room",
        "edited_at",
        "reactions",
    }
    assert message["practice"] is None
    assert message["body"] == "Buongiorno <b>a tutti</b>"
    assert message["body_html"] == "Buongiorno &lt;b&gt;a tutti&lt;/b&gt;"
    assert message["created_at"].endswith("Z")
    assert message["author"]["name"] == "Elena" and message["author"]["role"] == "delegate"

    assert events_named(listener, "message") == [message]
    assert events_named(elsewhere, "message") == []


def test_sending_the_same_client_id_twice_stores_once_and_acknowledges_the_same_message(
    connect, elena
):
    connection = connect(elena)
    payload = {"room": "plenary", "body": "Retry me", "client_id": "retry-42"}
    first = connection.emit("send", payload, callback=True)
    second = connection.emit("send", payload, callback=True)
    assert first["ok"] and second["ok"]
    assert first["message"] == second["message"]
    history = connection.emit("join", {"room": "plenary"}, callback=True)["messages"]
    assert [m["client_id"] for m in history] == ["retry-42"]


@pytest.mark.parametrize("role", [Role.DELEGATE, Role.MODERATOR, Role.ORGANIZER])
def test_delegates_and_staff_may_send(connect, make_user, role):
    ack = connect(make_user(role)).emit(
        "send", {"room": "plenary", "body": "hi", "client_id": "c"}, callback=True
    )
    assert ack["ok"] is True


def test_attendees_may_read_but_not_send(connect, make_user):
    connection = connect(make_user(Role.ATTENDEE))
    assert connection.emit("join", {"room": "plenary"}, callback=True)["ok"] is True
    ack = connection.emit(
        "send", {"room": "plenary", "body": "hi", "client_id": "c"}, callback=True
    )
    assert ack == {
        "ok": False,
        "error": {"code": "forbidden", "message": "You are not allowed to do this."},
    }


def _practice(app, author, *, published):
    """A practice of the author's administration, published or left as a draft."""
    from exchange.event.services import get_room
    from exchange.practices import services as practices

    with app.app_context():
        author = db.session.merge(author)
        practice = practices.create_practice(
            author,
            practices.PracticeContent(
                title="Solar roofs on schools",
                theme=get_room("renewable-energy"),
                summary="Six schools.",
                challenge="Bills.",
                actions="Panels.",
                results="Savings.",
                year_from=2021,
            ),
        )
        if published:
            practices.submit_practice(practice, author)
            reviewer = accounts.create_user(
                email="reviewer@example.org",
                name="Reviewer",
                password="correct horse battery staple",
                role=Role.MODERATOR,
            )
            practices.publish_practice(practice, reviewer)
        return practice.id


def test_a_message_may_link_a_published_practice(app, connect, elena, salvatore):
    practice_id = _practice(app, elena, published=True)
    listener = connect(salvatore)
    listener.emit("join", {"room": "renewable-energy"}, callback=True)
    listener.get_received()
    ack = connect(elena).emit(
        "send",
        {"room": "renewable-energy", "body": "Read this", "client_id": "p-1",
         "practice_id": practice_id},
        callback=True,
    )  # fmt: skip
    assert ack["ok"] is True
    assert ack["message"]["practice"] == {
        "id": practice_id,
        "title": "Solar roofs on schools",
        "url": f"/practices/{practice_id}-solar-roofs-on-schools",
    }
    assert events_named(listener, "message") == [ack["message"]]


def test_an_unpublished_practice_cannot_be_linked(app, connect, elena):
    practice_id = _practice(app, elena, published=False)
    ack = connect(elena).emit(
        "send",
        {"room": "plenary", "body": "Draft", "client_id": "p-2", "practice_id": practice_id},
        callback=True,
    )
    assert ack["ok"] is False
    assert ack["error"]["code"] == "not_found" and ack["error"]["field"] == "practice_id"


def test_join_after_an_id_returns_exactly_what_was_missed(connect, elena, salvatore):
    writer = connect(elena)
    ids = [
        writer.emit(
            "send", {"room": "plenary", "body": f"m{i}", "client_id": f"k{i}"}, callback=True
        )["message"]["id"]
        for i in range(5)
    ]
    reader = connect(salvatore)
    ack = reader.emit("join", {"room": "plenary", "after": ids[1]}, callback=True)
    assert [m["id"] for m in ack["messages"]] == ids[2:]


@pytest.mark.parametrize(
    ("event_name", "args", "code"),
    [
        ("join", [], "invalid"),
        ("join", ["plenary"], "invalid"),
        ("join", [{"room": 5}], "invalid"),
        ("join", [{"room": "plenary", "after": "10"}], "invalid"),
        ("join", [{"room": "plenary", "after": -1}], "invalid"),
        ("join", [{"room": "plenary", "after": True}], "invalid"),
        ("join", [{"room": "x" * 81}], "too_long"),
        ("join", [{"room": "atlantis"}], "not_found"),
        ("join", [{"room": "plenary"}, {"extra": 1}], "invalid"),
        ("send", [{"room": "plenary", "body": "hi"}], "invalid"),
        ("send", [{"room": "plenary", "body": ["hi"], "client_id": "c"}], "invalid"),
        ("send", [{"room": "plenary", "body": "", "client_id": "c"}], "invalid"),
        ("send", [{"room": "plenary", "body": "x" * 4001, "client_id": "c"}], "too_long"),
        ("send", [{"room": "plenary", "body": "hi", "client_id": "no spaces"}], "invalid"),
        ("send", [{"room": "atlantis", "body": "hi", "client_id": "c"}], "not_found"),
        ("send", [None], "invalid"),
        (
            "send",
            [{"room": "plenary", "body": "hi", "client_id": "c", "practice_id": "1"}],
            "invalid",
        ),
        (
            "send",
            [{"room": "plenary", "body": "hi", "client_id": "c", "practice_id": 0}],
            "invalid",
        ),
        (
            "send",
            [{"room": "plenary", "body": "hi", "client_id": "c", "practice_id": 99}],
            "not_found",
        ),
        ("leave", [{}], "invalid"),
    ],
)
def test_malformed_payloads_get_an_error_ack_and_store_nothing(
    connect, elena, event_name, args, code
):
    connection = connect(elena)
    ack = connection.emit(event_name, *args, callback=True)
    assert ack["ok"] is False
    assert ack["error"]["code"] == code
    assert ack["error"]["message"]
    assert connection.emit("join", {"room": "plenary"}, callback=True)["messages"] == []


def test_presence_follows_joins_leaves_and_disconnects(connect, elena, salvatore):
    watcher = connect(elena)
    watcher.emit("join", {"room": "funding"}, callback=True)
    watcher.get_received()
    other = connect(salvatore)
    other.emit("join", {"room": "funding"}, callback=True)
    presence = events_named(watcher, "presence")[-1]
    assert presence["room"] == "funding"
    assert presence["online_count"] == 2
    assert {p["name"] for p in presence["online"]} == {"Elena", "Salvatore"}

    assert other.emit("leave", {"room": "funding"}, callback=True) == {"ok": True}
    assert events_named(watcher, "presence")[-1]["online_count"] == 1

    other.emit("join", {"room": "funding"}, callback=True)
    other.disconnect()
    assert events_named(watcher, "presence")[-1]["online_count"] == 1


def test_two_tabs_of_one_person_count_once(connect, elena):
    first = connect(elena)
    second = connect(elena)
    first.emit("join", {"room": "plenary"}, callback=True)
    ack = second.emit("join", {"room": "plenary"}, callback=True)
    assert ack["online_count"] == 1


def test_a_revoked_session_is_refused_on_its_very_next_event(app, connect, elena):
    connection = connect(elena)
    assert connection.emit("join", {"room": "plenary"}, callback=True)["ok"]
    with app.app_context():
        login = db.session.query(LoginSession).filter_by(user_id=elena.id).one()
        login.revoked_at = login.created_at  # revoked behind the socket's back
        db.session.commit()
    ack = connection.emit(
        "send", {"room": "plenary", "body": "hi", "client_id": "c"}, callback=True
    )
    assert ack["error"]["code"] == "unauthenticated"


def test_signing_out_over_http_ends_the_open_sockets(app, connect, elena):
    connection = connect(elena)
    assert connection.is_connected()
    with app.app_context():
        login = db.session.query(LoginSession).filter_by(user_id=elena.id).one()
        accounts.end_login_session(login)
    assert not connection.is_connected()


def test_a_message_may_say_its_language(connect, elena):
    connection = connect(elena)
    ack = connection.emit(
        "send",
        {"room": "plenary", "body": "Buongiorno", "client_id": "l1", "language": "it"},
        callback=True,
    )
    assert ack["message"]["language"] == "it"
    bad = connection.emit(
        "send",
        {"room": "plenary", "body": "Hi", "client_id": "l2", "language": "italian"},
        callback=True,
    )
    assert bad["error"]["code"] == "invalid" and bad["error"]["field"] == "language"


def test_a_message_that_does_not_say_its_language_gets_the_one_of_its_words(connect, elena):
    connection = connect(elena)
    german = "Wir haben letztes Jahr Wärmepumpen im Rathaus eingebaut."

    def send(client_id, **fields):
        payload = {"room": "plenary", "body": german, "client_id": client_id, **fields}
        return connection.emit("send", payload, callback=True)["message"]

    detected = send("d1")
    assert detected["language"] == "de"
    assert send("d2", language=None)["language"] is None  # null: "not said", as before
    assert send("d3", language="it")["language"] == "it"
    short = connection.emit(
        "send", {"room": "plenary", "body": "ok", "client_id": "d4"}, callback=True
    )
    assert short["message"]["language"] is None
    edited = connection.emit(
        "edit", {"message_id": short["message"]["id"], "body": german}, callback=True
    )
    assert edited["message"]["language"] == "de"


def test_one_sign_in_session_holds_only_so_many_sockets(app, login, elena):
    from exchange.extensions import socketio

    app.config.update(MAX_SOCKETS_PER_SESSION=3, MAX_SOCKETS_PER_ACCOUNT=5)
    browser = app.test_client()
    login(browser, elena)
    sockets = [socketio.test_client(app, flask_test_client=browser) for _ in range(4)]
    assert [socket.is_connected() for socket in sockets] == [True, True, True, False]
    sockets[0].disconnect()  # closing one frees its place
    again = socketio.test_client(app, flask_test_client=browser)
    assert again.is_connected()
    # Another browser of the same account has its own places, up to the account's cap.
    other = app.test_client()
    login(other, elena)
    more = [socketio.test_client(app, flask_test_client=other) for _ in range(3)]
    assert [socket.is_connected() for socket in more] == [True, True, False]
    for socket in [*sockets, again, *more]:
        if socket.is_connected():
            socket.disconnect()


def test_the_connection_over_the_cap_is_told_why(app_ctx, elena):
    from exchange.errors import TooManyConnections
    from exchange.lifecycle import ensure_node_started
    from exchange.lifecycle import node_id
    from exchange.rooms import presence

    app_ctx.config.update(MAX_SOCKETS_PER_SESSION=2, MAX_SOCKETS_PER_ACCOUNT=2)
    ensure_node_started()
    user = db.session.get(accounts.User, elena.id)
    login = accounts.start_login_session(user)
    for number in range(2):
        presence.open_connection(f"sid-{number}", user, login, node_id())
    with pytest.raises(TooManyConnections) as refused:
        presence.open_connection("sid-2", user, accounts.start_login_session(user), node_id())
    assert refused.value.to_dict() == {
        "code": "too_many_connections",
        "message": "You have too many pages of the exchange open at once. "
        "Close some of them and reload this one.",
        "limit": 2,
        "scope": "account",
    }


@pytest.mark.parametrize(
    ("language", "ok"), [("el", True), ("ga", True), ("xx", False), ("zz", False)]
)
def test_a_message_s_language_is_an_iso_639_1_code(connect, elena, language, ok):
    ack = connect(elena).emit(
        "send",
        {"room": "plenary", "body": "hello", "client_id": f"c-{language}", "language": language},
        callback=True,
    )
    assert ack["ok"] is ok
    if not ok:
        assert ack["error"]["code"] == "invalid" and ack["error"]["field"] == "language"


def test_an_unknown_event_is_answered_not_found_once(connect, elena):
    connection = connect(elena)
    ack = connection.emit("dance", {"room": "plenary"}, callback=True)
    assert ack == {
        "ok": False,
        "error": {
            "code": "not_found",
            "message": "This does not exist, or is no longer available.",
            "event": "dance",
        },
    }
    assert connection.emit("dance", callback=True)["error"]["code"] == "not_found"


def test_an_unknown_event_on_the_library_namespace_is_answered_too(app):
    from exchange.extensions import socketio

    reader = socketio.test_client(app, namespace="/library")
    ack = reader.emit("subscribe", {}, callback=True, namespace="/library")
    assert ack["ok"] is False and ack["error"]["code"] == "not_found"
    reader.disconnect(namespace="/library")
