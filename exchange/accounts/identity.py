"""Who is behind a sign-in token, checked on every request and socket event, cheaply.

Bans, sign-outs, mutes and role changes must act on the very next event of a
socket that is already open, on whichever process serves it
(docs/protocol.md), so the account is read from the database every time.
Reading it through the ORM (a query with joined loads building three objects)
was a quarter of the work of a chat message. So the token's row is read with
one Core statement, the sign-in session, account and administration columns
together, and compared with the row this process saw last for that token: if
nothing changed, the objects built from it then are copied into the session
without another query (``Session.merge(load=False)``). Any change to any of
those columns, made by any process, shows in the row, so there is nothing to
invalidate and nothing to miss while the message queue is away.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from typing import cast

import sqlalchemy as sa
from flask import current_app
from flask import Flask
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from ..db import read_core
from ..event.models import Administration
from ..extensions import db
from ..stamped_cache import StampedCache
from .models import LoginSession
from .models import User

#: Tokens this process remembers (least recently used go first); a few hundred bytes each.
CACHE_SIZE = 20_000


@dataclass(frozen=True)
class Identity:
    """Detached objects built from one row; never attached to a session themselves."""

    user: User
    login: LoginSession


#: The objects built from the row this process saw last for each token hash.
IdentityCache = StampedCache[str, Identity]


def init_app(app: Flask) -> None:
    app.extensions["exchange.identities"] = IdentityCache(CACHE_SIZE)


def identity_cache() -> IdentityCache:
    return cast(IdentityCache, current_app.extensions["exchange.identities"])


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _table(model: type[Any]) -> sa.Table:
    return cast(sa.Table, model.__table__)


@functools.cache
def _columns() -> tuple[
    Sequence[sa.Column[Any]], Sequence[sa.Column[Any]], Sequence[sa.Column[Any]]
]:
    return (
        list(_table(LoginSession).c),
        list(_table(User).c),
        list(_table(Administration).c),
    )


@functools.cache
def _statement() -> sa.Select[Any]:
    """Built once, so that SQLAlchemy finds its compiled form in its cache.

    One row: the live sign-in session of a token, its account and the account's administration."""
    logins, users, administrations = _table(LoginSession), _table(User), _table(Administration)
    login_columns, user_columns, administration_columns = _columns()
    return (
        sa.select(*login_columns, *user_columns, *administration_columns)
        .join(users, users.c.id == logins.c.user_id)
        .outerjoin(administrations, administrations.c.id == users.c.administration_id)
        .where(
            logins.c.token_hash == sa.bindparam("token_hash"),
            logins.c.revoked_at.is_(None),
            logins.c.created_at > sa.bindparam("since"),
        )
    )


def identity_row(token_hash: str, since: Any) -> tuple[Any, ...] | None:
    """Read the token's row, or None if the session is unknown, revoked or too old."""
    row = read_core(_statement(), {"token_hash": token_hash, "since": since}).first()
    return tuple(row) if row is not None else None


def _detached(model: type[Any], columns: Sequence[sa.Column[Any]], values: Sequence[Any]) -> Any:
    instance = model(**{column.key: value for column, value in zip(columns, values, strict=True)})
    make_transient_to_detached(instance)
    return instance


def build(row: tuple[Any, ...]) -> Identity:
    """Build detached sign-in session, account and administration objects from a row."""
    login_columns, user_columns, administration_columns = _columns()
    login_end = len(login_columns)
    user_end = login_end + len(user_columns)
    login = _detached(LoginSession, login_columns, row[:login_end])
    user = _detached(User, user_columns, row[login_end:user_end])
    administration = None
    if user.administration_id is not None:
        administration = _detached(Administration, administration_columns, row[user_end:])
    # As loaded, not as changed: merging the account brings its administration along.
    set_committed_value(user, "administration", administration)
    return Identity(user, login)


def attach(identity: Identity) -> tuple[User, LoginSession]:
    """Copies of the identity's objects in this context's session, without a query."""
    user = db.session.merge(identity.user, load=False)
    login = db.session.merge(identity.login, load=False)
    return user, login
