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

import contextlib
import importlib
import os
import pickle  # noqa: S403 - between this process and its own children only
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
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


class ProcessPool:
    """Kept child processes (``python -m exchange.offload``) that run plain functions.

    A native thread takes CPU work off the loop but not off the interpreter: pure
    Python work there (Markdown parsing, HTML cleaning) holds the GIL, and the loop
    waits for it at every socket operation of every request. A child process shares
    nothing: the loop only writes the call to a pipe and waits for the answer,
    cooperatively (the pipes of ``subprocess`` are green under eventlet and gevent).
    Calls and answers are pickled; functions are named by module and name, so they
    must be module-level, and their arguments and results plain values. Exceptions
    come back as the same class with the same attributes.
    """

    def __init__(self, size: int) -> None:
        self.children = [_Child() for _ in range(max(1, size))]
        self.turn = threading.Semaphore(len(self.children))  # green when patched

    def run(self, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        with self.turn:
            for child in self.children:
                if child.lock.acquire(blocking=False):
                    try:
                        return child.call(func, args, kwargs)  # type: ignore[no-any-return]
                    finally:
                        child.lock.release()
        raise RuntimeError("no free child although the semaphore let us in")  # pragma: no cover

    def stop(self) -> None:
        for child in self.children:
            child.stop()


class _Child:
    """One kept child process and the pipes to it; used by one caller at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None

    def call(self, func: Callable[..., Any], args: Any, kwargs: Any) -> Any:
        process = self._running()
        assert process.stdin is not None and process.stdout is not None
        try:
            _send(process.stdin, (func.__module__, func.__qualname__, args, kwargs))
            outcome, value = _receive(process.stdout)
        except (OSError, EOFError):
            self.stop()
            raise RuntimeError("an offload process stopped") from None
        if outcome == "ok":
            return value
        module, name, error_args, state = value
        kind = _named(module, name)
        error = kind.__new__(kind)  # as it was: its __init__ may take other arguments
        error.args = error_args
        error.__dict__.update(state)
        raise error

    def _running(self) -> subprocess.Popen[bytes]:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "exchange.offload"],
                cwd=Path(__file__).resolve().parents[1],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        return self.process

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            with contextlib.suppress(OSError):
                process.kill()
            process.wait()


def _send(stream: Any, value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(8, "big") + data)
    stream.flush()


def _receive(stream: Any) -> Any:
    size = int.from_bytes(_read_exactly(stream, 8), "big")
    return pickle.loads(_read_exactly(stream, size))  # noqa: S301 - our own child's answer


def _read_exactly(stream: Any, size: int) -> bytes:
    parts: list[bytes] = []
    while size:
        part = stream.read(size)
        if not part:
            raise EOFError
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


_pool: ProcessPool | None = None


def install_process_pool(pool: ProcessPool | None) -> None:
    """Send pure-Python CPU work to ``pool`` from now on (None: a native thread, or directly)."""
    global _pool
    _pool = pool


def run_in_process(func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run pure-Python CPU work in a child process when wsgi.py serves, else as
    :func:`run_off_loop` does. ``func`` must be a module-level function."""
    if _pool is None:
        return run_off_loop(func, *args, **kwargs)
    return _pool.run(func, *args, **kwargs)


def serve_calls(calls: Any, answers: Any) -> None:
    """The child's side: run each call it is sent and answer it, until its input ends."""
    while True:
        try:
            module, name, args, kwargs = _receive(calls)
        except EOFError:
            return
        try:
            answer: tuple[str, Any] = ("ok", _named(module, name)(*args, **kwargs))
        except Exception as error:
            kind = type(error)
            answer = ("error", (kind.__module__, kind.__qualname__, error.args, vars(error)))
        _send(answers, answer)


def _named(module: str, name: str) -> Any:
    found: Any = importlib.import_module(module)
    for part in name.split("."):
        found = getattr(found, part)
    return found


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


if __name__ == "__main__":
    # Answers go to the real standard output; anything else printed goes to the log.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    serve_calls(sys.stdin.buffer, answers)
