"""The one table of who may do what, and the decorator that enforces it.

Every HTTP route and every Socket.IO event that needs more than "anyone" names
an :class:`Action` and is wrapped in :func:`requires`; every public service
checks the same table again with :func:`check` (or :func:`check_actor` where the
command line calls it as the system). docs/permissions.md shows this table; a
test keeps the two identical. This is the only module that compares roles.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin
from flask_login import current_user

from .accounts.models import Role
from .accounts.models import User
from .errors import Forbidden
from .errors import NotFound
from .errors import Unauthenticated

F = TypeVar("F", bound=Callable[..., Any])


class Action(StrEnum):
    """Things a person can ask the exchange to do."""

    MANAGE_OWN_ACCOUNT = "manage_own_account"
    JOIN_ROOM = "join_room"
    VIEW_PEOPLE = "view_people"
    SEND_MESSAGE = "send_message"
    EDIT_MESSAGE = "edit_message"
    READ_EDIT_HISTORY = "read_edit_history"
    REACT = "react"
    HIDE_MESSAGE = "hide_message"
    RESTORE_MESSAGE = "restore_message"
    REPORT_CONTENT = "report_content"
    REVIEW_REPORTS = "review_reports"
    MUTE_PEOPLE = "mute_people"
    BAN_PEOPLE = "ban_people"
    SET_SLOW_MODE = "set_slow_mode"
    VIEW_AUDIT_LOG = "view_audit_log"
    MANAGE_ROLES = "manage_roles"
    MANAGE_INVITATIONS = "manage_invitations"
    REDEEM_INVITATION = "redeem_invitation"
    VIEW_DASHBOARD = "view_dashboard"
    POST_PRACTICE = "post_practice"
    DEVELOP_PRACTICE = "develop_practice"
    EDIT_PRACTICE = "edit_practice"
    REVIEW_PRACTICE = "review_practice"
    SHARE_PRACTICE = "share_practice"
    ANNOUNCE = "announce"
    HIDE_PRACTICE = "hide_practice"
    RESTORE_PRACTICE = "restore_practice"
    UPLOAD_FILE = "upload_file"
    READ_FILE = "read_file"
    HIDE_FILE = "hide_file"
    RESTORE_FILE = "restore_file"
    ANSWER_FEEDBACK = "answer_feedback"
    SEE_HIDDEN_CONTENT = "see_hidden_content"
    SKIP_SLOW_MODE = "skip_slow_mode"
    LOOK_UP_PEOPLE = "look_up_people"
    MENTION_EVERYONE = "mention_everyone"
    ASK_QUESTION = "ask_question"
    VOTE_QUESTION = "vote_question"
    MODERATE_QUESTIONS = "moderate_questions"
    ANSWER_QUESTIONS = "answer_questions"
    DEVELOP_QUESTION = "develop_question"
    MANAGE_SESSION_ARCHIVE = "manage_session_archive"
    OPEN_POLL = "open_poll"
    VOTE_POLL = "vote_poll"
    CLOSE_POLL = "close_poll"
    CONFIRM_ADDRESSES = "confirm_addresses"
    START_CONVERSATION = "start_conversation"
    BLOCK_PEOPLE = "block_people"


#: Who a permission is asked about: a signed-in person, Flask-Login's anonymous
#: visitor, or nobody at all.
Visitor = User | AnonymousUserMixin | None


@dataclass(frozen=True)
class Rule:
    """Who may perform an action: a set of roles, optionally narrowed per target."""

    roles: frozenset[Role]
    #: Extra condition on the target (e.g. "same administration"); None means none.
    condition: Callable[[User, Any], bool] | None = None
    #: How the condition reads in the documentation.
    condition_text: str = ""


EVERY_ROLE = frozenset(Role)
ATTENDEES = frozenset({Role.ATTENDEE})
DELEGATES = frozenset({Role.DELEGATE})
STAFF = frozenset({Role.MODERATOR, Role.ORGANIZER})
ORGANIZERS = frozenset({Role.ORGANIZER})


def _staff_or_author(user: User, content: Any) -> bool:
    return user.role in STAFF or getattr(content, "author_id", None) == user.id


def _staff_or_same_administration(user: User, practice: Any) -> bool:
    """Staff act on every practice; a delegate on those of their own administration."""
    if user.role in STAFF:
        return True
    return user.administration_id is not None and (
        practice.administration_id == user.administration_id
    )


def _own_visible_message(user: User, message: Any) -> bool:
    return bool(message.author_id == user.id and not message.is_hidden)


def _own_visible_message_of_a_themed_room(user: User, message: Any) -> bool:
    """A conversation stays private: nothing of it becomes a public practice."""
    return _own_visible_message(user, message) and message.room.kind != "direct"


def _listed_or_self_or_staff(user: User, person: Any) -> bool:
    """A profile shows to everyone if its person agreed; to themselves and staff always."""
    return bool(person.listed or person.id == user.id or user.role in STAFF)


def _published(user: User, practice: Any) -> bool:
    return practice.is_public  # type: ignore[no-any-return]


def _open_question(user: User, question: Any) -> bool:
    """A question everyone sees: approved by moderators where they must, and not hidden."""
    return bool(question.approved_at is not None and question.hidden_at is None)


def _staff_or_speaking(user: User, target: Any) -> bool:
    """Staff everywhere; a speaker in the room of their session, around its time."""
    if user.role in STAFF:
        return True
    from .agenda.services import speaking_session  # the agenda builds on this table
    from .event.phases import now  # so do the event's phases

    room = getattr(target, "room", target)  # a question's room, or the room itself
    return speaking_session(user, room, now()) is not None


def _private_to_others(user: User, target: Any, action: Action | None = None) -> bool:
    """Whether ``target`` is a conversation, or a message of one, that ``user`` is not in.

    Such a thing does not exist for them, whatever their role: every action on it
    is refused as if it did not exist (``not_found``), moderators' and organizers' too.
    One exception, for moderators and organizers only: a message of a conversation
    that someone reported (any report, open or settled) exists for the actions of
    :data:`ON_REPORTED_MESSAGES` — reviewing its reports and the few messages around
    it, hiding it, restoring it. The rest of the conversation stays out of reach.
    """
    room = target if hasattr(target, "has_member") else getattr(target, "room", None)
    if getattr(room, "kind", None) != "direct":
        return False
    if room.has_member(user.id):  # type: ignore[union-attr]
        return False
    return not (
        action in ON_REPORTED_MESSAGES
        and user.role in STAFF
        and target is not room
        and _has_been_reported(target)
    )


def _has_been_reported(message: Any) -> bool:
    from .moderation.services import has_been_reported  # moderation builds on this table

    return has_been_reported(message)


def _member_of_private_room(user: User, room: Any) -> bool:
    """A themed room is open to everyone; a conversation to its members only."""
    return not _private_to_others(user, room)


def _writes_here(user: User, room: Any) -> bool:
    """Attendees write in their own conversations only; the rest in every room open to them."""
    return user.role not in ATTENDEES or getattr(room, "kind", None) == "direct"


def _own_visible_message_where_they_write(user: User, message: Any) -> bool:
    """What one may write one may correct: an attendee, in their own conversations only."""
    return _own_visible_message(user, message) and _writes_here(user, message.room)


def _reachable(user: User, person: Any) -> bool:
    """Someone else, not an attendee (they start nothing), whose profile the writer may see."""
    return bool(
        person.id != user.id
        and person.role in DELEGATES | STAFF
        and person.deleted_at is None
        and person.banned_at is None
        and (person.listed or user.role in STAFF)
    )


def _takes_messages_from(user: User, person: Any) -> bool:
    """Attendees write only to people who chose to let attendees write to them."""
    return user.role not in ATTENDEES or bool(person.attendees_may_message)


def _may_write_to(user: User, person: Any) -> bool:
    return _reachable(user, person) and _takes_messages_from(user, person)


def declines_messages_from(user: Visitor, person: User) -> bool:
    """Whether ``person`` is one ``user`` could write to but for ``person``'s own choice.

    That refusal is said in words (the person chose it, their profile shows it), where
    any other reason not to start a conversation is ``not_found``, as for nobody.
    """
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    return (
        user.role in PERMISSIONS[Action.START_CONVERSATION].roles
        and _reachable(user, person)
        and not _takes_messages_from(user, person)
    )


def _someone_else(user: User, person: Any) -> bool:
    return bool(person.id != user.id)


def _may_read_file(user: User, file: Any) -> bool:
    from .files.services import may_read  # files build on this table, not the reverse

    return may_read(user, file)


PERMISSIONS: Mapping[Action, Rule] = {
    Action.MANAGE_OWN_ACCOUNT: Rule(EVERY_ROLE),
    Action.JOIN_ROOM: Rule(
        EVERY_ROLE, _member_of_private_room, "conversations: their members only, whatever the role"
    ),
    Action.VIEW_PEOPLE: Rule(
        EVERY_ROLE,
        _listed_or_self_or_staff,
        "profiles of people who agreed to be listed; moderators and organizers: everyone's",
    ),
    Action.SEND_MESSAGE: Rule(
        EVERY_ROLE, _writes_here, "attendees: in their own conversations only"
    ),
    Action.EDIT_MESSAGE: Rule(
        EVERY_ROLE,
        _own_visible_message_where_they_write,
        "their own visible messages, within EXCHANGE_MESSAGE_EDIT_WINDOW of sending; "
        "attendees: in their own conversations only",
    ),
    Action.READ_EDIT_HISTORY: Rule(STAFF),
    Action.REACT: Rule(EVERY_ROLE),
    Action.HIDE_MESSAGE: Rule(
        EVERY_ROLE,
        _staff_or_author,
        "attendees and delegates: their own messages only; in conversations moderators and "
        "organizers are not in: reported messages only",
    ),
    Action.RESTORE_MESSAGE: Rule(
        STAFF, condition_text="in conversations they are not in: reported messages only"
    ),
    Action.REPORT_CONTENT: Rule(EVERY_ROLE),
    Action.REVIEW_REPORTS: Rule(
        STAFF,
        condition_text="in conversations they are not in: a reported message and the 3 "
        "messages before and after it, each reading written to the audit log",
    ),
    Action.MUTE_PEOPLE: Rule(STAFF, condition_text="not organizers; moderators: not moderators"),
    Action.BAN_PEOPLE: Rule(STAFF, condition_text="not organizers; moderators: not moderators"),
    Action.SET_SLOW_MODE: Rule(STAFF),
    Action.VIEW_AUDIT_LOG: Rule(STAFF),
    Action.MANAGE_ROLES: Rule(ORGANIZERS, condition_text="not organizers"),
    Action.MANAGE_INVITATIONS: Rule(ORGANIZERS),
    Action.REDEEM_INVITATION: Rule(ATTENDEES, condition_text="becoming a delegate"),
    Action.VIEW_DASHBOARD: Rule(ORGANIZERS),
    Action.POST_PRACTICE: Rule(DELEGATES, condition_text="for their own administration"),
    Action.DEVELOP_PRACTICE: Rule(
        DELEGATES,
        _own_visible_message_of_a_themed_room,
        "from their own visible chat messages in themed rooms, for their own administration",
    ),
    Action.EDIT_PRACTICE: Rule(
        DELEGATES | STAFF,
        _staff_or_same_administration,
        "delegates: practices of their own administration",
    ),
    Action.REVIEW_PRACTICE: Rule(STAFF),
    Action.SHARE_PRACTICE: Rule(DELEGATES | STAFF, _published, "published practices only"),
    Action.ANNOUNCE: Rule(STAFF),
    Action.HIDE_PRACTICE: Rule(STAFF),
    Action.RESTORE_PRACTICE: Rule(STAFF),
    Action.UPLOAD_FILE: Rule(DELEGATES | STAFF),
    Action.READ_FILE: Rule(
        EVERY_ROLE,
        _may_read_file,
        "who may read what it is attached to; not yet attached: its uploader only",
    ),
    Action.HIDE_FILE: Rule(STAFF),
    Action.RESTORE_FILE: Rule(STAFF),
    Action.ANSWER_FEEDBACK: Rule(ORGANIZERS),
    Action.SEE_HIDDEN_CONTENT: Rule(
        STAFF, condition_text="hidden messages, practices and files, with why they were hidden"
    ),
    Action.SKIP_SLOW_MODE: Rule(STAFF),
    Action.LOOK_UP_PEOPLE: Rule(DELEGATES | STAFF, condition_text="to mention them"),
    Action.MENTION_EVERYONE: Rule(STAFF, condition_text="`@room` or `@all`; others' stay text"),
    Action.ASK_QUESTION: Rule(EVERY_ROLE),
    Action.VOTE_QUESTION: Rule(EVERY_ROLE, _open_question, "approved, visible questions"),
    Action.MODERATE_QUESTIONS: Rule(STAFF, condition_text="approve, hide"),
    Action.ANSWER_QUESTIONS: Rule(
        EVERY_ROLE,
        _staff_or_speaking,
        "mark answered, pin; attendees and delegates: as speakers of a session (by confirmed "
        "address), in its room, from EXCHANGE_SPEAKER_GRACE_MINUTES before it until as long after",
    ),
    Action.DEVELOP_QUESTION: Rule(
        DELEGATES, _open_question, "approved, visible questions, for their own administration"
    ),
    Action.MANAGE_SESSION_ARCHIVE: Rule(
        ORGANIZERS, condition_text="recording links and slides of the agenda's sessions"
    ),
    Action.OPEN_POLL: Rule(STAFF, condition_text="not while muted"),
    Action.VOTE_POLL: Rule(
        EVERY_ROLE, condition_text="once per poll, while it is open; not while muted"
    ),
    Action.CLOSE_POLL: Rule(STAFF),
    Action.CONFIRM_ADDRESSES: Rule(
        ORGANIZERS, condition_text="vouch for a person's email address without the mailed link"
    ),
    Action.START_CONVERSATION: Rule(
        EVERY_ROLE,
        _may_write_to,
        "with up to 7 delegates, moderators or organizers they may see in the directory; "
        "attendees: only with people who let attendees write to them",
    ),
    Action.BLOCK_PEOPLE: Rule(
        EVERY_ROLE, _someone_else, "anyone but themselves; the blocked person is not told"
    ),
}


#: What moderators and organizers may do to a reported message of a conversation
#: they are not in (see :func:`_private_to_others`).
ON_REPORTED_MESSAGES = frozenset(
    {Action.REVIEW_REPORTS, Action.HIDE_MESSAGE, Action.RESTORE_MESSAGE}
)

#: What a person whose address is not confirmed yet may not do: they read, but do not write.
NEEDS_CONFIRMED_ADDRESS = frozenset(
    {
        Action.SEND_MESSAGE,
        Action.EDIT_MESSAGE,
        Action.REACT,
        Action.REPORT_CONTENT,
        Action.POST_PRACTICE,
        Action.DEVELOP_PRACTICE,
        Action.EDIT_PRACTICE,
        Action.SHARE_PRACTICE,
        Action.UPLOAD_FILE,
        Action.ASK_QUESTION,
        Action.VOTE_QUESTION,
        Action.DEVELOP_QUESTION,
        Action.OPEN_POLL,
        Action.VOTE_POLL,
        Action.START_CONVERSATION,
    }
)


def _unconfirmed(user: User, action: Action) -> bool:
    return action in NEEDS_CONFIRMED_ADDRESS and user.email_verified_at is None


def can(user: Visitor, action: Action, target: object = None) -> bool:
    """Tell whether ``user`` (possibly anonymous) may perform ``action`` on ``target``."""
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    if _unconfirmed(user, action):
        return False
    rule = PERMISSIONS[action]
    if user.role not in rule.roles:
        return False
    if target is not None and _private_to_others(user, target, action):
        return False
    if rule.condition is not None and target is not None:
        return rule.condition(user, target)
    return True


def check(user: Visitor, action: Action, target: object = None) -> None:
    """Raise :class:`Unauthenticated` or :class:`Forbidden` unless ``can`` says yes."""
    if not isinstance(user, User) or not user.is_authenticated:
        raise Unauthenticated()
    if _unconfirmed(user, action):
        raise Forbidden(_l("Confirm your email address first: follow the link we mailed you."))
    if target is not None and _private_to_others(user, target, action):
        raise NotFound()
    if not can(user, action, target):
        raise Forbidden()


def check_actor(actor: User | None, action: Action, target: object = None) -> None:
    """Like :func:`check`, for services the command line calls too: ``None`` is the system.

    Whoever runs the command line runs the server, so the system may do anything.
    """
    if actor is not None:
        check(actor, action, target)


def roles_allowed(action: Action) -> frozenset[Role]:
    """The roles that may perform ``action`` (on some target), for queries that select people."""
    return PERMISSIONS[action].roles


def check_can_act_on(actor: User | None, target: User) -> None:
    """Refuse acts against oneself, against organizers, and by moderators against moderators.

    ``actor`` None is the system (the command line), which may act on anyone.
    """
    if actor is None:
        return
    if actor.id == target.id:
        raise Forbidden(_l("You cannot do this to your own account."))
    if target.role is Role.ORGANIZER:
        raise Forbidden(_l("Nobody can act against an organizer here."))
    if target.role is Role.MODERATOR and actor.role is not Role.ORGANIZER:
        raise Forbidden(_l("Only organizers can act against a moderator."))


def check_can_grant(actor: User | None, role: Role) -> None:
    """Refuse to make organizers except from the command line (``actor`` None)."""
    if actor is not None and role is Role.ORGANIZER:
        raise Forbidden(_l("Organizers are made on the command line only."))


def requires(action: Action) -> Callable[[F], F]:
    """Refuse to run a view or socket handler unless the current user may ``action``.

    The user is loaded afresh for every request and every socket event, so a
    ban or a role change takes effect on the very next event.
    """

    def decorator(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            check(current_user, action)
            return func(*args, **kwargs)

        wrapper.required_action = action  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def acting_user() -> User:
    """Return the signed-in user as a plain model object, for passing to services."""
    if not current_user.is_authenticated:
        raise Unauthenticated()
    return current_user._get_current_object()  # type: ignore[no-any-return]


def permission_table() -> str:
    """Render the permission table as Markdown, as docs/permissions.md shows it."""
    roles = list(Role)
    header = "| action | " + " | ".join(role.value for role in roles) + " | condition |"
    rule_line = "|---|" + "---|" * len(roles) + "---|"
    lines = [header, rule_line]
    for action, rule in PERMISSIONS.items():
        cells = ["yes" if role in rule.roles else "no" for role in roles]
        lines.append(f"| `{action.value}` | " + " | ".join(cells) + f" | {rule.condition_text} |")
    return "\n".join(lines) + "\n"
