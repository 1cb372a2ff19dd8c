"""The rules of moderation.

Every act is one transaction that also writes its audit entry; the people
concerned are told after the commit. Content is hidden, never deleted.
Moderators cannot act against organizers or other moderators, and nobody
against themselves.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from .. import permissions
from .. import realtime
from ..accounts.models import Role
from ..accounts.models import User
from ..accounts.services import revoke_login_sessions
from ..db import changed_rows
from ..db import utcnow
from ..errors import Forbidden
from ..errors import Invalid
from ..errors import Muted
from ..errors import NotFound
from ..errors import RateLimited
from ..event.models import Room
from ..extensions import db
from ..files.models import StoredFile
from ..permissions import Action
from ..permissions import check_can_act_on
from ..permissions import check_can_grant
from ..practices.models import Practice
from ..rooms.models import Message
from ..sanitize import csv_text
from ..serialize import iso_utc
from .models import AuditAction
from .models import AuditEntry
from .models import ModerationChange
from .models import Notice
from .models import Report
from .models import ReportState

logger = logging.getLogger(__name__)

REASON_MAX_LENGTH = 500
MAX_MUTE_MINUTES = 60 * 24 * 30
MAX_SLOW_MODE_SECONDS = 3600


# --- helpers -------------------------------------------------------------------


def _reason(reason: str | None, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise Invalid(_l("Give a reason: the person concerned will read it."), field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise Invalid(
            _l("The reason can be at most %(max)d characters.", max=REASON_MAX_LENGTH),
            field="reason",
        )
    return reason


def _audit(
    actor: User | None,
    action: AuditAction,
    target_type: str,
    target_id: int,
    *,
    subject: User | None = None,
    reason: str = "",
    **details: Any,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        subject_id=subject.id if subject else None,
        reason=reason,
        details=details,
    )
    db.session.add(entry)
    return entry


def audit_act(
    actor: User,
    action: AuditAction,
    target_type: str,
    target_id: int,
    *,
    subject: User,
    reason: str,
) -> None:
    """Write a moderation act of another feature (a hidden question) to the audit log."""
    _audit(actor, action, target_type, target_id, subject=subject, reason=reason)


def audit_change(
    actor: User, action: AuditAction, target_type: str, target_id: int, **details: Any
) -> None:
    """Write a change by staff in another feature (a session's recording) to the audit log.

    Within the caller's transaction, which then commits.
    """
    _audit(actor, action, target_type, target_id, **details)


def _notice(user: User, kind: str, **data: Any) -> Notice:
    notice = Notice(user_id=user.id, kind=kind, data=data)
    db.session.add(notice)
    return notice


def _take_out_of_view(content: Any, actor: User, reason: str, now: dt.datetime) -> None:
    """Mark hideable content hidden by ``actor`` (a moderator, not its author)."""
    content.hidden_at = now
    content.hidden_by = actor
    content.hidden_reason = reason
    content.hidden_by_author = False


def _bring_back(content: Any) -> None:
    content.hidden_at = None
    content.hidden_by = None
    content.hidden_reason = None


def _excerpt(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


# --- messages --------------------------------------------------------------------


def hide_message(message: Message, actor: User, reason: str | None) -> Message:
    """Take a message out of view: by a moderator, or by its own author (a deletion)."""
    permissions.check(actor, Action.HIDE_MESSAGE, message)
    by_author = message.author_id == actor.id  # withdrawing one's own message
    if not by_author:
        check_can_act_on(actor, message.author)
    reason = _reason(reason, required=not by_author)
    if message.is_hidden:
        return message
    now = utcnow()
    message.hidden_at = now
    message.hidden_by = actor
    message.hidden_reason = reason
    message.hidden_by_author = message.author_id == actor.id
    change = ModerationChange(room_id=message.room_id, message_id=message.id, hidden=True)
    db.session.add(change)
    notice = None
    settled = 0
    if message.author_id == actor.id:
        _audit(actor, AuditAction.DELETE_OWN, "message", message.id, subject=actor, reason=reason)
    else:
        _audit(
            actor, AuditAction.HIDE, "message", message.id, subject=message.author, reason=reason
        )
        settled = _resolve_reports(Report.message_id == message.id, actor, ReportState.HIDDEN, now)
        notice = _notice(
            message.author,
            "message_hidden",
            room=message.room.slug,
            excerpt=_excerpt(message.body),
            reason=reason,
        )
    db.session.commit()
    logger.info("message %r hidden by %r", message.id, actor.id)
    realtime.message_hidden(message, change.id)
    if notice is not None:
        realtime.notice_created(notice)
    if settled:
        tell_report_count()
    return message


def restore_message(message: Message, actor: User) -> Message:
    """Bring a hidden message back into view (not one its author withdrew)."""
    permissions.check(actor, Action.RESTORE_MESSAGE, message)
    if not message.is_hidden:
        return message
    if message.hidden_by_author:
        raise Forbidden(
            _l(
                "Its author withdrew this message: "
                "only they can bring it back, by posting it again."
            )
        )
    check_can_act_on(actor, message.author)
    _bring_back(message)
    change = ModerationChange(room_id=message.room_id, message_id=message.id, hidden=False)
    db.session.add(change)
    _audit(actor, AuditAction.RESTORE, "message", message.id, subject=message.author)
    db.session.commit()
    logger.info("message %r restored by %r", message.id, actor.id)
    realtime.message_restored(message, change.id)
    return message


def hide_all_messages_of(user: User, actor: User, reason: str) -> int:
    """Hide every visible message of one account at once (spam clean-up); return how many."""
    permissions.check(actor, Action.MUTE_PEOPLE, user)
    check_can_act_on(actor, user)
    reason = _reason(reason, required=True)
    messages = list(
        db.session.scalars(
            sa.select(Message)
            .where(Message.author_id == user.id, Message.visible())
            .options(joinedload(Message.room))
            .order_by(Message.id)
        )
    )
    if not messages:
        return 0
    now = utcnow()
    changes = []
    settled = 0
    for message in messages:
        message.hidden_at = now
        message.hidden_by = actor
        message.hidden_reason = reason
        message.hidden_by_author = False
        change = ModerationChange(room_id=message.room_id, message_id=message.id, hidden=True)
        db.session.add(change)
        changes.append((message, change))
        _audit(actor, AuditAction.HIDE, "message", message.id, subject=user, reason=reason)
        settled += _resolve_reports(Report.message_id == message.id, actor, ReportState.HIDDEN, now)
    notice = _notice(user, "messages_hidden", count=len(messages), reason=reason)
    db.session.commit()
    logger.info("%d messages of user %r hidden by %r", len(messages), user.id, actor.id)
    for message, change in changes:
        realtime.message_hidden(message, change.id)
    realtime.notice_created(notice)
    if settled:
        tell_report_count()
    return len(messages)


# --- reports ---------------------------------------------------------------------


@dataclass
class ReportGroup:
    """The open reports about one message or one practice, as the queue shows them."""

    reports: list[Report]
    message: Message | None = None
    practice: Practice | None = None

    @property
    def first_reported_at(self) -> dt.datetime:
        return min(report.created_at for report in self.reports)


def report_message(message: Message, reporter: User, reason: str) -> Report:
    """Flag a message for the moderators; reporting it again changes nothing."""
    permissions.check(reporter, Action.REPORT_CONTENT, message)
    if message.is_hidden and not permissions.can(reporter, Action.SEE_HIDDEN_CONTENT):
        raise NotFound()
    if message.author_id == reporter.id:
        raise Invalid(_l("You cannot report your own message; you can delete it."))
    return _report(reporter, reason, message=message)


def report_practice(practice: Practice, reporter: User, reason: str) -> Report:
    """Flag a best practice for the moderators; reporting it again changes nothing."""
    permissions.check(reporter, Action.REPORT_CONTENT, practice)
    if practice.author_id == reporter.id:
        raise Invalid(_l("You cannot report your own practice; you can edit it."))
    return _report(reporter, reason, practice=practice)


def _report(
    reporter: User, reason: str, *, message: Message | None = None, practice: Practice | None = None
) -> Report:
    reason = _reason(reason, required=True)
    if message is not None:
        target = Report.message_id == message.id
    elif practice is not None:
        target = Report.practice_id == practice.id
    else:
        raise TypeError("a report is about a message or a practice")
    existing = db.session.scalars(
        sa.select(Report).where(Report.reporter_id == reporter.id, target)
    ).first()
    if existing is not None:
        return existing
    report = Report(reporter_id=reporter.id, message=message, practice=practice, reason=reason)
    db.session.add(report)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # the same report raced in twice
        db.session.rollback()
        return db.session.scalars(
            sa.select(Report).where(Report.reporter_id == reporter.id, target)
        ).one()
    logger.info("report %r by %r", report.id, reporter.id)
    realtime.report_created(report)
    tell_report_count()
    return report


def open_reports(reader: User) -> list[ReportGroup]:
    """The queue: open reports grouped by what they are about, oldest first."""
    permissions.check(reader, Action.REVIEW_REPORTS)
    reports = db.session.scalars(
        sa.select(Report)
        .where(Report.state == ReportState.OPEN)
        .options(
            joinedload(Report.reporter),
            joinedload(Report.message).joinedload(Message.author),
            joinedload(Report.message).joinedload(Message.room),
            joinedload(Report.practice),
        )
        .order_by(Report.created_at, Report.id)
    )
    groups: dict[tuple[str, int], ReportGroup] = {}
    for report in reports:
        if report.message is not None:
            key, group = ("message", report.message.id), ReportGroup([], message=report.message)
        elif report.practice is not None:
            key, group = ("practice", report.practice.id), ReportGroup([], practice=report.practice)
        else:
            continue
        groups.setdefault(key, group).reports.append(report)
    return list(groups.values())


def has_been_reported(message: Message) -> bool:
    """Tell whether anyone ever reported ``message`` (its reports open or settled)."""
    return db.session.scalar(sa.select(sa.exists().where(Report.message_id == message.id))) or False


#: How many messages before and after a reported one its context shows.
CONTEXT_SIZE = 3


@dataclass
class ReportContext:
    """A reported message and the few around it, as the moderators read them."""

    report: Report
    message: Message
    before: list[Message]
    after: list[Message]
    #: Every report about the message, open or settled, oldest first.
    reports: list[Report]

    @property
    def has_open_reports(self) -> bool:
        return any(report.state is ReportState.OPEN for report in self.reports)


def get_report(report_id: int) -> Report:
    report = db.session.get(Report, report_id) if 0 < report_id < 2**63 else None
    if report is None:
        raise NotFound()
    return report


def report_context(report: Report, reader: User) -> ReportContext:
    """The reported message and up to 3 messages before and after it, hidden ones included.

    Reading a conversation's messages this way is an act of its own: each reading
    writes an audit row, whose target is the reported message.
    """
    message = report.message
    if message is None:
        raise NotFound()
    permissions.check(reader, Action.REVIEW_REPORTS, message)
    around = sa.select(Message).where(Message.room_id == message.room_id)
    around = around.options(joinedload(Message.author))
    before = list(
        db.session.scalars(
            around.where(Message.id < message.id).order_by(Message.id.desc()).limit(CONTEXT_SIZE)
        )
    )
    after = list(
        db.session.scalars(
            around.where(Message.id > message.id).order_by(Message.id).limit(CONTEXT_SIZE)
        )
    )
    _audit(
        reader,
        AuditAction.READ_CONTEXT,
        "message",
        message.id,
        subject=message.author,
        report=report.id,
        messages=len(before) + 1 + len(after),
    )
    db.session.commit()
    logger.info("context of message %r read by %r", message.id, reader.id)
    reports = list(
        db.session.scalars(
            sa.select(Report)
            .where(Report.message_id == message.id)
            .options(joinedload(Report.reporter))
            .order_by(Report.created_at, Report.id)
        )
    )
    return ReportContext(report, message, list(reversed(before)), after, reports)


def open_report_count() -> int:
    """How many messages and practices wait in the queue (the menu shows it to moderators)."""
    targets = (
        sa.select(Report.message_id, Report.practice_id)
        .where(Report.state == ReportState.OPEN)
        .distinct()
        .subquery()
    )
    return db.session.scalar(sa.select(sa.func.count()).select_from(targets)) or 0


def tell_report_count() -> None:
    """Show every moderator's and organizer's open pages how many reports wait now."""
    realtime.report_count(open_report_count())


def dismiss_reports(message: Message, actor: User, reason: str | None = "") -> int:
    """Close the open reports about a message without hiding it; return how many."""
    permissions.check(actor, Action.REVIEW_REPORTS, message)
    return _dismiss(
        Report.message_id == message.id, actor, reason, "message", message.id, message.author
    )


def dismiss_practice_reports(practice: Practice, actor: User, reason: str | None = "") -> int:
    """Close the open reports about a practice without hiding it; return how many."""
    permissions.check(actor, Action.REVIEW_REPORTS, practice)
    return _dismiss(
        Report.practice_id == practice.id, actor, reason, "practice", practice.id, practice.author
    )


def _dismiss(
    target: Any, actor: User, reason: str | None, kind: str, target_id: int, subject: User
) -> int:
    reason = _reason(reason, required=False)
    count = _resolve_reports(target, actor, ReportState.DISMISSED, utcnow())
    if not count:
        raise NotFound(_l("There are no open reports about this."))
    _audit(
        actor, AuditAction.DISMISS, kind, target_id, subject=subject, reason=reason, reports=count
    )
    db.session.commit()
    realtime.reports_resolved(kind, target_id)
    tell_report_count()
    return count


def _resolve_reports(target: Any, actor: User, state: ReportState, now: dt.datetime) -> int:
    result = db.session.execute(
        sa.update(Report)
        .where(target, Report.state == ReportState.OPEN)
        .values(state=state, resolved_at=now, resolved_by_id=actor.id)
    )
    return changed_rows(result)


# --- practices -------------------------------------------------------------------


def hide_practice(practice: Practice, actor: User, reason: str) -> Practice:
    """Take a best practice out of every list, search, API answer and the e-book."""
    permissions.check(actor, Action.HIDE_PRACTICE, practice)
    check_can_act_on(actor, practice.author)
    reason = _reason(reason, required=True)
    if practice.is_hidden:
        return practice
    now = utcnow()
    _take_out_of_view(practice, actor, reason, now)
    _audit(actor, AuditAction.HIDE, "practice", practice.id, subject=practice.author, reason=reason)
    settled = _resolve_reports(Report.practice_id == practice.id, actor, ReportState.HIDDEN, now)
    notice = _notice(practice.author, "practice_hidden", title=practice.title, reason=reason)
    db.session.commit()
    logger.info("practice %r hidden by %r", practice.id, actor.id)
    realtime.practice_hidden(practice)
    realtime.notice_created(notice)
    if settled:
        tell_report_count()
    return practice


def restore_practice(practice: Practice, actor: User) -> Practice:
    """Bring a hidden best practice back into the library."""
    permissions.check(actor, Action.RESTORE_PRACTICE, practice)
    if not practice.is_hidden:
        return practice
    check_can_act_on(actor, practice.author)
    _bring_back(practice)
    _audit(actor, AuditAction.RESTORE, "practice", practice.id, subject=practice.author)
    db.session.commit()
    logger.info("practice %r restored by %r", practice.id, actor.id)
    return practice


# --- files -----------------------------------------------------------------------


def hide_file(file: StoredFile, actor: User, reason: str | None) -> StoredFile:
    """Take one file out of view, leaving what it is attached to (a message, a practice)."""
    permissions.check(actor, Action.HIDE_FILE, file)
    check_can_act_on(actor, file.uploader)
    reason = _reason(reason, required=True)
    if file.is_hidden:
        return file
    _take_out_of_view(file, actor, reason, utcnow())
    _audit(
        actor,
        AuditAction.HIDE,
        "file",
        file.id,
        subject=file.uploader,
        reason=reason,
        name=file.name,
    )
    notice = _notice(file.uploader, "file_hidden", name=file.name, reason=reason)
    db.session.commit()
    logger.info("file %r hidden by %r", file.id, actor.id)
    realtime.file_changed(file)
    realtime.notice_created(notice)
    return file


def restore_file(file: StoredFile, actor: User) -> StoredFile:
    """Bring a hidden file back into view."""
    permissions.check(actor, Action.RESTORE_FILE, file)
    if not file.is_hidden:
        return file
    check_can_act_on(actor, file.uploader)
    _bring_back(file)
    _audit(actor, AuditAction.RESTORE, "file", file.id, subject=file.uploader, name=file.name)
    db.session.commit()
    logger.info("file %r restored by %r", file.id, actor.id)
    realtime.file_changed(file)
    return file


def get_file(file_id: int) -> StoredFile:
    file = db.session.get(StoredFile, file_id) if 0 < file_id < 2**63 else None
    if file is None:
        raise NotFound()
    return file


# --- people ----------------------------------------------------------------------


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound()
    return user


def find_people(reader: User, query: str = "", limit: int = 50) -> list[User]:
    """People by name or email, for the moderators' page."""
    permissions.check(reader, Action.MUTE_PEOPLE)
    statement = (
        sa.select(User).where(User.deleted_at.is_(None)).options(joinedload(User.administration))
    )
    query = query.strip()
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(
            sa.or_(sa.func.lower(User.name).like(pattern), sa.func.lower(User.email).like(pattern))
        )
    return list(db.session.scalars(statement.order_by(User.name, User.id).limit(limit)))


def mute(user: User, actor: User, minutes: int, reason: str) -> User:
    """Stop someone posting for a while; they are told until when, and why."""
    permissions.check(actor, Action.MUTE_PEOPLE, user)
    check_can_act_on(actor, user)
    reason = _reason(reason, required=True)
    if not 1 <= minutes <= MAX_MUTE_MINUTES:
        raise Invalid(_l("A mute lasts from 1 minute to 30 days."), field="minutes")
    user.muted_until = utcnow() + dt.timedelta(minutes=minutes)
    user.mute_reason = reason
    _audit(actor, AuditAction.MUTE, "user", user.id, subject=user, reason=reason, minutes=minutes)
    notice = _notice(user, "muted", until=user.muted_until.isoformat(), reason=reason)
    db.session.commit()
    logger.info("user %r muted by %r for %d min", user.id, actor.id, minutes)
    realtime.notice_created(notice)
    return user


def unmute(user: User, actor: User, reason: str | None = "") -> User:
    """Let a muted person post again."""
    permissions.check(actor, Action.MUTE_PEOPLE, user)
    check_can_act_on(actor, user)
    reason = _reason(reason, required=False)
    user.muted_until = None
    user.mute_reason = None
    _audit(actor, AuditAction.UNMUTE, "user", user.id, subject=user, reason=reason)
    notice = _notice(user, "unmuted")
    db.session.commit()
    realtime.notice_created(notice)
    return user


def ban(user: User, actor: User, reason: str) -> User:
    """Shut an account out: its sessions end, its sockets close, sign-in is refused."""
    permissions.check(actor, Action.BAN_PEOPLE, user)
    check_can_act_on(actor, user)
    reason = _reason(reason, required=True)
    now = utcnow()
    user.banned_at = now
    user.ban_reason = reason
    revoke_login_sessions(user, now)
    _audit(actor, AuditAction.BAN, "user", user.id, subject=user, reason=reason)
    db.session.commit()
    logger.info("user %r banned by %r", user.id, actor.id)
    realtime.end_user_sessions(user.id, reason="banned")
    return user


def unban(user: User, actor: User, reason: str | None = "") -> User:
    """Let a banned person sign in again."""
    permissions.check(actor, Action.BAN_PEOPLE, user)
    check_can_act_on(actor, user)
    reason = _reason(reason, required=False)
    user.banned_at = None
    user.ban_reason = None
    _audit(actor, AuditAction.UNBAN, "user", user.id, subject=user, reason=reason)
    db.session.commit()
    return user


def set_role(user: User, role: Role, actor: User | None, reason: str | None = "") -> User:
    """Give someone another role; their open connections reconnect with it."""
    permissions.check_actor(actor, Action.MANAGE_ROLES, user)
    check_can_act_on(actor, user)
    reason = _reason(reason, required=False)
    if role.needs_administration and user.administration_id is None:
        raise Invalid(_l("A delegate must belong to an administration."), field="role")
    check_can_grant(actor, role)
    previous = user.role
    if previous is role:
        return user
    user.role = role
    _audit(
        actor,
        AuditAction.ROLE_CHANGE,
        "user",
        user.id,
        subject=user,
        reason=reason,
        previous=previous.value,
        role=role.value,
    )
    db.session.commit()
    logger.info("user %r is now %s (was %s)", user.id, role.value, previous.value)
    realtime.reconnect_user(user.id)
    return user


def confirm_address(user: User, actor: User | None) -> User:
    """Vouch for ``user``'s address: they may write without following the mailed link.

    For organizers who know the address is the person's (``actor`` None: the
    command line). An address already confirmed stays as it is, with no new row.
    """
    permissions.check_actor(actor, Action.CONFIRM_ADDRESSES, user)
    if user.email_verified_at is not None:
        return user
    user.email_verified_at = utcnow()
    _audit(actor, AuditAction.CONFIRM_ADDRESS, "user", user.id, subject=user)
    db.session.commit()
    logger.info("address of user %r confirmed by %r", user.id, actor.id if actor else None)
    return user


# --- rooms -----------------------------------------------------------------------


def set_slow_mode(room: Room, seconds: int, actor: User, reason: str | None = "") -> Room:
    """Let each person post at most once every ``seconds`` in a room (0 turns it off)."""
    permissions.check(actor, Action.SET_SLOW_MODE, room)
    reason = _reason(reason, required=False)
    if not 0 <= seconds <= MAX_SLOW_MODE_SECONDS:
        raise Invalid(_l("Slow mode is from 0 (off) to 3,600 seconds."), field="seconds")
    if room.slow_mode_seconds == seconds:
        return room
    previous = room.slow_mode_seconds
    room.slow_mode_seconds = seconds
    _audit(
        actor,
        AuditAction.SLOW_MODE,
        "room",
        room.id,
        reason=reason,
        room=room.slug,
        previous=previous,
        seconds=seconds,
    )
    db.session.commit()
    realtime.room_updated(room)
    return room


def check_can_post(user: User, room: Room) -> None:
    """Refuse a message from a muted person, or one sent too soon in a room in slow mode."""
    now = utcnow()
    check_not_muted(user, now)
    if room.slow_mode_seconds and not permissions.can(user, Action.SKIP_SLOW_MODE, room):
        last = db.session.scalar(
            sa.select(sa.func.max(Message.created_at)).where(
                Message.room_id == room.id, Message.author_id == user.id
            )
        )
        if last is not None:
            wait = (last + dt.timedelta(seconds=room.slow_mode_seconds) - now).total_seconds()
            if wait > 0:
                raise RateLimited(
                    _l(
                        "This room is in slow mode: one message every %(seconds)d seconds.",
                        seconds=room.slow_mode_seconds,
                    ),
                    retry_after=max(1, int(wait + 0.999)),
                )


def check_not_muted(user: User, now: dt.datetime) -> None:
    """Refuse to let a muted person change what a room reads (a message, an edit).

    The words say no time: ``until`` carries it, for the client to write in its
    reader's time zone and language (the room counts down to it).
    """
    if user.muted_at(now):
        assert user.muted_until is not None
        raise Muted(
            _l(
                "A moderator muted you for a while. Reason: %(reason)s",
                reason=user.mute_reason or "",
            ),
            until=iso_utc(user.muted_until),
        )


# --- notices ---------------------------------------------------------------------


def unread_notices(user: User) -> list[Notice]:
    return list(
        db.session.scalars(
            sa.select(Notice)
            .where(Notice.user_id == user.id, Notice.read_at.is_(None))
            .order_by(Notice.id)
        )
    )


def mark_notice_read(notice_id: int, user: User) -> None:
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.user_id != user.id:
        raise NotFound()
    notice.read_at = utcnow()
    db.session.commit()


# --- the audit log ---------------------------------------------------------------


@dataclass
class AuditFilter:
    action: AuditAction | None = None
    actor_id: int | None = None
    subject_id: int | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def apply(self, statement: sa.Select[Any]) -> sa.Select[Any]:
        if self.action is not None:
            statement = statement.where(AuditEntry.action == self.action)
        if self.actor_id is not None:
            statement = statement.where(AuditEntry.actor_id == self.actor_id)
        if self.subject_id is not None:
            statement = statement.where(AuditEntry.subject_id == self.subject_id)
        if self.since is not None:
            statement = statement.where(AuditEntry.created_at >= self.since)
        if self.until is not None:
            statement = statement.where(AuditEntry.created_at < self.until)
        return statement


def audit_entries(
    reader: User, filters: AuditFilter, *, limit: int = 100, offset: int = 0
) -> list[AuditEntry]:
    """The filtered log, newest first, a page at a time."""
    permissions.check(reader, Action.VIEW_AUDIT_LOG)
    statement = filters.apply(
        sa.select(AuditEntry).options(joinedload(AuditEntry.actor), joinedload(AuditEntry.subject))
    )
    return list(
        db.session.scalars(statement.order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
    )


def audit_csv(reader: User, filters: AuditFilter) -> Iterator[str]:
    """The filtered log as CSV lines, oldest first, streamed in batches."""
    permissions.check(reader, Action.VIEW_AUDIT_LOG)
    columns = [
        "id",
        "time_utc",
        "actor",
        "actor_email",
        "action",
        "target_type",
        "target_id",
        "person",
        "reason",
        "details",
    ]
    yield csv_text([columns])
    last_id = 0
    while True:
        batch = list(
            db.session.scalars(
                filters.apply(
                    sa.select(AuditEntry).options(
                        joinedload(AuditEntry.actor), joinedload(AuditEntry.subject)
                    )
                )
                .where(AuditEntry.id > last_id)
                .order_by(AuditEntry.id)
                .limit(500)
            )
        )
        if not batch:
            return
        yield csv_text(
            [
                entry.id,
                iso_utc(entry.created_at),
                entry.actor.name if entry.actor else "(command line)",
                entry.actor.email if entry.actor else "",
                entry.action.value,
                entry.target_type,
                entry.target_id,
                entry.subject.name if entry.subject else "",
                entry.reason,
                ",".join(f"{k}={v}" for k, v in sorted(entry.details.items())),
            ]
            for entry in batch
        )
        last_id = batch[-1].id
