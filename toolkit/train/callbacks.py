"""Callbacks of the toolkit trainer: the one progress protocol.

The trainer calls them between compiled chunks of epochs, never inside a step, so they
cost nothing per batch. A plain callable is treated as ``on_progress``. Anything that
watches a run (a page's live panel, a dead-unit monitor, a sample grid) is a ``Callback``;
when its work is costly it is wrapped in ``Throttle``, the one rate limit of the project.
"""

from __future__ import annotations

import threading
import time
from typing import Callable


class Callback:
    """Base class: override the hooks you need."""

    def on_start(self, run) -> None:
        """Called once, before the first chunk, with the empty run."""

    def on_progress(self, run) -> None:
        """Called after every compiled chunk with the run so far."""

    def on_queue(self, position: int) -> None:
        """Called while the run waits for a training slot (1 = next in line)."""

    def on_end(self, run) -> None:
        """Called once with the finished run (completed, stopped or diverged)."""


class Throttle(Callback):
    """Passes ``on_progress`` (and ``on_queue``) to `callback` at most every `seconds`.

    ``on_start`` and ``on_end`` always pass, and so does the first progress report, so a
    watcher sees the first chunk at once and the final state always. `callback` may be a
    ``Callback`` or a plain function of the run.
    """

    def __init__(self, callback, seconds: float = 0.25):
        if not (isinstance(seconds, (int, float)) and seconds >= 0):
            raise ValueError(f"`seconds` must be a number >= 0, received seconds={seconds!r}.")
        (self.callback,) = as_callbacks(callback)
        self.seconds = float(seconds)
        self._last = None

    def due(self) -> bool:
        """True (and the clock restarts) when `seconds` have passed since the last pass."""
        now = time.monotonic()
        if self._last is not None and now - self._last < self.seconds:
            return False
        self._last = now
        return True

    def on_start(self, run) -> None:
        self._last = None
        self.callback.on_start(run)

    def on_progress(self, run) -> None:
        if self.due():
            self.callback.on_progress(run)

    def on_queue(self, position: int) -> None:
        self.callback.on_queue(position)

    def on_end(self, run) -> None:
        self.callback.on_end(run)


class _FunctionCallback(Callback):
    def __init__(self, fn: Callable):
        self.fn = fn

    def on_progress(self, run) -> None:
        self.fn(run)


def as_callbacks(callbacks) -> list[Callback]:
    """Normalizes ``callbacks`` (None, one item, or a sequence) to Callback objects."""
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback) or callable(callbacks):
        callbacks = [callbacks]
    out = []
    for cb in callbacks:
        if isinstance(cb, Callback):
            out.append(cb)
        elif callable(cb):
            out.append(_FunctionCallback(cb))
        else:
            raise TypeError(
                f"`callbacks` must hold toolkit.train.Callback objects or callables, "
                f"received {type(cb).__name__}."
            )
    return out


def as_stop_predicate(stop) -> Callable[[], bool]:
    """``stop`` may be None, a threading.Event or a callable returning bool."""
    if stop is None:
        return lambda: False
    if isinstance(stop, threading.Event):
        return stop.is_set
    if callable(stop):
        return lambda: bool(stop())
    raise TypeError(
        f"`stop` must be a threading.Event or a callable, received {type(stop).__name__}."
    )
