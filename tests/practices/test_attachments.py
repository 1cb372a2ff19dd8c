"""Pictures and documents of best practices: adding, showing, hiding one, the e-book's list."""

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from exchange.accounts.models import Role
from exchange.errors import Invalid
from exchange.extensions import db
from exchange.files.models import StoredFile
from exchange.moderation import services as moderation
from exchange.moderation.models import AuditEntry
from exchange.practices import attachments
from exchange.practices import services as practices

from ..support import files as samples
from ..support.live import csrf_token


@pytest.fixture
def elena(make_user):
    return make_user(Role.DELEGATE, name="Elena", administration="campi-bisenzio")


@pytest.fixture
def mara(make_user):
    return make_user(Role.MODERATOR, name="Mara")


def add(app, practice_id, user, data, name, **details):
    with app.app_context():
        return attachments.add_file(
            practices.get_practice(practice_id), db.session.merge(user), data, name, **details
        ).id


def page(client, practice_id, **headers):
    return client.get(f"/practices/{practice_id}", follow_redirects=True, headers=headers)


def test_a_picture_is_stored_without_its_location_and_shown_with_alt_caption_and_credit(
    app, client, write, elena
):
    app.config["IMAGE_MAX_SIDE"] = 1000
    practice = write(elena, published=True)
    picture = add(
        app,
        practice.id,
        elena,
        samples.jpeg_with_gps(size=(2000, 1500)),
        "tetto.jpg",
        alt="Solar panels on the flat roof of the Dante school",
        caption="The roof after the works, 2023",
        credit="Comune di Campi Bisenzio",
    )
    tender = add(app, practice.id, elena, samples.pdf("x" * 300_000), "bando.pdf")
    html = page(client, practice.id).get_data(as_text=True)  # anyone, signed in or not
    assert 'alt="Solar panels on the flat roof of the Dante school"' in html
    assert "The roof after the works, 2023" in html and "Comune di Campi Bisenzio" in html
    assert f'href="/files/{tender}/bando.pdf"' in html and "PDF, 293 kB" in html
    served = client.get(f"/files/{picture}/tetto.jpg")
    assert served.status_code == 200 and b"Exif" not in served.data
    assert Image.open(io.BytesIO(served.data)).size == (1000, 750)
    assert client.get(f"/files/{tender}/bando.pdf").status_code == 200


def test_a_picture_needs_a_description(app, write, elena):
    practice = write(elena)
    with pytest.raises(Invalid) as refused:
        add(app, practice.id, elena, samples.image(), "roof.png", declared_type="image/png")
    assert refused.value.details["field"] == "alt"
    # Also when the browser did not say it was a picture: the content tells.
    with pytest.raises(Invalid) as refused:
        add(app, practice.id, elena, samples.image(), "roof.bin")
    assert refused.value.details["field"] == "alt"
    with app.app_context():
        assert attachments.files_shown(practices.get_practice(practice.id), None) == []


def test_a_drafts_files_are_read_by_its_editors_only_until_it_is_published(
    app, client, login, write, elena, make_user
):
    practice = write(elena)
    tender = add(app, practice.id, elena, samples.pdf(), "bando.pdf")
    url = f"/files/{tender}/bando.pdf"
    assert client.get(url).status_code == 404
    colleague = app.test_client()
    login(colleague, make_user(Role.DELEGATE, administration="campi-bisenzio"))
    assert colleague.get(url).status_code == 200
    stranger = app.test_client()
    login(stranger, make_user(Role.DELEGATE, administration="ferla"))
    assert stranger.get(url).status_code == 404


def test_a_practice_carries_at_most_the_configured_number_of_files(app, write, elena):
    app.config["ATTACHMENTS_PER_PRACTICE"] = 1
    practice = write(elena)
    add(app, practice.id, elena, samples.pdf(), "one.pdf")
    with pytest.raises(Invalid) as refused:
        add(app, practice.id, elena, samples.pdf(), "two.pdf")
    assert refused.value.details["limit"] == "per_owner"
    assert refused.value.details["max_files"] == 1


def test_a_moderator_hides_one_file_and_the_practice_stays(app, client, login, write, elena, mara):
    practice = write(elena, published=True)
    kept = add(app, practice.id, elena, samples.pdf(), "kept.pdf")
    hidden = add(app, practice.id, elena, samples.image(), "face.png", alt="A person's face")
    with app.app_context():
        file = db.session.get(StoredFile, hidden)
        moderation.hide_file(file, db.session.merge(mara), "A person who did not agree")
        audit = db.session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.target_type == "file", AuditEntry.target_id == hidden
            )
        ).all()
        assert len(audit) == 1
        shown = attachments.practice_images(practices.get_practice(practice.id))
        assert shown == []
    html = page(client, practice.id).get_data(as_text=True)
    assert "kept.pdf" in html and "face.png" not in html and "A person&#39;s face" not in html
    assert client.get(f"/files/{hidden}/face.png").status_code == 404
    staff = app.test_client()
    login(staff, mara)
    staff_page = page(staff, practice.id).get_data(as_text=True)
    assert "A person who did not agree" in staff_page
    assert f"/moderation/files/{hidden}/restore" in staff_page
    assert f"/moderation/files/{kept}/hide" in staff_page


def test_the_ebook_lists_a_practices_visible_pictures_with_their_words_and_bytes(app, write, elena):
    practice = write(elena, published=True)
    add(app, practice.id, elena, samples.pdf(), "bando.pdf")
    picture = add(
        app,
        practice.id,
        elena,
        samples.image(size=(300, 200)),
        "roof.png",
        alt="The roof",
        caption="After the works",
        credit="Comune",
    )
    with app.app_context():
        (image,) = attachments.practice_images(practices.get_practice(practice.id))
        assert (image.id, image.alt, image.caption, image.credit) == (
            picture,
            "The roof",
            "After the works",
            "Comune",
        )
        assert (image.content_type, image.width, image.height) == ("image/png", 300, 200)
        assert Image.open(io.BytesIO(image.read())).size == (300, 200)
    draft = write(elena)
    add(app, draft.id, elena, samples.image(), "draft.png", alt="Not yet")
    with app.app_context():
        assert attachments.practice_images(practices.get_practice(draft.id)) == []


def test_the_form_step_adds_and_removes_files_without_scripts(app, client, login, write, elena):
    practice = write(elena)
    login(client, elena)
    step = client.get(f"/practices/{practice.id}/edit/files").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in step
    token = csrf_token(step)
    answer = client.post(
        f"/practices/{practice.id}/files",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(samples.image()), "roof.png", "image/png"),
            "alt": "",
        },
        follow_redirects=True,
    )
    assert "The file was not added: Describe the picture" in answer.get_data(as_text=True)
    answer = client.post(
        f"/practices/{practice.id}/files",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(samples.image()), "roof.png", "image/png"),
            "alt": "The roof",
            "caption": "After the works",
        },
        follow_redirects=True,
    )
    shown = answer.get_data(as_text=True)
    assert "is added to the practice" in shown and "roof.png" in shown
    with app.app_context():
        (file,) = attachments.files_shown(practices.get_practice(practice.id), None)
        assert (file.alt_text, file.caption, file.credit) == ("The roof", "After the works", None)
        file_id = file.id
    answer = client.post(
        f"/practices/{practice.id}/files/{file_id}/remove",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "is removed from the practice" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(StoredFile, file_id) is None
