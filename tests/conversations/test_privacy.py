"""A person's data export names the conversations they are in, with their own words there,
and whom they blocked; another member's words are not part of it. Deleting the account
treats their direct messages as it treats their room messages."""

import uuid

from exchange.accounts import privacy
from exchange.accounts.models import User
from exchange.event.services import get_room
from exchange.extensions import db
from exchange.people import services as people
from exchange.rooms import services as rooms

from ..conftest import PASSWORD


def write(app, author, slug, body):
    with app.app_context():
        person = db.session.get(User, author.id)
        return rooms.post_message(get_room(slug, person), person, body, uuid.uuid4().hex).id


def test_the_export_lists_ones_conversations_words_and_blocks_never_the_others_words(
    app, client, login, conversation, elena, salvatore, outsider
):
    write(app, elena, conversation, "The tender documents are attached")
    write(app, salvatore, conversation, "Thanks, Salvatore here")
    with app.app_context():
        people.block(db.session.get(User, elena.id), outsider.id)
    login(client, elena)
    data = client.get("/account/export.json").get_json()
    [listed] = data["conversations"]["conversations"]
    assert (listed["room"], listed["with"]) == (conversation, ["Salvatore"])
    assert listed["joined_at"].endswith("Z")
    assert data["conversations"]["people_blocked"] == [{"id": outsider.id, "name": "Outsider"}]
    mine = [m for m in data["messages"] if m["room"] == conversation]
    assert [m["body"] for m in mine] == ["The tender documents are attached"]
    assert "Salvatore here" not in str(data)


def test_deleting_an_account_treats_its_direct_messages_as_its_room_messages(
    app, conversation, elena, salvatore, outsider
):
    in_conversation = write(app, elena, conversation, "Between us")
    in_room = write(app, elena, "plenary", "To everyone")
    with app.app_context():
        people.block(db.session.get(User, elena.id), outsider.id)
        privacy.delete_account(db.session.get(User, elena.id), PASSWORD)
        private, public = (rooms.get_message(i) for i in (in_conversation, in_room))
        assert private.author.display_name == public.author.display_name
        assert (private.body, public.body) == ("Between us", "To everyone")
        assert private.is_hidden == public.is_hidden
        # Whom they blocked was about them alone.
        assert not people.has_blocked(elena.id, outsider.id)
