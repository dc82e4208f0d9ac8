"""Covariate shift: how each layer's pre-activations drift during training, with and without
normalization.

The notes' problem: while the weights change, the distribution of every hidden layer's
pre-activation z^(l) changes too, and much of it can fall where the activation h is flat
(its saturated region), which slows learning. Normalizing z^(l) before h (batch or layer
norm) keeps it centred and scaled, whatever the earlier layers do:

    (1) z^(l) = W^(l)T a^(l-1) + b^(l)                 what ``PreactivationRecorder`` records
    (2) h'(z) < 0.1 * max_z h'(z)                      z is in h's saturated region
        sigmoid: |z| > 3.64,  tanh: |z| > 1.82,  relu: z < 0 (h' = 0 there)

``PreactivationRecorder`` records z^(l) of a fixed probe batch after chosen epochs (the
input of each ``activation_l`` layer of ``mlp_classifier``; with normalization that is the
normalized z, which is what h receives). ``normalization_race`` trains the same network
with and without normalization from identical weights and batches, recording as it goes;
at a high learning rate it is the notes' "learning with and without batch norm".
``NormalizationConfig`` declares every setting of the Normalization page;
``run_covariate_shift`` and ``run_high_learning_rate`` are its two trainings.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from toolkit import validation
from toolkit.config import Config, setting
from toolkit.optim.networks import (
    ACTIVATIONS, NORMALIZATIONS, compile_classifier, fit_variants, mlp_classifier,
)
from toolkit.optim.optimizers import SGD
from toolkit.train.callbacks import Callback, as_callbacks

# Eq. 2: where h'(z) < 0.1 max h'(z): sigmoid' = s(1 - s) < 0.025, tanh' = 1 - t^2 < 0.1
SATURATION = {
    "sigmoid": ((-np.inf, -3.6364), (3.6364, np.inf)),
    "tanh": ((-np.inf, -1.8184), (1.8184, np.inf)),
    "relu": ((-np.inf, 0.0),),
}
FLAT_REGION = {"sigmoid": "saturated", "tanh": "saturated", "relu": "inactive (z < 0)"}
# The page's formulas, in the notes' notation (H' = (H - mu) / sigma, output gamma H' + beta)
ACTIVATION_LATEX = {"sigmoid": r"h(z) = \sigma(z) = \frac{1}{1 + e^{-z}}",
                    "tanh": r"h(z) = \tanh z = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
                    "relu": r"h(z) = \max(0, z)"}
NORMALIZATION_LATEX = {
    "none": r"\text{none: } a = h(z)",
    "batch": r"\text{BatchNorm: } \mu_j = \tfrac{1}{B} \textstyle\sum_{i=1}^{B} z_{ij},\;"
             r"\sigma_j^2 = \tfrac{1}{B} \sum_i (z_{ij} - \mu_j)^2,\; a = h\big(\gamma H' + \beta\big)",
    "layer": r"\text{LayerNorm: } \mu_i = \tfrac{1}{n} \textstyle\sum_{j=1}^{n} z_{ij},\;"
             r"\sigma_i^2 = \tfrac{1}{n} \sum_j (z_{ij} - \mu_i)^2,\; a = h\big(\gamma H' + \beta\big)",
}
SGD_LATEX = r"w \leftarrow w - \eta\,\hat g"
MOVING_AVERAGE_LATEX = (r"\mu_{\text{moving}} \leftarrow m\,\mu_{\text{moving}} + (1 - m)\,\mu_{\text{batch}}"
                        r"\quad \text{(and } \sigma^2 \text{ alike)}")
NORMALIZATION_LABELS = {"none": "no normalization", "batch": "BatchNorm", "layer": "LayerNorm"}


def saturation_intervals(activation: str) -> tuple[tuple[float, float], ...]:
    """The z intervals where h'(z) is below a tenth of its maximum (Eq. 2)."""
    return SATURATION[validation.check_choice("activation", activation, SATURATION)]


def saturated_fraction(values, activation: str) -> float:
    """The share of the pre-activations ``values`` that fall in h's saturated region."""
    values = np.asarray(values, dtype=float).ravel()
    inside = np.zeros(values.shape, bool)
    for low, high in saturation_intervals(activation):
        inside |= (values > low) & (values < high)
    return float(inside.mean()) if values.size else float("nan")


class PreactivationRecorder(Callback):
    """Records each hidden layer's pre-activation on a fixed probe batch, per run.

    ``records[run_name][epoch]["hidden layer l"]`` is the (probe samples, units) input of
    layer ``activation_l`` (Eq. 1), for epoch 0
    (before training) and every epoch in ``epochs`` that a chunk of training ends on.
    Train with ``steps_per_callback`` = steps of one epoch so that every epoch ends a chunk.
    The probe runs in training mode, so batch norm uses the probe's own statistics, as it
    does during training; its moving averages are restored afterwards.

    Args:
        probe: (P, ...) inputs, the same every time.
        epochs: the epochs after which to record (0 is always recorded).
    """

    def __init__(self, probe, epochs):
        self.probe = np.asarray(probe, np.float32)
        self.epochs = {int(e) for e in epochs} | {0}
        self.records: dict[str, dict[int, dict[str, np.ndarray]]] = {}

    def on_start(self, run) -> None:
        self.records[run.name] = {}
        self._record(run, 0)

    def on_progress(self, run) -> None:
        if run.epochs_done in self.epochs:
            self._record(run, run.epochs_done)

    def _record(self, run, epoch):
        layers = [layer for layer in run.model.layers if isinstance(layer, keras.layers.Activation)]
        if not layers:
            return
        probe_model = keras.Model(run.model.inputs[0], [layer.input for layer in layers])
        frozen = [np.array(w) for w in run.model.non_trainable_weights]
        outputs = probe_model(self.probe, training=True)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]  # one hidden layer
        for variable, value in zip(run.model.non_trainable_weights, frozen):
            variable.assign(value)  # the probe must not move batch norm's moving averages
        self.records[run.name][epoch] = {
            layer.name.replace("activation_", "hidden layer "): keras.ops.convert_to_numpy(z)
            for layer, z in zip(layers, outputs)}


@dataclasses.dataclass
class NormalizationRace:
    """Runs with and without normalization and their recorded pre-activations.

    Attributes:
        runs: label -> ``toolkit.train.Run`` ("no normalization", "BatchNorm", "LayerNorm").
        preactivations: label -> {epoch: {layer name: (probe samples, units) array}}.
        activation: h, for the saturation intervals.
    """

    runs: dict
    preactivations: dict
    activation: str

    def saturation_summary(self) -> list[dict]:
        """Per run and layer: the share of z in the flat region at the first and last epoch."""
        rows = []
        word = FLAT_REGION[self.activation]
        for label, epochs in self.preactivations.items():
            if not epochs:
                continue
            first, last = min(epochs), max(epochs)
            for layer, z in epochs[last].items():
                share = lambda e: round(saturated_fraction(epochs[e][layer], self.activation), 3)
                rows.append({"run": label, "layer": layer, f"{word} at epoch {first}": share(first),
                             f"{word} at epoch {last}": share(last),
                             f"mean z at epoch {last}": round(float(np.mean(z)), 3),
                             f"std z at epoch {last}": round(float(np.std(z)), 3)})
        return rows

    def saturation_table(self) -> list[dict]:
        """Rows (run, epoch, layer, share of z in h's saturated region, mean, std)."""
        rows = []
        for label, epochs in self.preactivations.items():
            for epoch, layers in epochs.items():
                for layer, z in layers.items():
                    rows.append({"run": label, "epoch": epoch, "layer": layer,
                                 "saturated": round(saturated_fraction(z, self.activation), 3),
                                 "mean": round(float(np.mean(z)), 3),
                                 "std": round(float(np.std(z)), 3)})
        return rows


def record_epochs(epochs: int, count: int = 5) -> list[int]:
    """About ``count`` epochs spread evenly over 1..epochs (the last always included)."""
    return sorted({int(round(e)) for e in np.linspace(1, epochs, min(count, epochs))})


def normalization_race(data, *, normalizations=("none", "batch"), activation: str = "sigmoid",
                       hidden=(64, 64, 64), learning_rate: float = 0.5, epochs: int = 10,
                       batch_size: int = 64, input_scale: float = 1.0, record=5,
                       probe_size: int = 256, seed: int = 0, callbacks=(),
                       stop=None) -> NormalizationRace:
    """Trains ``mlp_classifier`` once per normalization, recording pre-activations.

    All runs use ``SGD(learning_rate)``, identical initial weights for the shared dense
    layers and the same batch order (``networks.fit_variants``), and report after every
    epoch so the recorder sees each one.

    Args:
        data: a classification ``toolkit.data.Dataset``.
        normalizations: keys of ``NORMALIZATIONS`` ("none", "batch", "layer").
        activation: h ("sigmoid", "tanh", "relu").
        hidden: widths of the hidden layers.
        learning_rate: eta > 0 of every run.
        input_scale: multiplies the inputs inside the network (``mlp_classifier``); 16 gives
            the digits as raw 0-16 counts, which pushes sigmoid units into saturation.
        epochs, batch_size, seed, callbacks, stop: as in ``toolkit.train.fit``.
        record: how many epochs to record (spread evenly), or a list of epochs.
        probe_size: training samples in the probe batch (the first ones).
    """
    if getattr(data, "task", None) != "classification":
        raise ValueError("`data` must be a classification Dataset (e.g. toolkit.data.load"
                         f"('digits')), received {type(data).__name__}.")
    norms = validation.check_choices("normalizations", normalizations, NORMALIZATIONS, min_count=1)
    SGD(learning_rate)  # validates eta before anything is built
    builders = {NORMALIZATION_LABELS[norm]: _builder(data, hidden, activation, norm, learning_rate,
                                                     input_scale) for norm in norms}
    for build in builders.values():  # validates hidden and activation before training
        build()
    epochs_recorded = record_epochs(epochs, record) if isinstance(record, int) else list(record)
    recorder = PreactivationRecorder(data.x_train[:probe_size], epochs_recorded)
    runs = fit_variants(builders, data, epochs=epochs, batch_sizes=batch_size, seed=seed,
                        callbacks=[recorder, *as_callbacks(callbacks)], stop=stop,
                        every_epoch=True, config={"hidden": list(hidden), "activation": activation,
                                                  "learning_rate": learning_rate,
                                                  "input_scale": input_scale})
    return NormalizationRace(runs, {k: recorder.records.get(k, {}) for k in runs}, activation)


def _builder(data, hidden, activation, norm, learning_rate, input_scale):
    return lambda: compile_classifier(
        mlp_classifier(data.input_shape, data.num_classes, hidden, activation, norm, input_scale),
        SGD(learning_rate))


# -- the Normalization page ------------------------------------------------------------
NORMALIZATION_DATASET = "digits"
INPUT_SCALES = {"raw counts 0–16": 16.0, "scaled to [0, 1]": 1.0}  # the digits' pixels times s
HIGH_LR_HIDDEN = (64, 64, 64)


@dataclasses.dataclass(frozen=True)
class NormalizationConfig(Config):
    """Every setting of the Normalization page (field names are its URL names).

    Covariate shift: ``activation`` … ``depth``; high learning rate: ``high_*``; batch norm's
    two modes: ``momentum``, ``batch``, ``steps``; which axes: ``groups``, ``sample``, ``channel``;
    contrast: ``contrast_glyph``, ``contrast_filter`` (``toolkit.optim.contrast``).
    """

    activation: str = setting("sigmoid", choices=ACTIVATIONS, label="Activation h", formula=ACTIVATION_LATEX)
    inputs: str = setting("raw counts 0–16", choices=tuple(INPUT_SCALES), label="Pixel values",
                          help="Raw counts push the first layer's z far from 0, into the sigmoid's flat tails.")
    norms: tuple = setting(("none", "batch"), choices=tuple(NORMALIZATIONS), min_count=1,
                           label="Normalizations", help="none, BatchNorm, LayerNorm between z and h.",
                           formula=NORMALIZATION_LATEX)
    lr: float = setting(0.5, lo=1e-4, hi=10.0, step=0.05, label="Learning rate η (SGD)", formula=SGD_LATEX)
    epochs: int = setting(5, lo=1, hi=100, label="Epochs")  # both lessons show by then
    depth: int = setting(3, lo=1, hi=6, label="Hidden layers")
    high_lr: float = setting(1.0, lo=1e-4, hi=10.0, step=0.1, label="Learning rate η (SGD)", formula=SGD_LATEX)
    high_activation: str = setting("relu", choices=ACTIVATIONS, label="Activation h", formula=ACTIVATION_LATEX)
    high_epochs: int = setting(5, lo=1, hi=100, label="Epochs")
    momentum: float = setting(0.9, lo=0.0, hi=0.999, step=0.01, widget="slider", label="Momentum m",
                              formula=MOVING_AVERAGE_LATEX)
    batch: int = setting(32, choices=(2, 4, 8, 16, 32, 64, 128), widget="select_slider", label="Batch size")
    steps: int = setting(50, lo=1, hi=500, label="Training steps")
    groups: int = setting(3, choices=(1, 2, 3, 6), widget="select_slider", label="Groups G (group norm)")
    sample: int = setting(0, lo=0, hi=5, label="Sample n")
    channel: int = setting(0, lo=0, hi=5, label="Channel c")
    contrast_glyph: int = setting(0, lo=0, hi=11, label="Glyph", help="One of the 12 glyphs of the batch.")
    contrast_filter: int = setting(0, lo=0, hi=3, label="Filter f", help="One of the convolution's 4 random filters.")


def _digits(data):
    from toolkit.data import load

    return data if data is not None else load(NORMALIZATION_DATASET)


def run_covariate_shift(config: NormalizationConfig, data=None, *, callbacks=(),
                        stop=None) -> NormalizationRace:
    """The covariate-shift race of `config` on `data` (or the digits): ``normalization_race``
    with ``depth`` hidden layers of 64 units and the chosen pixel scale."""
    return normalization_race(_digits(data), normalizations=config.norms, activation=config.activation,
                              hidden=(64,) * config.depth, learning_rate=config.lr, epochs=config.epochs,
                              input_scale=INPUT_SCALES[config.inputs], callbacks=callbacks, stop=stop)


def run_high_learning_rate(config: NormalizationConfig, data=None, *, callbacks=(),
                           stop=None) -> NormalizationRace:
    """Plain SGD at ``high_lr`` with and without BatchNorm after every hidden layer (3 x 64)."""
    return normalization_race(_digits(data), normalizations=("none", "batch"),
                              activation=config.high_activation, hidden=HIGH_LR_HIDDEN,
                              learning_rate=config.high_lr, epochs=config.high_epochs,
                              callbacks=callbacks, stop=stop)


__all__ = ["ACTIVATIONS", "FLAT_REGION", "INPUT_SCALES", "NORMALIZATION_DATASET", "NORMALIZATION_LABELS",
           "NormalizationConfig", "NormalizationRace", "PreactivationRecorder", "normalization_race",
           "record_epochs", "run_covariate_shift", "run_high_learning_rate", "saturated_fraction",
           "saturation_intervals"]
