"""The regularization lab: a task that overfits, and any set of strategies raced against it.

The scenario overfits by default: a small training subset, a big network and many epochs.
The 2-D default is 50 points of TensorFlow Playground's ``circle`` at 40 % noise (the noise
pushes some points across the circle, so no classifier beats about 83 % on fresh points) and a
3 x 128 ReLU network trained 300 epochs by SGD with momentum 0.9: enough capacity and steps to
learn all 50 points by heart, the noisy ones included (train accuracy 100 %, test about 77 %,
a gap of 0.23 on seeds 0-2). With 100 points the same network no longer memorizes them all
within 300 epochs and its gap halves, leaving the strategies little to fix. SGD, not Adam, is
the default because under Adam L2 too drives unused weights to about 0 (Adam divides L2's
pull λw by its own size), hiding the notes' L1-versus-L2 contrast. Early stopping watches the
validation accuracy with patience 50: under SGD the validation loss can be lowest on the first
plateau, before the network has learnt the circle at all.
``tests/regularization/test_lab_defaults.py`` measures the notes' claims at these defaults.
The glyph task uses 300 glyphs and Adam. The data has three splits:

    train       the small subset the networks learn from (optionally with corrupted labels)
    validation  held out; the live curves and early stopping watch it every epoch
    test        held out and untouched until the end: the results table reports it

    (1) generalization gap = training accuracy − test accuracy      (the notes: overfitting
                                                                     is a large gap)
    (2) sparsity = fraction of kernel weights with |w| < ``SPARSE_BELOW`` (10⁻³): L1 drives
        most weights there (its constant pull λ·sign(w) reaches 0 in finite time), L2 only
        shrinks them (its pull λw fades as w does)

``LabConfig`` is the one description of a lab run shared by the page, the tests and the
benchmark (its fields carry their bounds; ``LabConfig.for_task("glyphs")`` starts from the
glyph task's defaults); ``run_lab`` trains it and returns a ``LabResult`` with the table and
everything the page draws (weights, decision boundaries, augmented samples, the ensemble's vote).
"""

from __future__ import annotations

import dataclasses
import functools
import re

import keras
import numpy as np

from toolkit.config import Config, Setting, setting
from toolkit.data import glyphs, toy2d
from toolkit.data.playground import CLASSIFICATION_NAMES
from toolkit.optim.optimizers import UPDATE_RULES
from toolkit.regularization.augmentation import augmentation_pipeline, point_augmentation
from toolkit.regularization.dropout import InvertedDropout
from toolkit.regularization.early_stopping import EarlyStopping
from toolkit.regularization.ensembles import MAX_MEMBERS, BaggingEnsemble, ensemble_report
from toolkit.regularization.multitask import AUXILIARY_TASKS, MultiTaskNetwork, auxiliary_threshold
from toolkit.regularization.noise import (
    GaussianNoise, LabelFlipCrossentropy, NoisyDense, SmoothedSparseCategoricalCrossentropy,
)
from toolkit.regularization.penalties import penalty
from toolkit.regularization.sharing import RepeatedDense
from toolkit.train import compare
from toolkit.train.callbacks import as_callbacks, as_stop_predicate
from toolkit.validation import check_choice, check_int

TASKS = ("toy2d", "glyphs")
MONITORS = ("val_loss", "val_accuracy")
OPTIMIZER_NAMES = ("adam", "sgd")  # Adam, or SGD with momentum 0.9 (keras.optimizers)
ACTIVATIONS = ("relu", "tanh", "sigmoid")
# what the optimizer does with ĝ, the gradient of L̃ (the penalty included); SGD's α is 0.9
OPTIMIZER_LATEX = (r"\begin{array}{l} \hat g = \nabla_w \tilde L(w) \\ " + UPDATE_RULES["Momentum"] + r" \\ "
                   + UPDATE_RULES["Adam"] + r" \end{array}")
SPARSE_BELOW = 1e-3  # Eq. 2: far below L2's shrunken weights under SGD, above L1's jitter around 0
EXTENT = (-6.0, 6.0, -6.0, 6.0)  # the 2-D sets' plane


@dataclasses.dataclass(frozen=True)
class Strategy:
    """One regularization strategy of the notes, as a variant of the lab's network."""

    name: str                # what the page, the tables and the URL call it
    parameter: str | None    # the LabConfig field holding its strength
    symbol: str              # how the notes write that strength
    idea: str                # one line: what it does
    latex: str = ""          # what it changes, in the notes' notation (chapter 4)


STRATEGIES = {s.name: s for s in (
    Strategy("none", None, "", "the network alone: it overfits"),
    Strategy("L2", "l2", "λ", "penalty λ·½Σw²: smaller weights",
             r"\tilde L(w) = L(w) + \lambda\, \tfrac12 \textstyle\sum_i w_i^2"),
    Strategy("L1", "l1", "λ", "penalty λ·Σ|w|: many weights exactly 0",
             r"\tilde L(w) = L(w) + \lambda \textstyle\sum_i |w_i|"),
    Strategy("dropout", "dropout", "p", "drop each hidden unit with probability p",
             r"\tilde h = \frac{m \odot h}{1 - p},\; m_i \sim \mathrm{Bernoulli}(1 - p)"),
    Strategy("input noise", "input_noise", "σ", "x + N(0, σ²): a smoother function",
             r"\tilde x = x + \epsilon,\; \epsilon \sim \mathcal N(0, \sigma^2 I)"),
    Strategy("weight noise", "weight_noise", "σ", "W + N(0, σ²) each step",
             r"\tilde W = W + \xi,\; \xi \sim \mathcal N(0, \sigma^2)"),
    Strategy("label smoothing", "label_smoothing", "ε", "targets (1-ε)·y + ε/K",
             r"\tilde y = (1 - \varepsilon)\, y + \varepsilon / K"),
    Strategy("label flips", "label_flips", "α", "redraw a fraction α of the labels each step",
             r"\tilde y = \begin{cases} y & 1 - \alpha \\ k \sim U\{1..K\} & \alpha \end{cases}"),
    Strategy("augmentation", "augmentation", "s", "transformations the label is invariant to",
             r"\min_w \mathbb E_{T_s}\, L(f(T_s(x)), y)"),
    Strategy("early stopping", "patience", "patience", "stop when validation stops improving",
             r"e_{\text{stop}} = e_{\text{best}} + \text{patience}"),
    Strategy("multi-task", "aux_weight", "β", "a second head on a shared trunk",
             r"L = L_{\text{main}} + \beta\, L_{\text{aux}}"),
    Strategy("shared layers", None, "", "hidden layers 2..L use one shared weight matrix",
             r"W^{(2)} = \dots = W^{(L)}"),
    Strategy("bagging", "ensemble", "K", "average K networks trained on bootstrap samples",
             r"p(x) = \frac{1}{K} \sum_{k=1}^{K} p_k(x)"),
)}

# The glyph task's defaults; the fields' own defaults are those of the 2-D task ("toy2d").
TASK_DEFAULTS = {
    "toy2d": {},
    "glyphs": {"n_train": 300, "hidden": (256, 256, 256), "epochs": 60, "optimizer": "adam",
               "learning_rate": 0.001, "l2": 1e-3, "l1": 1e-4, "input_noise": 0.3, "weight_noise": 0.02,
               "patience": 10, "monitor": "val_accuracy", "auxiliary": "parity"},
}


@dataclasses.dataclass(frozen=True)
class LabConfig(Config):
    """One lab run: the scenario, the network, the training and every strategy's strength.

    Field names are the page's URL names. The defaults are the 2-D task's; use
    ``LabConfig.for_task("glyphs", ...)`` for the glyph task's (``TASK_DEFAULTS``).
    Every value is checked on creation; a bad one raises ValueError with one sentence naming it.
    """

    task: str = setting("toy2d", choices=TASKS, widget="radio", label="Task",
                        help="toy2d: 2-D points of Playground's sets; glyphs: 28x28 handwriting-like characters.")
    strategies: tuple = setting(("none", "L2", "L1", "dropout", "input noise", "early stopping"),
                                choices=tuple(STRATEGIES), min_count=1, label="Strategies (each one a variant)")
    epochs: int = setting(300, lo=1, hi=2000, widget="number", label="Epochs")
    n_train: int = setting(50, lo=20, hi=2000, widget="number", label="Training samples")
    l2: float = setting(0.01, lo=0.0, hi=1.0, step=0.001, label="L2: λ",
                        formula=STRATEGIES["L2"].latex)
    l1: float = setting(1e-3, lo=0.0, hi=1.0, step=0.0005, label="L1: λ",
                        formula=STRATEGIES["L1"].latex)
    dropout: float = setting(0.5, lo=0.0, hi=0.95, step=0.05, label="Dropout: p",
                             help="The fraction of hidden units dropped at each step.",
                             formula=STRATEGIES["dropout"].latex)
    input_noise: float = setting(0.5, lo=0.0, hi=5.0, step=0.05, label="Input noise: σ",
                                 formula=STRATEGIES["input noise"].latex)
    weight_noise: float = setting(0.05, lo=0.0, hi=1.0, step=0.01, label="Weight noise: σ",
                                  formula=STRATEGIES["weight noise"].latex)
    label_smoothing: float = setting(0.1, lo=0.0, hi=0.9, step=0.05, label="Label smoothing: ε",
                                     formula=STRATEGIES["label smoothing"].latex)
    label_flips: float = setting(0.1, lo=0.0, hi=0.9, step=0.05, label="Label flips: α",
                                 formula=STRATEGIES["label flips"].latex)
    augmentation: float = setting(1.0, lo=0.0, hi=1.0, step=0.1, label="Augmentation: strength s",
                                  help="0: no augmentation, 1: the largest transformations.",
                                  formula=STRATEGIES["augmentation"].latex)
    patience: int = setting(50, lo=1, hi=500, widget="number", label="Early stopping: patience",
                            help="Epochs without improvement before stopping.",
                            formula=STRATEGIES["early stopping"].latex)
    monitor: str = setting("val_accuracy", choices=MONITORS, label="Early stopping watches",
                           help="Validation accuracy: under SGD the validation loss can rise as soon as the "
                                "network leaves its first plateau, long before the accuracy stops improving.")
    aux_weight: float = setting(0.5, lo=0.0, hi=10.0, step=0.1, label="Multi-task: β",
                                help="The weight of the second task's loss.",
                                formula=STRATEGIES["multi-task"].latex)
    auxiliary: str = setting("radius", choices=AUXILIARY_TASKS, label="Multi-task: second task")
    ensemble: int = setting(5, lo=2, hi=MAX_MEMBERS, widget="number", label="Bagging: models K",
                            formula=STRATEGIES["bagging"].latex)
    dataset: str = setting("circle", choices=CLASSIFICATION_NAMES, label="2-D set (toy2d)")
    noise: int = setting(40, lo=0, hi=50, label="Playground noise % (toy2d)")
    label_noise: float = setting(0.0, lo=0.0, hi=0.9, step=0.05, label="Corrupted training labels",
                                 help="The fraction of training labels replaced by a wrong class.")
    optimizer: str = setting("sgd", choices=OPTIMIZER_NAMES, label="Optimizer",
                             help="SGD with momentum 0.9, where L1 and L2 act as the notes draw them, or Adam.",
                             formula=OPTIMIZER_LATEX)
    learning_rate: float = setting(0.05, lo=1e-5, hi=1.0, step=0.001, label="Learning rate η")
    seed: int = setting(0, lo=0, hi=9999, widget="number", label="Seed")
    builtin: bool = setting(False, widget="toggle", label="Keras built-ins",
                            help="keras.regularizers, keras.layers.Dropout and GaussianNoise instead of the toolkit's.")
    n_val: int = setting(200, lo=20, hi=5000, label="Validation samples")
    n_test: int = setting(1000, lo=20, hi=10000, label="Test samples")
    batch_size: int = setting(32, lo=1, hi=1024, label="Batch size")
    activation: str = setting("relu", choices=ACTIVATIONS, label="Activation")
    hidden: tuple = (128, 128, 128)  # hidden layer widths (not a page setting; checked in `check`)

    def check(self) -> None:
        hidden = self.hidden if isinstance(self.hidden, (tuple, list)) else (self.hidden,)
        if not 1 <= len(hidden) <= 8:
            raise ValueError(f"`hidden` must hold 1 to 8 layer sizes, received hidden={self.hidden!r}.")
        object.__setattr__(self, "hidden", tuple(check_int("hidden", h, 1, 256) for h in hidden))
        if "shared layers" in self.strategies and (len(self.hidden) < 3 or len(set(self.hidden)) != 1):
            raise ValueError(f"Shared layers repeat hidden layers 2..L with one weight matrix: `hidden` "
                             f"needs at least 3 layers of equal width, received hidden={self.hidden!r}.")

    @classmethod
    def for_task(cls, task: str = "toy2d", **overrides) -> LabConfig:
        """The run of `task` with that task's defaults (``TASK_DEFAULTS``), then `overrides`."""
        return cls(task=task, **{**TASK_DEFAULTS[check_choice("task", task, TASKS)], **overrides})

    @classmethod
    def task_settings(cls, task: str, *names: str) -> list[Setting]:
        """The ``Setting`` objects of `names` (all when none) whose defaults are `task`'s (for a form)."""
        defaults = TASK_DEFAULTS[check_choice("task", task, TASKS)]
        declared = cls.settings()
        return [dataclasses.replace(declared[name], default=defaults.get(name, declared[name].default))
                for name in names or declared]

    def source(self) -> tuple[str, dict]:
        """The ``toolkit.data.load(name, **kwargs)`` arguments of the scenario's data."""
        total = self.n_train + self.n_val + self.n_test
        held_out = (self.n_val + self.n_test) / total
        if self.task == "toy2d":
            return self.dataset, {"n": total, "noise": self.noise, "test_ratio": held_out, "seed": self.seed}
        return "glyphs", {"n": total, "test_ratio": held_out, "seed": self.seed}

    def strength(self, name: str):
        """The strength of strategy `name` (None for strategies without one)."""
        parameter = STRATEGIES[name].parameter
        return None if parameter is None else getattr(self, parameter)

    def variant_label(self, name: str) -> str:
        """The run name of strategy `name`: its name and strength, e.g. "L2 λ=0.003"."""
        strategy = STRATEGIES[name]
        if strategy.parameter is None:
            return strategy.name
        return f"{strategy.name} {strategy.symbol}={self.strength(name):g}"


def make_optimizer(name: str, learning_rate: float) -> keras.optimizers.Optimizer:
    """``OPTIMIZER_NAMES``' optimizer: Adam, or SGD with momentum 0.9."""
    if check_choice("optimizer", name, OPTIMIZER_NAMES) == "sgd":
        return keras.optimizers.SGD(learning_rate, momentum=0.9)
    return keras.optimizers.Adam(learning_rate)


def stopping_epochs(runs) -> dict:
    """Run name -> early stopping's epochs {"stopped_at", "best", "restored"} (from 1), for the
    runs that early stopping watches; live (best so far) while a run trains, final after."""
    return {name: dict(run.config["early_stopping"]) for name, run in runs.items()
            if "early_stopping" in run.config}


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


def lab_data(config: LabConfig, source=None) -> LabData:
    """The scenario's train / validation / test splits.

    `source` is ``toolkit.data.load(*config.source())`` if already loaded (a page caches it);
    else it is built here. Its test split is cut into validation and test.
    """
    if source is None:
        name, kwargs = config.source()
        source = toy2d(name, **kwargs) if config.task == "toy2d" else glyphs(**kwargs)
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


def _hidden_layers(config: LabConfig, name: str):
    """Hidden layers k = 1..L, seeded with seed + k as ``toolkit.ffnn.build_mlp`` seeds them."""
    regularizer = penalty(config.l1 if name == "L1" else 0.0, config.l2 if name == "L2" else 0.0,
                          builtin=config.builtin)
    layers = []
    for k, units in enumerate(config.hidden, start=1):
        init = keras.initializers.GlorotUniform(config.seed + k)
        if name == "shared layers" and k == 2:
            layers.append(RepeatedDense(units, repeats=len(config.hidden) - 1, activation=config.activation,
                                        kernel_initializer=init, name="shared_hidden"))
            break
        if name == "weight noise":
            layers.append(NoisyDense(units, config.activation, stddev=config.weight_noise, seed=config.seed + k,
                                     kernel_initializer=init, name=f"hidden_{k}"))
        else:
            layers.append(keras.layers.Dense(units, activation=config.activation, kernel_initializer=init,
                                             kernel_regularizer=regularizer, name=f"hidden_{k}"))
        if name == "dropout":
            dropout = keras.layers.Dropout if config.builtin else InvertedDropout
            layers.append(dropout(config.dropout, seed=config.seed + k, name=f"dropout_{k}"))
    return layers, regularizer


def _classifier(config: LabConfig, data: LabData, name: str) -> keras.Sequential:
    layers = [keras.Input(data.input_shape)]
    if name == "augmentation":
        layers.append(augmenter(config, data))
    if not data.points:
        layers.append(keras.layers.Flatten())
    if name == "input noise":
        noise = keras.layers.GaussianNoise if config.builtin else GaussianNoise
        layers.append(noise(config.input_noise, seed=config.seed, name="input_noise"))
    hidden, regularizer = _hidden_layers(config, name)
    layers += hidden
    layers.append(keras.layers.Dense(
        data.num_classes, activation="softmax", kernel_regularizer=regularizer, name="output",
        kernel_initializer=keras.initializers.GlorotUniform(config.seed + len(config.hidden) + 1)))
    return keras.Sequential(layers, name=_model_name(name))


def _model_name(name: str) -> str:
    return re.sub(r"\W+", "_", name).lower()  # "early stopping" -> early_stopping


def _loss(config: LabConfig, name: str):
    if name == "label smoothing":
        return SmoothedSparseCategoricalCrossentropy(config.label_smoothing)
    if name == "label flips":
        return LabelFlipCrossentropy(config.label_flips, seed=config.seed)
    return "sparse_categorical_crossentropy"


def build_variant(config: LabConfig, name: str, data: LabData) -> keras.Model:
    """The compiled network of strategy `name` (a key of ``STRATEGIES``)."""
    check_choice("name", name, tuple(STRATEGIES))
    optimizer = make_optimizer(config.optimizer, config.learning_rate)
    if name == "bagging":
        model = BaggingEnsemble(data.input_shape, data.num_classes, size=config.ensemble, hidden=config.hidden,
                                activation=config.activation, seed=config.seed,
                                from_scratch=not config.builtin, name="bagging")
        model.compile(optimizer)
        return model
    if name == "multi-task":
        model = MultiTaskNetwork(data.input_shape, data.num_classes, config.hidden, config.activation,
                                 auxiliary=config.auxiliary, aux_weight=config.aux_weight, seed=config.seed,
                                 threshold=auxiliary_threshold(config.auxiliary, data.x_train), name="multitask")
        model.compile(optimizer)
        return model
    model = _classifier(config, data, name)
    model.compile(optimizer, _loss(config, name), metrics=["accuracy"])
    return model


def run_lab(config: LabConfig, data: LabData | None = None, *, callbacks=(), stop=None) -> LabResult:
    """Trains every strategy of `config` side by side (``toolkit.train.compare``).

    Args:
        config: the lab run.
        data: the splits, if already loaded (else ``lab_data(config)``).
        callbacks: ``toolkit.train`` callbacks shared by the variants (a page's live panel).
        stop: a ``threading.Event`` or callable that stops the comparison between chunks.

    The early-stopping variant gets an ``EarlyStopping`` callback (also a stop predicate) of
    its own; it keeps ``run.config["early_stopping"]`` up to date (see ``stopping_epochs``).
    """
    data = data if data is not None else lab_data(config)
    names = {config.variant_label(name): name for name in config.strategies}
    builders = {label: functools.partial(build_variant, config, name, data) for label, name in names.items()}
    watched = [label for label, name in names.items() if name == "early stopping"]
    early = EarlyStopping(config.monitor, patience=config.patience, runs=watched) if watched else None
    user_stop, early_stop = as_stop_predicate(stop), as_stop_predicate(early)
    runs = compare(builders, (data.x_train, data.y_train, data.x_val, data.y_val), epochs=config.epochs,
                   batch_size=config.batch_size, seed=config.seed,
                   callbacks=[*as_callbacks(early), *as_callbacks(callbacks)],
                   stop=lambda: user_stop() or early_stop(), config={"lab": config.values(), "data": data.spec})
    return LabResult(config=config, data=data, runs=runs, strategies=names)


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
    strategies: dict            # variant label -> strategy name (a key of STRATEGIES)

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
        name = self.strategies[label]
        if run.status == "stopped":
            return f"Stop pressed after epoch {run.epochs_done}"
        if name == "early stopping":
            return self._early_stopping_note(run.config.get("early_stopping", {}))
        if name == "bagging":
            report = self.ensemble_report
            return (f"one network alone errs on {report.member_errors.mean():.0%} of the test points on average, "
                    f"their vote on {report.average_error:.0%}")
        if name == "multi-task":
            return f"second task: {self.config.auxiliary}, weight β={self.config.aux_weight:g}"
        if name in ("label flips", "label smoothing", "weight noise", "shared layers"):
            return STRATEGIES[name].idea
        if name in ("none", "augmentation") and self.config.label_noise:
            return f"{self.data.corrupted.mean():.0%} of training labels corrupted"
        return ""

    def _early_stopping_note(self, info: dict) -> str:
        watched = "validation loss" if self.config.monitor == "val_loss" else "validation accuracy"
        if info.get("stopped_at"):
            return (f"{watched} stopped improving: stopped at epoch {info['stopped_at']}, "
                    f"went back to the weights of epoch {info['restored']}")
        return f"{watched} kept improving, so it trained to the end; kept the weights of epoch {info.get('restored')}"

    def weight_distributions(self) -> dict:
        """Variant label -> its kernel weights (for ``toolkit.viz.weight_histogram``)."""
        return {label: kernels(run.model) for label, run in self.runs.items()}

    def stops(self) -> dict:
        """Variant label -> early stopping's epoch numbers {"stopped_at", "best", "restored"}."""
        return stopping_epochs(self.runs)

    def boundary(self, label: str, resolution: int = 80) -> np.ndarray:
        """Class probabilities (resolution, resolution, K) over the plane (2-D tasks only)."""
        if not self.data.points:
            raise ValueError("Decision boundaries exist for the 2-D task only, not for glyphs.")
        xx, yy = np.meshgrid(np.linspace(EXTENT[0], EXTENT[1], resolution),
                             np.linspace(EXTENT[2], EXTENT[3], resolution))
        points = np.stack([xx.ravel(), yy.ravel()], axis=1).astype("float32")
        return _predict(self.runs[label].model, points).reshape(resolution, resolution, -1)

    def ensemble_label(self) -> str | None:
        return next((label for label, name in self.strategies.items() if name == "bagging"), None)

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
