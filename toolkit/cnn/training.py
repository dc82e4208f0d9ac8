"""Training several architectures side by side, and reading the results: a table, errors, predictions.

``run_architectures(TrainingConfig(...), data)`` is the one call of the CNN architectures
page: through ``train_architectures``, every architecture is built with the same regularizers
and trained by ``toolkit.train.compare`` from the same seed and the same batch order, so the
runs differ only in their architecture (weights cannot be shared between different
architectures; each is initialised from the same seed). It returns ``ArchitectureResults``:
the runs, the results table and each model's evaluation on the test split.

    (1) time per epoch = wall time / epochs done          (training only, tracing included)
    (2) test accuracy  = #{n : argmax f(x_n) = y_n} / N    on the test split
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from toolkit.cnn.architectures import ARCHITECTURES, classifier
from toolkit.cnn.blocks import CONV_IMPLEMENTATIONS
from toolkit.cnn.regularization import Regularizers
from toolkit.config import setting
from toolkit.train import compare
from toolkit.validation import check_choices

TITLES = {architecture.title: name for name, architecture in ARCHITECTURES.items()}


DATASETS = {"glyphs": "MNIST-like 28×28 characters", "digits": "scikit-learn's 1,797 8×8 digits"}


@dataclasses.dataclass(frozen=True)
class TrainingConfig(Regularizers):
    """The CNN architectures page's settings (field names are its URL names), read by ``benchmarks/cnn.py``.

    It holds the ``Regularizers`` fields too. ResNet is the default: in two epochs on 10,000
    glyphs it reaches 98.6% test accuracy at seed 0 (96.9-99.3% over seeds 0-2; 97% on the
    8×8 digits in a few epochs), where LeNet-5, with a similar number of weights, stays near
    87% (``tests/cnn/test_page_defaults.py``).
    """

    archs: tuple = setting(("resnet",), choices=tuple(ARCHITECTURES), min_count=1, label="Architectures",
                           help="Several train one after the other from the same seed and batches. "
                                "Bigger ones take minutes.")
    dataset: str = setting("glyphs", choices=tuple(DATASETS), label="Dataset",
                           help="; ".join(f"{name}: {what}" for name, what in DATASETS.items()) + ".")
    n: int = setting(10_000, lo=1_000, hi=20_000, step=1_000, widget="number", label="Glyphs (train + test)")
    epochs: int = setting(2, lo=1, hi=30, widget="number", label="Epochs")
    batch: int = setting(64, choices=(32, 64, 128, 256), label="Batch size")
    lr: float = setting(1e-3, lo=1e-5, hi=0.1, step=1e-4, label="Learning rate (Adam)")
    conv: str = setting("keras", choices=CONV_IMPLEMENTATIONS, label="Convolution layers",
                        help="keras: keras.layers.Conv2D and pooling; toolkit: the im2col layers written from scratch.")
    seed: int = setting(0, lo=0, hi=9999, widget="number", label="Seed")

    def source(self) -> tuple[str, dict]:
        """The ``toolkit.data.load(name, **kwargs)`` arguments of the dataset."""
        return ("glyphs", {"n": self.n, "seed": 0}) if self.dataset == "glyphs" else ("digits", {"size": 8})


def train_architectures(names, data, *, epochs: int, batch_size: int = 64, learning_rate: float = 1e-3,
                        regularizers: Regularizers | None = None, conv: str = "keras", seed: int = 0,
                        callbacks=(), stop=None) -> dict:
    """Trains each architecture of `names` on `data` (a ``toolkit.data.Dataset``); returns {title: Run}.

    Every run is named after its architecture's title ("ResNet") and records the
    architecture, the regularizers and the dataset spec in its config.
    """
    names = check_choices("names", names if not isinstance(names, str) else [names], tuple(ARCHITECTURES),
                          min_count=1)
    regularizers = regularizers or Regularizers()
    builders = {ARCHITECTURES[name].title: functools.partial(
        classifier, name, data.input_shape, data.num_classes, learning_rate=learning_rate,
        regularizers=regularizers, conv=conv, seed=seed) for name in names}
    config = {"dataset": data.spec, "learning_rate": learning_rate, "conv": conv,
              "regularizers": regularizers.values()}
    return compare(builders, data, epochs=epochs, batch_size=batch_size, seed=seed, callbacks=callbacks,
                   stop=stop, config=config)


def run_architectures(config: TrainingConfig, data, *, callbacks=(), stop=None) -> ArchitectureResults:
    """The page's one call: trains ``config.archs`` on `data` (``toolkit.data.load(*config.source())``)."""
    runs = train_architectures(config.archs, data, epochs=config.epochs, batch_size=config.batch,
                               learning_rate=config.lr, regularizers=config.regularizers(), conv=config.conv,
                               seed=config.seed, callbacks=callbacks, stop=stop)
    return ArchitectureResults(runs, data)


def predict_classes(model, x, batch_size: int = 256) -> np.ndarray:
    """argmax of the model's class probabilities for every image of `x` (inference mode)."""
    x = np.asarray(x, np.float32)
    rows = [np.asarray(model(x[i:i + batch_size], training=False)) for i in range(0, len(x), batch_size)]
    return np.concatenate(rows).argmax(axis=1)


def classification_accuracy(model, x, y) -> float:
    """Eq. 2."""
    return float(np.mean(predict_classes(model, x) == np.asarray(y).reshape(-1)))


def misclassified(y_true, y_pred, limit: int = 30) -> np.ndarray:
    """Indices of the first `limit` test images whose predicted class is wrong."""
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    return np.flatnonzero(y_true != y_pred)[:limit]


def results_table(runs: dict, data) -> list[dict]:
    """One row per run: architecture, year, parameters, time per epoch (Eq. 1), test accuracy (Eq. 2)."""
    rows = []
    for title, run in runs.items():
        architecture = ARCHITECTURES.get(TITLES.get(title, ""), None)
        rows.append({
            "architecture": title,
            "year": architecture.year if architecture else None,
            "parameters": int(run.model.count_params()),
            "epochs": f"{run.epochs_done}/{run.epochs}",
            "time per epoch (s)": round(run.wall_time / max(run.epochs_done, 1), 2),
            "test accuracy": (round(classification_accuracy(run.model, data.x_test, data.y_test), 4)
                              if run.epochs_done else None),
            "status": run.status,
        })
    return rows


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """A trained classifier on a test split: predictions, accuracy and its mistakes.

    Attributes:
        y_pred: (N,) predicted classes.
        accuracy: Eq. 2.
        wrong: indices of (at most `limit`) misclassified images.
        captions: "true → predicted" for each of `wrong`, with class names.
    """

    y_pred: np.ndarray
    accuracy: float
    wrong: np.ndarray
    captions: list


def evaluate(model, data, limit: int = 30) -> Evaluation:
    """Predictions of `model` on `data`'s test split, its accuracy and its first `limit` mistakes."""
    y_true = np.asarray(data.y_test).reshape(-1)
    y_pred = predict_classes(model, data.x_test)
    wrong = misclassified(y_true, y_pred, limit)
    names = data.classes or tuple(str(k) for k in range(int(max(y_true.max(), y_pred.max())) + 1))
    captions = [f"{names[y_true[i]]} → {names[y_pred[i]]}" for i in wrong]
    return Evaluation(y_pred, float(np.mean(y_pred == y_true)), wrong, captions)


class ArchitectureResults:
    """The runs of one comparison with their test set: the table, and each model's evaluation (computed once)."""

    def __init__(self, runs: dict, data):
        self.runs, self.data = runs, data
        self._evaluations: dict = {}

    @functools.cached_property
    def table(self) -> list[dict]:
        return results_table(self.runs, self.data)

    def evaluation(self, title: str, limit: int = 40) -> Evaluation:
        """``evaluate`` of the run `title` (predictions on the whole test split, cached)."""
        if title not in self._evaluations:
            self._evaluations[title] = evaluate(self.runs[title].model, self.data, limit=limit)
        return self._evaluations[title]
