"""The form organizers and moderators announce with. The rules live in services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import DateTimeLocalField
from wtforms import SelectMultipleField
from wtforms import TextAreaField
from wtforms.validators import Optional


class AnnouncementForm(FlaskForm):
    body = TextAreaField(
        _l("Announcement"),
        description=_l("Plain text; web addresses become links."),
    )
    all_rooms = BooleanField(_l("Every room"))
    rooms = SelectMultipleField(_l("Rooms"), validate_choice=True)
    banner_until = DateTimeLocalField(
        _l("Show it as a banner on every page until"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[Optional()],
        description=_l("In your time zone (%(zone)s). Leave it empty for no banner."),
    )
