"""The regularization lab: a task that overfits, and any set of strategies raced against it.

The scenario overfits by default: a small training subset, a big network and many epochs
(2-D points of TensorFlow Playground's ``circle`` with noisy labels near the boundary, or
300 glyphs). Every chosen strategy is one variant of the same network, and
``toolkit.train.compare`` trains them all from identical initial weights on identical
batches, so the curves differ only by the strategy. The data has three splits:

    train       the small subset the networks learn from (optionally with corrupted labels)
    validation  held out; the live curves and early stopping watch it every epoch
    test        held out and untouched until the end: the results table reports it

    (1) generalization gap = training accuracy − test accuracy      (the notes: overfitting
                                                                     is a large gap)
    (2) sparsity = fraction of kernel weights with |w| < ``SPARSE_BELOW``

``LabConfig`` is the one description of a lab run shared by the page, the tests and the
benchmark; ``run_lab`` trains it and returns a ``LabResult`` with the table and everything
the page draws (weights, decision boundaries, augmented samples, the ensemble's vote).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
import threading

import keras
import numpy as np

from toolkit.data import TOY2D_NAMES, glyphs, toy2d
from toolkit.regularization.augmentation import augmentation_pipeline, check_strength, point_augmentation
from toolkit.regularization.dropout import InvertedDropout, check_rate
from toolkit.regularization.early_stopping import EarlyStopping, check_patience
from toolkit.regularization.ensembles import MAX_MEMBERS, BaggingEnsemble, ensemble_report
from toolkit.regularization.multitask import (
    AUXILIARY_TASKS, MultiTaskNetwork, auxiliary_threshold, check_aux_weight,
)
from toolkit.regularization.noise import (
    GaussianNoise, LabelFlipCrossentropy, NoisyDense, SmoothedSparseCategoricalCrossentropy, check_stddev,
)
from toolkit.regularization.penalties import check_strength as check_lambda
from toolkit.regularization.penalties import penalty
from toolkit.regularization.sharing import RepeatedDense
from toolkit.train import compare

TASKS = ("toy2d", "glyphs")
MONITORS = ("val_loss", "val_accuracy")
OPTIMIZERS = {"adam": lambda lr: keras.optimizers.Adam(lr),
              "sgd": lambda lr: keras.optimizers.SGD(lr, momentum=0.9)}
SPARSE_BELOW = 1e-2
EXTENT = (-6.0, 6.0, -6.0, 6.0)  # the 2-D sets' plane


@dataclasses.dataclass(frozen=True)
class Strategy:
    """One regularization strategy of the notes, as a variant of the lab's network."""

    key: str
    label: str
    parameter: str | None    # the LabConfig field holding its strength
    symbol: str              # how the notes write that strength
    idea: str                # one line: what it does


STRATEGIES = {s.key: s for s in (
    Strategy("none", "none", None, "", "the network alone: it overfits"),
    Strategy("l2", "L2", "l2", "λ", "penalty λ·½Σw²: smaller weights"),
    Strategy("l1", "L1", "l1", "λ", "penalty λ·Σ|w|: many weights exactly 0"),
    Strategy("dropout", "dropout", "dropout", "p", "drop each hidden unit with probability p"),
    Strategy("input_noise", "input noise", "input_noise", "σ", "x + N(0, σ²): a smoother function"),
    Strategy("weight_noise", "weight noise", "weight_noise", "σ", "W + N(0, σ²) each step"),
    Strategy("label_smoothing", "label smoothing", "label_smoothing", "ε", "targets (1-ε)·y + ε/K"),
    Strategy("label_flips", "label flips", "label_flips", "α", "redraw a fraction α of the labels each step"),
    Strategy("augmentation", "augmentation", "augmentation", "s", "transformations the label is invariant to"),
    Strategy("early_stopping", "early stopping", "patience", "patience", "stop when validation stops improving"),
    Strategy("multitask", "multi-task", "aux_weight", "β", "a second head on a shared trunk"),
    Strategy("sharing", "shared layers", None, "", "hidden layers 2..L use one shared weight matrix"),
    Strategy("ensemble", "bagging", "ensemble", "K", "average K networks trained on bootstrap samples"),
)}

# Defaults that depend on the task (None in LabConfig means "the task's default").
TASK_DEFAULTS = {
    "toy2d": {"n_train": 100, "hidden": (128, 128, 128), "epochs": 300, "learning_rate": 0.01,
              "l2": 0.01, "l1": 1e-3, "input_noise": 0.5, "weight_noise": 0.05, "patience": 20,
              "monitor": "val_loss", "auxiliary": "radius", "augmentation": 1.0},
    "glyphs": {"n_train": 300, "hidden": (256, 256, 256), "epochs": 60, "learning_rate": 0.001,
               "l2": 1e-3, "l1": 1e-4, "input_noise": 0.3, "weight_noise": 0.02, "patience": 10,
               "monitor": "val_accuracy", "auxiliary": "parity", "augmentation": 1.0},
}


def _check_int(name, value, low, high, what=""):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= value <= high:
        raise ValueError(f"`{name}` must be an integer in [{low}, {high}]{what}, received {name}={value!r}.")
    return int(value)


def _check_number(name, value, low, high, what=""):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
            or not low <= value <= high:
        raise ValueError(f"`{name}` must be a number in [{low}, {high}]{what}, received {name}={value!r}.")
    return float(value)


@dataclasses.dataclass(frozen=True)
class LabConfig:
    """One lab run: the scenario, the network, the training and every strategy's strength.

    Fields left None take ``TASK_DEFAULTS[task]``. Every value is checked on creation; a bad
    one raises ValueError with one sentence naming it.
    """

    task: str = "toy2d"
    dataset: str = "circle"              # the 2-D set (toy2d only)
    noise: float = 40.0                  # Playground's noise in percent (toy2d only)
    n_train: int | None = None
    n_val: int = 200
    n_test: int = 1000
    label_noise: float = 0.0             # fraction of training labels replaced at random
    hidden: tuple | None = None
    activation: str = "relu"
    epochs: int | None = None
    batch_size: int = 32
    optimizer: str = "adam"              # "adam" or "sgd" (with momentum 0.9)
    learning_rate: float | None = None   # η
    seed: int = 0
    strategies: tuple = ("none", "l2", "dropout", "early_stopping")
    l2: float | None = None
    l1: float | None = None
    dropout: float = 0.5
    input_noise: float | None = None
    weight_noise: float | None = None
    label_smoothing: float = 0.1
    label_flips: float = 0.1
    augmentation: float | None = None
    patience: int | None = None
    monitor: str | None = None           # what early stopping watches: "val_loss" or "val_accuracy"
    aux_weight: float = 0.5
    auxiliary: str | None = None
    ensemble: int = 5
    builtin: bool = False                # Keras built-ins (regularizers, Dropout, GaussianNoise)

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"`task` must be one of {', '.join(map(repr, TASKS))}, received task={self.task!r}.")
        for name, value in TASK_DEFAULTS[self.task].items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
        object.__setattr__(self, "hidden", tuple(self.hidden))
        object.__setattr__(self, "strategies", tuple(self.strategies))
        self._check_scenario()
        self._check_training()
        self._check_strengths()

    def _check_scenario(self):
        if self.task == "toy2d" and self.dataset not in TOY2D_NAMES:
            raise ValueError(f"`dataset` must be one of {', '.join(TOY2D_NAMES)}, received dataset={self.dataset!r}.")
        _check_number("noise", self.noise, 0, 50, " (Playground's noise in percent)")
        _check_int("n_train", self.n_train, 20, 5000, " (training samples)")
        _check_int("n_val", self.n_val, 20, 5000, " (validation samples)")
        _check_int("n_test", self.n_test, 20, 10000, " (test samples)")
        _check_number("label_noise", self.label_noise, 0, 0.9, " (fraction of corrupted training labels)")

    def _check_training(self):
        if not (1 <= len(self.hidden) <= 8 and all(isinstance(h, numbers.Integral) and not isinstance(h, bool)
                                                    and 1 <= h <= 256 for h in self.hidden)):
            raise ValueError(f"`hidden` must hold 1 to 8 layer sizes in [1, 256], received hidden={self.hidden!r}.")
        _check_int("epochs", self.epochs, 1, 5000)
        _check_int("batch_size", self.batch_size, 1, 1024)
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"`optimizer` must be one of {', '.join(map(repr, OPTIMIZERS))}, "
                             f"received optimizer={self.optimizer!r}.")
        _check_number("learning_rate", self.learning_rate, 1e-6, 1.0, " (the learning rate η)")
        _check_int("seed", self.seed, 0, 2**31 - 1)
        unknown = [s for s in self.strategies if s not in STRATEGIES]
        if not self.strategies or unknown or len(set(self.strategies)) != len(self.strategies):
            raise ValueError(f"`strategies` must name distinct strategies among {', '.join(STRATEGIES)}, "
                             f"received strategies={self.strategies!r}.")
        if "sharing" in self.strategies and (len(self.hidden) < 3 or len(set(self.hidden)) != 1):
            raise ValueError(f"Shared layers repeat hidden layers 2..L with one weight matrix: `hidden` "
                             f"needs at least 3 layers of equal width, received hidden={self.hidden!r}.")

    def _check_strengths(self):
        check_lambda("l2", self.l2)
        check_lambda("l1", self.l1)
        check_rate("dropout", self.dropout)
        check_stddev("input_noise", self.input_noise)
        check_stddev("weight_noise", self.weight_noise)
        check_rate("label_smoothing", self.label_smoothing, what="the probability mass spread over all classes")
        check_rate("label_flips", self.label_flips, what="the probability that a label is redrawn")
        check_strength(self.augmentation)
        check_patience(self.patience)
        if self.monitor not in MONITORS:
            raise ValueError(f"`monitor` must be one of {', '.join(map(repr, MONITORS))}, "
                             f"received monitor={self.monitor!r}.")
        check_aux_weight(self.aux_weight)
        if self.auxiliary not in AUXILIARY_TASKS:
            raise ValueError(f"`auxiliary` must be one of {', '.join(map(repr, AUXILIARY_TASKS))}, "
                             f"received auxiliary={self.auxiliary!r}.")
        _check_int("ensemble", self.ensemble, 2, MAX_MEMBERS, " (the number of models in the ensemble)")

    def strength(self, key: str):
        """The strength of strategy ``key`` (None for strategies without one)."""
        parameter = STRATEGIES[key].parameter
        return None if parameter is None else getattr(self, parameter)

    def variant_label(self, key: str) -> str:
        """The run name of strategy ``key``: its label and strength, e.g. "L2 λ=0.003"."""
        strategy = STRATEGIES[key]
        if strategy.parameter is None:
            return strategy.label
        return f"{strategy.label} {strategy.symbol}={self.strength(key):g}"

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


# -- the data ---------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class LabData:
    """The three splits of a lab scenario (see the module docstring)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: tuple
    corrupted: np.ndarray      # (n_train,) bool: training labels replaced by label noise
    spec: dict                 # the toolkit.data spec of the source dataset

    @property
    def input_shape(self) -> tuple:
        return tuple(self.x_train.shape[1:])

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def points(self) -> bool:
        return self.input_shape == (2,)


def corrupt_labels(y, fraction: float, num_classes: int, seed: int):
    """Replaces a ``fraction`` of the labels by a different class drawn at random: (labels, mask)."""
    rng = np.random.default_rng(seed + 7919)
    y = np.array(y, copy=True)
    mask = rng.random(len(y)) < fraction
    shift = rng.integers(1, num_classes, size=int(mask.sum()))
    y[mask] = (y[mask] + shift) % num_classes  # never the true class
    return y, mask


def lab_data(config: LabConfig) -> LabData:
    """The scenario's train / validation / test splits, from ``toolkit.data``."""
    held_out = config.n_val + config.n_test
    total = config.n_train + held_out
    if config.task == "toy2d":
        source = toy2d(config.dataset, n=total, noise=config.noise, test_ratio=held_out / total,
                       seed=config.seed)
    else:
        source = glyphs(n=total, test_ratio=held_out / total, seed=config.seed)
    x_rest, y_rest = source.x_test, source.y_test
    y_train, corrupted = corrupt_labels(source.y_train, config.label_noise, source.num_classes, config.seed)
    n_val = len(x_rest) - config.n_test
    return LabData(
        x_train=source.x_train.astype("float32"), y_train=y_train.astype("int32"),
        x_val=x_rest[:n_val].astype("float32"), y_val=y_rest[:n_val].astype("int32"),
        x_test=x_rest[n_val:].astype("float32"), y_test=y_rest[n_val:].astype("int32"),
        classes=tuple(source.classes), corrupted=corrupted, spec=dict(source.spec))


# -- the variants -----------------------------------------------------------------------
def augmenter(config: LabConfig, data: LabData):
    """The augmentation layer of the task: Keras preprocessing for images, rotations for points."""
    if data.points:
        return point_augmentation(config.augmentation, seed=config.seed)
    return augmentation_pipeline(config.augmentation, seed=config.seed)


def _hidden_layers(config: LabConfig, key: str):
    """Hidden layers k = 1..L, seeded with seed + k as ``toolkit.ffnn.build_mlp`` seeds them."""
    regularizer = penalty(config.l1 if key == "l1" else 0.0, config.l2 if key == "l2" else 0.0,
                          builtin=config.builtin)
    layers = []
    for k, units in enumerate(config.hidden, start=1):
        init = keras.initializers.GlorotUniform(config.seed + k)
        if key == "sharing" and k == 2:
            layers.append(RepeatedDense(units, repeats=len(config.hidden) - 1, activation=config.activation,
                                        kernel_initializer=init, name="shared_hidden"))
            break
        if key == "weight_noise":
            layers.append(NoisyDense(units, config.activation, stddev=config.weight_noise, seed=config.seed + k,
                                     kernel_initializer=init, name=f"hidden_{k}"))
        else:
            layers.append(keras.layers.Dense(units, activation=config.activation, kernel_initializer=init,
                                             kernel_regularizer=regularizer, name=f"hidden_{k}"))
        if key == "dropout":
            dropout = keras.layers.Dropout if config.builtin else InvertedDropout
            layers.append(dropout(config.dropout, seed=config.seed + k, name=f"dropout_{k}"))
    return layers, regularizer


def _classifier(config: LabConfig, data: LabData, key: str) -> keras.Sequential:
    layers = [keras.Input(data.input_shape)]
    if key == "augmentation":
        layers.append(augmenter(config, data))
    if not data.points:
        layers.append(keras.layers.Flatten())
    if key == "input_noise":
        noise = keras.layers.GaussianNoise if config.builtin else GaussianNoise
        layers.append(noise(config.input_noise, seed=config.seed, name="input_noise"))
    hidden, regularizer = _hidden_layers(config, key)
    layers += hidden
    layers.append(keras.layers.Dense(
        data.num_classes, activation="softmax", kernel_regularizer=regularizer, name="output",
        kernel_initializer=keras.initializers.GlorotUniform(config.seed + len(config.hidden) + 1)))
    return keras.Sequential(layers, name=key)


def _loss(config: LabConfig, key: str):
    if key == "label_smoothing":
        return SmoothedSparseCategoricalCrossentropy(config.label_smoothing)
    if key == "label_flips":
        return LabelFlipCrossentropy(config.label_flips, seed=config.seed)
    return "sparse_categorical_crossentropy"


def build_variant(config: LabConfig, key: str, data: LabData) -> keras.Model:
    """The compiled network of strategy ``key`` (Adam with ``config.learning_rate``)."""
    optimizer = OPTIMIZERS[config.optimizer](config.learning_rate)
    if key == "ensemble":
        model = BaggingEnsemble(data.input_shape, data.num_classes, size=config.ensemble, hidden=config.hidden,
                                activation=config.activation, seed=config.seed,
                                from_scratch=not config.builtin, name="ensemble")
        model.compile(optimizer)
        return model
    if key == "multitask":
        model = MultiTaskNetwork(data.input_shape, data.num_classes, config.hidden, config.activation,
                                 auxiliary=config.auxiliary, aux_weight=config.aux_weight, seed=config.seed,
                                 threshold=auxiliary_threshold(config.auxiliary, data.x_train), name="multitask")
        model.compile(optimizer)
        return model
    model = _classifier(config, data, key)
    model.compile(optimizer, _loss(config, key), metrics=["accuracy"])
    return model


def _any(*stops):
    predicates = [s.is_set if isinstance(s, threading.Event) else s for s in stops if s is not None]
    return lambda: any(predicate() for predicate in predicates)


def run_lab(config: LabConfig, *, callbacks=(), stop=None, data: LabData | None = None) -> LabResult:
    """Trains every strategy of ``config`` side by side (``toolkit.train.compare``).

    Args:
        config: the lab run.
        callbacks: ``toolkit.train`` callbacks shared by the variants (live progress).
        stop: a ``threading.Event`` or callable that stops the comparison between chunks.
        data: the splits, if already loaded (else ``lab_data(config)``).
    """
    data = data if data is not None else lab_data(config)
    labels = {config.variant_label(key): key for key in config.strategies}
    builders = {label: functools.partial(build_variant, config, key, data) for label, key in labels.items()}
    stopping = [label for label, key in labels.items() if key == "early_stopping"]
    early = EarlyStopping(config.monitor, patience=config.patience, runs=stopping) if stopping else None
    runs = compare(builders, (data.x_train, data.y_train, data.x_val, data.y_val), epochs=config.epochs,
                   batch_size=config.batch_size, seed=config.seed,
                   callbacks=[cb for cb in (early, *(callbacks or ())) if cb is not None],
                   stop=_any(early, stop), config={"lab": config.as_dict(), "data": data.spec})
    return LabResult(config=config, data=data, runs=runs, keys=labels)


# -- the results ------------------------------------------------------------------------
def _predict(model, x, batch_size: int = 1024) -> np.ndarray:
    return np.concatenate([np.asarray(model(x[i:i + batch_size], training=False))
                           for i in range(0, len(x), batch_size)])


def _scores(probs, y):
    """(accuracy, mean cross-entropy) of probabilities (N, K) against labels (N,)."""
    picked = np.clip(probs[np.arange(len(y)), y], 1e-7, 1.0)
    return float(np.mean(probs.argmax(axis=1) == y)), float(-np.mean(np.log(picked)))


def kernels(model) -> np.ndarray:
    """Every trainable kernel weight of ``model`` (no biases), flattened."""
    parts = [np.ravel(np.asarray(w)) for w in model.trainable_weights if len(w.shape) >= 2]
    return np.concatenate(parts) if parts else np.zeros(0)


@dataclasses.dataclass
class LabResult:
    """The runs of one lab comparison and what the page shows about them."""

    config: LabConfig
    data: LabData
    runs: dict                  # variant label -> toolkit.train.Run
    keys: dict                  # variant label -> strategy key

    @functools.cached_property
    def scores(self) -> dict:
        """Variant label -> train / test accuracy and loss of the final (restored) weights."""
        out = {}
        for label, run in self.runs.items():
            train = _scores(_predict(run.model, self.data.x_train), self.data.y_train)
            test = _scores(_predict(run.model, self.data.x_test), self.data.y_test)
            out[label] = {"train_accuracy": train[0], "train_loss": train[1],
                          "test_accuracy": test[0], "test_loss": test[1], "gap": train[0] - test[0]}
        return out

    def table(self) -> list[dict]:
        """One row per variant: accuracies, losses, gap (Eq. 1), parameters, sparsity (Eq. 2)."""
        rows = []
        for label, run in self.runs.items():
            score, weights = self.scores[label], kernels(run.model)
            rows.append({
                "variant": label, "status": run.status, "epochs": run.epochs_done,
                "train acc": round(score["train_accuracy"], 3), "test acc": round(score["test_accuracy"], 3),
                "gap": round(score["gap"], 3), "train loss": round(score["train_loss"], 3),
                "test loss": round(score["test_loss"], 3), "parameters": int(run.model.count_params()),
                "sparsity": round(float(np.mean(np.abs(weights) < SPARSE_BELOW)) if weights.size else 0.0, 3),
                "time (s)": round(run.wall_time, 1), "note": self._note(label, run),
            })
        return rows

    def _note(self, label: str, run) -> str:
        key = self.keys[label]
        if key == "early_stopping":
            info = run.config.get("early_stopping", {})
            if info.get("stopped_at"):
                return f"stopped at epoch {info['stopped_at']}, weights of epoch {info['restored']}"
            return f"did not stop; weights of epoch {info.get('restored')}"
        if key == "ensemble":
            report = self.ensemble_report
            return (f"members' test error {report.member_errors.mean():.3f} on average, "
                    f"ensemble {report.average_error:.3f}")
        if key == "multitask":
            return f"second task: {self.config.auxiliary}, weight β={self.config.aux_weight:g}"
        if key in ("label_flips", "label_smoothing", "weight_noise", "sharing"):
            return STRATEGIES[key].idea
        if key in ("none", "augmentation") and self.config.label_noise:
            return f"{self.data.corrupted.mean():.0%} of training labels corrupted"
        return ""

    def weight_distributions(self) -> dict:
        """Variant label -> its kernel weights (for ``toolkit.viz.weight_histogram``)."""
        return {label: kernels(run.model) for label, run in self.runs.items()}

    def stops(self) -> dict:
        """Variant label -> early stopping's epoch numbers {"stopped_at", "best", "restored"}."""
        return {label: dict(run.config["early_stopping"]) for label, run in self.runs.items()
                if "early_stopping" in run.config}

    def boundary(self, label: str, resolution: int = 80) -> np.ndarray:
        """Class probabilities (resolution, resolution, K) over the plane (2-D tasks only)."""
        if not self.data.points:
            raise ValueError("Decision boundaries exist for the 2-D task only, not for glyphs.")
        xx, yy = np.meshgrid(np.linspace(EXTENT[0], EXTENT[1], resolution),
                             np.linspace(EXTENT[2], EXTENT[3], resolution))
        points = np.stack([xx.ravel(), yy.ravel()], axis=1).astype("float32")
        return _predict(self.runs[label].model, points).reshape(resolution, resolution, -1)

    def ensemble_label(self) -> str | None:
        return next((label for label, key in self.keys.items() if key == "ensemble"), None)

    @functools.cached_property
    def ensemble_report(self):
        """``EnsembleReport`` of the bagging variant on the test set (None without one)."""
        label = self.ensemble_label()
        if label is None:
            return None
        model = self.runs[label].model
        member_probs = np.asarray(model.member_probabilities(self.data.x_test, training=False))
        return ensemble_report(member_probs, self.data.y_test)

    def augmented_examples(self, count: int = 8, draws: int = 3) -> tuple[np.ndarray, list]:
        """Augmented training inputs: (inputs, tags).

        Images: ``count`` glyphs, each followed by ``draws`` augmentations, (count · (draws + 1),
        H, W, 1), tagged with captions. Points: ``draws`` augmented copies of the whole training
        set, (n · draws, 2), tagged with their class ids.
        """
        layer = augmenter(self.config, self.data)
        if self.data.points:
            copies = [np.asarray(layer(self.data.x_train, training=True)) for _ in range(draws)]
            return np.concatenate(copies), list(np.tile(self.data.y_train, draws))
        x = self.data.x_train[:count]
        copies = [x] + [np.asarray(layer(x, training=True)) for _ in range(draws)]
        images = np.stack(copies, axis=1).reshape(-1, *x.shape[1:])  # original, draw 1, draw 2, ...
        names = [self.data.classes[y] for y in self.data.y_train[:count]]
        return images, [name if d == 0 else f"{name} aug {d}" for name in names for d in range(draws + 1)]
