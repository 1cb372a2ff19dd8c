"""Every model of every feature, imported once so the metadata knows all tables.

Used by migrations and by tests that build the schema directly.
"""

from .about.models import AccessibilityFeedback
from .accounts.models import AccountToken, Invitation, LoginSession, Role, TokenPurpose, User
from .db import Base
from .event.models import Administration, AdministrationKind, Event, Room
from .files.models import FileChunk, StoredFile
from .mail.models import OutgoingMail
from .moderation.models import AuditEntry, ModerationChange, Notice, Report
from .practices.models import (
    Practice,
    PracticeIndicator,
    PracticeRevision,
    PracticeStatus,
    PracticeTag,
    RevisionAction,
)
from .rooms.models import Connection, Message, Node, ReadPosition, RoomPresence

metadata = Base.metadata

__all__ = [
    "AccountToken",
    "AccessibilityFeedback",
    "Administration",
    "AdministrationKind",
    "AuditEntry",
    "Base",
    "Connection",
    "Event",
    "FileChunk",
    "Invitation",
    "LoginSession",
    "Message",
    "ModerationChange",
    "Node",
    "Notice",
    "OutgoingMail",
    "Practice",
    "PracticeIndicator",
    "PracticeRevision",
    "PracticeStatus",
    "PracticeTag",
    "ReadPosition",
    "Report",
    "RevisionAction",
    "Role",
    "Room",
    "RoomPresence",
    "StoredFile",
    "TokenPurpose",
    "User",
    "metadata",
]
