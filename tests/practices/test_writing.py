"""Writing a practice: every field checked at once and answered at the field, hostile text kept."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from markupsafe import escape

from exchange.errors import Invalid
from exchange.extensions import db
from exchange.practices import services
from exchange.practices.forms import STEPS
from exchange.practices.models import Practice

from ..support.live import csrf_token
from ..support.practices import content
from .test_views import FORM
from .test_views import page
from .test_views import post_form
from .test_views import start_practice


def error_at(html, name):
    """The message shown at a field, or None."""
    found = re.search(rf'<p class="error" id="{re.escape(name)}-error">(.*?)</p>', html, re.S)
    return found[1] if found else None


def test_every_field_at_fault_is_named_at_once(app_ctx, elena):
    bad = content(
        title=" ",
        year_from=2024,
        year_to=2022,
        public_email="elena@comune..it",
        links=["ftp://example.org/report"],
        licence="All rights reserved",
    )
    with pytest.raises(Invalid) as refused:
        services.create_practice(db.session.merge(elena), bad)
    assert refused.value.details["field"] == "title"
    assert set(refused.value.details["field_errors"]) == {
        "title",
        "year_to",
        "public_email",
        "links",
        "licence",
    }
    assert db.session.query(Practice).count() == 0


def test_inverted_years_are_refused_with_a_message_at_the_field(client, login, app, elena):
    login(client, elena)
    response = post_form(client, "/practices/new", {**FORM, "year_from": "2024", "year_to": "2022"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_at(html, "year_to") == (
        "The practice cannot end before it starts: it ends in 2022 but starts in 2024."
    )
    assert 'aria-describedby="year_to-hint year_to-error"' in html and 'href="#year_to"' in html
    assert 'value="2024"' in html and 'value="2022"' in html  # what was typed stays
    with app.app_context():
        assert db.session.query(Practice).count() == 0


def test_a_practice_must_have_started(client, login, elena):
    login(client, elena)
    next_year = dt.date.today().year + 1
    response = post_form(client, "/practices/new", {**FORM, "year_from": str(next_year)})
    assert response.status_code == 422
    assert "it must have started by" in error_at(response.get_data(as_text=True), "year_from")


@pytest.mark.parametrize(
    "address",
    [
        "elena@comune..it",
        "elena@comune",
        "elena.@comune.it",
        "elena@@comune.it",
        "elena@com_une.it",
    ],
)
def test_a_malformed_contact_email_is_refused_at_its_field_with_the_links(
    client, login, app, elena, address
):
    login(client, elena)
    practice_id = start_practice(client, app)
    lessons = f"/practices/{practice_id}/edit/lessons"
    sent = {**FORM, "public_email": address, "links": "https://example.org\nwww.example.org"}
    response = post_form(client, lessons, sent)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "is not an email address" in error_at(html, "public_email")
    assert "is not a web address" in error_at(html, "links")  # both, in one answer
    assert str(escape(address)) in html


def test_a_good_contact_email_and_an_international_domain_are_accepted(client, login, app, elena):
    login(client, elena)
    practice_id = start_practice(client, app)
    lessons = f"/practices/{practice_id}/edit/lessons"
    sent = {**FORM, "public_email": "Elena.Conti@Comune-Ferla.gov.it"}
    assert post_form(client, lessons, sent).status_code == 302
    sent = {**FORM, "public_email": "energia@città.it"}
    assert post_form(client, lessons, sent).status_code == 302
    with app.app_context():
        assert db.session.get(Practice, practice_id).public_email == "energia@città.it"


@pytest.mark.parametrize(
    ("language", "typed", "stored", "shown"),
    [
        ("it", "1.234,5", 1234.5, "1234,5"),
        ("it", "170,5", 170.5, "170,5"),
        ("it", "170.5", 170.5, "170,5"),
        ("sv", "1 234,5", 1234.5, "1234,5"),
        ("en", "1,234.5", 1234.5, "1234.5"),
    ],
)
def test_numbers_are_read_as_people_of_the_interface_language_write_them(
    client, login, app, elena, language, typed, stored, shown
):
    app.config["LANGUAGES"] = ["en", "it", "sv"]
    login(client, elena)
    practice_id = start_practice(client, app)
    with client.session_transaction() as session:
        session["locale"] = language
    results = f"/practices/{practice_id}/edit/results"
    response = post_form(client, results, {**FORM, "co2_reduction_t_per_year": typed})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Practice, practice_id).co2_reduction_t_per_year == stored
    field = re.search(r'<input [^>]*id="co2_reduction_t_per_year"[^>]*>', page(client, results))
    assert f'value="{shown}"' in field[0], field[0]


def test_a_number_that_is_not_one_is_refused_at_its_field_with_an_example(
    client, login, app, elena
):
    app.config["LANGUAGES"] = ["en", "it"]
    login(client, elena)
    practice_id = start_practice(client, app)
    with client.session_transaction() as session:
        session["locale"] = "it"
    results = f"/practices/{practice_id}/edit/results"
    sent = {**FORM, "cost_eur": "tanti", "jobs": "2,5", "other_indicators-0-value": "x"}
    response = post_form(client, results, sent)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_at(html, "cost_eur") == "Inserisci un numero, per esempio 1234,5."
    assert 'value="tanti"' in html
    response = post_form(client, results, {**FORM, "jobs": "2,5"})
    assert response.status_code == 422
    assert error_at(response.get_data(as_text=True), "jobs") is not None


def test_an_indicator_row_with_only_a_unit_is_checked_not_dropped(client, login, app, elena):
    login(client, elena)
    practice_id = start_practice(client, app)
    results = f"/practices/{practice_id}/edit/results"
    sent = {**FORM, "other_indicators-1-unit": "kWh"}
    response = post_form(client, results, sent)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Give every other indicator a name." in html and 'value="kWh"' in html


FIELDS_OF = {step.name: step.fields for step in STEPS if step.fields}
#: Fields whose text is stored as typed (once trimmed), and so shown again as typed.
KEPT = {"title", "summary", "challenge", "actions", "results", "funding", "failures",
        "lessons", "transferability", "links", "public_email"}  # fmt: skip
TEXTAREAS = {"summary", "challenge", "actions", "results", "funding", "failures", "lessons",
             "transferability", "links"}  # fmt: skip


def test_naughty_strings_through_every_field_never_fail_and_are_kept(
    client, login, app, elena, naughty_strings
):
    app.config["RATE_LIMITS"]["practice_save"] = "100000/600s"
    strings = [text for text in naughty_strings if text.encode("utf-8", "surrogatepass")]
    login(client, elena)
    practice_id = start_practice(client, app)
    token = csrf_token(page(client, f"/practices/{practice_id}/edit"))
    for step, fields in FIELDS_OF.items():
        url = f"/practices/{practice_id}/edit/{step}"
        names = [name for name in fields if name not in ("theme", "other_indicators")]
        names += ["other_indicators-0-name", "other_indicators-0-value", "other_indicators-0-unit"]
        for start in range(0, len(strings), 6):
            chunk = strings[start : start + 6]
            sent = {"csrf_token": token, "theme": "renewable-energy"}
            for offset, name in enumerate(names):
                picked = [chunk[(offset + k) % len(chunk)] for k in range(len(chunk))]
                sent[name] = ("\n" if name in TEXTAREAS else " ").join(picked)
            response = client.post(url, data=sent)
            assert response.status_code in (302, 422), (step, sent, response.status_code)
            html = (
                page(client, url)
                if response.status_code == 302
                else response.get_data(as_text=True)
            )
            for name in KEPT & set(names):
                typed = sent[name]
                if response.status_code == 302:
                    typed = " ".join(typed.split()) if name == "title" else typed.strip()
                    if name in ("links", "public_email"):
                        continue  # stored normalized: percent-encoded, lower case
                assert str(escape(typed)) in html.replace("\r\n", "\n"), (step, name, typed)
