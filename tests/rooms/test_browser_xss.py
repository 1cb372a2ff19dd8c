"""Hostile text shown in a real browser (Debian's chromium): none of it ever runs.

Every string of the Big List of Naughty Strings and our own XSS vectors is
posted, then shown twice: rendered by the server into the room page, and
rendered live by static/js/room/messages.js as it arrives. A dialog, a console call, a
script error or a request leaving the site fails the test.
"""

from __future__ import annotations

import uuid

import pytest

from exchange.accounts.models import Role

from ..conftest import PASSWORD
from ..conftest import sign_in
from ..support.browser import wait_until
from ..support.live import LiveServer

pytestmark = [pytest.mark.live, pytest.mark.browser]

EVIL = "http://evil.invalid"

XSS_VECTORS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<img src=x onerror="window.__pwned=1">',
    "<svg onload=alert(1)>",
    '"><script>alert(document.cookie)</script>',
    "'><svg/onload=alert(1)>",
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">click</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    'http://example.org/"><img src=x onerror=alert(1)>',
    "www.example.org/<script>alert(1)</script>",
    f"<a href={EVIL} onclick=alert(1)>x</a>",
    f"<img src={EVIL}/leak.png>",
    f"<link rel=stylesheet href={EVIL}/x.css>",
    f'<meta http-equiv="refresh" content="0;url={EVIL}">',
    f"<style>body{{background:url({EVIL}/bg)}}</style>",
    f'<base href="{EVIL}/">',
    "</textarea><script>alert(1)</script>",
    f"<form action={EVIL}><button>x</button></form>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    '<object data="javascript:alert(1)"></object>',
    "\u202egnp.exe",
]

HOSTILE_NAME = "<img src=x onerror=\"alert('name')\">Mallory"


@pytest.fixture
def live_server(database_url, tmp_path):
    """The real server, showing whole rooms on one page so every string is rendered."""
    server = LiveServer(
        database_url,
        tmp_path,
        env={"EXCHANGE_HISTORY_LIMIT": "1000", "EXCHANGE_BACKFILL_LIMIT": "1000"},
    ).start()
    yield server
    server.stop()


def post_all(client, room, texts):
    for text in texts:
        ack = client.call(
            "send", {"room": room, "body": text, "client_id": uuid.uuid4().hex}, timeout=10
        )
        assert ack["ok"] or not text.strip(), (text, ack)


def assert_nothing_ran(page):
    page.watch.assert_clean()
    assert page.evaluate("window.__pwned") is None
    has_handlers = page.evaluate(
        """() => [...document.querySelectorAll('#messages *, #online-list *')]
              .filter(el => el.tagName === 'SCRIPT' || el.tagName === 'IFRAME' ||
                            el.tagName === 'STYLE' || el.tagName === 'BASE' ||
                            [...el.attributes].some(a => a.name.startsWith('on')))
              .map(el => el.outerHTML)"""
    )
    assert has_handlers == []


def test_hostile_text_never_runs_in_the_room_page(
    live_server, make_user, new_page, naughty_strings
):
    author = make_user(Role.DELEGATE, email="mallory@example.org", name=HOSTILE_NAME)
    reader = make_user(Role.DELEGATE, email="reader@example.org", administration="ferla")
    mallory = live_server.socket(live_server.login(author.email, PASSWORD))
    mallory.call("join", {"room": "participation"}, timeout=10)
    texts = [*naughty_strings, *XSS_VECTORS]
    post_all(mallory, "participation", texts)

    page = new_page()
    sign_in(page, live_server, reader.email)
    page.goto(live_server.url + "/rooms/participation")
    page.wait_for_selector("#connection-status[data-state=connected]")
    rendered = page.locator("#messages .message-body").all_inner_texts()
    assert len(rendered) == len([t for t in texts if t.strip()])
    assert "{{7*7}} ${7*7} <%= 7*7 %>" in rendered  # shown as typed, not evaluated
    assert page.locator("#online-list").inner_text().count("Mallory") == 1
    assert_nothing_ran(page)

    # The same strings again, this time rendered by the page's script as they arrive.
    live_count = page.locator("#messages .message").count()
    post_all(mallory, "participation", XSS_VECTORS)
    expected = live_count + len(XSS_VECTORS)
    wait_until(page, f"document.querySelectorAll('#messages .message').length === {expected}")
    names = page.locator("#messages .message-author").all_inner_texts()
    assert set(names) == {HOSTILE_NAME}
    assert_nothing_ran(page)
    mallory.disconnect()


def test_hostile_text_typed_in_the_composer_comes_back_as_text(live_server, make_user, new_page):
    author = make_user(Role.DELEGATE, email="typist@example.org")
    page = new_page()
    sign_in(page, live_server, author.email)
    page.goto(live_server.url + "/rooms/plenary")
    page.wait_for_selector("#connection-status[data-state=connected]")
    for vector in XSS_VECTORS[:8]:
        page.fill("#composer-body", vector)
        page.keyboard.press("Enter")
    wait_until(page, "document.querySelectorAll('#messages .message').length === 8")
    wait_until(page, "document.querySelectorAll('#outbox .pending').length === 0")
    assert page.locator("#messages .message-body").all_inner_texts() == XSS_VECTORS[:8]
    assert_nothing_ran(page)
