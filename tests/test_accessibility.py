"""Every page, and the chat's changing states, pass axe-core's WCAG 2.1 A/AA rules.

No violation of impact serious or critical is accepted. Pages are checked
as served, at desktop and phone widths, signed out and signed in.
"""

from __future__ import annotations

import pytest

from exchange.accounts.models import Role
from exchange.practices.forms import STEPS

from .conftest import PASSWORD
from .conftest import sign_in
from .support.accessibility import assert_accessible
from .support.live import csrf_token

pytestmark = [pytest.mark.live, pytest.mark.browser]

PUBLIC_PAGES = [
    "/",
    "/administrations",
    "/administrations/ferla",
    "/agenda",
    "/agenda/opening",
    "/login",
    "/register",
    "/privacy",
]
SIGNED_IN_PAGES = ["/", "/rooms/plenary", "/rooms/plenary/polls", "/account", "/privacy"]
STAFF_PAGES = [
    "/moderation",
    "/moderation/people",
    "/moderation/log",
    "/invitations",
    "/rooms/plenary/polls",
    "/organizer",
    "/organizer/accessibility-feedback",
    "/accessibility",
]


@pytest.mark.parametrize("width", [1280, 360])
def test_public_pages_are_accessible(live_server, event, new_page, width):
    page = new_page(width=width)
    for path in PUBLIC_PAGES:
        page.goto(live_server.url + path)
        assert_accessible(page, path)


@pytest.mark.parametrize("width", [1280, 360])
def test_signed_in_pages_are_accessible(live_server, make_user, new_page, width):
    person = make_user(Role.DELEGATE, email="a11y@example.org")
    page = new_page(width=width)
    sign_in(page, live_server, person.email)
    for path in SIGNED_IN_PAGES:
        page.goto(live_server.url + path)
        assert_accessible(page, path)


@pytest.mark.parametrize("width", [1280, 360])
def test_the_page_to_react_without_javascript_is_accessible(
    live_server, make_user, connect, new_page, width
):
    author = make_user(Role.DELEGATE, email="author@example.org")
    sent = connect(author).emit(
        "send", {"room": "plenary", "body": "Our tender", "client_id": "a11y-1"}, callback=True
    )
    person = make_user(Role.DELEGATE, email="a11y@example.org")
    page = new_page(width=width)
    sign_in(page, live_server, person.email)
    path = f"/rooms/plenary/messages/{sent['message']['id']}/reactions"
    page.goto(live_server.url + path)
    assert_accessible(page, path)


def test_staff_pages_are_accessible(live_server, make_user, new_page):
    person = make_user(Role.ORGANIZER, email="boss@example.org")
    page = new_page()
    sign_in(page, live_server, person.email)
    for path in STAFF_PAGES:
        page.goto(live_server.url + path)
        assert_accessible(page, path)


def test_forms_with_errors_are_accessible(live_server, event, new_page):
    page = new_page()
    page.goto(live_server.url + "/register")
    page.click("form button[type=submit]")
    page.wait_for_selector(".field-error")
    assert_accessible(page, "register with errors")
    page.goto(live_server.url + "/login")
    page.fill("#email", "nobody@example.org")
    page.fill("#password", "wrong password")
    page.click("form button[type=submit]")
    page.wait_for_selector(".form-errors")
    assert_accessible(page, "login with an error")


def test_the_chats_changing_states_are_accessible(live_server, make_user, new_page):

    author = make_user(Role.DELEGATE, email="author@example.org")
    moderator = make_user(Role.MODERATOR, email="moderator@example.org")
    page, staff_page = new_page(width=360), new_page()
    sign_in(page, live_server, author.email)
    page.goto(live_server.url + "/rooms/plenary")
    page.wait_for_selector("#connection-status[data-state=connected]")
    page.fill("#composer-body", "first message")
    page.keyboard.press("Enter")
    page.wait_for_selector("#messages .message")
    assert_accessible(page, "room with a message and its actions")

    page.context.set_offline(True)
    page.wait_for_selector("#connection-status[data-state=reconnecting]")
    page.fill("#composer-body", "written offline")
    page.keyboard.press("Enter")
    page.wait_for_selector("#outbox .pending")
    assert_accessible(page, "reconnecting, with a message waiting")
    page.context.set_offline(False)
    page.wait_for_selector("#connection-status[data-state=connected]")

    # The moderator mutes through the real server, which tells the author's open page.
    moderator_session = live_server.login(moderator.email, PASSWORD)
    people_page = moderator_session.get(live_server.url + "/moderation/people").text
    moderator_session.post(
        f"{live_server.url}/moderation/people/{author.id}/mute",
        data={"csrf_token": csrf_token(people_page), "minutes": "5", "reason": "a pause"},
    )
    page.wait_for_selector("#live-notices .notice")
    page.wait_for_selector("#composer-state:has-text('You can write again in')")
    assert page.is_disabled("#composer-body")
    assert_accessible(page, "a notice and the muted composer counting down")

    sign_in(staff_page, live_server, moderator.email)
    staff_page.goto(live_server.url + "/rooms/plenary")
    staff_page.wait_for_selector("#connection-status[data-state=connected]")
    staff_page.locator("#messages .message").first.get_by_role("button", name="Hide").click()
    assert_accessible(staff_page, "the inline form to hide a message")
    staff_page.get_by_label("Reason (the author will read it)").fill("test")
    staff_page.get_by_role("button", name="Hide the message").click()
    staff_page.wait_for_selector("#messages .is-hidden")
    assert_accessible(staff_page, "a hidden message as moderators see it")


def test_the_statement_takes_feedback_from_anyone(live_server, event, new_page, app):
    from exchange.about.services import open_feedback

    page = new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Accessibility").click()
    assert page.get_by_role("heading", name="Accessibility statement").is_visible()
    page.get_by_label("What did not work for you?").fill("The map has no text alternative.")
    page.get_by_role("button", name="Send").click()
    page.wait_for_selector(".flash-success")
    assert_accessible(page, "the statement after sending feedback")
    with app.app_context():
        [feedback] = open_feedback()
        assert feedback.message == "The map has no text alternative."


def test_organizers_answer_feedback_on_an_accessible_page(
    live_server, make_user, new_page, app, tmp_path
):
    from exchange.about.services import send_accessibility_feedback

    with app.app_context():
        for number in range(3):
            send_accessibility_feedback(
                message=f"Barrier {number}: the map has no text alternative.\nPlease add one.",
                name="Ada Lovelace" if number else "",
                email="ada@example.org" if number else "",
                page="/rooms/plenary",
                address=f"192.0.2.{number}",
            )
    organizer = make_user(Role.ORGANIZER, email="boss@example.org")
    for width, height in ((1280, 800), (390, 844)):
        page = new_page(width=width, height=height)
        sign_in(page, live_server, organizer.email)
        page.goto(live_server.url + "/organizer")
        page.get_by_role("link", name="accessibility messages to answer").click()
        page.get_by_role("button", name="Mark as answered").first.click()
        page.wait_for_selector(".flash-success")
        assert page.get_by_role("heading", name="Answered recently").is_visible()
        assert_accessible(page, f"the accessibility feedback at {width} pixels")
        page.screenshot(path=str(tmp_path / f"feedback-{width}.png"), full_page=True)


def test_the_library_is_accessible_to_readers_writers_and_reviewers(
    live_server, make_user, write, new_page
):
    elena = make_user(Role.DELEGATE, email="elena@example.org", administration="ferla")
    published = write(elena, published=True, title="Solar roofs on schools")
    draft = write(elena, submitted=True, title="Bike lanes to the station")
    reviewer = make_user(Role.MODERATOR, email="marco@example.org")
    public = [
        "/practices",
        "/practices?q=solar&country=IT",
        "/practices?q=nothing-matches-this",
        f"/practices/{published.id}-{published.slug}",
        "/practices/totals",
        "/administrations/ferla",
    ]
    for width in (1280, 360):
        page = new_page(width=width)
        for path in public:
            page.goto(live_server.url + path)
            assert_accessible(page, f"{path} at {width}px")

    writer = new_page()
    sign_in(writer, live_server, elena.email)
    steps = [f"/practices/{draft.id}/edit/{step.name}" for step in STEPS]
    for path in ["/practices/new", "/practices/mine", *steps]:
        writer.goto(live_server.url + path)
        assert_accessible(writer, path)
    writer.goto(live_server.url + "/practices/new")
    writer.get_by_role("button", name="Save and continue").click()
    writer.wait_for_selector(".form-errors")
    assert_accessible(writer, "a practice form with errors")

    staff = new_page()
    sign_in(staff, live_server, reviewer.email)
    for path in [
        "/practices/review",
        f"/practices/{draft.id}-{draft.slug}",
        f"/practices/{published.id}/revisions",
    ]:
        staff.goto(live_server.url + path)
        assert_accessible(staff, path)
