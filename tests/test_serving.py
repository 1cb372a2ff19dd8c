"""What serving asks of the operating system and the interpreter: a listener that answers at
once, no garbage collection that walks what start-up made, and few that walk anything."""

import gc
import socket

from exchange.serving import LISTEN_BACKLOG
from exchange.serving import listening_socket
from exchange.serving import tune_garbage_collection
from exchange.serving import YOUNG_COLLECTION_THRESHOLD


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


def test_young_objects_are_collected_ten_times_less_often_than_python_would():
    # What a delivery makes lives until its socket wrote it: freed by reference counting
    # before a collection finds it alive and moves it on towards the oldest generation.
    before = gc.get_threshold()
    try:
        tune_garbage_collection()
        assert gc.get_threshold() == (YOUNG_COLLECTION_THRESHOLD, before[1], before[2])
        assert YOUNG_COLLECTION_THRESHOLD == 10 * 700
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_objects_made_at_start_up_are_left_out_of_later_garbage_collections():
    class Startup:
        """Stands for a module, a mapper or a compiled statement: made once, kept forever."""

    kept = Startup()
    assert any(obj is kept for obj in gc.get_objects())
    thresholds = gc.get_threshold()
    try:
        tune_garbage_collection()
        assert gc.get_freeze_count() > 0
        # A collection walks gc.get_objects(); the frozen ones are no longer among them.
        assert not any(obj is kept for obj in gc.get_objects())
        made_later = Startup()
        assert any(obj is made_later for obj in gc.get_objects())
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
