"""What moderation records: hidden content, reports, notices to people, and the audit log."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..db import Base
from ..db import created_at
from ..db import enum_type
from ..db import intpk

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..practices.models import Practice
    from ..rooms.models import Message


class ModerationChange(Base):
    """One hide or restore in a room, in order, so a reconnecting client can catch up on them."""

    __tablename__ = "moderation_changes"

    id: Mapped[intpk]
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id"), index=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("messages.id"))
    hidden: Mapped[bool]
    created_at: Mapped[created_at]

    message: Mapped[Message] = relationship()


class ReportState(StrEnum):
    OPEN = "open"
    HIDDEN = "hidden"  # resolved by hiding the content
    DISMISSED = "dismissed"


class Report(Base):
    """Someone flagged a message (or other content) for the moderators.

    One person reporting the same thing twice is still one report.
    """

    __tablename__ = "reports"
    __table_args__ = (
        sa.UniqueConstraint("reporter_id", "message_id"),
        sa.UniqueConstraint("reporter_id", "practice_id"),
    )

    id: Mapped[intpk]
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    #: What is reported: a message, or a best practice.
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("messages.id"), index=True)
    practice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[created_at]
    state: Mapped[ReportState] = mapped_column(
        enum_type(ReportState, length=20), default=ReportState.OPEN, index=True
    )
    resolved_at: Mapped[dt.datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    message: Mapped[Message | None] = relationship()
    practice: Mapped[Practice | None] = relationship()


class Notice(Base):
    """Something a person must be told (their content was hidden, they were muted)."""

    __tablename__ = "notices"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    #: What the notice is about, for the page that shows it (room, excerpt, reason, until).
    data: Mapped[dict[str, Any]]
    created_at: Mapped[created_at]
    read_at: Mapped[dt.datetime | None]


class AuditAction(StrEnum):
    HIDE = "hide"
    RESTORE = "restore"
    DELETE_OWN = "delete_own"
    DISMISS = "dismiss"
    MUTE = "mute"
    UNMUTE = "unmute"
    BAN = "ban"
    UNBAN = "unban"
    SLOW_MODE = "slow_mode"
    ROLE_CHANGE = "role_change"
    SET_RECORDING = "set_recording"
    ADD_SLIDES = "add_slides"
    REMOVE_SLIDES = "remove_slides"
    CONFIRM_ADDRESS = "confirm_address"
    #: A moderator read a reported message of a conversation with the few around it.
    READ_CONTEXT = "read_context"
    #: A moderator or a speaker wrote (or rewrote) the answer to a question.
    ANSWER = "answer"


class AuditEntry(Base):
    """One moderation act: who did what to what, why, and when. Append-only.

    The application never updates or deletes these rows, and the database
    refuses to (triggers, created with the table).
    """

    __tablename__ = "audit_log"

    id: Mapped[intpk]
    created_at: Mapped[created_at] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[AuditAction] = mapped_column(enum_type(AuditAction, length=20), index=True)
    #: "message", "practice", "file", "user", "room" or "session" (of the agenda).
    target_type: Mapped[str] = mapped_column(sa.String(20))
    target_id: Mapped[int]
    #: The person affected (the author of hidden content, the muted person...).
    subject_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    subject: Mapped[User | None] = relationship(foreign_keys=[subject_id])


_APPEND_ONLY_SQLITE = [
    sa.DDL(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    ),
    sa.DDL(
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    ),
]
_APPEND_ONLY_POSTGRESQL = [
    sa.DDL(
        "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$"
    ),
    sa.DDL(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
    ),
]
APPEND_ONLY_DDL = {"sqlite": _APPEND_ONLY_SQLITE, "postgresql": _APPEND_ONLY_POSTGRESQL}

for _dialect, _statements in APPEND_ONLY_DDL.items():
    for _statement in _statements:
        sa.event.listen(
            AuditEntry.__table__, "after_create", _statement.execute_if(dialect=_dialect)
        )
