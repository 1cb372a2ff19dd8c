"""What realtime.py reads for the clients it tells, and how often."""

import json

import pytest

from exchange import realtime
from exchange import socket_json
from exchange.accounts import services as accounts
from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.lifecycle import ensure_node_started
from exchange.lifecycle import node_id
from exchange.rooms import presence
from exchange.rooms.schemas import presence_json
from exchange.socket_json import RawJSON


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


def names(presence_fields):
    online = presence_fields["online"]
    if isinstance(online, RawJSON):  # kept encoded for the joins of the interval
        online = json.loads(online.text)
    return [person["name"] for person in online]


def test_while_presence_is_coalesced_joins_reuse_the_last_reading_of_who_is_there(app_ctx, arrive):
    app_ctx.config.update(PRESENCE_INTERVAL=60, BACKGROUND_TASKS=True)
    arrive("Ada")
    plenary = get_room("plenary")
    first = realtime.join_presence(plenary)
    assert names(first) == ["Ada"] and first["online_count"] == 1

    arrive("Bea")
    # Read and encoded once for everyone joining meanwhile.
    assert realtime.join_presence(plenary)["online"] is first["online"]

    realtime.presence_changed([plenary.id])
    realtime.flush_presence()  # the broadcast reads afresh, and joins after it get that
    after_broadcast = realtime.join_presence(plenary)
    assert names(after_broadcast) == ["Ada", "Bea"] and after_broadcast["online_count"] == 2


def test_a_join_carries_the_list_of_people_as_the_protocol_shapes_it(app_ctx, arrive):
    app_ctx.config.update(PRESENCE_INTERVAL=60, BACKGROUND_TASKS=True)
    for name in ("Ada", "Bea", "Cleo"):
        arrive(name)
    plenary = get_room("plenary")
    read_now = presence_json(plenary, presence.online_in(plenary.id, limit=200))

    fields = realtime.join_presence(plenary)

    assert isinstance(fields["online"], RawJSON)
    assert json.loads(socket_json.dumps(fields)) == {
        "online": read_now["online"],
        "online_count": 3,
    }


def test_without_coalescing_every_join_reads_who_is_there(app_ctx, arrive):
    arrive("Ada")
    plenary = get_room("plenary")
    assert names(realtime.join_presence(plenary)) == ["Ada"]
    arrive("Bea")
    assert names(realtime.join_presence(plenary)) == ["Ada", "Bea"]
