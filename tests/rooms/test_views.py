"""The room page, its no-JavaScript fallback, and the chat's JSON API."""

import uuid

import pytest

from exchange.accounts.models import Role
from exchange.extensions import socketio

from ..support.live import csrf_token


@pytest.fixture
def delegate(make_user):
    return make_user(Role.DELEGATE, name="Elena", administration="campi-bisenzio")


def send(connect, user, body, room="plenary", client_id=None):
    connection = connect(user)
    ack = connection.emit(
        "send",
        {"room": room, "body": body, "client_id": client_id or uuid.uuid4().hex},
        callback=True,
    )
    assert ack["ok"], ack
    return ack["message"]


def test_the_room_page_needs_an_account(client, event):
    response = client.get("/rooms/plenary")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/rooms/plenary")


def test_the_room_page_shows_history_online_people_and_a_composer(client, login, connect, delegate):
    send(connect, delegate, "Sharing our <solar> plan https://example.org")
    login(client, delegate)
    page = client.get("/rooms/plenary").get_data(as_text=True)
    assert "&lt;solar&gt;" in page and "<solar>" not in page
    assert 'href="https://example.org" rel="nofollow noopener"' in page
    assert 'id="composer"' in page
    assert 'role="log"' in page and '<ol id="messages"' in page
    assert "socket.io.min.js" in page and "js/room/main.js" in page


def test_attendees_see_the_room_without_a_composer(client, login, make_user):
    login(client, make_user(Role.ATTENDEE))
    page = client.get("/rooms/plenary").get_data(as_text=True)
    assert 'id="composer"' not in page
    assert "Only delegates write here; you can follow the conversation." in page
    assert "Start the conversation" not in page


def test_an_unknown_room_is_a_clear_404(client, login, delegate):
    login(client, delegate)
    response = client.get("/rooms/atlantis")
    assert response.status_code == 404
    assert "does not exist" in response.get_data(as_text=True)


def test_sending_without_javascript_works_and_a_resubmit_stores_once(
    client, login, delegate, connect
):
    login(client, delegate)
    page = client.get("/rooms/plenary").get_data(as_text=True)
    form = {"csrf_token": csrf_token(page), "client_id": "form-1", "body": "Sent from a plain form"}
    assert client.post("/rooms/plenary/messages", data=form).status_code == 302
    assert client.post("/rooms/plenary/messages", data=form).status_code == 302
    messages = client.get("/api/rooms/plenary/messages").get_json()["messages"]
    assert [m["body"] for m in messages] == ["Sent from a plain form"]


def test_a_refused_plain_form_says_why(client, login, delegate):
    login(client, delegate)
    page = client.get("/rooms/plenary").get_data(as_text=True)
    form = {"csrf_token": csrf_token(page), "client_id": "form-2", "body": "x" * 4001}
    page = client.post("/rooms/plenary/messages", data=form, follow_redirects=True).get_data(
        as_text=True
    )
    assert "Your message was not sent: Messages can be at most 4000 characters long." in page


def test_api_lists_rooms_with_online_counts(client, login, delegate, connect):
    connect(delegate).emit("join", {"room": "funding"}, callback=True)
    login(client, delegate)
    rooms = client.get("/api/rooms").get_json()["rooms"]
    assert len(rooms) == 11
    funding = next(r for r in rooms if r["slug"] == "funding")
    assert funding == {
        "slug": "funding",
        "name": "Funding",
        "description": funding["description"],
        "online_count": 1,
        "unread": 0,
        "mentions": 0,
    }


def test_api_messages_are_the_same_objects_as_on_the_socket(client, login, connect, delegate):
    sent = [send(connect, delegate, f"message {i}") for i in range(3)]
    login(client, delegate)
    data = client.get("/api/rooms/plenary/messages").get_json()
    assert data["messages"] == sent
    after = client.get(f"/api/rooms/plenary/messages?after={sent[0]['id']}").get_json()
    assert after["messages"] == sent[1:]
    before = client.get(f"/api/rooms/plenary/messages?before={sent[2]['id']}&limit=1").get_json()
    assert before["messages"] == sent[1:2] and before["has_more"] is True


@pytest.mark.parametrize(
    "query", ["after=abc", "after=-1", "limit=0", "limit=501", "after=1&before=5", "before=1e3"]
)
def test_api_rejects_bad_parameters_with_json(client, login, delegate, query):
    login(client, delegate)
    response = client.get(f"/api/rooms/plenary/messages?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid"


def test_api_answers_anonymous_callers_with_json_401(client, event):
    response = client.get("/api/rooms")
    assert response.status_code == 401
    assert response.get_json() == {
        "ok": False,
        "error": {"code": "unauthenticated", "message": "Please sign in first."},
    }


def test_broadcasts_reach_the_room_channel_only(app, connect, delegate, make_user):
    assert socketio.server is not None
    listener = connect(make_user(Role.ATTENDEE))
    listener.emit("join", {"room": "funding"}, callback=True)
    listener.get_received()
    send(connect, delegate, "in plenary")
    assert [p for p in listener.get_received() if p["name"] == "message"] == []


def test_an_anonymous_visitor_is_told_why_the_room_asks_them_to_sign_in(client, event):
    response = client.get("/rooms/plenary", follow_redirects=True)
    assert response.request.path == "/login"
    assert "sign in to follow them" in response.get_data(as_text=True)
