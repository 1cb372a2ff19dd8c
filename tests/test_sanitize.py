"""The sanitizer: what a person types can never become markup or script."""

import pytest

from exchange.sanitize import clean_chat_text

from .html_checks import assert_only_safe_chat_markup, parse


def test_markup_is_shown_as_text():
    html = clean_chat_text("<script>alert(1)</script><b>bold</b>")
    assert "<script" not in html and "<b>" not in html
    assert "".join(parse(html).text) == "<script>alert(1)</script><b>bold</b>"


def test_web_addresses_become_links_that_do_not_hand_over_the_page():
    html = clean_chat_text("See https://example.org/plan?a=1&b=2 today")
    assert '<a href="https://example.org/plan?a=1&amp;b=2" rel="nofollow noopener">' in html


def test_bare_domains_become_http_links():
    assert 'href="http://www.comune.example.it"' in clean_chat_text("www.comune.example.it")


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "<a href=javascript:alert(1)>x</a>",
    ],
)
def test_dangerous_schemes_are_never_links(text):
    html = clean_chat_text(text)
    assert_only_safe_chat_markup(html)
    assert "javascript:" not in "".join(v or "" for _, attrs in parse(html).tags for _, v in attrs)


def test_email_addresses_are_not_linked():
    assert "mailto:" not in clean_chat_text("write to someone@example.org")


def test_quotes_cannot_break_out_of_a_link():
    html = clean_chat_text('http://x.example/"onmouseover="alert(1)')
    assert_only_safe_chat_markup(html)
    assert "onmouseover=" not in [name for _, attrs in parse(html).tags for name, _ in attrs]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_breaks_are_kept(newline):
    assert clean_chat_text(f"one{newline}two") == "one<br>\ntwo"


def test_naughty_strings_yield_only_links_and_line_breaks(naughty_strings):
    for text in naughty_strings:
        assert_only_safe_chat_markup(clean_chat_text(text))
