"""Callbacks of the toolkit trainer.

The trainer calls them between compiled chunks of epochs, never inside a step, so they
cost nothing per batch. A plain callable is treated as ``on_progress``.
"""

from __future__ import annotations

import threading
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
