"""Pages to sign in, sign out, register, and (for organizers) hand out invitation codes."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import Response
from flask import session
from flask import stream_with_context
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user

from ..db import utcnow
from ..errors import ExchangeError
from ..errors import Invalid
from ..event.services import get_administration
from ..event.services import list_administrations
from ..forms import apply_error
from ..forms import flash_refusal
from ..forms import form_status
from ..i18n import language_names
from ..i18n import remember_choices
from ..i18n import select_timezone
from ..i18n import timezone_choices
from ..permissions import acting_user
from ..permissions import Action
from ..permissions import requires
from ..security import safe_next_url
from . import privacy
from . import services
from . import tokens
from .forms import ChangeEmailForm
from .forms import ConfirmForm
from .forms import DeleteAccountForm
from .forms import ForgotPasswordForm
from .forms import InvitationForm
from .forms import InviteByEmailForm
from .forms import LoginForm
from .forms import NewPasswordForm
from .forms import PreferencesForm
from .forms import RedeemCodeForm
from .forms import RegisterForm
from .invitations import email_invitations
from .invitations import invitation_for_link
from .invitations import invite_by_email
from .invitations import Invited
from .models import TokenPurpose
from .models import User

bp = Blueprint("accounts", __name__)


def _client_address() -> str:
    """The visitor's network address (behind trusted proxies, the one they report)."""
    return request.remote_addr or "unknown"


def _sign_in(user: User) -> None:
    # A language chosen before signing in is a choice made today: it wins, and is kept.
    chosen = session.get("locale")
    services.start_login_session(user)
    session.clear()
    session.permanent = True
    if chosen in current_app.config["LANGUAGES"] and chosen != user.locale:
        services.set_preferences(user, locale=chosen, timezone=user.timezone)
    remember_choices(user)
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    next_url = safe_next_url(request.args.get("next"), url_for("event.home"))
    if current_user.is_authenticated:
        return redirect(next_url)
    form = LoginForm()
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            user = services.sign_in(
                form.email.data or "", form.password.data or "", _client_address()
            )
        except ExchangeError as error:
            form.form_errors.append(str(error.message))
            status = form_status(error)
        else:
            _sign_in(user)
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(next_url)
    return render_template("accounts/login.html", form=form, next_url=next_url), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    if current_user.is_authenticated and current_user.current_login is not None:
        services.end_login_session(current_user.current_login)
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("event.home"))


@bp.route("/reset-password", methods=["GET", "POST"])
def forgot_password() -> ResponseReturnValue:
    """Ask for a link to set a new password; the answer never says whether the address is known."""
    form = ForgotPasswordForm()
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            with tokens.steady_answer(current_app.config["ACCOUNT_ANSWER_SECONDS"]):
                tokens.request_password_reset(form.email.data or "", _client_address())
        except ExchangeError as error:
            form.form_errors.append(str(error.message))
            status = form_status(error)
        else:
            return render_template(
                "accounts/reset_sent.html",
                email=services.normalize_email(form.email.data or ""),
                minutes=current_app.config["PASSWORD_RESET_MINUTES"],
            )
    return render_template("accounts/forgot_password.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    """Set a new password through the mailed link, then sign in here (and nowhere else)."""
    if tokens.usable_token(token, TokenPurpose.RESET_PASSWORD) is None:
        return render_template("accounts/reset_expired.html"), 410
    form = NewPasswordForm()
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            user, _ended = tokens.reset_password(token, form.password.data or "")
        except ExchangeError as error:
            apply_error(form, error)
            status = form_status(error)
        else:
            logout_user()
            _sign_in(user)
            flash(
                _(
                    "Your new password is set. "
                    "You are signed in here, and signed out everywhere else."
                ),
                "success",
            )
            return redirect(url_for("event.home"))
    return render_template("accounts/reset_password.html", form=form, token=token), status


@bp.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("event.home"))
    form = RegisterForm()
    status = 422 if request.method == "POST" else 200
    invite_token = (request.values.get("invite") or "")[:100]
    invited = invitation_for_link(invite_token) if invite_token else None
    if request.method == "GET" and (request.args.get("code") or invited):
        form.invitation_code.data = request.args.get("code", "")[:40]
        # Delegates speak for their administration: offered the directory, ticked.
        form.listed.data = True
    if request.method == "GET" and invited is not None:
        form.email.data = invited.email
    if form.validate_on_submit():
        try:
            services.check_registration_allowed(_client_address())
            with tokens.steady_answer(current_app.config["ACCOUNT_ANSWER_SECONDS"]):
                services.register(
                    email=form.email.data or "",
                    name=form.name.data or "",
                    password=form.password.data or "",
                    invitation_code=form.invitation_code.data or "",
                    invite_token=invite_token,
                    listed=bool(form.listed.data),
                )
        except ExchangeError as error:
            apply_error(form, error)
            status = form_status(error)
        else:
            # The same answer whether the address was free or already had an account.
            return render_template(
                "accounts/register_sent.html",
                email=services.normalize_email(form.email.data or ""),
                hours=current_app.config["EMAIL_CONFIRM_HOURS"],
            )
    return render_template(
        "accounts/register.html", form=form, invite_token=invite_token, invited=invited
    ), status


@bp.route("/confirm-email/<token>", methods=["GET", "POST"])
def confirm_email(token: str) -> ResponseReturnValue:
    """Confirm an address through the mailed link (a button: mail scanners only GET)."""
    stored = tokens.usable_token(token, TokenPurpose.VERIFY_EMAIL)
    if stored is None:
        return render_template("accounts/reset_expired.html", confirming=True), 410
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            changing = stored.email != stored.user.email
            user = tokens.confirm_email(token)
        except ExchangeError as error:
            form.form_errors.append(str(error.message))
        else:
            if changing:
                message = _("Your email address is now %(email)s.", email=user.email)
            elif user.administration is not None:
                message = _(
                    "Welcome, %(name)s. You are registered as a delegate of %(administration)s.",
                    name=user.name,
                    administration=user.administration.name,
                )
            else:
                message = _("Welcome, %(name)s. You are registered as an attendee.", name=user.name)
            flash(message, "success")
            if current_user.is_authenticated:
                return redirect(url_for("event.home"))
            flash(_("Your address is confirmed. Sign in to take part."), "info")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/confirm_email.html", form=form, email=stored.email)


@bp.post("/account/confirm-email")
@requires(Action.MANAGE_OWN_ACCOUNT)
def resend_confirmation() -> ResponseReturnValue:
    try:
        tokens.resend_confirmation(acting_user())
    except ExchangeError as error:
        flash(str(error.message), "error")
    else:
        flash(_("We mailed you a new link to confirm your address."), "info")
    return redirect(safe_next_url(request.form.get("next"), url_for("accounts.account")))


@bp.post("/account/email")
@requires(Action.MANAGE_OWN_ACCOUNT)
def change_email() -> ResponseReturnValue:
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            tokens.request_email_change(
                acting_user(), form.email.data or "", form.password.data or ""
            )
        except ExchangeError as error:
            apply_error(form, error)
        else:
            flash(
                _(
                    "We mailed a link to %(email)s. Your address changes when you follow it.",
                    email=services.normalize_email(form.email.data or ""),
                ),
                "info",
            )
            return redirect(url_for("accounts.account"))
    return (
        render_template(
            "accounts/account.html",
            redeem_form=RedeemCodeForm(),
            delete_form=DeleteAccountForm(),
            preferences_form=_preferences_form(acting_user()),
            email_form=form,
        ),
        422,
    )


@bp.route("/invitations", methods=["GET", "POST"])
@requires(Action.MANAGE_INVITATIONS)
def invitations() -> ResponseReturnValue:
    form = InvitationForm()
    form.administration.choices = _administration_choices()
    if form.validate_on_submit():
        try:
            invitation = services.create_invitation(
                get_administration(form.administration.data or ""),
                created_by=acting_user(),
                max_uses=form.max_uses.data,
                expires_at=_end_of_day(form.expires_on.data),
            )
        except Invalid as error:
            apply_error(form, error)
        else:
            flash(
                _(
                    "New invitation code for %(administration)s: %(code)s",
                    administration=invitation.administration.name,
                    code=services.format_invitation_code(invitation.code),
                ),
                "success",
            )
            return redirect(url_for("accounts.invitations"))
    status = 422 if request.method == "POST" else 200
    return _invitations_page(form, _email_form()), status


@bp.post("/invitations/email")
@requires(Action.MANAGE_INVITATIONS)
def invite_by_mail() -> ResponseReturnValue:
    """Mail a personal registration link to each pasted address."""
    form = _email_form()
    if form.validate_on_submit():
        try:
            result = invite_by_email(
                acting_user(),
                get_administration(form.administration.data or ""),
                form.addresses.data or "",
            )
        except ExchangeError as error:
            if error.http_status != 400:
                raise
            apply_error(form, error)
        else:
            _flash_invited(result)
            return redirect(url_for("accounts.invitations", _anchor="by-email"))
    code_form = InvitationForm(formdata=None)
    code_form.administration.choices = _administration_choices()
    return _invitations_page(code_form, form), 422


def _flash_invited(result: Invited) -> None:
    flash(
        ngettext(
            "Invited %(num)d address: each gets a personal link by mail.",
            "Invited %(num)d addresses: each gets a personal link by mail.",
            len(result.invited),
        ),
        "success",
    )
    if result.registered:
        flash(
            _(
                "Already registered, so not invited (they can enter a code on their account "
                "page): %(addresses)s",
                addresses=", ".join(result.registered),
            ),
            "info",
        )
    if result.not_addresses:
        flash(
            _("Not email addresses, skipped: %(lines)s", lines=", ".join(result.not_addresses)),
            "error",
        )


def _administration_choices() -> list[tuple[str, str]]:
    # An empty first choice: a required select must not come with an answer chosen.
    return [("", _("Choose an administration"))] + [
        (a.slug, f"{a.name} ({a.country})") for a in list_administrations()
    ]


def _email_form() -> InviteByEmailForm:
    form = InviteByEmailForm(prefix="mail")
    form.administration.choices = _administration_choices()
    return form


def _invitations_page(form: InvitationForm, email_form: InviteByEmailForm) -> str:
    return render_template(
        "accounts/invitations.html",
        form=form,
        email_form=email_form,
        invitations=services.list_invitations(),
        mailed=email_invitations(acting_user()),
        format_code=services.format_invitation_code,
        now=utcnow(),
    )


def _end_of_day(day: dt.date | None) -> dt.datetime | None:
    """The moment a day ends in the reader's time zone (a code valid "until" that day)."""
    if day is None:
        return None
    following = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
    return following.replace(tzinfo=ZoneInfo(select_timezone())).astimezone(dt.UTC)


@bp.post("/account/invitation-code")
@requires(Action.REDEEM_INVITATION)
def redeem_invitation() -> ResponseReturnValue:
    """An attendee enters a code after registering, and becomes a delegate."""
    form = RedeemCodeForm()
    if form.validate_on_submit():
        with flash_refusal() as attempt:
            user = services.redeem_invitation(acting_user(), form.code.data or "")
        if attempt.succeeded:
            flash(
                _(
                    "You are now a delegate of %(administration)s.",
                    administration=user.administration.name if user.administration else "",
                ),
                "success",
            )
    else:
        flash(_("Enter the invitation code."), "error")
    return redirect(url_for("accounts.account"))


@bp.post("/invitations/<int:invitation_id>/revoke")
@requires(Action.MANAGE_INVITATIONS)
def revoke_invitation(invitation_id: int) -> ResponseReturnValue:
    invitation = services.revoke_invitation(invitation_id)
    flash(
        _(
            "The code %(code)s no longer works.",
            code=services.format_invitation_code(invitation.code),
        ),
        "info",
    )
    return redirect(url_for("accounts.invitations"))


def _preferences_form(user: User | None = None) -> PreferencesForm:
    form = PreferencesForm(
        data={"locale": user.locale or "", "timezone": user.timezone or ""} if user else None
    )
    form.locale.choices = [("", _("As my browser says"))] + language_names(
        current_app.config["LANGUAGES"]
    )
    form.timezone.choices = [("", _("The event's time zone"))] + [
        (zone, zone.replace("_", " ")) for zone in timezone_choices()
    ]
    return form


@bp.get("/account")
@requires(Action.MANAGE_OWN_ACCOUNT)
def account() -> ResponseReturnValue:
    return render_template(
        "accounts/account.html",
        redeem_form=RedeemCodeForm(),
        delete_form=DeleteAccountForm(),
        preferences_form=_preferences_form(acting_user()),
        email_form=ChangeEmailForm(),
    )


@bp.post("/account/preferences")
@requires(Action.MANAGE_OWN_ACCOUNT)
def preferences() -> ResponseReturnValue:
    form = _preferences_form()
    if form.validate_on_submit():
        user = services.set_preferences(
            acting_user(), locale=form.locale.data or None, timezone=form.timezone.data or None
        )
        session.pop("locale", None)
        session.pop("timezone", None)
        remember_choices(user)
        flash(_("Your preferences are saved."), "success")
        return redirect(url_for("accounts.account"))
    return (
        render_template(
            "accounts/account.html",
            redeem_form=RedeemCodeForm(),
            delete_form=DeleteAccountForm(),
            preferences_form=form,
            email_form=ChangeEmailForm(),
        ),
        422,
    )


@bp.post("/language")
def set_language() -> ResponseReturnValue:
    """Anyone may pick the interface language; signed-in people keep it for next time."""
    code = request.form.get("language", "")
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            user = acting_user()
            services.set_preferences(user, locale=code, timezone=user.timezone)
    return redirect(safe_next_url(request.form.get("next"), url_for("event.home")))


@bp.get("/account/export.json")
@requires(Action.MANAGE_OWN_ACCOUNT)
def export() -> ResponseReturnValue:
    """Hand a person everything stored about them, as a JSON file."""
    data = privacy.personal_data(acting_user())
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-data-spazio-virtuale.json"'},
    )


@bp.get("/account/export.zip")
@requires(Action.MANAGE_OWN_ACCOUNT)
def export_archive() -> ResponseReturnValue:
    """Hand a person everything stored about them with the files they uploaded, as a ZIP."""
    archive = privacy.personal_archive(acting_user())
    return Response(
        stream_with_context(archive),
        mimetype="application/zip",
        headers={
            "Content-Disposition": 'attachment; filename="my-data-spazio-virtuale.zip"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.post("/account/delete")
@requires(Action.MANAGE_OWN_ACCOUNT)
def delete_account() -> ResponseReturnValue:
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            privacy.delete_account(acting_user(), form.password.data or "")
        except ExchangeError as error:
            apply_error(form, error)
        else:
            logout_user()
            session.clear()
            flash(_("Your account has been deleted."), "info")
            return redirect(url_for("event.home"))
    return (
        render_template(
            "accounts/account.html",
            redeem_form=RedeemCodeForm(),
            delete_form=form,
            preferences_form=_preferences_form(acting_user()),
            email_form=ChangeEmailForm(),
        ),
        422,
    )
