"""Starting conversations and listing them (exchange/conversations/services.py)."""

from __future__ import annotations

import pytest

from exchange.accounts.models import Role
from exchange.accounts.models import User
from exchange.conversations import services
from exchange.errors import Forbidden
from exchange.errors import Invalid
from exchange.errors import NotFound
from exchange.event.models import Room
from exchange.event.models import RoomKind
from exchange.extensions import db
from exchange.rooms import services as rooms


def get(user):
    return db.session.get(User, user.id)


def test_a_conversation_is_a_private_room_of_its_members(app_ctx, elena, salvatore):
    room, created = services.start_conversation(get(elena), [salvatore.id])
    assert created is True
    assert room.kind is RoomKind.DIRECT and room.is_direct
    assert room.slug.startswith("dm-")
    assert [member.user_id for member in room.members] == [elena.id, salvatore.id]
    assert room.name_in("de") == "Elena, Salvatore"


def test_a_one_to_one_conversation_is_reused_from_either_side(app_ctx, elena, salvatore):
    first, _ = services.start_conversation(get(elena), [salvatore.id])
    again, created = services.start_conversation(get(elena), [salvatore.id, elena.id])
    back, created_back = services.start_conversation(get(salvatore), [elena.id])
    assert again.id == first.id and back.id == first.id
    assert created is False and created_back is False


def test_a_small_group_is_a_new_conversation_each_time(app_ctx, elena, salvatore, outsider):
    group, _ = services.start_conversation(get(elena), [salvatore.id, outsider.id])
    other, created = services.start_conversation(get(elena), [salvatore.id, outsider.id])
    one_to_one, _ = services.start_conversation(get(elena), [salvatore.id])
    assert created is True and other.id != group.id
    assert one_to_one.id not in {group.id, other.id}
    assert len(group.members) == 3


@pytest.mark.parametrize(
    "members",
    [[], "3", [True], ["1"], [1.5], list(range(100, 108)), [None]],
    ids=["nobody", "text", "bool", "string-id", "float", "eight-others", "null"],
)
def test_members_must_be_one_to_seven_people_ids(app_ctx, elena, members):
    with pytest.raises((Invalid, NotFound)):
        services.start_conversation(get(elena), members)
    assert db.session.query(Room).filter(Room.kind == RoomKind.DIRECT).count() == 0


def test_oneself_alone_is_nobody_to_talk_to(app_ctx, elena):
    with pytest.raises(Invalid):
        services.start_conversation(get(elena), [elena.id])


def test_an_unknown_or_unlisted_person_looks_the_same(app_ctx, elena, make_user):
    hidden = make_user(Role.DELEGATE, name="Unlisted")
    for ids in ([hidden.id], [999_999]):
        with pytest.raises(NotFound):
            services.start_conversation(get(elena), ids)


def test_staff_may_write_to_unlisted_people(app_ctx, moderator, make_user):
    hidden = make_user(Role.DELEGATE, name="Unlisted")
    room, created = services.start_conversation(get(moderator), [hidden.id])
    assert created and room.has_member(hidden.id)


def test_attendees_write_to_nobody_who_did_not_allow_it_and_are_told_why(app_ctx, elena, anna):
    assert get(elena).attendees_may_message is False  # the default
    with pytest.raises(Forbidden) as refused:
        services.start_conversation(get(anna), [elena.id])
    assert str(refused.value.message) == (
        "Elena takes messages from delegates, moderators and organizers only."
    )
    assert refused.value.details == {"field": "members"}
    assert db.session.query(Room).filter(Room.kind == RoomKind.DIRECT).count() == 0


def test_attendees_write_to_people_who_allow_attendees(app_ctx, elena, anna, allow_attendees):
    allow_attendees(elena)
    room, created = services.start_conversation(get(anna), [elena.id])
    assert created and [m.user_id for m in room.members] == [anna.id, elena.id]
    message = rooms.post_message(room, get(anna), "Buongiorno!", "anna-1")
    assert message.room_id == room.id
    again, created_again = services.start_conversation(get(anna), [elena.id])
    assert again.id == room.id and created_again is False


def test_an_attendee_corrects_their_own_words_in_their_conversation_only(
    app_ctx, elena, anna, allow_attendees
):
    allow_attendees(elena)
    room, _created = services.start_conversation(get(anna), [elena.id])
    message = rooms.post_message(room, get(anna), "Buongiono!", "anna-typo")
    edited = rooms.edit_message(message, get(anna), "Buongiorno!")
    assert edited.body == "Buongiorno!" and edited.edited_at is not None
    # Written in the plenary while a delegate, then made an attendee: no longer theirs to edit.
    plenary = rooms.get_room("plenary")
    earlier = rooms.post_message(plenary, get(elena), "As a delegate", "elena-1")
    get(elena).role = Role.ATTENDEE
    db.session.commit()
    with pytest.raises(Forbidden):
        rooms.edit_message(earlier, get(elena), "As an attendee")


def test_an_attendee_s_group_needs_every_other_member_to_allow_attendees(
    app_ctx, elena, salvatore, anna, allow_attendees
):
    allow_attendees(salvatore)
    with pytest.raises(Forbidden) as refused:
        services.start_conversation(get(anna), [salvatore.id, elena.id])
    assert "Elena takes messages" in str(refused.value.message)
    get(elena).attendees_may_message = True
    db.session.commit()
    group, created = services.start_conversation(get(anna), [salvatore.id, elena.id])
    assert created and len(group.members) == 3


def test_the_setting_binds_attendees_only(app_ctx, elena, salvatore, moderator):
    for writer in (salvatore, moderator):
        room, created = services.start_conversation(get(writer), [elena.id])
        assert created and room.has_member(elena.id)


def test_allowing_attendees_does_not_open_an_unlisted_profile(
    app_ctx, anna, make_user, allow_attendees
):
    hidden = make_user(Role.DELEGATE, name="Unlisted")
    allow_attendees(hidden)
    with pytest.raises(NotFound):
        services.start_conversation(get(anna), [hidden.id])


def test_nobody_puts_an_attendee_in_a_conversation(
    app_ctx, elena, anna, moderator, allow_attendees
):
    allow_attendees(anna)
    for writer in (elena, moderator):
        with pytest.raises(NotFound):
            services.start_conversation(get(writer), [anna.id])


def test_banned_people_are_not_written_to(app_ctx, elena, salvatore, moderator):
    from exchange.moderation import services as moderation

    moderation.ban(get(salvatore), get(moderator), "spam")
    with pytest.raises(NotFound):
        services.start_conversation(get(elena), [salvatore.id])


def test_the_list_shows_unread_counts_and_the_latest_message_latest_first(
    app_ctx, elena, salvatore, outsider
):
    quiet, _ = services.start_conversation(get(elena), [outsider.id])
    busy, _ = services.start_conversation(get(salvatore), [elena.id])
    rooms.post_message(busy, get(salvatore), "Ciao Elena", "c-1")
    rooms.post_message(busy, get(salvatore), "Hai un minuto?", "c-2")
    rooms.post_message(busy, get(elena), "Certo", "c-3")
    listed = services.conversations_of(get(elena))
    assert [s.room.id for s in listed] == [busy.id, quiet.id]
    assert [p.name for p in listed[0].others] == ["Salvatore"]
    assert listed[0].unread_count == 2 and listed[1].unread_count == 0
    assert listed[0].last_message is not None and listed[0].last_message.body == "Certo"
    assert listed[1].last_message is None
    assert services.unread_total(get(elena)) == 2
    assert services.unread_total(get(outsider)) == 0
    assert [s.room.id for s in services.conversations_of(get(outsider))] == [quiet.id]
