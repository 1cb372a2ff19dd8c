"""Forms of the account pages. Validation of the rules themselves lives in services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import DateField
from wtforms import EmailField
from wtforms import IntegerField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class RegisterForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("Shown to other participants next to your messages."),
    )
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=1024)],
        description=_l("At least 10 characters. A few unrelated words make a strong password."),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    invitation_code = StringField(
        _l("Invitation code (delegates only)"),
        validators=[Optional(), Length(max=40)],
        description=_l(
            "Delegates of a participating administration received a code from the "
            "organizers. Without a code you register as an attendee: you can follow "
            "every room and read the practices."
        ),
    )
    listed = BooleanField(
        _l("List me in the people directory"),
        description=_l(
            "Other participants then find you, with your administration and role. In your "
            "profile you add languages, topics and a few lines about you, or leave the directory."
        ),
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(), Length(max=254)],
        description=_l("The address you registered with."),
    )


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=1024)],
        description=_l("At least 10 characters. A few unrelated words make a strong password."),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class ConfirmForm(FlaskForm):
    """A button only: the link's token is in the address."""


class ChangeEmailForm(FlaskForm):
    email = EmailField(
        _l("New email address"),
        validators=[DataRequired(), Length(max=254)],
        description=_l("We mail a link to it; your address changes when you follow the link."),
    )
    # Its own id: the page also holds the deletion form, whose password field is "password".
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(), Length(max=1024)],
        description=_l("To make sure it is you."),
        id="change-email-password",
    )


class InvitationForm(FlaskForm):
    administration = SelectField(_l("Administration"), coerce=str, validators=[DataRequired()])
    max_uses = IntegerField(
        _l("How many people may use it"),
        validators=[Optional(), NumberRange(min=1, max=10000)],
        description=_l("Leave empty for no limit."),
    )
    expires_on = DateField(
        _l("Valid until"),
        validators=[Optional()],
        description=_l("The code works until the end of this day. Leave it empty for no end."),
    )


class InviteByEmailForm(FlaskForm):
    administration = SelectField(_l("Administration"), coerce=str, validators=[DataRequired()])
    addresses = TextAreaField(
        _l("Email addresses"),
        validators=[DataRequired()],
        description=_l(
            "One per line. Each gets a personal link that registers them as a delegate "
            "of this administration."
        ),
    )


class RedeemCodeForm(FlaskForm):
    code = StringField(
        _l("Invitation code"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("From the organizers, for the delegates of your administration."),
        id="redeem-code",
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(), Length(max=1024)],
        description=_l("To make sure it is you."),
    )
    confirm = BooleanField(
        _l("I understand that my account cannot be restored."),
        validators=[DataRequired(message=_l("Tick this box to confirm."))],
    )


class PreferencesForm(FlaskForm):
    locale = SelectField(_l("Language of the interface"), validate_choice=True)
    timezone = SelectField(
        _l("Time zone"),
        validate_choice=True,
        description=_l("Times are shown in this time zone."),
    )
