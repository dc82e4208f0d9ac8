"""Shared pieces of the CNN tests: random images, and keras-cv imported only by the tests that need it."""

import numpy as np
import pytest


@pytest.fixture(scope="session")
def keras_cv():
    """keras-cv, imported lazily (it takes seconds and the toolkit never imports it)."""
    return pytest.importorskip("keras_cv")


def box_of(changed: np.ndarray):
    """(top, bottom, left, right) of the True cells of a (H, W) mask, or None when empty."""
    rows, cols = np.nonzero(changed)
    if not len(rows):
        return None
    return rows.min(), rows.max() + 1, cols.min(), cols.max() + 1


def is_one_rectangle(changed: np.ndarray) -> bool:
    """True when the True cells of `changed` fill exactly their bounding box (or there are none)."""
    box = box_of(changed)
    return box is None or changed[box[0]:box[1], box[2]:box[3]].all() and changed.sum() == \
        (box[1] - box[0]) * (box[3] - box[2])


def tiny_images(n=256, seed=0, size=8):
    """Two classes of (size, size, 1) images that differ by where a bright bar is (left or right)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.uniform(0, 0.2, size=(n, size, size, 1)).astype("float32")
    quarter = size // 4
    for image, label in zip(x, y):
        left = quarter // 2 + label * 2 * quarter
        image[quarter:3 * quarter, left:left + quarter] = 1.0
    return x, y.astype("int32")
