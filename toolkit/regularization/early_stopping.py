"""Early stopping: stop training when the validation performance starts to deteriorate.

The training loss keeps falling as the network specializes on its training data, while the
validation loss, after a while, rises again. Early stopping watches the validation loss
after every epoch, remembers the weights of the best epoch, and stops once it has not
improved for ``patience`` epochs; the number of training steps becomes one more
hyperparameter, chosen on the validation set:

    (1) improvement at epoch e:   v_e < v_best − δ   (mode "min"; v_e > v_best + δ for "max")
    (2) wait_e = epochs since the last improvement;  stop at the first e > 0 with wait_e ≥ patience
    (3) on stopping (or at the end):  w ← w_(best epoch)

| symbol | variable |   | symbol | variable |
|--------|----------|---|--------|----------|
| v_e    | ``run.history[monitor][e]`` | | δ | ``min_delta`` |

Mirrors ``keras.callbacks.EarlyStopping`` (same rule, same stopping epoch, same restored
weights) as a ``toolkit.train.Callback``. ``toolkit.train.fit`` calls callbacks between
chunks of epochs, not after every epoch, so the rule is applied to each epoch of
``run.history`` as the chunk reports it, and the stop is requested through ``fit(stop=...)``
(pass this object as both a callback and ``stop``). Weights exist only at chunk ends: with
``fit(..., steps_per_callback=1)`` every epoch ends a chunk and the restored weights are those
of the best epoch exactly, as in Keras; with longer chunks (``toolkit.train.compare`` adapts
them to about a quarter of a second) they are those of the best epoch that ended a chunk.
The history is cut after the stopping epoch, as Keras' would end there.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from toolkit.train import Callback
from toolkit.validation import check_choice, check_int, check_nonnegative, check_positive_int

MODES = ("auto", "min", "max")
MAXIMIZED = ("acc", "auc", "precision", "recall")  # "auto" maximizes metrics named like these


@dataclasses.dataclass
class StoppingState:
    """What early stopping knows about one run (epochs are 0-based, as in Keras)."""

    seen: int = 0                       # epochs of the history already examined
    wait: int = 0                       # Eq. 2
    best: float | None = None           # v_best of Eq. 1
    best_epoch: int = 0
    stopped_epoch: int | None = None    # the epoch at which Eq. 2 fired
    weights: list | None = None         # weights at the end of `weights_epoch`
    weights_epoch: int | None = None
    weights_value: float | None = None


PATIENCE_HINT = "It is the number of epochs without improvement before stopping."


class EarlyStopping(Callback):
    """Eqs. 1-3 for ``toolkit.train.fit`` and ``compare``: pass it in ``callbacks`` and as ``stop``.

    Args:
        monitor: the history key watched (``"val_loss"`` needs validation data).
        patience: epochs without improvement before stopping, >= 1.
        min_delta: δ of Eq. 1, the smallest change counted as an improvement.
        mode: "min", "max", or "auto" (maximize accuracy-like names, minimize the rest).
        restore_best_weights: Eq. 3 at the end of the run.
        start_from_epoch: epochs ignored at the start (warm-up).
        runs: names of the runs it applies to (``compare`` shares callbacks among all its
            variants); None applies it to every run.

    After a run, ``states[run.name]`` holds its ``StoppingState`` and ``run.config["early_stopping"]``
    the epoch numbers counted from 1, as on the learning curves (kept up to date after every
    chunk, so a live figure can mark the best epoch so far).
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 10, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = True, start_from_epoch: int = 0,
                 runs=None):
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(f"`monitor` must be a history key such as 'val_loss', received monitor={monitor!r}.")
        self.monitor, self.mode = monitor, check_choice("mode", mode, MODES)
        self.patience = check_positive_int("patience", patience, hint=PATIENCE_HINT)
        self.min_delta = check_nonnegative("min_delta", min_delta)
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = check_int("start_from_epoch", start_from_epoch, 0)
        self.runs = None if runs is None else {str(name) for name in ([runs] if isinstance(runs, str) else runs)}
        self.states: dict[str, StoppingState] = {}
        self._run = None

    # -- the rule (Eqs. 1-2) ----------------------------------------------------------
    @property
    def maximize(self) -> bool:
        if self.mode != "auto":
            return self.mode == "max"
        name = self.monitor.removeprefix("val_")
        return any(part in name for part in MAXIMIZED)

    def is_improvement(self, value: float, best: float | None) -> bool:
        """Eq. 1 (the first value is always an improvement)."""
        if best is None:
            return True
        return value - self.min_delta > best if self.maximize else value + self.min_delta < best

    def _better(self, value: float, other: float | None) -> bool:
        return other is None or (value > other if self.maximize else value < other)

    def _examine(self, state: StoppingState, epoch: int, value: float) -> None:
        """Eqs. 1-2 for one epoch, as ``keras.callbacks.EarlyStopping.on_epoch_end``."""
        if epoch < self.start_from_epoch or not math.isfinite(value):
            return
        state.wait += 1
        if self.is_improvement(value, state.best):
            state.best, state.best_epoch, state.wait = value, epoch, 0
            return
        if state.wait >= self.patience and epoch > 0:
            state.stopped_epoch = epoch

    def replay(self, history) -> dict:
        """Eqs. 1-2 on a finished history: where this rule stops it and which epoch is best.

        Returns the epoch numbers (from 1) {"monitor", "patience", "stopped_at", "best",
        "restored"}; "stopped_at" is None if the rule never fires. Nothing is trained.
        """
        if self.monitor not in history:
            raise ValueError(f"Early stopping monitors {self.monitor!r}, which the history does not "
                             f"record; available: {', '.join(history) or 'none'}.")
        state = StoppingState()
        for epoch, value in enumerate(np.asarray(history[self.monitor], dtype=float)):
            self._examine(state, epoch, float(value))
            if state.stopped_epoch is not None:
                break
        state.weights_epoch = state.best_epoch if state.best is not None else None
        return self._summary(state)

    # -- toolkit.train.Callback hooks -------------------------------------------------
    def applies_to(self, run) -> bool:
        return self.runs is None or str(run.name) in self.runs

    def on_start(self, run) -> None:
        self._run = run if self.applies_to(run) else None
        if self._run is not None:
            self.states[str(run.name)] = StoppingState()

    def on_progress(self, run) -> None:
        if self._run is not run:
            return
        state = self.states[str(run.name)]
        values = self._monitored(run)
        while state.seen < run.epochs_done and state.stopped_epoch is None:
            self._examine(state, state.seen, float(values[state.seen]))
            state.seen += 1
        last = run.epochs_done - 1  # the model holds the weights of this epoch now
        if state.stopped_epoch is None or state.stopped_epoch >= last:
            self._snapshot(state, run, last, float(values[last]))
        run.config["early_stopping"] = self._summary(state)  # live: what a watcher of the run sees

    def _snapshot(self, state: StoppingState, run, epoch: int, value: float) -> None:
        """Keeps the chunk-end weights of the best epoch (exact when that epoch ends a chunk)."""
        if not self.restore_best_weights or epoch < self.start_from_epoch:
            return
        exact = epoch == state.best_epoch
        missed = state.weights_epoch is None or state.weights_epoch < state.best_epoch
        if exact or (missed and self._better(value, state.weights_value)):
            state.weights = [np.array(w) for w in run.model.get_weights()]
            state.weights_epoch, state.weights_value = epoch, value

    def __call__(self) -> bool:
        """The ``stop`` predicate of ``fit``: True once Eq. 2 fired for the current run."""
        run = self._run
        return run is not None and self.states[str(run.name)].stopped_epoch is not None

    def on_end(self, run) -> None:
        if self._run is not run:
            return
        self._run = None
        state = self.states[str(run.name)]
        if run.status == "diverged" or (run.status == "stopped" and state.stopped_epoch is None):
            return  # stopped by the user or by a NaN loss: leave the run as fit recorded it
        trained = run.epochs_done
        if state.stopped_epoch is not None:
            self._cut_history(run, state.stopped_epoch + 1)
            run.status = "completed"
        if self.restore_best_weights and state.weights is not None:
            run.model.set_weights(state.weights)  # Eq. 3
        run.config["early_stopping"] = self._summary(state)
        run.message = self._message(state, trained)

    def _monitored(self, run) -> np.ndarray:
        if self.monitor not in run.history:
            raise ValueError(
                f"Early stopping monitors {self.monitor!r}, which run {run.name!r} does not record; "
                f"available: {', '.join(run.history) or 'none'}. Pass validation data or "
                f"monitor='loss'.")
        return np.asarray(run.history[self.monitor], dtype=float)

    @staticmethod
    def _cut_history(run, epochs: int) -> None:
        for key in run.history:
            run.history[key] = run.history[key][:epochs]
        run.epochs_done = epochs

    def _summary(self, state: StoppingState) -> dict:
        def number(epoch):
            return None if epoch is None else epoch + 1

        return {"monitor": self.monitor, "patience": self.patience,
                "stopped_at": number(state.stopped_epoch), "best": number(state.best_epoch),
                "restored": number(state.weights_epoch) if self.restore_best_weights else None}

    def _message(self, state: StoppingState, trained: int) -> str:
        best = f"the best {self.monitor} was {state.best:.4g} at epoch {state.best_epoch + 1}"
        if state.stopped_epoch is None:
            text = f"Trained all {trained} epochs; {best}."
        else:
            text = (f"Early stopping at epoch {state.stopped_epoch + 1}: {self.monitor} had not "
                    f"improved for {self.patience} epochs; {best}.")
            if trained > state.stopped_epoch + 1:
                text += (f" The trainer looks for a stop only every few epochs, so it went on to epoch "
                         f"{trained}; the curves end at epoch {state.stopped_epoch + 1}.")
        if self.restore_best_weights and state.weights_epoch is not None:
            text += f" Weights restored to those after epoch {state.weights_epoch + 1}."
        return text
