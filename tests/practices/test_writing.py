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
from exchange.practices.models import PracticeAutosave

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


JSON = {"Accept": "application/json"}


def send_autosave(client, url, data, form_url="/practices/new"):
    token = csrf_token(page(client, form_url))
    return client.post(url, data={"csrf_token": token, **data}, headers=JSON)


def test_what_was_typed_is_kept_by_the_server_and_shown_again(client, login, app, elena):
    login(client, elena)
    answer = send_autosave(
        client, "/practices/new/autosave", {"title": "Tetti solari", "theme": "funding"}
    )
    assert answer.status_code == 200 and answer.get_json()["saved_at"].endswith("Z")
    again = page(client, "/practices/new")  # a reload, or the tab opened again
    assert 'value="Tetti solari"' in again and "you typed and did not save yet" in again
    assert '<option selected value="funding">' in again

    created = post_form(client, "/practices/new", {**FORM, "title": "Tetti solari"})
    practice_id = int(re.search(r"/practices/(\d+)/", created.headers["Location"])[1])
    assert "did not save yet" not in page(client, "/practices/new")  # saved: nothing kept

    story = f"/practices/{practice_id}/edit/story"
    send_autosave(client, f"/practices/{practice_id}/autosave", {"challenge": "Le bollette"}, story)
    assert "Le bollette</textarea>" in page(client, story)
    assert "did not save yet" not in page(client, f"/practices/{practice_id}/edit")  # another step
    assert (
        post_form(client, story, {"challenge": "Le bollette.", "actions": "Pannelli."}).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Practice, practice_id).challenge == "Le bollette."
        assert db.session.query(PracticeAutosave).count() == 0


def test_the_kept_text_is_for_its_writer_alone(client, login, app, write, elena, colleague):
    practice = write(elena)
    login(client, elena)
    story = f"/practices/{practice.id}/edit/story"
    send_autosave(client, f"/practices/{practice.id}/autosave", {"challenge": "Mine only"}, story)
    login(client, colleague)
    assert "Mine only" not in page(client, story)


def test_only_the_forms_fields_are_kept(client, login, app, write, elena):
    practice = write(elena)
    login(client, elena)
    sent = {
        "challenge": "A story",
        "other_indicators-3-name": "Schools",
        "other_indicators-99-name": "Too far",
        "status": "published",
        "is_demo": "1",
    }
    url = f"/practices/{practice.id}/autosave"
    assert send_autosave(client, url, sent, f"/practices/{practice.id}/edit").status_code == 200
    with app.app_context():
        kept = db.session.query(PracticeAutosave).one().fields
    assert kept == {"challenge": "A story", "other_indicators-3-name": "Schools"}


def test_keeping_text_has_its_own_limit_and_is_never_a_save(client, login, app, write, elena):
    app.config["RATE_LIMITS"]["practice_autosave"] = "2/600s"
    app.config["RATE_LIMITS"]["practice_save"] = "1/600s"
    practice = write(elena)
    login(client, elena)
    url, form_url = f"/practices/{practice.id}/autosave", f"/practices/{practice.id}/edit"
    for text in ("one", "two"):
        assert send_autosave(client, url, {"title": text}, form_url).status_code == 200
    refused = send_autosave(client, url, {"title": "three"}, form_url)
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert 'value="two"' in page(client, form_url)  # what was kept stays
    assert post_form(client, form_url, {**FORM, "title": "Saved"}).status_code == 302


def test_too_much_text_is_refused_whole_not_cut(client, login, app, write, elena):
    practice = write(elena)
    app.config["PRACTICE_TOTAL_MAX_LENGTH"] = 100
    login(client, elena)
    url, form_url = f"/practices/{practice.id}/autosave", f"/practices/{practice.id}/edit"
    refused = send_autosave(client, url, {"challenge": "x" * 201}, form_url)
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "too_long"
    with app.app_context():
        assert db.session.query(PracticeAutosave).count() == 0


def test_the_preview_renders_markdown_as_the_page_does(client, login, elena):
    login(client, elena)
    text = (
        "# Results\n\n**Half** the bill, see [report](https://example.org).\n\n<script>x()</script>"
    )
    answer = send_autosave(client, "/practices/preview", {"text": text})
    assert answer.status_code == 200
    html = answer.get_json()["html"]
    assert "<h3>Results</h3>" in html and "<strong>Half</strong>" in html
    assert 'rel="nofollow noopener"' in html and "<script" not in html


def test_the_preview_is_bounded_like_a_save(client, login, app, elena):
    app.config["PRACTICE_FIELD_MAX_LENGTH"] = 50
    login(client, elena)
    too_long = send_autosave(client, "/practices/preview", {"text": "x" * 51})
    assert too_long.status_code == 400 and too_long.get_json()["error"]["code"] == "too_long"
    app.config["PRACTICE_FIELD_MAX_LENGTH"] = 20000
    parts = send_autosave(client, "/practices/preview", {"text": "- a\n" * 4900})
    assert parts.status_code == 400 and "too many parts" in parts.get_json()["error"]["message"]
    app.config["RATE_LIMITS"]["practice_preview"] = "1/600s"
    assert send_autosave(client, "/practices/preview", {"text": "a"}).status_code == 200
    assert send_autosave(client, "/practices/preview", {"text": "b"}).status_code == 429


def test_the_kept_text_is_in_its_writers_data_export(client, login, write, elena):
    practice = write(elena)
    login(client, elena)
    url = f"/practices/{practice.id}/autosave"
    send_autosave(client, url, {"challenge": "Not saved yet"}, f"/practices/{practice.id}/edit")
    kept = client.get("/account/export.json").get_json()["practice_text_not_yet_saved"]
    assert [(entry["practice_id"], entry["fields"]) for entry in kept] == [
        (practice.id, {"challenge": "Not saved yet"})
    ]
    assert kept[0]["saved_at"].endswith("Z")


def test_a_deleted_account_leaves_no_kept_text(client, login, app, write, elena):
    from exchange.accounts.models import User
    from exchange.accounts.privacy import delete_account

    practice = write(elena)
    login(client, elena)
    url = f"/practices/{practice.id}/autosave"
    send_autosave(client, url, {"challenge": "Private"}, f"/practices/{practice.id}/edit")
    with app.app_context():
        delete_account(db.session.get(User, elena.id), "correct horse battery staple")
        assert db.session.query(PracticeAutosave).count() == 0


@pytest.mark.parametrize(
    ("body", "title", "summary"),
    [
        (
            "Buongiorno! Elena here. Our solar roofs on six schools cut 120 t CO2 a year. Ask me.",
            "Our solar roofs on six schools cut 120 t CO2 a year",
            "Our solar roofs on six schools cut 120 t CO2 a year. Ask me.",
        ),
        (
            "Buongiorno a tutti, sono Elena Conti del Comune di Campi Bisenzio.\n"
            "Abbiamo messo pannelli solari su sei scuole: metà dell'elettricità è nostra.",
            "Abbiamo messo pannelli solari su sei scuole: metà dell'elettricità è nostra",
            "Abbiamo messo pannelli solari su sei scuole: metà dell'elettricità è nostra.",
        ),
        (
            "Hello everyone! We set up an energy community with twelve firms of the industrial "
            "area, sharing 1.2 MW of panels on their roofs, and bills fell by a third.",
            "We set up an energy community with twelve firms of the industrial area",
            "We set up an energy community with twelve firms of the industrial area, sharing "
            "1.2 MW of panels on their roofs, and bills fell by a third.",
        ),
        ("Buongiorno!", "Buongiorno", "Buongiorno!"),
    ],
)
def test_a_message_proposes_a_title_and_summary_without_its_greeting(body, title, summary):
    assert services.propose_title_and_summary(body, "Elena Conti", 1000) == (title, summary)


def test_a_practice_developed_from_a_message_says_where_it_came_from(
    client, login, connect, app, elena, colleague, moderator
):
    connection = connect(elena)
    body = "Buongiorno! Elena here. Our energy community shares the roofs of twelve firms."
    sent = {"room": "energy-communities", "body": body, "client_id": "d-1"}
    message_id = connection.emit("send", sent, callback=True)["message"]["id"]
    answer = {"room": "energy-communities", "body": "How did you split the bills?"}
    connect(colleague).emit(
        "send", {**answer, "client_id": "d-2", "reply_to": message_id}, callback=True
    )
    connect(colleague).emit(
        "send",
        {"room": "energy-communities", "body": "Unrelated", "client_id": "d-3"},
        callback=True,
    )
    login(client, elena)
    room = page(client, "/rooms/energy-communities")
    response = client.post(f"/messages/{message_id}/develop", data={"csrf_token": csrf_token(room)})
    form = page(client, response.headers["Location"])
    assert 'value="Our energy community shares the roofs of twelve firms"' in form
    assert "Where it came from" in form and "Developed from a message by Elena Conti" in form
    assert f'href="/rooms/energy-communities#message-{message_id}"' in form
    with app.app_context():
        practice = db.session.query(Practice).one()
        assert practice.source.message_id == message_id
        url = f"/practices/{practice.id}-{practice.slug}"
    shown = page(client, url)
    assert "Developed from a message by Elena Conti" in shown
    discussion = shown[shown.index('id="discussion-title"') :]
    assert (
        "Our energy community shares" in discussion and "How did you split the bills?" in discussion
    )
    assert "Unrelated" not in discussion and "No message in the rooms links" not in discussion

    with app.app_context():
        from exchange.moderation.services import hide_message
        from exchange.rooms.services import get_message

        hide_message(get_message(message_id), db.session.merge(moderator), "off topic")
    shown = page(client, url)
    assert 'class="practice-source"' not in shown  # its author is told why, in a notice
    assert "How did you split the bills?" in shown[shown.index('id="discussion-title"') :]


def test_the_kept_text_can_be_discarded_for_what_is_saved(client, login, app, write, elena):
    practice = write(elena, title="Solar roofs")
    login(client, elena)
    url = f"/practices/{practice.id}/edit"
    send_autosave(client, f"/practices/{practice.id}/autosave", {"title": "Half typed"}, url)
    assert 'value="Half typed"' in page(client, url)
    discarded = post_form(client, url, {"go": "discard", "title": "Half typed"})
    assert discarded.status_code == 302 and discarded.headers["Location"].endswith("/edit/about")
    again = page(client, url)
    assert 'value="Solar roofs"' in again and "did not save yet" not in again
    with app.app_context():
        assert db.session.query(PracticeAutosave).count() == 0
        assert db.session.get(Practice, practice.id).title == "Solar roofs"
    send_autosave(client, "/practices/new/autosave", {"title": "Another"})
    assert post_form(client, "/practices/new", {"go": "discard"}).status_code == 302
    assert 'value="Another"' not in page(client, "/practices/new")


def test_a_kept_copy_of_what_is_saved_is_not_offered_again(client, login, app, write, elena):
    practice = write(elena, title="Solar roofs")
    login(client, elena)
    url = f"/practices/{practice.id}/edit"
    # Kept just before the save landed (or a request late on the wire): the same words.
    kept = {"title": "Solar roofs", "summary": "Six schools produce their own electricity."}
    send_autosave(client, f"/practices/{practice.id}/autosave", kept, url)
    assert "did not save yet" not in page(client, url)
    send_autosave(client, f"/practices/{practice.id}/autosave", {"title": "Solar roofs 2"}, url)
    assert "did not save yet" in page(client, url)
