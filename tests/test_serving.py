"""What serving asks of the operating system: a listener that answers at once."""

import socket

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
