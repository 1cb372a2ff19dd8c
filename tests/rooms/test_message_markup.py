"""The one message template: what the server renders for a message, and what it offers."""

import re
import uuid

import pytest

from exchange.accounts.models import Role
from exchange.moderation import services as moderation
from exchange.rooms import services as rooms


@pytest.fixture
def author(make_user):
    return make_user(Role.DELEGATE, name="Elena", administration="campi-bisenzio")


def send(connect, user, body):
    ack = connect(user).emit(
        "send", {"room": "plenary", "body": body, "client_id": uuid.uuid4().hex}, callback=True
    )
    assert ack["ok"], ack
    return ack["message"]


def item_of(page, message_id):
    """The markup of one message on a page, from its <li> to the end of its actions."""
    start = page.index(f'id="message-{message_id}"')
    return page[start : page.index("</li>", start)]


def template_of(page, name="message-template"):
    start = page.index(f'<template id="{name}">')
    return page[start : page.index("</template>", start)]


def tools(markup):
    return re.findall(r'data-action="([a-z]+)"', markup)


def test_a_hidden_message_tells_moderators_who_hid_it_and_why(
    app, client, login, connect, make_user, author
):
    moderator = make_user(Role.MODERATOR, name="Marco")
    sent = send(connect, author, "off topic <b>")
    with app.app_context():
        moderation.hide_message(rooms.get_message(sent["id"]), moderator, "Stay <on> topic")
    login(client, moderator)
    page = client.get("/rooms/plenary").get_data(as_text=True)

    note = re.search(r'<p class="hidden-note">.*?</p>', item_of(page, sent["id"]), re.S).group()
    assert note == (
        '<p class="hidden-note"><span class="hidden-note-moderated">Hidden by '
        '<span class="hidden-note-name">Marco</span>: '
        '<span class="hidden-note-reason">Stay &lt;on&gt; topic</span></span></p>'
    )


def test_a_withdrawn_message_says_its_author_withdrew_it(
    app, client, login, connect, make_user, author
):
    sent = send(connect, author, "oops")
    with app.app_context():
        message = rooms.get_message(sent["id"])
        moderation.hide_message(message, message.author, None)
    login(client, make_user(Role.ORGANIZER))
    page = client.get("/rooms/plenary").get_data(as_text=True)

    note = re.search(r'<p class="hidden-note">.*?</p>', item_of(page, sent["id"]), re.S).group()
    assert note == (
        '<p class="hidden-note"><span class="hidden-note-withdrawn">'
        "Withdrawn by its author.</span></p>"
    )


def test_the_template_holds_both_wordings_of_the_note_for_the_client_to_choose(
    client, login, make_user
):
    login(client, make_user(Role.MODERATOR))
    template = template_of(client.get("/rooms/plenary").get_data(as_text=True))
    assert '<span class="hidden-note-withdrawn">Withdrawn by its author.</span>' in template
    assert (
        '<span class="hidden-note-moderated">Hidden by <span class="hidden-note-name"></span>: '
        '<span class="hidden-note-reason"></span></span>'
    ) in template


STAFF_TOOLS = ["reply", "react", "edit", "history", "delete", "hide", "restore"]


@pytest.mark.parametrize(
    ("role", "offered"),
    [
        (Role.ATTENDEE, ["react", "delete", "report"]),  # attendees react, never write
        (Role.DELEGATE, ["reply", "react", "edit", "develop", "delete", "report"]),
        (Role.MODERATOR, STAFF_TOOLS),
        (Role.ORGANIZER, STAFF_TOOLS),
    ],
)
def test_the_page_carries_once_the_toolbar_the_reader_may_use_for_every_message(
    client, login, connect, make_user, author, role, offered
):
    sent = send(connect, author, "hello")
    login(client, make_user(role))
    page = client.get("/rooms/plenary").get_data(as_text=True)

    toolbar = template_of(page, "message-toolbar-template")
    assert tools(toolbar) == offered
    # Hidden until the script decides which apply: without it, no dead buttons.
    assert toolbar.startswith(
        '<template id="message-toolbar-template"><span class="message-toolbar" hidden>'
    )
    # The script copies it into each message: no message carries its own.
    assert page.count('class="message-toolbar"') == 1
    assert tools(item_of(page, sent["id"])) == tools(template_of(page)) == []


def test_the_no_script_actions_stay_for_pages_without_javascript(client, login, connect, author):
    sent = send(connect, author, "hello")
    login(client, author)
    item = item_of(client.get("/rooms/plenary").get_data(as_text=True), sent["id"])
    fallback = item[item.index('<span class="message-fallback">') :]
    assert f"reply_to={sent['id']}#composer" in fallback
    assert 'class="message-develop"' in fallback and 'name="csrf_token"' in fallback
