"""Values a process keeps while the database says they still hold.

Each value is kept with the stamp it was made from (a row as it was read, a version
that triggers move on) and given back only for the same stamp: reading the stamp
is the caller's, so nothing has to be invalidated and nothing is missed whichever
process, command or tool changed the database.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class StampedCache(Generic[K, V]):
    """The last value made per key, with its stamp; the least recently used go first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.entries: OrderedDict[K, tuple[Hashable, V]] = OrderedDict()
        #: How often a value was given back, or had to be made anew: for the curious and tests.
        self.hits = 0
        self.misses = 0

    def get(self, key: K, stamp: Hashable) -> V | None:
        """The value kept for ``key`` if it was made from ``stamp``, else None."""
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry[0] != stamp:
                self.misses += 1
                return None
            self.entries.move_to_end(key)
            self.hits += 1
            return entry[1]

    def put(self, key: K, stamp: Hashable, value: V) -> None:
        with self.lock:
            self.entries[key] = (stamp, value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
