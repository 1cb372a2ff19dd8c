"""What serving needs from the operating system and the interpreter: enough open files, a
listening socket, a garbage collector that does not pause the loop, and memory given back
after a burst.

wsgi.py chooses the server loop (eventlet or gevent) and patches the standard
library first; these functions use the standard library only, so they work the
same whichever loop patched it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import resource
import socket
from collections.abc import Callable

logger = logging.getLogger(__name__)


def raise_open_file_limit(connections: int) -> None:
    """Let this process hold a socket for every connection it accepts, and files besides.

    Many systems start processes with a soft limit of 1,024 open files, which
    would cap connections long before eventlet's ``max_size`` does; the soft
    limit may be raised up to the hard one without privileges.
    """
    wanted = connections + 256  # the database, log files, Redis, the listening socket
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    if soft != resource.RLIM_INFINITY and soft < wanted:
        logger.warning(
            "only %d open files allowed (hard limit); fewer than %d connections will fit",
            soft,
            connections,
        )


#: Connections the kernel may hold for us before we accept them: a room full of people
#: reconnecting at once after a restart must not find the door shut (eventlet's is 50).
LISTEN_BACKLOG = 1024


def listening_socket(host: str, port: int) -> socket.socket:
    """Listen on ``host:port``; the connections accepted send small frames at once.

    Without TCP_NODELAY, an acknowledgement written right after a broadcast to
    the same socket waits for the client's delayed TCP acknowledgement, up to
    40 ms (Nagle's algorithm); Linux gives accepted sockets the listener's option.
    """
    family, kind, protocol, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listener = socket.socket(family, kind, protocol)  # eventlet's or gevent's, once patched
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind(address)
    listener.listen(LISTEN_BACKLOG)
    return listener


#: Allocations (less deallocations) between two collections of the youngest generation;
#: Python's default is 700. See :func:`tune_garbage_collection`.
YOUNG_COLLECTION_THRESHOLD = 7000


def tune_garbage_collection() -> None:
    """Keep the objects made at start-up out of every later garbage collection, and
    collect the young generation ten times less often.

    A served process holds hundreds of thousands of long-lived objects (modules,
    SQLAlchemy's mappers and compiled statements, translations) that never become
    garbage. Python's oldest-generation collection walks all of them, and under
    eventlet or gevent nothing else runs meanwhile: a chat room measured a pause of
    over 100 ms several times a minute. Frozen, they are never walked again, and a
    collection only walks what was made since.

    Every delivery makes a few objects that live until its socket has written it,
    often longer than Python's default 700 allocations between young collections:
    those collections found them alive and moved them on, until the oldest generation
    was due, every 2.5 s in a busy room of 200 and every 5.5 s in a plenary of 1,000
    (16 and 80 ms a pause). With 7,000, reference counting frees them before any
    collection sees them: in 30 s of the busy room the oldest generation was not
    collected once (16 times before), and in ``make bench`` the plenary's delivery p99
    fell from 131 to 80 ms, the busy room's from 37 to 30 ms, and the server's CPU by
    a tenth, for 7% more memory per client (docs/performance.md). Each young
    collection walks at most ten times more objects, a millisecond or two.
    """
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, middle, oldest)
    logger.debug(
        "%d objects made at start-up are left out of garbage collection", gc.get_freeze_count()
    )


#: Memory freed to C's allocator, in KiB, after which it is given back to the system
#: (:class:`HeapTrimmer`): about what a dozen joins leave behind.
HEAP_TRIM_FREED_KIB = 1024


class HeapTrimmer:
    """Give the pages C's allocator holds free back to the system once a burst freed them.

    A join builds the room's last fifty messages (their rows, objects and JSON) and
    its acknowledgement of about 55 KB, which the socket's writer keeps until it sends
    that socket its next packet; glibc's allocator keeps what they freed for later
    instead of returning it, scattered as it is among pages still in use. Once 200
    people had joined a busy room, that was about 40 KiB of the 150 that each of them
    seemed to cost (docs/performance.md); ``malloc_trim`` returns it, in about a
    millisecond for a process of 250 MiB.

    :meth:`check` runs every ``EXCHANGE_HEAP_TRIM_INTERVAL`` seconds: it asks the
    allocator how much it holds free (``mallinfo2``, a walk of its free lists, tens of
    microseconds) and trims when that grew by :data:`HEAP_TRIM_FREED_KIB` since the
    last trim, or since the least it held after it: not while what is freed is taken
    again at once, as in a busy room once everyone is in.
    """

    def __init__(
        self,
        trim: Callable[[], object],
        free_kib: Callable[[], int],
        freed_kib: int = HEAP_TRIM_FREED_KIB,
    ) -> None:
        self.trim = trim
        self.free_kib = free_kib
        self.freed_kib = freed_kib
        self.baseline_kib = free_kib()
        #: Trims done, for the curious and the tests.
        self.trims = 0

    def check(self) -> bool:
        """Trim if enough was freed since the last trim; say whether it did."""
        now = self.free_kib()
        if now - self.baseline_kib < self.freed_kib:
            self.baseline_kib = min(self.baseline_kib, now)
            return False
        self.trim()
        self.baseline_kib = now  # trimmed pages stay free to the allocator, if unbacked
        self.trims += 1
        return True

    def run(self, interval: float, sleep: Callable[[float], object]) -> None:
        """Check every ``interval`` seconds, for as long as the process serves."""
        while True:
            sleep(interval)
            try:
                self.check()
            except Exception:  # pragma: no cover - a failed trim must not end the loop
                logger.exception("could not give the heap's free memory back")


class _MallInfo2(ctypes.Structure):
    """glibc's ``struct mallinfo2`` (2.33 and later): sizes in bytes."""

    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd",
            "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
        )
    ]  # fmt: skip


def heap_trimmer() -> HeapTrimmer | None:
    """A trimmer for this process, or None where there is nothing to call: ``malloc_trim``
    and ``mallinfo2`` are glibc's (2.33 and later), not musl's, macOS's or Windows's."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    libc = ctypes.CDLL(name)
    if not (hasattr(libc, "malloc_trim") and hasattr(libc, "mallinfo2")):
        return None
    malloc_trim = libc.malloc_trim
    malloc_trim.argtypes = [ctypes.c_size_t]
    malloc_trim.restype = ctypes.c_int
    mallinfo2 = libc.mallinfo2
    mallinfo2.argtypes = []
    mallinfo2.restype = _MallInfo2
    return HeapTrimmer(lambda: malloc_trim(0), lambda: int(mallinfo2().fordblks) // 1024)
