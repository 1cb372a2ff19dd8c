"""Recording who is in which room: presences that arrive together share one transaction."""

import pytest
import sqlalchemy as sa

from exchange.accounts import services as accounts
from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.lifecycle import ensure_node_started
from exchange.lifecycle import node_id
from exchange.rooms import presence
from exchange.rooms.models import RoomPresence
from exchange.rooms.presence import _PendingPresence
from exchange.rooms.presence import PresenceWriter


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
    writer = PresenceWriter()
    batch = [_PendingPresence(sid, plenary) for sid in sockets]
    writer._write(batch)
    assert writer.commits == 1 and all(p.done and p.error is None for p in batch)
    assert present(plenary) == set(sockets)


def test_a_connection_closed_meanwhile_fails_its_own_join_only(app_ctx, sockets):
    plenary = get_room("plenary").id
    presence.close_connection(sockets[1])
    writer = PresenceWriter()
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
