"""TensorFlow Playground in Keras: one settings record, the network it builds, what a page draws.

A Playground lesson is a 2-D dataset, the engineered features φ(x) fed to the network, the
hidden layers that learn a representation on top of them, and the training choices (loss,
optimizer, learning rate, L1/L2 penalty). ``PlaygroundConfig`` holds all of them with their
bounds (a ``toolkit.config.Config``); the page, the benchmark and the tests share it.
``PlaygroundSession`` keeps one network training across many short ``train`` calls (a page's
Train, Step and Pause), and ``snapshot`` evaluates, in one compiled Keras call, every layer of
the network on an R×R grid of the plane and on the data points:

    (1) a⁽⁰⁾ = φ(x),  a⁽ˡ⁾ = h(W⁽ˡ⁾ᵀ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾),  ŷ = σ, softmax or identity of
        W⁽ᴸ⁾ᵀ a⁽ᴸ⁻¹⁾ + b⁽ᴸ⁾
    (2) cost J = L(ŷ, y) + λ Σ|w| (L1) or λ Σ w² (L2)
    (3) picture of neuron j: m_j(x) = a_j(x) / max_x' |a_j(x')| over the grid, in [-1, 1];
        an output probability p is drawn as 2p − 1
    (4) accuracy = (1/n) Σ_i [class of ŷ_i = y_i]
    (5) Playground's own loss, for comparison: ½ (o − t)² with o = 2p − 1 and t = 2y − 1,
        which equals 2 (p − y)²

Symbols -> names: φ -> ``features``, h -> ``activation``, λ -> ``regularization_rate``,
R -> ``resolution``, r -> ``thumbnail``.
"""

from __future__ import annotations

import dataclasses
import threading

import keras
import numpy as np

from toolkit import validation
from toolkit.config import Config, setting
from toolkit.data.playground import CLASSIFICATION_NAMES, REGRESSION_NAMES, toy2d
from toolkit.ffnn import losses as scratch_losses
from toolkit.ffnn.activations import ACTIVATIONS, activation_latex
from toolkit.ffnn.mlp import ENGINEERED_FEATURES, FEATURES_LATEX, PLAYGROUND_FEATURES, build_mlp
from toolkit.optim import OPTIMIZERS as SCRATCH_OPTIMIZERS
from toolkit.optim import UPDATE_RULES, keras_builtin
from toolkit.train import Callback, Run, fit
from toolkit.train.callbacks import as_callbacks

DATASETS = CLASSIFICATION_NAMES + REGRESSION_NAMES
# Playground's optimizer names -> the toolkit.optim (and keras.optimizers) class name
PLAYGROUND_OPTIMIZERS = {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov",
                         "adagrad": "Adagrad", "rmsprop": "RMSProp", "adam": "Adam"}
LOSSES = {"classification": ("auto", "cross-entropy", "mse"),
          "regression": ("auto", "mse", "mae", "huber")}
REGULARIZATIONS = ("none", "L1", "L2")
# What each choice changes, in the notes' notation (Eq. 2 and chapter 1's losses), for the page
LOSS_LATEX = {
    "cross-entropy": r"L = -\textstyle\sum_k y_k \log \hat y_k",
    "mse": r"L = \tfrac{1}{n} \textstyle\sum_i (\hat y_i - y_i)^2",
    "mae": r"L = \tfrac{1}{n} \textstyle\sum_i |\hat y_i - y_i|",
    "huber": r"L_\delta(e) = \begin{cases} e^2/2 & |e| \le \delta \\ \delta |e| - \delta^2/2 & \text{else} \end{cases}",
}
PENALTY_LATEX = {"none": r"J = L(\hat y, y)", "L1": r"J = L(\hat y, y) + \lambda \textstyle\sum |w|",
                 "L2": r"J = L(\hat y, y) + \lambda \textstyle\sum w^2"}
BATCH_LATEX = r"\hat g = \tfrac{1}{B} \nabla_w \textstyle\sum_{i \in \text{batch}} L(f(x^{(i)}, w), y^{(i)})"
MAX_LAYERS, MAX_NEURONS = 8, 32
MAX_EPOCHS_PER_CALL = 10_000
TRAINING_SETTINGS = ("learning_rate", "batch_size", "epochs")  # may change without a new network
RESOLUTION = 50  # R: grid cells per side of the output picture (neuron pictures are r <= R)
EXTENT = (-6.0, 6.0, -6.0, 6.0)


# -- settings ---------------------------------------------------------------------------
def parse_layers(text):
    """Hidden layer sizes written "8,8,8" (an empty text is no hidden layer) -> (8, 8, 8)."""
    parts = [part.strip() for part in str(text).split(",")] if str(text).strip() else []
    if len(parts) > MAX_LAYERS or not all(part.isdigit() and len(part) <= 3 for part in parts):
        raise ValueError(f"`hidden` must be up to {MAX_LAYERS} neuron counts separated by commas, "
                         f"like 8,8,8; received {str(text)[:40]!r}.")
    return tuple(int(part) for part in parts)


@dataclasses.dataclass(frozen=True)
class PlaygroundConfig(Config):
    """Every setting of a Playground lesson, with its bounds; constructing one validates it.

    Data: ``dataset`` (a ``toolkit.data.toy2d`` name), ``noise`` (percent), ``train_percent``,
    ``points``, ``arms`` (classes of spiral_k), ``seed`` (data and initial weights). Network:
    ``features`` (φ, Eq. 1), ``hidden`` (neurons per hidden layer, written "8,8,8" or given as
    a tuple; ``layers`` is the tuple), ``activation`` h. Training: ``loss`` ("auto" =
    cross-entropy for classification, MSE for regression), ``optimizer``, ``learning_rate``,
    ``batch_size`` (at most the number of training points), ``regularization`` and its rate λ
    (Eq. 2), ``from_scratch`` (toolkit layers, losses and optimizers, or the Keras built-ins),
    ``epochs`` (per click on Train).
    """

    dataset: str = setting("spiral", choices=DATASETS, label="Dataset")
    noise: int = setting(0, lo=0, hi=50, label="Noise (%)")
    train_percent: int = setting(50, lo=10, hi=90, step=10, label="Training data (%)")
    points: int = setting(500, lo=50, hi=2000, step=50, label="Points")
    arms: int = setting(3, lo=2, hi=10, label="Spiral arms (spiral_k classes)")
    seed: int = setting(0, lo=0, hi=99_999, widget="number", label="Seed",
                        help="Seeds the points and the initial weights: a shared link starts identically.")
    features: tuple = setting(tuple(ENGINEERED_FEATURES), choices=tuple(PLAYGROUND_FEATURES), min_count=1,
                              label="Input features φ(x)", formula=FEATURES_LATEX,
                              help="Engineered: Playground's seven. Generic: rbf(·), Gaussian bumps around the centre "
                                   "(c) and the corners (ne, nw, sw, se) of the plane.")  # the seven: spiral ≥ 90 %
    hidden: str = setting("8,8,8", max_length=40, label="Hidden layers",
                          help=f"Neurons per hidden layer (1 to {MAX_NEURONS}), up to {MAX_LAYERS} layers.")
    activation: str = setting("tanh", choices=tuple(ACTIVATIONS), label="Activation",
                              formula={name: activation_latex(name) for name in ACTIVATIONS})
    loss: str = setting("auto", choices=tuple(dict.fromkeys(sum(LOSSES.values(), ()))), label="Loss",
                        help="auto: cross-entropy for classes, MSE for regression.", formula=LOSS_LATEX)
    optimizer: str = setting("adam", choices=tuple(PLAYGROUND_OPTIMIZERS), label="Optimizer",
                             formula={name: UPDATE_RULES[cls] for name, cls in PLAYGROUND_OPTIMIZERS.items()})
    learning_rate: float = setting(0.003, lo=1e-5, hi=10.0, step=0.001, label="Learning rate")
    batch_size: int = setting(10, lo=1, hi=2000, widget="number", label="Batch size", formula=BATCH_LATEX)
    regularization: str = setting("none", choices=REGULARIZATIONS, label="Regularization", formula=PENALTY_LATEX)
    regularization_rate: float = setting(0.0, lo=0.0, hi=1.0, step=0.001, label="Regularization rate")
    from_scratch: bool = setting(True, widget="toggle", label="From scratch",
                                 help="On: the toolkit's layers, losses and optimizers. Off: the Keras built-ins.")
    epochs: int = setting(300, lo=1, hi=MAX_EPOCHS_PER_CALL, widget="number", label="Epochs per Train")

    def __post_init__(self):
        if isinstance(self.hidden, (tuple, list)):  # (8, 8, 8) is written "8,8,8"
            object.__setattr__(self, "hidden", ",".join(str(n) for n in self.hidden))
        super().__post_init__()

    def check(self):
        """The hidden layout, the loss of the task, and a batch no larger than the training set."""
        for k, n in enumerate(self.layers, start=1):
            if not 1 <= n <= MAX_NEURONS:
                raise ValueError(f"Hidden layer {k} has {n} neurons: each hidden layer needs 1 to "
                                 f"{MAX_NEURONS} neurons (remove the layer to have fewer layers), "
                                 f"received hidden={list(self.layers)}.")
        if self.loss not in LOSSES[self.task]:
            raise ValueError(f"`loss` must be one of {', '.join(map(repr, LOSSES[self.task]))} for "
                             f"{self.task} data ({self.dataset}), received loss={self.loss!r}.")
        validation.check_int("batch_size", self.batch_size, 1, self.n_train)

    @property
    def layers(self):
        """The hidden layer sizes as a tuple: "8,8,8" -> (8, 8, 8)."""
        return parse_layers(self.hidden)

    @property
    def task(self):
        return "regression" if self.dataset in REGRESSION_NAMES else "classification"

    @property
    def n_train(self):
        """Training points: ``points`` minus the held-out test share (as ``toy2d`` splits)."""
        n_test = int(min(max(round((1 - self.train_percent / 100) * self.points), 1), self.points - 1))
        return self.points - n_test

    @property
    def loss_name(self):
        """The loss "auto" stands for: cross-entropy (classification) or MSE (regression)."""
        if self.loss != "auto":
            return self.loss
        return "cross-entropy" if self.task == "classification" else "mse"

    def structure(self):
        """The settings that define the data and the network; the others change mid-training."""
        return {name: self.layers if name == "hidden" else value
                for name, value in self.values().items() if name not in TRAINING_SETTINGS}


# -- data, model, loss, optimizer -----------------------------------------------------
def load_data(config):
    """The dataset of ``config`` (``toolkit.data.toy2d``), split into train and test."""
    return toy2d(config.dataset, n=config.points, noise=config.noise,
                 test_ratio=1 - config.train_percent / 100, seed=config.seed, classes=config.arms)


def output_unit(config, num_classes):
    """Eq. 1's output: "sigmoid" (2 classes), "softmax" (K > 2) or "linear" (regression)."""
    if config.task == "regression":
        return "linear"
    return "softmax" if num_classes > 2 else "sigmoid"


def make_loss(config, output):
    """L of Eq. 2, from ``toolkit.ffnn.losses`` or ``keras.losses``."""
    source = scratch_losses if config.from_scratch else keras.losses
    if config.loss_name == "cross-entropy":
        return (source.SparseCategoricalCrossentropy() if output == "softmax"
                else source.BinaryCrossentropy())
    return {"mse": source.MeanSquaredError, "mae": source.MeanAbsoluteError,
            "huber": source.Huber}[config.loss_name]()


def make_optimizer(config):
    """The optimizer of ``config``: ``toolkit.optim`` or its ``keras.optimizers`` twin."""
    name = PLAYGROUND_OPTIMIZERS[config.optimizer]
    if config.from_scratch:
        return SCRATCH_OPTIMIZERS[name](learning_rate=config.learning_rate)
    return keras_builtin(name, learning_rate=config.learning_rate)


def build_model(config, num_classes):
    """The compiled network of ``config`` (Eqs. 1-2), built by ``build_mlp``."""
    output = output_unit(config, num_classes)
    rate = config.regularization_rate
    model = build_mlp(list(config.features), hidden=config.layers, activation=config.activation,
                      output=output, num_classes=max(num_classes, 2),
                      l1=rate if config.regularization == "L1" else 0.0,
                      l2=rate if config.regularization == "L2" else 0.0,
                      from_scratch=config.from_scratch, seed=config.seed, name="playground")
    model.compile(optimizer=make_optimizer(config), loss=make_loss(config, output))
    return model


def targets(config, y, num_classes):
    """What the loss compares ŷ with: one-hot rows for a softmax with MSE, else y as floats/ids."""
    if output_unit(config, num_classes) == "softmax":
        if config.loss_name == "mse":
            return np.eye(num_classes, dtype=np.float32)[y]  # (n,) -> (n, K)
        return y.astype(np.int32)
    return y.astype(np.float32)


# -- one compiled call for every layer --------------------------------------------------
def plane_grid(resolution, extent=EXTENT):
    """(R·R, 2) float32 points of an R×R grid over ``extent``, rows along x2 (as toolkit.viz.grid)."""
    validation.check_int("resolution", resolution, 2, 1000)
    xx, yy = np.meshgrid(np.linspace(extent[0], extent[1], resolution),
                         np.linspace(extent[2], extent[3], resolution))
    return np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)


def diagram_layers(model):
    """The layers whose outputs are the diagram's columns: φ(x), each hidden a⁽ˡ⁾, and ŷ."""
    names = [layer.name for layer in model.layers]
    hidden = sorted({int(n.split("_")[1]) for n in names if n.startswith("hidden_")})
    # the last layer of hidden layer k is its activation (toolkit) or the Dense itself (Keras)
    last = [[n for n in names if n == f"hidden_{k}" or n.startswith(f"hidden_{k}_")][-1] for k in hidden]
    return [model.get_layer("features"), *(model.get_layer(n) for n in last), model.layers[-1]]


def link_layers(model):
    """The layers holding W⁽ˡ⁾ and b⁽ˡ⁾: each hidden linear unit (or Dense), then the output's."""
    hidden = sorted({int(n.split("_")[1]) for n in (layer.name for layer in model.layers)
                     if n.startswith("hidden_")})
    return [model.get_layer(f"hidden_{k}") for k in hidden] + [model.get_layer("output")]


class NetworkProbe:
    """All diagram layers of ``model`` on fixed ``points``, in one XLA-compiled Keras call.

    ``probe()`` returns one (len(points), n_l) array per diagram layer (``diagram_layers``),
    computed with the model's current weights.
    """

    def __init__(self, model, points):
        import tensorflow as tf  # the trainer's backend

        layers = diagram_layers(model)
        extractor = keras.Model(model.inputs[0], [layer.output for layer in layers])
        self._call = tf.function(lambda x: extractor(x, training=False), jit_compile=True,
                                 input_signature=[tf.TensorSpec([None, 2], tf.float32)])
        self._points = tf.constant(np.asarray(points, np.float32))

    def __call__(self):
        return [np.asarray(out) for out in self._call(self._points)]


# -- what a page draws -------------------------------------------------------------------
@dataclasses.dataclass
class Snapshot:
    """The network at one moment: the output over the plane, every neuron's picture, weights.

    ``output_grid`` is (R, R) (P(class 1) or the prediction) or (R, R, K) probabilities;
    ``nodes[l]`` is (n_l, r, r) in [-1, 1] (Eq. 3) for l = 0 (features) .. L (output);
    ``kernels[l]`` is W⁽ˡ⁺¹⁾ of shape (n_l, n_{l+1}) and ``biases[l]`` b⁽ˡ⁺¹⁾;
    ``test_outputs`` is ŷ on the test points (n_test, K) and ``test_predictions`` their classes
    (or ŷ itself for regression).
    """

    epoch: int
    output_grid: np.ndarray
    nodes: list
    kernels: list
    biases: list
    layer_names: list
    node_names: list
    train_loss: float
    test_loss: float
    train_accuracy: float | None
    test_accuracy: float | None
    test_predictions: np.ndarray
    test_outputs: np.ndarray


def node_picture(values, resolution, thumbnail, probability):
    """Eq. 3 for one layer: (R·R, n) grid values -> (n, r, r) pictures in [-1, 1]."""
    step = max(1, resolution // thumbnail)
    maps = values.reshape(resolution, resolution, -1)[::step, ::step]  # (r, r, n)
    maps = np.moveaxis(maps, -1, 0).astype(np.float64)  # (n, r, r)
    if probability:
        return np.clip(2.0 * maps - 1.0, -1.0, 1.0)  # p in [0, 1] -> [-1, 1]
    scale = np.nanmax(np.abs(maps), axis=(1, 2), keepdims=True)  # (n, 1, 1)
    return np.divide(maps, scale, out=np.zeros_like(maps), where=scale > 0)


def thumbnail_size(neurons):
    """Pixels r of a neuron's picture: 25 for up to 8 neurons a layer, fewer for taller columns."""
    return 25 if neurons <= 8 else 20 if neurons <= 16 else 10


def predicted_classes(outputs):
    """Class ids from sigmoid (n, 1) or softmax (n, K) outputs."""
    return (outputs[:, 0] > 0.5).astype(int) if outputs.shape[1] == 1 else outputs.argmax(axis=1)


def playground_loss(p, y):
    """Eq. 5: Playground's ½(o − t)² with o = 2p − 1, t = 2y − 1, averaged: 2·mean((p − y)²)."""
    p, y = np.asarray(p, np.float64).ravel(), np.asarray(y, np.float64).ravel()
    return float(2.0 * np.mean((p - y) ** 2))


def _node_names(config, output, classes):
    hidden = [[f"neuron {k}.{j + 1}" for j in range(n)] for k, n in enumerate(config.layers, start=1)]
    if output == "softmax":
        out = [f"P({name})" for name in classes]
    else:
        out = ["P(class 1)" if output == "sigmoid" else "prediction ŷ"]
    return [list(config.features), *hidden, out]


class PlaygroundSession:
    """One network of a ``PlaygroundConfig``, trained a few epochs at a time.

    ``run`` is a ``toolkit.train.Run`` holding the whole history across ``train`` calls (so a
    page can plot it and download it as a bundle); ``snapshot()`` is what the page draws.
    Each ``train`` call reports this one run to its callbacks, so a progress display counts
    the epochs of the network, not those of the click.

    ``prepare=True`` traces the compiled training loop in a background thread as soon as the
    network exists (one epoch, then the untrained weights and optimizer state are put back),
    so that the first Train starts at once instead of compiling for seconds after the click;
    ``train`` waits for it.
    """

    def __init__(self, config, resolution=RESOLUTION, thumbnail=None, *, prepare=False):
        if not isinstance(config, PlaygroundConfig):
            raise TypeError(f"`config` must be a PlaygroundConfig, received {type(config).__name__}.")
        self.config = config
        self.data = load_data(config)
        self.num_classes = self.data.num_classes
        self.output = output_unit(config, self.num_classes)
        self.model = build_model(config, self.num_classes)
        self.y_train = targets(config, self.data.y_train, self.num_classes)
        self.y_test = targets(config, self.data.y_test, self.num_classes)
        validation.check_int("resolution", resolution, 2, 1000)
        thumbnail = thumbnail or min(resolution, thumbnail_size(max((len(config.features), *config.layers))))
        self.resolution = resolution
        self.thumbnail = validation.check_int("thumbnail", thumbnail, 2, resolution)
        self.probe = NetworkProbe(self.model, np.concatenate(
            [plane_grid(resolution), self.data.x_train, self.data.x_test]))
        self.run = Run(name="playground", model=self.model, epochs=0, config=self._run_config())
        self.run.initial_weights = [np.array(w) for w in self.model.get_weights()]
        self.run.status, self.run.message = "pending", "Not trained yet."
        self._snapshot = None
        self._preparing = None
        if prepare:
            self.snapshot()  # the untrained network, evaluated before the loop is traced
            # Not a daemon: it ends within seconds, and the interpreter must not finalize under it.
            self._preparing = threading.Thread(target=self._prepare, name="playground-prepare")
            self._preparing.start()

    def _prepare(self):
        """Traces the training loop with one epoch, then restores the untrained network."""
        optimizer = self.model.optimizer
        optimizer.build(self.model.trainable_variables)
        untrained = [np.array(v) for v in optimizer.variables]
        try:
            fit(self.model, self.data.x_train, self.y_train, epochs=1, batch_size=self.config.batch_size,
                validation_data=(self.data.x_test, self.y_test), seed=self.config.seed, name="prepare",
                validation_batch_size=len(self.data.x_test))
        finally:
            self.model.set_weights(self.run.initial_weights)
            for variable, value in zip(optimizer.variables, untrained):
                variable.assign(value)
            optimizer.learning_rate = self.config.learning_rate  # set_training may have changed it

    @property
    def epochs_done(self):
        return self.run.epochs_done

    @property
    def training(self):
        """True while a ``train`` call is running (in any thread)."""
        return self.run.status == "running"

    def _run_config(self):
        config = {"playground": dataclasses.asdict(self.config), "epochs": 0,
                  "batch_size": self.config.batch_size, "seed": self.config.seed, "shuffle": True}
        if self.y_train.ndim == 1:  # the dataset's own labels: a bundle can rebuild it from its spec
            config["dataset"] = self.data.spec
        return config

    def bundle_data(self):
        """(x, y, validation) to store in a bundle when the targets are not the dataset's labels."""
        if "dataset" in self.run.config:
            return None
        return self.data.x_train, self.y_train, (self.data.x_test, self.y_test)

    def set_training(self, learning_rate, batch_size):
        """Changes η and the batch size without resetting the network (as Playground does)."""
        self.config = self.config.replace(learning_rate=learning_rate, batch_size=batch_size)
        self.model.optimizer.learning_rate = self.config.learning_rate

    def train(self, epochs, *, callbacks=(), stop=None):
        """Trains ``epochs`` more epochs (same model, same optimizer state) and returns ``run``.

        ``callbacks`` (``toolkit.train.Callback`` objects or functions) and ``stop`` go to
        ``toolkit.train.fit``; the callbacks receive this session's ``run`` (every epoch so far,
        ``run.epochs`` = the epoch this call ends at). The history is merged as it arrives, so
        an interruption keeps every finished epoch.
        """
        validation.check_int("epochs", epochs, 1, MAX_EPOCHS_PER_CALL)
        if self._preparing is not None:
            self._preparing.join()
            self._preparing = None
        self.run.epochs = self.run.epochs_done + epochs
        try:
            fit(self.model, self.data.x_train, self.y_train, epochs=epochs,
                batch_size=self.config.batch_size, validation_data=(self.data.x_test, self.y_test),
                validation_batch_size=len(self.data.x_test),  # the test loss in one step, not 25
                seed=self.config.seed + self.run.epochs_done, name="playground", stop=stop,
                callbacks=[_Continue(self.run, as_callbacks(callbacks))])
        finally:  # also when a callback raised: the run is paused, not running
            if self.run.status == "running":
                self.run.status, self.run.message = "stopped", f"Paused after epoch {self.run.epochs_done}."
            self.run.config.update(optimizer=keras.optimizers.serialize(self.model.optimizer),
                                   epochs=self.run.epochs_done, batch_size=self.config.batch_size)
        return self.run

    def hint(self):
        """What the Playground adds to the live panel's "did not learn" sentence (which reads
        the loss curve: ``toolkit.train.diagnosis``): test accuracy against chance, 1/K, and the
        loss against ln K. None while training, when the loss fell (``Run.learned``), or when
        there is nothing to add to the panel's sentence."""
        if self.training or self.run.learned() is not False:
            return None
        classes = max(self.num_classes, 2)
        accuracy, guess = self.snapshot().test_accuracy, np.log(classes)  # Eq. 4; L of answering 1/K
        start = (f"Test accuracy {accuracy:.0%} is chance level for {classes} classes ({1 / classes:.0%}): "
                 "the network did not learn. " if accuracy is not None and accuracy < 1 / classes + 0.1
                 else "The network did not learn. ")
        loss = self.run.final("loss")
        if self.config.loss_name == "cross-entropy" and loss > 2 * guess:
            default = type(self.config).settings()["learning_rate"].default
            return start + (f"Its loss, {loss:.3g}, is far above ln {classes} = {guess:.2f}, what always "
                            f"answering {1 / classes:.0%} would score: the output is confidently wrong, its "
                            "unit saturated where the gradient is almost zero. The first steps at "
                            f"η = {self.config.learning_rate:g} threw the weights that far: lower the "
                            f"learning rate (the default, {default:g}, learns).")
        return start if accuracy is not None and accuracy < 1 / classes + 0.1 else None

    def snapshot(self):
        """The ``Snapshot`` of the network now (one compiled call), reused until the next epoch."""
        if self._snapshot is None or self._snapshot.epoch != self.run.epochs_done:
            self._snapshot = self._evaluate()
        return self._snapshot

    def _evaluate(self):
        epoch = self.run.epochs_done
        layers = self.probe()
        cells = self.resolution**2
        out_grid = layers[-1][:cells]
        out_data = layers[-1][cells:]
        n_train = len(self.data.x_train)
        return Snapshot(
            epoch=epoch,
            output_grid=self._output_grid(out_grid),
            nodes=[node_picture(values[:cells], self.resolution, self.thumbnail,
                                probability=(l == len(layers) - 1 and self.output != "linear"))
                   for l, values in enumerate(layers)],
            kernels=[np.array(layer.kernel) for layer in link_layers(self.model)],
            biases=[np.array(layer.bias) for layer in link_layers(self.model)],
            layer_names=["features", *(f"hidden {k}" for k in range(1, len(self.config.layers) + 1)),
                         "output"],
            node_names=_node_names(self.config, self.output, self.data.classes),
            train_loss=self.run.final("loss"), test_loss=self.run.final("val_loss"),
            test_outputs=out_data[n_train:],
            **self._accuracies(out_data[:n_train], out_data[n_train:]),
        )

    def _output_grid(self, values):
        grid = values.reshape(self.resolution, self.resolution, -1)  # (R, R, K)
        return grid[..., 0] if grid.shape[-1] == 1 else grid

    def _accuracies(self, out_train, out_test):
        """Eq. 4 on both splits, and the predicted test classes (for a confusion matrix)."""
        if self.output == "linear":
            return {"train_accuracy": None, "test_accuracy": None, "test_predictions": out_test[:, 0]}
        train_pred, test_pred = predicted_classes(out_train), predicted_classes(out_test)
        return {"train_accuracy": float(np.mean(train_pred == self.data.y_train)),
                "test_accuracy": float(np.mean(test_pred == self.data.y_test)),
                "test_predictions": test_pred}


class _Continue(Callback):
    """Merges each ``fit`` call's epochs into the session's whole ``Run`` and reports that run.

    ``fit`` numbers the epochs of one call from 1; the session's run counts every epoch of the
    network, so the callbacks (a page's progress bar) see epoch 301 of 600 on a second Train.
    """

    def __init__(self, run, callbacks):
        self.run, self.callbacks, self.seen, self.seconds = run, callbacks, 0, 0.0
        self.good = run.epochs_done  # the last epoch reported finite: what a divergence restores

    def _merge(self, segment):
        new = segment.epochs_done - self.seen
        if new > 0:
            self.run.append_epochs({key: values[self.seen:] for key, values in segment.history.items()})
            self.run.epochs_done += new
            self.seen = segment.epochs_done
        self.run.wall_time += segment.wall_time - self.seconds
        self.seconds = segment.wall_time

    def on_start(self, segment):
        self.run.status = "running"
        for cb in self.callbacks:
            cb.on_start(self.run)

    def on_queue(self, position):
        for cb in self.callbacks:
            cb.on_queue(position)

    def on_progress(self, segment):
        self._merge(segment)
        self.good = self.run.epochs_done
        for cb in self.callbacks:
            cb.on_progress(self.run)

    def on_end(self, segment):
        self._merge(segment)  # a diverged chunk reaches only on_end
        self.run.status, self.run.message = segment.status, {
            "completed": f"Trained {self.run.epochs_done} epochs in all.",
            "stopped": f"Paused after epoch {self.run.epochs_done}.",
            "diverged": (f"The loss became NaN or infinite at epoch {self.run.epochs_done}; training "
                         f"stopped and the weights were restored to those after epoch "
                         f"{self.good}. "
                         "Try a smaller learning rate."),
        }.get(segment.status, segment.message)
        for cb in self.callbacks:
            cb.on_end(self.run)
