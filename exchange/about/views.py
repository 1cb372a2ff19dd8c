"""Public statements (privacy, accessibility), and the organizers' answers to feedback."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ..accounts.privacy import ENDED_SESSION_RETENTION
from ..errors import ExchangeError
from ..forms import apply_error
from ..forms import form_status
from ..permissions import acting_user
from ..permissions import Action
from ..permissions import requires
from . import services
from .forms import AccessibilityFeedbackForm

bp = Blueprint("about", __name__)


@bp.get("/privacy")
def privacy() -> ResponseReturnValue:
    return render_template(
        "about/privacy.html",
        contact=current_app.config["PRIVACY_CONTACT"],
        session_days=current_app.config["SESSION_LIFETIME_DAYS"],
        ended_session_days=ENDED_SESSION_RETENTION.days,
        room_message_days=current_app.config["RETENTION_ROOM_MESSAGES_DAYS"],
        direct_message_days=current_app.config["RETENTION_DIRECT_MESSAGES_DAYS"],
    )


@bp.route("/accessibility", methods=["GET", "POST"])
def accessibility() -> ResponseReturnValue:
    """The accessibility statement the Web Accessibility Directive asks for, with its form."""
    form = AccessibilityFeedbackForm()
    if request.method == "GET" and request.args.get("page"):
        form.page.data = request.args["page"][:500]
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            services.send_accessibility_feedback(
                message=form.message.data or "",
                name=form.name.data or "",
                email=form.email.data or "",
                page=form.page.data or "",
                address=request.remote_addr or "unknown",
            )
        except ExchangeError as error:
            apply_error(form, error)
            status = form_status(error)
        else:
            flash(_("Thank you. The organizers have your message."), "success")
            return redirect(url_for("about.accessibility", _anchor="feedback-title"))
    return (
        render_template(
            "about/accessibility.html", form=form, contact=current_app.config["PRIVACY_CONTACT"]
        ),
        status,
    )


@bp.get("/organizer/accessibility-feedback")
@requires(Action.ANSWER_FEEDBACK)
def feedback() -> ResponseReturnValue:
    """What visitors wrote about barriers: the open messages, then the latest answered ones."""
    return render_template(
        "about/feedback.html",
        waiting=services.open_feedback(),
        answered=services.answered_feedback(),
    )


@bp.post("/organizer/accessibility-feedback/<int:feedback_id>/answered")
@requires(Action.ANSWER_FEEDBACK)
def answer_feedback(feedback_id: int) -> ResponseReturnValue:
    """An organizer marks one message answered, after writing back or dealing with it."""
    services.mark_feedback_answered(services.get_feedback(feedback_id), acting_user())
    flash(_("Marked as answered."), "success")
    return redirect(url_for("about.feedback"))
