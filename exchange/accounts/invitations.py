"""Invitations by email: an organizer pastes addresses, each gets a personal link."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from .. import permissions
from ..db import utcnow
from ..errors import Invalid
from ..event.models import Administration
from ..extensions import db
from ..mail.services import queue_mail
from ..mail.services import site_url
from ..payloads import check_storable
from . import identity
from .models import EmailInvitation
from .models import User
from .services import is_deliverable_email
from .services import normalize_email

logger = logging.getLogger(__name__)

#: The most addresses one paste may invite: an administration's delegates, with room to spare.
MAX_ADDRESSES = 200


@dataclass
class Invited:
    """What became of the addresses an organizer pasted."""

    invited: list[str] = field(default_factory=list)
    #: Lines that are no address; addresses that already have an account.
    not_addresses: list[str] = field(default_factory=list)
    registered: list[str] = field(default_factory=list)


def invite_by_email(actor: User, administration: Administration, addresses: str) -> Invited:
    """Mail each address (one per line) a personal link that registers it as a delegate.

    Inviting an address again mails a fresh link and ends the old one. Addresses that
    already have an account are not mailed: their holders enter a code on their account
    page instead. Mails go through the outbox, in this one commit.
    """
    permissions.check(actor, permissions.Action.MANAGE_INVITATIONS)
    check_storable(addresses, "addresses")
    lines = [line.strip() for line in addresses.splitlines() if line.strip()]
    if not lines:
        raise Invalid(_l("Paste at least one address."), field="addresses")
    if len(lines) > MAX_ADDRESSES:
        raise Invalid(
            _l("Paste at most %(max)d addresses at a time.", max=MAX_ADDRESSES),
            field="addresses",
        )
    result = Invited()
    lifetime = dt.timedelta(days=current_app.config["EMAIL_INVITATION_DAYS"])
    for line in dict.fromkeys(lines):
        email = normalize_email(line)
        if not is_deliverable_email(email):
            result.not_addresses.append(line[:254])
            continue
        if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
            result.registered.append(email)
            continue
        if email in result.invited:
            continue
        _invite(actor, administration, email, lifetime)
        result.invited.append(email)
    db.session.commit()
    logger.info(
        "%d invited by mail to %s by %r", len(result.invited), administration.slug, actor.id
    )
    return result


def _invite(
    actor: User, administration: Administration, email: str, lifetime: dt.timedelta
) -> None:
    token = secrets.token_urlsafe(32)
    invitation = db.session.scalars(
        sa.select(EmailInvitation).where(
            EmailInvitation.email == email,
            EmailInvitation.administration_id == administration.id,
        )
    ).first()
    if invitation is None:
        invitation = EmailInvitation(email=email, administration_id=administration.id)
        db.session.add(invitation)
    invitation.invited_by_id = actor.id
    invitation.token_hash = identity.token_hash(token)
    invitation.created_at = utcnow()
    invitation.expires_at = utcnow() + lifetime
    invitation.accepted_at = None
    invitation.user_id = None
    queue_mail(
        kind="invitation",
        to=email,
        template="invitation",
        subject=_l(
            "You are invited to the exchange as a delegate of %(administration)s",
            administration=administration.name,
        ),
        link=site_url("accounts.register", invite=token),
        administration=administration.name,
        organizer=actor.display_name,
        days=lifetime.days,
    )


def email_invitations(actor: User) -> list[EmailInvitation]:
    """Every address invited by mail, newest first, with who joined."""
    permissions.check(actor, permissions.Action.MANAGE_INVITATIONS)
    return list(
        db.session.scalars(
            sa.select(EmailInvitation)
            .options(joinedload(EmailInvitation.administration), joinedload(EmailInvitation.user))
            .order_by(EmailInvitation.created_at.desc(), EmailInvitation.id.desc())
        )
    )


def invitation_for_link(token: str) -> EmailInvitation | None:
    """The open invitation a link carries (to fill the registration form in), if any."""
    invitation = db.session.scalars(
        sa.select(EmailInvitation)
        .options(joinedload(EmailInvitation.administration))
        .where(EmailInvitation.token_hash == identity.token_hash(token))
    ).first()
    if invitation is None or invitation.accepted_at is not None:
        return None
    return invitation if invitation.expires_at > utcnow() else None
