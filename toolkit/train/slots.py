"""A process-wide, first-come-first-served limit on concurrent training.

One Streamlit server hosts a whole classroom: every session trains in the same process.
Each compiled chunk of epochs (about a quarter of a second) holds one *slot*; waiting
runs queue in arrival order, so a long run of one student cannot starve the others.
The number of slots is ``TOOLKIT_TRAINING_SLOTS`` or, by default, the CPU core count.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import os
import threading
from typing import Callable, Iterator

ENV_VAR = "TOOLKIT_TRAINING_SLOTS"


def default_capacity() -> int:
    raw = os.environ.get(ENV_VAR)
    if raw is None:
        return max(1, os.cpu_count() or 1)
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"`{ENV_VAR}` must be a positive integer, received {raw!r}.")
    return value


class SlotPool:
    """A FIFO semaphore that can report a waiter's place in the queue."""

    def __init__(self, capacity: int):
        if capacity < 1:
            raise ValueError(f"`capacity` must be >= 1, received capacity={capacity}.")
        self.capacity = capacity
        self._busy = 0
        self._queue: collections.deque[int] = collections.deque()
        self._tickets = itertools.count()
        self._cond = threading.Condition()

    @contextlib.contextmanager
    def slot(self, on_wait: Callable[[int], None] | None = None,
             poll: float = 0.25) -> Iterator[None]:
        """Holds one slot for the body; calls ``on_wait(position)`` while queued."""
        self._acquire(on_wait, poll)
        try:
            yield
        finally:
            with self._cond:
                self._busy -= 1
                self._cond.notify_all()

    def _acquire(self, on_wait, poll) -> None:
        with self._cond:
            ticket = next(self._tickets)
            self._queue.append(ticket)
            try:
                while self._queue[0] != ticket or self._busy >= self.capacity:
                    if on_wait is not None:
                        position = self._queue.index(ticket) + 1
                        self._cond.release()
                        try:
                            on_wait(position)
                        finally:
                            self._cond.acquire()
                    self._cond.wait(poll)
            finally:
                self._queue.remove(ticket)
                self._cond.notify_all()
            self._busy += 1

    def status(self) -> dict:
        with self._cond:
            return {"capacity": self.capacity, "busy": self._busy,
                    "waiting": len(self._queue)}


_POOL: SlotPool | None = None
_POOL_LOCK = threading.Lock()


def pool() -> SlotPool:
    """The process-wide pool, created on first use."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = SlotPool(default_capacity())
        return _POOL


def slots_status() -> dict:
    """``{"capacity", "busy", "waiting"}`` of the process-wide pool (for the sidebar)."""
    return pool().status()
