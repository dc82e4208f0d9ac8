"""Callbacks of the toolkit trainer: the one progress protocol, and Keras's callbacks.

The trainer calls toolkit callbacks between compiled chunks of epochs, never inside a step,
so they cost nothing per batch. A plain callable is treated as ``on_progress``. Anything that
watches a run (a page's live panel, a dead-unit monitor, a sample grid) is a ``Callback``;
when its work is costly it is wrapped in ``Throttle``, the one rate limit of the project.

``fit`` also takes any ``keras.callbacks.Callback``, called through ``KerasHooks`` at
Keras's hooks with Keras's logs, one compiled epoch at a time. A Keras callback that acts
inside an epoch (per batch, or around the validation pass: ``acts_within_epochs``) makes
``fit`` train through ``model.fit`` itself, so it sees every batch as it expects.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Callable

import keras
import numpy as np

from toolkit.validation import check_choice


class Callback:
    """Base class: override the hooks you need."""

    def on_start(self, run) -> None:
        """Called once, before the first chunk, with the empty run."""

    def on_progress(self, run) -> None:
        """Called after every compiled chunk with the run so far."""

    def on_first_step(self, run) -> None:
        """Called once after the first optimizer step of a fresh model (``run.steps_done`` is 1),
        while the rest of its training loop compiles: training has begun, no epoch has ended."""

    def on_queue(self, position: int) -> None:
        """Called while the run waits for a training slot (1 = next in line)."""

    def on_end(self, run) -> None:
        """Called once with the finished run (completed, stopped or diverged)."""


class Throttle(Callback):
    """Passes ``on_progress`` (and ``on_queue``) to `callback` at most every `seconds`.

    ``on_start``, ``on_first_step`` and ``on_end`` always pass, and so does the first progress
    report, so a watcher sees the first chunk at once and the final state always. `callback` may be a
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

    def on_first_step(self, run) -> None:
        self.callback.on_first_step(run)

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


def split_callbacks(callbacks) -> tuple[list[Callback], list]:
    """``fit``'s ``callbacks`` as (toolkit Callbacks, ``keras.callbacks.Callback`` objects)."""
    if callbacks is None:
        return [], []
    if isinstance(callbacks, keras.callbacks.Callback):
        return [], [callbacks]
    if isinstance(callbacks, Callback) or callable(callbacks):
        callbacks = [callbacks]
    is_keras = [isinstance(cb, keras.callbacks.Callback) for cb in callbacks]
    return (as_callbacks([cb for cb, k in zip(callbacks, is_keras) if not k]),
            [cb for cb, k in zip(callbacks, is_keras) if k])


_WITHIN_EPOCH_HOOKS = ("on_batch_begin", "on_batch_end", "on_train_batch_begin",
                       "on_train_batch_end", "on_test_begin", "on_test_end",
                       "on_test_batch_begin", "on_test_batch_end")


def acts_within_epochs(callback) -> bool:
    """True for a Keras callback that must see each batch, or wrap the validation pass.

    ``ProgbarLogger`` and ``TerminateOnNaN`` are content with one call an epoch (the
    compiled loop itself stops at a non-finite loss), and so is ``ModelCheckpoint``
    with ``save_freq="epoch"`` (its default).
    """
    if isinstance(callback, (keras.callbacks.ProgbarLogger, keras.callbacks.TerminateOnNaN,
                             keras.callbacks.History)):
        return False
    if isinstance(callback, keras.callbacks.ModelCheckpoint):
        return callback.save_freq != "epoch"
    return any(getattr(getattr(callback, hook), "__func__", None)
               is not getattr(keras.callbacks.Callback, hook) for hook in _WITHIN_EPOCH_HOOKS)


def resolve_verbose(verbose, caller: str = "__main__") -> int:
    """``verbose`` as 0, 1 or 2; "auto" is 1 (a progress bar) for a call typed in a notebook.

    ``model.fit`` reads "auto" as 1 everywhere. Here it is 1 in a notebook, IPython or the
    Python prompt, and 0 in scripts, tests and the app (whose pages show their own progress)
    and when ``caller``, the module calling ``fit``, is the toolkit's own (``compare``, a
    chapter's training function): their runs are the toolkit's business, not the user's call.
    """
    if check_choice("verbose", verbose, ("auto", 0, 1, 2)) == "auto":
        return 1 if _interactive() and not caller.startswith("toolkit.") else 0
    return int(verbose)


def _interactive() -> bool:
    ipython = sys.modules.get("IPython")
    return hasattr(sys, "ps1") or (ipython is not None and ipython.get_ipython() is not None)


class KerasHooks:
    """Keras callbacks called at Keras's hooks with Keras's logs, one compiled epoch at a time.

    An epoch is one compiled call, so its batch hooks are called once: ``on_train_batch_begin(0)``
    before it and ``on_train_batch_end(steps - 1, logs)`` after it, with the epoch's logs (what
    a progress bar and ``TerminateOnNaN`` read). ``on_epoch_end`` gets the training and ``val_``
    logs, and may add to them (``ReduceLROnPlateau`` adds ``learning_rate``): ``epoch_end``
    returns the logs as the callbacks left them, which is what ``model.fit``'s history records.
    With no callbacks and ``verbose=0`` nothing is called and ``active`` is False.
    """

    def __init__(self, callbacks, model, *, verbose: int, epochs: int, steps: int | None):
        self.active = bool(callbacks) or verbose != 0
        self._steps = steps
        self._seen = _EpochLogs()
        self._list = keras.callbacks.CallbackList(
            [*callbacks, self._seen], add_progbar=verbose != 0, model=model,
            verbose=verbose, epochs=epochs, steps=steps) if self.active else None

    def train_begin(self) -> None:
        if self.active:
            self._list.on_train_begin()

    def epoch_begin(self, epoch: int) -> None:
        if self.active:
            self._list.on_epoch_begin(epoch)
            self._list.on_train_batch_begin(0)

    def epoch_end(self, epoch: int, logs: dict) -> dict:
        """Calls the end-of-epoch hooks with ``logs`` (floats); returns them as recorded."""
        if not self.active:
            return logs
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        self._list.on_train_batch_end(self._steps - 1, train)
        self._list.on_epoch_end(epoch, logs)
        return self._seen.logs

    def train_end(self) -> None:
        if self.active:
            self._list.on_train_end(self._seen.logs)


class _EpochLogs(keras.callbacks.Callback):
    """The last one in the list: keeps the epoch's logs as the other callbacks left them."""

    def __init__(self):
        super().__init__()
        self.logs = None

    def on_epoch_end(self, epoch, logs=None):
        self.logs = dict(logs or {})


class EpochClock(Callback):
    """Records, per run name, the training seconds at the end of every epoch (for figures against time)."""

    def __init__(self):
        self.seconds: dict[str, np.ndarray] = {}

    def on_start(self, run) -> None:
        self.seconds[run.name] = np.zeros(0)

    def on_progress(self, run) -> None:
        done = self.seconds[run.name]
        new = run.epochs_done - len(done)
        if new > 0:  # a chunk of several epochs: spread its time evenly
            last = done[-1] if len(done) else 0.0
            self.seconds[run.name] = np.concatenate(
                [done, np.linspace(last, run.wall_time, new + 1)[1:]])
