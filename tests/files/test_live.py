"""Uploads to the real server (``python wsgi.py``), from real clients and from Chromium."""

from __future__ import annotations

import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from PIL import Image

from exchange.accounts.models import Role

from ..conftest import PASSWORD
from ..conftest import sign_in
from ..support import files
from ..support.live import csrf_token
from ..support.live import LiveServer

pytestmark = pytest.mark.live


def _signed_in(server: LiveServer, email: str) -> tuple[requests.Session, str]:
    session = server.login(email, PASSWORD)
    return session, csrf_token(session.get(server.url + "/account", timeout=10).text)


def _upload(server: LiveServer, session: requests.Session, token: str, data: bytes, name: str):
    return requests.post(
        server.url + "/api/attachments",
        files={"file": (name, data)},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
        cookies=session.cookies,
        timeout=60,
    )


def test_files_sent_at_once_are_stored_and_served_back(live_server, make_user):
    elena = make_user(Role.DELEGATE, email="elena@example.org")
    session, token = _signed_in(live_server, elena.email)
    sent = {
        "roof.jpg": files.jpeg_with_gps(size=(3000, 2000)),
        "plan.png": files.image(size=(1200, 900)),
        "bando.pdf": files.pdf("x" * 300_000),
        "budget.xlsx": files.ooxml("xlsx"),
        "data.csv": "\n".join(f"{n};{n * 2}" for n in range(50_000)).encode(),
        "slides.odp": files.odf("presentation"),
    }
    with ThreadPoolExecutor(len(sent)) as pool:
        answers = dict(
            zip(
                sent,
                pool.map(
                    lambda item: _upload(live_server, session, token, item[1], item[0]),
                    sent.items(),
                ),
                strict=True,
            )
        )
    assert {name: answer.status_code for name, answer in answers.items()} == dict.fromkeys(
        sent, 201
    )
    for name, answer in answers.items():
        body = answer.json()
        served = session.get(live_server.url + body["url"], timeout=10)
        assert served.status_code == 200 and int(served.headers["Content-Length"]) == body["size"]
        assert served.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
        if body["kind"] == "document":
            assert served.content == sent[name]
            assert served.headers["Content-Disposition"].startswith("attachment;")
        else:
            assert served.headers["Content-Disposition"].startswith("inline;")
            assert b"Exif" not in served.content
    csv = answers["data.csv"].json()
    part = session.get(
        live_server.url + csv["url"], headers={"Range": "bytes=300000-300009"}, timeout=10
    )
    assert part.status_code == 206 and part.content == sent["data.csv"][300_000:300_010]
    roof = answers["roof.jpg"].json()
    thumbnail = session.get(live_server.url + roof["thumbnail_url"], timeout=10)
    assert Image.open(io.BytesIO(thumbnail.content)).size == (480, 320)
    # Someone else cannot read them while they are not attached.
    other = make_user(Role.DELEGATE, email="paolo@example.org", administration="ferla")
    paolo, _ = _signed_in(live_server, other.email)
    assert paolo.get(live_server.url + roof["url"], timeout=10).status_code == 404


def test_a_file_sent_in_the_chat_reaches_the_room_and_goes_with_its_hidden_message(
    live_server, make_user
):
    """Upload, ``send {attachments}``, and the others read it, until a moderator hides it."""
    elena = make_user(Role.DELEGATE, email="elena@example.org")
    kasia = make_user(Role.DELEGATE, email="kasia@example.org", administration="ferla")
    mara = make_user(Role.MODERATOR, email="mara@example.org")
    session, token = _signed_in(live_server, elena.email)
    roof = _upload(live_server, session, token, files.jpeg_with_gps(), "tetto.jpg").json()
    tender = _upload(live_server, session, token, files.pdf(), "bando.pdf").json()
    reader_session = live_server.login(kasia.email, PASSWORD)
    reader = live_server.socket(reader_session)
    assert reader.call("join", {"room": "plenary"}, timeout=10)["ok"]
    sender = live_server.socket(session)
    ack = sender.call(
        "send",
        {
            "room": "plenary",
            "body": "",
            "client_id": "files-1",
            "attachments": [roof["id"], tender["id"]],
        },
        timeout=10,
    )
    assert ack["ok"] is True, ack
    assert ack["message"]["attachments"] == [roof, tender]
    assert reader.wait_for(lambda: reader.events("message"))
    (delivered,) = reader.events("message")
    assert delivered["attachments"] == [roof, tender]
    download = reader_session.get(live_server.url + tender["url"], timeout=10)
    assert download.status_code == 200 and download.content == files.pdf()
    assert download.headers["Content-Disposition"].startswith("attachment;")
    picture = reader_session.get(live_server.url + roof["url"], timeout=10)
    assert picture.status_code == 200 and b"Exif" not in picture.content

    # The same files cannot go with a second message: they are attached now.
    again = sender.call(
        "send",
        {"room": "plenary", "body": "Again", "client_id": "files-2", "attachments": [roof["id"]]},
        timeout=10,
    )
    assert again["error"]["code"] == "invalid" and again["error"]["file_id"] == roof["id"]

    moderator_session = live_server.login(mara.email, PASSWORD)
    moderator = live_server.socket(moderator_session)
    hidden = moderator.call(
        "hide", {"message_id": ack["message"]["id"], "reason": "Personal data"}, timeout=10
    )
    assert hidden["ok"] is True
    assert reader_session.get(live_server.url + tender["url"], timeout=10).status_code == 404
    assert (
        reader_session.get(live_server.url + roof["thumbnail_url"], timeout=10).status_code == 404
    )
    assert moderator_session.get(live_server.url + tender["url"], timeout=10).status_code == 200
    for client in (reader, sender, moderator):
        client.disconnect()


def test_a_body_over_the_limit_is_refused_with_the_limit(live_server, make_user):
    elena = make_user(Role.DELEGATE, email="elena@example.org")
    session, token = _signed_in(live_server, elena.email)
    answer = _upload(
        live_server, session, token, b"%PDF-1.4\n" + b"x" * (11 * 1024 * 1024), "big.pdf"
    )
    assert answer.status_code == 413
    error = answer.json()["error"]
    assert (error["code"], error["limit"], error["max_bytes"]) == ("too_large", "size", 10_485_760)


#: A picture of 49 megapixels that packs into 160 KB: decoding, scaling and encoding
#: it takes the examining process seconds of CPU.
def _heavy_picture() -> bytes:
    picture = Image.linear_gradient("L").resize((7000, 7000)).convert("RGB")
    output = io.BytesIO()
    picture.save(output, "PNG")
    return output.getvalue()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("mode", ["eventlet", "gevent"])
def test_a_picture_being_examined_does_not_hold_the_loop(database_url, tmp_path, make_user, mode):
    """The examination runs on a native thread (offload.py): other clients are answered meanwhile.

    Run on the loop, the examination would hold every connection of the process
    until it ended: the socket's answers would all come after the upload's.
    """
    elena = make_user(Role.DELEGATE, email="elena@example.org")
    kasia = make_user(Role.DELEGATE, email="kasia@example.org", administration="ferla")
    server = LiveServer(database_url, tmp_path, env={"EXCHANGE_ASYNC_MODE": mode}).start()
    try:
        session, token = _signed_in(server, elena.email)
        other = server.socket(server.login(kasia.email, PASSWORD))
        picture = _heavy_picture()
        order: list[str] = []
        answered = threading.Event()

        def send() -> None:
            answer = _upload(server, session, token, picture, "heavy.png")
            order.append(f"upload answered {answer.status_code}")
            answered.set()

        threading.Thread(target=send, daemon=True).start()
        time.sleep(0.5)  # the picture is in the server, being examined
        for i in range(3):
            assert other.call("join", {"room": "plenary"}, timeout=10)["ok"]
            order.append(f"quick {i} answered")
        assert answered.wait(60)
        assert order == [*(f"quick {i} answered" for i in range(3)), "upload answered 201"]
        other.disconnect()
    finally:
        server.stop()


UPLOAD_IN_PAGE = """async ({ name, type, bytes, abort }) => {
  const { uploadFile } = await import("/static/js/upload.js");
  const file = new File([new Uint8Array(bytes)], name, { type });
  const progress = [];
  const onProgress = (p) => progress.push(p.fraction);
  const sending = uploadFile(file, { alt: "Il tetto", onProgress });
  if (abort) { sending.abort(); }
  try {
    const stored = await sending.promise;
    return { ok: true, stored, progress };
  } catch (error) {
    const { name, code, message, details } = error;
    return { ok: false, name, code, message, details };
  }
}"""


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_upload_module_sends_with_progress_and_says_what_went_wrong(
    live_server, new_page, make_user
):
    """What the composer and the forms will use, in Italian, against the real server."""
    elena = make_user(Role.DELEGATE, email="elena@example.org")
    page = new_page()
    sign_in(page, live_server, elena.email)
    page.goto(live_server.url + "/account")
    page.select_option("#language-select", "it")
    page.click(".language-picker button")
    page.wait_for_url(live_server.url + "/account")

    picture = files.jpeg_with_gps(size=(2400, 1600))
    result = page.evaluate(
        UPLOAD_IN_PAGE,
        {"name": "tetto.jpg", "type": "image/jpeg", "bytes": list(picture), "abort": False},
    )
    assert result["ok"], result
    stored = result["stored"]
    assert stored["content_type"] == "image/jpeg" and stored["alt"] == "Il tetto"
    assert result["progress"] and result["progress"][-1] == 1
    shown = page.evaluate(
        """async (url) => {
          const image = new Image();
          image.src = url;
          await image.decode();
          return [image.naturalWidth, image.naturalHeight];
        }""",
        stored["thumbnail_url"],
    )
    assert shown == [480, 320]

    refused = page.evaluate(
        UPLOAD_IN_PAGE,
        {"name": "disegno.svg", "type": "image/svg+xml", "bytes": list(files.SVG), "abort": False},
    )
    assert refused["ok"] is False and refused["code"] == "invalid"
    assert refused["details"]["reason"] == "markup"
    assert "SVG" in refused["message"] and "not accepted" not in refused["message"]  # Italian

    too_big = page.evaluate(
        """async () => {
          const { uploadFile } = await import("/static/js/upload.js");
          const file = new File([new Uint8Array(11 * 1024 * 1024)], "enorme.pdf");
          try { await uploadFile(file).promise; return null; }
          catch (error) { return { code: error.code, message: error.message }; }
        }"""
    )
    assert (
        too_big["code"] == "too_large" and "10" in too_big["message"] and "MB" in too_big["message"]
    )

    cancelled = page.evaluate(
        UPLOAD_IN_PAGE,
        {"name": "bando.pdf", "type": "application/pdf", "bytes": list(files.pdf()), "abort": True},
    )
    assert cancelled["ok"] is False and cancelled["code"] == "aborted" and cancelled["message"]
    watch = page.watch
    assert watch.dialogs == [] and watch.errors == [] and watch.foreign_requests == []
    # Chromium logs each refused request as an error; no other error may reach the console.
    errors = [line for line in watch.console if line.startswith("error:")]
    assert all("Failed to load resource" in line for line in errors), errors
