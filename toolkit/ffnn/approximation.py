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
Networks compared with each other are trained side by side in ONE Keras model, on the cost

    (4) J = Σ_k MSE_k,   MSE_k the error (2) of network k

Networks k share no weight, so ∂J/∂θ_k = ∂MSE_k/∂θ_k, and Adam updates every weight on its
own: this is the same as training them one after another on the same batches, with one
compiled training loop instead of one per network (tracing dominates such small runs).
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
from keras import ops

from toolkit import validation
from toolkit.config import Config, setting
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


# f of each target in LaTeX, for the page's control
TARGET_LATEX = {
    "sin": r"f(x) = \sin x",
    "abs": r"f(x) = |x|",
    "smooth_step": r"f(x) = \tanh 5x",
    "square": r"f(x) = x^2",
    "sawtooth": r"f(x) = 2\big(\tfrac{x}{2} - \lfloor \tfrac{x}{2} + \tfrac12 \rfloor\big)",
    "gaussian_bump": r"f(x) = e^{-2x^2}",
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
    validation.check_choice("fn", fn, TARGET_FUNCTIONS, hint="(or pass a callable of x)")
    return fn, TARGET_FUNCTIONS[fn]


def _grid(fn, interval, n):
    if not (isinstance(interval, (tuple, list)) and len(interval) == 2 and interval[0] < interval[1]):
        raise ValueError(f"`interval` must be a pair (lo, hi) with lo < hi, received interval={interval!r}.")
    n = validation.check_int("n", n, 8, 100_000)
    x = np.linspace(interval[0], interval[1], n).reshape(-1, 1)
    y = np.asarray(fn(x), dtype=np.float64).reshape(-1, 1)
    if y.shape != x.shape or not np.all(np.isfinite(y)):
        raise ValueError("`fn` must map an array of x values to finite values of the same shape.")
    return x.astype("float32"), y.astype("float32")


def summed_squared_error(y_true, y_pred):
    """Eq. 4 per sample: Σ_k (ŷ_k − y)² for targets (B, 1) and K networks' outputs (B, K)."""
    return ops.sum(ops.square(y_pred - y_true), axis=-1)


def _fit_networks(name, x, y, hiddens, activation, epochs, batch_size, learning_rate, seed,
                  callbacks=(), stop=None, run_name=None):
    """One network per entry of ``hiddens``, trained side by side (Eq. 4); a list of Approximation."""
    from toolkit.train import fit  # imported here: the trainer pulls in TensorFlow

    networks = [build_mlp(1, hidden=hidden, activation=activation, output="linear", seed=seed,
                          name=f"network_{k}") for k, hidden in enumerate(hiddens)]
    inputs = keras.Input((1,))
    outputs = [network(inputs) for network in networks]
    # (B, K): column k is network k's prediction
    joined = keras.layers.Concatenate()(outputs) if len(outputs) > 1 else outputs[0]
    model = keras.Model(inputs, joined, name="side_by_side")
    model.compile(keras.optimizers.Adam(learning_rate), summed_squared_error)
    run = fit(model, x, y, epochs=epochs, batch_size=batch_size, seed=seed, shuffle=True,
              callbacks=callbacks, stop=stop, name=run_name)
    y_hat = np.asarray(model(x)).reshape(len(x), len(networks))
    return [_approximation(name, hidden, x, y, y_hat[:, k:k + 1], network, run)
            for k, (hidden, network) in enumerate(zip(hiddens, networks))]


def _approximation(name, hidden, x, y, y_hat, network, run):
    error = y_hat - y
    return Approximation(name, tuple(hidden), x.ravel(), y.ravel(), y_hat.ravel(),
                         mse=float(np.mean(error**2)),  # Eq. 2
                         max_error=float(np.max(np.abs(error))),
                         params=int(network.count_params()), run=run)


def fit_function(fn="sin", width=16, interval=(-3.0, 3.0), n=256, epochs=300, activation="tanh",
                 batch_size=32, learning_rate=0.01, seed=0):
    """Fits ``fn`` (a name in ``TARGET_FUNCTIONS`` or a callable) with one hidden layer (Eq. 1).

    Returns an ``Approximation`` with the grid, the prediction and its MSE (Eq. 2).
    """
    name, target = _target(fn)
    x, y = _grid(target, interval, n)
    return _fit_networks(name, x, y, [(width,)], activation, epochs, batch_size, learning_rate, seed)[0]


def _check_sizes(name, values, high):
    if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple)) or not values:
        raise ValueError(f"`{name}` must hold integers in [1, {high}], received {name}={values!r}.")
    return tuple(validation.check_int(f"{name}[{k}]", v, 1, high) for k, v in enumerate(values))


def error_vs_width(widths=(1, 2, 4, 8, 16, 32), fn="sin", interval=(-3.0, 3.0), n=256, epochs=300,
                   activation="tanh", batch_size=32, learning_rate=0.01, seed=0, *, callbacks=(), stop=None):
    """Eq. 2 as a function of w: {"width", "mse", "max_error", "params"} arrays and the "fits".

    Every width is trained at once (Eq. 4), each exactly as ``fit_function`` would train it;
    ``callbacks`` and ``stop`` go to ``toolkit.train.fit`` (one run named "widths").
    """
    widths = _check_sizes("widths", widths, MAX_UNITS)
    name, target = _target(fn)
    x, y = _grid(target, interval, n)
    fits = _fit_networks(name, x, y, [(w,) for w in widths], activation, epochs, batch_size,
                         learning_rate, seed, callbacks, stop, "widths")
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
    budget = validation.check_int("budget", budget, 10, 3 * MAX_UNITS, hint="(parameters)")
    depths = _check_sizes("depths", depths, 8)
    rows = []
    for depth in depths:
        widths = np.arange(1, MAX_UNITS + 1)
        width = int(widths[np.argmin(np.abs(parameter_count(depth, widths) - budget))])
        rows.append((int(depth), width, parameter_count(depth, width)))
    return rows


def depth_vs_width(budget=300, depths=(1, 2, 3, 4), fn="sawtooth", interval=(-3.0, 3.0), n=256,
                   epochs=300, activation="tanh", batch_size=32, learning_rate=0.01, seed=0, *,
                   callbacks=(), stop=None):
    """Fits ``fn`` with networks of equal parameter budget and different depths.

    Returns {"depth", "width", "params", "mse", "max_error"} arrays and the "fits";
    ``callbacks`` and ``stop`` go to ``toolkit.train.fit`` (one run named "depths").
    """
    name, target = _target(fn)
    x, y = _grid(target, interval, n)
    rows = architectures_for_budget(budget, depths)
    fits = _fit_networks(name, x, y, [(width,) * depth for depth, width, _ in rows], activation,
                         epochs, batch_size, learning_rate, seed, callbacks, stop, "depths")
    return {
        "depth": np.array([r[0] for r in rows]),
        "width": np.array([r[1] for r in rows]),
        "params": np.array([f.params for f in fits]),
        "mse": np.array([f.mse for f in fits]),
        "max_error": np.array([f.max_error for f in fits]),
        "fits": fits,
    }


@dataclasses.dataclass(frozen=True)
class ApproximationConfig(Config):
    """The universal-approximation experiment: one target, widths of one hidden layer, and
    depths at one parameter budget (Eq. 3), all trained with Adam on minibatches.

    The defaults make the error of Eq. 2 fall with the width w, as the theorem's story goes:
    with minibatches of 32 (8 steps per epoch) and η = 0.01, no width has converged after
    150 epochs, so each doubling of w buys a lower error. (Full-batch at η = 0.05, the
    former default, brought every w ≥ 4 to the optimizer's noise floor within 400 steps,
    where the order of the widths was luck: the error rose from w = 16 to 32 on some seeds.)
    """

    fn: str = setting("sin", choices=tuple(TARGET_FUNCTIONS), label="Target function f",
                      formula=TARGET_LATEX)
    budget: int = setting(300, lo=40, hi=700, step=20, label="Parameter budget (depth vs width)",
                          formula=r"P(D, w) = (D - 1)w^2 + (D + 2)w + 1")
    fit_epochs: int = setting(150, lo=10, hi=3000, widget="number", label="Epochs")
    widths: tuple = (1, 2, 4, 8, 16, 32)
    depths: tuple = (1, 2, 3, 4)
    batch_size: int = 32  # of the n = 256 grid points
    width_learning_rate: float = 0.01
    depth_learning_rate: float = 0.01

    def check(self):
        _check_sizes("widths", self.widths, MAX_UNITS)
        _check_sizes("depths", self.depths, 8)
        validation.check_positive_int("batch_size", self.batch_size)
        for name in ("width_learning_rate", "depth_learning_rate"):
            validation.check_float(name, getattr(self, name), 0.0, None, open_low=True)


def run_approximation(config, *, callbacks=(), stop=None):
    """``error_vs_width`` then ``depth_vs_width`` for ``config`` (runs "widths" and "depths").

    Returns {"widths": ..., "depths": ...}; "depths" is missing when the first run was stopped.
    """
    common = {"fn": config.fn, "epochs": config.fit_epochs, "batch_size": config.batch_size,
              "callbacks": callbacks, "stop": stop}
    result = {"widths": error_vs_width(config.widths, learning_rate=config.width_learning_rate, **common)}
    if result["widths"]["fits"][0].run.status != "stopped":
        result["depths"] = depth_vs_width(config.budget, config.depths, learning_rate=config.depth_learning_rate,
                                          **common)
    return result
