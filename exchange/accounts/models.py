"""People, their roles, their sign-in sessions and the invitations that enrol them."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..db import Base
from ..db import created_at
from ..db import enum_type
from ..db import intpk
from ..db import short_str

if TYPE_CHECKING:
    from ..event.models import Administration


class Role(StrEnum):
    """What a person does at the exchange; permissions.py says what each may do."""

    ATTENDEE = "attendee"
    DELEGATE = "delegate"
    MODERATOR = "moderator"
    ORGANIZER = "organizer"

    @property
    def needs_administration(self) -> bool:
        """Delegates speak for an administration, so they must belong to one."""
        return self is Role.DELEGATE

    @classmethod
    def of_administrations(cls) -> list[Role]:
        """The roles of people who speak for an administration."""
        return [role for role in cls if role.needs_administration]


class User(Base):
    """An account. Flask-Login's user object is this model itself."""

    __tablename__ = "users"

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[short_str]
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(
        enum_type(Role, length=20),
        default=Role.ATTENDEE,
    )
    administration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("administrations.id"), index=True
    )
    #: The interface language this person chose; None follows the browser.
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    #: The time zone this person reads times in (IANA name); None: the event's.
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[created_at]
    #: When the person proved they read mail at ``email`` (followed a mailed link), or an
    #: organizer or the command line vouched for it. None: they may read but not write.
    email_verified_at: Mapped[dt.datetime | None]
    #: Set when the person deleted their account: what identified them is gone,
    #: and what they wrote stays, attributed to "deleted user".
    deleted_at: Mapped[dt.datetime | None]
    #: A moderator's mute: no posting until then.
    muted_until: Mapped[dt.datetime | None]
    mute_reason: Mapped[str | None] = mapped_column(sa.String(500))
    #: A moderator's ban: no sign-in at all until lifted.
    banned_at: Mapped[dt.datetime | None]
    ban_reason: Mapped[str | None] = mapped_column(sa.String(500))

    #: The person agreed to be listed in the people directory (opt-in; never by default).
    listed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Attendees may start a conversation with this person (opt-in; never by default).
    #: Delegates, moderators and organizers may whatever it says.
    attendees_may_message: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Their profile: languages they speak (ISO 639-1), themes (room slugs), a short bio.
    languages: Mapped[list[str]] = mapped_column(default=list)
    topics: Mapped[list[str]] = mapped_column(default=list)
    bio: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    administration: Mapped[Administration | None] = relationship(back_populates="members")
    login_sessions: Mapped[list[LoginSession]] = relationship(back_populates="user")

    def muted_at(self, moment: dt.datetime) -> bool:
        return self.muted_until is not None and self.muted_until > moment

    @property
    def is_banned(self) -> bool:
        return self.banned_at is not None

    #: The sign-in session this object was loaded through (set by the user loader);
    #: a plain attribute, not a column. (The annotation is for the type checker only:
    #: the declarative mapping would take an annotated attribute for a column.)
    if TYPE_CHECKING:
        current_login: LoginSession | None
    current_login = None

    # Flask-Login's protocol.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        """The name shown next to what this person wrote."""
        if self.deleted_at is not None:
            return gettext("Deleted user")
        return self.name

    def get_id(self) -> str | None:
        """Identify the sign-in session, not the person, so that it can be revoked."""
        return self.current_login.token if self.current_login else None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class LoginSession(Base):
    """One sign-in from one browser. Revoking it signs that browser out everywhere.

    The cookie holds a random token; the database keeps only its SHA-256, so a
    copy of the database cannot be used to impersonate anyone.
    """

    __tablename__ = "login_sessions"

    id: Mapped[intpk]
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[created_at]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(back_populates="login_sessions")

    #: The clear token, known only right after sign-in or when loaded from a cookie;
    #: a plain attribute, never stored (annotated for the type checker only, as above).
    if TYPE_CHECKING:
        token: str | None
    token = None


class Invitation(Base):
    """A code an organizer hands to an administration so that its delegates can register."""

    __tablename__ = "invitations"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    administration_id: Mapped[int] = mapped_column(sa.ForeignKey("administrations.id"))
    role: Mapped[Role] = mapped_column(
        enum_type(Role, length=20),
        default=Role.DELEGATE,
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[created_at]
    expires_at: Mapped[dt.datetime | None]
    #: None means any number of delegates may use the code.
    max_uses: Mapped[int | None]
    uses: Mapped[int] = mapped_column(default=0)
    revoked_at: Mapped[dt.datetime | None]

    administration: Mapped[Administration] = relationship()
    created_by: Mapped[User | None] = relationship()


class EmailInvitation(Base):
    """An organizer invited one address to register as a delegate of an administration.

    The mailed link carries a random token; only its SHA-256 is stored. Inviting the
    same address to the same administration again mails a fresh link in its place.
    """

    __tablename__ = "email_invitations"
    __table_args__ = (sa.UniqueConstraint("email", "administration_id"),)

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    administration_id: Mapped[int] = mapped_column(sa.ForeignKey("administrations.id"))
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[created_at]
    expires_at: Mapped[dt.datetime]
    #: When the invited person registered through the link, and as whom.
    accepted_at: Mapped[dt.datetime | None]
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    administration: Mapped[Administration] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])


class TokenPurpose(StrEnum):
    """What a link mailed to a person lets them do."""

    RESET_PASSWORD = "reset_password"
    VERIFY_EMAIL = "verify_email"


class AccountToken(Base):
    """A single-use link mailed to a person: set a new password, or confirm an address.

    As with sign-in sessions, only the SHA-256 of the token is stored.
    """

    __tablename__ = "account_tokens"

    id: Mapped[intpk]
    purpose: Mapped[TokenPurpose] = mapped_column(enum_type(TokenPurpose, length=20))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: The address the link was mailed to (for a changed address: the new one).
    email: Mapped[str] = mapped_column(sa.String(254))
    created_at: Mapped[created_at]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()


class Block(Base):
    """One person's refusal of new conversations from another (people.services.block).

    The blocked person is not told: nothing they see changes until they try to write.
    """

    __tablename__ = "blocks"

    blocker_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    blocked_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[created_at]

    blocked: Mapped[User] = relationship(foreign_keys=[blocked_id])
