"""The Recurrent networks page's lab: vanilla RNN, LSTM and GRU side by side on the notes' tasks.

``run_recurrent(RecurrentConfig(...))`` builds one network per chosen cell (and, when asked,
the same cell trained with truncated BPTT), trains them from identical weights on identical
batches (``toolkit.train.compare``) and returns the runs with what the page draws: each
trained network's gradient curve ||∂L/∂h_t|| over the steps, and the task's own view.

The tasks are the notes' three shapes of an RNN:

    adding      many-to-one   x (T, 2) → y = v_p + v_q       the long-range dependency, in numbers
    sentiment   many-to-one   words → negative / neutral / positive, read from the last state
    sine        many-to-many  ŷ_t = s(t + 1) at every step; then one-to-many: the trained network
                              continues a series by reading its own predictions back
    copy        many-to-many  repeat a message after T − 10 blanks (Arjovsky et al. 2016)

Every network is input → (word embedding) → the recurrent cell → a readout layer:

    h_t = f_W(x_t, h_{t−1})      (vanilla: tanh(W_x x_t + W_h h_{t−1}); LSTM, GRU: their gates)   (1)
    ŷ = W_y h_T + b_y            (many-to-one; many-to-many: ŷ_t = W_y h_t + b_y at every t)    (2)

with the softmax of the notes' y_t = softmax(W_y h_t + b_y) folded into the cross-entropy
(``from_logits=True``). The page's defaults show the claim of the chapter: on the adding problem
with T = 40 the vanilla RNN stays at the constant predictor's MSE (1/6) while the LSTM and the
GRU learn it, and only the gated cells' trained gradient reaches step 1
(``tests/rnn/test_page_defaults.py``).
"""

from __future__ import annotations

import dataclasses
import functools
import time
from typing import NamedTuple

import keras
import numpy as np

from toolkit.config import Config, setting
from toolkit.data.dataset import Dataset

CELL_NAMES = ("vanilla", "lstm", "gru")
CELL_TITLES = {"vanilla": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}
CELL_FORMULAS = {
    "vanilla": r"\text{vanilla: } h_t = \tanh(W_x x_t + W_h h_{t-1})",
    "lstm": r"\text{LSTM: } c_t = f_t \odot c_{t-1} + i_t \odot g_t,\ h_t = o_t \odot \tanh(c_t)",
    "gru": r"\text{GRU: } h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tanh W\binom{x_t}{r_t \odot h_{t-1}}",
}
BPTT_NAMES = ("full", "truncated")
EMBEDDING_DIM = 16
COPY_LENGTH, COPY_SYMBOLS = 5, 8
SINE_NOISE = 0.1
PROBE_SEQUENCES = 64  # held-out sequences the gradient curve averages over


class Task(NamedTuple):
    title: str
    shape: str  # "many-to-one" or "many-to-many"
    classification: bool
    formula: str


TASKS = {
    "adding": Task("Adding problem", "many-to-one", False, r"y = v_p + v_q,\ \ p < T/2 \le q"),
    "sentiment": Task("Review sentiment", "many-to-one", True, r"y = \mathrm{softmax}(W_y h_T + b_y)"),
    "sine": Task("Sine forecasting", "many-to-many", False, r"\hat y_t = s(t + 1)"),
    "copy": Task("Copy memory", "many-to-many", True, r"y_{T-L+j} = x_j,\ j = 1..L"),
}
TASK_FORMULAS = {name: task.formula for name, task in TASKS.items()}
BPTT_FORMULAS = {"full": r"\frac{\partial L}{\partial W} = \sum_{t=1}^{T} \frac{\partial L}{\partial h_t}"
                         r"\frac{\partial h_t}{\partial W}",
                 "truncated": r"\text{every } k_1 \text{ steps: backprop } k_2 \text{ steps, update } W"}


@dataclasses.dataclass(frozen=True)
class RecurrentConfig(Config):
    """The Recurrent networks page's settings (field names are its URL names).

    The defaults are the notes' vanishing-gradient story in about 30 s on 2 cores: the adding
    problem at T = 40, where the vanilla RNN does not learn and the LSTM and GRU do.
    """

    task: str = setting("adding", choices=tuple(TASKS), label="Task", formula=TASK_FORMULAS,
                        help="adding and sentiment are many-to-one, sine and copy many-to-many.")
    cells: tuple = setting(CELL_NAMES, choices=CELL_NAMES, min_count=1, label="Cells", formula=CELL_FORMULAS,
                           help="Each trains in turn from the same seed on the same batches.")
    length: int = setting(40, lo=12, hi=200, label="Sequence length T",
                          help="Steps per sequence (sentiment: words per review; copy: T − 10 blanks).")
    units: int = setting(32, lo=1, hi=256, widget="number", label="Hidden units",
                         formula=r"h_t \in \mathbb{R}^{\text{units}}")
    n: int = setting(4000, lo=200, hi=20_000, step=100, widget="number", label="Sequences")
    epochs: int = setting(12, lo=1, hi=200, widget="number", label="Epochs")
    batch: int = setting(64, choices=(16, 32, 64, 128, 256), label="Batch size")
    lr: float = setting(0.01, lo=1e-5, hi=1.0, step=1e-3, label="Learning rate (Adam)")
    bptt: tuple = setting(("full",), choices=BPTT_NAMES, min_count=1, label="Backprop through time",
                          formula=BPTT_FORMULAS, help="Pick both to race full BPTT against truncated BPTT "
                                                      "from the same weights.")
    k1: int = setting(40, lo=1, hi=200, label="k₁ (block length)", formula=r"\text{block} = k_1 \text{ steps}")
    k2: int = setting(10, lo=1, hi=200, label="k₂ (backprop steps)", formula=r"1 \le k_2 \le k_1")
    builtin: bool = setting(False, label="Keras built-in cells",
                            help="keras.layers.SimpleRNNCell / LSTMCell / GRUCell instead of the toolkit's.")
    seed: int = setting(0, lo=0, hi=9999, widget="number", label="Seed")

    def check(self):
        if "truncated" not in self.bptt:
            return
        if self.task == "sentiment":
            raise ValueError("Truncated BPTT trains the numeric tasks (adding, sine, copy); the sentiment "
                             "network's word embedding sits outside its cell. Pick full BPTT for sentiment.")
        if not self.k2 <= self.k1 <= self.length:
            raise ValueError(f"Truncated BPTT needs k2 ≤ k1 ≤ T, received k1={self.k1}, k2={self.k2}, "
                             f"T={self.length}: lower k1 or k2.")

    def variants(self) -> dict[str, tuple[str, str]]:
        """Run label -> (cell, "full" | "truncated"), in training order."""
        label = functools.partial(run_label, k1=self.k1, k2=self.k2)
        return {label(cell, mode): (cell, mode) for cell in self.cells for mode in self.bptt}


def run_label(cell: str, mode: str, k1: int, k2: int) -> str:
    return CELL_TITLES[cell] if mode == "full" else f"{CELL_TITLES[cell]}, TBPTT k₁={k1} k₂={k2}"


# ---------------------------------------------------------------- data
def data_spec(config: RecurrentConfig) -> dict:
    """The ``toolkit.data.load`` arguments of the config's task (the page caches on them)."""
    t, n, seed = config.length, config.n, config.seed
    return {
        "adding": {"name": "adding", "n": n, "length": t, "seed": seed},
        "sine": {"name": "sine", "n": n, "length": t, "noise": SINE_NOISE, "seed": seed},
        "copy": {"name": "copy", "n": n, "delay": t - 2 * COPY_LENGTH, "copy_length": COPY_LENGTH,
                 "symbols": COPY_SYMBOLS, "seed": seed},
        "sentiment": {"name": "sentiment", "n": n, "max_words": t, "seed": seed},
    }[config.task]


def network_inputs(data: Dataset) -> Dataset:
    """Copy memory's token ids as one-hot vectors (the cells read floats); other tasks, and copy
    data already one-hot, unchanged."""
    if data.name != "copy" or data.x_train.ndim == 3:
        return data
    eye = np.eye(data.num_classes, dtype=np.float32)
    return dataclasses.replace(data, x_train=eye[data.x_train], x_test=eye[data.x_test])


# ---------------------------------------------------------------- networks
def within_tolerance(y_true, y_pred):
    """The adding problem's accuracy: |ŷ − y| < 0.04 (``toolkit.data.sequences.adding_accuracy``)."""
    from toolkit.data.sequences import SOLVED_TOLERANCE

    y_pred = keras.ops.reshape(y_pred, keras.ops.shape(y_true))
    return keras.ops.cast(keras.ops.abs(y_true - y_pred) < SOLVED_TOLERANCE, "float32")


def copied_accuracy(y_true, y_pred):
    """Copy memory's accuracy on the copied steps only (blanks are free; chance is 1/K)."""
    y_true = keras.ops.cast(y_true, "int32")
    copied = keras.ops.cast(y_true > 0, "float32")
    right = keras.ops.cast(keras.ops.argmax(y_pred, axis=-1) == y_true, "float32")
    return keras.ops.sum(right * copied) / keras.ops.maximum(keras.ops.sum(copied), 1.0)


class _TaskAccuracy(keras.metrics.MeanMetricWrapper):
    """A task's accuracy function as a metric a saved network reloads with ("accuracy" in logs)."""

    accuracy = None  # the function of (y_true, y_pred), set by each subclass

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(type(self).accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@keras.saving.register_keras_serializable(package="toolkit")
class WithinTolerance(_TaskAccuracy):
    """``within_tolerance``, the adding problem's accuracy."""

    accuracy = staticmethod(within_tolerance)


@keras.saving.register_keras_serializable(package="toolkit")
class CopiedAccuracy(_TaskAccuracy):
    """``copied_accuracy``, copy memory's accuracy (the mean of batch values)."""

    accuracy = staticmethod(copied_accuracy)


def loss_and_metrics(task: str):
    if task == "adding":
        return "mse", [WithinTolerance()]
    if task == "sine":
        return "mse", []
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    if task == "copy":
        return loss, [CopiedAccuracy()]
    return loss, [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]


def build_network(config: RecurrentConfig, cell_kind: str, mode: str, data: Dataset) -> keras.Model:
    """Eq. 1-2 for the config's task, compiled with Adam(lr): a Sequential, or a ``TruncatedBPTT``."""
    from toolkit.rnn.bptt import TruncatedBPTT
    from toolkit.rnn.cells import make_cell

    task = TASKS[config.task]
    many_to_one = task.shape == "many-to-one"
    outputs = data.num_classes if task.classification else 1
    cell = make_cell(cell_kind, config.units, builtin=config.builtin)
    readout = keras.layers.Dense(outputs, name="readout")
    if mode == "truncated":
        model = TruncatedBPTT(cell, readout, k1=config.k1, k2=config.k2, many_to_one=many_to_one)
        model.build((None, *data.x_train.shape[1:]))
    else:
        layers = [keras.Input(data.x_train.shape[1:])]
        if config.task == "sentiment":
            from toolkit.data.text import sentiment_tokenizer

            layers.append(keras.layers.Embedding(len(sentiment_tokenizer()), EMBEDDING_DIM, name="embedding"))
        layers += [keras.layers.RNN(cell, return_sequences=not many_to_one, name="rnn"), readout]
        model = keras.Sequential(layers, name=f"{cell_kind}_{config.task}")
    loss, metrics = loss_and_metrics(config.task)
    model.compile(optimizer=keras.optimizers.Adam(config.lr), loss=loss, metrics=metrics)
    return model


class Parts(NamedTuple):
    embedding: keras.layers.Layer | None
    cell: keras.layers.Layer
    readout: keras.layers.Layer


def network_parts(model: keras.Model) -> Parts:
    """The embedding (or None), the cell and the readout of a network of ``build_network``."""
    if hasattr(model, "readout") and hasattr(model, "rnn"):  # TruncatedBPTT
        return Parts(None, model.cell, model.readout)
    embedding = next((layer for layer in model.layers if isinstance(layer, keras.layers.Embedding)), None)
    return Parts(embedding, model.get_layer("rnn").cell, model.get_layer("readout"))


# ---------------------------------------------------------------- what the page watches
def gradient_curve(model: keras.Model, probe: tuple, task: str) -> np.ndarray:
    """||∂L/∂h_t|| over t for the loss at the last step of `probe` = (x, y) (``hidden_state_gradients``)."""
    from toolkit.rnn.gradients import hidden_state_gradients

    parts = network_parts(model)
    x, y = probe
    if parts.embedding is not None:
        x = keras.ops.convert_to_numpy(parts.embedding(x))
    last = y if TASKS[task].shape == "many-to-one" else y[:, -1]
    loss, _ = loss_and_metrics(task)
    return hidden_state_gradients(parts.cell, parts.readout, x, last, keras.losses.get(loss))


class GradientMonitor:
    """``live.watch`` function: the current network's gradient curve, at most once per new epoch
    and once per `every` seconds (a curve costs 0.1-0.3 s of the training thread on 2 cores).

    Returns {"gradients": run name -> (T,) norms} holding every run's latest curve, so the
    heatmap keeps finished runs' rows while the next one trains; ``run_recurrent`` takes every
    run's curve at its last epoch after training.
    """

    def __init__(self, data: Dataset, task: str, every: float = 1.0):
        count = min(PROBE_SEQUENCES, len(data.x_test))
        self.probe, self.task, self.every = (data.x_test[:count], data.y_test[:count]), task, every
        self.curves, self.epochs, self._seen, self._last = {}, {}, {}, -float("inf")

    def __call__(self, run, *, final: bool = False) -> dict:
        final = final or getattr(run, "finished", False)  # a run's last curve is never skipped
        fresh = run.name not in self.curves or time.monotonic() - self._last >= self.every
        if run.model is not None and self._seen.get(run.name) != run.epochs_done and (fresh or final):
            self._seen[run.name], self._last = run.epochs_done, time.monotonic()
            self.curves = {**self.curves, run.name: gradient_curve(run.model, self.probe, self.task)}
            self.epochs = {**self.epochs, run.name: run.epochs_done}
        return {"gradients": self.curves, "gradient_epochs": self.epochs}


# ---------------------------------------------------------------- the run
@dataclasses.dataclass
class RecurrentResult:
    """What ``run_recurrent`` returns: the runs, and per run its final gradient curve."""

    config: RecurrentConfig
    runs: dict
    gradients: dict
    data: Dataset

    def table(self) -> list[dict]:
        from toolkit.rnn.gradients import gradient_ratio

        rows = []
        for label, run in self.runs.items():
            cell, mode = self.config.variants()[label]
            history, curve = run.history, self.gradients.get(label)
            row = {"Network": label, "Parameters": run.model.count_params() if run.model is not None else None,
                   "Backprop steps per sequence": backprop_steps(self.config, mode),
                   "Held-out loss": last_value(history, "val_loss")}
            if "val_accuracy" in history:
                row["Held-out accuracy"] = last_value(history, "val_accuracy")
            row["log₁₀ ‖∂L/∂h₁‖/‖∂L/∂h_T‖"] = (round(float(np.log10(max(gradient_ratio(curve), 1e-30))), 1)
                                              if curve is not None and curve[-1] > 0 else None)
            row["Training (s)"] = round(run.wall_time, 1)
            row["s per epoch"] = round(run.wall_time / max(run.epochs_done, 1), 2)
            rows.append(row)
        return rows


def last_value(history, key):
    """The last value of `key` in a run history, rounded to 4 decimals (None when absent or empty)."""
    values = history.get(key)
    return None if values is None or not len(values) else round(float(values[-1]), 4)


def backprop_steps(config: RecurrentConfig, mode: str) -> int:
    """Eq. 8 of ``toolkit.rnn.bptt``: steps backpropagated per sequence (T for full BPTT)."""
    from toolkit.rnn.bptt import backprop_steps_per_sequence

    many_to_one = TASKS[config.task].shape == "many-to-one"
    if mode == "full":
        return config.length
    return backprop_steps_per_sequence(config.length, config.k1, config.k2, many_to_one)


def run_recurrent(config: RecurrentConfig, data: Dataset | None = None, *, callbacks=(), stop=None,
                  monitor: GradientMonitor | None = None) -> RecurrentResult:
    """Trains every chosen variant from identical weights (``toolkit.train.compare``).

    `data`: the task's dataset (``toolkit.data.load(**data_spec(config))`` when None). `monitor`:
    the page's live ``GradientMonitor``, whose curves are reused for the result when given.
    """
    from toolkit.data import load
    from toolkit.train import compare

    data = network_inputs(data if data is not None else load(**data_spec(config)))
    builders = {label: functools.partial(build_network, config, cell, mode, data)
                for label, (cell, mode) in config.variants().items()}
    runs = compare(builders, data, epochs=config.epochs, batch_size=config.batch, seed=config.seed,
                   callbacks=callbacks, stop=stop, config={"task": config.task, "length": config.length})
    monitor = monitor or GradientMonitor(data, config.task)
    for run in runs.values():
        if run.model is not None:
            monitor(run, final=True)
    return RecurrentResult(config, runs, {name: monitor.curves[name] for name in runs if name in monitor.curves},
                           data)


# ---------------------------------------------------------------- task views
def continue_series(model: keras.Model, seed: np.ndarray, steps: int) -> np.ndarray:
    """One-to-many: read `seed` (S, P, 1), then feed each prediction back as the next input.

    Returns (S, steps): ŷ_{P+1} … ŷ_{P+steps}, where ŷ_{t+1} = readout(h_t) and x_{t+1} = ŷ_{t+1}.
    """
    from toolkit.rnn.gradients import cell_step, zero_state

    parts = network_parts(model)
    states = zero_state(parts.cell, len(seed))
    x = keras.ops.convert_to_tensor(np.asarray(seed, np.float32))
    for t in range(x.shape[1]):
        h, states = cell_step(parts.cell, x[:, t], states)
    generated = []
    for _ in range(steps):
        y = parts.readout(h)  # (S, 1): the forecast of the next value, read back in
        generated.append(keras.ops.convert_to_numpy(y)[:, 0])
        h, states = cell_step(parts.cell, y, states)
    return np.stack(generated, axis=1)


def continuation_views(result: RecurrentResult, series: int = 3) -> dict:
    """The sine task's one-to-many view: seeds, true continuations, each run's generated ones."""
    from toolkit.data.sequences import sine_continuation

    data, t = result.data, result.config.length
    seed = data.x_test[:series]
    attrs = {key: data.attrs_test[key][:series] for key in ("frequency", "phase", "amplitude")}
    truth = sine_continuation(attrs, t, t)
    generated = {label: continue_series(run.model, seed, t) for label, run in result.runs.items()
                 if run.model is not None}
    return {"seed": seed[..., 0], "truth": truth, "generated": generated}


class SentenceReading(NamedTuple):
    words: list
    predictions: dict  # run label -> class probabilities
    gates: dict | None  # the first LSTM run's gates, {"i", "f", "g", "o", "c", "h"} -> (words, units)
    gates_of: str | None
    rule: int  # the corpus's own label for the text (toolkit.data.text.label_review)


def read_sentence(result: RecurrentResult, text: str) -> SentenceReading:
    """The sentiment task's view of a typed review: each network's answer, the LSTM's gates and the
    corpus rule's label. Words and gates start one step before the first word (the rest is padding)."""
    from toolkit.data.text import label_review, sentiment_tokenizer
    from toolkit.rnn.cells import lstm_gates

    tokenizer = sentiment_tokenizer()
    ids = tokenizer.encode([text], length=result.config.length, padding="pre")  # (1, T)
    first = max(int(np.argmax(ids[0] > 0)) - 1, 0) if ids[0].any() else len(ids[0]) - 1  # one pad shown
    words = [tokenizer.vocabulary[i] if i else "·" for i in ids[0, first:]]
    predictions, gates, gates_of = {}, None, None
    for label, run in result.runs.items():
        if run.model is None:
            continue
        predictions[label] = keras.ops.convert_to_numpy(keras.ops.softmax(run.model(ids)))[0]
        cell = result.config.variants()[label][0]
        if cell == "lstm" and gates is None:
            parts = network_parts(run.model)
            gates = lstm_gates(parts.cell, keras.ops.convert_to_numpy(parts.embedding(ids))[0])
            gates, gates_of = {name: values[first:] for name, values in gates.items()}, label
    return SentenceReading(words, predictions, gates, gates_of, label_review(text))


class Preset(NamedTuple):
    """A lesson of the page: settings that show one claim of the notes, and the claim."""

    name: str
    title: str
    explanation: str
    values: dict


PRESETS = (
    Preset("vanishing", "The vanishing gradient (the defaults)",
           "The first marked value lies 20 to 40 steps before the end. The vanilla RNN's error signal "
           "shrinks by a factor tanh′·W_h at every step back, so it stays at the constant guess (MSE 1/6); "
           "the LSTM's memory c_t and the GRU's update gate carry it, and both learn the sum.", {}),
    Preset("truncation", "Truncated BPTT cannot learn past k₂",
           "Copy memory: the message of 5 symbols comes first, 10 blanks later the network must write it "
           "out. Full BPTT backpropagates all 20 steps; truncated BPTT with k₁ = 20, k₂ = 5 only the last 5, "
           "the output steps, so no error ever tells the LSTM to store the message: it stays at chance "
           "(1 in 8) while doing a quarter of the backward work (at this size a CPU spends that time on "
           "per-step overhead; with T = 100 and 128 units an epoch is 1.6× faster). (A GRU picks up some of the message even "
           "so: its forward-only steps still carry it in h_t, and the readout learns to decode it.)",
           {"task": "copy", "length": 20, "cells": ("lstm",), "bptt": ("full", "truncated"), "k1": 20, "k2": 5,
            "epochs": 20}),
    Preset("gates", "An LSTM reads reviews (many-to-one)",
           "Reviews of up to 30 words, some with the decisive word early and filler after it, and "
           "negations (\"not good\"). After training, type a review below the results and watch the "
           "input, forget and output gates word by word.",
           {"task": "sentiment", "cells": ("lstm", "gru"), "length": 30, "n": 3000, "epochs": 6}),
    Preset("generate", "Forecast, then generate (many-to-many, one-to-many)",
           "Each network learns to predict a noisy sine's next value at every step; then it continues "
           "a series alone, reading its own predictions back as inputs.",
           {"task": "sine", "length": 50, "n": 2000, "epochs": 10}),
)
