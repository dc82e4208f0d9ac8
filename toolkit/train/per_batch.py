"""The per-batch path of ``fit``: ``model.fit`` itself, recorded into a ``Run``.

The compiled loop (``loop.py``) slices arrays it holds whole. A ``tf.data.Dataset``, a Python
generator or a ``keras.utils.PyDataset``, ``steps_per_epoch`` or ``validation_steps``, and
Keras callbacks that act inside an epoch get nothing from it, so ``fit`` hands them to
``model.fit`` (same data handling, same hooks, same history) with one more Keras callback,
``RunRecorder``. Between epochs the recorder does what the compiled path does between
chunks: records the epoch, holds a training slot during it, stops a diverged run (restoring
the weights of the epoch's start) and honours the stop flag and the toolkit callbacks.
"""

from __future__ import annotations

import contextlib
import time

import keras
import numpy as np

from toolkit.train import outcome
from toolkit.train.slots import pool


def fit_per_batch(run, fit_arguments: dict, keras_callbacks, progress, should_stop):
    """``run.model.fit(**fit_arguments)`` with ``keras_callbacks``, recorded into ``run``."""
    recorder = RunRecorder(run, progress, should_stop)
    try:
        run.model.fit(**fit_arguments, callbacks=[*keras_callbacks, recorder])
        outcome.mark_finished(run)
    finally:
        recorder.release_slot()
        outcome.mark_interrupted(run)
    for cb in progress:
        cb.on_end(run)
    return run


class RunRecorder(keras.callbacks.Callback):
    """Keeps a ``Run`` up to date from inside ``model.fit`` (the last callback of the list)."""

    def __init__(self, run, progress, should_stop):
        super().__init__()
        self.run, self.progress, self.should_stop = run, progress, should_stop
        self._slot = contextlib.ExitStack()
        self._snapshot, self._started = None, 0.0

    def on_train_begin(self, logs=None):
        self.run.initial_weights = [np.array(w) for w in self.model.get_weights()]
        self.run.status = "running"
        for cb in self.progress:
            cb.on_start(self.run)

    def on_epoch_begin(self, epoch, logs=None):
        self._slot.enter_context(pool().slot(on_wait=lambda p: [cb.on_queue(p) for cb in self.progress]))
        self._snapshot, self._started = self.model.get_weights(), time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        run = self.run
        run.wall_time += time.perf_counter() - self._started
        self.release_slot()
        run.append_epochs({key: [value] for key, value in (logs or {}).items()})
        run.epochs_done += 1
        if outcome.diverged(run):
            self.model.set_weights(self._snapshot)
            outcome.mark_diverged(run, restored=run.epochs_done - 1)
            self.model.stop_training = True
            return
        for cb in self.progress:
            cb.on_progress(run)
        if outcome.stop_requested(run, self.should_stop):
            self.model.stop_training = True
        elif self.model.stop_training:
            outcome.mark_stopped_by_callback(run)

    def release_slot(self) -> None:
        self._slot.close()
