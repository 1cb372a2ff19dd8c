"""The room without JavaScript: reacting with plain forms, and a file sent with the message."""

import io
import re
import uuid

import pytest

from exchange.accounts.models import Role
from exchange.moderation import services as moderation
from exchange.rooms import services as rooms

from ..support import files as samples
from ..support.live import csrf_token


@pytest.fixture
def elena(make_user):
    return make_user(Role.DELEGATE, name="Elena Conti", administration="campi-bisenzio")


@pytest.fixture
def salvatore(make_user):
    return make_user(Role.DELEGATE, name="Salvatore", administration="ferla")


def send(connect, user, body="The tender documents"):
    ack = connect(user).emit(
        "send", {"room": "plenary", "body": body, "client_id": uuid.uuid4().hex}, callback=True
    )
    assert ack["ok"], ack
    return ack["message"]


def reactions_of(client, message_id):
    messages = client.get("/api/rooms/plenary/messages").get_json()["messages"]
    [message] = [m for m in messages if m["id"] == message_id]
    return message["reactions"]


def react(client, message_id, emoji, token):
    return client.post(
        f"/rooms/plenary/messages/{message_id}/reactions",
        data={"csrf_token": token, "emoji": emoji},
    )


def test_each_message_links_to_a_page_whose_emoji_buttons_give_it_and_go_back_to_the_message(
    client, login, connect, elena, salvatore
):
    sent = send(connect, elena)
    login(client, salvatore)
    room_page = client.get("/rooms/plenary").get_data(as_text=True)
    address = f"/rooms/plenary/messages/{sent['id']}/reactions"
    # The room page carries a link, not the forms: they are the same for every message.
    assert f'href="{address}">React</a>' in room_page
    assert f'action="{address}"' not in room_page

    page = client.get(address).get_data(as_text=True)
    assert "The tender documents" in page  # the message reacted to
    start = page.index(f'action="{address}"')
    form = page[start : page.index("</form>", start)]
    assert form.count('name="emoji"') == 8  # the eight offered first
    assert form.count('name="csrf_token"') == 1
    assert 'name="emoji" value="👍"' in form
    assert 'id="other-emoji" name="emoji"' in page  # and any other emoji

    response = react(client, sent["id"], "👍", csrf_token(page))

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/rooms/plenary#message-{sent['id']}")
    assert reactions_of(client, sent["id"]) == [
        {"emoji": "👍", "count": 1, "user_ids": [salvatore.id]}
    ]
    page = client.get(address).get_data(as_text=True)
    given = re.search(r'<button[^>]*value="👍"[^>]*>', page).group()
    assert 'aria-pressed="true"' in given


def test_the_reaction_page_of_a_hidden_message_or_of_another_room_is_not_found(
    app, client, login, connect, elena, salvatore
):
    sent = send(connect, elena)
    login(client, salvatore)
    assert client.get(f"/rooms/funding/messages/{sent['id']}/reactions").status_code == 404
    with app.app_context():
        message = rooms.get_message(sent["id"])
        moderation.hide_message(message, message.author, None)
    assert client.get(f"/rooms/plenary/messages/{sent['id']}/reactions").status_code == 404


def test_the_same_form_again_takes_the_emoji_back(client, login, connect, elena, salvatore):
    sent = send(connect, elena)
    login(client, salvatore)
    token = csrf_token(client.get("/rooms/plenary").get_data(as_text=True))
    react(client, sent["id"], "🎉", token)
    react(client, sent["id"], "🎉", token)
    assert reactions_of(client, sent["id"]) == []


def test_an_emoji_someone_gave_from_elsewhere_gets_a_form_too(
    client, login, connect, elena, salvatore
):
    sent = send(connect, elena)
    connect(elena).emit("react", {"message_id": sent["id"], "emoji": "🦄"}, callback=True)
    login(client, salvatore)
    page = client.get(f"/rooms/plenary/messages/{sent['id']}/reactions").get_data(as_text=True)
    assert 'name="emoji" value="🦄"' in page


def test_a_reaction_form_without_its_token_is_refused(client, login, connect, elena, salvatore):
    sent = send(connect, elena)
    login(client, salvatore)
    response = client.post(f"/rooms/plenary/messages/{sent['id']}/reactions", data={"emoji": "👍"})
    assert response.status_code == 400
    assert reactions_of(client, sent["id"]) == []


def test_a_refused_reaction_says_why_on_the_page(
    client, login, connect, elena, salvatore, naughty_strings
):
    sent = send(connect, elena)
    login(client, salvatore)
    token = csrf_token(client.get("/rooms/plenary").get_data(as_text=True))
    for text in naughty_strings[:60]:
        response = react(client, sent["id"], text, token)
        assert response.status_code in {302, 400}, text
    page = client.post(
        f"/rooms/plenary/messages/{sent['id']}/reactions",
        data={"csrf_token": token, "emoji": "not an emoji"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Your reaction was not saved: React with one emoji." in page


def test_a_message_of_another_room_is_not_found_under_this_one(
    client, login, connect, elena, salvatore
):
    sent = send(connect, elena)
    login(client, salvatore)
    token = csrf_token(client.get("/rooms/plenary").get_data(as_text=True))
    response = client.post(
        f"/rooms/funding/messages/{sent['id']}/reactions", data={"csrf_token": token, "emoji": "👍"}
    )
    assert response.status_code == 404


def test_attendees_react_without_javascript_and_visitors_are_asked_to_sign_in(
    client, login, connect, make_user, elena
):
    sent = send(connect, elena)
    login(client, make_user(Role.ATTENDEE))
    token = csrf_token(client.get("/rooms/plenary").get_data(as_text=True))
    assert react(client, sent["id"], "👍", token).status_code == 302
    assert len(reactions_of(client, sent["id"])) == 1
    anonymous = client.application.test_client()
    assert react(anonymous, sent["id"], "👍", token).status_code in {302, 400, 401}


def post_with_file(client, token, data, name, client_id="form-file", body="See the plan"):
    return client.post(
        "/rooms/plenary/messages",
        data={
            "csrf_token": token,
            "client_id": client_id,
            "body": body,
            "file": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


def test_the_plain_form_sends_a_file_with_the_message(client, login, elena):
    login(client, elena)
    page = client.get("/rooms/plenary").get_data(as_text=True)
    assert (
        'enctype="multipart/form-data"' in page
        and 'type="file" id="composer-file-fallback" name="file"' in page
    )
    token = csrf_token(page)

    assert post_with_file(client, token, samples.pdf(), "bando di gara.pdf").status_code == 302
    assert post_with_file(client, token, samples.pdf(), "bando di gara.pdf").status_code == 302

    messages = client.get("/api/rooms/plenary/messages").get_json()["messages"]
    assert [m["body"] for m in messages] == ["See the plan"]  # a resubmit stores once
    [attached] = messages[0]["attachments"]
    assert attached["name"] == "bando di gara.pdf"
    assert client.get(attached["url"]).status_code == 200


def test_a_file_alone_is_a_message(client, login, elena):
    login(client, elena)
    token = csrf_token(client.get("/rooms/plenary").get_data(as_text=True))
    assert post_with_file(client, token, samples.image(), "roof.png", body="").status_code == 302
    [message] = client.get("/api/rooms/plenary/messages").get_json()["messages"]
    assert message["body"] == "" and len(message["attachments"]) == 1


def test_a_refused_file_says_why_and_sends_nothing(client, login, elena):
    login(client, elena)
    token = csrf_token(client.get("/rooms/plenary").get_data(as_text=True))
    response = client.post(
        "/rooms/plenary/messages",
        data={
            "csrf_token": token,
            "client_id": "bad-file",
            "body": "look",
            "file": (io.BytesIO(b"MZ\x90\x00 not a document"), "setup.exe"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Your message was not sent:" in response.get_data(as_text=True)
    assert client.get("/api/rooms/plenary/messages").get_json()["messages"] == []


def test_a_file_over_the_size_limit_is_refused_with_the_limit(app, client, login, elena):
    app.config["UPLOAD_MAX_BYTES"] = 1000
    app.config["MAX_CONTENT_LENGTH"] = 2000
    login(client, elena)
    token = csrf_token(client.get("/rooms/plenary").get_data(as_text=True))
    response = post_with_file(client, token, b"%PDF-1.4" + b"0" * 5000, "big.pdf")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your message was not sent:" in page
    assert client.get("/api/rooms/plenary/messages").get_json()["messages"] == []


def test_attendees_cannot_send_files_through_the_plain_form(client, login, make_user):
    login(client, make_user(Role.ATTENDEE))
    page = client.get("/rooms/plenary").get_data(as_text=True)
    assert "composer-file-fallback" not in page


@pytest.mark.live
@pytest.mark.browser
def test_with_scripts_off_a_delegate_reacts_and_sends_a_file(
    browser, live_server, make_user, connect, tmp_path
):
    from ..conftest import sign_in

    author = make_user(Role.DELEGATE, email="author@example.org", name="Elena Conti")
    delegate = make_user(Role.DELEGATE, email="nojs@example.org", administration="ferla")
    sent = send(connect, author, "Our solar tender is out")
    document = tmp_path / "bando di gara.pdf"
    document.write_bytes(samples.pdf())
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, delegate.email)
    page.goto(live_server.url + "/rooms/plenary")

    item = page.locator(f"#message-{sent['id']}")
    item.get_by_role("link", name="React", exact=True).click()
    page.wait_for_url(f"{live_server.url}/rooms/plenary/messages/{sent['id']}/reactions")
    page.get_by_role("button", name="React with 👍").click()
    page.wait_for_url(f"{live_server.url}/rooms/plenary#message-{sent['id']}")
    assert item.locator(".message-reactions .reaction-count").inner_text() == "1"
    assert item.locator(".message-reactions .reaction").get_attribute("aria-pressed") == "true"

    page.fill("#composer-body", "The documents, with scripts switched off")
    page.set_input_files("#composer-file-fallback", str(document))
    page.click("#composer button[type=submit]")
    page.wait_for_url(live_server.url + "/rooms/plenary#composer")
    latest = page.locator("#messages .message").last
    assert "with scripts switched off" in latest.inner_text()
    assert latest.locator(".message-files a", has_text="bando di gara.pdf").count() == 1
    context.close()


def test_the_plain_form_s_unchosen_language_is_read_from_the_words(client, login, elena):
    login(client, elena)
    token = csrf_token(client.get("/rooms/plenary").get_data(as_text=True))
    for client_id, language in [("form-detect", ""), ("form-chosen", "it")]:
        response = client.post(
            "/rooms/plenary/messages",
            data={
                "csrf_token": token,
                "client_id": client_id,
                "body": "Wir haben letztes Jahr Wärmepumpen im Rathaus eingebaut.",
                "language": language,
            },
        )
        assert response.status_code == 302
    messages = client.get("/api/rooms/plenary/messages").get_json()["messages"]
    assert [m["language"] for m in messages] == ["de", "it"]
