"""The library's pages and JSON API, as people and programs use them."""

import re
from dataclasses import replace

import pytest

from exchange.accounts.models import Role
from exchange.extensions import db
from exchange.practices import services
from exchange.practices.models import Practice
from exchange.practices.models import PracticeStatus

from ..support.live import csrf_token

FORM = {
    "title": "Solar roofs on schools",
    "theme": "renewable-energy",
    "summary": "Six schools produce their own electricity.",
    "tags": "solar, schools",
    "challenge": "Schools were the largest item of the **bill**.",
    "actions": "Panels on six roofs.",
    "results": "Half of their electricity is their own.",
    "co2_reduction_t_per_year": "170.5",
    "cost_eur": "610000",
    "other_indicators-0-name": "Schools",
    "other_indicators-0-value": "6",
    "other_indicators-0-unit": "buildings",
    "year_from": "2021",
    "links": "https://example.org/report",
}


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def post_form(client, url, data, form_url=None, **kwargs):
    token = csrf_token(page(client, form_url or url))
    return client.post(url, data={"csrf_token": token, **data}, **kwargs)


#: The steps of the guided form that have fields, in order.
FIELD_STEPS = ("about", "story", "results", "lessons")


def save_steps(client, practice_id, data, steps=FIELD_STEPS, **kwargs):
    """Save ``data`` through each step of the guided form, as a writer going through it."""
    for step in steps:
        response = post_form(client, f"/practices/{practice_id}/edit/{step}", data, **kwargs)
        assert response.status_code in (200, 302), (step, response.status_code)
    return response


def start_practice(client, app, data=FORM):
    """Start a draft with the first step and fill in the others; return its id."""
    response = post_form(client, "/practices/new", data)
    assert response.status_code == 302, response.status_code
    practice_id = int(re.search(r"/practices/(\d+)/edit/story$", response.headers["Location"])[1])
    save_steps(client, practice_id, data, steps=FIELD_STEPS[1:])
    return practice_id


def test_a_delegate_of_no_administration_is_told_why_they_have_no_practices(
    app, client, make_user, login
):
    delegate = make_user(Role.DELEGATE)
    with app.app_context():
        db.session.get(type(delegate), delegate.id).administration_id = None
        db.session.commit()
    login(client, delegate)
    response = client.get("/practices/mine")
    assert response.status_code == 400
    assert "Only delegates of an administration post practices." in response.get_data(as_text=True)


def links_to_practices(html):
    return re.findall(r'href="(/practices/\d+-[a-z0-9-]+)"', html)


def test_anyone_finds_reads_and_downloads_the_solar_practices_of_italy(
    client, write, elena, salvatore, make_user
):
    """An attendee without an account, in the browser: search, filter, read, download."""
    write(elena, published=True, title="Solar roofs on schools")
    write(salvatore, published=True, title="Energy community", actions="Solar panels on farms.")
    write(make_user(administration="demo-musterstadt"), published=True, title="Solar register")
    write(elena, title="Solar draft")

    listing = page(client, "/practices?q=solar&country=IT")
    assert "2 practices" in listing
    assert "Solar register" not in listing and "Solar draft" not in listing
    found = links_to_practices(listing)
    assert len(found) == 2
    practice = page(client, found[0])
    assert "Solar roofs on schools" in practice and "Campi Bisenzio" in practice
    assert "Italy" in practice
    ebook = client.get("/practices/ebook.epub")
    assert ebook.status_code == 200 and ebook.mimetype == "application/epub+zip"
    assert "attachment" in ebook.headers["Content-Disposition"]


def test_the_library_is_in_the_navigation_and_its_filter_form_is_labelled(client, write, salvatore):
    write(salvatore, published=True, theme="energy-communities")
    html = page(client, "/practices")
    assert 'href="/practices" aria-current="page"' in html
    assert 'role="search"' in html
    for name in ("q", "theme", "country", "administration", "tag", "year", "language"):
        assert f'<label for="{name}"' in html
    assert '<option value="energy-communities">Energy communities (1)</option>' in html
    assert '<option value="IT">Italy (1)</option>' in html
    assert "Germany" not in html and "Funding" not in html  # nothing to find there


def test_the_search_field_comes_before_every_filter(client, event):
    html = page(client, "/practices")
    form = re.search(r'<form [^>]*role="search".*?</form>', html, re.S).group(0)
    controls = re.findall(r'<(?:input|select)[^>]* id="(\w+)"', form)
    assert controls == ["q", "theme", "country", "administration", "language", "tag", "year"]
    assert '<details class="filter-panel">' in form and "<summary>Filters</summary>" in form


def choices(html, name):
    """The (value, label) of each option of a filter."""
    select = re.search(rf'<select [^>]*id="{name}".*?</select>', html, re.S).group(0)
    return re.findall(r'<option [^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select)


def test_each_choice_counts_the_practices_it_leaves_with_the_words_and_other_filters(
    client, write, elena, salvatore, make_user
):
    write(elena, published=True, title="Solar roofs", language="it")
    write(elena, published=True, title="Solar car parks", theme="sustainable-mobility")
    write(salvatore, published=True, title="Solar community", theme="energy-communities")
    write(salvatore, published=True, title="Bike lanes", theme="sustainable-mobility")
    write(make_user(administration="demo-musterstadt"), published=True, title="Wind park")
    write(elena, title="Solar draft", theme="funding")  # never counted

    html = page(client, "/practices?q=solar&country=IT&theme=sustainable-mobility")
    # A filter's own choice does not narrow its counts: another theme replaces it.
    assert choices(html, "theme") == [
        ("", "All themes"),
        ("renewable-energy", "Renewable energy (1)"),
        ("sustainable-mobility", "Sustainable mobility (1)"),
        ("energy-communities", "Energy communities (1)"),
    ]
    assert choices(html, "country") == [("", "All countries"), ("IT", "Italy (1)")]
    assert choices(html, "administration") == [
        ("", "All administrations"),
        ("campi-bisenzio", "Campi Bisenzio (1)"),
    ]
    assert "<summary>Filters (2)</summary>" in html


def test_a_chosen_choice_stays_offered_though_nothing_is_left(client, write, elena):
    write(elena, published=True, title="Solar roofs")
    html = page(client, "/practices?country=SE")
    assert choices(html, "country") == [
        ("", "All countries"),
        ("IT", "Italy (1)"),
        ("SE", "Sweden (0)"),
    ]
    assert "No published practice matches" in html


def test_active_filters_are_chips_that_each_take_their_filter_away(client, write, elena):
    write(elena, published=True, title="Solar roofs", language="it")
    html = page(client, "/practices?q=solar&country=IT&language=it&year=2022")
    chips = re.findall(r'<a class="chip" href="([^"]*)">(.*?)</a>', html)
    assert [(href.replace("&amp;", "&"), re.sub("<[^>]+>", "|", text)) for href, text in chips] == [
        ("/practices?country=IT&year=2022&language=it", "|Remove the filter |Search: solar|×|"),
        ("/practices?q=solar&year=2022&language=it", "|Remove the filter |Country: Italy|×|"),
        ("/practices?q=solar&country=IT&language=it", "|Remove the filter |Year: 2022|×|"),
        ("/practices?q=solar&country=IT&year=2022", "|Remove the filter |Language: Italiano|×|"),
    ]
    assert "<summary>Filters (3)</summary>" in html  # the words are not a filter
    assert "Active filters" not in page(client, "/practices")


def test_results_mark_the_words_they_matched(client, write, elena):
    write(
        elena,
        published=True,
        title="Città solare",
        summary="Solar <b>panels</b> on the roofs of the schools.",
        lessons="Talk to the caretakers first.",
    )
    html = page(client, "/practices?q=citta+solar+caretaker")
    assert "<mark>Città</mark> <mark>solare</mark>" in html
    assert "<mark>Solar</mark> &lt;b&gt;panels&lt;/b&gt; on" in html
    only_in_the_text = page(client, "/practices?q=caretakers")
    assert "<mark>" not in only_in_the_text
    assert "Your words are in the full text of this practice." in only_in_the_text


def test_results_are_paginated_with_the_filters_kept(client, write, elena, app):
    app.config["PRACTICES_PER_PAGE"] = 2
    for number in range(3):
        write(elena, published=True, title=f"Heat pump {number}")
    first = page(client, "/practices?q=heat&theme=renewable-energy")
    assert "Page 1 of 2" in first
    assert 'href="/practices?page=2&amp;q=heat&amp;theme=renewable-energy"' in first
    second = page(client, "/practices?page=2&q=heat&theme=renewable-energy")
    assert len(links_to_practices(second)) == 1
    assert client.get("/practices?page=0").status_code == 400
    assert client.get("/practices?year=soon").status_code == 400


def test_links_keep_only_the_filters_and_never_take_a_crafted_scheme(client, write, elena, app):
    app.config["PRACTICES_PER_PAGE"] = 1
    write(elena, published=True)
    write(elena, published=True, title="Heat pumps")
    html = page(client, "/practices?_external=1&_scheme=javascript&q=%0Aalert(1)&tag=&extra=x")
    assert "javascript:" not in html
    # (The footer's language switch returns to the address as it was, in a form field.)
    assert not [link for link in re.findall(r'href="([^"]*)"', html) if "extra=x" in link]
    assert 'href="/practices/totals?q=%0Aalert(1)"' in html


def test_readers_find_the_practices_written_in_their_language(client, write, elena, salvatore):
    write(elena, published=True, title="Tetti solari sulle scuole", language="it")
    write(salvatore, published=True, title="Energy community", language="en")
    write(elena, title="Bozza in tedesco", language="de")  # a draft: no German in the filter
    listing = page(client, "/practices?language=it")
    assert "1 practice" in listing and "Energy community" not in listing
    assert '<h3 class="practice-title" lang="it"><a href=' in listing
    filter_form = re.search(r'<select [^>]*id="language".*?</select>', listing, re.S).group(0)
    assert re.findall(r'<option ([^>]*)>', filter_form) == [
        'value=""', 'lang="en" value="en"', 'lang="it" selected value="it"'
    ]  # fmt: skip
    assert "Tetti solari" not in page(client, "/practices?language=de")
    assert "<mark>Tetti</mark> solari" in page(client, "/practices?q=tetti&language=IT")
    assert 'href="/practices/totals?language=it"' in listing


def test_the_language_asked_for_stays_chosen_even_when_nothing_is_written_in_it(client, event):
    html = page(client, "/practices?language=fi")
    assert '<option lang="fi" selected value="fi">Suomi (0)</option>' in html
    assert "No published practice matches" in html


def test_the_language_filter_is_kept_across_pages(client, write, elena, app):
    app.config["PRACTICES_PER_PAGE"] = 1
    for number in range(2):
        write(elena, published=True, title=f"Pompe di calore {number}", language="it")
    html = page(client, "/practices?language=it")
    assert 'href="/practices?page=2&amp;language=it"' in html


def test_a_practice_page_marks_its_writers_texts_with_their_language(client, write, elena):
    practice = write(
        elena,
        published=True,
        title="Tetti solari",
        summary="Sei scuole producono la loro elettricità.",
        language="it",
    )
    html = page(client, f"/practices/{practice.id}-{practice.slug}")
    assert re.search(r'<html lang="en"', html)  # the interface stays the reader's
    assert '<h1 id="practice-title" lang="it">Tetti solari</h1>' in html
    assert '<p class="lead practice-summary" lang="it">Sei scuole' in html
    assert html.count('<div class="prose" lang="it">') == 3  # challenge, actions, results
    assert '<h2 id="field-challenge">The challenge</h2>' in html
    assert '<a href="/practices?language=it" lang="it">Italiano</a>' in html


def test_a_practice_that_does_not_say_its_language_is_not_marked(client, write, elena):
    practice = write(elena, published=True)
    html = page(client, f"/practices/{practice.id}-{practice.slug}")
    assert '<h1 id="practice-title">' in html and '<div class="prose">' in html
    assert "Language of the practice" not in html


def test_a_practice_address_always_leads_to_its_current_name(client, write, elena):
    practice = write(elena, published=True)
    canonical = f"/practices/{practice.id}-solar-roofs-on-schools"
    for address in (f"/practices/{practice.id}", f"/practices/{practice.id}-old-title"):
        response = client.get(address)
        assert response.status_code == 301 and response.headers["Location"] == canonical
    assert client.get("/practices/999999").status_code == 404


def test_unpublished_practices_are_not_found_by_the_public(client, login, write, elena, colleague):
    draft = write(elena)
    assert client.get(f"/practices/{draft.id}-{draft.slug}").status_code == 404
    assert client.get(f"/api/practices/{draft.id}").status_code == 404
    login(client, colleague)
    html = page(client, f"/practices/{draft.id}-{draft.slug}")
    assert "Draft" in html and "Submit for review" in html


def test_a_delegate_posts_edits_and_submits_through_the_forms(client, login, app, elena):
    login(client, elena)
    assert "Post a practice" in page(client, "/practices")
    practice_id = start_practice(client, app)
    with app.app_context():
        practice = db.session.get(Practice, practice_id)
        assert practice.status is PracticeStatus.DRAFT
        assert practice.tag_names == ["schools", "solar"]
        assert [(i.name, i.value) for i in practice.indicators] == [("Schools", 6.0)]
        assert practice.co2_reduction_t_per_year == 170.5
        url, edit_url = (
            f"/practices/{practice.id}-{practice.slug}",
            f"/practices/{practice.id}/edit",
        )
    html = page(client, url)
    assert "<strong>bill</strong>" in html and "Only delegates of Campi Bisenzio" in html

    edit_form = page(client, edit_url)
    assert 'value="Solar roofs on schools"' in edit_form
    revision = re.search(r'name="based_on_revision" type="hidden" value="(\d+)"', edit_form)
    changed = {**FORM, "title": "Solar roofs, phase two", "based_on_revision": revision.group(1)}
    assert post_form(client, edit_url, changed).status_code == 302
    assert (
        post_form(client, f"/practices/{practice.id}/submit", {}, form_url=edit_url).status_code
        == 302
    )
    html = page(client, f"/practices/{practice.id}-solar-roofs-phase-two")
    assert "Submitted for review" in html and "Submit for review</button>" not in html


def test_the_form_goes_step_by_step_and_says_where_the_writer_is(client, login, app, elena):
    login(client, elena)
    first = page(client, "/practices/new")
    assert "Step 1 of 6" in first and '<span aria-current="step">What and where</span>' in first
    assert 'id="challenge"' not in first  # the story has its own step
    assert '<label for="title">Title <span class="required">(required)</span></label>' in first
    assert '<label for="tags">Tags</label>' in first
    response = post_form(client, "/practices/new", FORM)
    story = response.headers["Location"]
    assert story.endswith("/edit/story")
    html = page(client, story)
    assert "Step 2 of 6" in html and 'id="challenge"' in html and 'id="title"' not in html
    practice_id = int(re.search(r"/practices/(\d+)/", story)[1])
    assert "What and where</a>" in html  # the steps are links once the draft exists

    stay = post_form(client, story, {"challenge": "Bills.", "go": "stay"})
    assert stay.headers["Location"].endswith("/edit/story")
    onward = post_form(client, story, {"challenge": "Bills.", "actions": "Panels."})
    assert onward.headers["Location"].endswith("/edit/results")
    with app.app_context():
        practice = db.session.get(Practice, practice_id)
        assert (practice.title, practice.challenge, practice.actions) == (
            "Solar roofs on schools",
            "Bills.",
            "Panels.",
        )
    files = page(client, f"/practices/{practice_id}/edit/files")
    assert "Step 5 of 6" in files and "Add a picture or a document" in files
    assert client.get(f"/practices/{practice_id}/edit/nowhere").status_code == 404


def test_the_review_step_lists_what_is_missing_and_submits_only_when_complete(
    client, login, app, elena
):
    login(client, elena)
    response = post_form(client, "/practices/new", {"title": "Solar roofs", "theme": "funding"})
    practice_id = int(re.search(r"/practices/(\d+)/", response.headers["Location"])[1])
    review = page(client, f"/practices/{practice_id}/edit/review")
    assert "Step 6 of 6" in review and "Still missing before you can submit" in review
    assert f'href="/practices/{practice_id}/edit/about#summary">Summary</a>' in review
    assert f'href="/practices/{practice_id}/edit/story#challenge">The challenge</a>' in review
    assert f'href="/practices/{practice_id}/edit/results#results">Results</a>' in review
    assert 'disabled aria-describedby="submit-reason">Submit for review' in review
    assert re.search(r'The story</a>\s*<span class="step-state">\(to complete\)</span>', review)
    shown = client.get(f"/practices/{practice_id}", follow_redirects=True).get_data(as_text=True)
    assert 'disabled aria-describedby="submit-reason">Submit for review' in shown

    refused = post_form(
        client, f"/practices/{practice_id}/submit", {}, form_url=f"/practices/{practice_id}/edit"
    )
    assert refused.headers["Location"].endswith("/edit/review")
    assert "Fill in these fields before submitting" in page(client, refused.headers["Location"])

    save_steps(client, practice_id, FORM)
    review = page(client, f"/practices/{practice_id}/edit/review")
    assert "Still missing" not in review and "(to complete)" not in review
    assert '<button type="submit" class="button primary">Submit for review' in review
    submitted = post_form(
        client, f"/practices/{practice_id}/submit", {}, form_url=f"/practices/{practice_id}/edit"
    )
    assert submitted.status_code == 302
    with app.app_context():
        assert db.session.get(Practice, practice_id).status is PracticeStatus.SUBMITTED
    assert "Submitted for review." in page(client, f"/practices/{practice_id}/edit/review")


def test_saving_too_often_is_refused_and_the_text_stays_in_the_form(client, login, app, elena):
    app.config["RATE_LIMITS"]["practice_save"] = "2/600s"
    login(client, elena)
    assert post_form(client, "/practices/new", FORM).status_code == 302
    with app.app_context():
        practice = db.session.query(Practice).one()
        edit_url = f"/practices/{practice.id}/edit"
    assert (
        post_form(client, edit_url, {**FORM, "title": "Solar roofs, phase two"}).status_code == 302
    )

    response = post_form(client, edit_url, {**FORM, "title": "Solar roofs, phase three"})
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "You are going too fast. Please wait a moment." in html
    assert 'value="Solar roofs, phase three"' in html
    with app.app_context():
        assert db.session.get(Practice, practice.id).title == "Solar roofs, phase two"
    assert post_form(client, "/practices/new", FORM).status_code == 429


@pytest.mark.parametrize(("interface", "chosen"), [("en", "en"), ("it", "it")])
def test_the_form_proposes_the_writers_interface_language(
    client, login, app, elena, interface, chosen
):
    app.config["LANGUAGES"] = ["en", "it"]
    login(client, elena)
    with client.session_transaction() as session:
        session["locale"] = interface
    form = page(client, "/practices/new")
    select = re.search(r'<select [^>]*id="language".*?</select>', form, re.S).group(0)
    assert re.findall(r"<option [^>]*selected[^>]*>", select) == [
        f'<option lang="{chosen}" selected value="{chosen}">'
    ]
    assert '<option value="">' in select and 'lang="mt" value="mt">Malti</option>' in select


def test_the_written_language_is_saved_and_shown_again_in_the_edit_form(client, login, app, elena):
    login(client, elena)
    response = post_form(client, "/practices/new", {**FORM, "language": "de"})
    assert response.status_code == 302
    with app.app_context():
        practice = db.session.query(Practice).one()
        assert practice.language == "de"
    edit_form = page(client, f"/practices/{practice.id}/edit")
    assert '<option lang="de" selected value="de">Deutsch</option>' in edit_form


def test_an_unknown_language_is_refused_next_to_its_field(client, login, app, elena):
    login(client, elena)
    response = post_form(client, "/practices/new", {**FORM, "language": "xx"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="language-error"' in html and 'href="#language"' in html
    assert "Choose the language the practice is written in from the list" in html
    with app.app_context():
        assert db.session.query(Practice).count() == 0


def test_form_errors_are_announced_and_tied_to_their_fields(client, login, app, elena):
    login(client, elena)
    practice_id = start_practice(client, app)
    results = f"/practices/{practice_id}/edit/results"
    response = post_form(client, results, {**FORM, "jobs": "lots"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and "This step was not saved" in html
    assert 'aria-describedby="jobs-error"' in html and 'aria-invalid="true"' in html
    assert 'href="#jobs"' in html
    response = post_form(client, f"/practices/{practice_id}/edit", {**FORM, "year_from": "1700"})
    assert response.status_code == 422 and 'id="year_from-error"' in response.get_data(as_text=True)
    lessons = f"/practices/{practice_id}/edit/lessons"
    response = post_form(client, lessons, {**FORM, "links": "javascript:alert(1)"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="links-error"' in html
    assert "is not a web address" in html


def test_a_new_practice_asks_for_its_theme_instead_of_guessing_one(client, login, elena):
    login(client, elena)
    assert '<option value="">Choose a theme</option>' in page(client, "/practices/new")
    response = post_form(client, "/practices/new", {**FORM, "theme": ""})
    assert response.status_code == 422 and 'id="theme-error"' in response.get_data(as_text=True)


def test_someone_elses_newer_changes_are_not_overwritten(
    client, login, app, write, elena, colleague
):
    practice = write(elena)
    login(client, elena)
    stale = re.search(
        r'name="based_on_revision" type="hidden" value="(\d+)"',
        page(client, f"/practices/{practice.id}/edit"),
    ).group(1)
    with app.app_context():
        stored = services.get_practice(practice.id)
        newer = replace(services.PracticeContent.of(stored), results="Newer figures")
        services.update_practice(stored, db.session.merge(colleague), newer)
    edit_url = f"/practices/{practice.id}/edit"
    response = post_form(client, edit_url, {**FORM, "based_on_revision": stale})
    assert response.status_code == 422
    assert "Someone else changed this practice" in response.get_data(as_text=True)


@pytest.mark.parametrize("person", [None, "attendee", "salvatore"])
def test_others_cannot_edit(client, login, request, write, elena, person):
    practice = write(elena)
    if person:
        login(client, request.getfixturevalue(person))
    response = client.get(f"/practices/{practice.id}/edit")
    # Delegates of other administrations are not even told that the draft exists.
    expected = {None: 302, "attendee": 403, "salvatore": 404}[person]
    assert response.status_code == expected


def test_a_moderator_publishes_or_sends_back_with_a_comment(
    client, login, app, write, elena, moderator
):
    first = write(elena, submitted=True)
    second = write(elena, submitted=True, title="Heat pumps")
    login(client, moderator)
    queue = page(client, "/practices/review")
    assert "Solar roofs on schools" in queue and "Heat pumps" in queue
    url = f"/practices/{first.id}-{first.slug}"
    html = page(client, url)
    assert "Send back to the writers" in html and 'formaction="' in html
    post_form(client, f"/practices/{first.id}/publish", {"comment": ""}, form_url=url)
    other = f"/practices/{second.id}-{second.slug}"
    response = post_form(
        client, f"/practices/{second.id}/return", {"comment": "Add the costs."}, form_url=other
    )
    assert response.status_code == 302
    with app.app_context():
        assert services.get_practice(first.id).is_published
        assert services.get_practice(second.id).status is PracticeStatus.DRAFT
    login(client, elena)
    assert "Add the costs." in page(client, other)
    revisions = client.get(f"/practices/{second.id}/revisions")
    assert revisions.status_code == 403
    login(client, moderator)
    history = page(client, f"/practices/{second.id}/revisions")
    assert "Sent back to the writers" in history and "Elena Conti" in history


def test_a_refused_review_step_is_explained(client, login, write, elena, moderator):
    practice = write(elena, submitted=True)
    login(client, moderator)
    url = f"/practices/{practice.id}-{practice.slug}"
    response = post_form(
        client, f"/practices/{practice.id}/return", {"comment": " "}, form_url=url,
        follow_redirects=True,
    )  # fmt: skip
    assert "Tell the writers what to change" in response.get_data(as_text=True)


def test_a_delegate_shares_a_practice_into_its_room(client, login, write, elena, salvatore):
    practice = write(elena, published=True)
    url = f"/practices/{practice.id}-{practice.slug}"
    login(client, salvatore)
    html = page(client, url)
    assert "Share in the room “Renewable energy”" in html
    body = re.search(r'<textarea[^>]*name="body"[^>]*>\s*([^<]*)</textarea>', html).group(1)
    # The card in the room shows the title and link: the suggested words do not repeat them.
    assert body.strip() == "This practice may help with what we are discussing here."
    client_id = re.search(r'name="client_id" type="hidden" value="([0-9a-f]+)"', html).group(1)
    response = post_form(
        client, f"/practices/{practice.id}/share",
        {"body": "Have a look", "client_id": client_id}, form_url=url,
    )  # fmt: skip
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/rooms/renewable-energy#message-")
    room = page(client, "/rooms/renewable-energy")
    assert f' href="{url}">Solar roofs on schools</a>' in room
    discussion = page(client, url)
    assert "Have a look" in discussion and "Salvatore Greco" in discussion


def test_attendees_cannot_share(client, login, write, elena, attendee):
    practice = write(elena, published=True)
    login(client, attendee)
    html = page(client, f"/practices/{practice.id}-{practice.slug}")
    assert "Share in the room" not in html
    token = csrf_token(html)
    response = client.post(
        f"/practices/{practice.id}/share", data={"csrf_token": token, "body": "x", "client_id": "c"}
    )
    assert response.status_code == 403


def test_a_delegate_develops_their_own_message_into_a_practice(
    client, login, connect, app, elena, colleague
):
    connection = connect(elena)
    ack = connection.emit(
        "send",
        {"room": "energy-communities", "body": "Our energy community\nDetails", "client_id": "d-1"},
        callback=True,
    )
    message_id = ack["message"]["id"]
    login(client, colleague)
    room = page(client, "/rooms/energy-communities")
    assert f"/messages/{message_id}/develop" not in room
    response = client.post(f"/messages/{message_id}/develop", data={"csrf_token": csrf_token(room)})
    assert response.status_code == 403
    login(client, elena)
    room = page(client, "/rooms/energy-communities")
    assert f'action="/messages/{message_id}/develop"' in room
    response = client.post(f"/messages/{message_id}/develop", data={"csrf_token": csrf_token(room)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")
    form = page(client, response.headers["Location"])
    assert 'value="Our energy community"' in form
    assert '<option selected value="energy-communities">' in form


def test_the_administration_page_lists_its_published_practices(client, write, elena, salvatore):
    write(elena, published=True, title="Solar roofs on schools")
    write(elena, title="A draft of theirs")
    write(salvatore, published=True, title="Energy community")
    html = page(client, "/administrations/campi-bisenzio")
    assert "Solar roofs on schools" in html
    assert "A draft of theirs" not in html and "Energy community" not in html


def test_indicator_totals_follow_the_filters(client, write, elena, salvatore):
    write(elena, published=True, co2_reduction_t_per_year=100.0, language="it")
    write(salvatore, published=True, theme="funding", co2_reduction_t_per_year=20.5)
    html = page(client, "/practices/totals?theme=funding")
    assert "By theme" in html and "By country" in html
    breakdown = html[html.index('<section class="breakdown"') :]
    assert "20.5" in breakdown and "120.5" not in breakdown
    in_italian = page(client, "/practices/totals?language=it")
    breakdown = in_italian[in_italian.index('<section class="breakdown"') :]
    assert "100" in breakdown and "20.5" not in breakdown
    assert '<option lang="it" selected value="it">' in in_italian
    assert '<th scope="col">CO₂ reduction <span class="unit">(t/year)</span></th>' in html
    assert "120.5" in page(client, "/practices/totals")


def test_the_totals_open_with_headline_figures_for_the_filters_and_the_whole_library(
    client, write, elena, salvatore
):
    write(elena, published=True, co2_reduction_t_per_year=100.0, cost_eur=250000)
    write(salvatore, published=True, theme="funding", co2_reduction_t_per_year=20.5)
    html = page(client, "/practices/totals?theme=funding")
    figures = [
        re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", section)).strip()
        for section in re.findall(r'<section class="headline".*?</section>', html, re.S)
    ]
    assert figures == [
        "With these filters 1 practice 20.5 t CO₂ a year avoided – MWh a year saved "
        "– MWh a year produced from renewables – euros invested – people involved",
        "In the whole library 2 practices 120.5 t CO₂ a year avoided – MWh a year saved "
        "– MWh a year produced from renewables 250,000 euros invested – people involved",
    ]
    everything = page(client, "/practices/totals")
    assert everything.count('<section class="headline"') == 1
    assert "In the whole library" in everything and "With these filters" not in everything


def test_the_totals_breakdown_is_read_as_a_table_and_seen_as_rows(client, write, elena):
    write(elena, published=True, co2_reduction_t_per_year=100.0)
    html = page(client, "/practices/totals")
    assert '<ul class="breakdown-cards" aria-hidden="true">' in html
    assert '<dt>CO₂ reduction</dt><dd>100 <span class="unit">t/year</span></dd>' in html
    table = re.search(r'<div class="visually-hidden"><table class="totals">.*?</table>', html, re.S)
    assert "<caption>By theme</caption>" in table.group(0)
    assert '<th scope="row">Renewable energy</th>' in table.group(0)


def test_the_totals_download_as_csv_with_the_same_filters(client, write, elena, salvatore):
    write(elena, published=True, co2_reduction_t_per_year=100.0, jobs=2)
    write(salvatore, published=True, theme="funding", co2_reduction_t_per_year=20.5)
    html = page(client, "/practices/totals?theme=funding")
    assert 'href="/practices/totals.csv?theme=funding"' in html
    response = client.get("/practices/totals.csv?theme=funding")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith('"Summed by","Name","Practices","CO₂ reduction (t/year)",')
    assert lines[1:] == [
        '"Theme","Funding","1","20.5","","","","",""',
        '"Country","Italy","1","20.5","","","","",""',
        '"All","","1","20.5","","","","",""',
    ]
    everything = client.get("/practices/totals.csv").get_data(as_text=True).splitlines()
    assert everything[-1] == '"All","","2","120.5","","","","2",""'


def test_the_api_lists_and_shows_published_practices(client, write, elena):
    practice = write(elena, published=True, results="It **worked**", tags=["solar"])
    write(elena, title="Unpublished")
    listing = client.get("/api/practices?q=solar&country=IT&tag=solar&per_page=5").get_json()
    assert (listing["total"], listing["page"], listing["pages"], listing["per_page"]) == (
        1,
        1,
        1,
        5,
    )
    shown = client.get(f"/api/practices/{practice.id}").get_json()["practice"]
    assert shown == listing["practices"][0]
    assert shown["results"] == "It **worked**"
    assert shown["results_html"] == "<p>It <strong>worked</strong></p>\n"
    assert shown["administration"] == {
        "slug": "campi-bisenzio",
        "name": "Campi Bisenzio",
        "country": "IT",
    }
    assert shown["theme"] == {"slug": "renewable-energy", "name": "Renewable energy"}
    assert shown["url"] == f"http://localhost/practices/{practice.id}-solar-roofs-on-schools"
    assert shown["status"] == "published" and shown["published_at"].endswith("Z")
    assert shown["contact"] == {"name": "Elena Conti", "email": None}


def test_the_api_filters_by_language_and_says_each_practices(client, write, elena):
    practice = write(elena, published=True, title="Tetti solari", language="it")
    write(elena, published=True, title="Unsaid")
    italian = client.get("/api/practices?language=it").get_json()
    assert [p["title"] for p in italian["practices"]] == ["Tetti solari"]
    assert italian["practices"][0]["language"] == "it"
    assert client.get("/api/practices?language=de").get_json()["total"] == 0
    assert client.get("/api/practices?q=tetti&language=de").get_json()["practices"] == []
    shown = client.get(f"/api/practices/{practice.id}").get_json()["practice"]
    assert shown["language"] == "it"
    unsaid = client.get("/api/practices?q=unsaid").get_json()["practices"][0]
    assert unsaid["language"] is None


@pytest.mark.parametrize("query", ["page=0", "page=x", "per_page=51", "year=soon"])
def test_the_api_rejects_bad_parameters_with_json(client, event, query):
    response = client.get(f"/api/practices?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid"


def test_attendees_and_anonymous_readers_get_no_writing_controls(
    client, login, write, elena, make_user
):
    practice = write(elena, published=True)
    url = f"/practices/{practice.id}-{practice.slug}"
    for reader in (None, make_user(Role.ATTENDEE)):
        if reader is not None:
            login(client, reader)
        html = page(client, url)
        assert "/edit" not in html and "Post a practice" not in page(client, "/practices")
        assert "Revisions" not in html


def test_a_greek_title_gives_a_readable_address_that_leads_to_the_practice(
    client, make_user, write
):
    practice = write(make_user(), published=True, title="Ηλιακές στέγες στα σχολεία")
    assert practice.slug == "ηλιακες-στεγες-στα-σχολεια"
    page = client.get(f"/practices/{practice.id}")
    assert page.status_code == 301
    assert client.get(page.headers["Location"]).status_code == 200
