"""Dying ReLU: units whose input is negative for every example stop learning for good.

A ReLU unit computes a = max(0, z) with z = wᵀx + b. Its derivative is 0 wherever z < 0,
so a unit with z < 0 on every training example gets no gradient and its weights never
change again: it is *dead*. A large learning rate makes this likely, because one big step
can push b far below the range of wᵀx. The generalized (leaky) ReLU keeps a slope α > 0 for
z < 0 and ELU a slope αe^z, so their units keep a gradient there and come back. For hidden
layer l with units j:

    (1) dead_j⁽ˡ⁾  ⟺  z_j⁽ˡ⁾(x_i) ≤ 0 for every training example x_i
    (2) fraction dead⁽ˡ⁾ = (1/n_l) Σ_j [dead_j⁽ˡ⁾],   overall = Σ_l Σ_j [dead_j⁽ˡ⁾] / Σ_l n_l

``run_dying_relu`` trains networks that differ only in their activation, from the same
initial weights and batches (``toolkit.train.compare``), while a ``DeadUnitMonitor`` (a
``toolkit.train.Callback``, rate-limited by ``toolkit.train.Throttle`` because each measure
is a forward pass over the whole training set) records Eq. 2 as training goes.
"""

from __future__ import annotations

import dataclasses
import functools

import keras
import numpy as np

from toolkit import validation
from toolkit.config import Config, setting
from toolkit.data import toy2d
from toolkit.ffnn.activations import ACTIVATIONS
from toolkit.ffnn.losses import BinaryCrossentropy
from toolkit.ffnn.mlp import MAX_UNITS, build_mlp
from toolkit.ffnn.units import LinearUnit
from toolkit.train import Callback, Throttle, compare
from toolkit.train.callbacks import as_callbacks


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
    """Record of one network: measured epochs (E,), dead fractions (E, L), losses (E,), its Run."""

    activation: str
    epochs: list = dataclasses.field(default_factory=list)
    per_layer: list = dataclasses.field(default_factory=list)
    loss: list = dataclasses.field(default_factory=list)
    sizes: tuple = ()
    status: str = "running"
    message: str = ""
    run: object = dataclasses.field(default=None, repr=False)

    @property
    def overall(self):
        """Eq. 2, overall: dead units over all hidden units, per recorded epoch."""
        if not self.per_layer:
            return np.zeros(0)
        sizes = np.asarray(self.sizes, dtype=float)
        return np.asarray(self.per_layer) @ sizes / sizes.sum()


class DeadUnitMonitor(Callback):
    """Measures Eq. 1 on ``x`` for every run it watches: at the start, at each progress report
    it receives, and at the end (one record per run name, in ``records``).

    Each measure is a forward pass over ``x``; ``run_dying_relu`` wraps the monitor in
    ``toolkit.train.Throttle`` so it measures a few times a second, not after every epoch.
    """

    def __init__(self, x):
        self.x = np.asarray(x, np.float32)
        self.records: dict[str, DeadUnits] = {}
        self.probe = None

    def _measure(self, run, loss):
        record = self.records[str(run.name)]
        if record.epochs and record.epochs[-1] == run.epochs_done:
            return  # already measured at this epoch (the end right after a progress report)
        z = self.probe(self.x, training=False)
        z = z if isinstance(z, (list, tuple)) else [z]
        record.sizes = tuple(int(t.shape[-1]) for t in z)
        record.epochs.append(run.epochs_done)
        record.per_layer.append(dead_fractions(z))
        record.loss.append(loss)

    def on_start(self, run):
        self.records[str(run.name)] = DeadUnits(str(run.name))
        self.probe = preactivation_model(run.model)
        self._measure(run, float("nan"))

    def on_progress(self, run):
        self._measure(run, run.final("loss"))

    def on_end(self, run):
        self._measure(run, run.final("loss"))
        record = self.records[str(run.name)]
        record.status, record.message = run.status, run.message

    def curves(self, run=None):
        """{"dead_units": {name: (epochs, overall dead fraction, loss)}}: a copy, for a live display.

        ``run`` is ignored (the signature of a live panel's watch function).
        """
        return {"dead_units": {name: (np.array(r.epochs), r.overall, np.array(r.loss, float))
                               for name, r in self.records.items() if r.epochs}}


@dataclasses.dataclass(frozen=True)
class DyingReluConfig(Config):
    """Settings of the dying-ReLU experiment: plain SGD at ``lr`` on a Playground dataset.

    The defaults show the notes' claim: at η = 1 about a fifth of the ReLU units die on the
    circle (inputs in [-6, 6], so one step can move b by several units) while leaky ReLU and
    ELU lose almost none, and all three still fit the circle, an easy dataset, with the units
    left. (On the spiral, the former default, no network learned in 40 epochs, so the losses
    said nothing; at η ≥ 1.5 the leaky and ELU networks diverge instead.)
    """

    lr: float = setting(1.0, lo=1e-3, hi=10.0, label="Learning rate η (SGD)",
                        help="Large steps push biases far negative: ReLU units then never fire again.",
                        formula=r"w \leftarrow w - \eta\,\hat g")
    epochs: int = setting(10, lo=1, hi=500, widget="number", label="Epochs")
    activations: tuple = ("relu", "leaky_relu", "elu")
    hidden: tuple = (16, 16, 16)
    dataset: str = "circle"
    n: int = 500  # points generated; half of them train
    batch_size: int = 10
    seed: int = 0

    def check(self):
        validation.check_choices("activations", self.activations, ACTIVATIONS, min_count=1)
        if not self.hidden:
            raise ValueError("`hidden` must hold at least one hidden layer size, received hidden=().")
        for k, units in enumerate(self.hidden):
            validation.check_int(f"hidden[{k}]", units, 1, MAX_UNITS)
        validation.check_positive_int("batch_size", self.batch_size)
        validation.check_seed(self.seed)

    def data(self):
        """The Playground dataset (raw inputs in [-6, 6], no noise) the networks train on."""
        return toy2d(self.dataset, n=self.n, noise=0, seed=self.seed)


def _network(config, activation):
    from toolkit.optim import SGD

    model = build_mlp(2, hidden=config.hidden, activation=activation, output="sigmoid", seed=config.seed,
                      name=activation)
    model.compile(SGD(config.lr), BinaryCrossentropy())
    return model


def run_dying_relu(config, data=None, *, callbacks=(), stop=None, monitor=None, measure_every=0.1):
    """Trains one network per activation with plain SGD at ``config.lr`` and records Eq. 2.

    Args:
        config: a ``DyingReluConfig``.
        data: the ``config.data()`` Dataset (pass a cached one); made when None.
        callbacks, stop: as in ``toolkit.train.fit``; each network is a run named after its
            activation.
        monitor: the ``DeadUnitMonitor`` to fill (a page watches ``monitor.curves``); a
            new one on ``data.x_train`` when None.
        measure_every: seconds between two measures of Eq. 1 (``Throttle``); the start and
            the end are always measured.

    Returns:
        {activation: DeadUnits} with each network's ``Run``.
    """
    data = data if data is not None else config.data()
    x, y = data.x_train, data.y_train.astype(np.float32)
    monitor = monitor if monitor is not None else DeadUnitMonitor(x)
    builders = {a: functools.partial(_network, config, a) for a in config.activations}
    runs = compare(builders, (x, y), epochs=config.epochs, batch_size=config.batch_size, seed=config.seed,
                   callbacks=[Throttle(monitor, measure_every), *as_callbacks(callbacks)], stop=stop,
                   steps_per_callback=int(np.ceil(len(x) / config.batch_size)))  # one epoch per chunk
    return {name: dataclasses.replace(monitor.records[name], run=run) for name, run in runs.items()}
