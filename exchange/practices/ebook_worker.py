"""The process that builds e-books for a server process, so that no build touches its loop.

A served process (``python wsgi.py``) starts one such worker the first time its
library's e-book needs building, keeps it, and sends it one JSON line per build
on its standard input: ``{"edition": "pdf", "locale": "it", "path": "..."}``. The
worker reads the library from the database itself, lays the book out, writes it
to ``path`` (atomically: readers of the folder never see half a file) and answers
one JSON line, ``{"ok": true}`` or ``{"ok": false, "error": "..."}``. It ends when
its server closes the pipe. It builds with the server's configuration (the same
``EXCHANGE_*`` environment, as ``flask --app wsgi`` commands do) at a lower CPU
priority, so that the server's own requests come first on a busy machine.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any
from typing import IO

from flask_babel import force_locale

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
#: How much lower than its server a worker runs (os.nice): builds wait, requests do not.
NICENESS = 10
#: A build still running after this many seconds is taken to be stuck: its worker is
#: killed, so that the builds waiting behind it go on (a new worker takes them).
BUILD_TIMEOUT = 1800.0


class Bindery:
    """A server process's handle on its worker: started on first use, restarted if it died.

    One build at a time: callers wait for the lock cooperatively (a green lock
    under eventlet), and the pipes are green too, so waiting holds no loop.
    """

    def __init__(
        self,
        command: tuple[str, ...] = (sys.executable, "-m", "exchange.practices.ebook_worker"),
        timeout: float = BUILD_TIMEOUT,
    ) -> None:
        self.command = command
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.lock = threading.Lock()

    def build(self, edition: str, locale: str, path: Path) -> None:
        """Have the worker write ``edition`` in ``locale`` to ``path``; raise if it could not."""
        job = json.dumps({"edition": edition, "locale": locale, "path": str(path)})
        with self.lock:
            process = self._running()
            assert process.stdin is not None and process.stdout is not None
            watchdog = threading.Timer(self.timeout, process.kill)  # green under eventlet
            watchdog.start()
            try:
                process.stdin.write(job.encode() + b"\n")
                process.stdin.flush()
                line = process.stdout.readline()
            except OSError:
                line = b""
            finally:
                watchdog.cancel()
            if not line:
                self.stop()
                raise RuntimeError("the e-book worker stopped")
        answer = json.loads(line)
        if not answer.get("ok"):
            raise RuntimeError(f"the e-book worker could not build: {answer.get('error')}")

    def _running(self) -> subprocess.Popen[bytes]:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            logger.info("e-book worker %r started", self.process.pid)
        return self.process

    def stop(self) -> None:
        """End the worker (closing its input ends it; a stuck one is killed)."""
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            if process.stdin is not None:
                process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def build_to(app: Any, edition: str, locale: str, path: Path) -> None:
    """Build one edition in ``locale`` from the database and write it to ``path``.

    The workers of a site's processes share the folder: the first to ask for a
    file builds it while the others wait on its lock, then find it written.
    """
    from .ebook import export  # ebook imports this module for its Bindery

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f"{path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a plain process: blocking holds no loop
        if path.exists():
            return
        with app.test_request_context(), force_locale(locale):
            data = export(edition).data
        part = path.with_name(f"{path.name}.{os.getpid()}.part")
        part.write_bytes(data)
        os.replace(part, path)


def serve(app: Any, jobs: IO[str], answers: IO[str]) -> None:
    """Answer each job line with one answer line until the input ends."""
    for line in jobs:
        job = json.loads(line)
        try:
            build_to(app, job["edition"], job["locale"], Path(job["path"]))
            answer: dict[str, Any] = {"ok": True}
        except Exception as error:
            logger.exception("e-book %s (%s) not built", job["edition"], job["locale"])
            answer = {"ok": False, "error": repr(error)}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


def main() -> int:
    # Answers go to the real standard output; anything else printed goes to the log.
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    # Only the worker builds an app here; server processes import this module for Bindery.
    from exchange import create_app

    app = create_app(
        {
            "ASYNC_MODE": "threading",  # nothing is patched here
            "BACKGROUND_TASKS": False,
            "EBOOK_WORKER": False,
            "LOG_LEVEL": os.environ.get("EXCHANGE_LOG_LEVEL", "WARNING"),
        }
    )
    serve(app, sys.stdin, answers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
