"""The demo event and its demo accounts, for trying the exchange on a laptop."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from .accounts import services as accounts
from .accounts.models import Role, User
from .errors import NotFound
from .event.services import current_event, get_administration, load_event_file
from .extensions import db


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


def seed_demo() -> list[DemoAccount]:
    """Load the demo event on first run, create missing demo accounts, and return all of them.

    An event already in the database is left as it is: an organizer may have
    loaded a real one, and `make run` must not overwrite it.
    """
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
            accounts.create_user(
                email=email,
                name=name,
                password=passwords[email],
                role=role,
                administration=administration,
            )
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


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text + "\n")
