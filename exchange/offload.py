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

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

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
