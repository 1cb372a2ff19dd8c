"""Every practice says the open licence it is published under, wherever it is read."""

import io
import re
import zipfile

import pytest
from pypdf import PdfReader

from exchange.extensions import db
from exchange.practices import ebook
from exchange.practices import services
from exchange.practices.licences import DEFAULT_LICENCE
from exchange.practices.licences import LICENCES
from exchange.practices.models import Practice

from ..support.practices import content
from .test_views import FORM
from .test_views import page
from .test_views import post_form
from .test_views import start_practice

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_practice_is_published_under_cc_by_unless_its_writers_choose(client, write, elena):
    practice = write(elena, published=True)
    assert practice.licence == DEFAULT_LICENCE == "CC-BY-4.0"
    html = page(client, f"/practices/{practice.id}-{practice.slug}")
    cc_by = "https://creativecommons.org/licenses/by/4.0/"
    assert f'<dd><a href="{cc_by}" rel="license">CC BY 4.0</a></dd>' in html
    shown = client.get(f"/api/practices/{practice.id}").get_json()["practice"]
    assert shown["licence"] == {
        "id": "CC-BY-4.0",
        "name": "CC BY 4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    }


def test_writers_choose_the_licence_from_the_short_list(client, login, app, elena):
    login(client, elena)
    practice_id = start_practice(client, app)
    lessons = f"/practices/{practice_id}/edit/lessons"
    form = page(client, lessons)
    select = re.search(r'<select [^>]*id="licence".*?</select>', form, re.S).group(0)
    assert re.findall(r'value="([^"]+)"', select) == list(LICENCES)
    assert '<option selected value="CC-BY-4.0">' in select

    assert post_form(client, lessons, {**FORM, "licence": "CC0-1.0"}).status_code == 302
    with app.app_context():
        practice = db.session.query(Practice).one()
        assert practice.licence == "CC0-1.0"
        assert practice.revisions[-1].snapshot["licence"] == "CC0-1.0"
    assert '<option selected value="CC0-1.0">' in page(client, lessons)


@pytest.mark.parametrize("licence", ["All rights reserved", "cc-by-4.0", "GPL-3.0-only"])
def test_a_licence_off_the_list_is_refused_and_the_text_stays(client, login, app, elena, licence):
    login(client, elena)
    practice_id = start_practice(client, app)
    lessons = f"/practices/{practice_id}/edit/lessons"
    response = post_form(
        client, lessons, {**FORM, "links": "https://example.org/x", "licence": licence}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose the licence from the list." in html
    assert "https://example.org/x" in html
    with app.app_context():
        assert db.session.query(Practice).one().licence == "CC-BY-4.0"


def test_an_old_slug_redirects_to_the_new_one_after_the_title_changes(
    app, client, write, elena, moderator
):
    practice = write(elena, published=True, title="Solar roofs on schools")
    old = f"/practices/{practice.id}-solar-roofs-on-schools"
    with app.app_context():
        stored = db.session.get(Practice, practice.id)
        changed = services.PracticeContent.of(stored)
        changed.title = "Solar roofs on every school"
        services.update_practice(stored, stored.author, changed)
        services.publish_change(stored, db.session.merge(moderator))  # the change is reviewed
    response = client.get(old)
    assert response.status_code == 301
    assert response.headers["Location"] == f"/practices/{practice.id}-solar-roofs-on-every-school"
    assert client.get(response.headers["Location"]).status_code == 200


@SQLITE_ONLY
def test_both_e_books_name_each_practices_licence(app, write, elena):
    write(elena, published=True, title="Solar roofs on schools")
    write(elena, published=True, title="Heat pumps", licence="CC-BY-SA-4.0")
    with app.app_context():
        epub = zipfile.ZipFile(io.BytesIO(ebook.export("epub").data))
        pdf = PdfReader(io.BytesIO(ebook.export("pdf").data))
    chapter = epub.read("EPUB/theme-renewable-energy.xhtml").decode()
    assert "Licence: CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)" in chapter
    assert "Licence: CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/)" in chapter
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Licence: CC BY-SA 4.0" in text and "Licence: CC BY 4.0" in text


def test_the_services_refuse_an_unknown_licence(app_ctx, elena):
    with pytest.raises(services.Invalid) as refused:
        services.create_practice(db.session.merge(elena), content(licence="proprietary"))
    assert refused.value.details["field"] == "licence"
