"""Who is connected, and to which rooms: kept in the database so every process sees it.

Each server process is a :class:`Node` with a heartbeat. Connections of a node
whose heartbeat stopped (a crash, kill -9) are ignored at once and purged on
the next heartbeat of any other node, so presence heals itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import cast
from typing import Generic
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..accounts.models import LoginSession
from ..accounts.models import User
from ..db import changed_rows
from ..db import is_postgresql
from ..db import read_core
from ..db import utcnow
from ..errors import TooManyConnections
from ..event.models import Room
from ..extensions import db
from ..extensions import socketio
from ..permissions import Action
from ..permissions import roles_allowed
from .models import Connection
from .models import Node
from .models import RoomPresence

logger = logging.getLogger(__name__)

PendingT = TypeVar("PendingT", bound="_Pending")


@dataclass
class Online:
    """People in a room: the first ``limit`` by name, and how many there are in all."""

    users: list[User]
    count: int


def _alive_cutoff() -> dt.datetime:
    return utcnow() - dt.timedelta(seconds=current_app.config["NODE_TIMEOUT_SECONDS"])


def register_node(node_id: str, *, sole_node: bool) -> list[int]:
    """Record a starting process; return the rooms whose presence changed.

    With ``sole_node`` (no message queue, so no other process can serve
    sockets), every other node is gone by definition and is purged at once.
    """
    session = db.session
    node = session.get(Node, node_id)
    if node is None:
        session.add(Node(id=node_id, heartbeat_at=utcnow()))
    else:
        node.heartbeat_at = utcnow()
    stale = sa.select(Node.id).where(Node.id != node_id)
    if not sole_node:
        stale = stale.where(Node.heartbeat_at < _alive_cutoff())
    changed = _purge_nodes(list(session.scalars(stale)))
    session.commit()
    return changed


def heartbeat(node_id: str) -> tuple[bool, list[int]]:
    """Tell the others this process is alive and purge dead nodes.

    Return whether our own node was still on record (False means another
    process purged it while we stalled) and the rooms whose presence changed.
    """
    session = db.session
    result = session.execute(
        sa.update(Node).where(Node.id == node_id).values(heartbeat_at=utcnow())
    )
    dead = list(session.scalars(sa.select(Node.id).where(Node.heartbeat_at < _alive_cutoff())))
    changed = _purge_nodes(dead)
    session.commit()
    return bool(changed_rows(result)), changed


def _purge_nodes(node_ids: list[str]) -> list[int]:
    if not node_ids:
        return []
    session = db.session
    rooms = list(
        session.scalars(
            sa.select(RoomPresence.room_id)
            .join(Connection)
            .where(Connection.node_id.in_(node_ids))
            .distinct()
        )
    )
    sids = sa.select(Connection.sid).where(Connection.node_id.in_(node_ids))
    session.execute(sa.delete(RoomPresence).where(RoomPresence.sid.in_(sids)))
    session.execute(sa.delete(Connection).where(Connection.node_id.in_(node_ids)))
    session.execute(sa.delete(Node).where(Node.id.in_(node_ids)))
    logger.info("purged %d dead node(s): %s", len(node_ids), ", ".join(node_ids))
    return rooms


def open_connection(sid: str, user: User, login: LoginSession | None, node_id: str) -> None:
    """Record a new socket connection of ``user`` served by ``node_id``.

    Refused with :class:`TooManyConnections` when the account, or its sign-in
    session, already holds as many live connections as the settings allow.
    When a plenary opens, hundreds connect within seconds: connections arriving
    together are recorded in one transaction (:class:`TurnWriter`), each checked
    against its caps in turn, and each handler goes on once it is committed.
    """
    writer = current_app.extensions.setdefault(
        "exchange.connection_writer", TurnWriter(_record_connections)
    )
    writer.submit(_PendingConnection(sid, user.id, login.id if login else None, node_id))


@dataclass(eq=False)
class _Pending:
    """What a handler waits to see committed; compared by identity."""

    done: bool = field(default=False, init=False)
    error: BaseException | None = field(default=None, init=False)


@dataclass(eq=False)
class _PendingConnection(_Pending):
    sid: str
    user_id: int
    login_id: int | None
    node_id: str


def _record_connections(batch: list[_PendingConnection]) -> None:
    """Record connections in one transaction, each within its caps, then commit."""
    # Accounts' rows are locked in one order, so that two processes' turns cannot deadlock.
    for pending in sorted(batch, key=lambda pending: pending.user_id):
        refusal = _over_a_cap(pending)
        if refusal is not None:
            pending.error, pending.done = refusal, True
            continue
        db.session.execute(
            sa.insert(Connection).values(
                sid=pending.sid,
                user_id=pending.user_id,
                login_session_id=pending.login_id,
                node_id=pending.node_id,
            )
        )
    db.session.commit()


def _over_a_cap(pending: _PendingConnection) -> TooManyConnections | None:
    """Why the connection is refused, if the account or its sign-in session is at its cap.

    Counted in the turn's transaction: connections recorded earlier in it count too.
    """
    config = current_app.config
    if is_postgresql(db.session):
        # Connections of one account take turns here, so that a burst on several
        # processes cannot pass the cap together. SQLite writers always take turns.
        db.session.execute(
            sa.select(User.id).where(User.id == pending.user_id).with_for_update()
        ).scalar_one_or_none()
    parameters = {
        "user_id": pending.user_id,
        "login_id": pending.login_id or 0,
        "alive": _alive_cutoff(),
    }
    of_account, of_session = read_core(_live_connections(), parameters).one()
    caps = [(of_account, config["MAX_SOCKETS_PER_ACCOUNT"], "account")]
    if pending.login_id is not None:
        caps.append((of_session, config["MAX_SOCKETS_PER_SESSION"], "session"))
    for live, cap, scope in caps:
        if live >= cap:
            logger.warning("connection of user %r refused: %d per %s", pending.user_id, cap, scope)
            return TooManyConnections(limit=cap, scope=scope)
    return None


@functools.cache
def _live_connections() -> sa.Select[int, int]:
    """The live connections (on a process still beating) of an account and of one of its
    sign-in sessions, counted in one statement. Built once."""
    return (
        sa.select(
            sa.func.count(),
            sa.func.count().filter(Connection.login_session_id == sa.bindparam("login_id")),
        )
        .select_from(Connection)
        .join(Node, Node.id == Connection.node_id)
        .where(
            Connection.user_id == sa.bindparam("user_id"),
            Node.heartbeat_at >= sa.bindparam("alive"),
        )
    )


def close_connection(sid: str) -> list[int]:
    """Forget a socket connection; return the rooms it was present in."""
    session = db.session
    rooms = list(
        session.scalars(
            sa.delete(RoomPresence).where(RoomPresence.sid == sid).returning(RoomPresence.room_id)
        )
    )
    session.execute(sa.delete(Connection).where(Connection.sid == sid))
    session.commit()
    return rooms


def enter_room(sid: str, room: Room) -> None:
    """Mark connection ``sid`` as present in ``room`` (again is harmless).

    When a plenary opens, hundreds of people join within seconds, and each
    join recorded its presence in a transaction of its own. Joins arriving
    together now take turns at one writer per process (:class:`TurnWriter`),
    and each join goes on only once the commit holding its presence is done.
    """
    writer = current_app.extensions.setdefault(
        "exchange.presence_writer", TurnWriter(_record_presences)
    )
    writer.submit(_PendingPresence(sid, room.id))


@dataclass(eq=False)  # compared by identity: a connection may join a room twice at once
class _PendingPresence(_Pending):
    sid: str
    room_id: int


def _record_presences(batch: list[_PendingPresence]) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(sa.Table, RoomPresence.__table__)
    rows = [{"sid": p.sid, "room_id": p.room_id, "joined_at": utcnow()} for p in batch]
    db.session.execute(insert(table).on_conflict_do_nothing(), rows)
    db.session.commit()


class TurnWriter(Generic[PendingT]):
    """One per application and kind of row: the turn to write them, and who waits for it.

    As messages do (rooms/writer.py): whoever takes the turn writes, with ``record``
    (which commits), everything that arrived meanwhile in one transaction. ``record``
    may refuse one of them by setting its ``error``; the others are still written.
    """

    def __init__(self, record: Callable[[list[PendingT]], None]) -> None:
        self._record = record
        # wsgi.py monkey-patches threading before anything is imported: green locks when served.
        self._turn = threading.Lock()
        self._queue_lock = threading.Lock()
        self._queue: list[PendingT] = []
        #: How many transactions wrote how many rows, for the curious and the tests.
        self.commits = 0
        self.written = 0

    def submit(self, pending: PendingT) -> None:
        """Wait until ``pending`` is committed, in this turn or the one that took it; raise
        what refused it."""
        # A connection of the pool first: whoever writes must never wait for one that the
        # handlers queued behind it hold (a deadlock until the pool's timeout).
        db.session.connection()
        with self._queue_lock:
            self._queue.append(pending)
        with self._turn:
            if not pending.done:
                socketio.sleep(0)  # let the handlers already here come along
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                if pending not in batch:  # taken by a turn that failed before marking it
                    batch.append(pending)
                self._write(batch)
        if pending.error is not None:
            raise pending.error

    def _write(self, batch: list[PendingT]) -> None:
        try:
            self._commit(batch)
        except IntegrityError:
            # One of them is gone meanwhile (a connection closed, its presences with it):
            # one at a time, so that only its handler fails.
            db.session.rollback()
            for pending in batch:
                pending.error = None  # as if it came alone: what refused it may be gone
                try:
                    self._commit([pending])
                except Exception as error:
                    db.session.rollback()
                    pending.error, pending.done = error, True
        except BaseException as error:
            db.session.rollback()
            for pending in batch:
                if not pending.done:
                    pending.error, pending.done = error, True
            if not isinstance(error, Exception):
                raise

    def _commit(self, batch: list[PendingT]) -> None:
        self._record(batch)
        self.commits += 1
        for pending in batch:
            if pending.error is None:
                self.written += 1
            pending.done = True


def leave_room(sid: str, room: Room) -> bool:
    """Mark connection ``sid`` as gone from ``room``; tell whether it was there."""
    result = db.session.execute(
        sa.delete(RoomPresence).where(RoomPresence.sid == sid, RoomPresence.room_id == room.id)
    )
    db.session.commit()
    return bool(changed_rows(result))


def _live_presences() -> sa.Select[int, int]:
    """Presences of connections on live nodes, as (room id, user id)."""
    return (
        sa.select(RoomPresence.room_id, Connection.user_id)
        .join(Connection, Connection.sid == RoomPresence.sid)
        .join(Node, Node.id == Connection.node_id)
        .where(Node.heartbeat_at >= _alive_cutoff())
    )


def online_in(room_id: int, limit: int | None = None) -> Online:
    """Return who is in a room now, each person once however many tabs they have."""
    user_ids = _live_presences().where(RoomPresence.room_id == room_id).subquery()
    return _online(sa.select(user_ids.c.user_id).distinct(), limit)


def online_counts() -> dict[int, int]:
    """Return how many different people are in each room now, by room id."""
    live = _live_presences().subquery()
    rows = db.session.execute(
        sa.select(live.c.room_id, sa.func.count(sa.distinct(live.c.user_id))).group_by(
            live.c.room_id
        )
    )
    return {room_id: count for room_id, count in rows}


def online_people(limit: int | None = None) -> Online:
    """Return everyone connected now, in any room or none."""
    live_users = (
        sa.select(Connection.user_id)
        .join(Node, Node.id == Connection.node_id)
        .where(Node.heartbeat_at >= _alive_cutoff())
        .distinct()
    )
    return _online(live_users, limit)


def _online(user_ids: sa.Select[int], limit: int | None) -> Online:
    """The people whose ids ``user_ids`` selects (each once), by name, and how many they are."""
    count = db.session.scalar(sa.select(sa.func.count()).select_from(user_ids.subquery())) or 0
    query = (
        sa.select(User)
        .where(User.id.in_(user_ids))
        .options(joinedload(User.administration))
        .order_by(User.name, User.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return Online(users=list(db.session.scalars(query)), count=count)


def staff_sids_in_room(room_id: int) -> list[str]:
    """Connections of moderators and organizers present in a room."""
    return list(
        db.session.scalars(
            sa.select(Connection.sid)
            .join(RoomPresence, RoomPresence.sid == Connection.sid)
            .join(User, User.id == Connection.user_id)
            .where(
                RoomPresence.room_id == room_id,
                User.role.in_(roles_allowed(Action.SEE_HIDDEN_CONTENT)),
            )
        )
    )


def sids_of_login_session(login_session_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Connection.sid).where(Connection.login_session_id == login_session_id)
        )
    )


def sids_of_user(user_id: int) -> list[str]:
    return list(db.session.scalars(sa.select(Connection.sid).where(Connection.user_id == user_id)))
