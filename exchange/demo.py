"""The demo event and its demo accounts, for trying the exchange on a laptop."""

from __future__ import annotations

import json
import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from .accounts import services as accounts
from .accounts.models import Role
from .accounts.models import User
from .errors import Forbidden
from .errors import Invalid
from .errors import NotFound
from .event.services import current_event
from .event.services import get_administration
from .event.services import get_room
from .event.services import list_rooms
from .event.services import load_event_file
from .extensions import db
from .people import services as people
from .practices import services as practices
from .practices.models import Practice


@dataclass(frozen=True)
class DemoSeed:
    """What the demo holds: its accounts and how many demo practices are published."""

    accounts: list[DemoAccount]
    practices: int


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    name: str
    administration: str | None
    password: str


#: (role, email, name, administration slug). Names are invented.
DEMO_PEOPLE = [
    (Role.ORGANIZER, "organizer@demo.example.org", "Giulia Bianchi (demo organizer)", None),
    (Role.MODERATOR, "moderator@demo.example.org", "Marco Rossi (demo moderator)", None),
    (Role.DELEGATE, "delegate@demo.example.org", "Elena Conti (demo delegate)", "campi-bisenzio"),
    (Role.DELEGATE, "delegate2@demo.example.org", "Salvatore Greco (demo delegate)", "ferla"),
    (Role.ATTENDEE, "attendee@demo.example.org", "Anna Nowak (demo attendee)", None),
]


#: The demo people who appear in the people directory: languages, topics (room slugs), bio.
DEMO_PROFILES = {
    "delegate@demo.example.org": (
        ["en", "it"],
        ["renewable-energy", "funding"],
        "Energy manager of the municipality: solar roofs on every school, and how we paid.",
    ),
    "delegate2@demo.example.org": (
        ["it", "en", "fr"],
        ["funding"],
        "Mayor's office. Looking for partners for a shared energy community.",
    ),
    "moderator@demo.example.org": (["it", "en", "de"], [], "Keeps the rooms friendly."),
}


def seed_demo() -> DemoSeed:
    """Load the demo event on first run, create what is missing of the demo, and describe it.

    An event already in the database is left as it is: an organizer may have
    loaded a real one, and `make run` must not overwrite it.
    """
    accounts_list = _seed_accounts()
    return DemoSeed(accounts_list, _seed_practices())


def _seed_accounts() -> list[DemoAccount]:
    if current_event() is None:
        load_event_file(current_app.config["DEMO_EVENT_FILE"])
    passwords_file = Path(current_app.instance_path) / "demo-accounts.json"
    passwords: dict[str, str] = (
        json.loads(passwords_file.read_text()) if passwords_file.exists() else {}
    )
    result = []
    for role, email, name, administration_slug in DEMO_PEOPLE:
        administration = None
        if administration_slug:
            try:
                administration = get_administration(administration_slug)
            except NotFound:
                continue  # another event was loaded: no demo delegate without its administration
        exists = db.session.scalar(sa.select(User.id).where(User.email == email)) is not None
        if not exists:
            passwords[email] = secrets.token_urlsafe(9)
            user = accounts.create_user(
                email=email,
                name=name,
                password=passwords[email],
                role=role,
                administration=administration,
            )
            _list_in_directory(user)
        result.append(
            DemoAccount(
                role=role.value,
                email=email,
                name=name,
                administration=administration.name if administration else None,
                password=passwords.get(email, "(set earlier, not known here)"),
            )
        )
    _write_private(passwords_file, json.dumps(passwords, indent=2))
    return result


def _list_in_directory(user: User) -> None:
    """Give a demo person their profile, so that the directory shows someone."""
    if user.email not in DEMO_PROFILES:
        return
    languages, topics, bio = DEMO_PROFILES[user.email]
    themes = {room.slug for room in list_rooms()}
    people.update_profile(
        user,
        listed=True,
        languages=languages,
        topics=[slug for slug in topics if slug in themes],
        bio=bio,
    )


def _seed_practices() -> int:
    """Write, submit and publish the demo practices that are missing; count the demo ones.

    They go through the same services as everyone's, by the demo delegates and
    the demo moderator, and only where those people and the themes exist.
    """
    with open(current_app.config["DEMO_PRACTICES_FILE"], "rb") as fh:
        specs = tomllib.load(fh)["practices"]
    moderator = _demo_user("moderator@demo.example.org")
    for spec in specs:
        existing = db.session.scalars(
            sa.select(Practice).where(Practice.is_demo.is_(True), Practice.title == spec["title"])
        ).first()
        author = _demo_user(spec["author"])
        editor = moderator or author  # a delegate's change to a published one waits for review
        if existing is not None and editor is not None:
            _add_language(existing, editor, spec.get("language"))
        if existing is not None or author is None or moderator is None:
            continue
        try:
            content = _demo_content(spec)
        except NotFound:
            continue  # another event was loaded: it has no such theme
        practice = practices.create_practice(author, content, is_demo=True)
        practices.submit_practice(practice, author)
        practices.publish_practice(practice, moderator)
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Practice).where(Practice.is_demo.is_(True))
        )
        or 0
    )


def _add_language(practice: Practice, editor: User, language: str | None) -> None:
    """Say the language of a demo practice seeded before practices said theirs."""
    if practice.language is not None or language is None:
        return
    content = practices.PracticeContent.of(practice)
    content.language = language
    try:
        practices.update_practice(practice, editor, content)
    except (Forbidden, Invalid):
        pass  # someone changed the demo since (a closed room, another role): leave it as it is


def _demo_user(email: str) -> User | None:
    return db.session.scalars(sa.select(User).where(User.email == email)).first()


def _demo_content(spec: dict[str, Any]) -> practices.PracticeContent:
    fields = {key: value for key, value in spec.items() if key not in {"author", "theme"}}
    fields["other_indicators"] = [
        practices.OtherIndicator(**item) for item in spec.get("other_indicators", [])
    ]
    return practices.PracticeContent(theme=get_room(spec["theme"]), **fields)


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text + "\n")
