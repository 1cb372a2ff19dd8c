"""Blocking: a blocked person starts no conversation with the blocker and writes no more
in their one-to-one conversation; they are not told (exchange/people/services.py)."""

from __future__ import annotations

import pytest

from exchange.accounts.models import User
from exchange.conversations import services as conversations
from exchange.errors import Forbidden
from exchange.errors import NotFound
from exchange.extensions import db
from exchange.people import services as people
from exchange.rooms import services as rooms

from ..support.live import csrf_token
from .conftest import events_named


def get(user):
    return db.session.get(User, user.id)


def test_a_blocked_person_cannot_start_a_conversation_with_the_blocker(app_ctx, elena, salvatore):
    people.block(get(elena), salvatore.id)
    with pytest.raises(Forbidden) as refused:
        conversations.start_conversation(get(salvatore), [elena.id])
    assert str(refused.value.message) == "You cannot start a conversation with Elena."
    room, created = conversations.start_conversation(get(elena), [salvatore.id])
    assert created, "the blocker still may"
    assert room.has_member(salvatore.id)


def test_a_blocked_person_writes_no_more_in_the_one_to_one_conversation(
    app_ctx, elena, salvatore, conversation
):
    room = rooms.get_room(conversation, get(salvatore))
    rooms.post_message(room, get(salvatore), "Prima", "b-1")
    people.block(get(elena), salvatore.id)
    with pytest.raises(Forbidden):
        rooms.post_message(room, get(salvatore), "Dopo", "b-2")
    assert rooms.post_message(room, get(elena), "Io sì", "b-3").body == "Io sì"
    people.unblock(get(elena), salvatore.id)
    assert rooms.post_message(room, get(salvatore), "Di nuovo", "b-4").body == "Di nuovo"


def test_a_group_goes_on_whoever_blocked_whom(app_ctx, elena, salvatore, outsider):
    group, _ = conversations.start_conversation(get(elena), [salvatore.id, outsider.id])
    people.block(get(elena), salvatore.id)
    assert rooms.post_message(group, get(salvatore), "Ciao a tutti", "g-1").id


def test_blocking_is_idempotent_and_listed_for_the_blocker_only(
    app_ctx, elena, salvatore, outsider
):
    people.block(get(elena), salvatore.id)
    people.block(get(elena), salvatore.id)
    people.block(get(elena), outsider.id)
    assert [p.name for p in people.blocked_by(get(elena))] == ["Outsider", "Salvatore"]
    assert people.blocked_by(get(salvatore)) == []
    people.unblock(get(elena), outsider.id)
    people.unblock(get(elena), outsider.id)
    assert [p.name for p in people.blocked_by(get(elena))] == ["Salvatore"]


def test_nobody_blocks_themselves_or_someone_they_cannot_see(app_ctx, elena, make_user):
    from exchange.accounts.models import Role

    hidden = make_user(Role.DELEGATE, name="Unlisted")
    with pytest.raises(Forbidden):
        people.block(get(elena), elena.id)
    for person_id in (hidden.id, 999_999):
        with pytest.raises(NotFound):
            people.block(get(elena), person_id)


def test_a_blocked_sender_is_refused_over_the_socket_and_nobody_is_told(
    app, connect, elena, salvatore, conversation
):
    with app.app_context():
        people.block(get(elena), salvatore.id)
    blocker, blocked = connect(elena), connect(salvatore)
    blocker.get_received()
    ack = blocked.emit(
        "send", {"room": conversation, "body": "Ci sei?", "client_id": "x-1"}, callback=True
    )
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden", ack
    assert ack["error"]["message"] == "You cannot write in this conversation any more."
    assert events_named(blocker, "conversation_activity") == []
    assert [name for name in (p["name"] for p in blocked.get_received())] == []


@pytest.fixture
def signed_in(app, login):
    def client_of(user):
        client = app.test_client()
        login(client, user)
        return client

    return client_of


def test_the_profile_offers_block_then_unblock_and_the_account_lists_them(
    signed_in, elena, salvatore
):
    client = signed_in(elena)
    page = client.get(f"/people/{salvatore.id}").get_data(as_text=True)
    assert "Block Salvatore" in page
    token = csrf_token(page)
    blocked = client.post(f"/people/{salvatore.id}/block", data={"csrf_token": token})
    assert blocked.status_code == 302
    page = client.get(f"/people/{salvatore.id}").get_data(as_text=True)
    assert "Unblock Salvatore" in page and "You blocked Salvatore." in page
    account = client.get("/account").get_data(as_text=True)
    assert "Salvatore" in account and f"/people/{salvatore.id}/unblock" in account
    back = client.post(
        f"/people/{salvatore.id}/unblock", data={"csrf_token": token, "next": "/account"}
    )
    assert back.location == "/account"
    assert "You have blocked nobody." in client.get("/account").get_data(as_text=True)
    # The blocked person's view of the blocker's profile never changed.
    their_view = signed_in(salvatore).get(f"/people/{elena.id}").get_data(as_text=True)
    assert "Message Elena" in their_view and "blocked you" not in their_view
