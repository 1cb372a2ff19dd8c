# Flask-WTF 1.3's CSRF protection, only the names the exchange imports.
from collections.abc import Callable
from typing import Any
from typing import TypeVar

from flask import Flask
from werkzeug.exceptions import BadRequest

_View = TypeVar("_View", bound=Callable[..., Any])

class CSRFProtect:
    def __init__(self, app: Flask | None = ...) -> None: ...
    def init_app(self, app: Flask) -> None: ...
    def exempt(self, view: _View) -> _View: ...

class CSRFError(BadRequest): ...
