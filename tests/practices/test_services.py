"""Rules of the library: who posts and edits what, revisions, the editorial workflow."""

import pytest
import sqlalchemy as sa

from exchange import offload
from exchange.accounts.models import Role
from exchange.errors import Forbidden
from exchange.errors import Invalid
from exchange.errors import NotFound
from exchange.errors import TooLong
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.practices import services
from exchange.practices.models import Practice
from exchange.practices.models import PracticeRevision
from exchange.practices.models import PracticeStatus
from exchange.practices.models import RevisionAction
from exchange.rooms import services as rooms
from exchange.rooms.models import Message
from exchange.sanitize import clean_markdown_fields
from exchange.sanitize import MARKDOWN_VERSION

from ..html_checks import assert_only_safe_markdown_markup
from ..support.practices import content


def merged(user):
    return db.session.merge(user)


def test_a_delegate_posts_a_draft_for_their_own_administration(app_ctx, elena):
    practice = services.create_practice(merged(elena), content(tags=["Solar", " PV ", "solar"]))
    assert practice.status is PracticeStatus.DRAFT
    assert practice.administration.slug == "campi-bisenzio"
    assert practice.author.name == "Elena Conti"
    assert practice.slug == "solar-roofs-on-schools"
    assert practice.tag_names == ["pv", "solar"]
    assert practice.html_version == MARKDOWN_VERSION


def test_long_fields_keep_the_markdown_and_get_safe_html(app_ctx, elena):
    practice = services.create_practice(
        merged(elena),
        content(results="It **worked** <script>alert(1)</script> [x](javascript:alert(1))"),
    )
    assert practice.results.startswith("It **worked** <script>")
    assert "<strong>worked</strong>" in practice.results_html
    assert "&lt;script&gt;" in practice.results_html  # shown as text
    assert_only_safe_markdown_markup(practice.results_html)


@pytest.mark.parametrize("role", [Role.ATTENDEE, Role.MODERATOR, Role.ORGANIZER])
def test_only_delegates_post_practices(app_ctx, make_user, role):
    with pytest.raises(Forbidden):
        services.create_practice(merged(make_user(role)), content())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Practice)) == 0


@pytest.mark.parametrize(
    ("editor", "allowed"),
    [
        ("elena", True),
        ("colleague", True),
        ("moderator", True),
        ("organizer", True),
        ("salvatore", False),
        ("attendee", False),
    ],
)
def test_the_author_their_colleagues_and_staff_edit(
    app_ctx, request, write, elena, editor, allowed
):
    practice = services.get_practice(write(elena).id)
    person = merged(request.getfixturevalue(editor))
    if allowed:
        services.update_practice(practice, person, content(title="Solar roofs, phase two"))
        assert practice.title == "Solar roofs, phase two"
    else:
        with pytest.raises(Forbidden):
            services.update_practice(practice, person, content(title="Taken over"))
        db.session.rollback()
        assert services.get_practice(practice.id).title == "Solar roofs on schools"


def test_every_change_keeps_a_revision_with_who_and_when(app_ctx, write, elena, colleague):
    practice = services.get_practice(write(elena).id)
    services.update_practice(practice, merged(colleague), content(results="Better than planned."))
    revisions = list(db.session.scalars(sa.select(PracticeRevision).order_by(PracticeRevision.id)))
    assert [(r.action, r.editor.name) for r in revisions] == [
        (RevisionAction.CREATED, "Elena Conti"),
        (RevisionAction.EDITED, "Paolo Neri"),
    ]
    assert revisions[1].snapshot["results"] == "Better than planned."
    assert revisions[1].created_at.tzinfo is not None
    assert services.revision_changes(revisions) == {revisions[1].id: ["results"]}


def test_saving_without_changes_stores_no_revision(app_ctx, write, elena):
    practice = services.get_practice(write(elena).id)
    services.update_practice(practice, merged(elena), content())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PracticeRevision)) == 1


def test_a_stale_form_cannot_undo_someone_elses_changes(app_ctx, write, elena, colleague):
    practice = services.get_practice(write(elena).id)
    seen = services.latest_revision_id(practice)
    services.update_practice(practice, merged(colleague), content(results="Colleague's figures"))
    with pytest.raises(Invalid, match="Someone else changed") as raised:
        services.update_practice(
            practice, merged(elena), content(results="Old figures"), based_on_revision=seen
        )
    assert raised.value.details["current_revision"] == services.latest_revision_id(practice)
    assert services.get_practice(practice.id).results == "Colleague's figures"


def test_reviewers_see_the_revision_history_and_writers_do_not(app_ctx, write, elena, moderator):
    practice = services.get_practice(write(elena, published=True).id)
    history = services.revision_history(practice, merged(moderator))
    assert [r.action for r in history] == [
        RevisionAction.CREATED,
        RevisionAction.SUBMITTED,
        RevisionAction.PUBLISHED,
    ]
    with pytest.raises(Forbidden):
        services.revision_history(practice, merged(elena))


def test_a_practice_goes_from_draft_to_submitted_to_published(app_ctx, write, elena, moderator):
    practice = services.get_practice(write(elena).id)
    services.submit_practice(practice, merged(elena))
    assert practice.status is PracticeStatus.SUBMITTED and practice.submitted_at is not None
    assert services.submitted_practices() == [practice]
    services.publish_practice(practice, merged(moderator))
    assert practice.status is PracticeStatus.PUBLISHED and practice.published_at is not None
    assert services.submitted_practices() == []


def test_submitting_needs_the_story_and_the_period(app_ctx, elena):
    practice = services.create_practice(
        merged(elena), content(summary="", results="", year_from=None)
    )
    assert services.missing_for_submission(practice) == ["summary", "results", "year_from"]
    with pytest.raises(Invalid, match="Summary, Results, From"):
        services.submit_practice(practice, merged(elena))
    assert practice.status is PracticeStatus.DRAFT


def test_sending_back_needs_a_comment_that_the_writers_then_read(app_ctx, write, elena, moderator):
    practice = services.get_practice(write(elena, submitted=True).id)
    with pytest.raises(Invalid, match="what to change"):
        services.return_practice(practice, merged(moderator), "   ")
    services.return_practice(practice, merged(moderator), "Please add the costs.")
    assert practice.status is PracticeStatus.DRAFT
    assert practice.review_comment == "Please add the costs."
    assert practice.revisions[-1].action is RevisionAction.RETURNED
    services.submit_practice(practice, merged(elena))
    services.publish_practice(practice, merged(moderator))
    assert practice.review_comment == ""


@pytest.mark.parametrize("reviewer", ["elena", "colleague", "salvatore", "attendee"])
def test_only_moderators_and_organizers_publish(app_ctx, request, write, elena, reviewer):
    practice = services.get_practice(write(elena, submitted=True).id)
    with pytest.raises(Forbidden):
        services.publish_practice(practice, merged(request.getfixturevalue(reviewer)))


def test_only_submitted_practices_are_reviewed(app_ctx, write, elena, organizer):
    practice = services.get_practice(write(elena).id)
    with pytest.raises(Invalid, match="no longer in the state"):
        services.publish_practice(practice, merged(organizer))


def test_edits_keep_a_published_practice_published_with_its_reviewed_text(
    app_ctx, write, elena, moderator
):
    practice = services.get_practice(write(elena, published=True).id)
    services.update_practice(practice, merged(elena), content(results="Even better."))
    assert practice.is_published and practice.results != "Even better."
    services.publish_change(practice, merged(moderator))
    assert practice.is_published and practice.results == "Even better."


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"title": "   "}, Invalid, "title"),
        ({"title": "x" * 201}, TooLong, "title"),
        ({"summary": "x" * 1001}, TooLong, "summary"),
        ({"challenge": "x" * 20_001}, TooLong, "challenge"),
        ({"actions": "nul \x00 byte"}, Invalid, "actions"),
        ({"lessons": "lone \ud800 surrogate"}, Invalid, "lessons"),
        ({"tags": [f"tag{n}" for n in range(11)]}, Invalid, "tags"),
        ({"tags": ["x" * 41]}, TooLong, "tags"),
        ({"links": ["javascript:alert(1)"]}, Invalid, "links"),
        ({"links": ["https://example.org/a b"]}, Invalid, "links"),
        ({"links": ["//example.org"]}, Invalid, "links"),
        ({"links": ["https://user:pass@example.org/"]}, Invalid, "links"),
        ({"links": ["https://exa<mple.org/"]}, Invalid, "links"),
        ({"links": ["https://example.org/" + "x" * 500]}, TooLong, "links"),
        ({"year_from": 2022, "year_to": 2020}, Invalid, "year_to"),
        ({"year_from": 1700}, Invalid, "year_from"),
        ({"year_from": None, "year_to": 2020}, Invalid, "year_from"),
        ({"co2_reduction_t_per_year": -1.0}, Invalid, "co2_reduction_t_per_year"),
        ({"energy_saved_mwh_per_year": float("nan")}, Invalid, "energy_saved_mwh_per_year"),
        ({"jobs": 2.5}, Invalid, "jobs"),
        ({"citizens_involved": 10**10}, Invalid, "citizens_involved"),
        ({"other_indicators": [services.OtherIndicator("", 3)]}, Invalid, "other_indicators"),
        (
            {"other_indicators": [services.OtherIndicator("Trees", None)]},
            Invalid,
            "other_indicators",
        ),
        (
            {"other_indicators": [services.OtherIndicator("Trees", float("inf"))]},
            Invalid,
            "other_indicators",
        ),
        ({"public_email": "not an address"}, Invalid, "public_email"),
        ({"language": "xx"}, Invalid, "language"),
        ({"language": "italian"}, Invalid, "language"),
        ({"language": "uk"}, Invalid, "language"),  # not an official language of the EU
    ],
)
def test_unusable_content_is_refused_naming_its_field(app_ctx, elena, fields, error, field):
    with pytest.raises(error) as raised:
        services.create_practice(merged(elena), content(**fields))
    assert raised.value.details.get("field") == field


def test_a_practice_says_its_language_and_its_revisions_keep_it(app_ctx, write, elena, moderator):
    practice = services.get_practice(write(elena, language=" IT ").id)
    assert practice.language == "it"
    services.update_practice(practice, merged(elena), content(language="de"))
    history = services.revision_history(practice, merged(moderator))
    assert [revision.snapshot["language"] for revision in history] == ["it", "de"]
    assert services.revision_changes(history) == {history[1].id: ["language"]}
    services.update_practice(practice, merged(elena), content(language=""))
    assert practice.language is None  # not said


def test_an_unknown_language_is_refused_with_a_clear_message(app_ctx, elena):
    with pytest.raises(Invalid, match="Choose the language the practice is written in") as raised:
        services.create_practice(merged(elena), content(language="xx"))
    assert "“xx” is not one of them" in str(raised.value.message)


def test_links_are_stored_as_valid_web_addresses(app_ctx, elena):
    practice = services.create_practice(
        merged(elena),
        content(
            links=[
                "HTTPS://example.org/a|b?q=<2>&r=ü#frag`ment",
                "https://città.example/piano",
                "https://example.org/already%20encoded",
            ]
        ),
    )
    assert practice.links == [
        "https://example.org/a%7Cb?q=%3C2%3E&r=%C3%BC#frag%60ment",
        "https://xn--citt-3na.example/piano",
        "https://example.org/already%20encoded",
    ]


def test_a_practice_has_a_size_limit_in_all(app_ctx, elena, app):
    app.config["PRACTICE_TOTAL_MAX_LENGTH"] = 30_000
    fields = {name: "x" * 10_000 for name in ("challenge", "actions", "results", "lessons")}
    with pytest.raises(TooLong, match="at most 30000 characters in all"):
        services.create_practice(merged(elena), content(**fields))


def test_a_practice_keeps_its_indicators_and_links(app_ctx, elena):
    practice = services.create_practice(
        merged(elena),
        content(
            co2_reduction_t_per_year=170.5,
            cost_eur=610000.0,
            other_indicators=[services.OtherIndicator(" Trees  planted ", 240, "trees")],
            links=["https://example.org/report", "", "https://example.org/report"],
            public_email=" Energy@Example.ORG ",
        ),
    )
    assert practice.co2_reduction_t_per_year == 170.5 and practice.cost_eur == 610000
    assert [(i.name, i.value, i.unit) for i in practice.indicators] == [
        ("Trees planted", 240.0, "trees")
    ]
    assert practice.links == ["https://example.org/report"]
    assert practice.public_email == "energy@example.org"


@pytest.mark.parametrize(
    ("reader", "sees_it"),
    [
        (None, False),
        ("attendee", False),
        ("salvatore", False),
        ("colleague", True),
        ("moderator", True),
    ],
)
def test_unpublished_practices_are_not_found_by_others(
    app_ctx, request, write, elena, reader, sees_it
):
    practice = write(elena, submitted=True)
    person = merged(request.getfixturevalue(reader)) if reader else None
    if sees_it:
        assert services.readable_practice(practice.id, person).id == practice.id
    else:
        with pytest.raises(NotFound):
            services.readable_practice(practice.id, person)


def test_a_delegate_develops_a_chat_message_into_a_draft(app_ctx, elena):
    room = get_room("energy-communities")
    body = "Our energy community with the parish\nIt started with 96 households."
    message = rooms.post_message(room, merged(elena), body, "m-1")
    practice = services.develop_message(message, merged(elena))
    assert practice.status is PracticeStatus.DRAFT
    assert practice.theme.slug == "energy-communities"
    assert practice.title == "Our energy community with the parish"
    assert practice.summary == "Our energy community with the parish It started with 96 households."
    assert practice.actions == ""


def test_a_long_message_is_kept_whole_when_developed(app_ctx, elena):
    body = "Heat pumps\n" + "word " * 400
    message = rooms.post_message(get_room("renewable-energy"), merged(elena), body, "m-2")
    practice = services.develop_message(message, merged(elena))
    assert len(practice.summary) <= 1000 and practice.summary.endswith("…")
    assert practice.actions == body.strip()


@pytest.mark.parametrize(("said", "language"), [("it", "it"), (None, None), ("tl", None)])
def test_a_developed_message_keeps_the_language_its_author_said(app_ctx, elena, said, language):
    room = get_room("plenary")
    message = rooms.post_message(room, merged(elena), "Tetti solari", f"m-{said}", language=said)
    assert services.develop_message(message, merged(elena)).language == language


@pytest.mark.parametrize("person", ["colleague", "moderator"])
def test_only_the_author_develops_their_message(app_ctx, request, elena, person):
    message = rooms.post_message(get_room("plenary"), merged(elena), "An idea", "m-3")
    with pytest.raises(Forbidden):
        services.develop_message(message, merged(request.getfixturevalue(person)))


def test_sharing_posts_a_message_linking_the_practice_into_its_theme_room(
    app_ctx, write, elena, salvatore
):
    practice = services.get_practice(write(elena, published=True).id)
    message = services.share_practice(practice, merged(salvatore), "Worth reading", "share-1")
    assert message.room.slug == "renewable-energy"
    assert message.practice_id == practice.id
    again = services.share_practice(practice, merged(salvatore), "Worth reading", "share-1")
    assert again.id == message.id  # a resubmitted form stores one message
    assert services.discussion(practice, merged(salvatore)) == [message]


def test_drafts_cannot_be_shared_or_linked(app_ctx, write, elena):
    practice = services.get_practice(write(elena).id)
    with pytest.raises(Forbidden):
        services.share_practice(practice, merged(elena), "Look", "share-2")
    with pytest.raises(NotFound):
        services.published_practice(practice.id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0


def test_stale_html_is_rendered_again_with_the_current_rules(app_ctx, write, elena):
    practice = write(elena, results="**bold**")
    db.session.execute(
        sa.update(Practice).values(results_html="<b onclick=x>old</b>", html_version=0)
    )
    db.session.commit()
    assert services.rerender_practices() == 1
    assert services.rerender_practices() == 0  # what is done stays done
    refreshed = services.get_practice(practice.id)
    assert refreshed.results_html == "<p><strong>bold</strong></p>\n"
    assert refreshed.html_version == MARKDOWN_VERSION
    assert services.rerender_practices(everything=True) == 1


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Tetti solari nelle scuole!", "tetti-solari-nelle-scuole"),
        ("Energía — città  ÉCOLE", "energia-citta-ecole"),
        ("Gmina Przykładowo: 100% OZE", "gmina-przykladowo-100-oze"),
        ("Straße der Ørsted-Fjærland", "strasse-der-orsted-fjaerland"),
        ("Ηλιακές στέγες στα σχολεία", "ηλιακες-στεγες-στα-σχολεια"),
        ("Слънчеви покриви в училищата", "слънчеви-покриви-в-училищата"),
        ("太阳能", "太阳能"),
        ("!!! ???", "practice"),
        ("a" * 100, "a" * 80),
        ("word " * 30, ("word-" * 16).rstrip("-")),
    ],
)
def test_addresses_are_made_from_titles(title, slug):
    assert services.slugify(title) == slug


def test_a_practice_of_too_many_parts_is_refused_naming_the_field(app_ctx, elena):
    tables = "|a|\n|-|\n\n" * 3000
    with pytest.raises(Invalid, match="too many parts") as refused:
        services.create_practice(merged(elena), content(results=tables[:19_000]))
    assert refused.value.details["field"] == "results"


def test_markdown_is_rendered_off_the_loop(app_ctx, elena):
    offloaded = []

    def runner(func, *args, **kwargs):
        offloaded.append(func)
        return func(*args, **kwargs)

    offload.install_runner(runner)
    try:
        practice = services.create_practice(merged(elena), content(actions="**Panels**"))
    finally:
        offload.install_runner(None)
    assert offloaded == [clean_markdown_fields]
    assert practice.actions_html.strip() == "<p><strong>Panels</strong></p>"
