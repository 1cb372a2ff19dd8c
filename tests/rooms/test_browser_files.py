"""Files in the chat, in Chromium: attach, drop and paste, watch them upload, send them.

The other person's page shows the pictures as thumbnails and the documents with
their type and size, live; a refused file says why and can be removed.
"""

from __future__ import annotations

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.extensions import db

from ..conftest import PASSWORD
from ..support import files
from ..support.accessibility import assert_accessible
from ..support.browser import wait_until
from ..support.live import csrf_token
from .test_browser_chat import DESKTOP
from .test_browser_chat import look
from .test_browser_chat import open_room
from .test_browser_chat import page_width_fits
from .test_browser_chat import PHONE

pytestmark = [
    pytest.mark.live,
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

#: Hand files to the page as a drop on the room or a paste in the composer would.
GIVE_FILES = """async ({ how, files }) => {
  const transfer = new DataTransfer();
  for (const { name, type, bytes } of files) {
    transfer.items.add(new File([new Uint8Array(bytes)], name, { type }));
  }
  if (how === "paste") {
    const box = document.getElementById("composer-body");
    const options = { clipboardData: transfer, bubbles: true, cancelable: true };
    box.dispatchEvent(new ClipboardEvent("paste", options));
  } else {
    const zone = document.querySelector(".chat");
    for (const type of ["dragenter", "dragover", "drop"]) {
      const options = { dataTransfer: transfer, bubbles: true, cancelable: true };
      zone.dispatchEvent(new DragEvent(type, options));
    }
  }
}"""


def given(name, kind, data):
    return {"name": name, "type": kind, "bytes": list(data)}


@pytest.fixture
def people(app, make_user):
    elena = make_user(Role.DELEGATE, name="Elena", email="elena@example.org")
    kasia = make_user(
        Role.DELEGATE, name="Kasia", email="kasia@example.org", administration="ferla"
    )
    with app.app_context():
        for person, locale in ((elena, "it"), (kasia, "pl")):
            db.session.get(User, person.id).locale = locale
        db.session.commit()
    return elena, kasia


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_files_attached_dropped_and_pasted_reach_the_other_browser(
    live_server, new_page, people, viewport
):
    elena, kasia = people
    reader = new_page(**viewport)
    open_room(reader, live_server, kasia.email)
    page = new_page(**viewport)
    open_room(page, live_server, elena.email)

    assert page.is_visible("#composer-attach")
    page.set_input_files(
        "#composer-file-input",
        files=[{"name": "bando.pdf", "mimeType": "application/pdf", "buffer": files.pdf()}],
    )
    page.evaluate(
        GIVE_FILES,
        {"how": "drop", "files": [given("tetto.jpg", "image/jpeg", files.jpeg_with_gps())]},
    )
    page.evaluate(
        GIVE_FILES,
        {"how": "paste", "files": [given("image.png", "image/png", files.image(size=(300, 200)))]},
    )
    wait_until(page, "document.querySelectorAll('.composer-file[data-state=ready]').length === 3")
    assert page.locator(".composer-file progress").evaluate_all(
        "bars => bars.map(bar => bar.value)"
    ) == [1, 1, 1]
    # Pictures may be described until the message goes; the description becomes their alt.
    described = page.locator(".composer-file").nth(1).locator(".composer-file-describe input")
    described.fill("Il tetto della scuola con i pannelli")
    look(page, f"files-ready-{viewport['width']}")
    assert page_width_fits(page)
    assert_accessible(page, "the composer with three files ready")

    # A picture that is really a web page is refused, says why, and can be removed.
    page.evaluate(
        GIVE_FILES, {"how": "drop", "files": [given("disegno.svg", "image/svg+xml", files.SVG)]}
    )
    failed = page.locator(".composer-file[data-state=failed]")
    failed.wait_for()
    assert "SVG" in failed.locator(".composer-file-state").inner_text()
    look(page, f"files-refused-{viewport['width']}")
    failed.locator(".composer-file-remove").click()
    failed.wait_for(state="detached")

    page.fill("#composer-body", "Ecco il bando e le foto del tetto")
    page.press("#composer-body", "Enter")
    wait_until(page, "!document.querySelector('.composer-file')")
    mine = page.locator("#messages .message").last
    mine.locator(".attachment").nth(2).wait_for()

    shown = reader.locator("#messages .message").last
    shown.locator(".attachment").nth(2).wait_for()
    assert shown.locator(".message-body").inner_text() == "Ecco il bando e le foto del tetto"
    document = shown.locator(".attachment-document")
    assert document.locator(".attachment-name").inner_text() == "bando.pdf"
    assert document.locator(".attachment-details").inner_text().startswith("PDF, ")
    pictures = shown.locator(".attachment-image img")
    assert pictures.evaluate_all("images => images.map(image => image.alt)") == [
        "Il tetto della scuola con i pannelli",
        "Obraz: image.png",
    ]
    wait_until(
        reader,
        "[...document.querySelectorAll('#messages .message:last-child .attachment-image img')]"
        ".every(image => image.complete && image.naturalWidth > 0)",
    )
    assert reader.locator(".attachment-open").first.get_attribute("href").startswith("/files/")
    look(reader, f"files-received-{viewport['width']}")
    assert page_width_fits(reader)
    assert_accessible(reader, "a message with pictures and a document")
    reader.watch.assert_clean()
    # The refused upload is the only thing the browser noted (its 400 answer).
    watch = page.watch
    assert watch.dialogs == [] and watch.errors == [] and watch.foreign_requests == []
    assert [line for line in watch.console if "400" not in line] == []


def test_a_moderator_hides_one_file_of_a_live_message_and_readers_lose_it(
    live_server, new_page, people, make_user
):
    elena, kasia = people
    mara = make_user(Role.MODERATOR, name="Mara", email="mara@example.org")
    staff = new_page(**DESKTOP)
    open_room(staff, live_server, mara.email)
    reader = new_page(**DESKTOP)
    open_room(reader, live_server, kasia.email)
    sender = live_server.socket(live_server.login(elena.email, PASSWORD))
    session = live_server.login(elena.email, PASSWORD)
    token = csrf_token(session.get(live_server.url + "/account", timeout=10).text)
    stored = session.post(
        live_server.url + "/api/attachments",
        files={"file": ("offerta.pdf", files.pdf())},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
        timeout=30,
    ).json()
    ack = sender.call(
        "send",
        {
            "room": "plenary",
            "body": "L'offerta",
            "client_id": "live-1",
            "attachments": [stored["id"]],
        },
        timeout=10,
    )
    assert ack["ok"], ack
    sender.disconnect()
    item = staff.locator(f".attachment[data-file-id='{stored['id']}']")
    item.wait_for()
    reader.locator(f".attachment[data-file-id='{stored['id']}']").wait_for()
    item.locator("summary").click()
    assert item.locator("summary").inner_text() == "Hide “offerta.pdf”"
    assert_accessible(staff, "a moderator's room with the form hiding one file")
    item.get_by_label("Reason (the author will read it)").fill("Dati personali")
    item.get_by_role("button", name="Hide the file").click()
    staff.wait_for_url(f"{live_server.url}/rooms/plenary")
    staff.locator(f".attachment.is-hidden[data-file-id='{stored['id']}']").wait_for()
    reader.locator(f".attachment[data-file-id='{stored['id']}']").wait_for(state="detached")
    look(staff, "file-hidden-staff-1280")
    reader.watch.assert_clean()
