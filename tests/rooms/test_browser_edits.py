"""Edits in the browser: the author edits by keyboard, the room sees "(edited)" live,
and a moderator reads the earlier versions."""

from __future__ import annotations

import pytest

from exchange.accounts.models import Role

from ..support.accessibility import assert_accessible
from ..support.browser import wait_until
from .test_browser_chat import DESKTOP
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


def test_an_author_edits_by_keyboard_and_a_moderator_reads_the_earlier_words(
    app, live_server, new_page, make_user
):
    elena = make_user(Role.DELEGATE, name="Elena", email="elena@example.org")
    mara = make_user(Role.MODERATOR, name="Mara", email="mara@example.org")
    message_id = post(app, elena, "Abbiamo bandito la gara nel 2032.")
    item = f"#message-{message_id}"

    moderator = new_page(**DESKTOP)
    moderator.context.set_extra_http_headers({"Accept-Language": "de"})
    open_room(moderator, live_server, mara.email)
    author = new_page(**PHONE)
    author.context.set_extra_http_headers({"Accept-Language": "it"})
    open_room(author, live_server, elena.email)

    author.locator(f"{item} .message-more").click()
    author.locator(f'{item} [data-action="edit"]').focus()
    author.keyboard.press("Enter")
    box = author.locator(f"{item} .message-edit textarea")
    assert author.evaluate("document.activeElement.tagName") == "TEXTAREA"
    assert box.input_value() == "Abbiamo bandito la gara nel 2032."
    look(author, "edit-editing-390")
    assert page_width_fits(author)
    assert_accessible(author, "a message being edited")
    author.keyboard.press("Escape")
    box.wait_for(state="detached")
    assert author.locator(f"{item} .message-body").is_visible()

    # Escape gave the focus back to the message's open menu: its Edit is one Tab away.
    assert author.evaluate("document.activeElement.className") == "message-more"
    author.locator(f'{item} [data-action="edit"]').focus()
    author.keyboard.press("Enter")
    box.fill("Abbiamo bandito la gara nel 2023.")
    author.keyboard.press("Enter")
    author.locator(f"{item} .message-edited").wait_for()
    assert author.locator(f"{item} .message-body").inner_text() == (
        "Abbiamo bandito la gara nel 2023."
    )
    assert author.locator("#composer-status").inner_text() == "Messaggio modificato."
    assert "modificato" in author.locator(f"{item} .message-edited").inner_text()
    look(author, "edit-edited-390")

    # The moderator's page shows the new words live, and the earlier ones on request.
    moderator.locator(f"{item} .message-edited").wait_for()
    assert "2023" in moderator.locator(f"{item} .message-body").inner_text()
    assert "bearbeitet" in moderator.locator(f"{item} .message-edited").inner_text()
    moderator.locator(f'{item} [data-action="history"]').click()
    history = moderator.locator(f"{item} .message-history")
    history.wait_for()
    wait_until(moderator, "document.activeElement.tagName === 'H3'")
    assert history.locator("h3").inner_text() == "Frühere Fassungen"
    assert history.locator(".message-history-body").all_inner_texts() == [
        "Abbiamo bandito la gara nel 2032."
    ]
    look(moderator, "edit-history-1280")
    assert_accessible(moderator, "a message's earlier versions")
