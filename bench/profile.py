"""Where a server process spends its time: py-spy sampling it from outside, during a scenario.

py-spy reads the stacks of a running process without changing it (it needs
ptrace rights: root, or ``kernel.yama.ptrace_scope=0``). Idle samples (the
event loop waiting in epoll) are left out by py-spy, so the busy share says how
much of one core the process used, and the percentages below say on what.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

logger = logging.getLogger(__name__)

RATE = 100  # samples per second


@dataclass
class Profile:
    """Samples of one process: the frames that ran themselves, and those on the stack."""

    seconds: float
    samples: int
    #: Frame "function (file)" -> samples where it was running itself (the leaf).
    own: Counter[str] = field(default_factory=Counter)
    #: Frame -> samples where it was anywhere on the stack.
    total: Counter[str] = field(default_factory=Counter)

    @property
    def busy_share(self) -> float:
        """Busy samples over all samples py-spy could take: the share of one core used."""
        return self.samples / max(1.0, self.seconds * RATE)

    def top(self, counter: Counter[str], count: int = 12) -> list[tuple[str, float]]:
        return [(frame, 100 * n / max(1, self.samples)) for frame, n in counter.most_common(count)]


def py_spy() -> str | None:
    """The py-spy program beside this Python (the virtual environment's), or on the PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


class Profiler:
    """Sample a process for a while with py-spy, in the background."""

    def __init__(self, pid: int, seconds: float, output: Path) -> None:
        self.pid = pid
        self.seconds = seconds
        self.output = output
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Profiler:
        program = py_spy()
        if program is None:
            logger.warning(
                "py-spy is not installed: no profile (pip install -r requirements-dev.txt)"
            )
            return self
        command = [program, "record", "--pid", str(self.pid), "--duration", str(int(self.seconds))]
        command += ["--rate", str(RATE), "--format", "raw", "--nolineno", "--nonblocking"]
        command += ["--output", str(self.output)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self

    def finish(self) -> Profile | None:
        if self.process is None:
            return None
        try:
            _, errors = self.process.communicate(timeout=self.seconds + 30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, errors = self.process.communicate()
        if not self.output.exists():
            logger.warning("py-spy wrote no profile: %s", errors.decode(errors="replace")[-500:])
            return None
        return parse(self.output.read_text(errors="replace"), self.seconds)


def parse(collapsed: str, seconds: float) -> Profile:
    """Read py-spy's raw output: one ``frame;frame;...;frame COUNT`` line per distinct stack."""
    profile = Profile(seconds=seconds, samples=0)
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_short(frame) for frame in stack.split(";")[1:]]  # the first is the thread
        if not frames:
            continue
        profile.samples += count
        profile.own[frames[-1]] += count
        for frame in set(frames):
            profile.total[frame] += count
    return profile


def _short(frame: str) -> str:
    """Shorten a frame's path: ``on_send (/srv/x/exchange/rooms/events.py)`` -> ``exchange/...``."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    for marker in ("site-packages/", "/exchange/", "/bench/", "/lib/python3"):
        if marker in where:
            head, _, tail = where.partition(marker)
            prefix = "" if marker == "site-packages/" else marker.strip("/") + "/"
            if marker == "/lib/python3":
                prefix, tail = "stdlib/", tail.partition("/")[2]
            where = prefix + tail
            break
    return f"{name} ({where})" if where else name
