"""Recording connections and who is in which room: those that arrive together share one
transaction, each still checked and refused on its own."""

import pytest
import sqlalchemy as sa

from exchange.accounts import services as accounts
from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.errors import TooManyConnections
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.lifecycle import ensure_node_started
from exchange.lifecycle import node_id
from exchange.rooms import presence
from exchange.rooms.models import Connection
from exchange.rooms.models import RoomPresence
from exchange.rooms.presence import _PendingConnection
from exchange.rooms.presence import _PendingPresence
from exchange.rooms.presence import _record_connections
from exchange.rooms.presence import _record_presences
from exchange.rooms.presence import TurnWriter


@pytest.fixture
def sockets(app_ctx, make_user):
    """Three open connections of three delegates."""
    ensure_node_started()
    sids = []
    for number in range(3):
        user = db.session.get(User, make_user(Role.DELEGATE, name=f"D{number}").id)
        sid = f"sid-{number}"
        presence.open_connection(sid, user, accounts.start_login_session(user), node_id())
        sids.append(sid)
    return sids


def present(room_id):
    return set(
        db.session.scalars(sa.select(RoomPresence.sid).where(RoomPresence.room_id == room_id))
    )


def test_presences_arriving_together_are_recorded_in_one_transaction(app_ctx, sockets):
    plenary = get_room("plenary").id
    writer = TurnWriter(_record_presences)
    batch = [_PendingPresence(sid, plenary) for sid in sockets]
    writer._write(batch)
    assert writer.commits == 1 and all(p.done and p.error is None for p in batch)
    assert present(plenary) == set(sockets)


def test_a_connection_closed_meanwhile_fails_its_own_join_only(app_ctx, sockets):
    plenary = get_room("plenary").id
    presence.close_connection(sockets[1])
    writer = TurnWriter(_record_presences)
    batch = [_PendingPresence(sid, plenary) for sid in sockets]
    writer._write(batch)
    assert [p.error is None for p in batch] == [True, False, True]
    assert present(plenary) == {sockets[0], sockets[2]}


def test_entering_a_room_twice_is_harmless(app_ctx, sockets):
    plenary = get_room("plenary")
    presence.enter_room(sockets[0], plenary)
    presence.enter_room(sockets[0], plenary)
    assert present(plenary.id) == {sockets[0]}
    assert presence.online_in(plenary.id).count == 1


def test_connections_arriving_together_are_recorded_in_one_transaction_each_within_its_caps(
    app_ctx, make_user
):
    app_ctx.config.update(MAX_SOCKETS_PER_SESSION=2, MAX_SOCKETS_PER_ACCOUNT=3)
    ensure_node_started()
    user = db.session.get(User, make_user(Role.DELEGATE, name="Elena").id)
    browser, phone = accounts.start_login_session(user), accounts.start_login_session(user)
    other = db.session.get(User, make_user(Role.DELEGATE, name="Salvatore").id)
    elsewhere = accounts.start_login_session(other)
    db.session.commit()
    writer = TurnWriter(_record_connections)
    batch = [
        _PendingConnection("tab-1", user.id, browser.id, node_id()),
        _PendingConnection("tab-2", user.id, browser.id, node_id()),
        _PendingConnection("tab-3", user.id, browser.id, node_id()),  # the session's third
        _PendingConnection("his", other.id, elsewhere.id, node_id()),
        _PendingConnection("phone-1", user.id, phone.id, node_id()),  # the account's third
        _PendingConnection("phone-2", user.id, phone.id, node_id()),  # the account's fourth
    ]
    writer._write(batch)
    assert writer.commits == 1 and all(pending.done for pending in batch)
    refused = {p.sid: p.error for p in batch if p.error is not None}
    assert all(isinstance(error, TooManyConnections) for error in refused.values())
    told = {sid: (e.to_dict()["limit"], e.to_dict()["scope"]) for sid, e in refused.items()}
    assert told == {"tab-3": (2, "session"), "phone-2": (3, "account")}
    recorded = set(db.session.scalars(sa.select(Connection.sid)))
    assert recorded == {"tab-1", "tab-2", "his", "phone-1"}
    assert writer.written == 4
