"""Moderation in a real browser (Debian's chromium): what moderators do shows at once elsewhere."""

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.rooms import services as rooms

from ..conftest import sign_in
from ..support.browser import wait_until

pytestmark = [pytest.mark.live, pytest.mark.browser]

COUNT = "document.querySelectorAll('#messages .message:not(.is-hidden)').length"


def open_room(page, live_server, email):
    sign_in(page, live_server, email)
    page.goto(live_server.url + "/rooms/plenary")
    page.wait_for_selector("#connection-status[data-state=connected]")


def test_a_hidden_message_leaves_another_delegates_page_without_reload(
    live_server, make_user, new_page
):
    author = make_user(Role.DELEGATE, email="author@example.org")
    reader = make_user(Role.DELEGATE, email="reader@example.org", administration="ferla")
    moderator = make_user(Role.MODERATOR, email="moderator@example.org", name="Marco")
    author_page, reader_page, moderator_page = new_page(), new_page(), new_page()
    open_room(author_page, live_server, author.email)
    open_room(reader_page, live_server, reader.email)
    open_room(moderator_page, live_server, moderator.email)

    author_page.fill("#composer-body", "Something out of line")
    author_page.keyboard.press("Enter")
    wait_until(reader_page, f"{COUNT} === 1")
    wait_until(moderator_page, f"{COUNT} === 1")

    message = moderator_page.locator("#messages .message").first
    message.get_by_role("button", name="Hide").click()
    moderator_page.get_by_label("Reason (the author will read it)").fill("Please stay on topic")
    moderator_page.get_by_role("button", name="Hide the message").click()

    wait_until(reader_page, f"{COUNT} === 0")  # gone, without a reload
    wait_until(moderator_page, "document.querySelectorAll('#messages .is-hidden').length === 1")
    assert "Hidden by Marco: Please stay on topic" in moderator_page.inner_text("#messages")
    author_page.wait_for_selector("#live-notices .notice")
    notice = author_page.inner_text("#live-notices")
    assert "“Something out of line” in Plenary. Reason: Please stay on topic" in notice

    moderator_page.locator("#messages .message").first.get_by_role("button", name="Restore").click()
    wait_until(reader_page, f"{COUNT} === 1")
    for page in (author_page, reader_page, moderator_page):
        page.watch.assert_clean()


def test_a_delegate_reports_and_the_queue_updates_itself(live_server, make_user, new_page):
    author = make_user(Role.DELEGATE, email="author@example.org")
    reader = make_user(Role.DELEGATE, email="reader@example.org", administration="ferla")
    moderator = make_user(Role.MODERATOR, email="moderator@example.org")
    author_page, reader_page, queue_page = new_page(), new_page(), new_page()
    open_room(author_page, live_server, author.email)
    open_room(reader_page, live_server, reader.email)
    sign_in(queue_page, live_server, moderator.email)
    queue_page.goto(live_server.url + "/moderation")
    assert "No open reports." in queue_page.inner_text("#report-queue")

    author_page.fill("#composer-body", "Buy cheap solar panels at example.org!!!")
    author_page.keyboard.press("Enter")
    wait_until(reader_page, f"{COUNT} === 1")
    reader_page.locator("#messages .message").first.get_by_role("button", name="Report").click()
    reader_page.get_by_label("Why should moderators look at this message?").fill("Advertising")
    reader_page.get_by_role("button", name="Send the report").click()
    reader_page.wait_for_selector("text=Thank you. The moderators will look at it.")

    queue_page.wait_for_selector("#report-queue .queue-item")
    assert "Advertising" in queue_page.inner_text("#report-queue")
    # The menu's count follows without a reload, on the queue and in a room alike.
    menu_count = "#site-nav-list .report-count"
    wait_until(queue_page, f"document.querySelector('{menu_count}').textContent === '1'")
    assert queue_page.locator(menu_count).is_visible()
    assert queue_page.inner_text("#site-nav-list .report-count-words") == "(1 open report)"
    assert reader_page.locator(menu_count).count() == 0  # not for delegates
    for page in (author_page, reader_page, queue_page):
        page.watch.assert_clean()


def test_a_hidden_practice_leaves_every_open_library_page_without_reload(
    live_server, make_user, new_page, write
):
    writer = make_user(Role.DELEGATE, email="writer@example.org", administration="ferla")
    moderator = make_user(Role.MODERATOR, email="moderator@example.org", name="Marco")
    practice = write(writer, published=True, title="Solar roofs on schools")
    write(writer, published=True, title="Bike lanes to the station")
    page_url = f"{live_server.url}/practices/{practice.id}-{practice.slug}"

    listing, reading = new_page(), new_page()  # two readers without an account
    listing.goto(live_server.url + "/practices")
    reading.goto(page_url)
    items = "document.querySelectorAll('.practice-item').length"
    wait_until(listing, f"{items} === 2")
    connected = "document.documentElement.dataset.library === 'connected'"
    wait_until(listing, connected)
    wait_until(reading, connected)

    staff = new_page()
    sign_in(staff, live_server, moderator.email)
    staff.goto(page_url)
    staff.get_by_label("Reason (its writers will read it)").fill("Copied from elsewhere")
    staff.get_by_role("button", name="Hide this practice").click()
    staff.wait_for_selector("text=Hidden by Marco: Copied from elsewhere")

    wait_until(listing, f"{items} === 1")  # gone from the list, without a reload
    assert "Bike lanes" in listing.inner_text("main")
    reading.wait_for_selector("#practice-withdrawn:not([hidden])")
    assert reading.locator("article.practice").is_hidden()

    staff.get_by_role("button", name="Restore this practice").click()
    listing.reload()
    wait_until(listing, f"{items} === 2")
    for page in (listing, reading, staff):
        page.watch.assert_clean()


NOTE_AND_ACTIONS = """(id) => {
  const item = document.getElementById(`message-${id}`);
  return [item.querySelector('.hidden-note').outerHTML,
          item.querySelector('.message-actions').outerHTML];
}"""


def test_a_message_hidden_live_looks_as_one_the_server_rendered_hidden(
    app, live_server, make_user, new_page
):
    """Both come from the one message template: same note, same toolbar, same markup."""
    author = make_user(Role.DELEGATE, email="author@example.org")
    moderator = make_user(Role.MODERATOR, email="moderator@example.org", name="Marco")
    with app.app_context():
        room, writer = get_room("plenary"), db.session.get(User, author.id)
        earlier = rooms.post_message(room, writer, "first out of line", "first")
        later = rooms.post_message(room, writer, "second out of line", "second")
        moderation.hide_message(earlier, db.session.get(User, moderator.id), "Stay on topic")
        earlier_id, later_id = earlier.id, later.id
    page = new_page()
    open_room(page, live_server, moderator.email)
    assert page.locator(f"#message-{later_id}").is_visible()

    page.locator(f"#message-{later_id}").get_by_role("button", name="Hide", exact=True).click()
    page.get_by_label("Reason (the author will read it)").fill("Stay on topic")
    page.get_by_role("button", name="Hide the message").click()
    wait_until(page, f"document.querySelector('#message-{later_id}.is-hidden') !== null")

    server_rendered = page.evaluate(NOTE_AND_ACTIONS, earlier_id)
    hidden_live = page.evaluate(NOTE_AND_ACTIONS, later_id)
    assert hidden_live == server_rendered
    assert "Hidden by Marco: Stay on topic" in page.inner_text(f"#message-{later_id}")
    restore = page.locator(f"#message-{later_id} [data-action]:not([hidden])")
    assert restore.all_inner_texts() == ["Restore"]
    page.watch.assert_clean()
