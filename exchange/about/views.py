"""Public statements: what the exchange stores about people, and for how long."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue

from ..accounts.privacy import ENDED_SESSION_RETENTION

bp = Blueprint("about", __name__)


@bp.get("/privacy")
def privacy() -> ResponseReturnValue:
    return render_template(
        "about/privacy.html",
        contact=current_app.config["PRIVACY_CONTACT"],
        session_days=current_app.config["SESSION_LIFETIME_DAYS"],
        ended_session_days=ENDED_SESSION_RETENTION.days,
    )
