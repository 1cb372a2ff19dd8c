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
from werkzeug.security import check_password_hash

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
from .services import is_deliverable_email
from .services import normalize_email
from .services import PASSWORD_MAX_LENGTH

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


def queue_confirmation(user: User, email: str) -> None:
    """Mail ``email`` a link that confirms it as ``user``'s address, in the caller's transaction."""
    hours = current_app.config["EMAIL_CONFIRM_HOURS"]
    token = issue_token(
        user, TokenPurpose.VERIFY_EMAIL, email=email, lifetime=dt.timedelta(hours=hours)
    )
    queue_mail(
        kind="confirm_email",
        to=email,
        user=user,
        template="confirm_email",
        subject=_l("Confirm your email address"),
        link=site_url("accounts.confirm_email", token=token),
        hours=hours,
        changing=email != user.email,
    )


def queue_registration_exists(holder: User) -> None:
    """Tell the holder of an address that someone tried to register with it."""
    queue_mail(
        kind="registration_exists",
        to=holder.email,
        user=holder,
        template="registration_exists",
        subject=_l("Someone tried to register with your address"),
        sign_in=site_url("accounts.login"),
        reset=site_url("accounts.forgot_password"),
    )


def confirm_email(token: str) -> User:
    """Confirm the address a link was mailed to; a new address replaces the old one now."""
    stored = usable_token(token, TokenPurpose.VERIFY_EMAIL)
    if stored is None:
        raise Invalid(_l("This link has expired or has already been used. Ask for a new one."))
    user = stored.user
    now = utcnow()
    if stored.email != user.email:
        taken = db.session.scalars(sa.select(User.id).where(User.email == stored.email)).first()
        if taken is not None:
            raise Invalid(_l("This address now belongs to another account."))
        queue_mail(
            kind="email_changed",
            to=user.email,
            user=user,
            template="email_changed",
            subject=_l("Your email address was changed"),
            new_email=stored.email,
            reset=site_url("accounts.forgot_password"),
        )
        user.email = stored.email
    user.email_verified_at = now
    _use_tokens(user, TokenPurpose.VERIFY_EMAIL, now)
    db.session.commit()
    logger.info("user %r confirmed their address", user.id)
    return user


def resend_confirmation(user: User) -> None:
    """Mail the link to confirm ``user``'s address again."""
    _limited("confirm_account", str(user.id))
    if user.email_verified_at is not None:
        return
    queue_confirmation(user, user.email)
    db.session.commit()


def request_email_change(user: User, new_email: str, password: str) -> None:
    """Mail a link to ``new_email``; the address changes only when it is followed.

    An address that already has an account gets nothing, and the answer is the same.
    """
    if not check_password_hash(user.password_hash, password[:PASSWORD_MAX_LENGTH]):
        raise Invalid(_l("The password is not correct."), field="password")
    new_email = normalize_email(new_email)
    if not is_deliverable_email(new_email):
        raise Invalid(_l("Enter a valid email address."), field="email")
    if new_email == user.email:
        raise Invalid(_l("This is already your address."), field="email")
    _limited("confirm_account", str(user.id))
    if db.session.scalars(sa.select(User.id).where(User.email == new_email)).first() is None:
        queue_confirmation(user, new_email)
        db.session.commit()
