"""The sanitizer: what a person types can never become markup or script."""

import pytest

from bench.markdown_render import FIELD_MAX_LENGTH
from bench.markdown_render import HOSTILE_STRUCTURE
from bench.markdown_render import PATHOLOGICAL
from bench.markdown_render import PROSE
from exchange.sanitize import clean_chat_text
from exchange.sanitize import clean_markdown
from exchange.sanitize import clean_markdown_fields
from exchange.sanitize import csv_text
from exchange.sanitize import MARKDOWN_MAX_TOKENS
from exchange.sanitize import MarkdownTooComplex

from .csv_checks import assert_safe_for_spreadsheets
from .html_checks import assert_only_safe_chat_markup
from .html_checks import assert_only_safe_markdown_markup
from .html_checks import parse


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


# Markdown of best practices


def test_markdown_keeps_the_structure_writers_need():
    html = clean_markdown(
        "# Results\n\nSome *emphasis*, **strong**, ~~gone~~ and `code`.\n\n"
        "- one\n- two\n\n3. three\n4. four\n\n> quoted\n\n"
        "| kWp | MWh |\n|---:|---:|\n| 60 | 72 |\n\n```\nfenced\n```"
    )
    for fragment in (
        "<h3>Results</h3>",
        "<em>emphasis</em>",
        "<strong>strong</strong>",
        "<s>gone</s>",
        "<code>code</code>",
        "<ul>",
        '<ol start="3">',
        "<blockquote>",
        "<th>kWp</th>",
        "<td>72</td>",
        "<pre><code>fenced",
    ):
        assert fragment in html
    assert "style=" not in html and "class=" not in html
    assert_only_safe_markdown_markup(html)


def test_markdown_headings_start_below_the_page_sections():
    html = clean_markdown("# one\n## two\n### three\n#### four\n###### six")
    assert [tag for tag, _ in parse(html).tags] == ["h3", "h4", "h5", "h6", "h6"]


def test_markdown_links_to_the_web_get_rel_and_others_lose_their_target():
    html = clean_markdown(
        '[report](https://example.org/r "Report") <http://example.org/a> '
        "[local](/practices/1) [mail](mailto:a@example.org) www.example.org"
    )
    assert (
        '<a href="https://example.org/r" title="Report" rel="nofollow noopener">report</a>' in html
    )
    assert '<a href="http://example.org/a" rel="nofollow noopener">' in html
    assert '<a href="http://www.example.org" rel="nofollow noopener">' in html
    assert "local" in html and "/practices/1" not in html
    assert "mail" in html and "mailto:" not in html
    assert_only_safe_markdown_markup(html)


def test_markdown_never_embeds_images():
    html = clean_markdown(
        "![tracker](https://tracker.example/pixel.gif) <img src=x onerror=alert(1)>"
    )
    assert "<img" not in html
    assert_only_safe_markdown_markup(html)


XSS_VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](  javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    '<https://example.org/"onmouseover="alert(1)>',
    '[x](https://example.org/"onmouseover="alert(1))',
    '[x](https://example.org "title" onmouseover="alert(1)")',
    "<iframe src=https://evil.example></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<!-- <script>alert(1)</script> -->",
    "<<script>script>alert(1)<</script>/script>",
    "<details open ontoggle=alert(1)>",
    "[x]: javascript:alert(1)\n\n[click][x]",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "| a |\n|---|\n| <script>alert(1)</script> |",
    "> <img src=x onerror=alert(1)>",
]


@pytest.mark.parametrize("markdown", XSS_VECTORS)
def test_hostile_markdown_yields_no_script_no_handler_no_script_url(markdown):
    assert_only_safe_markdown_markup(clean_markdown(markdown))


def test_naughty_strings_yield_only_allowlisted_markdown(naughty_strings):
    for text in naughty_strings:
        assert_only_safe_markdown_markup(clean_markdown(text))
    assert_only_safe_markdown_markup(clean_markdown("\n\n".join(naughty_strings)))


@pytest.mark.parametrize("markdown", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_markdown_renders_to_bounded_safe_html(markdown):
    """The work is bounded by the input: the output stays linear in its size.

    (How long it takes is measured by ``python -m bench.markdown_render``, part of
    ``make bench``, not asserted here.)
    """
    html = clean_markdown(markdown, max_tokens=None)  # rendered even beyond the bound
    assert len(html) <= 12 * len(markdown) + 1_000
    assert_only_safe_markdown_markup(html)


@pytest.mark.parametrize(
    "text",
    [
        "=1+1",
        "+1",
        "-1",
        "@SUM(A1)",
        "\t=1",
        "Anna;=cmd|' /C calc'!A0",
        'Anna,=HYPERLINK("http://evil")',
        "a\n=1",
        "a\tb|=1",
        "a; =1",
        "\uff1dcmd",
    ],
)
def test_no_spreadsheet_cell_of_a_csv_can_start_a_formula(text):
    rows = assert_safe_for_spreadsheets(csv_text([["name"], [text]]))
    assert rows[1][0].replace("'", "") == text.replace("'", "")  # only apostrophes added


def test_csv_keeps_numbers_and_plain_text_as_they_are():
    assert (
        csv_text([[1, 2.5, "Anna Rossi - Ferla", None]]) == '"1","2.5","Anna Rossi - Ferla",""\r\n'
    )


def test_every_naughty_string_is_safe_in_a_csv(naughty_strings):
    assert_safe_for_spreadsheets(csv_text([text] for text in naughty_strings))


@pytest.mark.parametrize("name", list(HOSTILE_STRUCTURE))
def test_texts_of_too_many_parts_are_refused_before_the_costly_cleaning(name):
    text = HOSTILE_STRUCTURE[name][:FIELD_MAX_LENGTH]
    with pytest.raises(MarkdownTooComplex) as refused:
        clean_markdown(text)
    assert refused.value.tokens > MARKDOWN_MAX_TOKENS == refused.value.limit


def test_a_long_field_of_ordinary_prose_or_a_real_table_is_within_the_bound():
    prose = (PROSE * 200)[:FIELD_MAX_LENGTH]
    table = "| Year | kWp | MWh |\n|---|---:|---:|\n" + "| 2021 | 60 | 72 |\n" * 300
    assert "<table>" in clean_markdown(table)
    assert "<strong>solar panels</strong>" in clean_markdown(prose)


def test_fields_rendered_together_name_the_one_refused():
    with pytest.raises(MarkdownTooComplex) as refused:
        clean_markdown_fields({"actions": "Fine.", "results": "- a\n" * 6000})
    assert refused.value.name == "results"
    assert clean_markdown_fields({"actions": "- a\n" * 6000}, max_tokens=None)["actions"]
