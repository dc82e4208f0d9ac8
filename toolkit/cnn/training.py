"""Training several architectures side by side, and reading the results: a table, errors, predictions.

``train_architectures`` is the one call of the CNN architectures page: every architecture
is built with the same regularizers and trained by ``toolkit.train.compare`` from the same
seed and the same batch order, so the runs differ only in their architecture (weights
cannot be shared between different architectures; each is initialised from the same seed).

    (1) time per epoch = wall time / epochs done          (training only, tracing included)
    (2) test accuracy  = #{n : argmax f(x_n) = y_n} / N    on the test split
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from toolkit.cnn.architectures import ARCHITECTURES, check_architecture, classifier
from toolkit.cnn.regularization import Regularizers
from toolkit.train import compare

TITLES = {architecture.title: name for name, architecture in ARCHITECTURES.items()}


@dataclasses.dataclass(frozen=True)
class TrainingConfig:
    """The CNN architectures page's default run, read by the page and by ``benchmarks/cnn.py``.

    ResNet is the default: on 2 CPU cores it passes 98% test accuracy on 10,000 glyphs in
    two epochs (and 97% on the 8×8 digits in a few), where LeNet-5 stays near 93%.
    """

    architecture: str = "resnet"
    dataset: str = "glyphs"
    n: int = 10_000
    epochs: int = 2
    batch_size: int = 64
    learning_rate: float = 1e-3
    seed: int = 0


def check_names(names) -> list[str]:
    """`names` (keys of ``ARCHITECTURES``) as a list without duplicates; at least one."""
    names = list(dict.fromkeys(names if not isinstance(names, str) else [names]))
    if not names:
        raise ValueError("`names` must list at least one architecture, received an empty list.")
    for name in names:
        check_architecture(name)
    return names


def train_architectures(names, data, *, epochs: int, batch_size: int = 64, learning_rate: float = 1e-3,
                        regularizers: Regularizers | None = None, conv: str = "keras", seed: int = 0,
                        callbacks=(), stop=None) -> dict:
    """Trains each architecture of `names` on `data` (a ``toolkit.data.Dataset``); returns {title: Run}.

    Every run is named after its architecture's title ("ResNet") and records the
    architecture, the regularizers and the dataset spec in its config.
    """
    names = check_names(names)
    regularizers = regularizers or Regularizers()
    builders = {ARCHITECTURES[name].title: functools.partial(
        classifier, name, data.input_shape, data.num_classes, learning_rate=learning_rate,
        regularizers=regularizers, conv=conv, seed=seed) for name in names}
    config = {"dataset": data.spec, "learning_rate": learning_rate, "conv": conv,
              "regularizers": dataclasses.asdict(regularizers)}
    return compare(builders, data, epochs=epochs, batch_size=batch_size, seed=seed, callbacks=callbacks,
                   stop=stop, config=config)


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
