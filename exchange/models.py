"""Every model of every feature, imported once so the metadata knows all tables.

Used by migrations and by tests that build the schema directly.
"""

from .accounts.models import Invitation, LoginSession, Role, User
from .db import Base
from .event.models import Administration, AdministrationKind, Event, Room
from .practices.models import (
    Practice,
    PracticeIndicator,
    PracticeRevision,
    PracticeStatus,
    PracticeTag,
    RevisionAction,
)
from .rooms.models import Connection, Message, Node, RoomPresence

metadata = Base.metadata

__all__ = [
    "Administration",
    "AdministrationKind",
    "Base",
    "Connection",
    "Event",
    "Invitation",
    "LoginSession",
    "Message",
    "Node",
    "Practice",
    "PracticeIndicator",
    "PracticeRevision",
    "PracticeStatus",
    "PracticeTag",
    "RevisionAction",
    "Role",
    "Room",
    "RoomPresence",
    "User",
    "metadata",
]
