"""What a session leaves behind: organizers add its recording link and slides on its page.

The agenda after the event is the archive's table of contents; slides are public
like the agenda, served by exchange/files to visitors without an account.
"""

import io
import re

import icalendar
import pytest
import sqlalchemy as sa

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.agenda import archive
from exchange.errors import Invalid
from exchange.event.services import load_event_file
from exchange.extensions import db
from exchange.files.models import StoredFile
from exchange.moderation.models import AuditAction
from exchange.moderation.models import AuditEntry

from ..conftest import DEMO_EVENT
from ..support import files
from ..support.live import csrf_token
from .test_views import clock  # noqa: F401 (the agenda's clock fixture)
from .test_views import rome
from .test_views import session_article


@pytest.fixture
def organizer(make_user):
    return make_user(Role.ORGANIZER, name="Olga Organizer", email="olga@example.org")


@pytest.fixture
def signed_in(app, login):
    """A test client signed in as ``user`` (None: anonymous), holding a CSRF token."""

    def open_client(user):
        client = app.test_client()
        if user is not None:
            login(client, user)
        client.token = csrf_token(client.get("/privacy").get_data(as_text=True))
        return client

    return open_client


def post_slides(client, data, name="slides.pdf", mimetype="application/pdf", slug="opening"):
    return client.post(
        f"/agenda/{slug}/slides",
        data={"csrf_token": client.token, "file": (io.BytesIO(data), name, mimetype)},
        follow_redirects=True,
    )


def audit_rows(app):
    with app.app_context():
        return [
            (entry.action, entry.target_type, entry.details)
            for entry in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))
        ]


def session_files(app, slug="opening"):
    with app.app_context():
        session = archive.session_by_slug(slug)
        return [(file.name, file.content_type) for file in archive.slides_shown(session, None)]


def test_the_session_page_shows_the_session_to_anyone(client, event):
    page = client.get("/agenda/opening").get_data(as_text=True)
    assert "<h1" in page and "Opening: why we exchange" in page
    assert 'href="/rooms/plenary"' in page
    assert "recording_url" not in page  # no form for visitors
    assert client.get("/agenda/no-such-session").status_code == 404


def test_the_agenda_leads_to_each_sessions_page(client, event):
    page = client.get("/agenda").get_data(as_text=True)
    assert 'href="/agenda/opening"' in session_article(page, "opening")


def test_an_organizer_sets_and_clears_the_recording_link_each_change_audited(
    app, event, organizer, signed_in
):
    olga = signed_in(organizer)
    page = olga.get("/agenda/opening").get_data(as_text=True)
    assert 'name="recording_url"' in page and 'action="/agenda/opening/recording"' in page

    answer = olga.post(
        "/agenda/opening/recording",
        data={"csrf_token": olga.token, "recording_url": " https://video.example.eu/opening "},
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/agenda/opening#recording")
    page = olga.get("/agenda/opening").get_data(as_text=True)
    assert "The recording link is saved." in page
    assert 'href="https://video.example.eu/opening"' in page

    olga.post("/agenda/opening/recording", data={"csrf_token": olga.token, "recording_url": ""})
    page = olga.get("/agenda/opening").get_data(as_text=True)
    assert "The session has no recording link now." in page
    assert "Watch the recording" not in page
    assert audit_rows(app) == [
        (
            AuditAction.SET_RECORDING,
            "session",
            {"session": "opening", "before": "", "after": "https://video.example.eu/opening"},
        ),
        (
            AuditAction.SET_RECORDING,
            "session",
            {"session": "opening", "before": "https://video.example.eu/opening", "after": ""},
        ),
    ]


def test_saving_the_same_recording_again_changes_nothing_and_audits_nothing(app, event, organizer):
    with app.app_context():
        olga = db.session.get(User, organizer.id)
        session = archive.session_by_slug("opening")
        archive.set_recording(session, olga, "https://video.example.eu/opening")
        archive.set_recording(session, olga, "https://video.example.eu/opening")
    assert len(audit_rows(app)) == 1


@pytest.mark.parametrize(
    "address",
    [
        "http://video.example.eu/opening",  # not encrypted
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "https://",
        "https://localhost/opening",
        "https://user:secret@video.example.eu/opening",
        "https://video.example.eu/two words",
        "https://video.example.eu/\ttab",
        "https://video.example.eu:99999/opening",
        "video.example.eu/opening",
        "https://video.example.eu/" + "a" * 480,
    ],
)
def test_a_recording_link_must_be_a_full_https_address(app, event, organizer, signed_in, address):
    olga = signed_in(organizer)
    page = olga.post(
        "/agenda/opening/recording",
        data={"csrf_token": olga.token, "recording_url": address},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "The recording link was not saved:" in page
    assert "flash-error" in page
    with app.app_context():
        assert archive.session_by_slug("opening").recording_url == ""
    assert audit_rows(app) == []


def test_hostile_strings_never_become_a_recording_link(app, event, organizer, naughty_strings):
    with app.app_context():
        olga = db.session.get(User, organizer.id)
        for text in naughty_strings:
            if not text.strip():
                continue
            with pytest.raises(Invalid):
                archive.set_recording(archive.session_by_slug("opening"), olga, text)
            db.session.rollback()
        assert archive.session_by_slug("opening").recording_url == ""


def test_a_form_without_its_csrf_token_changes_nothing(app, event, organizer, login):
    client = app.test_client()
    login(client, organizer)
    answer = client.post(
        "/agenda/opening/recording", data={"recording_url": "https://video.example.eu/x"}
    )
    assert answer.status_code == 400
    with app.app_context():
        assert archive.session_by_slug("opening").recording_url == ""


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("Apertura.pdf", files.pdf(), "application/pdf"),
        (
            "Apertura.pptx",
            files.ooxml("pptx"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        (
            "Apertura.odp",
            files.odf("presentation"),
            "application/vnd.oasis.opendocument.presentation",
        ),
        ("Apertura.ppt", files.powerpoint97(), "application/vnd.ms-powerpoint"),
    ],
)
def test_slides_are_pdf_or_office_documents_that_visitors_download(
    app, event, organizer, signed_in, name, data, content_type
):
    olga = signed_in(organizer)
    page = post_slides(olga, data, name).get_data(as_text=True)
    assert f"“{name}” is added to the slides of this session." in page
    assert session_files(app) == [(name, content_type)]

    visitor = app.test_client()
    agenda = visitor.get("/agenda").get_data(as_text=True)
    [link] = re.findall(r'href="(/files/\d+/[^"]+)" download', session_article(agenda, "opening"))
    download = visitor.get(link)
    assert download.status_code == 200
    assert download.data == data
    assert download.headers["Content-Type"].startswith(content_type)
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert link in visitor.get("/agenda/opening").get_data(as_text=True)
    [entry] = audit_rows(app)
    assert entry[0] is AuditAction.ADD_SLIDES and entry[1] == "session"
    assert entry[2]["name"] == name and entry[2]["session"] == "opening"


@pytest.mark.parametrize(
    ("name", "data", "mimetype"),
    [
        ("photo.png", files.image(), "image/png"),  # the browser says it is a picture
        ("photo.pdf", files.image(), "application/pdf"),  # only the content tells
        ("table.csv", b"a,b\n1,2\n", "text/csv"),
        ("notes.pdf", b"a,b\n1,2\n", "application/pdf"),
    ],
)
def test_pictures_and_tables_are_not_slides(app, event, organizer, signed_in, name, data, mimetype):
    olga = signed_in(organizer)
    page = post_slides(olga, data, name, mimetype).get_data(as_text=True)
    assert "The slides were not added: Slides must be a PDF or an office document" in page
    assert session_files(app) == []
    assert audit_rows(app) == []


def test_a_file_the_exchange_refuses_is_refused_with_its_reason(app, event, organizer, signed_in):
    olga = signed_in(organizer)
    page = post_slides(olga, files.word97(macros=True), "macros.doc", "application/msword")
    assert "The slides were not added:" in page.get_data(as_text=True)
    assert session_files(app) == []


def test_no_file_chosen_is_said_plainly(app, event, organizer, signed_in):
    olga = signed_in(organizer)
    page = olga.post(
        "/agenda/opening/slides", data={"csrf_token": olga.token}, follow_redirects=True
    ).get_data(as_text=True)
    assert "The slides were not added: Choose a file first." in page


def test_a_session_carries_at_most_its_limit_of_slides(app, event, organizer, signed_in):
    app.config["ATTACHMENTS_PER_SESSION"] = 2
    olga = signed_in(organizer)
    post_slides(olga, files.pdf("one"), "one.pdf")
    post_slides(olga, files.pdf("two"), "two.pdf")
    page = post_slides(olga, files.pdf("three"), "three.pdf").get_data(as_text=True)
    assert "At most 2 files can be attached here." in page
    assert "A session carries at most 2 files of slides." in page  # and the form is gone
    assert 'action="/agenda/opening/slides"' not in page
    assert [name for name, _type in session_files(app)] == ["one.pdf", "two.pdf"]


def test_an_organizer_removes_slides_for_good_with_an_audit_row(app, event, organizer, signed_in):
    olga = signed_in(organizer)
    post_slides(olga, files.pdf(), "old.pdf")
    with app.app_context():
        [file_id] = db.session.scalars(sa.select(StoredFile.id))
    page = olga.post(
        f"/agenda/opening/slides/{file_id}/remove",
        data={"csrf_token": olga.token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "“old.pdf” is removed from the slides of this session." in page
    with app.app_context():
        assert db.session.get(StoredFile, file_id) is None
    assert [row[0] for row in audit_rows(app)] == [
        AuditAction.ADD_SLIDES,
        AuditAction.REMOVE_SLIDES,
    ]
    # Another session's address does not reach it, nor does a second removal.
    again = olga.post(
        f"/agenda/closing/slides/{file_id}/remove",
        data={"csrf_token": olga.token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Not done:" in again


def test_slides_of_a_session_dropped_from_the_event_file_are_no_longer_public(
    app, event, organizer, signed_in
):
    olga = signed_in(organizer)
    post_slides(olga, files.pdf(), "slides.pdf")
    with app.app_context():
        [file_id] = db.session.scalars(sa.select(StoredFile.id))
        session = archive.session_by_slug("opening")
        session.is_archived = True  # as load-event does when the file drops it
        db.session.commit()
    assert app.test_client().get(f"/files/{file_id}/slides.pdf").status_code == 404
    assert app.test_client().get("/agenda/opening").status_code == 404


def test_reloading_the_event_file_keeps_a_recording_set_on_the_web(app, event, organizer):
    with app.app_context():
        olga = db.session.get(User, organizer.id)
        archive.set_recording(
            archive.session_by_slug("opening"), olga, "https://video.example.eu/opening"
        )
        load_event_file(DEMO_EVENT)
        assert archive.session_by_slug("opening").recording_url == (
            "https://video.example.eu/opening"
        )


def test_after_the_event_the_agenda_lists_recordings_and_slides_and_home_leads_there(
    app,
    client,
    event,
    organizer,
    signed_in,
    clock,  # noqa: F811
):
    olga = signed_in(organizer)
    post_slides(olga, files.pdf(), "Apertura.pdf")
    olga.post(
        "/agenda/opening/recording",
        data={"csrf_token": olga.token, "recording_url": "https://video.example.eu/opening"},
    )
    clock(rome(2026, 12, 20, 12, 0))
    page = client.get("/agenda").get_data(as_text=True)
    assert "with their recordings and slides where there are some" in page
    opening = session_article(page, "opening")
    assert 'href="https://video.example.eu/opening"' in opening
    assert "Apertura.pdf" in opening and "PDF" in opening
    assert "Slides:" not in session_article(page, "closing")
    closing = client.get("/agenda/closing").get_data(as_text=True)
    assert "No recording or slides have been added to this session." in closing
    home = client.get("/").get_data(as_text=True)
    assert 'href="/agenda"' in home and "The sessions, their recordings and slides" in home


def test_the_calendar_file_attaches_the_recording_and_the_slides(
    app, client, event, organizer, signed_in
):
    olga = signed_in(organizer)
    post_slides(olga, files.pdf(), "Apertura.pdf")
    olga.post(
        "/agenda/opening/recording",
        data={"csrf_token": olga.token, "recording_url": "https://video.example.eu/opening"},
    )
    calendar = icalendar.Calendar.from_ical(client.get("/agenda.ics").data)
    entries = {str(entry["uid"]).split("@")[0]: entry for entry in calendar.walk("VEVENT")}
    attached = entries["opening"].get("attach")
    assert [str(item) for item in attached][0] == "https://video.example.eu/opening"
    slides = attached[1]
    assert re.fullmatch(r"http://localhost/files/\d+/Apertura\.pdf", str(slides))
    assert slides.params["FMTTYPE"] == "application/pdf"
    description = str(entries["opening"]["description"])
    assert "Recording: https://video.example.eu/opening" in description
    assert "Slides: http://localhost/files/" in description
    assert "attach" not in entries["closing"]
