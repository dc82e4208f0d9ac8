"""Universal approximation (Cybenko) and the trade-off between depth and width.

Cybenko's theorem: a 2-layer network with a linear output,

    (1) f_w(x) = Σ_{j=1..w} v_j h(a_j x + c_j) + d,

can approximate any continuous function on a compact interval with arbitrary precision,
provided it has enough hidden units w. The theorem says nothing about how large w must be,
so we measure it: fit a chosen 1-D function with one hidden layer of width w and record

    (2) MSE(w) = (1/n) Σ_i (f_w(x_i) − f(x_i))²     on n evenly spaced x_i in [lo, hi].

For the depth/width trade-off we compare networks of D hidden layers of width w that have
about the same number of parameters, which for a 1-input, 1-output network is

    (3) P(D, w) = (D − 1)w² + (D + 2)w + 1.

Training uses ``toolkit.train.fit`` (Adam on the MSE); the networks are ``build_mlp``'s.
"""

from __future__ import annotations

import dataclasses
import numbers

import keras
import numpy as np

from toolkit.ffnn.losses import MeanSquaredError
from toolkit.ffnn.mlp import MAX_UNITS, build_mlp


def _sawtooth(x):
    return 2.0 * (x / 2.0 - np.floor(x / 2.0 + 0.5))  # period 2, values in [-1, 1)


# name -> a continuous (or nearly continuous) target function f of x
TARGET_FUNCTIONS = {
    "sin": np.sin,
    "abs": np.abs,
    "smooth_step": lambda x: np.tanh(5.0 * x),
    "square": np.square,
    "sawtooth": _sawtooth,
    "gaussian_bump": lambda x: np.exp(-2.0 * x**2),
}


@dataclasses.dataclass
class Approximation:
    """One fitted network: the target on the grid, its approximation and the error (Eq. 2)."""

    function: str
    hidden: tuple
    x: np.ndarray
    y: np.ndarray
    y_hat: np.ndarray
    mse: float
    max_error: float
    params: int
    run: object = dataclasses.field(repr=False, default=None)


def _target(fn):
    if callable(fn):
        return getattr(fn, "__name__", "custom"), fn
    if fn not in TARGET_FUNCTIONS:
        valid = ", ".join(repr(name) for name in TARGET_FUNCTIONS)
        raise ValueError(f"`fn` must be a callable or one of {valid}; received fn={fn!r}.")
    return fn, TARGET_FUNCTIONS[fn]


def _grid(fn, interval, n):
    if not (isinstance(interval, (tuple, list)) and len(interval) == 2 and interval[0] < interval[1]):
        raise ValueError(f"`interval` must be a pair (lo, hi) with lo < hi, received interval={interval!r}.")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 8 <= n <= 100_000:
        raise ValueError(f"`n` must be an integer in [8, 100000], received n={n!r}.")
    x = np.linspace(interval[0], interval[1], n).reshape(-1, 1)
    y = np.asarray(fn(x), dtype=np.float64).reshape(-1, 1)
    if y.shape != x.shape or not np.all(np.isfinite(y)):
        raise ValueError("`fn` must map an array of x values to finite values of the same shape.")
    return x.astype("float32"), y.astype("float32")


def _fit_network(name, x, y, hidden, activation, epochs, batch_size, learning_rate, seed):
    from toolkit.train import fit  # imported here: the trainer pulls in TensorFlow

    model = build_mlp(1, hidden=hidden, activation=activation, output="linear", seed=seed)
    model.compile(keras.optimizers.Adam(learning_rate), MeanSquaredError())
    run = fit(model, x, y, epochs=epochs, batch_size=batch_size, seed=seed, shuffle=True)
    y_hat = np.asarray(model(x)).reshape(-1, 1)
    error = y_hat - y
    return Approximation(name, tuple(hidden), x.ravel(), y.ravel(), y_hat.ravel(),
                         mse=float(np.mean(error**2)),  # Eq. 2
                         max_error=float(np.max(np.abs(error))),
                         params=int(model.count_params()), run=run)


def fit_function(fn="sin", width=16, interval=(-3.0, 3.0), n=256, epochs=300, activation="tanh",
                 batch_size=32, learning_rate=0.01, seed=0):
    """Fits ``fn`` (a name in ``TARGET_FUNCTIONS`` or a callable) with one hidden layer (Eq. 1).

    Returns an ``Approximation`` with the grid, the prediction and its MSE (Eq. 2).
    """
    name, target = _target(fn)
    x, y = _grid(target, interval, n)
    return _fit_network(name, x, y, (width,), activation, epochs, batch_size, learning_rate, seed)


def error_vs_width(widths=(1, 2, 4, 8, 16, 32), fn="sin", **kwargs):
    """Eq. 2 as a function of w: {"width", "mse", "max_error", "params"} arrays and the "fits"."""
    fits = [fit_function(fn, width=w, **kwargs) for w in widths]
    return {
        "width": np.array(widths),
        "mse": np.array([f.mse for f in fits]),
        "max_error": np.array([f.max_error for f in fits]),
        "params": np.array([f.params for f in fits]),
        "fits": fits,
    }


def parameter_count(depth, width):
    """Eq. 3: parameters of a 1-input, 1-output network with ``depth`` hidden layers of ``width``."""
    return (depth - 1) * width**2 + (depth + 2) * width + 1


def architectures_for_budget(budget, depths=(1, 2, 3, 4)):
    """For each depth D, the width w whose P(D, w) (Eq. 3) is closest to ``budget``.

    Returns a list of (depth, width, params).
    """
    if isinstance(budget, bool) or not isinstance(budget, numbers.Integral) or not 10 <= budget <= 3 * MAX_UNITS:
        raise ValueError(f"`budget` must be an integer in [10, {3 * MAX_UNITS}] parameters, "
                         f"received budget={budget!r}.")
    if not depths or not all(isinstance(d, numbers.Integral) and 1 <= d <= 8 for d in depths):
        raise ValueError(f"`depths` must hold integers in [1, 8], received depths={depths!r}.")
    rows = []
    for depth in depths:
        widths = np.arange(1, MAX_UNITS + 1)
        width = int(widths[np.argmin(np.abs(parameter_count(depth, widths) - budget))])
        rows.append((int(depth), width, parameter_count(depth, width)))
    return rows


def depth_vs_width(budget=300, depths=(1, 2, 3, 4), fn="sawtooth", interval=(-3.0, 3.0), n=256,
                   epochs=300, activation="tanh", batch_size=32, learning_rate=0.01, seed=0):
    """Fits ``fn`` with networks of equal parameter budget and different depths.

    Returns {"depth", "width", "params", "mse", "max_error"} arrays and the "fits".
    """
    name, target = _target(fn)
    x, y = _grid(target, interval, n)
    rows = architectures_for_budget(budget, depths)
    fits = [_fit_network(name, x, y, (width,) * depth, activation, epochs, batch_size,
                         learning_rate, seed) for depth, width, _ in rows]
    return {
        "depth": np.array([r[0] for r in rows]),
        "width": np.array([r[1] for r in rows]),
        "params": np.array([f.params for f in fits]),
        "mse": np.array([f.mse for f in fits]),
        "max_error": np.array([f.max_error for f in fits]),
        "fits": fits,
    }
