"""Drafts the server keeps while a writer types: nothing typed is lost on a closed tab.

The guided form's script sends a step's fields a moment after the writer stops
typing; they are kept as typed, unchecked and unrendered (cheap, so they have a
limit of their own, ``practice_autosave``, and do not count as saves). Showing
the step again puts them back in the form; saving the step for real takes them
out (in the transaction of that save, see ``services.update_practice``).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable
from collections.abc import Mapping

import sqlalchemy as sa
from flask import current_app

from .. import permissions
from ..accounts.models import User
from ..db import utcnow
from ..errors import RateLimited
from ..errors import TooLong
from ..extensions import db
from ..permissions import Action
from ..ratelimit import limiter
from .models import Practice
from .models import PracticeAutosave

logger = logging.getLogger(__name__)

#: The free indicators' rows, as the form names their fields.
_ROW_FIELD = re.compile(r"^(other_indicators)-([0-9]{1,2})-(name|value|unit)$")
#: Most free indicator rows a form shows (the stored ones, up to 20, and two blank).
MAX_ROWS = 25


def field_of(key: str) -> str:
    """The practice's field a form key belongs to (``other_indicators-0-name`` → its list)."""
    row = _ROW_FIELD.match(key)
    return row[1] if row else key


def kept_keys(values: Mapping[str, str], fields: Iterable[str]) -> dict[str, str]:
    """The values of the form keys that belong to ``fields`` (and the revision the form saw)."""
    wanted = {*fields, "based_on_revision"}
    kept = {}
    for key, value in values.items():
        row = _ROW_FIELD.match(key)
        if row and int(row[2]) >= MAX_ROWS:
            continue
        if field_of(key) in wanted:
            kept[key] = value
    return kept


def autosaved(user: User, practice: Practice | None) -> PracticeAutosave | None:
    """What ``user`` typed in ``practice``'s form (None: a new practice's) and did not save."""
    condition = (
        PracticeAutosave.practice_id.is_(None)
        if practice is None
        else PracticeAutosave.practice_id == practice.id
    )
    return db.session.scalars(
        sa.select(PracticeAutosave)
        .where(PracticeAutosave.user_id == user.id, condition)
        .order_by(PracticeAutosave.id.desc())
        .limit(1)
    ).first()


def autosave(
    user: User, practice: Practice | None, values: Mapping[str, str], fields: Iterable[str]
) -> PracticeAutosave:
    """Keep what ``user`` typed in some of a practice's ``fields``, as typed; return the draft.

    Too much text is refused rather than cut (the form keeps it, and says it is
    not saved). Characters no database stores are dropped from the kept copy:
    saving for real refuses them, at their field.
    """
    if practice is None:
        permissions.check(user, Action.POST_PRACTICE)
    else:
        permissions.check(user, Action.EDIT_PRACTICE, practice)
    wait = limiter().hit("practice_autosave", str(user.id))
    if wait:
        raise RateLimited(retry_after=math.ceil(wait))
    kept = {key: _storable(value) for key, value in kept_keys(values, fields).items()}
    # Room for a text over the limits while it is being shortened, not for a flood.
    limit = 2 * current_app.config["PRACTICE_TOTAL_MAX_LENGTH"]
    if sum(len(value) for value in kept.values()) > limit:
        raise TooLong(max_length=limit)
    draft = autosaved(user, practice)
    if draft is None:
        draft = PracticeAutosave(
            user_id=user.id, practice_id=practice.id if practice else None, fields={}
        )
        db.session.add(draft)
    draft.fields = {**draft.fields, **kept}
    draft.saved_at = utcnow()
    db.session.commit()
    logger.debug("autosaved %d fields of practice %r for %r", len(kept), practice, user.id)
    return draft


def settle(user: User, practice: Practice | None, fields: Iterable[str]) -> None:
    """Take ``fields`` out of the writer's draft, in the caller's transaction: they are saved."""
    draft = autosaved(user, practice)
    if draft is None:
        return
    saved = set(fields)
    rest = {key: value for key, value in draft.fields.items() if field_of(key) not in saved}
    rest.pop("based_on_revision", None)
    if rest:
        draft.fields = rest
    else:
        db.session.delete(draft)


def discard(user: User, practice: Practice | None, fields: Iterable[str]) -> None:
    """Throw away what ``user`` typed in some of a practice's ``fields`` and did not save."""
    settle(user, practice, fields)
    db.session.commit()


def forget_autosaves_of(user: User) -> None:
    """Delete every draft a person kept, in the caller's transaction (their account goes)."""
    db.session.execute(sa.delete(PracticeAutosave).where(PracticeAutosave.user_id == user.id))


def _storable(value: str) -> str:
    text = str(value).replace("\x00", "")
    return text.encode("utf-8", "replace").decode("utf-8") if not text.isascii() else text
