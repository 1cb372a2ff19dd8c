"""What serving asks of the operating system and the interpreter: a listener that answers at
once, no garbage collection that walks what start-up made, few that walk anything, and the
memory a burst left free given back."""

import gc
import resource
import socket

from exchange.serving import HEAP_TRIM_FREED_KIB
from exchange.serving import heap_trimmer
from exchange.serving import HeapTrimmer
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


def resident_kib() -> int:
    """This process's resident memory in KiB, from Linux's ``/proc/self/statm``."""
    with open("/proc/self/statm", "rb") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() // 1024


class Allocator:
    """Stands for C's allocator: what it holds free, set by the test, and the trims asked of it."""

    def __init__(self, free_kib: int) -> None:
        self.free_kib = free_kib
        self.trims = 0

    def trim(self) -> None:
        # Trimmed pages go back to the system but stay free in the allocator's lists.
        self.trims += 1


def test_the_heap_is_trimmed_once_a_burst_freed_a_megabyte_and_not_while_memory_is_reused():
    allocator = Allocator(free_kib=2_000)
    trimmer = HeapTrimmer(allocator.trim, lambda: allocator.free_kib)
    assert not trimmer.check()  # nothing happened yet
    allocator.free_kib += HEAP_TRIM_FREED_KIB - 1
    assert not trimmer.check()
    allocator.free_kib += 9_000  # a crowd joined, and their acknowledgements went out
    assert trimmer.check()
    assert allocator.trims == trimmer.trims == 1
    for _ in range(10):  # a busy room once everyone is in: what is freed is taken again
        allocator.free_kib -= 500
        assert not trimmer.check()
        allocator.free_kib += 500
        assert not trimmer.check()
    assert allocator.trims == 1


def test_freed_memory_counts_from_the_least_the_allocator_held_since_the_last_trim():
    allocator = Allocator(free_kib=10_000)
    trimmer = HeapTrimmer(allocator.trim, lambda: allocator.free_kib)
    allocator.free_kib -= 8_000  # new connections took what was free
    assert not trimmer.check()
    allocator.free_kib += HEAP_TRIM_FREED_KIB  # less than was free at first, but freed since
    assert trimmer.check()


def test_on_linux_with_glibc_the_freed_memory_of_a_burst_goes_back_to_the_system():
    trimmer = heap_trimmer()
    assert trimmer is not None  # the exchange is served on Linux with glibc 2.33 or later
    # Blocks of 5,000 bytes come from malloc (not Python's small-object allocator); one
    # kept in a hundred holds each stretch of the heap, as a connection's objects hold
    # the pages among a join's garbage, so that free() alone gives nothing back.
    burst = [b"x" * 5_000 for _ in range(40_000)]
    kept = burst[::100]
    before = resident_kib()
    del burst
    assert resident_kib() > before - 50_000
    assert trimmer.check()
    assert resident_kib() < before - 100_000
    assert not trimmer.check()  # nothing freed since
    assert len(kept) == 400
