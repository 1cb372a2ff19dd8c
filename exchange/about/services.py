"""Rules about feedback on the exchange itself."""

from __future__ import annotations

import logging
import math

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _nl
from sqlalchemy.orm import joinedload

from .. import permissions
from ..accounts.models import User
from ..db import utcnow
from ..errors import Invalid
from ..errors import NotFound
from ..errors import RateLimited
from ..extensions import db
from ..mail.services import queue_mail
from ..mail.services import site_url
from ..permissions import Action
from ..ratelimit import limiter
from .models import AccessibilityFeedback

logger = logging.getLogger(__name__)

MESSAGE_MAX_LENGTH = 5000
#: Answered feedback the organizers' page still shows, the latest first.
ANSWERED_SHOWN = 50


def send_accessibility_feedback(
    *, message: str, name: str = "", email: str = "", page: str = "", address: str
) -> AccessibilityFeedback:
    """Record a report of an accessibility barrier for the organizers."""
    message, name, email, page = message.strip(), name.strip(), email.strip(), page.strip()
    if not message:
        raise Invalid(_l("Tell us what did not work for you."), field="message")
    if len(message) > MESSAGE_MAX_LENGTH:
        raise Invalid(
            _l("Please keep it under %(max)d characters.", max=MESSAGE_MAX_LENGTH), field="message"
        )
    if email and ("@" not in email or len(email) > 254):
        raise Invalid(_l("Enter a valid email address, or leave it empty."), field="email")
    wait = limiter().hit("feedback_address", address)
    if wait:
        raise RateLimited(
            _nl(
                "Thank you; please wait %(num)d minute before sending more.",
                "Thank you; please wait %(num)d minutes before sending more.",
                math.ceil(wait / 60),
            ),
            retry_after=math.ceil(wait),
        )
    feedback = AccessibilityFeedback(message=message, name=name[:100], email=email, page=page[:500])
    db.session.add(feedback)
    _tell_organizers(feedback)
    db.session.commit()
    logger.info("accessibility feedback %r received", feedback.id)
    return feedback


def _tell_organizers(feedback: AccessibilityFeedback) -> None:
    """Mail everyone who answers feedback, in the transaction that stores it."""
    readers = db.session.scalars(
        sa.select(User).where(
            User.role.in_(permissions.roles_allowed(Action.ANSWER_FEEDBACK)),
            User.deleted_at.is_(None),
            User.banned_at.is_(None),
        )
    )
    for reader in readers:
        queue_mail(
            kind="accessibility_feedback",
            to=reader.email,
            user=reader,
            template="accessibility_feedback",
            subject=_l("Accessibility feedback arrived"),
            feedback=feedback,
            link=site_url("about.feedback"),
        )


def open_feedback() -> list[AccessibilityFeedback]:
    """Return the feedback nobody has answered yet, the longest waiting first."""
    return list(
        db.session.scalars(
            sa.select(AccessibilityFeedback)
            .where(AccessibilityFeedback.handled_at.is_(None))
            .order_by(AccessibilityFeedback.id)
        )
    )


def answered_feedback(limit: int = ANSWERED_SHOWN) -> list[AccessibilityFeedback]:
    """Return the latest answered feedback, the most recently answered first."""
    return list(
        db.session.scalars(
            sa.select(AccessibilityFeedback)
            .where(AccessibilityFeedback.handled_at.is_not(None))
            .options(joinedload(AccessibilityFeedback.handled_by))
            .order_by(AccessibilityFeedback.handled_at.desc(), AccessibilityFeedback.id.desc())
            .limit(limit)
        )
    )


def get_feedback(feedback_id: int) -> AccessibilityFeedback:
    feedback = db.session.get(AccessibilityFeedback, feedback_id)
    if feedback is None:
        raise NotFound()
    return feedback


def mark_feedback_answered(
    feedback: AccessibilityFeedback, organizer: User
) -> AccessibilityFeedback:
    """Record that an organizer answered this feedback (or dealt with it); again changes nothing."""
    permissions.check(organizer, Action.ANSWER_FEEDBACK)
    if feedback.is_answered:
        return feedback
    feedback.handled_at = utcnow()
    feedback.handled_by = organizer
    db.session.commit()
    logger.info("accessibility feedback %r answered by %r", feedback.id, organizer.id)
    return feedback
