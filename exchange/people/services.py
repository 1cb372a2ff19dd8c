"""Rules of the people directory: who is listed, what a profile holds, who sees it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from .. import permissions
from ..accounts.models import Block
from ..accounts.models import Role
from ..accounts.models import User
from ..errors import Invalid
from ..errors import NotFound
from ..errors import TooLong
from ..event.models import Administration
from ..event.services import list_rooms
from ..extensions import db
from ..i18n import CONTENT_LANGUAGES
from ..payloads import check_storable

logger = logging.getLogger(__name__)

#: The longest bio, in characters: a few lines, not a CV.
BIO_MAX_LENGTH = 500


@dataclass(frozen=True)
class Filters:
    """What the directory is narrowed to; empty values do not narrow it."""

    text: str = ""
    country: str = ""
    role: str = ""
    language: str = ""
    topic: str = ""


@dataclass
class Directory:
    """One page of the directory, and how many people match in all."""

    people: list[User]
    total: int
    page: int
    pages: int
    filters: Filters = field(default_factory=Filters)


def directory(viewer: User, filters: Filters, page: int = 1) -> Directory:
    """The listed people matching ``filters``, by name, one page at a time."""
    permissions.check(viewer, permissions.Action.VIEW_PEOPLE)
    query = sa.select(User).where(User.listed.is_(True), User.deleted_at.is_(None))
    query = query.where(User.banned_at.is_(None))
    text = filters.text.strip()[:100]
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(User.name.ilike(pattern, escape="\\"))
    if filters.country:
        query = query.join(User.administration).where(
            Administration.country == filters.country.upper()[:2]
        )
    role = _role(filters.role)
    if role is not None:
        query = query.where(User.role == role)
    people = list(
        db.session.scalars(
            query.options(joinedload(User.administration)).order_by(
                sa.func.lower(User.name), User.id
            )
        )
    )
    # Languages and topics are JSON lists, which SQLite and PostgreSQL query differently;
    # the listed people of one event are a few thousand at most.
    if filters.language:
        people = [person for person in people if filters.language in person.languages]
    if filters.topic:
        people = [person for person in people if filters.topic in person.topics]
    per_page = current_app.config["PEOPLE_PER_PAGE"]
    pages = max(1, -(-len(people) // per_page))
    page = min(max(page, 1), pages)
    shown = people[(page - 1) * per_page : page * per_page]
    return Directory(shown, len(people), page, pages, filters)


def _role(text: str) -> Role | None:
    """The role a filter names, if it names one."""
    try:
        return Role(text)
    except ValueError:
        return None


def profile(viewer: User, person_id: int) -> User:
    """A person's profile, if ``viewer`` may see it; else :class:`NotFound` (never telling why)."""
    permissions.check(viewer, permissions.Action.VIEW_PEOPLE)
    person = db.session.get(User, person_id, options=[joinedload(User.administration)])
    if person is None or person.deleted_at is not None:
        raise NotFound()
    if not permissions.can(viewer, permissions.Action.VIEW_PEOPLE, person):
        raise NotFound()
    return person


def delegates_of(viewer: User, administration: Administration) -> tuple[list[User], int]:
    """The delegates of an administration who agreed to be listed, by name; and how many
    others it has (their names stay out of view)."""
    permissions.check(viewer, permissions.Action.VIEW_PEOPLE)
    delegates = list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.administration_id == administration.id,
                User.role.in_(Role.of_administrations()),
                User.deleted_at.is_(None),
            )
            .order_by(sa.func.lower(User.name), User.id)
        )
    )
    listed = [person for person in delegates if person.listed]
    return listed, len(delegates) - len(listed)


def update_profile(
    user: User,
    *,
    listed: bool,
    languages: list[str],
    topics: list[str],
    bio: str,
    attendees_may_message: bool | None = None,
) -> User:
    """Change ``user``'s own profile, whether they are listed and whether attendees may
    start a conversation with them (``None`` leaves that as it is)."""
    permissions.check(user, permissions.Action.MANAGE_OWN_ACCOUNT)
    unknown = set(languages) - set(CONTENT_LANGUAGES)
    if unknown:
        raise Invalid(_l("Choose languages from the list."), field="languages")
    themes = {room.slug for room in list_rooms()}
    if set(topics) - themes:
        raise Invalid(_l("Choose topics from the list."), field="topics")
    bio = bio.strip()
    if len(bio) > BIO_MAX_LENGTH:
        raise TooLong(
            _l("A bio can be at most %(max)d characters long.", max=BIO_MAX_LENGTH),
            field="bio",
            max_length=BIO_MAX_LENGTH,
        )
    check_storable(bio, "bio")
    user.listed = listed
    if attendees_may_message is not None:
        user.attendees_may_message = attendees_may_message
    user.languages = sorted(set(languages))
    user.topics = [slug for slug in dict.fromkeys(topics)]
    user.bio = bio
    db.session.commit()
    logger.info(
        "user %r updated their profile (listed: %s, attendees may message: %s)",
        user.id,
        listed,
        user.attendees_may_message,
    )
    return user


def block(blocker: User, person_id: int) -> User:
    """Refuse new conversations from a person whose profile ``blocker`` may see; return them.

    Blocking twice is blocking once. The blocked person is not told.
    """
    person = profile(blocker, person_id)
    permissions.check(blocker, permissions.Action.BLOCK_PEOPLE, person)
    if db.session.get(Block, (blocker.id, person.id)) is None:
        db.session.add(Block(blocker_id=blocker.id, blocked_id=person.id))
        db.session.commit()
        logger.info("%r blocked %r", blocker.id, person.id)
    return person


def unblock(blocker: User, person_id: int) -> None:
    """Take a block back; unblocking someone not blocked changes nothing."""
    permissions.check(blocker, permissions.Action.BLOCK_PEOPLE)
    found = db.session.get(Block, (blocker.id, person_id))
    if found is not None:
        db.session.delete(found)
        db.session.commit()
        logger.info("%r unblocked %r", blocker.id, person_id)


def blocked_by(user: User) -> list[User]:
    """The people ``user`` blocked, by name (their settings list them)."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Block, Block.blocked_id == User.id)
            .where(Block.blocker_id == user.id)
            .order_by(User.name, User.id)
        )
    )


def has_blocked(blocker_id: int, blocked_id: int) -> bool:
    """Whether one person blocked another."""
    return db.session.get(Block, (blocker_id, blocked_id)) is not None
