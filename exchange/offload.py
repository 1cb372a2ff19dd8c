"""Run CPU-heavy work where it does not hold the event loop.

Under eventlet or gevent every request and socket event of a process shares one
loop: decoding a large image or checking an archive on it would stall every
connection for as long. ``wsgi.py`` installs a runner that moves such work to a
native thread (eventlet's ``tpool.execute``, gevent's threadpool), where Pillow,
zlib and hashlib release the GIL while they work. Everywhere else (the
``flask`` command, the tests, threading mode) there is no loop to protect and
the work runs directly.

The work must not touch the database session, the request or ``g``: give it
plain values and take plain values back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from typing import ParamSpec
from typing import TypeVar

P = ParamSpec("P")
T = TypeVar("T")

#: Runs ``func(*args, **kwargs)`` in a native thread and waits for it cooperatively.
Runner = Callable[..., Any]

_runner: Runner | None = None


def install_runner(runner: Runner | None) -> None:
    """Send CPU-heavy work to ``runner`` from now on (None: run it directly)."""
    global _runner
    _runner = runner


def run_off_loop(func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run CPU-heavy work where it does not hold the event loop: a native thread when
    wsgi.py serves under eventlet or gevent, directly otherwise."""
    if _runner is None:
        return func(*args, **kwargs)
    return _runner(func, *args, **kwargs)  # type: ignore[no-any-return]


def let_others_run() -> None:
    """Let the loop serve other connections before going on with long work done in pieces.

    ``time.sleep`` is what eventlet and gevent patch into a switch to their loop;
    in threading mode it lets other threads have the interpreter.
    """
    time.sleep(0)


class CooperativeInput:
    """A request body read in pieces, letting the loop serve others after each piece.

    A large body sent over a fast link is always ready to read, so reading and
    parsing it would otherwise never give the loop a turn: a 10 MB upload would
    hold every other connection of the process until it was parsed.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        data: bytes = self._stream.read(size)
        let_others_run()
        return data

    def readline(self, size: int = -1) -> bytes:
        line: bytes = self._stream.readline(size)
        return line

    def __iter__(self) -> Any:
        return iter(self.readline, b"")

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


def cooperative_bodies(wsgi_app: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a WSGI app so that request bodies are read cooperatively (:class:`CooperativeInput`)."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("REQUEST_METHOD") in {"POST", "PUT", "PATCH"} and "wsgi.input" in environ:
            environ["wsgi.input"] = CooperativeInput(environ["wsgi.input"])
        return wsgi_app(environ, start_response)

    return app
