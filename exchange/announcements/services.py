"""Rules of announcements: who posts them, where they go, and whose banners still show."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from .. import permissions
from .. import realtime
from ..accounts.models import User
from ..db import utcnow
from ..errors import Invalid
from ..errors import NotFound
from ..event.models import Room
from ..extensions import db
from ..rooms import services as rooms
from ..sanitize import clean_chat_text
from .models import Announcement
from .models import AnnouncementDismissal

logger = logging.getLogger(__name__)

#: How many announcements the organizers' page lists.
RECENT_LIMIT = 20


def publish(
    author: User, body: str, rooms_to_post: list[Room], banner_until: dt.datetime | None
) -> Announcement:
    """Announce ``body`` in ``rooms_to_post`` and, until ``banner_until``, on every page.

    The room messages go through the chat's own service (stored, delivered live on
    every process, kept in the history); the announcement row, committed after
    them, is what banners show. Nothing is posted unless everything is valid.
    """
    permissions.check(author, permissions.Action.ANNOUNCE)
    rooms.validate_body(body)
    if banner_until is not None and banner_until <= utcnow():
        raise Invalid(_l("Choose a time in the future for the banner."), field="banner_until")
    if not rooms_to_post and banner_until is None:
        raise Invalid(_l("Choose at least one room, or show it as a banner."), field="rooms")
    if rooms_to_post:
        rooms.announce(author, rooms_to_post, body)
    announcement = Announcement(
        author_id=author.id,
        body=body,
        body_html=clean_chat_text(body),
        rooms=[room.slug for room in rooms_to_post],
        banner_until=banner_until,
    )
    db.session.add(announcement)
    db.session.commit()
    logger.info("announcement %r by %r in %d rooms", announcement.id, author.id, len(rooms_to_post))
    if banner_until is not None:
        realtime.banner_shown(announcement)
    return announcement


def end_banner(actor: User, announcement_id: int) -> Announcement:
    """Take a banner down from every page now (a mistake, or it no longer applies)."""
    permissions.check(actor, permissions.Action.ANNOUNCE)
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None:
        raise NotFound()
    now = utcnow()
    if announcement.banner_until is not None and announcement.banner_until > now:
        announcement.banner_until = now
        db.session.commit()
        realtime.banner_ended(announcement.id)
    return announcement


def recent(actor: User) -> list[Announcement]:
    """The latest announcements, newest first, for the page that makes them."""
    permissions.check(actor, permissions.Action.ANNOUNCE)
    return list(
        db.session.scalars(
            sa.select(Announcement)
            .options(joinedload(Announcement.author))
            .order_by(Announcement.id.desc())
            .limit(RECENT_LIMIT)
        )
    )


def banners(reader: permissions.Visitor, dismissed: Collection[int] = ()) -> list[Announcement]:
    """The banners showing now, oldest first, less those the reader dismissed.

    A signed-in reader's dismissals are stored; a visitor's come from their
    browser (``dismissed``, a cookie).
    """
    query = sa.select(Announcement).where(Announcement.banner_until > utcnow())
    if isinstance(reader, User) and reader.is_authenticated:
        query = query.where(
            ~sa.exists().where(
                AnnouncementDismissal.announcement_id == Announcement.id,
                AnnouncementDismissal.user_id == reader.id,
            )
        )
    if dismissed:
        query = query.where(Announcement.id.not_in(list(dismissed)))
    return list(db.session.scalars(query.order_by(Announcement.id)))


def dismiss(user: User, announcement_id: int) -> None:
    """Close a banner for ``user`` on every page, device and later visit."""
    if db.session.get(Announcement, announcement_id) is None:
        raise NotFound()
    if db.session.get(AnnouncementDismissal, (announcement_id, user.id)) is None:
        db.session.add(AnnouncementDismissal(announcement_id=announcement_id, user_id=user.id))
        try:
            db.session.commit()
        except sa.exc.IntegrityError:  # another tab of the same person was quicker
            db.session.rollback()
    realtime.banner_dismissed(user.id, announcement_id)


def check_exists(announcement_id: int) -> None:
    """Raise :class:`NotFound` unless the announcement exists (a visitor's dismissal)."""
    if db.session.get(Announcement, announcement_id) is None:
        raise NotFound()
