"""Dying ReLU: units whose input is negative for every example stop learning for good.

A ReLU unit computes a = max(0, z) with z = wᵀx + b. Its derivative is 0 wherever z < 0,
so a unit with z < 0 on every training example gets no gradient and its weights never
change again: it is *dead*. A large learning rate makes this likely, because one big step
can push b far below the range of wᵀx. The generalized (leaky) ReLU keeps a slope α > 0 for
z < 0, so its units can come back. For hidden layer l with units j:

    (1) dead_j⁽ˡ⁾  ⟺  z_j⁽ˡ⁾(x_i) ≤ 0 for every training example x_i
    (2) fraction dead⁽ˡ⁾ = (1/n_l) Σ_j [dead_j⁽ˡ⁾],   overall = Σ_l Σ_j [dead_j⁽ˡ⁾] / Σ_l n_l

``watch_dead_units`` trains networks that differ only in their activation, from the same
initial weights, measuring Eq. 1 after every epoch (a ``toolkit.train.Callback``).
"""

from __future__ import annotations

import dataclasses
import numbers
import time

import keras
import numpy as np

from toolkit.data import toy2d
from toolkit.ffnn.activations import ACTIVATIONS
from toolkit.ffnn.losses import BinaryCrossentropy
from toolkit.ffnn.mlp import build_mlp
from toolkit.ffnn.units import LinearUnit
from toolkit.train import Callback, fit


def preactivation_model(model):
    """A model returning z⁽ˡ⁾ of every hidden layer of a from-scratch ``build_mlp`` network."""
    units = [layer for layer in model.layers
             if isinstance(layer, LinearUnit) and layer.name.startswith("hidden_")]
    if not units:
        raise ValueError("`model` must be a from-scratch build_mlp network with hidden layers "
                         "(layers named hidden_1, hidden_2, ...).")
    return keras.Model(model.inputs[0], [layer.output for layer in units])


def dead_fractions(z_per_layer):
    """Eq. 2 per layer from the pre-activations (n, n_l) of each hidden layer; returns (L,)."""
    # Eq. 1: a unit is dead when its z is <= 0 for all n examples
    return np.array([float(np.mean(np.all(np.asarray(z) <= 0, axis=0))) for z in z_per_layer])


@dataclasses.dataclass
class DeadUnits:
    """Per-epoch record of one network: epochs (E,), dead fractions (E, L), losses (E,)."""

    activation: str
    epochs: list = dataclasses.field(default_factory=list)
    per_layer: list = dataclasses.field(default_factory=list)
    loss: list = dataclasses.field(default_factory=list)
    sizes: tuple = ()
    status: str = "running"
    message: str = ""

    @property
    def overall(self):
        """Eq. 2, overall: dead units over all hidden units, per recorded epoch."""
        if not self.per_layer:
            return np.zeros(0)
        sizes = np.asarray(self.sizes, dtype=float)
        return np.asarray(self.per_layer) @ sizes / sizes.sum()


class DeadUnitMonitor(Callback):
    """Measures Eq. 1 on ``x`` before training and after every chunk of epochs.

    ``on_update()`` (no argument) is called at most every ``refresh_seconds`` and at the end.
    """

    def __init__(self, record, x, on_update=None, refresh_seconds=0.25):
        self.record, self.x, self.on_update = record, x, on_update
        self.refresh_seconds, self.last = refresh_seconds, -float("inf")
        self.probe = None

    def _measure(self, run, loss):
        z = self.probe(self.x, training=False)
        z = z if isinstance(z, (list, tuple)) else [z]
        self.record.epochs.append(run.epochs_done)
        self.record.per_layer.append(dead_fractions(z))
        self.record.loss.append(loss)
        if self.on_update is not None and time.monotonic() - self.last >= self.refresh_seconds:
            self.on_update()
            self.last = time.monotonic()

    def on_start(self, run):
        self.probe = preactivation_model(run.model)
        self._measure(run, float("nan"))

    def on_progress(self, run):
        self._measure(run, run.final("loss"))

    def on_end(self, run):
        self.record.status, self.record.message = run.status, run.message
        if self.on_update is not None:
            self.on_update()


def _check(activations, learning_rate, epochs):
    if not activations or not all(a in ACTIVATIONS for a in activations):
        raise ValueError("`activations` must name activations of toolkit.ffnn.ACTIVATIONS, "
                         f"received activations={activations!r}.")
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real) \
            or not 1e-5 <= learning_rate <= 10:
        raise ValueError(f"`learning_rate` must be a number in [1e-5, 10], "
                         f"received learning_rate={learning_rate!r}.")
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or not 1 <= epochs <= 2000:
        raise ValueError(f"`epochs` must be an integer in [1, 2000], received epochs={epochs!r}.")


def watch_dead_units(activations=("relu", "leaky_relu"), learning_rate=1.0, hidden=(16, 16, 16),
                     dataset="spiral", epochs=40, batch_size=10, seed=0, on_update=None,
                     refresh_seconds=0.25):
    """Trains one network per activation with plain SGD at ``learning_rate`` and records Eq. 2.

    The networks are ``build_mlp`` from-scratch networks on a Playground dataset (500 points,
    raw inputs in [-6, 6]) with the same seed, hence the same initial weights and batches.
    ``on_update(results)`` is called with the {activation: DeadUnits} recorded so far, at most
    every ``refresh_seconds`` while training and after each network. Returns the same dict.
    """
    from toolkit.optim import SGD

    _check(activations, learning_rate, epochs)
    data = toy2d(dataset, n=500, noise=0, seed=seed)
    x, y = data.x_train, data.y_train.astype(np.float32)
    results = {}
    notify = None if on_update is None else (lambda: on_update(results))
    for activation in activations:
        model = build_mlp(2, hidden=hidden, activation=activation, output="sigmoid", seed=seed)
        model.compile(SGD(learning_rate), BinaryCrossentropy())
        record = results[activation] = DeadUnits(activation, sizes=tuple(hidden))
        fit(model, x, y, epochs=epochs, batch_size=batch_size, seed=seed,
            steps_per_callback=int(np.ceil(len(x) / batch_size)),  # one epoch per chunk
            callbacks=[DeadUnitMonitor(record, x, notify, refresh_seconds)])
    return results
