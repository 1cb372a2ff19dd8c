"""The moderators' pages: the report queue, people, rooms' slow mode, and the audit log."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import Response
from flask import stream_with_context
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..accounts.models import Role
from ..db import utcnow
from ..errors import Invalid
from ..event.services import get_room
from ..event.services import list_rooms
from ..forms import flash_refusal
from ..payloads import query_int
from ..permissions import acting_user
from ..permissions import Action
from ..permissions import can
from ..permissions import requires
from ..practices.services import get_practice
from ..questions.services import waiting as waiting_questions
from ..rooms.services import get_message
from ..security import safe_next_url
from ..templating import role_label
from . import services
from .models import AuditAction

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

#: The last page of the log one may ask for (its offset must fit a database integer).
MAX_PAGE = 100_000


def _back(default: str) -> ResponseReturnValue:
    """Return to the page the form was on (a path of this site only)."""
    return redirect(safe_next_url(request.form.get("next"), default))


#: How a refused moderation act is told: the service's reason after this.
NOT_DONE = _l("Not done: %(reason)s")


def _form_int(name: str) -> int:
    try:
        return int(request.form.get(name, ""))
    except ValueError:
        raise Invalid(_("'%(field)s' must be a whole number.", field=name), field=name) from None


@bp.get("")
@requires(Action.REVIEW_REPORTS)
def queue() -> ResponseReturnValue:
    user = acting_user()
    return render_template(
        "moderation/queue.html",
        groups=services.open_reports(user),
        rooms=list_rooms(),
        waiting_questions=waiting_questions(user) if can(user, Action.MODERATE_QUESTIONS) else [],
    )


@bp.get("/queue")
@requires(Action.REVIEW_REPORTS)
def queue_fragment() -> ResponseReturnValue:
    """The queue alone, for the page's script to refresh it when a report arrives."""
    return render_template("moderation/_queue.html", groups=services.open_reports(acting_user()))


@bp.get("/reports/<int:report_id>/context")
@requires(Action.REVIEW_REPORTS)
def report_context(report_id: int) -> ResponseReturnValue:
    """A reported message with the 3 before and after it; each opening is audited."""
    context = services.report_context(services.get_report(report_id), acting_user())
    return render_template("moderation/context.html", context=context)


@bp.post("/messages/<int:message_id>/hide")
@requires(Action.REVIEW_REPORTS)
def hide_message(message_id: int) -> ResponseReturnValue:
    with flash_refusal(NOT_DONE) as attempt:
        services.hide_message(get_message(message_id), acting_user(), request.form.get("reason"))
    if attempt.succeeded:
        flash(_("The message is hidden, and its reports are closed."), "success")
    return _back(url_for("moderation.queue"))


@bp.post("/messages/<int:message_id>/restore")
@requires(Action.RESTORE_MESSAGE)
def restore_message(message_id: int) -> ResponseReturnValue:
    with flash_refusal(NOT_DONE) as attempt:
        services.restore_message(get_message(message_id), acting_user())
    if attempt.succeeded:
        flash(_("The message is visible again."), "success")
    return _back(url_for("moderation.queue"))


@bp.post("/messages/<int:message_id>/dismiss")
@requires(Action.REVIEW_REPORTS)
def dismiss_reports(message_id: int) -> ResponseReturnValue:
    with flash_refusal(NOT_DONE) as attempt:
        services.dismiss_reports(get_message(message_id), acting_user(), request.form.get("reason"))
    if attempt.succeeded:
        flash(_("The reports are dismissed; the message stays."), "success")
    return _back(url_for("moderation.queue"))


@bp.post("/practices/<int:practice_id>/hide")
@requires(Action.HIDE_PRACTICE)
def hide_practice(practice_id: int) -> ResponseReturnValue:
    with flash_refusal(NOT_DONE) as attempt:
        services.hide_practice(
            get_practice(practice_id), acting_user(), request.form.get("reason", "")
        )
    if attempt.succeeded:
        flash(_("The practice is hidden, and its reports are closed."), "success")
    return _back(url_for("moderation.queue"))


@bp.post("/practices/<int:practice_id>/restore")
@requires(Action.RESTORE_PRACTICE)
def restore_practice(practice_id: int) -> ResponseReturnValue:
    with flash_refusal(NOT_DONE) as attempt:
        services.restore_practice(get_practice(practice_id), acting_user())
    if attempt.succeeded:
        flash(_("The practice is back in the library."), "success")
    return _back(url_for("moderation.queue"))


@bp.post("/files/<int:file_id>/hide")
@requires(Action.HIDE_FILE)
def hide_file(file_id: int) -> ResponseReturnValue:
    with flash_refusal(NOT_DONE) as attempt:
        services.hide_file(services.get_file(file_id), acting_user(), request.form.get("reason"))
    if attempt.succeeded:
        flash(_("The file is hidden; what it is attached to stays."), "success")
    return _back(url_for("moderation.queue"))


@bp.post("/files/<int:file_id>/restore")
@requires(Action.RESTORE_FILE)
def restore_file(file_id: int) -> ResponseReturnValue:
    with flash_refusal(NOT_DONE) as attempt:
        services.restore_file(services.get_file(file_id), acting_user())
    if attempt.succeeded:
        flash(_("The file is visible again."), "success")
    return _back(url_for("moderation.queue"))


@bp.post("/practices/<int:practice_id>/dismiss")
@requires(Action.REVIEW_REPORTS)
def dismiss_practice_reports(practice_id: int) -> ResponseReturnValue:
    with flash_refusal(NOT_DONE) as attempt:
        services.dismiss_practice_reports(
            get_practice(practice_id), acting_user(), request.form.get("reason")
        )
    if attempt.succeeded:
        flash(_("The reports are dismissed; the practice stays."), "success")
    return _back(url_for("moderation.queue"))


@bp.post("/rooms/<slug>/slow-mode")
@requires(Action.SET_SLOW_MODE)
def slow_mode(slug: str) -> ResponseReturnValue:
    with flash_refusal(NOT_DONE) as attempt:
        room = services.set_slow_mode(
            get_room(slug), _form_int("seconds"), acting_user(), request.form.get("reason")
        )
    if attempt.succeeded:
        flash(
            _("Slow mode is now %(seconds)d seconds.", seconds=room.slow_mode_seconds)
            if room.slow_mode_seconds
            else _("Slow mode is off."),
            "success",
        )
    return _back(url_for("moderation.queue"))


@bp.get("/people")
@requires(Action.MUTE_PEOPLE)
def people() -> ResponseReturnValue:
    query = request.args.get("q", "")[:100]
    return render_template(
        "moderation/people.html",
        people=services.find_people(acting_user(), query),
        query=query,
        roles=[Role.ATTENDEE, Role.DELEGATE, Role.MODERATOR],
        can_manage_roles=can(acting_user(), Action.MANAGE_ROLES),
        can_confirm_addresses=can(acting_user(), Action.CONFIRM_ADDRESSES),
        now=utcnow(),
    )


@bp.post("/people/<int:user_id>/mute")
@requires(Action.MUTE_PEOPLE)
def mute(user_id: int) -> ResponseReturnValue:
    person = services.get_user(user_id)
    with flash_refusal(NOT_DONE) as attempt:
        services.mute(person, acting_user(), _form_int("minutes"), request.form.get("reason", ""))
    if attempt.succeeded:
        flash(_("%(name)s is muted.", name=person.name), "success")
    return _back(url_for("moderation.people"))


@bp.post("/people/<int:user_id>/unmute")
@requires(Action.MUTE_PEOPLE)
def unmute(user_id: int) -> ResponseReturnValue:
    person = services.get_user(user_id)
    with flash_refusal(NOT_DONE) as attempt:
        services.unmute(person, acting_user(), request.form.get("reason", ""))
    if attempt.succeeded:
        flash(_("%(name)s may post again.", name=person.name), "success")
    return _back(url_for("moderation.people"))


@bp.post("/people/<int:user_id>/hide-messages")
@requires(Action.MUTE_PEOPLE)
def hide_messages(user_id: int) -> ResponseReturnValue:
    person = services.get_user(user_id)
    with flash_refusal(NOT_DONE) as attempt:
        count = services.hide_all_messages_of(person, acting_user(), request.form.get("reason", ""))
    if attempt.succeeded:
        flash(
            ngettext(
                "%(num)d message of %(name)s hidden.",
                "%(num)d messages of %(name)s hidden.",
                count,
                name=person.name,
            ),
            "success",
        )
    return _back(url_for("moderation.people"))


@bp.post("/people/<int:user_id>/ban")
@requires(Action.BAN_PEOPLE)
def ban(user_id: int) -> ResponseReturnValue:
    person = services.get_user(user_id)
    with flash_refusal(NOT_DONE) as attempt:
        services.ban(person, acting_user(), request.form.get("reason", ""))
    if attempt.succeeded:
        flash(_("%(name)s is banned and signed out everywhere.", name=person.name), "success")
    return _back(url_for("moderation.people"))


@bp.post("/people/<int:user_id>/unban")
@requires(Action.BAN_PEOPLE)
def unban(user_id: int) -> ResponseReturnValue:
    person = services.get_user(user_id)
    with flash_refusal(NOT_DONE) as attempt:
        services.unban(person, acting_user(), request.form.get("reason", ""))
    if attempt.succeeded:
        flash(_("%(name)s may sign in again.", name=person.name), "success")
    return _back(url_for("moderation.people"))


@bp.post("/people/<int:user_id>/role")
@requires(Action.MANAGE_ROLES)
def set_role(user_id: int) -> ResponseReturnValue:
    try:
        role = Role(request.form.get("role", ""))
    except ValueError:
        flash(_("Not done: unknown role."), "error")
        return _back(url_for("moderation.people"))
    person = services.get_user(user_id)
    with flash_refusal(NOT_DONE) as attempt:
        services.set_role(person, role, acting_user(), request.form.get("reason", ""))
    if attempt.succeeded:
        flash(_("%(name)s is now: %(role)s.", name=person.name, role=role_label(role)), "success")
    return _back(url_for("moderation.people"))


@bp.post("/people/<int:user_id>/confirm-address")
@requires(Action.CONFIRM_ADDRESSES)
def confirm_address(user_id: int) -> ResponseReturnValue:
    """Mark a person's email address confirmed, as its holder's link would."""
    person = services.get_user(user_id)
    with flash_refusal(NOT_DONE) as attempt:
        services.confirm_address(person, acting_user())
    if attempt.succeeded:
        flash(_("The address of %(name)s is confirmed.", name=person.name), "success")
    return _back(url_for("moderation.people"))


def _audit_filter() -> services.AuditFilter:
    action = request.args.get("action") or None
    try:
        since = dt.date.fromisoformat(request.args["since"]) if request.args.get("since") else None
        until = dt.date.fromisoformat(request.args["until"]) if request.args.get("until") else None
        parsed_action = AuditAction(action) if action else None
        # The end of the last day; 9999-12-31 has no next day to end at.
        end = None
        if until:
            end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC)
    except (ValueError, OverflowError):
        raise Invalid(_("Check the filters: a date is like 2026-12-02.")) from None
    return services.AuditFilter(
        action=parsed_action,
        actor_id=query_int(request.args, "actor"),
        subject_id=query_int(request.args, "person"),
        since=dt.datetime.combine(since, dt.time(), dt.UTC) if since else None,
        until=end,
    )


@bp.get("/log")
@requires(Action.VIEW_AUDIT_LOG)
def audit_log() -> ResponseReturnValue:
    page = query_int(request.args, "page", minimum=1, maximum=MAX_PAGE) or 1
    entries = services.audit_entries(
        acting_user(), _audit_filter(), limit=101, offset=(page - 1) * 100
    )
    return render_template(
        "moderation/log.html",
        entries=entries[:100],
        has_next=len(entries) > 100,
        page=page,
        actions=list(AuditAction),
        filters=request.args,
    )


@bp.get("/log.csv")
@requires(Action.VIEW_AUDIT_LOG)
def audit_log_csv() -> ResponseReturnValue:
    lines = services.audit_csv(acting_user(), _audit_filter())
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="moderation-log.csv"'},
    )


@bp.post("/notices/<int:notice_id>/read")
@requires(Action.MANAGE_OWN_ACCOUNT)
def read_notice(notice_id: int) -> ResponseReturnValue:
    services.mark_notice_read(notice_id, acting_user())
    return _back(url_for("event.home"))
