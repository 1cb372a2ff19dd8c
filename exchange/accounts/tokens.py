"""Links mailed to people: setting a new password, and confirming an address.

Each link carries a random token used once; the database keeps only its
SHA-256. The answers to "send me a link" are the same, in words and in time,
whether or not the address has an account (the views wait for
EXCHANGE_ACCOUNT_ANSWER_SECONDS), and are limited per network address and per
address asked for.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _nl

from .. import realtime
from ..db import utcnow
from ..errors import Invalid
from ..errors import RateLimited
from ..extensions import db
from ..mail.services import queue_mail
from ..mail.services import site_url
from ..ratelimit import limiter
from .models import AccountToken
from .models import LoginSession
from .models import TokenPurpose
from .models import User
from .services import _hash_password
from .services import _token_hash
from .services import check_password_strength
from .services import normalize_email

logger = logging.getLogger(__name__)


@contextmanager
def steady_answer(seconds: float) -> Iterator[None]:
    """Take at least ``seconds``, however long the work inside takes (up to that)."""
    start = time.monotonic()
    try:
        yield
    finally:
        remaining = seconds - (time.monotonic() - start)
        if remaining > 0:
            time.sleep(remaining)  # cooperative under eventlet and gevent (patched)


def issue_token(user: User, purpose: TokenPurpose, *, email: str, lifetime: dt.timedelta) -> str:
    """Create a single-use link token for ``user`` in the caller's transaction; return it clear."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        AccountToken(
            purpose=purpose,
            token_hash=_token_hash(token),
            user=user,
            email=email,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def usable_token(token: str, purpose: TokenPurpose) -> AccountToken | None:
    """The stored token behind a link, if it is still unused and in time."""
    if not token or len(token) > 100:
        return None
    stored = db.session.scalars(
        sa.select(AccountToken).where(
            AccountToken.token_hash == _token_hash(token), AccountToken.purpose == purpose
        )
    ).first()
    if stored is None or stored.used_at is not None or stored.expires_at <= utcnow():
        return None
    if stored.user.deleted_at is not None or stored.user.is_banned:
        return None
    return stored


def _use_tokens(user: User, purpose: TokenPurpose, now: dt.datetime) -> None:
    """Spend every open token of ``user`` for ``purpose``: one link works, then none."""
    db.session.execute(
        sa.update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
    )


def _limited(name: str, who: str) -> None:
    wait = limiter().hit(name, who)
    if wait:
        raise RateLimited(
            _nl(
                "Too many requests. Please wait %(num)d minute and try again.",
                "Too many requests. Please wait %(num)d minutes and try again.",
                math.ceil(wait / 60),
            ),
            retry_after=math.ceil(wait),
        )


def request_password_reset(email: str, address: str) -> None:
    """Mail a link to set a new password, if ``email`` belongs to an account.

    Nothing tells the caller whether it does: the same limits apply to any
    address asked for, and the answer is the same.
    """
    email = normalize_email(email)
    _limited("reset_address", address)
    _limited("reset_account", email)
    user = db.session.scalars(
        sa.select(User).where(User.email == email, User.deleted_at.is_(None))
    ).first()
    if user is None or user.is_banned:
        logger.info("password reset asked for an address without a usable account")
        return
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    token = issue_token(
        user,
        TokenPurpose.RESET_PASSWORD,
        email=email,
        lifetime=dt.timedelta(minutes=minutes),
    )
    queue_mail(
        kind="password_reset",
        to=email,
        user=user,
        template="password_reset",
        subject=_l("Set a new password"),
        link=site_url("accounts.reset_password", token=token),
        minutes=minutes,
        ask_again=site_url("accounts.forgot_password"),
    )
    db.session.commit()
    logger.info("password reset mailed to user %r", user.id)


def reset_password(token: str, password: str) -> tuple[User, list[int]]:
    """Set a new password through a reset link; end every sign-in of the account.

    Return the person and the sign-in sessions that ended (their sockets are
    closed here, after the commit). Following the link also proves the address.
    """
    stored = usable_token(token, TokenPurpose.RESET_PASSWORD)
    if stored is None:
        raise Invalid(
            _l("This link has expired or has already been used. Ask for a new one."),
            field="password",
        )
    user = stored.user
    check_password_strength(password, email=user.email, name=user.name)
    now = utcnow()
    ended = list(
        db.session.scalars(
            sa.select(LoginSession.id).where(
                LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None)
            )
        )
    )
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.id.in_(ended))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    user.password_hash = _hash_password(password)
    if user.email == stored.email and user.email_verified_at is None:
        user.email_verified_at = now
    _use_tokens(user, TokenPurpose.RESET_PASSWORD, now)
    db.session.commit()
    realtime.end_user_sessions(user.id, reason="password_changed")
    logger.info("user %r set a new password; %d sign-ins ended", user.id, len(ended))
    return user, ended
