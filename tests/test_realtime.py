"""What realtime.py reads for the clients it tells, and how often."""

import pytest

from exchange import realtime
from exchange.accounts import services as accounts
from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.lifecycle import ensure_node_started
from exchange.lifecycle import node_id
from exchange.rooms import presence


@pytest.fixture
def arrive(app_ctx, make_user):
    """Put a new delegate in the plenary, as a join does."""
    ensure_node_started()

    def enter(name):
        user = db.session.get(User, make_user(Role.DELEGATE, name=name).id)
        sid = f"sid-{name}"
        presence.open_connection(sid, user, accounts.start_login_session(user), node_id())
        presence.enter_room(sid, get_room("plenary"))

    return enter


def names(payload):
    return [person["name"] for person in payload["online"]]


def test_while_presence_is_coalesced_joins_reuse_the_last_reading_of_who_is_there(app_ctx, arrive):
    app_ctx.config.update(PRESENCE_INTERVAL=60, BACKGROUND_TASKS=True)
    arrive("Ada")
    plenary = get_room("plenary")
    first = realtime.room_presence(plenary)
    assert names(first) == ["Ada"] and first["online_count"] == 1

    arrive("Bea")
    assert realtime.room_presence(plenary) is first  # read once for everyone joining meanwhile

    realtime.presence_changed([plenary.id])
    realtime.flush_presence()  # the broadcast reads afresh, and joins after it get that
    assert names(realtime.room_presence(plenary)) == ["Ada", "Bea"]


def test_without_coalescing_every_join_reads_who_is_there(app_ctx, arrive):
    arrive("Ada")
    plenary = get_room("plenary")
    assert names(realtime.room_presence(plenary)) == ["Ada"]
    arrive("Bea")
    assert names(realtime.room_presence(plenary)) == ["Ada", "Bea"]
