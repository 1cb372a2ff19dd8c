"""The profile form. The rules live in services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import SelectMultipleField
from wtforms import TextAreaField


class ProfileForm(FlaskForm):
    listed = BooleanField(
        _l("List me in the people directory"),
        description=_l(
            "Signed-in participants then find you in the directory and see your profile. "
            "Otherwise only the moderators and organizers see it."
        ),
    )
    attendees_may_message = BooleanField(
        _l("Attendees may send me messages"),
        description=_l(
            "Attendees can then start a conversation with you from your profile or a room. "
            "Delegates, moderators and organizers can write to you either way."
        ),
    )
    languages = SelectMultipleField(_l("Languages I speak"), validate_choice=True)
    topics = SelectMultipleField(_l("Topics I work on"), validate_choice=True)
    bio = TextAreaField(
        _l("About me"),
        description=_l("A few lines: what you do, what you would like to talk about."),
    )
