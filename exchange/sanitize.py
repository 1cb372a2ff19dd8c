"""The only module that imports bleach: allowlists as constants, ``clean_*`` functions.

bleach 6.4.0 is its final release. Keeping every call here means replacing it
later touches one file. Services call these functions when content is stored;
templates and scripts only ever mark the resulting ``*_html`` as safe.
"""

from __future__ import annotations

import csv
import html
import io
import re
import unicodedata
from collections.abc import Iterable
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from bleach.linkifier import build_url_re
from bleach.linkifier import Linker
from bleach.linkifier import LinkifyFilter
from bleach.sanitizer import Cleaner
from markdown_it import MarkdownIt

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


#: What happens to each link, in order. bleach drops a link whose callback returns
#: None, which types-bleach's callback type does not allow for: hence ``Any``.
_LINK_CALLBACKS: list[Any] = [_keep_web_links_only, _set_rel]

_chat_linker = Linker(
    url_re=build_url_re(protocols=LINK_PROTOCOLS),
    callbacks=_LINK_CALLBACKS,
    parse_email=False,
)


def clean_chat_text(text: str, mentions: Iterable[str] = ()) -> str:
    """Render a plain-text chat message as safe HTML.

    The text is escaped first, so no markup the author typed survives; then web
    addresses become links and line breaks become ``<br>``. Each of ``mentions``
    (``@Elena Conti``, as written) becomes ``<span class="mention">``: the text is
    cut at the mentions before anything else, so a mention never lands inside a link.
    """
    pattern = mention_pattern(mentions)
    if pattern is None:
        linked = _chat_linker.linkify(html.escape(text))
    else:
        parts: list[str] = []
        position = 0
        for match in pattern.finditer(text):
            parts.append(_chat_linker.linkify(html.escape(text[position : match.start()])))
            parts.append(f'<span class="mention">{html.escape(match.group())}</span>')
            position = match.end()
        parts.append(_chat_linker.linkify(html.escape(text[position:])))
        linked = "".join(parts)
    lines = linked.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br>\n".join(lines)


def clean_line(text: str) -> str:
    """Make a short plain text one tidy line: a poll's question or one of its options.

    Composed characters are normalised (NFC) so that look-alike texts compare equal;
    control and bidirectional-override characters become spaces; runs of white space
    become one space, and the ends are trimmed. The result is text, never HTML:
    templates escape it and scripts set it as ``textContent``.
    """
    normal = unicodedata.normalize("NFC", text)
    kept = "".join(
        " " if unicodedata.category(char) in _UNSEEN_CATEGORIES or char in _BIDI_CONTROLS else char
        for char in normal
    )
    return " ".join(kept.split())


#: Control characters (``Cc``), separators of lines and paragraphs, and unassigned or
#: private code points: none belongs in a one-line label.
_UNSEEN_CATEGORIES = frozenset({"Cc", "Zl", "Zp", "Cn", "Co", "Cs"})
#: Characters that reorder the text shown after them (the "Trojan source" controls).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def mention_pattern(mentions: Iterable[str]) -> re.Pattern[str] | None:
    """Match any of ``mentions`` as a whole: ``@Anna`` is not found in ``@Annabel``."""
    names = sorted({name for name in mentions if name}, key=len, reverse=True)
    if not names:
        return None
    return re.compile(r"(?<![\w@])(?:" + "|".join(map(re.escape, names)) + r")(?!\w)")


#: Version of the Markdown rendering below: the renderer's options and the allowlist.
#: Raise it with every change to them; stored texts rendered by an older version are
#: rendered again by ``flask --app wsgi rerender-practices`` (and by ``init-db``).
MARKDOWN_VERSION = 1
#: What rendered Markdown may contain. No images (their sources would be fetched from
#: anywhere by every reader), no raw HTML, no styles, scripts or event attributes.
MARKDOWN_TAGS = frozenset(
    {
        "p", "br", "hr",
        "h3", "h4", "h5", "h6",
        "strong", "em", "s", "code", "pre", "blockquote",
        "ul", "ol", "li",
        "table", "thead", "tbody", "tr", "th", "td",
        "a",
    }
)  # fmt: skip
MARKDOWN_ATTRIBUTES = {"a": ["href", "title", "rel"], "ol": ["start"]}
#: Headings a writer types as ``#`` become ``<h3>``: the page already has its title
#: (h1) and a heading per section (h2), so the outline stays in order.
HEADING_OFFSET = 2

_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .enable(["table", "strikethrough"])
    .disable("image")
)
_markdown_cleaner = Cleaner(
    tags=MARKDOWN_TAGS,
    attributes=MARKDOWN_ATTRIBUTES,
    protocols=list(LINK_PROTOCOLS),
    strip=True,
    strip_comments=True,
    filters=[
        partial(
            LinkifyFilter,
            url_re=build_url_re(protocols=LINK_PROTOCOLS),
            callbacks=_LINK_CALLBACKS,
            parse_email=False,
            skip_tags={"pre", "code"},
        )
    ],
)


#: Most parts (tokens other than plain text: a paragraph, a list item, a table cell,
#: an emphasis...) one Markdown text may have. Cleaning the HTML costs time in
#: proportion to them, and a text of one-column tables or one-word list items has one
#: every few characters: a 20,000-character field of them took seconds. A long field
#: of ordinary prose has about 2,000; a table of 500 short rows about 7,000.
MARKDOWN_MAX_TOKENS = 10_000


class MarkdownTooComplex(ValueError):
    """A text has more parts than :data:`MARKDOWN_MAX_TOKENS`."""

    def __init__(self, tokens: int, limit: int) -> None:
        super().__init__(f"{tokens} Markdown tokens, at most {limit}")
        self.tokens = tokens
        self.limit = limit
        #: The field it was found in, when several were rendered together.
        self.name = ""


def clean_markdown(text: str, *, max_tokens: int | None = MARKDOWN_MAX_TOKENS) -> str:
    """Render CommonMark as safe HTML, keeping only what ``MARKDOWN_TAGS`` allows.

    Raw HTML is never interpreted (it shows as text); links keep their text but
    lose their target unless it is http or https, and get ``rel="nofollow noopener"``;
    bare web addresses become such links too. A text of more than ``max_tokens``
    parts raises :class:`MarkdownTooComplex` before the costly cleaning (None: any
    number, for texts stored before the bound).
    """
    tokens = _markdown.parse(text)
    if max_tokens is not None:
        # Plain text runs cost the cleaner little; elements (and so their tokens) cost.
        count = len(tokens) + sum(
            child.type != "text" for token in tokens for child in token.children or ()
        )
        if count > max_tokens:
            raise MarkdownTooComplex(count, max_tokens)
    for token in tokens:
        if token.type in {"heading_open", "heading_close"}:
            token.tag = f"h{min(int(token.tag[1]) + HEADING_OFFSET, 6)}"
    return _markdown_cleaner.clean(_markdown.renderer.render(tokens, _markdown.options, {}))


def clean_markdown_fields(
    texts: dict[str, str], *, max_tokens: int | None = MARKDOWN_MAX_TOKENS
) -> dict[str, str]:
    """Render several Markdown texts at once (the fields of a practice); plain values only.

    Made to run off the event loop (``offload.run_off_loop``). A field with too many
    parts raises :class:`MarkdownTooComplex` with its ``name``.
    """
    rendered = {}
    for name, text in texts.items():
        try:
            rendered[name] = clean_markdown(text, max_tokens=max_tokens)
        except MarkdownTooComplex as error:
            error.name = name
            raise
    return rendered


#: Characters a spreadsheet takes as the start of a formula (with their full-width
#: forms, which some locales read the same way), and the separators after which a
#: spreadsheet may start a new cell: Excel in Italian or German splits on ``;``.
CSV_FORMULA_STARTS = "=+-@\t\r|\uff1d\uff0b\uff0d\uff20"
CSV_SEPARATORS = ",;\t\r\n|"
_formula_start = re.compile(
    rf"(^|[{re.escape(CSV_SEPARATORS)}])([ \u00a0]*)(?=[{re.escape(CSV_FORMULA_STARTS)}])"
)


def csv_cell(value: object) -> object:
    """Make one value harmless to a spreadsheet (CSV injection).

    Numbers stay numbers. In text, every place where a cell could begin (its start,
    and after any separator a spreadsheet might split on) is kept from starting a
    formula by an apostrophe, which spreadsheets read as "this is text".
    """
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _formula_start.sub(r"\1\2'", str(value))
    return value


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """Write rows as CSV text that is safe to open in a spreadsheet.

    Every field is quoted, so no separator inside it splits it, and every text goes
    through :func:`csv_cell`. Every CSV the exchange writes is made here.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue()
