"""What every template can use: the event, the reader's language, permissions, filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel import Locale
from flask import current_app
from flask import Flask
from flask import g
from flask import session
from flask_babel import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from .accounts.models import Role
from .announcements import services as announcements
from .announcements.views import dismissed_by_visitor
from .event.models import AdministrationKind
from .event.models import Event
from .event.services import current_event
from .event.services import room_name
from .i18n import format_locale
from .i18n import language_names
from .i18n import locale_code
from .moderation.models import AuditAction
from .moderation.services import open_report_count
from .moderation.services import unread_notices
from .people.services import blocked_by
from .permissions import Action
from .permissions import can
from .rooms.mentions import unread_mention_total
from .rooms.schemas import reactions_json
from .rooms.unread import conversations_unread_total
from .serialize import excerpt
from .serialize import iso_utc as protocol_iso_utc


def init_app(app: Flask) -> None:
    app.context_processor(_template_context)
    app.add_template_filter(country_name)
    # A global, not a context value: macros imported without context (notices) name rooms.
    app.add_template_global(room_in_reader_language, "room_name")
    app.add_template_filter(administration_kind_label)
    app.add_template_filter(role_label)
    app.add_template_filter(audit_action_label)
    app.add_template_filter(iso_datetime)
    app.add_template_filter(iso_utc)
    app.add_template_filter(machine_time)
    app.add_template_filter(number)
    app.add_template_filter(excerpt)
    app.add_template_filter(reactions_json, "reaction_groups")


def _site_event() -> Event | None:
    """Load the event at most once per request, and only for templates that show it."""
    if "_site_event" not in g:
        g._site_event = current_event()
    return g._site_event  # type: ignore[no-any-return]


def _template_context() -> dict[str, Any]:
    return {
        "site_event": _site_event,
        "locale_code": locale_code(),
        "format_locale": format_locale(),
        "can": lambda action, target=None: can(current_user, action, target),
        "Action": Action,
        "unread_notices": _unread_notices,
        "open_report_count": _open_report_count,
        "banners": _banners,
        "unread_mention_count": _unread_mention_count,
        "unread_conversation_count": _unread_conversation_count,
        "blocked_people": _blocked_people,
        "language_choices": lambda: language_names(current_app.config["LANGUAGES"]),
        "chosen_timezone": lambda: session.get("timezone"),
        "plural_samples": plural_samples,
    }


def plural_samples() -> list[tuple[str, int]]:
    """One number of each plural category of the reader's language: ("one", 1), ("few", 2)...

    Scripts fill in counts themselves; pages give them each wording of a
    counted message, keyed by the category ``Intl.PluralRules`` names, so that
    a Polish reader reads "2 znaki" and "5 znaków" (both CLDR's categories).
    """
    rule = (get_locale() or Locale("en")).plural_form
    samples: dict[str, int] = {}
    for number in range(200):
        samples.setdefault(rule(number), number)
    return sorted(samples.items())


def _open_report_count() -> int:
    """How many reported things wait for moderators (the menu shows it to them only)."""
    return open_report_count()


def _banners() -> list[Any]:
    """The announcement banners this reader has not closed, for every page's top."""
    if current_user.is_authenticated:
        return announcements.banners(current_user)
    return announcements.banners(None, dismissed_by_visitor())


def _unread_mention_count() -> int:
    """How many messages mention the signed-in person that they have not read (the menu)."""
    if not current_user.is_authenticated:
        return 0
    return unread_mention_total(current_user)


def _unread_conversation_count() -> int:
    """How many messages of their conversations the signed-in person has not read (the menu)."""
    if not current_user.is_authenticated:
        return 0
    return conversations_unread_total(current_user)


def _blocked_people() -> list[Any]:
    """The people the signed-in person blocked (their account page lists them)."""
    if not current_user.is_authenticated:
        return []
    return blocked_by(current_user)


def _unread_notices() -> list[Any]:
    """What moderators told the signed-in person that they have not read yet."""
    if not current_user.is_authenticated:
        return []
    return unread_notices(current_user)


def room_in_reader_language(slug: str) -> str:
    """Name a room in the reader's language; its slug once no room has it."""
    return room_name(slug, locale_code())


def country_name(code: str) -> str:
    """Name a country (ISO 3166-1 code) in the reader's language."""
    locale = get_locale() or Locale("en")
    return locale.territories.get(code.upper(), code)  # type: ignore[no-any-return]


def number(value: float) -> str:
    """Write a number as the reader's language does (1,250.5 or 1.250,5)."""
    return str(format_decimal(value))


def administration_kind_label(kind: AdministrationKind) -> str:
    labels = {
        AdministrationKind.MUNICIPALITY: _("Municipality"),
        AdministrationKind.UNION_OF_MUNICIPALITIES: _("Union of municipalities"),
        AdministrationKind.PROVINCE: _("Province"),
        AdministrationKind.REGION: _("Region"),
        AdministrationKind.OTHER: _("Other administration"),
    }
    return labels[kind]


def role_label(role: Role) -> str:
    labels = {
        Role.ATTENDEE: _("Attendee"),
        Role.DELEGATE: _("Delegate"),
        Role.MODERATOR: _("Moderator"),
        Role.ORGANIZER: _("Organizer"),
    }
    return labels[role]


def audit_action_label(action: AuditAction) -> str:
    """Name a moderation act in the reader's language (the log, its filter)."""
    labels = {
        AuditAction.HIDE: _("Hidden"),
        AuditAction.RESTORE: _("Restored"),
        AuditAction.DELETE_OWN: _("Withdrawn by its author"),
        AuditAction.DISMISS: _("Reports dismissed"),
        AuditAction.MUTE: _("Muted"),
        AuditAction.UNMUTE: _("Mute lifted"),
        AuditAction.BAN: _("Banned"),
        AuditAction.UNBAN: _("Ban lifted"),
        AuditAction.SLOW_MODE: _("Slow mode set"),
        AuditAction.ROLE_CHANGE: _("Role changed"),
        AuditAction.SET_RECORDING: _("Recording link changed"),
        AuditAction.ADD_SLIDES: _("Slides added"),
        AuditAction.REMOVE_SLIDES: _("Slides removed"),
        AuditAction.CONFIRM_ADDRESS: _("Address confirmed"),
        AuditAction.READ_CONTEXT: _("Reported conversation read"),
        AuditAction.ANSWER: _("Question answered"),
    }
    return labels[action]


def iso_utc(moment: dt.datetime) -> str:
    """Write a moment as the protocol does (``<time datetime>``): ISO 8601 in UTC."""
    return protocol_iso_utc(moment)


def machine_time(moment: dt.datetime | dt.date) -> str:
    """The value of a ``<time datetime>``: a date, or a moment in UTC to the millisecond.

    HTML allows at most three decimals of a second; Python's isoformat gives six.
    """
    if isinstance(moment, dt.datetime):
        return iso_utc(moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC))
    return moment.isoformat()


def iso_datetime(text: str) -> dt.datetime:
    """Read back a moment stored as ISO 8601 text (as in notices)."""
    return dt.datetime.fromisoformat(text)
