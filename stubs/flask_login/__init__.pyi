# Flask-Login 0.6, only the names the exchange imports.
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from typing import TypeVar

from flask import Flask

_Loader = TypeVar("_Loader", bound=Callable[[str], Any])

class LoginManager:
    login_view: str | None
    session_protection: str | None
    def __init__(self, app: Flask | None = ..., add_context_processor: bool = ...) -> None: ...
    def init_app(self, app: Flask, add_context_processor: bool = ...) -> None: ...
    def user_loader(self, callback: _Loader) -> _Loader: ...

# A proxy to the signed-in user or the anonymous user: either our User or Flask-Login's
# AnonymousUserMixin, so code narrows it with is_authenticated before using it.
current_user: Any

def login_user(
    user: Any,
    remember: bool = ...,
    duration: timedelta | None = ...,
    force: bool = ...,
    fresh: bool = ...,
) -> bool: ...
def logout_user() -> bool: ...

class AnonymousUserMixin:
    @property
    def is_authenticated(self) -> bool: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def is_anonymous(self) -> bool: ...
    def get_id(self) -> None: ...
