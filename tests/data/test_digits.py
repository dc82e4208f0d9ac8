"""digits: scikit-learn's bundled 8x8 digits, scaled, upsampled and split by class."""

import numpy as np
import pytest

from toolkit.data import digits


@pytest.mark.parametrize("size", [8, 16, 28])
def test_shapes_dtypes_and_range(size):
    ds = digits(size=size)
    assert ds.input_shape == (size, size, 1) and ds.x_train.dtype == np.float32
    assert ds.n_train + ds.n_test == 1797 and ds.y_train.dtype == np.int32
    images = np.concatenate([ds.x_train, ds.x_test])
    assert images.min() >= 0 and images.max() <= 1 and images.max() > 0.99
    assert ds.classes == tuple("0123456789")


def test_scaling_matches_sklearn_counts():
    from sklearn.datasets import load_digits

    ds = digits(size=8, test_ratio=0.2)
    pixel_sums = np.sort(np.concatenate([ds.x_train, ds.x_test]).reshape(1797, -1).sum(1))
    np.testing.assert_allclose(pixel_sums, np.sort(load_digits().data.sum(1) / 16), rtol=1e-5)


def test_upsampling_keeps_the_image():
    small, large = digits(size=8), digits(size=16)
    np.testing.assert_array_equal(small.y_train, large.y_train)
    # Averaging 2x2 blocks of the 16x16 image returns close to the 8x8 original.
    pooled = large.x_train[..., 0].reshape(-1, 8, 2, 8, 2).mean((2, 4))
    assert np.abs(pooled - small.x_train[..., 0]).mean() < 0.08


def test_split_is_stratified():
    ds = digits(test_ratio=0.2)
    train_counts, test_counts = np.bincount(ds.y_train, minlength=10), np.bincount(ds.y_test, minlength=10)
    totals = train_counts + test_counts
    assert np.all(np.abs(test_counts - 0.2 * totals) <= 0.5)
    assert ds.n_test == pytest.approx(0.2 * 1797, abs=5)


def test_seed_controls_the_split():
    a, b, c = digits(seed=1), digits(seed=1), digits(seed=2)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.y_train, c.y_train)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"size": 12}, r"`size` must be one of 8, 16, 28, received size=12\."),
        ({"test_ratio": 0}, r"`test_ratio` must be a finite number in \(0, 1\), received test_ratio=0\."),
    ],
)
def test_bad_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        digits(**kwargs)
