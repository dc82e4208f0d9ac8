"""How a run ends: its status and the one sentence that says why.

A run *completes* (every epoch ran, or a Keras callback such as ``EarlyStopping`` set
``model.stop_training``), is *stopped* (the caller's stop flag, or an exception such as a
page rerun), or *diverges*: its loss became NaN or infinite, or grew to more than
``DIVERGENCE_FACTOR`` times its first epoch's value, whatever the optimizer. Both training
paths of ``fit`` (compiled chunks, and ``model.fit`` batch by batch) end runs here.
"""

from __future__ import annotations

import numpy as np

DIVERGENCE_FACTOR = 100  # a loss this many times its first epoch's value has diverged


def diverged(run) -> bool:
    """A non-finite last loss (or any training log, for models without one), or an explosion."""
    if run.epochs_done == 0:
        return False
    keys = ["loss"] if "loss" in run.history else [k for k in run.history if not k.startswith("val_")]
    if not np.all(np.isfinite([run.history[k][-1] for k in keys])):
        return True
    return _exploded(run.history.get("loss"))


def _exploded(loss) -> bool:
    return loss is not None and len(loss) > 1 and loss[0] > 0 and loss[-1] > DIVERGENCE_FACTOR * loss[0]


def mark_diverged(run, restored: int) -> None:
    """Status "diverged"; the weights were restored to those after epoch ``restored``."""
    run.status = "diverged"
    loss = run.history.get("loss")
    what = (f"grew from {loss[0]:.3g} to {loss[-1]:.3g} "
            f"(more than {DIVERGENCE_FACTOR:.0f} times its first value)"
            if _exploded(loss) else "became NaN or infinite")
    run.message = (
        f"The loss {what} at epoch {run.epochs_done}; training stopped "
        f"and the weights were restored to those after epoch {restored}. "
        f"Try a smaller learning rate."
    )


def stop_requested(run, should_stop) -> bool:
    """True (and status "stopped") when the caller's stop flag is set."""
    if should_stop():
        run.status, run.message = "stopped", f"Stopped after epoch {run.epochs_done}."
        return True
    return False


def mark_stopped_by_callback(run) -> None:
    """A callback set ``model.stop_training`` (``EarlyStopping``, ``TerminateOnNaN``...)."""
    run.status = "completed"
    run.message = (f"A callback stopped training (model.stop_training) after epoch "
                   f"{run.epochs_done} of {run.epochs}, in {run.wall_time:.2f} s.")


def mark_finished(run) -> None:
    """A run still "running" after its last epoch completed."""
    if run.status == "running":
        run.status = "completed"
        run.message = f"Trained {run.epochs_done} epochs in {run.wall_time:.2f} s."


def mark_interrupted(run) -> None:
    """Called from ``finally``: a run still "running" was interrupted (e.g. a page rerun)."""
    if run.status == "running":
        run.status, run.message = "stopped", f"Interrupted after epoch {run.epochs_done}."
