"""The record of one training run: per-epoch metrics, status, config and model.

A ``Run`` is what every page keeps, plots and exports. Its history is Keras-shaped
(``{"loss": array, "val_loss": array, ...}``, one value per finished epoch) so that
students can read it exactly like ``model.fit(...).history``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

STATUSES = ("pending", "running", "completed", "stopped", "diverged")
LEARNED_FRACTION = 0.95  # a run "learned" when its final loss is below 95% of its first


@dataclasses.dataclass
class Run:
    """One training run.

    Attributes:
        name: label shown in legends and tables.
        model: the (plain Keras) model that was trained.
        epochs: number of epochs requested.
        config: every hyperparameter that produced the run (see ``fit``).
        history: metric name -> per-epoch values (``val_`` prefix for validation).
        epochs_done: epochs finished so far.
        steps_done: optimizer steps taken so far (the first one is reported on its own,
            before the first epoch ends: ``Callback.on_first_step``).
        steps_per_epoch: optimizer steps in one epoch (0 until training starts).
        wall_time: seconds spent training (queue waiting excluded).
        status: one of ``pending, running, completed, stopped, diverged``.
        message: one sentence for people: why it stopped, what was restored.
        initial_weights: the weights before the first step (for bundles and comparisons).
    """

    name: str
    model: Any
    epochs: int
    config: dict = dataclasses.field(default_factory=dict)
    history: dict = dataclasses.field(default_factory=dict)
    epochs_done: int = 0
    steps_done: int = 0
    steps_per_epoch: int = 0
    wall_time: float = 0.0
    status: str = "pending"
    message: str = ""
    initial_weights: list | None = dataclasses.field(default=None, repr=False)

    @property
    def epochs_per_second(self) -> float:
        return self.epochs_done / self.wall_time if self.wall_time > 0 else 0.0

    @property
    def finished(self) -> bool:
        return self.status in ("completed", "stopped", "diverged")

    def snapshot(self) -> Run:
        """A cheap copy of the run's numbers without its model: what a display keeps.

        History arrays and the config are copied, so the snapshot does not change while
        the run goes on in another thread, and keeping it does not keep the model alive.
        """
        return dataclasses.replace(
            self, model=None, initial_weights=None, config=dict(self.config),
            history={key: np.array(values, copy=True) for key, values in self.history.items()})

    def learned(self, metric: str = "loss") -> bool | None:
        """Whether `metric` fell (below ``LEARNED_FRACTION`` of its first value); None if unknown.

        A finished run that did not learn is reported as such instead of "completed": its
        learning rate was too small or too large, or the model cannot fit the data.
        """
        values = self.history.get(metric)
        if values is None or len(values) < 2 or not np.all(np.isfinite(values[[0, -1]])):
            return None
        first, last = float(values[0]), float(values[-1])
        return last < first * LEARNED_FRACTION if first > 0 else last < first

    def final(self, metric: str = "loss") -> float:
        """Last recorded value of ``metric`` (NaN if never recorded)."""
        values = self.history.get(metric)
        return float(values[-1]) if values is not None and len(values) else math.nan

    def append_epochs(self, logs: dict[str, np.ndarray]) -> None:
        """Appends per-epoch arrays (one row per epoch) to the history."""
        for key, values in logs.items():
            old = self.history.get(key, np.zeros((0,), np.float32))
            self.history[key] = np.concatenate([old, np.asarray(values, np.float32)])

    def summary(self) -> dict:
        """One flat row for run tables: name, status, epochs, final metrics, speed."""
        row = {
            "run": self.name,
            "status": self.status,
            "epochs": self.epochs_done,
            "wall time (s)": round(self.wall_time, 2),
            "epochs/s": round(self.epochs_per_second, 1),
        }
        for key in self.history:
            row[key] = self.final(key)
        return row
