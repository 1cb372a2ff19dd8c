"""What serving needs from the operating system and the interpreter: enough open files, a
listening socket, and a garbage collector that does not pause the loop.

wsgi.py chooses the server loop (eventlet or gevent) and patches the standard
library first; these functions use the standard library only, so they work the
same whichever loop patched it.
"""

from __future__ import annotations

import gc
import logging
import resource
import socket

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
