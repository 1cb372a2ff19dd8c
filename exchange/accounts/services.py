"""Rules about accounts: creating them, signing in and out, invitations and roles."""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _nl
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from .. import permissions
from .. import realtime
from ..db import changed_rows
from ..db import utcnow
from ..errors import Forbidden
from ..errors import Invalid
from ..errors import NotFound
from ..errors import RateLimited
from ..event.models import Administration
from ..event.phases import archived_at
from ..event.phases import now
from ..event.phases import Phase
from ..event.phases import phase_of
from ..event.services import current_event
from ..extensions import db
from ..i18n import available_timezones
from ..ratelimit import backoff
from ..ratelimit import limiter
from . import identity
from .models import EmailInvitation
from .models import Invitation
from .models import LoginSession
from .models import Role
from .models import User

logger = logging.getLogger(__name__)

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: Where deleted accounts keep a placeholder address: ".invalid" never resolves (RFC 6761),
#: and nobody may register or sign up mail under it, so no one can take an address that
#: a deletion is about to use.
RESERVED_EMAIL_DOMAIN = ".invalid"
NAME_MAX_LENGTH = 100
PASSWORD_MAX_LENGTH = 1024
#: Letters that cannot be mistaken for one another when read aloud or typed.
INVITATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def normalize_email(email: str) -> str:
    return email.strip().lower()


def is_deliverable_email(email: str) -> bool:
    """Tell whether ``email`` (normalized) could be someone's address, and not a placeholder."""
    return (
        bool(EMAIL_RE.match(email))
        and len(email) <= 254
        and not email.endswith(RESERVED_EMAIL_DOMAIN)
    )


def deleted_account_email() -> str:
    """A placeholder address for a deleted account: unique, unguessable, never registrable."""
    return f"deleted-{secrets.token_hex(16)}@deleted{RESERVED_EMAIL_DOMAIN}"


def validate_new_account(email: str, name: str, password: str) -> tuple[str, str]:
    """Check the fields of a new account; return the normalized email and name."""
    email = normalize_email(email)
    name = name.strip()
    if not is_deliverable_email(email):
        raise Invalid(_l("Enter a valid email address."), field="email")
    if not name or len(name) > NAME_MAX_LENGTH:
        raise Invalid(
            _l("Enter your name (at most %(max)d characters).", max=NAME_MAX_LENGTH), field="name"
        )
    check_password_strength(password, email=email, name=name)
    return email, name


#: Passwords long enough to pass the length rule that guessing lists try first.
COMMON_PASSWORDS = frozenset(
    """
    1234567890 0987654321 1234512345 1122334455 1357924680 123456789a 1234567890a
    a1234567890 qwertyuiop qwerty1234 qwerty12345 qwerty123456 1q2w3e4r5t 1qaz2wsx3edc
    zaq12wsxcde qazwsxedcrfv asdfghjkl1 password12 password123 password1234 password!!
    passw0rd123 p@ssw0rd123 administrator admin12345 welcome123 welcome2026 letmein123
    iloveyou12 iloveyou123 sunshine123 football123 princess123 monkey1234 dragon1234
    trustno1234 superman123 starwars123 computer123 abcdefghij abc1234567 abcd123456
    changeme123 secret1234 whatever123 12345qwert qwert12345 1a2b3c4d5e europe2026
    """.split()
)


def check_password_strength(password: str, *, email: str = "", name: str = "") -> None:
    """Refuse passwords that are too short, too long or easy to guess."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise Invalid(
            _l("Choose a password of at least %(min)d characters.", min=minimum), field="password"
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise Invalid(_l("This password is too long."), field="password")
    lowered = password.lower()
    if len(set(password)) < 4 or lowered in COMMON_PASSWORDS:
        raise Invalid(
            _l("This password is too easy to guess. A few unrelated words make a strong one."),
            field="password",
        )
    personal = [email.split("@")[0].lower(), *name.lower().split()]
    if any(len(part) >= 3 and part in lowered for part in personal):
        raise Invalid(
            _l("Choose a password that does not contain your name or email address."),
            field="password",
        )


def _hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    role: Role = Role.ATTENDEE,
    administration: Administration | None = None,
) -> User:
    """Create an account. Delegates must belong to an administration."""
    email, name = validate_new_account(email, name, password)
    if role.needs_administration and administration is None:
        raise Invalid(_l("A delegate must belong to an administration."), field="administration")
    user = _new_account(email, name, password, role)
    user.administration = administration
    user.email_verified_at = utcnow()  # vouched for by whoever created it (an organizer, the CLI)
    _commit_account(user)
    logger.info("user %r created with role %s", user.id, role.value)
    return user


def register(
    *,
    email: str,
    name: str,
    password: str,
    invitation_code: str = "",
    invite_token: str = "",
    listed: bool = False,
) -> User | None:
    """Register a new account, as a delegate with a valid invitation code, else as an attendee.

    ``invite_token`` comes from a personal invitation an organizer mailed: it makes a
    delegate too, for the address it was mailed to only.

    The new account's address is not confirmed yet: a link to confirm it is mailed
    in the same transaction. When the address already has an account, nothing is
    created and its holder is told by mail instead; the caller cannot tell the two
    apart (None is returned, and the view answers the same).
    """
    # tokens.py builds on this module's account rules and imports it at the top.
    from .tokens import queue_confirmation
    from .tokens import queue_registration_exists

    email, name = validate_new_account(email, name, password)
    invitation = None
    mailed = _usable_email_invitation(invite_token, email) if invite_token else None
    if invitation_code.strip() and mailed is None:
        invitation = _usable_invitation(invitation_code)
    # Hash in both cases, so that a taken address answers after the same time.
    user = _new_account(email, name, password, invitation.role if invitation else Role.ATTENDEE)
    user.administration_id = invitation.administration_id if invitation else None
    if mailed is not None:
        user.role = Role.DELEGATE
        user.administration_id = mailed.administration_id
    user.listed = listed
    db.session.expunge(user)
    holder = db.session.scalars(sa.select(User).where(User.email == email)).first()
    if holder is not None:
        queue_registration_exists(holder)
        db.session.commit()
        logger.info("registration asked for the address of user %r; told them", holder.id)
        return None
    db.session.add(user)
    if invitation is not None:
        _count_use(invitation)
    try:
        db.session.flush()
        if mailed is not None:
            mailed.accepted_at = utcnow()
            mailed.user_id = user.id
        queue_confirmation(user, email)
        db.session.commit()
    except IntegrityError:  # the same address registered at the same moment
        db.session.rollback()
        return None
    logger.info("user %r registered as %s", user.id, user.role.value)
    return user


def _new_account(email: str, name: str, password: str, role: Role) -> User:
    """Add an account (checked by validate_new_account) to the session, not yet committed."""
    user = User(email=email, name=name, password_hash=_hash_password(password), role=role)
    db.session.add(user)
    return user


def _commit_account(user: User) -> None:
    """Store a new account; a taken address is the person's mistake, said as such."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Invalid(
            _l("An account with this email address already exists."), field="email"
        ) from None


def _usable_invitation(code: str) -> Invitation:
    normalized = re.sub(r"[\s-]", "", code).upper()
    invitation = db.session.scalars(
        sa.select(Invitation).where(Invitation.code == normalized)
    ).first()
    if invitation is None or invitation.revoked_at is not None:
        raise Invalid(
            _l(
                "This invitation code is not valid. Check it with your organizer, "
                "or leave it empty to register as an attendee."
            ),
            field="invitation_code",
        )
    if invitation.expires_at is not None and invitation.expires_at <= utcnow():
        raise Invalid(_l("This invitation code has expired."), field="invitation_code")
    if invitation.max_uses is not None and invitation.uses >= invitation.max_uses:
        raise Invalid(_l("This invitation code has been used up."), field="invitation_code")
    _check_signup_open(invitation)
    return invitation


def _usable_email_invitation(token: str, email: str) -> EmailInvitation:
    """The personal invitation a mailed link carries, for the address it was mailed to."""
    invitation = db.session.scalars(
        sa.select(EmailInvitation).where(EmailInvitation.token_hash == _token_hash(token))
    ).first()
    if invitation is None or invitation.accepted_at is not None:
        raise Invalid(
            _l("This invitation link is not valid any more. Ask the organizers for a new one."),
            field="email",
        )
    if invitation.expires_at <= utcnow():
        raise Invalid(
            _l("This invitation link has expired. Ask the organizers for a new one."),
            field="email",
        )
    if invitation.email != email:
        raise Invalid(
            _l(
                "This invitation is for %(email)s: register with that address.",
                email=invitation.email,
            ),
            field="email",
        )
    return invitation


def _check_signup_open(invitation: Invitation) -> None:
    """Once the event is over, only invitations an organizer made since reopen delegate sign-up."""
    event = current_event()
    if phase_of(event, now()) is not Phase.AFTER or event is None:
        return
    if invitation.created_at < archived_at(event):
        raise Invalid(
            _l(
                "Sign-up for delegates closed when the event ended. Ask the organizers for a "
                "new invitation code, or leave it empty to register as an attendee."
            ),
            field="invitation_code",
        )


# A hash to check against when the email is unknown (or its account deleted), made
# once per hashing method, so that every sign-in hashes exactly once and the response
# time does not reveal who has an account.
_UNKNOWN_USER_HASH: dict[str, str] = {}


def _unknown_user_hash(method: str) -> str:
    if method not in _UNKNOWN_USER_HASH:
        _UNKNOWN_USER_HASH[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _UNKNOWN_USER_HASH[method]


def authenticate(email: str, password: str) -> User:
    """Return the account matching these credentials, or raise :class:`Invalid`."""
    user = db.session.scalars(sa.select(User).where(User.email == normalize_email(email))).first()
    if user is None or user.deleted_at is not None:
        check_password_hash(
            _unknown_user_hash(current_app.config["PASSWORD_HASH_METHOD"]),
            password[:PASSWORD_MAX_LENGTH],
        )
        raise Invalid(_l("The email address or the password is not correct."))
    if not check_password_hash(user.password_hash, password[:PASSWORD_MAX_LENGTH]):
        raise Invalid(_l("The email address or the password is not correct."))
    return user


def sign_in(email: str, password: str, address: str) -> User:
    """Check credentials, slowing down whoever keeps failing.

    Only the failures of the one asking count against them: those from their
    network address, and those on this account from their address, each with
    delays that double beyond a few free failures (``LOGIN_DELAYS``). Nobody
    else's failures ever stop the owner of an account from signing in with the
    right password from their own address.
    """
    delays = backoff()
    email = normalize_email(email)
    account = f"{email}|{address}"
    wait = max(delays.waiting("login_address", address), delays.waiting("login_account", account))
    if wait:
        raise RateLimited(
            _nl(
                "Too many sign-in attempts. Please wait %(num)d minute and try again.",
                "Too many sign-in attempts. Please wait %(num)d minutes and try again.",
                math.ceil(wait / 60),
            ),
            retry_after=math.ceil(wait),
        )
    try:
        user = authenticate(email, password)
    except Invalid:
        delays.failed("login_address", address)
        delays.failed("login_account", account)
        raise
    delays.reset("login_account", account)
    if user.is_banned:
        raise Forbidden(
            _l(
                "This account has been suspended by the moderators: %(reason)s",
                reason=user.ban_reason or "",
            )
        )
    return user


def check_registration_allowed(address: str) -> None:
    """Refuse to create more than a few accounts an hour from one network address."""
    wait = limiter().hit("register_address", address)
    if wait:
        raise RateLimited(
            _nl(
                "Too many accounts were created from your network. "
                "Please try again in %(num)d minute.",
                "Too many accounts were created from your network. "
                "Please try again in %(num)d minutes.",
                math.ceil(wait / 60),
            ),
            retry_after=math.ceil(wait),
        )


def _token_hash(token: str) -> str:
    return identity.token_hash(token)


def start_login_session(user: User) -> LoginSession:
    """Open a sign-in session for ``user``; its clear token goes into the cookie."""
    token = secrets.token_urlsafe(32)
    login = LoginSession(token_hash=_token_hash(token), user=user)
    db.session.add(login)
    db.session.commit()
    login.token = token
    user.current_login = login
    return login


def user_for_token(token: str) -> User | None:
    """Return the user of a live sign-in session, or None if it is unknown or revoked.

    Read afresh on every request and socket event (accounts/identity.py says how
    it stays cheap), so that a ban or a sign-out acts on the very next one.
    """
    if not token or len(token) > 100:
        return None
    lifetime = dt.timedelta(days=current_app.config["SESSION_LIFETIME_DAYS"])
    hashed = identity.token_hash(token)
    # Sessions end 30 days after sign-in.
    row = identity.identity_row(hashed, utcnow() - lifetime)
    if row is None:
        return None
    cache = identity.identity_cache()
    known = cache.get(hashed, row)
    if known is None:
        known = identity.build(row)
        cache.put(hashed, row, known)
    user, login = identity.attach(known)
    if user.is_banned:
        return None
    login.token = token
    user.current_login = login
    return user


def revoke_login_sessions(user: User, now: dt.datetime) -> None:
    """Revoke every live sign-in of ``user``, inside the caller's transaction."""
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def end_login_session(login: LoginSession) -> None:
    """Sign out: revoke the session and close the sockets it opened, on every process."""
    login.revoked_at = utcnow()
    db.session.commit()
    realtime.end_login_session(login.id, reason="signed_out")
    logger.info("login session %r ended", login.id)


def create_invitation(
    administration: Administration,
    *,
    created_by: User | None = None,
    max_uses: int | None = None,
    expires_at: dt.datetime | None = None,
) -> Invitation:
    """Create an invitation code that registers delegates of ``administration``."""
    if max_uses is not None and max_uses < 1:
        raise Invalid(_l("The number of uses must be at least 1."), field="max_uses")
    if expires_at is not None and expires_at <= utcnow():
        raise Invalid(_l("The expiry must be in the future."), field="expires_at")
    for _attempt in range(5):
        code = "-".join(
            "".join(secrets.choice(INVITATION_ALPHABET) for _ in range(4)) for _ in range(3)
        )
        invitation = Invitation(
            code=code.replace("-", ""),
            administration=administration,
            created_by=created_by,
            max_uses=max_uses,
            expires_at=expires_at,
        )
        db.session.add(invitation)
        try:
            db.session.commit()
        except IntegrityError:  # the same random code twice: draw again
            db.session.rollback()
            continue
        logger.info("invitation %r created for %s", invitation.id, administration.slug)
        return invitation
    raise RuntimeError("could not draw a unique invitation code")


def redeem_invitation(user: User, code: str) -> User:
    """Make an attendee a delegate of the administration whose invitation code they enter.

    Their open pages reconnect, so that they can write at once.
    """
    permissions.check(user, permissions.Action.REDEEM_INVITATION)
    invitation = _usable_invitation(code)
    _count_use(invitation)
    user.role = invitation.role
    user.administration = invitation.administration
    db.session.commit()
    logger.info("user %r became %s with invitation %r", user.id, user.role, invitation.id)
    realtime.reconnect_user(user.id)
    return user


def _count_use(invitation: Invitation) -> None:
    """Count a use in the statement that checks the limit: two racing for the last use
    cannot both get it."""
    used = db.session.execute(
        sa.update(Invitation)
        .where(
            Invitation.id == invitation.id,
            sa.or_(Invitation.max_uses.is_(None), Invitation.uses < Invitation.max_uses),
        )
        .values(uses=Invitation.uses + 1)
    )
    if changed_rows(used) != 1:
        db.session.rollback()
        raise Invalid(_l("This invitation code has been used up."), field="invitation_code")


def format_invitation_code(code: str) -> str:
    """Show a code in groups of four, as people read it out ("K7QD-9XPM-2HTA")."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def list_invitations() -> list[Invitation]:
    return list(db.session.scalars(sa.select(Invitation).order_by(Invitation.created_at.desc())))


def revoke_invitation(invitation_id: int) -> Invitation:
    """Stop an invitation code from registering anyone else."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound()
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        db.session.commit()
    return invitation


def get_user_by_email(email: str) -> User:
    user = db.session.scalars(sa.select(User).where(User.email == normalize_email(email))).first()
    if user is None:
        raise NotFound(_l("No account has this email address."))
    return user


def set_preferences(user: User, *, locale: str | None, timezone: str | None) -> User:
    """Save the language and time zone a person reads the exchange in (None: automatic)."""
    if locale is not None and locale not in current_app.config["LANGUAGES"]:
        raise Invalid(_l("This language is not available."), field="locale")
    if timezone is not None and timezone not in available_timezones():
        raise Invalid(_l("This is not a known time zone."), field="timezone")
    user.locale = locale
    user.timezone = timezone
    db.session.commit()
    return user
