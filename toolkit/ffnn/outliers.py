"""MSE, MAE and Huber fitted to data with outliers: how the loss decides what "fits" means.

A line ŷ = w x + b (the linear unit, no hidden layer) is fitted by gradient descent to
points y = w* x + b* + ε of which a fraction are outliers pushed far up. With residuals
e_i = ŷ_i − y_i, the three regression losses of the notes weigh them differently:

    (1) MSE     (1/n) Σ e_i²            gradient 2e_i: an outlier pulls in proportion to its error
    (2) MAE     (1/n) Σ |e_i|           gradient sign(e_i): every point pulls equally (median-like)
    (3) Huber   e²/2 if |e| ≤ δ, δ|e| − δ²/2 otherwise: MSE near the line, MAE in the tails

so the MSE line is dragged towards the outliers while MAE and Huber stay with the bulk.
The losses are ``toolkit.ffnn.losses``' functions; training is ``toolkit.train.fit``.
``compare_losses`` trains the K lines side by side in one model on the cost

    (4) J = Σ_k L_k(ŷ_k, y)

The lines share no weight, so each gets exactly its own loss's gradient, and Adam updates
each weight on its own: the same as K separate fits, with one compiled loop instead of K.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from toolkit import validation
from toolkit.config import Config, setting
from toolkit.ffnn.losses import huber, mean_absolute_error, mean_squared_error
from toolkit.ffnn.mlp import build_mlp
from toolkit.train import fit

LOSSES = {"MSE": mean_squared_error, "MAE": mean_absolute_error, "Huber": huber}


@dataclasses.dataclass
class LineFit:
    """One loss's fitted line ŷ = w x + b, its residuals e = ŷ − y and loss history."""

    loss: str
    slope: float
    intercept: float
    y_hat: np.ndarray
    residuals: np.ndarray
    history: np.ndarray  # J of Eq. 4 per epoch (the sum over the lines fitted together)


def outlier_data(n=60, outliers=0.15, noise=0.3, slope=0.8, intercept=0.5, shift=8.0, seed=0):
    """Points on y = slope·x + intercept + N(0, noise²), x in [-3, 3]; a fraction moved up.

    Returns (x (n,), y (n,), is_outlier (n,) bool). The outliers are the points with the
    largest x (so they tilt the MSE line), moved up by ``shift`` ± 20%.
    """
    n = validation.check_int("n", n, 10, 10_000)
    outliers = validation.check_float("outliers", outliers, 0.0, 0.5)
    noise = validation.check_float("noise", noise, 0.0, 10.0)
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-3.0, 3.0, n))
    y = slope * x + intercept + noise * rng.standard_normal(n)
    is_outlier = np.zeros(n, dtype=bool)
    count = int(round(outliers * n))
    if count:
        chosen = rng.choice(np.arange(n // 2, n), size=min(count, n - n // 2), replace=False)
        is_outlier[chosen] = True
        y[chosen] += shift * rng.uniform(0.8, 1.2, len(chosen))
    return x.astype(np.float32), y.astype(np.float32), is_outlier


def fit_line(x, y, loss="MSE", delta=1.0, epochs=300, learning_rate=0.05, seed=0):
    """Fits ŷ = w x + b to (x, y) with ``loss`` (Eqs. 1-3) by full-batch Adam; returns a LineFit."""
    validation.check_choice("loss", loss, LOSSES)
    return compare_losses(x, y, (loss,), delta, epochs, learning_rate, seed)[loss]


def _summed_loss(losses, delta):
    """Eq. 4 per sample for targets (B, 1) and the K lines' predictions (B, K)."""
    def loss(y_true, y_pred):
        terms = [LOSSES[name](y_true, y_pred[:, k:k + 1], **({"delta": delta} if name == "Huber" else {}))
                 for k, name in enumerate(losses)]
        return sum(terms)
    return loss


def compare_losses(x, y, losses=("MSE", "MAE", "Huber"), delta=1.0, epochs=300, learning_rate=0.05,
                   seed=0, *, callbacks=(), stop=None):
    """One line per loss, all from the same initial line, trained together (Eq. 4).

    ``callbacks`` and ``stop`` go to ``toolkit.train.fit`` (one run named "lines"). Returns
    {loss: LineFit}.
    """
    losses = validation.check_choices("losses", losses, LOSSES, min_count=1)
    delta = validation.check_float("delta", delta, 0.0, None, open_low=True)
    lines = [build_mlp(1, hidden=(), output="linear", seed=seed, name=f"line_{loss}") for loss in losses]
    inputs = keras.Input((1,))
    outputs = [line(inputs) for line in lines]
    model = keras.Model(inputs, keras.layers.Concatenate()(outputs) if len(lines) > 1 else outputs[0])
    model.compile(keras.optimizers.Adam(learning_rate), _summed_loss(losses, delta))
    x2 = np.asarray(x, np.float32).reshape(-1, 1)
    run = fit(model, x2, np.asarray(y, np.float32).reshape(-1, 1), epochs=epochs, batch_size=len(x2),
              seed=seed, callbacks=callbacks, stop=stop, name="lines")
    fits = {}
    for loss, line in zip(losses, lines):
        kernel, bias = line.get_weights()
        y_hat = (x2 @ kernel + bias).ravel()
        fits[loss] = LineFit(loss, float(kernel[0, 0]), float(bias[0]), y_hat, y_hat - np.asarray(y),
                             run.history.get("loss", np.zeros(0, np.float32)))
    return fits


@dataclasses.dataclass(frozen=True)
class OutliersConfig(Config):
    """The data (share of outliers) and the Huber threshold δ of the losses experiment."""

    outliers: int = setting(15, lo=0, hi=40, label="Outliers (%)")
    delta: float = setting(1.0, lo=0.1, hi=5.0, step=0.1, widget="slider", label="Huber δ")
    epochs: int = 300
    learning_rate: float = 0.05

    def data(self):
        """``outlier_data`` with ``outliers`` percent of the points moved up."""
        return outlier_data(outliers=self.outliers / 100)


def run_line_fits(config, data=None, *, callbacks=(), stop=None):
    """``compare_losses`` of MSE, MAE and Huber(δ) on ``config.data()`` (or ``data``)."""
    x, y, _ = data if data is not None else config.data()
    return compare_losses(x, y, delta=config.delta, epochs=config.epochs, learning_rate=config.learning_rate,
                          callbacks=callbacks, stop=stop)
