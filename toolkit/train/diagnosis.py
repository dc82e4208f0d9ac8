"""Why a run did not learn, in one sentence a student understands.

A finished run "did not learn" when its loss ended above ``LEARNED_FRACTION`` of its first
epoch's (``Run.learned``). The shape of the loss curve tells the usual causes apart
(notes, chapter 2, "choosing the learning rate"):

* **exploded**: the loss ended far above where it started: the steps overshoot, so each
  one lands higher up the other side of the valley. The learning rate is too large.
* **bouncing**: the loss went up and down (two or more turns) without a trend: steps of
  the right direction but too long to settle. The learning rate is too large.
* **rose back**: the loss fell to a low point, then climbed back: the rate was fine far from
  the minimum and too large near it (or the model overfits, when the metric is a validation one).
* **stuck**: the loss hardly moved (or crept up): the steps are too short (a small learning rate), or the
  gradient is (almost) zero because units saturated or died (often after a few huge first
  steps: a large learning rate), or the start is bad.

The numbers come from the run's own history, so the sentence agrees with its curves.
"""

from __future__ import annotations

import numpy as np

FLAT = 0.02  # relative change of the loss below which a curve counts as "hardly moved"
BOUNCE = 0.25  # mean |epoch-to-epoch change| / mean loss above which a curve "bounces"
ROSE_BACK = 1.5  # last / lowest value above which a curve "rose back"
SGD_LARGE, ADAPTIVE_LARGE = 1.0, 0.1  # learning rates at which a flat curve means "too large"


def learning_rate(run) -> float | None:
    """The run's learning rate, read from its recorded optimizer config (None if unknown)."""
    optimizer = run.config.get("optimizer") or {}
    value = (optimizer.get("config") or {}).get("learning_rate")
    return float(value) if isinstance(value, (int, float)) else None


def large_rate(run) -> float:
    """A learning rate above which a flat curve means "too large" rather than "too small".

    Adaptive methods (Adam, RMSProp, Adagrad ...) divide by the gradient's RMS, so their
    steps are about η long: 0.1 is already large. Plain and momentum SGD steps are η·‖∇L‖.
    """
    optimizer = (run.config.get("optimizer") or {}).get("class_name", "")
    adaptive = any(name in optimizer.lower() for name in ("adam", "rms", "adagrad", "adadelta", "lion"))
    return ADAPTIVE_LARGE if adaptive else SGD_LARGE


def shape(values) -> str:
    """The loss curve's shape: "exploded", "bouncing", "rose back", "stuck" or "slow"."""
    values = np.asarray(values, np.float64)
    first, last, low = values[0], values[-1], values.min()
    scale = max(abs(first), 1e-12)
    if last > 2.0 * first and first > 0:
        return "exploded"
    steps = np.diff(values)
    turns = np.count_nonzero(np.diff(np.sign(steps[steps != 0])))
    if turns >= 2 and np.abs(steps).mean() / max(abs(values.mean()), 1e-12) > BOUNCE:
        return "bouncing"
    if low > 0 and last > ROSE_BACK * low and values.argmin() < len(values) - 1:
        return "rose back"
    if last >= first - FLAT * scale:  # flat, or creeping up: it never got going
        return "stuck"
    return "slow"


def why_not_learned(run, metric: str = "loss") -> str:
    """One sentence: what the `metric` curve did and what to change (for a run that did not learn)."""
    values = run.history.get(metric)
    if values is None or len(values) < 2:
        return f"The run recorded too few {metric} values to tell why."
    first, last, low = float(values[0]), float(values[-1]), float(np.min(values))
    rate = learning_rate(run)
    eta = f"η = {rate:.3g}" if rate is not None else "the learning rate"
    kind = shape(values)
    if kind == "exploded":
        return (f"The {metric} grew from {first:.3g} to {last:.3g}: each step overshoots the valley, "
                f"so {eta} is too large. Try a learning rate 10 times smaller.")
    if kind == "bouncing":
        return (f"The {metric} jumped up and down ({first:.3g} → {last:.3g}) without settling: "
                f"{eta} is too large for this problem. Try a learning rate 3–10 times smaller.")
    if kind == "rose back":
        return (f"The {metric} fell to {low:.3g}, then rose back to {last:.3g}: steps that were fine far "
                f"from the minimum are too long near it. Try a smaller learning rate (or fewer epochs).")
    if kind == "stuck" and rate is not None and rate >= large_rate(run):
        return (f"The {metric} hardly moved ({first:.3g} → {last:.3g}), and {eta} is large: the first steps "
                f"were so long that units saturated or died, and their gradient is now nearly zero. "
                f"Try a learning rate 10 times smaller.")
    if kind == "stuck":
        return (f"The {metric} hardly moved ({first:.3g} → {last:.3g}): with {eta} the steps are too short, "
                f"or the gradient is nearly zero (saturated or dead units). Try a learning rate 10 times "
                f"larger, or another activation or initialization.")
    return (f"The {metric} fell only from {first:.3g} to {last:.3g} in {len(values)} epochs: train longer "
            f"or raise the learning rate ({eta}), or give the model more capacity.")
