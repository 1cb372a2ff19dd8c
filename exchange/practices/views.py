"""The library's pages: browsing and searching for everyone, writing and reviewing, the e-book."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import Response
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..errors import Invalid
from ..errors import NotFound
from ..errors import RateLimited
from ..event.services import get_room
from ..event.services import list_administrations
from ..event.services import list_rooms
from ..forms import apply_error
from ..forms import flash_refusal
from ..forms import form_status
from ..i18n import CONTENT_LANGUAGES
from ..i18n import language_name
from ..i18n import language_names
from ..i18n import locale_code
from ..moderation.services import report_practice
from ..payloads import query_int
from ..permissions import acting_user
from ..permissions import Action
from ..permissions import can
from ..permissions import check
from ..permissions import requires
from ..rooms.services import get_message
from ..sanitize import csv_text
from ..serialize import iso_utc
from ..templating import country_name
from ..templating import number
from . import autosave
from . import ebook
from . import search
from . import services
from .forms import PracticeForm
from .forms import REQUIRED_FIELDS
from .forms import ReviewForm
from .forms import SearchForm
from .forms import ShareForm
from .forms import Step
from .forms import step_of
from .forms import STEPS
from .forms import STEPS_BY_NAME
from .labels import FIELD_LABELS
from .labels import HEADLINE_INDICATORS
from .labels import highlight
from .labels import INDICATOR_LABELS
from .labels import indicator_lines
from .labels import period_text
from .labels import REVISION_LABELS
from .labels import STATUS_LABELS
from .licences import licence_of
from .models import MARKDOWN_FIELDS
from .models import Practice
from .models import PracticeStatus
from .models import STANDARD_INDICATORS
from .schemas import page_json
from .schemas import practice_json
from .schemas import practice_jsonld
from .schemas import practice_url
from .services import PracticeContent

bp = Blueprint("practices", __name__)


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    """Names and formats of practices, for every page that lists some (administrations too)."""
    return {
        "field_labels": FIELD_LABELS,
        "indicator_labels": INDICATOR_LABELS,
        "status_labels": STATUS_LABELS,
        "revision_labels": REVISION_LABELS,
        "markdown_fields": MARKDOWN_FIELDS,
        "standard_indicators": STANDARD_INDICATORS,
        "period_text": period_text,
        "indicator_lines": indicator_lines,
        "language_name": language_name,
        "licence_of": licence_of,
        "highlight": highlight,
        "step_of": step_of,
    }


def _query() -> search.PracticeQuery:
    """Read the reader's filters from the query string (the page's form and the API alike)."""
    args = request.args
    return search.PracticeQuery(
        text=args.get("q", "")[:200],
        theme=args.get("theme", "")[:80],
        country=args.get("country", "")[:2],
        administration=args.get("administration", "")[:80],
        tag=args.get("tag", "")[:40],
        year=query_int(args, "year", minimum=1900, maximum=2100),
        language=args.get("language", "")[:8],
    )


def _search_form(query: search.PracticeQuery, facets: search.Facets) -> SearchForm:
    """The filter form, showing the current filters and only the choices that leave practices.

    Each choice says how many practices it leaves; the one chosen stays offered
    even if none is left, so that the form shows what was asked.
    """
    form = SearchForm(formdata=request.args)
    form.theme.choices = [("", _("All themes"))] + _counted(
        [(room.slug, room.name_in(locale_code())) for room in list_rooms()],
        facets.theme,
        query.theme,
    )
    administrations = list_administrations()
    countries = sorted({a.country for a in administrations}, key=country_name)
    form.country.choices = [("", _("All countries"))] + _counted(
        [(code, country_name(code)) for code in countries], facets.country, query.country.upper()
    )
    form.administration.choices = [("", _("All administrations"))] + _counted(
        [(a.slug, a.name) for a in administrations], facets.administration, query.administration
    )
    asked = query.language.strip().lower()
    form.language.data = asked
    offered = [code for code in CONTENT_LANGUAGES if code in facets.language or code == asked]
    form.language.choices = [("", _("All languages"))] + _counted(
        _language_choices(offered), facets.language, asked
    )
    return form


def _counted(choices: list[Any], counts: dict[str, int], chosen: str) -> list[Any]:
    """Keep the choices that leave practices (and the chosen one), each with its count."""
    return [
        (
            value,
            _("%(choice)s (%(num)s)", choice=label, num=number(counts.get(value, 0))),
            *(extra or [{}]),
        )
        for value, label, *extra in choices
        if counts.get(value) or value == chosen
    ]


@dataclass(frozen=True)
class ActiveFilter:
    """A filter the reader chose, named as the form names it, and the address without it."""

    label: str
    value: str
    remove_url: str


def _active_filters(form: SearchForm, endpoint: str) -> list[ActiveFilter]:
    """The chosen filters (and words), each named, with a link that takes it away."""
    active = _filter_args()
    names: dict[str, dict[str, str]] = {
        "theme": {room.slug: room.name_in(locale_code()) for room in list_rooms()},
        "administration": {a.slug: a.name for a in list_administrations()},
    }
    chips = []
    for key, value in active.items():
        if key == "country":
            shown = country_name(value.strip().upper())
        elif key == "language" and value.strip().lower() in CONTENT_LANGUAGES:
            shown = language_name(value.strip().lower())
        else:
            shown = names.get(key, {}).get(value.strip(), value)
        rest: dict[str, Any] = {name: kept for name, kept in active.items() if name != key}
        chips.append(ActiveFilter(str(form[key].label.text), shown, url_for(endpoint, **rest)))
    return chips


def _language_choices(codes: list[str]) -> list[tuple[str, str, dict[str, str]]]:
    """Options naming each language in its own words, and marked up with it."""
    return [(code, name, {"lang": code}) for code, name in language_names(codes)]


#: The query-string parameters of the filters, carried from page to page.
FILTER_ARGS = ("q", "theme", "country", "administration", "tag", "year", "language")


def _filter_args() -> dict[str, str]:
    """The current filters, to carry into links (other pages, totals).

    Only the known ones: any other name would reach url_for, where some
    (``_external``, ``_scheme``) change the address itself.
    """
    return {key: request.args[key] for key in FILTER_ARGS if request.args.get(key)}


def _library_page(endpoint: str) -> dict[str, Any]:
    """What both pages of the library show of the search: its form, counts and chips."""
    query = _query()
    facets = search.facets(query)
    form = _search_form(query, facets)
    return {
        "form": form,
        "query": query,
        "facets": facets,
        "filters": _filter_args(),
        "active_filters": _active_filters(form, endpoint),
    }


@bp.get("/practices")
def index() -> ResponseReturnValue:
    page = query_int(request.args, "page", minimum=1, maximum=100_000) or 1
    context = _library_page("practices.index")
    results = search.search(
        context["query"], page=page, per_page=current_app.config["PRACTICES_PER_PAGE"]
    )
    return render_template("practices/index.html", results=results, **context)


@bp.get("/practices/totals")
def totals() -> ResponseReturnValue:
    context = _library_page("practices.totals")
    return render_template(
        "practices/totals.html",
        totals=search.totals(context["query"]),
        library=search.overall(search.PracticeQuery()) if context["filters"] else None,
        headline_indicators=HEADLINE_INDICATORS,
        **context,
    )


@bp.get("/practices/totals.csv")
def totals_csv() -> ResponseReturnValue:
    """The totals of the page, with the same filters, as a CSV file for a spreadsheet."""
    totals = search.totals(_query())
    kinds = {"theme": _("Theme"), "country": _("Country"), "all": _("All")}
    header = [_("Summed by"), _("Name"), _("Practices")] + [
        f"{label} ({unit})" for label, unit in (INDICATOR_LABELS[n] for n in STANDARD_INDICATORS)
    ]
    rows = [
        [kinds[kind], *rest]
        for kind, *rest in search.totals_rows(
            totals, lambda room: room.name_in(locale_code()), country_name
        )
    ]
    return Response(
        csv_text([header, *rows]),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="practices-totals.csv"'},
    )


@bp.get("/practices/ebook.<any(epub, pdf):edition>")
def ebook_download(edition: str) -> ResponseReturnValue:
    book = ebook.cached_edition(edition, address=request.remote_addr or "unknown")
    return Response(
        book.data,
        mimetype=book.mimetype,
        headers={"Content-Disposition": f'attachment; filename="{book.filename}"'},
    )


@bp.get("/practices/<int:practice_id>")
@bp.get("/practices/<int:practice_id>-<slug>")
def show(practice_id: int, slug: str | None = None) -> ResponseReturnValue:
    practice = services.readable_practice(practice_id, current_user, moderating=True)
    if slug != practice.slug:
        return redirect(practice_url(practice), 301)
    can_share = can(current_user, Action.SHARE_PRACTICE, practice)
    change_review = services.change_review(practice) if practice.is_published else None
    proposal = change_review if services.proposed_change(practice) else None
    reviewed = proposal.id if proposal else services.latest_revision_id(practice)
    # The message carries the practice as a card with its title and link, so the
    # suggested words do not repeat them.
    share_form = ShareForm(
        formdata=None,
        body=_("This practice may help with what we are discussing here."),
        client_id=uuid.uuid4().hex,
    )
    return render_template(
        "practices/show.html",
        practice=practice,
        messages=services.discussion(practice, current_user),
        source=services.source_message(practice, current_user),
        source_question=services.source_question(practice, current_user),
        can_edit=can(current_user, Action.EDIT_PRACTICE, practice),
        can_review=can(current_user, Action.REVIEW_PRACTICE, practice),
        can_share=can_share,
        share_form=share_form if can_share else None,
        review_form=ReviewForm(formdata=None, reviewed=str(reviewed or "")),
        missing=services.missing_for_submission(practice),
        jsonld=practice_jsonld(practice, locale_code()) if practice.is_public else None,
        change_review=change_review,
        proposal=proposal,
    )


@bp.route("/practices/new", methods=["GET", "POST"])
@requires(Action.POST_PRACTICE)
def new() -> ResponseReturnValue:
    """The first step of the guided form; saving it starts the draft."""
    step = STEPS[0]
    form = _practice_form()
    if request.form.get("go") == "discard":
        autosave.discard(acting_user(), None, step.fields)
        return redirect(url_for("practices.new"))
    if request.method == "GET":
        # Like the chat's composer: people mostly write in the language they read in.
        interface = locale_code()
        form.language.data = interface if interface in CONTENT_LANGUAGES else ""
        return _step_page(form, step, None, restored=_restore(form, step, None))
    if form.validate_step(step):
        try:
            services.count_practice_save(acting_user())
            theme = get_room(form.theme.data or "")
            practice = services.create_practice(
                acting_user(),
                form.step_content(PracticeContent("", theme), step, theme),
                settles=step.fields,
            )
        except (Invalid, RateLimited) as error:
            _apply_step_error(form, step, error)
            return _step_page(form, step, None, status=form_status(error))
        flash(_("Your draft is saved. Go on with the next step."), "success")
        return redirect(_after_step(practice, step))
    return _step_page(form, step, None, status=422)


@bp.route("/practices/<int:practice_id>/edit", methods=["GET", "POST"])
@bp.route("/practices/<int:practice_id>/edit/<step_name>", methods=["GET", "POST"])
@requires(Action.EDIT_PRACTICE)
def edit(practice_id: int, step_name: str = STEPS[0].name) -> ResponseReturnValue:
    """One step of the guided form on a stored practice: show it, or save it and move on."""
    practice = services.readable_practice(practice_id, current_user)
    user = acting_user()
    check(user, Action.EDIT_PRACTICE, practice)
    step = STEPS_BY_NAME.get(step_name)
    if step is None:
        raise NotFound()
    form = _practice_form()
    if request.form.get("go") == "discard":
        # The writer goes back to what is stored (the CSRF token was checked for every POST).
        autosave.discard(user, practice, step.fields)
        return redirect(url_for("practices.edit", practice_id=practice.id, step_name=step.name))
    if request.method == "GET" or not step.fields:
        content = services.editable_content(practice)
        form.fill(content, services.latest_revision_id(practice))
        return _step_page(form, step, practice, restored=_restore(form, step, practice))
    if not form.validate_step(step):
        return _step_page(form, step, practice, status=422)
    try:
        services.count_practice_save(user)
        content = services.editable_content(practice)
        theme = get_room(form.theme.data or "") if "theme" in step.fields else content.theme
        services.update_practice(
            practice,
            user,
            form.step_content(content, step, theme),
            based_on_revision=form.revision_seen,
            settles=step.fields,
        )
    except (Invalid, RateLimited) as error:
        _apply_step_error(form, step, error)
        if "current_revision" in error.details:
            form.based_on_revision.data = str(error.details["current_revision"])
        return _step_page(form, step, practice, status=form_status(error))
    if services.proposes_changes(practice, user):
        flash(
            _(
                "Your changes are saved and wait for a moderator's review. "
                "Until then, readers see the published version."
            ),
            "success",
        )
    else:
        flash(_("Your changes are saved."), "success")
    return redirect(_after_step(practice, step))


def _apply_step_error(form: PracticeForm, step: Step, error: Invalid | RateLimited) -> None:
    """Show a service's refusal at the step's fields; what it says of others, above the form.

    A field of another step has no place on this page, so its message names it.
    """
    apply_error(form, error)
    for name in FIELD_LABELS:
        field = getattr(form, name, None)
        if name in step.fields or field is None or not field.errors:
            continue
        form.form_errors.extend(f"{FIELD_LABELS[name]}: {message}" for message in field.errors)
        field.errors = []


def _after_step(practice: Practice, step: Step) -> str:
    """Where a saved step leads: the next one, or the same one when the writer stays."""
    following = STEPS[min(STEPS.index(step) + 1, len(STEPS) - 1)]
    shown = step if request.form.get("go") == "stay" else following
    return url_for("practices.edit", practice_id=practice.id, step_name=shown.name)


def _restore(form: PracticeForm, step: Step, practice: Practice | None) -> dt.datetime | None:
    """Put back what the writer typed in this step and did not save; return when it was kept."""
    draft = autosave.autosaved(acting_user(), practice)
    if draft is None:
        return None
    values = autosave.kept_keys(draft.fields, step.fields)
    # Nothing to put back, or only what is saved already (kept just before the save).
    if not set(values) - {"based_on_revision"} or form.shows(values):
        return None
    form.restore(values, step)
    return draft.saved_at


def _step_page(
    form: PracticeForm,
    step: Step,
    practice: Practice | None,
    *,
    status: int = 200,
    restored: dt.datetime | None = None,
) -> ResponseReturnValue:
    """Render one step of the guided form, with the progress and, last, what is missing."""
    user = acting_user()
    missing = services.missing_for_submission(practice) if practice is not None else []
    # In the order the writer meets them in the form.
    missing.sort(key=lambda name: (STEPS.index(step_of(name)), step_of(name).fields.index(name)))
    return (
        render_template(
            "practices/edit.html",
            form=form,
            practice=practice,
            step=step,
            steps=STEPS,
            step_number=STEPS.index(step) + 1,
            missing=[(name, step_of(name)) for name in missing],
            incomplete={step_of(name).name for name in missing},
            required=REQUIRED_FIELDS,
            proposes=practice is not None and services.proposes_changes(practice, user),
            can_submit=practice is not None and practice.status is PracticeStatus.DRAFT,
            restored=restored,
            source=services.source_message(practice, user) if practice is not None else None,
            source_question=(
                services.source_question(practice, user) if practice is not None else None
            ),
            autosave_url=(
                url_for("practices.autosave_step", practice_id=practice.id)
                if practice is not None
                else url_for("practices.autosave_new")
            ),
        ),
        status,
    )


@bp.post("/practices/new/autosave")
@requires(Action.POST_PRACTICE)
def autosave_new() -> ResponseReturnValue:
    """Keep what a writer typed in a new practice's first step (the form's script sends it)."""
    return _autosave(None)


@bp.post("/practices/<int:practice_id>/autosave")
@requires(Action.EDIT_PRACTICE)
def autosave_step(practice_id: int) -> ResponseReturnValue:
    """Keep what a writer typed in a step of a practice's form (the form's script sends it)."""
    return _autosave(services.readable_practice(practice_id, current_user))


def _autosave(practice: Practice | None) -> ResponseReturnValue:
    fields = [name for step in STEPS for name in step.fields]
    draft = autosave.autosave(acting_user(), practice, request.form.to_dict(), fields)
    return jsonify({"saved_at": iso_utc(draft.saved_at)})


@bp.post("/practices/preview")
@requires(Action.EDIT_PRACTICE)
def preview() -> ResponseReturnValue:
    """Render a long field's Markdown as the practice's page will show it (the form's preview)."""
    html = services.preview_markdown(acting_user(), request.form.get("text", ""))
    return jsonify({"html": html})


def _practice_form() -> PracticeForm:
    form = PracticeForm()
    form.theme.choices = [("", _("Choose a theme"))] + [
        (room.slug, room.name_in(locale_code())) for room in list_rooms()
    ]
    form.language.choices = [("", _("(not said)")), *_language_choices(CONTENT_LANGUAGES)]
    return form


@bp.post("/practices/<int:practice_id>/submit")
@requires(Action.EDIT_PRACTICE)
def submit(practice_id: int) -> ResponseReturnValue:
    """Submit a complete draft; a refusal sends the writer back to the review step."""
    practice = services.readable_practice(practice_id, current_user)
    with flash_refusal() as attempt:
        services.submit_practice(practice, acting_user())
    if attempt.refused:
        return redirect(url_for("practices.edit", practice_id=practice.id, step_name="review"))
    flash(
        _("Submitted. A moderator will review it; you will find their answer on this page."),
        "success",
    )
    return redirect(practice_url(practice))


@bp.post("/practices/<int:practice_id>/publish")
@requires(Action.REVIEW_PRACTICE)
def publish(practice_id: int) -> ResponseReturnValue:
    """Publish a submitted practice, or the change proposed to a published one."""
    practice = services.get_practice(practice_id)
    if practice.is_published:
        return _review(
            practice, services.publish_change, _("Published: readers see the change now.")
        )
    return _review(practice, services.publish_practice, _("Published: everyone can read it now."))


@bp.post("/practices/<int:practice_id>/return")
@requires(Action.REVIEW_PRACTICE)
def send_back(practice_id: int) -> ResponseReturnValue:
    """Send a submitted practice, or the change proposed to a published one, back to its writers."""
    practice = services.get_practice(practice_id)
    decide = services.return_change if practice.is_published else services.return_practice
    return _review(practice, decide, _("Sent back to its writers with your comment."))


def _review(practice: Practice, decide: Any, done: str) -> ResponseReturnValue:
    """Decide on what the reviewer read, with their comment from the form."""
    form = ReviewForm()
    return _workflow_step(
        lambda: decide(
            practice, acting_user(), form.comment.data or "", reviewed=form.reviewed_revision
        ),
        practice,
        done,
        form,
    )


def _workflow_step(
    step: Any, practice: Practice, done: str, form: ReviewForm | None = None
) -> ResponseReturnValue:
    """Run one step of the editorial workflow from a button, and say how it went."""
    if form is not None and not form.validate_on_submit():
        flash(_("The form could not be read; please try again."), "error")
        return redirect(practice_url(practice))
    with flash_refusal() as attempt:
        step()
    if attempt.succeeded:
        flash(done, "success")
    return redirect(practice_url(practice))


@bp.get("/practices/<int:practice_id>/revisions")
@requires(Action.REVIEW_PRACTICE)
def revisions(practice_id: int) -> ResponseReturnValue:
    practice = services.get_practice(practice_id)
    history = services.revision_history(practice, acting_user())
    return render_template(
        "practices/revisions.html",
        practice=practice,
        revisions=history,
        changes=services.revision_changes(history),
    )


@bp.post("/practices/<int:practice_id>/share")
@requires(Action.SHARE_PRACTICE)
def share(practice_id: int) -> ResponseReturnValue:
    practice = services.readable_practice(practice_id, current_user)
    form = ShareForm()
    if not form.validate_on_submit():
        flash(_("Write a message to go with the practice."), "error")
        return redirect(practice_url(practice))
    with flash_refusal(_l("The practice was not shared: %(reason)s")) as attempt:
        message = services.share_practice(
            practice, acting_user(), form.body.data or "", form.client_id.data or ""
        )
    if attempt.refused:
        return redirect(practice_url(practice))
    return redirect(url_for("rooms.show", slug=message.room.slug, _anchor=f"message-{message.id}"))


@bp.post("/messages/<int:message_id>/develop")
@requires(Action.DEVELOP_PRACTICE)
def develop(message_id: int) -> ResponseReturnValue:
    practice = services.develop_message(get_message(message_id), acting_user())
    flash(
        _("A draft practice was started from your message. Complete it, then submit it."),
        "success",
    )
    return redirect(url_for("practices.edit", practice_id=practice.id))


@bp.get("/practices/mine")
@requires(Action.POST_PRACTICE)
def mine() -> ResponseReturnValue:
    user = acting_user()
    if user.administration is None:
        raise Invalid(_("Only delegates of an administration post practices."))
    return render_template(
        "practices/queue.html",
        heading=_("Practices of %(administration)s", administration=user.administration.name),
        intro=_("Drafts and practices waiting for review. Published ones are in the library."),
        practices=services.unfinished_practices(user.administration.id),
    )


@bp.get("/practices/review")
@requires(Action.REVIEW_PRACTICE)
def review() -> ResponseReturnValue:
    return render_template(
        "practices/queue.html",
        heading=_("Practices to review"),
        intro=_("Submitted practices, the longest waiting first. Publish them or send them back."),
        practices=services.submitted_practices(),
        changes=services.changes_to_review(),
    )


@bp.get("/api/practices")
def api_index() -> ResponseReturnValue:
    query = _query()
    page = query_int(request.args, "page", minimum=1, maximum=100_000) or 1
    per_page = query_int(request.args, "per_page", minimum=1, maximum=50)
    results = search.search(
        query,
        page=page,
        per_page=per_page or current_app.config["PRACTICES_PER_PAGE"],
        whole=True,
    )
    return jsonify(page_json(results, locale_code()))


@bp.get("/api/practices/<int:practice_id>")
def api_show(practice_id: int) -> ResponseReturnValue:
    practice = services.readable_practice(practice_id, current_user)
    return jsonify({"practice": practice_json(practice, locale_code())})


@bp.post("/practices/<int:practice_id>/report")
@requires(Action.REPORT_CONTENT)
def report(practice_id: int) -> ResponseReturnValue:
    """Anyone signed in flags a practice for the moderators (once; again changes nothing)."""
    practice = services.readable_practice(practice_id, current_user)
    with flash_refusal(_l("Not sent: %(reason)s")) as attempt:
        report_practice(practice, acting_user(), request.form.get("reason", ""))
    if attempt.succeeded:
        flash(_("Thank you. The moderators will look at this practice."), "success")
    return redirect(practice_url(practice))
