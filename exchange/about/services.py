"""Rules about feedback on the exchange itself."""

from __future__ import annotations

import logging
import math

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _nl

from ..errors import Invalid, RateLimited
from ..extensions import db
from ..ratelimit import limiter
from .models import AccessibilityFeedback

logger = logging.getLogger(__name__)

MESSAGE_MAX_LENGTH = 5000


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
    db.session.commit()
    logger.info("accessibility feedback %r received", feedback.id)
    return feedback


def open_feedback() -> list[AccessibilityFeedback]:
    return list(
        db.session.scalars(
            sa.select(AccessibilityFeedback)
            .where(AccessibilityFeedback.handled_at.is_(None))
            .order_by(AccessibilityFeedback.id)
        )
    )
