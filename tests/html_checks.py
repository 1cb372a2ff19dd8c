"""Assertions about HTML produced from hostile input."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector


def assert_only_safe_chat_markup(html: str) -> None:
    """Chat HTML may hold only <a href="http(s)…" rel="nofollow noopener"> and <br>."""
    for tag, attrs in parse(html).tags:
        assert tag in {"a", "br"}, f"unexpected <{tag}> in {html!r}"
        names = {name for name, _ in attrs}
        if tag == "br":
            assert not names, html
            continue
        assert names <= {"href", "rel"}, f"unexpected attributes {names} in {html!r}"
        values = dict(attrs)
        assert urlsplit(values["href"] or "").scheme in {"http", "https"}, html
        assert values["rel"] == "nofollow noopener", html


def assert_only_safe_markdown_markup(html: str) -> None:
    """Rendered Markdown holds only the allowlisted tags, no event handler, no script URL."""
    from exchange.sanitize import MARKDOWN_ATTRIBUTES
    from exchange.sanitize import MARKDOWN_TAGS

    for tag, attrs in parse(html).tags:
        assert tag in MARKDOWN_TAGS, f"unexpected <{tag}> in {html!r}"
        names = {name for name, _ in attrs}
        assert names <= set(MARKDOWN_ATTRIBUTES.get(tag, ())), f"{names} on <{tag}> in {html!r}"
        assert not any(name.startswith("on") for name in names), html
        if tag == "a":
            values = dict(attrs)
            assert urlsplit(values["href"] or "").scheme in {"http", "https"}, html
            assert values["rel"] == "nofollow noopener", html
    lowered = html.lower()
    assert (
        "<script" not in lowered
        and "javascript:"
        not in "".join(value or "" for _, attrs in parse(html).tags for _, value in attrs).lower()
    )
