"""The accessibility feedback form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional


class AccessibilityFeedbackForm(FlaskForm):
    message = TextAreaField(
        _l("What did not work for you?"),
        validators=[DataRequired(), Length(max=5000)],
        description=_l(
            "Describe the barrier, or the content you need in another form (for example, "
            "a practice as plain text or in large print)."
        ),
    )
    page = StringField(
        _l("Page, if it was one in particular"), validators=[Optional(), Length(max=500)]
    )
    name = StringField(_l("Your name (optional)"), validators=[Optional(), Length(max=100)])
    email = EmailField(
        _l("Your email address (optional)"),
        validators=[Optional(), Length(max=254)],
        description=_l("Only if you would like an answer."),
    )
