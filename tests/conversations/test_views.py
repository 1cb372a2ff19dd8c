"""Starting a conversation from a profile, and the Messages page (conversations/views.py)."""

from __future__ import annotations

import pytest

from exchange.accounts.models import Role

from ..support.live import csrf_token


@pytest.fixture
def signed_in(app, login):
    def client_of(user):
        client = app.test_client()
        login(client, user)
        return client

    return client_of


def test_a_profile_offers_to_message_its_person(signed_in, elena, salvatore):
    page = signed_in(elena).get(f"/people/{salvatore.id}").get_data(as_text=True)
    assert 'action="/conversations"' in page and "Message Salvatore" in page
    own = signed_in(elena).get(f"/people/{elena.id}").get_data(as_text=True)
    assert 'action="/conversations"' not in own


def test_attendees_are_told_why_there_is_no_message_button(signed_in, anna, salvatore):
    page = signed_in(anna).get(f"/people/{salvatore.id}").get_data(as_text=True)
    assert 'action="/conversations"' not in page
    assert "Salvatore takes messages from delegates, moderators and organizers only." in page


def test_attendees_are_offered_the_button_by_people_who_allow_it(
    signed_in, anna, salvatore, allow_attendees
):
    allow_attendees(salvatore)
    page = signed_in(anna).get(f"/people/{salvatore.id}").get_data(as_text=True)
    assert 'action="/conversations"' in page and "Message Salvatore" in page
    assert "takes messages from" not in page


def test_delegates_see_no_such_sentence(signed_in, elena, salvatore):
    page = signed_in(elena).get(f"/people/{salvatore.id}").get_data(as_text=True)
    assert "takes messages from" not in page


def test_the_form_opens_the_conversation_and_reuses_it(signed_in, elena, salvatore):
    client = signed_in(elena)
    token = csrf_token(client.get(f"/people/{salvatore.id}").get_data(as_text=True))
    first = client.post("/conversations", data={"csrf_token": token, "members": salvatore.id})
    again = client.post("/conversations", data={"csrf_token": token, "members": salvatore.id})
    assert first.status_code == again.status_code == 302
    assert first.location == again.location and first.location.startswith("/rooms/dm-")
    assert client.get(first.location).status_code == 200


def test_a_refused_start_says_why_on_the_page_it_came_from(signed_in, elena, make_user):
    hidden = make_user(Role.DELEGATE, name="Unlisted")
    client = signed_in(elena)
    token = csrf_token(client.get("/conversations").get_data(as_text=True))
    response = client.post(
        "/conversations",
        data={"csrf_token": token, "members": hidden.id},
        headers={"Referer": "/people"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "The conversation was not started" in response.get_data(as_text=True)


def test_json_starts_a_group_conversation(signed_in, elena, salvatore, outsider):
    client = signed_in(elena)
    token = csrf_token(client.get("/conversations").get_data(as_text=True))
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    created = client.post(
        "/conversations", json={"members": [salvatore.id, outsider.id]}, headers=headers
    )
    assert created.status_code == 201
    body = created.get_json()
    assert body["created"] is True and body["room"].startswith("dm-")
    bad = client.post("/conversations", json={"members": "everyone"}, headers=headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid"


def test_an_attendee_refused_is_told_why_in_json_and_on_the_page(signed_in, anna, salvatore):
    client = signed_in(anna)
    token = csrf_token(client.get("/conversations").get_data(as_text=True))
    refused = client.post(
        "/conversations",
        json={"members": [salvatore.id]},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert refused.status_code == 403
    assert refused.get_json()["error"]["message"] == (
        "Salvatore takes messages from delegates, moderators and organizers only."
    )
    page = client.post("/conversations", data={"csrf_token": token, "members": salvatore.id})
    assert page.status_code == 403
    assert "Salvatore takes messages from delegates, moderators and organizers only." in (
        page.get_data(as_text=True)
    )


def test_an_attendee_writes_in_their_conversation_without_javascript(
    signed_in, anna, salvatore, allow_attendees
):
    allow_attendees(salvatore)
    client = signed_in(anna)
    token = csrf_token(client.get(f"/people/{salvatore.id}").get_data(as_text=True))
    opened = client.post("/conversations", data={"csrf_token": token, "members": salvatore.id})
    assert opened.status_code == 302 and opened.location.startswith("/rooms/dm-")
    page = client.get(opened.location).get_data(as_text=True)
    assert 'id="composer"' in page
    assert 'id="composer-attach"' not in page  # attendees send no files
    sent = client.post(
        f"{opened.location}/messages",
        data={"csrf_token": token, "body": "Buongiorno", "client_id": "anna-form-1"},
        follow_redirects=True,
    )
    assert "Buongiorno" in sent.get_data(as_text=True)
    themed = client.get("/rooms/plenary").get_data(as_text=True)
    assert 'id="composer"' not in themed
    refused = client.post(
        "/rooms/plenary/messages",
        data={"csrf_token": token, "body": "Hello", "client_id": "anna-form-2"},
    )
    assert refused.status_code == 403


def test_a_conversation_s_message_can_be_reacted_to_without_javascript_by_its_members_only(
    signed_in, elena, salvatore, outsider
):
    client = signed_in(elena)
    token = csrf_token(client.get(f"/people/{salvatore.id}").get_data(as_text=True))
    room = client.post("/conversations", data={"csrf_token": token, "members": salvatore.id})
    client.post(
        f"{room.location}/messages",
        data={"csrf_token": token, "body": "Il bando", "client_id": "elena-form-1"},
    )
    [message] = client.get(f"/api{room.location}/messages").get_json()["messages"]
    address = f"{room.location}/messages/{message['id']}/reactions"

    page = signed_in(salvatore).get(address)
    assert page.status_code == 200 and "Il bando" in page.get_data(as_text=True)
    assert signed_in(outsider).get(address).status_code == 404
    assert (
        signed_in(outsider).get(f"/rooms/plenary/messages/{message['id']}/reactions").status_code
        == 404
    )


def test_the_card_says_whom_the_reader_may_write_to(
    signed_in, elena, salvatore, anna, make_user, allow_attendees
):
    hidden = make_user(Role.DELEGATE, name="Unlisted")
    as_elena, as_anna = signed_in(elena), signed_in(anna)
    assert as_elena.get(f"/people/{salvatore.id}/card").get_json() == {
        "id": salvatore.id,
        "may_message": True,
        "declines_messages": False,
    }
    assert as_elena.get(f"/people/{elena.id}/card").get_json()["may_message"] is False
    assert as_elena.get(f"/people/{anna.id}/card").get_json() == {
        "id": anna.id,
        "may_message": False,  # nobody starts a conversation with an attendee
        "declines_messages": False,
    }
    assert as_anna.get(f"/people/{salvatore.id}/card").get_json() == {
        "id": salvatore.id,
        "may_message": False,
        "declines_messages": True,
    }
    allow_attendees(salvatore)
    answer = as_anna.get(f"/people/{salvatore.id}/card").get_json()
    assert (answer["may_message"], answer["declines_messages"]) == (True, False)
    assert as_anna.get(f"/people/{hidden.id}/card").status_code == 404


def test_a_room_page_carries_the_card_s_message_form(signed_in, elena):
    page = signed_in(elena).get("/rooms/plenary").get_data(as_text=True)
    assert 'class="person-card-message"' in page
    assert 'data-card-url="/people/0/card"' in page


def test_the_messages_page_lists_conversations_with_unread_counts(
    app, signed_in, elena, salvatore, conversation
):
    from exchange.accounts.models import User
    from exchange.event.services import get_room
    from exchange.extensions import db
    from exchange.rooms import services as rooms

    with app.app_context():
        author = db.session.get(User, elena.id)
        rooms.post_message(get_room(conversation, author), author, "Ci vediamo alle 15?", "c-1")
    client = signed_in(salvatore)
    page = client.get("/conversations").get_data(as_text=True)
    assert "Ci vediamo alle 15?" in page and f'data-room="{conversation}"' in page
    assert "1 unread message" in page
    listed = client.get("/api/conversations").get_json()
    assert listed["unread_total"] == 1
    (entry,) = listed["conversations"]
    assert entry["room"] == conversation and entry["unread"] == 1
    assert [person["name"] for person in entry["members"]] == ["Elena"]
    assert entry["last_message"]["body"] == "Ci vediamo alle 15?"


def test_an_empty_messages_page_says_how_to_start(signed_in, elena):
    page = signed_in(elena).get("/conversations").get_data(as_text=True)
    assert "You have no conversations yet." in page


def test_anonymous_visitors_are_sent_to_sign_in(app):
    client = app.test_client()
    assert client.get("/conversations").status_code in {302, 401}
    assert client.get("/api/conversations").status_code == 401
