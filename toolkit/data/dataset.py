"""The `Dataset` record every builder returns, and the train/test splits they share.

A dataset is a train split and a test split of inputs `x` and targets `y`. The test split is
a held-out sample of the same distribution: a random fraction `test_ratio` of the N examples,

    N_test = round(test_ratio * N),    N_train = N - N_test,                         (1)

drawn either uniformly (`shuffled_split`) or per class (`stratified_split`, so every class
keeps the same proportion in both splits).

`spec` holds the keyword arguments that rebuild the dataset: `toolkit.data.load(**ds.spec)`
returns identical arrays, which lets a run record name its data in a few bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

TASKS = ("classification", "regression")


@dataclass(frozen=True)
class Dataset:
    """Train and test arrays of one dataset, with what is needed to describe and rebuild it.

    Classification targets are int32 class ids 0..K-1 naming `classes[k]`; regression targets
    are float32 of shape (N,) and `classes` is (). Sequence tasks may have one target per step,
    (N, T) or (N, T, 1) (toolkit.data.sequences). `attrs_train` / `attrs_test` hold per-sample
    attributes sampled by a generator (the glyphs' rotation, thickness, ...), aligned with x.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    task: str
    classes: tuple[str, ...]
    description: str
    spec: dict
    attrs_train: dict[str, np.ndarray] = field(default_factory=dict)
    attrs_test: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"`task` must be one of {TASKS}, received task={self.task!r}.")
        if len(self.x_train) != len(self.y_train) or len(self.x_test) != len(self.y_test):
            raise ValueError(
                f"x and y must have the same length, received {len(self.x_train)} x_train vs "
                f"{len(self.y_train)} y_train and {len(self.x_test)} x_test vs {len(self.y_test)} y_test."
            )

    @classmethod
    def from_indices(cls, name: str, x: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray, *,
                     attrs: dict | None = None, **fields) -> "Dataset":
        """The Dataset of all N examples `x`, `y` (and per-example `attrs`) split by the index
        arrays `train` and `test` (from `shuffled_split` or `stratified_split`)."""
        attrs = attrs or {}
        return cls(name=name, x_train=x[train], y_train=y[train], x_test=x[test], y_test=y[test],
                   attrs_train={key: values[train] for key, values in attrs.items()},
                   attrs_test={key: values[test] for key, values in attrs.items()}, **fields)

    @property
    def num_classes(self) -> int:
        """K for classification, 0 for regression."""
        return len(self.classes)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one input, e.g. (2,) for the toy sets or (28, 28, 1) for glyphs."""
        return tuple(self.x_train.shape[1:])

    @property
    def n_train(self) -> int:
        return len(self.x_train)

    @property
    def n_test(self) -> int:
        return len(self.x_test)

    def __repr__(self) -> str:
        kind = f"{self.num_classes} classes" if self.task == "classification" else "regression"
        return (
            f"Dataset({self.name!r}, input_shape={self.input_shape}, {kind}, "
            f"n_train={self.n_train}, n_test={self.n_test})"
        )


def held_out_size(n: int, test_ratio: float) -> int:
    """Eq. 1, kept inside [1, n - 1] so that neither split is empty."""
    return int(min(max(round(test_ratio * n), 1), n - 1))


def shuffled_split(n: int, test_ratio: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test) of a uniformly shuffled split of n examples (Eq. 1)."""
    order = rng.permutation(n)
    n_test = held_out_size(n, test_ratio)
    return order[n_test:], order[:n_test]


def stratified_split(labels: np.ndarray, test_ratio: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test) that hold out `test_ratio` of every class, each split shuffled."""
    train, test = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_test = int(round(test_ratio * len(members)))
        test.append(members[:n_test])
        train.append(members[n_test:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))
