"""Replies in the browser: quote, cancel, send, and jump to the answered message."""

from __future__ import annotations

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.rooms import services as rooms

from ..support.accessibility import assert_accessible
from ..support.browser import wait_until
from .test_browser_chat import DESKTOP
from .test_browser_chat import in_view
from .test_browser_chat import look
from .test_browser_chat import open_room
from .test_browser_chat import page_width_fits
from .test_browser_chat import PHONE
from .test_browser_chat import post

pytestmark = [
    pytest.mark.live,
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


@pytest.fixture
def elena(make_user):
    return make_user(Role.DELEGATE, name="Elena", email="elena@example.org")


@pytest.fixture
def salvatore(make_user):
    return make_user(
        Role.DELEGATE, name="Salvatore", email="salvatore@example.org", administration="ferla"
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_delegate_replies_by_keyboard_and_jumps_to_an_answered_message_far_back(
    app, live_server, new_page, elena, salvatore, viewport
):
    question = post(app, salvatore, "Chi ha già bandito una gara per i tetti delle scuole?")
    for n in range(60):
        post(app, salvatore, f"Aggiornamento numero {n} sul nostro piano energetico")
    with app.app_context():
        old_reply = rooms.post_message(
            get_room("plenary"),
            db.session.get(User, elena.id),
            "Noi, nel 2023: ne parlo volentieri.",
            "old-reply",
            reply_to=question,
        ).id
    latest = post(app, salvatore, "Qualcuno ha esperienza con le comunità energetiche?")

    page = new_page(**viewport)
    page.context.set_extra_http_headers({"Accept-Language": "it"})
    open_room(page, live_server, elena.email)
    assert page.locator(f"#message-{question}").count() == 0  # beyond the first page

    # "Rispondi" in the toolbar, by keyboard: the quote appears above the composer.
    reply_button = page.locator(f'#message-{latest} [data-action="reply"]')
    if viewport is PHONE:
        page.locator(f"#message-{latest} .message-more").click()
    reply_button.focus()
    page.keyboard.press("Enter")
    bar = page.locator("#composer-reply")
    bar.wait_for(state="visible")
    assert "Qualcuno ha esperienza" in bar.inner_text()
    assert page.evaluate("document.activeElement.id") == "composer-body"
    look(page, f"reply-composing-{viewport['width']}")
    assert page_width_fits(page)
    assert_accessible(page, "the composer quoting a message")

    page.keyboard.press("Escape")
    bar.wait_for(state="hidden")
    assert page.locator("#composer-status").inner_text() == "Risposta annullata."

    reply_button.focus()
    page.keyboard.press("Enter")
    page.keyboard.type("Sì, a Campi Bisenzio.")
    page.keyboard.press("Enter")
    sent = page.locator("#messages .message", has_text="Sì, a Campi Bisenzio.")
    sent.wait_for()
    assert bar.is_hidden()
    quote = sent.locator(".message-reply-link")
    assert quote.get_attribute("href") == f"#message-{latest}"
    assert "Qualcuno ha esperienza" in quote.inner_text()
    assert "In risposta a" in quote.inner_text()  # said to screen readers

    # The older reply's quote loads earlier history until the answered message is there.
    page.locator(f"#message-{old_reply} .message-reply-link").focus()
    page.keyboard.press("Enter")
    wait_until(page, f"document.activeElement?.id === 'message-{question}'")
    assert in_view(page, f"#message-{question}")
    look(page, f"reply-jumped-{viewport['width']}")
    assert_accessible(page, "a room after jumping to an answered message")
