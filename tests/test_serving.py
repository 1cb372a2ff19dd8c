"""What serving asks of the operating system and the interpreter: a listener that answers at
once, and no garbage collection that walks what start-up made."""

import gc
import socket

from exchange.serving import freeze_startup_objects
from exchange.serving import LISTEN_BACKLOG
from exchange.serving import listening_socket


def test_the_listener_sends_small_frames_at_once_and_queues_a_crowd():
    listener = listening_socket("127.0.0.1", 0)
    try:
        assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert LISTEN_BACKLOG >= 1024  # a room reconnecting at once after a restart
        client = socket.create_connection(listener.getsockname())
        accepted, _ = listener.accept()
        # What the server writes on an accepted connection is not held back (Nagle).
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        accepted.close()
        client.close()
    finally:
        listener.close()


def test_objects_made_at_start_up_are_left_out_of_later_garbage_collections():
    class Startup:
        """Stands for a module, a mapper or a compiled statement: made once, kept forever."""

    kept = Startup()
    assert any(obj is kept for obj in gc.get_objects())
    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() > 0
        # A collection walks gc.get_objects(); the frozen ones are no longer among them.
        assert not any(obj is kept for obj in gc.get_objects())
        made_later = Startup()
        assert any(obj is made_later for obj in gc.get_objects())
    finally:
        gc.unfreeze()
