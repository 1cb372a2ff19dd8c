"""What files can be attached to, and who may read them there.

Each kind of owner (a chat message; later a practice, a session) is registered
once, in create_app, by the feature it belongs to. It says how to find an
owner by id, who may attach files to it, who may read it (and so its files),
how many files it may carry, and where to tell open pages that one of its
files was hidden. The files package knows no feature: features build on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask import Flask


@dataclass(frozen=True)
class OwnerKind:
    """The rules of one kind of owner, stored as ``files.owner_type = name``."""

    name: str
    #: The owner's model; an instance of it is what ``attach_files`` is given.
    model: type[Any]
    #: The setting holding the most files one owner may carry.
    limit_setting: str
    #: May this signed-in person attach files to this owner?
    may_attach: Callable[[Any, Any], bool]
    #: May this person (possibly anonymous) read this owner, and so its files?
    #: Hidden owners answer no to everyone but moderators and organizers.
    may_read: Callable[[Any, Any], bool]
    #: The Socket.IO room that shows this owner, to tell of a hidden file (or None).
    channel: Callable[[Any], str | None] = lambda owner: None

    def limit(self) -> int:
        return int(current_app.config[self.limit_setting])


class OwnerKinds:
    """The owner kinds of one application."""

    def __init__(self) -> None:
        self.by_name: dict[str, OwnerKind] = {}

    def register(self, kind: OwnerKind) -> None:
        if kind.name in self.by_name:
            raise ValueError(f"owner kind {kind.name!r} is registered twice")
        self.by_name[kind.name] = kind

    def named(self, name: str) -> OwnerKind:
        return self.by_name[name]

    def of(self, owner: Any) -> OwnerKind:
        for kind in self.by_name.values():
            if isinstance(owner, kind.model):
                return kind
        raise LookupError(f"files cannot be attached to a {type(owner).__name__}")


def init_app(app: Flask) -> None:
    app.extensions["exchange.files.owners"] = OwnerKinds()


def register(app: Flask, kind: OwnerKind) -> None:
    """Let files be attached to owners of ``kind`` (called from create_app)."""
    app.extensions["exchange.files.owners"].register(kind)


def owner_kinds() -> OwnerKinds:
    return current_app.extensions["exchange.files.owners"]  # type: ignore[no-any-return]
