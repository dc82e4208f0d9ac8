"""MNIST, Fashion-MNIST and CIFAR-10 through keras.datasets: the only module that may download.

Keras keeps downloaded files under `$KERAS_HOME/datasets` (default `~/.keras/datasets`) and
reads them from there on later calls. Here the cache is checked first; when a file is missing
the download is tried, and if it fails (no network) one `DatasetUnavailable` error names the
missing files and the built-in dataset to use instead. Images are scaled to [0, 1],

    x = pixels / 255,    shape (N, H, W, C) float32,    y int32 in 0..9.                  (1)

keras is imported inside the functions, so `import toolkit.data` stays fast.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from toolkit.data.dataset import Dataset

FASHION_FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")

# File(s) keras.datasets keeps for each dataset, relative to $KERAS_HOME/datasets.
KERAS_FILES = {
    "mnist": ("mnist.npz",),
    "fashion_mnist": tuple(f"fashion-mnist/{name}" for name in FASHION_FILES),
    "cifar10": ("cifar-10-batches-py-target_archive",),
}

CLASSES = {
    "mnist": tuple(str(digit) for digit in range(10)),
    "fashion_mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    "cifar10": ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
}

DESCRIPTIONS = {
    "mnist": "MNIST: 70,000 handwritten digits, 28x28 grey (downloaded once by keras, 11 MB).",
    "fashion_mnist": "Fashion-MNIST: 70,000 28x28 grey images of 10 kinds of clothing (downloaded once by keras, 30 MB).",
    "cifar10": "CIFAR-10: 60,000 32x32 colour photos in 10 classes (downloaded once by keras, 163 MB).",
}

INPUT_SHAPES = {"mnist": (28, 28, 1), "fashion_mnist": (28, 28, 1), "cifar10": (32, 32, 3)}

# The built-in dataset to suggest when a download is impossible.
OFFLINE_ALTERNATIVES = {
    "mnist": "use toolkit.data.load('glyphs') for an offline MNIST stand-in",
    "fashion_mnist": "use toolkit.data.load('glyphs') for an offline 28x28 stand-in",
    "cifar10": "use toolkit.data.load('glyphs') or toolkit.data.load('digits') for an offline image dataset",
}

EXTERNAL_NAMES = tuple(KERAS_FILES)
SOURCE = "keras.datasets (download)"


class DatasetUnavailable(RuntimeError):
    """An external dataset is neither cached on disk nor downloadable right now."""


def keras_datasets_dir() -> Path:
    """Where keras.datasets keeps its files: $KERAS_HOME/datasets, else ~/.keras/datasets."""
    home = os.environ.get("KERAS_HOME")
    if home:
        return Path(home).expanduser() / "datasets"
    base = Path.home()
    if not os.access(base, os.W_OK):
        base = Path("/tmp")  # keras falls back the same way
    return base / ".keras" / "datasets"


def missing_files(name: str) -> list[Path]:
    """The files of dataset `name` not yet in the keras cache (empty when it is cached)."""
    folder = keras_datasets_dir()
    return [folder / file for file in KERAS_FILES[name] if not (folder / file).exists()]


def keras_load_data(name: str):
    """`keras.datasets.<name>.load_data()`: reads the cache, downloading what is missing."""
    import keras

    return getattr(keras.datasets, name).load_data()


def fetch(name: str):
    """((x_train, y_train), (x_test, y_test)) from keras, or DatasetUnavailable if they cannot be had."""
    missing = missing_files(name)
    try:
        return keras_load_data(name)
    except Exception as error:
        if not missing:
            raise  # the files were there: a real error, not a missing download
        paths = ", ".join(str(path) for path in missing)
        raise DatasetUnavailable(
            f"{name} is not cached ({paths} missing) and could not be downloaded "
            f"({type(error).__name__}: {error}); {OFFLINE_ALTERNATIVES[name]}."
        ) from error


def as_images(pixels: np.ndarray) -> np.ndarray:
    """Eq. 1: uint8 pixels (N, H, W[, C]) -> float32 in [0, 1] with a channel axis."""
    images = pixels.astype(np.float32) / 255.0
    return images[..., None] if images.ndim == 3 else images


def external_dataset(name: str) -> Dataset:
    (x_train, y_train), (x_test, y_test) = fetch(name)
    return Dataset(
        name=name,
        x_train=as_images(x_train),
        y_train=np.asarray(y_train).reshape(-1).astype(np.int32),
        x_test=as_images(x_test),
        y_test=np.asarray(y_test).reshape(-1).astype(np.int32),
        task="classification",
        classes=CLASSES[name],
        description=DESCRIPTIONS[name],
        spec={"name": name},
    )


def mnist() -> Dataset:
    """MNIST's 60,000 / 10,000 split of 28x28 handwritten digits, (N, 28, 28, 1) in [0, 1]."""
    return external_dataset("mnist")


def fashion_mnist() -> Dataset:
    """Fashion-MNIST's 60,000 / 10,000 split of 28x28 clothing images, (N, 28, 28, 1) in [0, 1]."""
    return external_dataset("fashion_mnist")


def cifar10() -> Dataset:
    """CIFAR-10's 50,000 / 10,000 split of 32x32 colour photos, (N, 32, 32, 3) in [0, 1]."""
    return external_dataset("cifar10")
