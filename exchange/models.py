"""Every model of every feature, imported once so the metadata knows all tables.

Used by migrations and by tests that build the schema directly.
"""

from .about.models import AccessibilityFeedback
from .accounts.models import AccountToken
from .accounts.models import EmailInvitation
from .accounts.models import Invitation
from .accounts.models import LoginSession
from .accounts.models import Role
from .accounts.models import TokenPurpose
from .accounts.models import User
from .agenda.models import AgendaSession
from .announcements.models import Announcement
from .announcements.models import AnnouncementDismissal
from .db import Base
from .event.models import Administration
from .event.models import AdministrationKind
from .event.models import Event
from .event.models import Room
from .files.models import FileChunk
from .files.models import StoredFile
from .mail.models import OutgoingMail
from .moderation.models import AuditEntry
from .moderation.models import ModerationChange
from .moderation.models import Notice
from .moderation.models import Report
from .notifications.models import MailChoice
from .notifications.models import RoomNotificationChoice
from .polls.models import Poll
from .polls.models import PollBallot
from .polls.models import PollChoice
from .polls.models import PollOption
from .practices.models import Practice
from .practices.models import PracticeIndicator
from .practices.models import PracticeRevision
from .practices.models import PracticeStatus
from .practices.models import PracticeTag
from .practices.models import RevisionAction
from .questions.models import Question
from .questions.models import QuestionVote
from .rooms.models import Connection
from .rooms.models import Mention
from .rooms.models import Message
from .rooms.models import Node
from .rooms.models import ReadPosition
from .rooms.models import RoomPresence

metadata = Base.metadata

__all__ = [
    "AccountToken",
    "Announcement",
    "AnnouncementDismissal",
    "AccessibilityFeedback",
    "Administration",
    "AgendaSession",
    "AdministrationKind",
    "AuditEntry",
    "Base",
    "Connection",
    "EmailInvitation",
    "Event",
    "FileChunk",
    "Invitation",
    "LoginSession",
    "Mention",
    "MailChoice",
    "Message",
    "ModerationChange",
    "Node",
    "Notice",
    "OutgoingMail",
    "Practice",
    "PracticeIndicator",
    "Poll",
    "PollBallot",
    "PollChoice",
    "PollOption",
    "PracticeRevision",
    "PracticeStatus",
    "PracticeTag",
    "Question",
    "QuestionVote",
    "ReadPosition",
    "Report",
    "RevisionAction",
    "Role",
    "Room",
    "RoomNotificationChoice",
    "RoomPresence",
    "StoredFile",
    "TokenPurpose",
    "User",
    "metadata",
]
