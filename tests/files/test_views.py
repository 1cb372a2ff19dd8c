"""POST /api/attachments and GET /files/...: answers, limits, and headers that keep files inert."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.extensions import db
from exchange.files import services
from exchange.files.models import StoredFile
from exchange.rooms.services import get_message

from ..support import files
from .conftest import upload


def test_an_upload_answers_201_with_the_stored_file(signed_in, elena):
    client = signed_in(elena)
    response = upload(client, files.jpeg_with_gps(), "Tetto scuola.JPEG", alt="Solar panels")
    assert response.status_code == 201
    body = response.get_json()
    assert body == {
        "id": body["id"],
        "name": "Tetto scuola.jpeg",
        "size": body["size"],
        "content_type": "image/jpeg",
        "kind": "image",
        "url": f"/files/{body['id']}/Tetto%20scuola.jpeg",
        "thumbnail_url": f"/files/{body['id']}/thumbnail/Tetto%20scuola.webp",
        "width": 800,
        "height": 600,
        "alt": "Solar panels",
    }
    document = upload(client, files.pdf(), "bando.pdf").get_json()
    assert document["kind"] == "document" and document["thumbnail_url"] is None


def test_a_pictures_gps_position_is_gone_once_uploaded(signed_in, elena):
    client = signed_in(elena)
    body = upload(client, files.jpeg_with_gps(), "roof.jpg").get_json()
    served = client.get(body["url"])
    picture = Image.open(io.BytesIO(served.data))
    assert picture.getexif().get_ifd(0x8825) == {} and len(picture.getexif()) == 0
    assert b"Exif" not in served.data and b"xap/1.0" not in served.data


def test_a_picture_is_served_inline_and_a_document_as_a_download(signed_in, elena):
    client = signed_in(elena)
    picture = upload(client, files.image(), "plan.png").get_json()
    document = upload(client, files.ooxml(), "Città.docx").get_json()

    shown = client.get(picture["url"])
    assert shown.status_code == 200 and shown.mimetype == "image/png"
    assert shown.headers["Content-Disposition"].startswith('inline; filename="plan.png"')
    downloaded = client.get(document["url"])
    assert downloaded.data == files.ooxml()
    assert downloaded.headers["Content-Disposition"] == (
        "attachment; filename=\"Citta.docx\"; filename*=UTF-8''Citt%C3%A0.docx"
    )
    for response in (shown, downloaded, client.get(picture["thumbnail_url"])):
        assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
        assert response.headers["Cache-Control"] == "private, no-cache"
        assert response.headers["ETag"]


def test_the_thumbnail_is_a_small_webp(signed_in, elena):
    client = signed_in(elena)
    body = upload(client, files.image("JPEG", size=(2000, 1000)), "wide.jpg").get_json()
    thumbnail = client.get(body["thumbnail_url"])
    assert thumbnail.mimetype == "image/webp"
    assert Image.open(io.BytesIO(thumbnail.data)).size == (480, 240)
    document = upload(client, files.pdf(), "a.pdf").get_json()
    assert client.get(f"/files/{document['id']}/thumbnail/a.webp").status_code == 404


def test_an_unchanged_file_answers_304_and_ranges_answer_206(signed_in, elena):
    client = signed_in(elena)
    body = upload(client, files.pdf("x" * 5000), "long.pdf").get_json()
    whole = client.get(body["url"])
    assert (
        client.get(body["url"], headers={"If-None-Match": whole.headers["ETag"]}).status_code == 304
    )

    part = client.get(body["url"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == whole.data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole.data)}"
    tail = client.get(body["url"], headers={"Range": "bytes=-10"})
    assert tail.data == whole.data[-10:]
    beyond = client.get(body["url"], headers={"Range": f"bytes={len(whole.data) + 5}-"})
    assert (
        beyond.status_code == 416
        and beyond.headers["Content-Range"] == f"bytes */{len(whole.data)}"
    )
    stale = client.get(body["url"], headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert stale.status_code == 200 and stale.data == whole.data


def test_a_link_with_another_name_leads_to_the_files_own_address(signed_in, elena):
    client = signed_in(elena)
    body = upload(client, files.pdf(), "bando.pdf").get_json()
    response = client.get(f"/files/{body['id']}/index.html")
    assert response.status_code == 302 and response.headers["Location"] == body["url"]


def test_an_svg_is_never_accepted_nor_ever_served_inline(app, signed_in, elena):
    client = signed_in(elena)
    for name in ("drawing.svg", "drawing.png", "drawing.csv"):
        refused = upload(client, files.SVG, name)
        assert refused.status_code == 400
        assert refused.get_json()["error"]["reason"] == "markup"
    # Even a row that somehow says SVG (an older version, a manual fix) is only a download.
    body = upload(client, files.image(), "plan.png").get_json()
    with app.app_context():
        db.session.execute(
            sa.update(StoredFile)
            .where(StoredFile.id == body["id"])
            .values(content_type="image/svg+xml")
        )
        db.session.commit()
    served = client.get(body["url"])
    assert served.headers["Content-Disposition"].startswith("attachment;")
    assert served.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"


# --- refusals, each saying which rule --------------------------------------------


def test_a_file_over_the_size_limit_answers_413_with_the_limit(app, signed_in, elena):
    app.config["UPLOAD_MAX_BYTES"] = 2000
    response = upload(signed_in(elena), files.pdf("x" * 3000), "big.pdf")
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert (error["code"], error["limit"], error["max_bytes"]) == ("too_large", "size", 2000)
    assert "MB" in error["message"]


def test_a_body_over_the_request_limit_is_refused_before_it_is_read(app, signed_in, elena):
    app.config["MAX_CONTENT_LENGTH"] = 5000
    response = upload(signed_in(elena), files.pdf("x" * 10_000), "big.pdf")
    assert response.status_code == 413
    assert response.get_json()["error"]["limit"] == "size"


def test_the_daily_quota_answers_429_with_when_to_try_again(app, signed_in, elena):
    app.config["UPLOAD_DAILY_FILES"] = 1
    client = signed_in(elena)
    assert upload(client, files.image(), "a.png").status_code == 201
    response = upload(client, files.image(), "b.png")
    assert response.status_code == 429
    error = response.get_json()["error"]
    assert (error["code"], error["limit"], error["max_files"]) == ("rate_limited", "daily_files", 1)
    assert error["retry_after"] > 0


def test_uploading_too_fast_answers_429(app, signed_in, elena):
    app.config["RATE_LIMITS"]["upload"] = "2/60s"
    client = signed_in(elena)
    assert [upload(client, files.image(), "a.png").status_code for _ in range(3)] == [201, 201, 429]


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (files.HTML, "page.pdf", "markup"),
        (b"MZ\x90\x00" + b"\0" * 100, "tool.pdf", "type"),
        (files.zip_bomb_docx(), "report.docx", "archive"),
        (files.huge_png_header(), "huge.png", "pixels"),
        (files.jpeg_with_gps()[:2000], "cut.jpg", "damaged"),
        (b"", "empty.csv", "empty"),
    ],
)
def test_unaccepted_files_answer_400_saying_why(signed_in, elena, data, name, reason):
    response = upload(signed_in(elena), data, name)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], error["field"], error["reason"]) == ("invalid", "file", reason)


def test_a_request_without_exactly_one_file_is_refused(signed_in, elena):
    client = signed_in(elena)
    headers = {"X-CSRFToken": client.token}
    assert client.post("/api/attachments", data={}, headers=headers).status_code == 400
    two = {"file": [(io.BytesIO(files.pdf()), "a.pdf"), (io.BytesIO(files.pdf()), "b.pdf")]}
    response = client.post("/api/attachments", data=two, headers=headers)
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "file"


def test_an_upload_needs_the_csrf_token_and_an_account_that_may_upload(
    client, event, signed_in, elena, make_user
):
    without_token = signed_in(elena).post(
        "/api/attachments", data={"file": (io.BytesIO(files.pdf()), "a.pdf")}
    )
    assert without_token.status_code == 400
    assert without_token.get_json()["error"]["reason"] == "csrf"
    with_form_token = signed_in(elena)
    response = with_form_token.post(
        "/api/attachments",
        data={"file": (io.BytesIO(files.pdf()), "a.pdf"), "csrf_token": with_form_token.token},
    )
    assert response.status_code == 201
    anonymous = upload(signed_in(None), files.pdf(), "a.pdf")
    assert (
        anonymous.status_code == 401 and anonymous.get_json()["error"]["code"] == "unauthenticated"
    )
    attendee = upload(signed_in(make_user(Role.ATTENDEE)), files.pdf(), "a.pdf")
    assert attendee.status_code == 403


def test_files_of_others_and_of_hidden_messages_answer_404(
    app, signed_in, elena, paolo, make_user, message_of
):
    moderator = make_user(Role.MODERATOR)
    body = upload(signed_in(elena), files.pdf(), "a.pdf").get_json()
    assert signed_in(paolo).get(body["url"]).status_code == 404  # not attached yet
    message_id = message_of(elena)
    with app.app_context():
        services.attach_files(db.session.get(User, elena.id), [body["id"]], get_message(message_id))
    assert signed_in(paolo).get(body["url"]).status_code == 200
    assert signed_in(None).get(body["url"]).status_code == 404
    staff = signed_in(moderator)
    hidden = staff.post(
        f"/moderation/messages/{message_id}/hide",
        data={"reason": "spam", "csrf_token": staff.token},
    )
    assert hidden.status_code == 302
    assert signed_in(paolo).get(body["url"]).status_code == 404
    assert signed_in(elena).get(body["url"]).status_code == 404
    assert staff.get(body["url"]).status_code == 200
    for missing in (body["id"] + 1000, 2**63, 2**70):
        assert signed_in(elena).get(f"/files/{missing}/a.pdf").status_code == 404


def test_moderators_hide_and_restore_one_file(app, signed_in, elena, paolo, make_user, message_of):
    moderator = make_user(Role.MODERATOR)
    body = upload(signed_in(elena), files.image(), "a.png").get_json()
    message_id = message_of(elena)
    with app.app_context():
        services.attach_files(db.session.get(User, elena.id), [body["id"]], get_message(message_id))
    staff = signed_in(moderator)
    response = staff.post(
        f"/moderation/files/{body['id']}/hide",
        data={"reason": "a child's face", "csrf_token": staff.token, "next": "/rooms/plenary"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/rooms/plenary"
    assert signed_in(paolo).get(body["url"]).status_code == 404
    assert signed_in(paolo).get(body["thumbnail_url"]).status_code == 404
    assert staff.get(body["url"]).status_code == 200
    staff.post(f"/moderation/files/{body['id']}/restore", data={"csrf_token": staff.token})
    assert signed_in(paolo).get(body["url"]).status_code == 200


def describe(client, file_id, alt):
    return client.post(
        f"/api/attachments/{file_id}",
        data={"alt": alt},
        headers={"X-CSRFToken": client.token, "Accept": "application/json"},
    )


def test_a_sender_describes_their_picture_until_it_is_attached(
    signed_in, stored, elena, paolo, message_of, app
):
    picture = stored(elena)
    client = signed_in(elena)
    answer = describe(client, picture.id, "  The school roof,\nfrom the south  ")
    assert answer.status_code == 200 and answer.json["alt"] == "The school roof, from the south"
    assert describe(client, picture.id, "x" * 501).json["error"]["field"] == "alt"
    assert describe(signed_in(paolo), picture.id, "Mine now").status_code == 404
    with app.app_context():
        services.attach_files(db.session.merge(elena), [picture.id], get_message(message_of(elena)))
    assert describe(client, picture.id, "Too late").status_code == 404
    document = stored(elena, data=files.pdf(), name="bando.pdf")
    assert describe(client, document.id, "A tender").json["alt"] is None
