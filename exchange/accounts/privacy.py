"""What the exchange holds about a person: giving it to them, and deleting the account.

Deleting an account removes what identifies the person (name, email,
password, administration) and keeps what they wrote, attributed to "deleted
user": a conversation with holes in it would be unreadable for everyone else.
Files they attached stay with their messages for the same reason; files they
uploaded and never attached are deleted. Moderators can still hide any
message or file on request.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import zipfile
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash

from .. import realtime
from ..conversations import services as conversations
from ..db import changed_rows
from ..db import utcnow
from ..errors import Invalid
from ..extensions import db
from ..files import services as files
from ..files.models import StoredFile
from ..files.models import Variant
from ..mail import services as mail
from ..moderation.models import AuditEntry
from ..moderation.models import Notice
from ..moderation.models import Report
from ..notifications import services as notifications
from ..polls import services as polls
from ..practices.autosave import forget_autosaves_of
from ..practices.models import Practice
from ..practices.models import PracticeAutosave
from ..practices.models import PracticeRevision
from ..questions import services as questions
from ..rooms.models import Connection
from ..rooms.models import Message
from ..rooms.models import MessageRevision
from ..rooms.models import ReadPosition
from ..serialize import iso_utc
from .models import AccountToken
from .models import Block
from .models import EmailInvitation
from .models import Invitation
from .models import LoginSession
from .models import Role
from .models import User
from .services import deleted_account_email
from .services import revoke_login_sessions

logger = logging.getLogger(__name__)

#: Sign-in session records are kept this long after they end, then purged.
ENDED_SESSION_RETENTION = dt.timedelta(days=30)


def personal_data(user: User) -> dict[str, Any]:
    """Everything stored about ``user``, as one JSON-ready document."""
    return {
        "exported_at": iso_utc(utcnow()),
        "account": _account(user),
        "sign_in_sessions": _sign_in_sessions(user),
        # Every mail the exchange wrote to the person, as it was sent (or is still to be).
        "mail": _mails(user),
        "messages": _messages(user),
        # The files themselves are in the ZIP download, under each file's "path".
        "files": _files(user),
        "practices_written": _practices(user),
        "practice_revisions": _practice_revisions(user),
        # What they typed in the practice form and have not saved yet, as the server keeps it.
        "practice_text_not_yet_saved": _practice_autosaves(user),
        "reports_made": _reports(user),
        "notices_received": _notices(user),
        # Acts of moderation about this person, and, for moderators, their own acts.
        "moderation_log": _moderation_log(user),
        "invitation_codes_created": _invitations(user),
        # How they chose to be told of things, and the mentions of them.
        "notifications": notifications.personal_data(user),
        # Questions asked to rooms, and the questions voted for (by id).
        "questions": questions.personal_data(user),
        # Polls opened, and those voted in: what was chosen, except in anonymous polls.
        "polls": polls.personal_data(user),
        # Conversations they are in (their own words there are among "messages"), and blocks.
        "conversations": conversations.personal_data(user),
    }


def _account(user: User) -> dict[str, Any]:
    administration = user.administration
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "administration": (
            {"slug": administration.slug, "name": administration.name} if administration else None
        ),
        "language": user.locale,
        "timezone": user.timezone,
        "profile": {
            "listed_in_the_directory": user.listed,
            "attendees_may_message": user.attendees_may_message,
            "languages": user.languages,
            "topics": user.topics,
            "bio": user.bio,
        },
        "created_at": iso_utc(user.created_at),
        "email_verified_at": iso_utc(user.email_verified_at) if user.email_verified_at else None,
        "muted_until": iso_utc(user.muted_until) if user.muted_until else None,
        "mute_reason": user.mute_reason,
        "banned_at": iso_utc(user.banned_at) if user.banned_at else None,
        "ban_reason": user.ban_reason,
        "password": "stored only as a salted hash, which is not included",
    }


def _sign_in_sessions(user: User) -> list[dict[str, Any]]:
    lifetime = session_lifetime()
    logins = db.session.scalars(
        sa.select(LoginSession).where(LoginSession.user_id == user.id).order_by(LoginSession.id)
    )
    return [
        {
            "started_at": iso_utc(login.created_at),
            "expires_at": iso_utc(login.created_at + lifetime),
            "ended_at": iso_utc(login.revoked_at) if login.revoked_at else None,
        }
        for login in logins
    ]


def _mails(user: User) -> list[dict[str, Any]]:
    return [
        {
            "kind": sent.kind,
            "to": sent.recipient,
            "subject": sent.subject,
            "text": sent.body_text,
            "written_at": iso_utc(sent.created_at),
            "sent_at": iso_utc(sent.sent_at) if sent.sent_at else None,
        }
        for sent in mail.mails_to(user)
    ]


def _messages(user: User) -> list[dict[str, Any]]:
    messages = db.session.scalars(
        sa.select(Message).where(Message.author_id == user.id).order_by(Message.id)
    )
    earlier: dict[int, list[dict[str, Any]]] = {}
    for revision in db.session.scalars(
        sa.select(MessageRevision)
        .join(Message, Message.id == MessageRevision.message_id)
        .where(Message.author_id == user.id)
        .order_by(MessageRevision.id)
    ):
        earlier.setdefault(revision.message_id, []).append(
            {
                "body": revision.body,
                "language": revision.language,
                "written_at": iso_utc(revision.written_at),
                "replaced_at": iso_utc(revision.created_at),
            }
        )
    return [
        {
            "id": message.id,
            "room": message.room.slug,
            "body": message.body,
            "language": message.language,
            "practice_id": message.practice_id,
            "created_at": iso_utc(message.created_at),
            "hidden_at": iso_utc(message.hidden_at) if message.hidden_at else None,
            "hidden_reason": message.hidden_reason,
            "edited_at": iso_utc(message.edited_at) if message.edited_at else None,
            "earlier_versions": earlier.get(message.id, []),
        }
        for message in messages
    ]


def _files(user: User) -> list[dict[str, Any]]:
    return [
        {
            "id": file.id,
            "name": file.name,
            "content_type": file.content_type,
            "size": file.size,
            "description": file.alt_text,
            "created_at": iso_utc(file.created_at),
            "attached_to": (
                {"type": file.owner_type, "id": file.owner_id} if file.owner_type else None
            ),
            "hidden_at": iso_utc(file.hidden_at) if file.hidden_at else None,
            "hidden_reason": file.hidden_reason,
            "path": archive_path(file),
        }
        for file in files.files_uploaded_by(user)
    ]


def _practices(user: User) -> list[dict[str, Any]]:
    practices = db.session.scalars(
        sa.select(Practice).where(Practice.author_id == user.id).order_by(Practice.id)
    )
    return [
        {
            "id": practice.id,
            "title": practice.title,
            "status": practice.status.value,
            "language": practice.language,
            "public_email": practice.public_email,
            "created_at": iso_utc(practice.created_at),
            "hidden_at": iso_utc(practice.hidden_at) if practice.hidden_at else None,
        }
        for practice in practices
    ]


def _practice_revisions(user: User) -> list[dict[str, Any]]:
    revisions = db.session.scalars(
        sa.select(PracticeRevision)
        .where(PracticeRevision.editor_id == user.id)
        .order_by(PracticeRevision.id)
    )
    return [
        {
            "practice_id": revision.practice_id,
            "action": revision.action.value,
            "comment": revision.comment,
            "created_at": iso_utc(revision.created_at),
        }
        for revision in revisions
    ]


def _practice_autosaves(user: User) -> list[dict[str, Any]]:
    autosaves = db.session.scalars(
        sa.select(PracticeAutosave)
        .where(PracticeAutosave.user_id == user.id)
        .order_by(PracticeAutosave.id)
    )
    return [
        {
            "practice_id": autosave.practice_id,
            "fields": dict(autosave.fields),
            "saved_at": iso_utc(autosave.saved_at),
        }
        for autosave in autosaves
    ]


def _reports(user: User) -> list[dict[str, Any]]:
    reports = db.session.scalars(
        sa.select(Report).where(Report.reporter_id == user.id).order_by(Report.id)
    )
    return [
        {
            "message_id": report.message_id,
            "practice_id": report.practice_id,
            "reason": report.reason,
            "state": report.state.value,
            "created_at": iso_utc(report.created_at),
        }
        for report in reports
    ]


def _notices(user: User) -> list[dict[str, Any]]:
    notices = db.session.scalars(
        sa.select(Notice).where(Notice.user_id == user.id).order_by(Notice.id)
    )
    return [
        {
            "kind": notice.kind,
            "data": notice.data,
            "created_at": iso_utc(notice.created_at),
            "read_at": iso_utc(notice.read_at) if notice.read_at else None,
        }
        for notice in notices
    ]


def _moderation_log(user: User) -> list[dict[str, Any]]:
    moderation = db.session.scalars(
        sa.select(AuditEntry)
        .where(sa.or_(AuditEntry.subject_id == user.id, AuditEntry.actor_id == user.id))
        .order_by(AuditEntry.id)
    )
    return [
        {
            "action": entry.action.value,
            "by_you": entry.actor_id == user.id,
            "about_you": entry.subject_id == user.id,
            "target": f"{entry.target_type}:{entry.target_id}",
            "reason": entry.reason,
            "created_at": iso_utc(entry.created_at),
        }
        for entry in moderation
    ]


def _invitations(user: User) -> list[dict[str, Any]]:
    invitations = db.session.scalars(
        sa.select(Invitation).where(Invitation.created_by_id == user.id).order_by(Invitation.id)
    )
    return [
        {
            "administration": invitation.administration.slug,
            "created_at": iso_utc(invitation.created_at),
            "uses": invitation.uses,
        }
        for invitation in invitations
    ]


#: The name of the JSON document inside the ZIP download.
ARCHIVE_DATA_NAME = "my-data.json"


def archive_path(file: StoredFile) -> str:
    """Where a file is inside the ZIP download: its id keeps two of the same name apart."""
    return f"files/{file.id}-{file.name}"


def personal_archive(user: User) -> Iterator[bytes]:
    """Everything stored about ``user`` as a ZIP: the JSON document and every file they uploaded.

    Written as it is sent, a chunk at a time, so that neither the archive nor
    a large file is ever held whole in memory.
    """
    data = personal_data(user)
    uploads = files.files_uploaded_by(user)
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(ARCHIVE_DATA_NAME, json.dumps(data, ensure_ascii=False, indent=2))
        yield sink.take()
        for file in uploads:
            with archive.open(archive_path(file), "w") as entry:
                for chunk in files.read_bytes(file, Variant.ORIGINAL):
                    entry.write(chunk)
                    yield sink.take()
    yield sink.take()


class _Sink:
    """A write-only stream that hands over what was written since it was last asked."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._written = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self._written += len(data)
        return len(data)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        pass

    def close(self) -> None:
        # Nothing to release; ZipFile's type asks for it, though ZipFile never
        # closes a stream it was given.
        pass

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def delete_account(user: User, password: str) -> None:
    """Delete ``user``'s account after checking their password; end every session of theirs."""
    if not check_password_hash(user.password_hash, password):
        raise Invalid(_l("The password is not correct."), field="password")
    now = utcnow()
    user.name = "deleted"
    # Not derived from the id: an address anyone could predict, someone could take first.
    user.email = deleted_account_email()
    user.password_hash = "!"  # matches no password
    user.administration_id = None
    user.role = Role.ATTENDEE
    user.locale = None
    user.deleted_at = now
    user.timezone = None
    # The profile was about the person alone.
    user.listed = False
    user.attendees_may_message = False
    user.languages = []
    user.topics = []
    user.bio = ""
    # Practices stay in the library, but no longer give the person's address.
    db.session.execute(
        sa.update(Practice).where(Practice.author_id == user.id).values(public_email="")
    )
    # Files never attached go; attached ones stay with their messages, like the messages.
    unattached = files.remove_unattached_files_of(user)
    # How far they read is about them alone, and of no use to anyone else.
    db.session.execute(sa.delete(ReadPosition).where(ReadPosition.user_id == user.id))
    # Texts they typed and never saved are theirs alone.
    forget_autosaves_of(user)
    revoke_login_sessions(user, now)
    # The address goes from the outbox and from the links mailed to it.
    mail.forget_recipient(user)
    notifications.forget_notifications_of(user)
    db.session.execute(sa.delete(AccountToken).where(AccountToken.user_id == user.id))
    # Whom they blocked was about them alone.
    db.session.execute(sa.delete(Block).where(Block.blocker_id == user.id))
    # The invitation they registered through named their address.
    db.session.execute(sa.delete(EmailInvitation).where(EmailInvitation.user_id == user.id))
    db.session.commit()
    files.discard(unattached)
    realtime.end_user_sessions(user.id, reason="account_deleted")
    logger.info("user %r deleted their account", user.id)


def session_lifetime() -> dt.timedelta:
    return dt.timedelta(days=current_app.config["SESSION_LIFETIME_DAYS"])


def purge_ended_login_sessions() -> int:
    """Forget sign-in sessions that ended (or expired) long enough ago; return how many."""
    cutoff = utcnow() - ENDED_SESSION_RETENTION
    ended = sa.or_(
        LoginSession.revoked_at < cutoff,
        LoginSession.created_at < cutoff - session_lifetime(),
    )
    in_use = sa.select(Connection.login_session_id).where(Connection.login_session_id.is_not(None))
    result = db.session.execute(
        sa.delete(LoginSession).where(ended, LoginSession.id.not_in(in_use))
    )
    db.session.commit()
    purged = changed_rows(result)
    if purged:
        logger.info("purged %d ended sign-in session(s)", purged)
    return purged
