"""The only module that imports bleach: allowlists as constants, ``clean_*`` functions.

bleach 6.4.0 is its final release. Keeping every call here means replacing it
later touches one file. Services call these functions when content is stored;
templates and scripts only ever mark the resulting ``*_html`` as safe.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlsplit

from bleach.linkifier import Linker, build_url_re

#: Schemes a link may point to. Anything else is left as plain text.
LINK_PROTOCOLS = ("http", "https")
#: Every link we make or keep opens without handing our page to the target.
LINK_REL = "nofollow noopener"

_HREF = (None, "href")
_REL = (None, "rel")


def _keep_web_links_only(attrs: dict[Any, str], new: bool = False) -> dict[Any, str] | None:
    """Drop a link (keeping its text) unless it points to http or https."""
    scheme = urlsplit(attrs.get(_HREF, "")).scheme.lower()
    if scheme not in LINK_PROTOCOLS:
        return None
    return attrs


def _set_rel(attrs: dict[Any, str], new: bool = False) -> dict[Any, str]:
    attrs[_REL] = LINK_REL
    return attrs


_chat_linker = Linker(
    url_re=build_url_re(protocols=LINK_PROTOCOLS),
    callbacks=[_keep_web_links_only, _set_rel],
    parse_email=False,
)


def clean_chat_text(text: str) -> str:
    """Render a plain-text chat message as safe HTML.

    The text is escaped first, so no markup the author typed survives; then web
    addresses become links and line breaks become ``<br>``.
    """
    linked = _chat_linker.linkify(html.escape(text))
    lines = linked.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br>\n".join(lines)
