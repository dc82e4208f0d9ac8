"""scikit-learn's bundled 8x8 handwritten digits (UCI optdigits test set), offline.

1797 images of the digits 0-9 with 16 grey levels, shipped inside scikit-learn, so loading
needs no network. Pixel counts 0..16 are scaled to [0, 1],

    x = counts / 16,                                                                 (1)

and optionally upsampled to size x size by bilinear interpolation (scipy.ndimage.zoom,
order 1), which stays inside [0, 1] because every output is a convex mix of inputs. The
split is stratified, so every digit keeps the same share in train and test.
"""

from __future__ import annotations

import numpy as np

from toolkit.validation import check_choice, check_float, check_seed
from toolkit.data.dataset import Dataset, stratified_split

SIZES = (8, 16, 28)
DESCRIPTION = "scikit-learn's 1,797 handwritten 8x8 digits (UCI optdigits), scaled to [0, 1]."


def load_digit_images() -> tuple[np.ndarray, np.ndarray]:
    """Images (1797, 8, 8) float32 in [0, 1] (Eq. 1) and labels int32."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return (bunch.images / 16.0).astype(np.float32), bunch.target.astype(np.int32)


def upsample(images: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize of (N, 8, 8) to (N, size, size), clipped to [0, 1] against rounding."""
    from scipy.ndimage import zoom

    if size == images.shape[1]:
        return images
    factor = size / images.shape[1]
    resized = zoom(images, (1, factor, factor), order=1, grid_mode=True, mode="nearest")
    return np.clip(resized, 0.0, 1.0).astype(np.float32)


def digits(size: int = 8, test_ratio: float = 0.2, seed: int = 0) -> Dataset:
    """The bundled digits as (N, size, size, 1) float32 images with a stratified split."""
    size = check_choice("size", size, SIZES)
    test_ratio = check_float("test_ratio", test_ratio, 0.0, 1.0, open_low=True, open_high=True)
    seed = check_seed(seed)
    images, labels = load_digit_images()
    x = upsample(images, size)[..., None]  # (N, size, size, 1)
    train, test = stratified_split(labels, test_ratio, np.random.default_rng(seed))
    return Dataset(
        name="digits",
        x_train=x[train],
        y_train=labels[train],
        x_test=x[test],
        y_test=labels[test],
        task="classification",
        classes=tuple(str(digit) for digit in range(10)),
        description=DESCRIPTION,
        spec={"name": "digits", "size": size, "test_ratio": test_ratio, "seed": seed},
    )
