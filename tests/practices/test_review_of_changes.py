"""Readers only ever see reviewed text: changes to published practices wait for a moderator."""

import re

import pytest
import sqlalchemy as sa

from exchange.errors import Invalid
from exchange.extensions import db
from exchange.practices import services
from exchange.practices.forms import STEPS
from exchange.practices.models import PracticeRevision
from exchange.practices.models import PracticeStatus
from exchange.practices.models import RevisionAction

from ..support.live import csrf_token
from ..support.practices import content
from .test_views import FORM
from .test_views import page
from .test_views import post_form


def edit_form(**changes):
    return {**FORM, "title": "Solar roofs on schools", **changes}


def propose(client, practice, **changes):
    """Save the steps of the guided form that hold the changed fields."""
    steps = [step.name for step in STEPS if step.fields and set(step.fields) & set(changes)]
    for step in steps:
        url = f"/practices/{practice.id}/edit/{step}"
        answer = post_form(client, url, edit_form(**changes), follow_redirects=True)
    return answer


def decide(client, practice, action, comment=""):
    html = client.get(f"/practices/{practice.id}", follow_redirects=True).get_data(as_text=True)
    reviewed = re.search(r'name="reviewed" type="hidden" value="(\d*)"', html).group(1)
    return client.post(
        f"/practices/{practice.id}/{action}",
        data={"csrf_token": csrf_token(html), "comment": comment, "reviewed": reviewed},
        follow_redirects=True,
    )


def actions(app, practice):
    with app.app_context():
        return [
            revision.action
            for revision in db.session.scalars(
                sa.select(PracticeRevision)
                .where(PracticeRevision.practice_id == practice.id)
                .order_by(PracticeRevision.id)
            )
        ]


@pytest.fixture
def published(write, elena):
    return write(elena, published=True, title="Solar roofs on schools")


def test_a_writers_change_to_a_published_practice_waits_for_review(
    app, client, login, elena, published
):
    login(client, elena)
    answer = propose(client, published, title="Solar roofs on every school", actions="Rewritten.")
    assert "and wait for a moderator" in answer.get_data(as_text=True)
    reader = app.test_client()  # without an account
    public = page(reader, f"/practices/{published.id}-{published.slug}")
    assert "Solar roofs on schools" in public and "every school" not in public
    api = reader.get(f"/api/practices/{published.id}").get_json()["practice"]
    assert api["title"] == "Solar roofs on schools" and "Rewritten" not in api["actions"]
    assert "every school" not in page(reader, "/practices?q=solar")
    assert b"every school" not in reader.get("/practices/ebook.epub").data
    login(client, elena)
    mine = page(client, f"/practices/{published.id}-{published.slug}")
    assert "Changes under review" in mine and "proposed a change" in mine
    form = page(client, f"/practices/{published.id}/edit")
    assert 'value="Solar roofs on every school"' in form  # the writer goes on from the proposal
    assert actions(app, published)[-1] is RevisionAction.PROPOSED


def test_a_moderator_publishes_the_change_and_readers_see_it(
    app, client, login, elena, moderator, published
):
    login(client, elena)
    propose(client, published, title="Solar roofs on every school")
    login(client, moderator)
    queue = page(client, "/practices/review")
    assert "Changes to published practices" in queue and "Solar roofs on schools" in queue
    assert "readers see the change now" in decide(client, published, "publish").get_data(
        as_text=True
    )
    with app.app_context():
        practice = services.get_practice(published.id)
        assert practice.title == "Solar roofs on every school"
        assert practice.status is PracticeStatus.PUBLISHED
        assert services.proposed_change(practice) is None
    assert actions(app, published)[-2:] == [RevisionAction.PROPOSED, RevisionAction.EDIT_PUBLISHED]
    assert "Changes to published practices" not in page(client, "/practices/review")


def test_a_moderator_sends_the_change_back_with_why(
    app, client, login, elena, moderator, published
):
    login(client, elena)
    propose(client, published, title="Best solar roofs ever")
    login(client, moderator)
    refused = decide(client, published, "return").get_data(as_text=True)
    assert "Tell the writers what to change" in refused
    decide(client, published, "return", comment="Keep the title factual.")
    with app.app_context():
        practice = services.get_practice(published.id)
        assert practice.title == "Solar roofs on schools"
        assert services.proposed_change(practice) is None
    login(client, elena)
    mine = page(client, f"/practices/{published.id}-{published.slug}")
    assert "sent your last change back" in mine and "Keep the title factual." in mine
    assert 'value="Solar roofs on schools"' in page(client, f"/practices/{published.id}/edit")


def test_a_practice_changed_during_review_is_not_published_unread(
    app, client, login, elena, moderator, write
):
    submitted = write(elena, submitted=True, title="Solar roofs on schools")
    login(client, moderator)
    url = f"/practices/{submitted.id}-{submitted.slug}"
    html = page(client, url)
    reviewed = re.search(r'name="reviewed" type="hidden" value="(\d+)"', html).group(1)
    with app.app_context():
        services.update_practice(
            services.get_practice(submitted.id),
            db.session.merge(elena),
            content(title="Solar roofs, and a casino"),
        )
    answer = client.post(
        f"/practices/{submitted.id}/publish",
        data={"csrf_token": csrf_token(html), "comment": "", "reviewed": reviewed},
        follow_redirects=True,
    )
    assert "changed this practice while you were reviewing it" in answer.get_data(as_text=True)
    with app.app_context():
        assert services.get_practice(submitted.id).status is PracticeStatus.SUBMITTED
    assert "Published: everyone can read it now." in decide(client, submitted, "publish").get_data(
        as_text=True
    )


def test_a_change_proposed_again_while_under_review_must_be_the_one_read(
    app_ctx, elena, moderator, published
):
    practice = services.get_practice(published.id)
    writer = db.session.merge(elena)
    services.update_practice(practice, writer, content(title="First proposal"))
    first = services.proposed_change(practice)
    services.update_practice(practice, writer, content(title="Second proposal"))
    with pytest.raises(Invalid, match="while you were reviewing"):
        services.publish_change(practice, db.session.merge(moderator), reviewed=first.id)
    services.publish_change(
        practice, db.session.merge(moderator), reviewed=services.proposed_change(practice).id
    )
    assert practice.title == "Second proposal"


def test_reviewers_changes_to_a_published_practice_are_live_at_once(app_ctx, moderator, published):
    practice = services.get_practice(published.id)
    services.update_practice(practice, db.session.merge(moderator), content(title="Fixed typo"))
    assert practice.title == "Fixed typo" and services.proposed_change(practice) is None


def test_nothing_to_review_is_refused_plainly(app_ctx, moderator, published):
    practice = services.get_practice(published.id)
    with pytest.raises(Invalid, match="no longer in the state"):
        services.publish_change(practice, db.session.merge(moderator))
    with pytest.raises(Invalid, match="no longer in the state"):
        services.return_change(practice, db.session.merge(moderator), "why")
