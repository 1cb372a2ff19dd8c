"""The people directory, a person's profile, and editing one's own."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ..errors import ExchangeError
from ..errors import Forbidden
from ..errors import Unauthenticated
from ..event.services import list_administrations
from ..event.services import list_rooms
from ..forms import apply_error
from ..forms import form_status
from ..i18n import CONTENT_LANGUAGES
from ..i18n import language_names
from ..i18n import locale_code
from ..payloads import query_int
from ..permissions import acting_user
from ..permissions import Action
from ..permissions import can
from ..permissions import declines_messages_from
from ..permissions import requires
from ..security import safe_next_url
from ..templating import country_name
from . import services
from .forms import ProfileForm

bp = Blueprint("people", __name__)


@bp.get("/people")
@requires(Action.VIEW_PEOPLE)
def index() -> ResponseReturnValue:
    filters = services.Filters(
        text=request.args.get("q", ""),
        country=request.args.get("country", ""),
        role=request.args.get("role", ""),
        language=request.args.get("language", ""),
        topic=request.args.get("topic", ""),
    )
    found = services.directory(acting_user(), filters, query_int(request.args, "page") or 1)
    countries = sorted({a.country for a in list_administrations()}, key=country_name)
    return render_template(
        "people/index.html",
        directory=found,
        countries=[(code, country_name(code)) for code in countries],
        languages=language_names(CONTENT_LANGUAGES),
        topics=_topic_choices(),
    )


@bp.get("/people/<int:person_id>")
@requires(Action.VIEW_PEOPLE)
def show(person_id: int) -> ResponseReturnValue:
    person = services.profile(acting_user(), person_id)
    return render_template(
        "people/show.html",
        person=person,
        blocked=services.has_blocked(acting_user().id, person.id),
        declines_messages=declines_messages_from(acting_user(), person),
        language_labels=dict(language_names(CONTENT_LANGUAGES)),
        topic_labels=dict(_topic_choices()),
    )


@bp.get("/people/<int:person_id>/card")
@requires(Action.VIEW_PEOPLE)
def card(person_id: int) -> ResponseReturnValue:
    """What a room's card of this person offers the reader: whether they may write to them,
    or whether the person declines messages from attendees (the card then says so)."""
    reader = acting_user()
    person = services.profile(reader, person_id)
    return jsonify(
        {
            "id": person.id,
            "may_message": can(reader, Action.START_CONVERSATION, person),
            "declines_messages": declines_messages_from(reader, person),
        }
    )


@bp.post("/people/<int:person_id>/block")
@requires(Action.BLOCK_PEOPLE)
def block(person_id: int) -> ResponseReturnValue:
    """Refuse new conversations from this person (they are not told); back to their profile."""
    person = services.block(acting_user(), person_id)
    flash(_("You blocked %(name)s.", name=person.display_name), "success")
    return redirect(url_for("people.show", person_id=person_id))


@bp.post("/people/<int:person_id>/unblock")
@requires(Action.BLOCK_PEOPLE)
def unblock(person_id: int) -> ResponseReturnValue:
    """Take a block back; then back where the button was (a profile, or one's account)."""
    services.unblock(acting_user(), person_id)
    flash(_("The block is taken back."), "success")
    default = url_for("people.show", person_id=person_id)
    return redirect(safe_next_url(request.form.get("next"), default))


@bp.route("/account/profile", methods=["GET", "POST"])
@requires(Action.MANAGE_OWN_ACCOUNT)
def edit() -> ResponseReturnValue:
    user = acting_user()
    form = ProfileForm(
        data={
            "listed": user.listed,
            "attendees_may_message": user.attendees_may_message,
            "languages": user.languages,
            "topics": user.topics,
            "bio": user.bio,
        }
    )
    form.languages.choices = language_names(CONTENT_LANGUAGES)
    form.topics.choices = _topic_choices()
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            services.update_profile(
                user,
                listed=bool(form.listed.data),
                languages=form.languages.data or [],
                topics=form.topics.data or [],
                bio=form.bio.data or "",
                attendees_may_message=bool(form.attendees_may_message.data),
            )
        except ExchangeError as error:
            if isinstance(error, Unauthenticated | Forbidden):
                raise
            apply_error(form, error)
            status = form_status(error)
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("people.edit"))
    return render_template("people/edit.html", form=form, person=user), status


def _topic_choices() -> list[tuple[str, str]]:
    """The event's themes (its rooms), in the reader's language."""
    return [(room.slug, room.name_in(locale_code())) for room in list_rooms()]
